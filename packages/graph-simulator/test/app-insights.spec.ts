import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { startSimulator, type StartedSimulator } from "../src/index.js";
import { trustedSimulatorTls } from "../src/trusted-run.js";

describe("simulator: Application Insights ingestion", () => {
  let sim: StartedSimulator;
  before(async () => {
    sim = await startSimulator({ tls: trustedSimulatorTls(), userCount: 0 });
  });
  after(() => sim.close());
  beforeEach(() => sim.telemetry.splice(0));

  const iKey = () => /InstrumentationKey=([0-9a-f-]{36})/.exec(sim.connectionString)?.[1] ?? "";
  const endpoint = () => /IngestionEndpoint=([^;]+)/.exec(sim.connectionString)?.[1] ?? "";
  const metric = (name: string, value: number) => ({
    name: "Microsoft.ApplicationInsights.Metric",
    time: new Date().toISOString(),
    iKey: iKey(),
    tags: {},
    data: { baseType: "MetricData", baseData: { version: 2, metrics: [{ name, value, count: 1 }], properties: {} } },
  });

  it("publishes a connection string whose ingestion endpoint is the simulator", () => {
    assert.match(sim.connectionString, /^InstrumentationKey=[0-9a-f-]{36};IngestionEndpoint=https:\/\/127\.0\.0\.1:\d+\/;LiveEndpoint=https:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(endpoint(), `${sim.url}/`);
  });

  it("accepts a JSON array of envelopes at /v2.1/track (also after a double slash) and keeps them", async () => {
    for (const url of [`${sim.url}/v2.1/track`, `${endpoint()}/v2.1/track`]) {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([metric("a", 1), metric("b", 2)]) });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { itemsReceived: 2, itemsAccepted: 2, errors: [] });
    }
    assert.deepEqual(
      sim.telemetry.map((e) => (e.data?.baseData?.metrics as Array<{ name: string }>)[0]?.name),
      ["a", "b", "a", "b"],
    );
  });

  it("honours content-encoding: gzip", async () => {
    const res = await fetch(`${sim.url}/v2.1/track`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body: gzipSync(Buffer.from(JSON.stringify([metric("zipped", 3)]))),
    });
    assert.equal(res.status, 200);
    assert.equal(sim.telemetry[0]?.data?.baseType, "MetricData");
  });

  it("refuses envelopes of another instrumentation key (206 with an error per item, 400 when none is accepted)", async () => {
    const foreign = { ...metric("x", 1), iKey: "00000000-0000-4000-8000-000000000000" };
    const partial = await fetch(`${sim.url}/v2.1/track`, { method: "POST", body: JSON.stringify([metric("ok", 1), foreign]) });
    assert.equal(partial.status, 206);
    assert.deepEqual(await partial.json(), { itemsReceived: 2, itemsAccepted: 1, errors: [{ index: 1, statusCode: 400, message: "Invalid instrumentation key" }] });
    const none = await fetch(`${sim.url}/v2.1/track`, { method: "POST", body: JSON.stringify([foreign]) });
    assert.equal(none.status, 400);
    const garbage = await fetch(`${sim.url}/v2.1/track`, { method: "POST", body: "not json" });
    assert.equal(garbage.status, 400);
    assert.equal(sim.telemetry.length, 1);
  });
});
