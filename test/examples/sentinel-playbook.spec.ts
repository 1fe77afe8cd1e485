import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

/** The parts of a Logic App definition this test reads. */
interface LogicAction {
  type: string;
  runAfter?: Record<string, string[]>;
  inputs?: Record<string, unknown>;
  actions?: Record<string, LogicAction>;
  foreach?: string;
  else?: { actions?: Record<string, LogicAction> };
}

const root = join(__dirname, "..", "..");
const template = JSON.parse(readFileSync(join(root, "examples", "sentinel-playbook", "azuredeploy.json"), "utf8")) as {
  parameters: Record<string, unknown>;
  resources: Array<{ type: string; identity?: { type: string }; properties: { definition?: { triggers: Record<string, LogicAction>; actions: Record<string, LogicAction>; parameters: Record<string, { defaultValue: unknown }> } } }>;
};
const openapi = parse(readFileSync(join(root, "openapi.yaml"), "utf8")) as {
  components: { schemas: { Proposal: { required: string[]; properties: Record<string, unknown> }; Incident: { required: string[] } } };
};

/** Every action of the workflow, nested ones included, by name. */
function allActions(actions: Record<string, LogicAction>): Map<string, LogicAction> {
  const out = new Map<string, LogicAction>();
  for (const [name, action] of Object.entries(actions)) {
    out.set(name, action);
    for (const [n, a] of allActions({ ...(action.actions ?? {}), ...(action.else?.actions ?? {}) })) out.set(n, a);
  }
  return out;
}

describe("examples/sentinel-playbook/azuredeploy.json", () => {
  const workflow = template.resources.find((r) => r.type === "Microsoft.Logic/workflows");
  const definition = workflow?.properties.definition;
  const actions = allActions(definition?.actions ?? {});

  it("is a Logic App with a system-assigned managed identity, triggered by a Sentinel incident", () => {
    assert.ok(workflow !== undefined && definition !== undefined);
    assert.equal(workflow.identity?.type, "SystemAssigned");
    const trigger = Object.values(definition.triggers)[0];
    assert.equal(trigger?.type, "ApiConnectionWebhook");
    assert.equal(trigger?.inputs?.path, "/incident-creation");
    for (const p of ["BotBaseUrl", "BotClientId"]) assert.ok(p in template.parameters, p);
  });

  it("goes over the incident's account entities with a For each", () => {
    const accounts = actions.get("Entities_-_Get_Accounts");
    assert.equal(accounts?.inputs?.path, "/entities/account");
    const loop = [...actions.values()].find((a) => a.type === "Foreach");
    assert.match(loop?.foreach ?? "", /body\('Entities_-_Get_Accounts'\)\?\['Accounts'\]/);
    const append = Object.values(loop?.actions ?? {})[0];
    assert.equal(append?.type, "AppendToArrayVariable");
    assert.match(JSON.stringify(append?.inputs), /AadUserId/);
  });

  it("POSTs to /api/requests with its managed identity for api://<client id>, with every required field and no other", () => {
    const http = [...actions.entries()].find(([, a]) => a.type === "Http");
    assert.ok(http !== undefined);
    const [name, action] = http;
    const inputs = action.inputs as { method: string; uri: string; authentication: { type: string; audience: string }; body: Record<string, unknown> };
    assert.equal(inputs.method, "POST");
    assert.match(inputs.uri, /^@\{parameters\('BotBaseUrl'\)\}\/api\/requests$/);
    assert.equal(inputs.authentication.type, "ManagedServiceIdentity");
    assert.equal(inputs.authentication.audience, "@parameters('BotAudience')");
    assert.equal(definition?.parameters.BotAudience?.defaultValue, "[concat('api://', parameters('BotClientId'))]");
    const proposal = openapi.components.schemas.Proposal;
    for (const field of proposal.required) assert.ok(field in inputs.body, `the body has ${field}`);
    for (const field of Object.keys(inputs.body)) assert.ok(field in proposal.properties, `${field} is a field of the API`);
    assert.deepEqual(Object.keys(inputs.body.selection as object), ["users"]);
    assert.equal((inputs.body.selection as { users: string }).users, "@variables('Users')");
    for (const field of openapi.components.schemas.Incident.required) assert.ok(field in (inputs.body.incident as object), `incident.${field}`);
    assert.match(String(inputs.body.idempotencyKey), /triggerBody\(\)/);

    // The request's status link goes back to the incident as a comment, once the POST succeeded.
    const comment = [...actions.values()].find((a) => a.inputs?.path === "/Incidents/Comment" && a.runAfter?.[name]?.includes("Succeeded") === true);
    assert.ok(comment !== undefined, "a comment after a successful proposal");
    const message = String((comment.inputs?.body as { message: string }).message);
    assert.match(message, new RegExp(`body\\('${name}'\\)\\?\\['statusUrl'\\]`));
    assert.match(message, /parameters\('BotBaseUrl'\)/);
    assert.ok([...actions.values()].some((a) => a.inputs?.path === "/Incidents/Comment" && a.runAfter?.[name]?.includes("Failed") === true), "a comment when the bot refuses");
  });
});
