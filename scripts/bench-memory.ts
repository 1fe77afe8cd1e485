/**
 * `npm run bench:memory [-- --users 100000 --scale 30 --no-build]`: the bot process's resident
 * memory through a job of `--users` users. The production build (`dist/index.js`, built first)
 * runs as its own process with channel authentication on, against the Graph simulator (latency 0;
 * Graph's write quota of 3,000 per 150 s with the window divided by `--scale`) and a local
 * connector; a revoker asks for the department in a channel, an approver approves on the card,
 * and the job runs to its end with the card edited as it goes.
 *
 * Prints the bot's RSS after start-up, after the request was made (the department resolved and
 * frozen), and its peak (Linux VmHWM: the most it ever held) during and after the job, with the
 * job's outcome counts. Goal (issue 12): a 100,000-user job under 250 MB peak RSS.
 */
import { parseStackArgs, requestProgress, startDepartmentJob, startStack } from "./bench/bot-stack.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MB`;

async function main(): Promise<void> {
  const options = parseStackArgs(process.argv.slice(2), { users: 100_000, scale: 30 });
  const stack = await startStack(options);
  try {
    await sleep(2000);
    const idle = stack.rss();
    const started = Date.now();
    const job = await startDepartmentJob(stack);
    const asked = stack.rss();
    let progress = requestProgress(stack, job.requestId);
    let lastReport = Date.now();
    while (progress.state === "approved" || progress.state === "running") {
      if (stack.bot.exitCode !== null) throw new Error("the bot exited during the job");
      await sleep(1000);
      progress = requestProgress(stack, job.requestId);
      if (Date.now() - lastReport > 30_000) {
        lastReport = Date.now();
        process.stderr.write(`  … ${progress.outcomes} of ${options.users} done, RSS ${mb(stack.rss().now)}, peak ${mb(stack.rss().peak)}\n`);
      }
    }
    const seconds = (Date.now() - started) / 1000;
    await sleep(2000);
    const end = stack.rss();
    process.stdout.write(
      [
        `bench:memory: node dist/index.js (channel auth on, SQLite), ${options.users} users in one department job, Graph simulator at latency 0, write quota 3000 per ${Math.max(1, Math.round(150 / options.scale))} s, Node ${process.version}`,
        `  bot RSS after start-up:              ${mb(idle.now)}`,
        `  bot RSS after the request was made:  ${mb(asked.now)} (peak so far ${mb(asked.peak)}; asking took ${(job.askMs / 1000).toFixed(1)} s)`,
        `  bot peak RSS over the whole job:     ${mb(end.peak)} (RSS at the end ${mb(end.now)})`,
        `  job: ${progress.state} in ${seconds.toFixed(0)} s, ${progress.outcomes} outcomes (${Object.entries(progress.counts).map(([k, v]) => `${k} ${v}`).join(", ")})`,
        "",
      ].join("\n"),
    );
    if (progress.outcomes < options.users * 0.9) process.exitCode = 1;
  } finally {
    await stack.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:memory failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
