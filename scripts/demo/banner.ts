/**
 * What `npm run demo` prints once everything is up: where to click, who you are, what to type,
 * and where to look for the results. A newcomer reads this before anything else.
 */
import { HOSTILE_IPV4, SENTINEL_APP_ID, SENTINEL_CLIENT_SECRET, SIM_TENANT_ID, WELL_KNOWN } from "@teams-revoke-bot/graph-simulator";
import { CURRENT_USER, DEMO_CONVERSATIONS, PLAYGROUND_BOT, playgroundUserId } from "./playground-config.js";

export interface BannerInfo {
  playgroundUrl: string;
  /** Where the Playground accepts mocked activities (its "Mock an Activity" endpoint). */
  serviceUrl: string;
  simulatorUrl: string;
  auditLog: string;
  botLog: string;
  playgroundLog: string;
  playgroundConfig: string;
  /** The bot's URL (the automation API is under /api/requests). */
  botUrl: string;
  /** The simulator's certificate (PEM), for curl's --cacert. */
  caCertPath: string;
  /** The bot's Graph app registration's client ID: the API's audience is api://<it>. */
  clientId: string;
}

/** Where the demo writes its helper scripts (git-ignored), relative to the repository. */
export const DEMO_TOOLS_DIR = ".playground";

/** A file the demo writes for the banner's short command lines. */
export interface DemoToolFile {
  /** File name inside the tools folder. */
  name: string;
  content: string;
  executable: boolean;
}

/** The request the automation line sends: two named users, as a Sentinel playbook would. */
export function automationRequestBody(): string {
  return `${JSON.stringify(
    {
      selection: { users: ["alice@contoso.com", "bob.stone@contoso.com"] },
      reason: "Sentinel: password spray against Sales",
      incident: { source: "Microsoft Sentinel", id: "4711", title: "Password spray against Sales" },
      idempotencyKey: "demo-sentinel-4711",
    },
    null,
    2,
  )}\n`;
}

/**
 * The scripts behind the banner's short lines (issue: 600–830-character lines nobody could read):
 * `api-token` prints a token of the simulated Sentinel playbook app (granted Revocation.Request)
 * from the simulator's Entra; `say-as` posts a message as another demo user through the
 * Playground's "mock an activity" endpoint; `request.json` is the automation request's body.
 */
export function demoToolFiles(info: Pick<BannerInfo, "simulatorUrl" | "caCertPath" | "clientId" | "playgroundUrl" | "serviceUrl">): DemoToolFile[] {
  const tokenUrl = `${info.simulatorUrl}/${SIM_TENANT_ID}/oauth2/v2.0/token`;
  const apiToken = [
    "#!/usr/bin/env bash",
    "# Prints an access token for the bot's automation API, as the simulated Sentinel playbook app.",
    "set -euo pipefail",
    `curl -sf --cacert '${info.caCertPath}' '${tokenUrl}' \\`,
    "  -d grant_type=client_credentials \\",
    `  -d 'client_id=${SENTINEL_APP_ID}' \\`,
    `  -d 'client_secret=${SENTINEL_CLIENT_SECRET}' \\`,
    `  -d 'scope=api://${info.clientId}/.default' \\`,
    `  | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).access_token'`,
    "",
  ].join("\n");
  const activities = Object.fromEntries(
    (["nina", "val"] as const).map((key) => [key, activityFrom(key, info.serviceUrl, "")]),
  );
  const sayAs = [
    "#!/usr/bin/env bash",
    "# say-as nina|val \"text\": sends a message to the bot as another demo user (the Playground's mock-an-activity endpoint).",
    "set -euo pipefail",
    `if [ $# -ne 2 ]; then echo "usage: $0 nina|val 'revoke user alice@contoso.com'" >&2; exit 2; fi`,
    `ACTIVITIES='${JSON.stringify(activities)}'`,
    'BODY=$(node -e \'const a = JSON.parse(process.argv[1])[process.argv[2]]; if (!a) { console.error("say-as: the demo users are nina and val"); process.exit(2); } a.text = process.argv[3]; process.stdout.write(JSON.stringify(a));\' "$ACTIVITIES" "$1" "$2")',
    `curl -sf -X POST '${info.playgroundUrl}/_internal/v1/customActivities' -H 'content-type: application/json' -d "$BODY" >/dev/null`,
    'echo "sent as $1; the answer appears in Personal Chat"',
    "",
  ].join("\n");
  return [
    { name: "api-token", content: apiToken, executable: true },
    { name: "say-as", content: sayAs, executable: true },
    { name: "request.json", content: automationRequestBody(), executable: false },
  ];
}

/** The automation lines the banner prints: create a request, then read it back. */
export function automationLines(botUrl: string): { create: string; read: string } {
  const auth = `-H "authorization: Bearer $(${DEMO_TOOLS_DIR}/api-token)"`;
  return {
    create: `curl -s -X POST ${botUrl}/api/requests ${auth} -H 'content-type: application/json' -d @${DEMO_TOOLS_DIR}/request.json | tee ${DEMO_TOOLS_DIR}/answer.json`,
    read: `curl -s ${botUrl}$(node -p 'require("./${DEMO_TOOLS_DIR}/answer.json").statusUrl') ${auth}`,
  };
}

/** A message from another demo user into the demo's personal chat, as the Playground accepts it. */
export function activityFrom(key: "nina" | "val", serviceUrl: string, text: string): Record<string, unknown> {
  const user = WELL_KNOWN[key];
  return {
    type: "message",
    text,
    channelId: "msteams",
    serviceUrl,
    from: { id: playgroundUserId(key), name: user.displayName, aadObjectId: user.id },
    recipient: { ...PLAYGROUND_BOT },
    conversation: { id: DEMO_CONVERSATIONS.personalChatId, conversationType: "personal", tenantId: SIM_TENANT_ID },
    // As Teams sends it: the bot accepts only activities naming an allowed tenant (ALLOWED_TENANT_IDS).
    channelData: { tenant: { id: SIM_TENANT_ID } },
  };
}

/** Label in a fixed-width column, value lines indented to match. */
function row(label: string, ...lines: string[]): string {
  const pad = " ".repeat(18);
  return lines.map((line, i) => `  ${(i === 0 ? label : "").padEnd(pad.length)}${line}`).join("\n");
}

export function bannerText(info: BannerInfo): string {
  const me = WELL_KNOWN[CURRENT_USER];
  const nina = WELL_KNOWN.nina;
  const sayAs = (key: "nina" | "val", text: string) => `${DEMO_TOOLS_DIR}/say-as ${key} '${text}'`;
  const api = automationLines(info.botUrl);
  const val = WELL_KNOWN.val;
  const rule = "─".repeat(96);
  return [
    rule,
    "  teams-revoke-bot demo is running: the bot, a simulated Contoso tenant, and the Agents Playground",
    rule,
    row("Open", `${info.playgroundUrl}  (Microsoft 365 Agents Playground, a local Teams look-alike)`),
    row("You are", `${me.displayName} (${me.userPrincipalName}): a revoker and an approver`),
    row("Type", `revoke user alice@contoso.com --reason "phished"`, "then click Approve on the card: it turns into \"Revocation complete\" / \"Revoked and verified\"."),
    row(
      "Also try",
      "help",
      "revoke                             (asks for the user with a card)",
      "revoke user nobody@contoso.com     (no such user: nothing is requested)",
      "revoke user alice                  (not a UPN or object ID)",
      `revoke user ${WELL_KNOWN.guest.userPrincipalName}   (a guest: left out)`,
      "status alice@contoso.com           (sessions valid from … after your revocation)",
    ),
    row(
      "As someone else",
      `${nina.displayName} is in neither group, so the bot refuses her. In the Playground: Mock an Activity →`,
      `Custom activity; set "type": "message", add "text": "revoke user alice@contoso.com", make "from"`,
      `{"id": "${playgroundUserId("nina")}", "name": "${nina.displayName}", "aadObjectId": "${nina.id}"}; Send activity.`,
      "The answer appears in Personal Chat. Or from another terminal, in this folder:",
    ),
    `    ${sayAs("nina", "revoke user alice@contoso.com")}`,
    row(
      "Four eyes",
      "Two or more users need an approver other than the requester. Ask as " + `${val.displayName} (a revoker, not an approver):`,
    ),
    `    ${sayAs("val", 'revoke user alice@contoso.com bob.stone@contoso.com --reason "four-eyes demo"')}`,
    row(
      "",
      `Her card also goes to the "${DEMO_CONVERSATIONS.auditChannel.name}" channel; there you (an approver) see Approve and Reject.`,
      "Ask for two users yourself and Approve is refused: nobody approves their own bulk request.",
    ),
    row(
      "Automation",
      "A Sentinel playbook proposes, a person approves (README, \"Automation API\"). From another terminal:",
    ),
    `    ${api.create}`,
    row(
      "",
      `The card goes to the "${DEMO_CONVERSATIONS.auditChannel.name}" channel (the approval channel here); Approve it there. Read the`,
      "request back (state, decision, each user's outcome); the same POST again returns the same request (idempotency key):",
    ),
    `    ${api.read}`,
    row(
      "Sign-in watch",
      `A minute after a revocation, whoever stole a password there signs in again from ${HOSTILE_IPV4} (simulated).`,
      "The bot watches the revoked users' sign-in log and reports it in the card's thread within about a minute;",
      `for a request that named that address it is an ALARM. Ask as ${val.displayName} and approve in the audit channel:`,
    ),
    `    ${sayAs("val", `revoke ip ${HOSTILE_IPV4} --reason "password spray"`)}`,
    row("", "Then `watch` lists the watch and `watch stop <request-id>` ends it."),
    row(
      "Audit",
      `Every step is posted to the "${DEMO_CONVERSATIONS.auditChannel.name}" channel of team ${DEMO_CONVERSATIONS.team.name} (left, under Teams Channel),`,
      `printed below as it happens, and hash-chained in ${info.auditLog}; check the chain with the demo's key:`,
      "npm run demo:audit-verify",
    ),
    row(
      "Nothing real",
      `Entra ID and Microsoft Graph are a local simulator (${info.simulatorUrl}) with fictional people;`,
      "nothing here touches a real tenant. Inbound bot authentication is off: the bot listens on 127.0.0.1 only.",
    ),
    row("Files", `bot log ${info.botLog}; Playground config ${info.playgroundConfig}; Playground log ${info.playgroundLog}`),
    row("Stop", "Ctrl-C stops the Playground, the bot and the simulator."),
    rule,
  ].join("\n");
}

export function printBanner(info: BannerInfo): void {
  process.stdout.write(`${bannerText(info)}\n`);
}
