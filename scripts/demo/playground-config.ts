/**
 * The Microsoft 365 Agents Playground's `.m365agentsplayground.yml` for the demo: its people are
 * the simulated Contoso tenant's well-known users (same names and Entra object IDs), so what the
 * bot looks up in "Entra" matches who the Playground says is typing.
 *
 * Schema (from the Playground 0.2.x package, config version 0.1.1): version, tenantId, bot {id,
 * name}, currentUser, users (exactly five), personalChat {id}, groupChat {id, name}, team {id, name,
 * aadGroupId, channels (at most one besides General, whose id is the team id)}. Each user needs id,
 * name, userPrincipleName (sic), aadObjectId, givenName, surname and email.
 */
import { SIM_TENANT_ID, WELL_KNOWN, type WellKnownKey } from "@teams-revoke-bot/graph-simulator";

/** File name the Playground looks for in its working directory. */
export const PLAYGROUND_CONFIG_FILE = ".m365agentsplayground.yml";

/** The demo's conversations: fixed so AUDIT_CHANNEL_ID and the printed hints can name them. */
export const DEMO_CONVERSATIONS = {
  personalChatId: "a:revoke-demo-personal-sam",
  groupChat: { id: "19:revoke-demo-incident-room@thread.v2", name: "Incident room" },
  team: { id: "19:revoke-demo-secops-general@thread.tacv2", name: "SecOps" },
  /** The team's second channel; the demo makes it the bot's audit channel. */
  auditChannel: { id: "19:revoke-demo-revocation-audit@thread.tacv2", name: "Revocation audit" },
} as const;

/** The user the Playground sends every typed message as: a revoker and an approver. */
export const CURRENT_USER: WellKnownKey = "sam";

/**
 * The Playground's other users (its schema wants exactly five): Riley approves, Val requests,
 * Nina is in neither group, Alice and Bob are ordinary people to revoke.
 */
export const OTHER_USERS: readonly WellKnownKey[] = ["riley", "val", "nina", "alice", "bob"];

/** Teams-style channel account id of a well-known user ("29:" is Teams' prefix for users). */
export function playgroundUserId(key: WellKnownKey): string {
  return `29:revoke-demo-${key}`;
}

/** The bot's channel account in the Playground ("28:" is Teams' prefix for bots). */
export const PLAYGROUND_BOT = { id: "28:revoke-demo-bot", name: "Revoke Bot" } as const;

interface PlaygroundUser {
  id: string;
  name: string;
  userPrincipleName: string;
  aadObjectId: string;
  givenName: string;
  surname: string;
  email: string;
}

/** The config file's content, as the Playground's JSON schema describes it. */
export interface PlaygroundConfig {
  version: "0.1.1";
  tenantId: string;
  bot: { id: string; name: string };
  currentUser: PlaygroundUser;
  users: PlaygroundUser[];
  personalChat: { id: string };
  groupChat: { id: string; name: string };
  team: { id: string; name: string; aadGroupId: string; channels: { id: string; name: string }[] };
}

function playgroundUser(key: WellKnownKey): PlaygroundUser {
  const u = WELL_KNOWN[key];
  const [first = u.displayName, ...rest] = u.displayName.split(" ");
  return {
    id: playgroundUserId(key),
    name: u.displayName,
    userPrincipleName: u.userPrincipalName,
    aadObjectId: u.id,
    // The schema requires strings; the simulated tenant allows null names.
    givenName: u.givenName ?? first,
    surname: u.surname ?? rest.join(" "),
    email: u.mail ?? u.userPrincipalName,
  };
}

/** Builds the demo's Playground configuration for the simulated tenant. */
export function demoPlaygroundConfig(): PlaygroundConfig {
  return {
    version: "0.1.1",
    tenantId: SIM_TENANT_ID,
    bot: { ...PLAYGROUND_BOT },
    currentUser: playgroundUser(CURRENT_USER),
    users: OTHER_USERS.map(playgroundUser),
    personalChat: { id: DEMO_CONVERSATIONS.personalChatId },
    groupChat: { ...DEMO_CONVERSATIONS.groupChat },
    team: {
      ...DEMO_CONVERSATIONS.team,
      // A Microsoft 365 group backs every team; this one exists only in the Playground.
      aadGroupId: "20000000-0000-4000-8000-0000000000d0",
      channels: [{ ...DEMO_CONVERSATIONS.auditChannel }],
    },
  };
}

/**
 * Writes strings, lists and objects as YAML. Every scalar is a JSON string, which is also a valid
 * double-quoted YAML scalar, so ids like `19:…@thread.tacv2` need no further escaping (and no YAML
 * library).
 */
export function toYaml(value: unknown, indent = ""): string {
  if (typeof value === "string") return `${JSON.stringify(value)}\n`;
  if (Array.isArray(value)) {
    return (value as unknown[])
      .map((item) => `${indent}- ${typeof item === "string" ? toYaml(item) : toYaml(item, `${indent}  `).trimStart()}`)
      .join("");
  }
  if (typeof value === "object" && value !== null) {
    return Object.entries(value)
      .map(([key, item]) => (typeof item === "string" ? `${indent}${key}: ${toYaml(item)}` : `${indent}${key}:\n${toYaml(item, `${indent}  `)}`))
      .join("");
  }
  throw new TypeError(`toYaml writes strings, lists and objects only, not ${typeof value}`);
}

/** The file's full text, with a header saying where it comes from. */
export function renderPlaygroundConfig(config: PlaygroundConfig): string {
  const header = [
    "# Generated by scripts/demo.ts on every `npm run demo`; edits are overwritten.",
    "# The users are the simulated Contoso tenant's well-known users (packages/graph-simulator/src/well-known.ts).",
    "# Schema: https://aka.ms/teams-app-test-tool-config-guide",
  ];
  return `${header.join("\n")}\n${toYaml(config)}`;
}
