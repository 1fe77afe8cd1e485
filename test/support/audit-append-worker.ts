/**
 * A child process that appends audit entries to the database in argv[2] (argv[3] of them, tagged
 * with argv[4]): store tests run two of these at once to act as two replicas sharing one database.
 * Prints the number appended; exits 1 on the first failure.
 */
import { SqlAuditStore } from "../../src/store/audit-store.js";
import { openDatabase } from "../../src/store/database.js";

async function run(): Promise<void> {
  const [url = "", countText = "0", tag = "worker"] = process.argv.slice(2);
  const opened = await openDatabase(url, { migrate: false, poolSize: 4 });
  try {
    const store = new SqlAuditStore(opened.db, opened.kind);
    const count = Number(countText);
    // A few appends in flight at a time, so the two processes' transactions really interleave.
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        await store.append({ actor: null, action: "request.created", requestId: `${tag}-${i}`, details: { tag, i } });
      }
    };
    await Promise.all([lane(), lane(), lane(), lane()]);
    process.stdout.write(`${count}\n`);
  } finally {
    await opened.close();
  }
}

run().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
