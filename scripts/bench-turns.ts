/**
 * `npm run bench:turns [-- --users 10000 --scale 30 --no-build]`: how long the bot itself takes
 * per turn. The production build (`dist/index.js`, built first) runs as its own process with
 * channel authentication on, against the Graph simulator answering at once (latency 0) and a
 * local connector; every activity goes through the real HTTP endpoint with a channel token.
 *
 * Prints, per phase, the time from POST /api/messages to its answer:
 * - command turns while idle: `help`, `status <upn>`, `pending`, `history 5` in turn (after a
 *   warm-up); each answers only once its replies were sent to the connector, so a turn's time
 *   includes its Graph calls and replies;
 * - the same command turns while a job of `--users` (a department, approved in a channel) runs,
 *   paced to Graph's write quota (3,000 per 150 s, the window divided by `--scale`);
 * - card clicks (Action.Execute `refresh` on the running request's card, by the approver and the
 *   requester in turn) during the same job: the invoke answer Teams waits for.
 * Goals (issue 12): command turns p95 < 30 ms; card clicks p99 < 300 ms.
 */
import { Verbs } from "../src/cards/verbs.js";
import { inThread } from "../test/fakes/activities.js";
import { parseStackArgs, quantile, requestProgress, startDepartmentJob, startStack, type BotStack, type UserKey } from "./bench/bot-stack.js";

const COMMANDS: ReadonlyArray<{ who: UserKey; text: string }> = [
  { who: "val", text: "help" },
  { who: "val", text: "status alice@contoso.com" },
  { who: "val", text: "pending" },
  { who: "riley", text: "history 5" },
];

const WARM_UP_TURNS = 8;
const IDLE_TURNS = 100;
/** Spacing of command turns and of clicks while the job runs. */
const TURN_EVERY_MS = 100;
const CLICK_EVERY_MS = 50;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function turn(stack: BotStack, i: number): Promise<number> {
  const command = COMMANDS[i % COMMANDS.length];
  if (command === undefined) throw new Error("no command");
  const answer = await stack.say(command.who, command.text);
  if (answer.status !== 200) throw new Error(`"${command.text}" answered ${answer.status}`);
  return answer.ms;
}

function line(label: string, values: readonly number[], quantiles: readonly number[]): string {
  const parts = quantiles.map((q) => `p${Math.round(q * 100)} ${quantile(values, q).toFixed(1)} ms`);
  return `  ${label.padEnd(34)} ${parts.join(", ")}, max ${Math.max(...values).toFixed(1)} ms (${values.length})`;
}

async function main(): Promise<void> {
  const options = parseStackArgs(process.argv.slice(2), { users: 10_000, scale: 30 });
  const stack = await startStack(options);
  try {
    for (let i = 0; i < WARM_UP_TURNS; i++) await turn(stack, i);
    const idle: number[] = [];
    for (let i = 0; i < IDLE_TURNS; i++) idle.push(await turn(stack, i));

    const job = await startDepartmentJob(stack);
    const thread = inThread(stack.channel, job.call.id);
    const started = Date.now();
    const busyTurns: number[] = [];
    const clicks: number[] = [];
    let running = true;
    const clicker = (async () => {
      for (let i = 0; running; i++) {
        const who: UserKey = i % 2 === 0 ? "riley" : "val";
        const answer = await stack.click(who, Verbs.refresh, { requestId: job.requestId }, job.call.id, thread);
        if (answer.status !== 200) throw new Error(`a refresh click answered ${answer.status}`);
        clicks.push(answer.ms);
        await sleep(CLICK_EVERY_MS);
      }
    })();
    const talker = (async () => {
      for (let i = 0; running; i++) {
        busyTurns.push(await turn(stack, i));
        await sleep(TURN_EVERY_MS);
      }
    })();
    let progress = requestProgress(stack, job.requestId);
    while (progress.state === "approved" || progress.state === "running") {
      if (stack.bot.exitCode !== null) throw new Error("the bot exited during the job");
      await sleep(250);
      progress = requestProgress(stack, job.requestId);
    }
    running = false;
    await Promise.all([clicker, talker]);
    const jobSeconds = (Date.now() - started) / 1000;

    process.stdout.write(
      [
        `bench:turns: node dist/index.js (channel auth on), Graph simulator at latency 0, ${options.users} users in the job, write quota 3000 per ${Math.max(1, Math.round(150 / options.scale))} s, Node ${process.version}`,
        line("command turns, idle:", idle, [0.5, 0.95]),
        line("command turns, during the job:", busyTurns, [0.5, 0.95]),
        line("card clicks (refresh), during the job:", clicks, [0.5, 0.99]),
        `  job: ${progress.state} in ${jobSeconds.toFixed(1)} s, ${progress.outcomes} outcomes (${Object.entries(progress.counts).map(([k, v]) => `${k} ${v}`).join(", ")}); asking took ${job.askMs.toFixed(0)} ms, approving ${job.approveMs.toFixed(0)} ms`,
        `  bot RSS: ${(stack.rss().now / 1048576).toFixed(0)} MB now, peak ${(stack.rss().peak / 1048576).toFixed(0)} MB`,
        "",
      ].join("\n"),
    );
    if (progress.outcomes < options.users * 0.9) process.exitCode = 1;
  } finally {
    await stack.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:turns failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
