import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { PAYROLL_APP_ID, PAYROLL_CLIENT_SECRET, SENTINEL_APP_ID, SENTINEL_CLIENT_SECRET, WELL_KNOWN } from "@teams-revoke-bot/graph-simulator";
import { installActivity } from "../fakes/activities.js";
import { callApi, entraToken, type ApiAnswer } from "../support/api-client.js";
import { lastConfirmCard } from "../e2e/cards.js";
import { startHarness, type Harness } from "../e2e/harness.js";
import { Verbs } from "../../src/cards/verbs.js";

interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }> }>; requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> } }>>;
  components: { responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
}

const doc = parse(readFileSync(join(__dirname, "..", "..", "openapi.yaml"), "utf8")) as OpenApiDoc;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(doc, "https://teams-revoke-bot.test/openapi.json");

/** JSON-pointer escaping of one segment. */
const seg = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");

/**
 * Checks an answer of the running server against the description of its path, method and status:
 * the status must be described, and the body must match the schema of its content type.
 */
function checkAgainstDescription(path: string, method: "get" | "post", res: ApiAnswer): void {
  const operation = doc.paths[path]?.[method];
  assert.ok(operation !== undefined, `${method} ${path} is described`);
  const described = operation.responses[String(res.status)];
  assert.ok(described !== undefined, `${method} ${path} answered ${res.status}, which openapi.yaml does not describe: ${JSON.stringify(res.body)}`);
  const contentType = (res.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
  let pointer = `https://teams-revoke-bot.test/openapi.json#/paths/${seg(path)}/${method}/responses/${res.status}`;
  let response = described;
  if (described.$ref !== undefined) {
    const name = described.$ref.split("/").pop() ?? "";
    response = doc.components.responses[name] ?? {};
    pointer = `https://teams-revoke-bot.test/openapi.json#/components/responses/${seg(name)}`;
  }
  assert.ok(response.content?.[contentType] !== undefined, `${res.status} is described as ${Object.keys(response.content ?? {}).join(", ")}, not ${contentType}`);
  const validate = ajv.compile({ $ref: `${pointer}/content/${seg(contentType)}/schema` });
  assert.ok(validate(res.body), `${method} ${path} ${res.status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(res.body)}`);
}

describe("openapi.yaml describes what the running server answers", function () {
  this.timeout(40_000);
  let h: Harness;
  let sentinel: string;
  const APPROVAL = "19:soc-approvals@thread.tacv2";

  before(async () => {
    h = await startHarness({ env: { APPROVAL_CHANNEL_ID: APPROVAL, API_REQUESTS_PER_MINUTE: "6" } });
    assert.equal((await h.post(installActivity(h.connector.url, h.user("sam"), h.channel("soc-approvals")))).status, 200);
    sentinel = await entraToken(h.sim, SENTINEL_APP_ID, SENTINEL_CLIENT_SECRET, `api://${h.sim.clientId}/.default`);
  });
  after(async () => {
    await h.close();
  });

  it("is OpenAPI 3.1 and its request examples match its Proposal schema", () => {
    assert.match(doc.openapi, /^3\.1\./);
    const validate = ajv.compile({ $ref: "https://teams-revoke-bot.test/openapi.json#/components/schemas/Proposal" });
    const examples = doc.paths["/api/requests"]?.post?.requestBody?.content["application/json"]?.examples ?? {};
    assert.ok(Object.keys(examples).length >= 2);
    for (const [name, example] of Object.entries(examples)) assert.ok(validate(example.value), `${name}: ${ajv.errorsText(validate.errors)}`);
  });

  it("every answer of a propose, approve and read cycle, and of its refusals, matches the description", async () => {
    const incident = { source: "Microsoft Sentinel", id: "77", title: "Impossible travel", url: "https://portal.azure.com/#incident/77" };
    const body = { selection: { users: [WELL_KNOWN.alice.userPrincipalName, WELL_KNOWN.bob.userPrincipalName] }, reason: "impossible travel", incident, idempotencyKey: "openapi-1" };
    const post = (options: Parameters<typeof callApi>[3]) => callApi(h.bot.url, "POST", "/api/requests", options);
    const get = (id: string, options: Parameters<typeof callApi>[3], query = "") => callApi(h.bot.url, "GET", `/api/requests/${id}${query}`, options);

    const accepted = await post({ token: sentinel, body });
    assert.equal(accepted.status, 202);
    checkAgainstDescription("/api/requests", "post", accepted);
    const replay = await post({ token: sentinel, body });
    assert.equal(replay.status, 202);
    checkAgainstDescription("/api/requests", "post", replay);
    const requestId = (accepted.body as { requestId: string }).requestId;

    const answers: Array<[string, "get" | "post", ApiAnswer, number]> = [
      ["/api/requests", "post", await post({ body }), 401],
      ["/api/requests", "post", await post({ token: sentinel, body: { ...body, idempotencyKey: "openapi-2", extra: 1 } }), 400],
      ["/api/requests", "post", await post({ token: sentinel, body: { ...body, reason: "other" } }), 422],
      ["/api/requests", "post", await post({ token: sentinel, rawBody: "x=1", contentType: "text/plain" }), 415],
      ["/api/requests/{id}", "get", await get(requestId, { token: sentinel }), 200],
      ["/api/requests/{id}", "get", await get("R-0000000000", { token: sentinel }), 404],
      ["/api/requests/{id}", "get", await get(requestId, { token: sentinel }, "?limit=500"), 400],
      ["/api/requests/{id}", "get", await get(requestId, { authorization: "Bearer x.y.z" }), 401],
    ];
    const payroll = await entraToken(h.sim, PAYROLL_APP_ID, PAYROLL_CLIENT_SECRET, `api://${h.sim.clientId}/.default`);
    answers.push(["/api/requests/{id}", "get", await get(requestId, { token: payroll }), 403]);
    for (const [path, method, res, status] of answers) {
      assert.equal(res.status, status, JSON.stringify(res.body));
      checkAgainstDescription(path, method, res);
    }
    // The limit (6 a minute) is used up by now: a 429.
    let limited: ApiAnswer | undefined;
    for (let i = 0; i < 5 && limited?.status !== 429; i++) limited = await post({ token: sentinel, body: { selection: {} } });
    assert.equal(limited?.status, 429);
    checkAgainstDescription("/api/requests", "post", limited);

    const card = lastConfirmCard(h, APPROVAL);
    assert.equal((await h.click("riley", Verbs.approve, { requestId }, card.call.id, h.channel("soc-approvals"))).status, 200);
    await h.bot.idle();
    let read = await get(requestId, { token: sentinel }, "?limit=1");
    for (let i = 0; i < 100 && (read.body as { state: string }).state !== "completed"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      read = await get(requestId, { token: sentinel }, "?limit=1");
    }
    assert.equal((read.body as { state: string }).state, "completed");
    checkAgainstDescription("/api/requests/{id}", "get", read);
    const next = (read.body as { links: { next?: string } }).links.next;
    assert.ok(next !== undefined);
    const second = await callApi(h.bot.url, "GET", next, { token: sentinel });
    checkAgainstDescription("/api/requests/{id}", "get", second);
  });
});
