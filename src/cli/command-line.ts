import { parseArgs, type ParseArgsConfig } from "node:util";
import { ConfigError } from "../config.js";

/** Where a command-line tool writes: process.stdout and process.stderr, or buffers in tests. */
export interface CliStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** A tool's entry point: arguments in, exit status out. */
export type CliMain = (argv: readonly string[], out: CliStreams) => Promise<number>;

/** Bad arguments: the message says what was wrong and what to type instead. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Says what was wrong with the arguments (then `afterUsage`, e.g. the usage text) or the
 * configuration, and gives the exit status for "could not run" (2). Anything else is rethrown.
 */
export function setupFailure(err: unknown, out: CliStreams, afterUsage: string): 2 {
  if (err instanceof UsageError) out.stderr.write(`${err.message}\n${afterUsage}`);
  else if (err instanceof ConfigError) out.stderr.write(`${err.message}\n`);
  else throw err;
  return 2;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses options strictly (no positionals, no unknown options); parseArgs' own messages already
 * name the offending option, so they are passed on as a UsageError.
 */
export function parseOptions<T extends Options>(argv: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** The message of anything thrown, for a one-line report. */
export function messageOf(err: unknown): string {
  // A connection refused on every address of a host name is an AggregateError with no message.
  if (err instanceof AggregateError && err.message === "") return err.errors.map(messageOf).join("; ");
  if (err instanceof Error) return err.message === "" ? ((err as NodeJS.ErrnoException).code ?? err.name) : err.message;
  return String(err);
}

/**
 * Runs a tool as the process's main module. Sets the exit code rather than calling process.exit,
 * so output still buffered for a pipe is written before the process ends.
 */
export function runAsScript(main: CliMain): void {
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${messageOf(err)}\n`);
      process.exitCode = 1;
    },
  );
}
