import { Writable } from "node:stream";
import type { CliStreams } from "../../src/cli/command-line.js";

/** A CLI's output streams, kept in memory. */
export interface CapturedOutput {
  streams: CliStreams;
  stdout(): string;
  stderr(): string;
}

/** Streams for a CLI's main() whose text the test reads afterwards. */
export function captureOutput(): CapturedOutput {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const into = (chunks: string[]) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString("utf8"));
        done();
      },
    });
  return { streams: { stdout: into(stdout), stderr: into(stderr) }, stdout: () => stdout.join(""), stderr: () => stderr.join("") };
}
