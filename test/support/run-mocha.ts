/**
 * Runs mocha trusting a certificate made for this run (the simulator's trusted-run), so in-process
 * tests talk to the Graph simulator over HTTPS exactly as the bot does in production. Arguments are
 * passed on to mocha (e.g. a spec file, --grep).
 */
import { runTrusted } from "@teams-revoke-bot/graph-simulator/trusted-run";

runTrusted([require.resolve("mocha/bin/mocha.js"), ...process.argv.slice(2)]).catch((err: unknown) => {
  process.stderr.write(`could not start the tests: ${String(err)}\n`);
  process.exit(1);
});
