import { spawn } from "node:child_process";
import { resolve } from "node:path";

/** The repository root, where npm scripts and relative source paths resolve. */
export const REPO_ROOT = resolve(__dirname, "../..");

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end from the repository root, with `env` added to this process's environment. */
export function runProcess(command: string, args: readonly string[], env: Record<string, string>): Promise<ProcessResult> {
  return new Promise((done, fail) => {
    const child = spawn(command, [...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

/** Runs a TypeScript file with node --import tsx, as the npm scripts do. */
export function runTypeScript(file: string, args: readonly string[], env: Record<string, string>): Promise<ProcessResult> {
  return runProcess(process.execPath, ["--import", "tsx", file, ...args], env);
}
