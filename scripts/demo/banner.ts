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

/**
 * One shell line that raises a request as automation: a token from the simulator's Entra for the
 * simulated Sentinel playbook app (granted Revocation.Request), then POST /api/requests with it.
 */
export function automationCurl(info: Pick<BannerInfo, "simulatorUrl" | "botUrl" | "caCertPath" | "clientId">): string {
  const tokenUrl = `${info.simulatorUrl}/${SIM_TENANT_ID}/oauth2/v2.0/token`;
  const form = [
    "grant_type=client_credentials",
    `client_id=${SENTINEL_APP_ID}`,
    `client_secret=${SENTINEL_CLIENT_SECRET}`,
    `scope=api://${info.clientId}/.default`,
  ]
    .map((field) => `-d '${field}'`)
    .join(" ");
  const body = JSON.stringify({
    selection: { users: ["alice@contoso.com", "bob.stone@contoso.com"] },
    reason: "Sentinel: password spray against Sales",
    incident: { source: "Microsoft Sentinel", id: "4711", title: "Password spray against Sales" },
    idempotencyKey: "demo-KEY",
  }).replace("KEY", "'$(date +%s)'");
  return (
    `TOKEN=$(curl -s --cacert '${info.caCertPath}' ${tokenUrl} ${form} | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).access_token') && ` +
    `curl -s -X POST ${info.botUrl}/api/requests -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '${body}'`
  );
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
  const curlAs = (key: "nina" | "val", text: string) =>
    `curl -s -X POST ${info.playgroundUrl}/_internal/v1/customActivities -H 'content-type: application/json' -d '${JSON.stringify(activityFrom(key, info.serviceUrl, text))}'`;
  const curl = curlAs("nina", "revoke user alice@contoso.com");
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
      "The answer appears in Personal Chat. Or from another terminal:",
    ),
    `    ${curl}`,
    row(
      "Four eyes",
      "Two or more users need an approver other than the requester. Ask as " + `${val.displayName} (a revoker, not an approver):`,
    ),
    `    ${curlAs("val", 'revoke user alice@contoso.com bob.stone@contoso.com --reason "four-eyes demo"')}`,
    row(
      "",
      `Her card also goes to the "${DEMO_CONVERSATIONS.auditChannel.name}" channel; there you (an approver) see Approve and Reject.`,
      "Ask for two users yourself and Approve is refused: nobody approves their own bulk request.",
    ),
    row(
      "Automation",
      "A Sentinel playbook proposes, a person approves (README, \"Automation API\"). From another terminal:",
    ),
    `    ${automationCurl(info)}`,
    row("", `The card goes to the "${DEMO_CONVERSATIONS.auditChannel.name}" channel (the approval channel here); Approve it there.`),
    row(
      "Sign-in watch",
      `A minute after a revocation, whoever stole a password there signs in again from ${HOSTILE_IPV4} (simulated).`,
      "The bot watches the revoked users' sign-in log and reports it in the card's thread within about a minute;",
      `for a request that named that address it is an ALARM. Ask as ${val.displayName} and approve in the audit channel:`,
    ),
    `    ${curlAs("val", `revoke ip ${HOSTILE_IPV4} --reason "password spray"`)}`,
    row("", "Then `watch` lists the watch and `watch stop <request-id>` ends it."),
    row(
      "Audit",
      `Every step is posted to the "${DEMO_CONVERSATIONS.auditChannel.name}" channel of team ${DEMO_CONVERSATIONS.team.name} (left, under Teams Channel),`,
      `printed below as it happens, and hash-chained in ${info.auditLog} (check it: npm run audit:verify -- with`,
      `DATABASE_URL=sqlite:./${info.auditLog} in front).`,
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
