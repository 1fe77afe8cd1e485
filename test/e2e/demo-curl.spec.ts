import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { automationCurl } from "../../scripts/demo/banner.js";
import { installActivity } from "../fakes/activities.js";
import { lastConfirmCard } from "./cards.js";
import { startHarness, type Harness } from "./harness.js";

const run = promisify(execFile);

describe("the demo's automation curl line works as printed", function () {
  this.timeout(30_000);
  let h: Harness;
  const APPROVAL = "19:soc-approvals@thread.tacv2";

  before(async () => {
    h = await startHarness({ env: { APPROVAL_CHANNEL_ID: APPROVAL } });
    assert.equal((await h.post(installActivity(h.connector.url, h.user("sam"), h.channel("soc-approvals")))).status, 200);
  });
  after(async () => {
    await h.close();
  });

  it("gets a token from the simulator and raises a request as the Sentinel app; its card is in the approval channel", async () => {
    const caCertPath = process.env.TEST_SIM_CERT;
    assert.ok(caCertPath !== undefined, "run through npm run test:unit (it makes the simulator's certificate)");
    const line = automationCurl({ simulatorUrl: h.sim.url, botUrl: h.bot.url, caCertPath, clientId: h.sim.clientId });
    const { stdout } = await run("bash", ["-c", line], { timeout: 20_000 });
    const answer = JSON.parse(stdout) as { requestId?: string; statusUrl?: string; state?: string };
    assert.equal(answer.state, "pending", stdout);
    assert.equal(answer.statusUrl, `/api/requests/${answer.requestId ?? ""}`);
    assert.equal(lastConfirmCard(h, APPROVAL).requestId, answer.requestId);
    const created = (await h.auditEntries()).find((e) => e.action === "request.created" && e.requestId === answer.requestId);
    assert.match(created?.actor?.aadObjectId ?? "", /^app:/);
  });
});
