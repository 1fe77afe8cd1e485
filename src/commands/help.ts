import type { CommandHandler } from "./dispatch.js";

export const HELP_TEXT = [
  "**Revoke Entra ID sign-in sessions.** Commands:",
  "",
  '- `revoke user alice@contoso.com [bob@contoso.com …] [--reason "phished"] [--disable]`: sign out named users (UPN or object ID). You get a card to confirm; nothing happens before that.',
  '- `revoke department "Sales" [--reason "…"] [--disable]`, `revoke disabled`, `revoke ip 203.0.113.50 [--since 24h]`: everyone in a department, every disabled account, everyone who signed in from an address (1h–30d). Two or more users, `--disable`, or a member of a revoker or approver group need a second person to approve.',
  "- `--reset-password` (a random password nobody sees, changed at next sign-in) and `--confirm-compromised` (Identity Protection: user risk high) on `revoke user`, `department` and `ip`: each done per user after the revocation, and always approved by a second person.",
  "- `revoke`: asks for the user with a card.",
  "- `status alice@contoso.com`: account state and when sessions were last revoked.",
  "- `pending`: open requests you can act on (approve, reject, or withdraw your own). `cancel R-XXXXXXXXXX`: withdraw one of yours.",
  "- `history [n]`: the latest audit entries (approvers).",
  "- `audit here`: make this channel the audit channel (approvers, in a channel).",
  '- `enable alice@contoso.com [--reason "…"]`: enable an account this bot disabled (`--disable`), always approved by a second person. An account someone else disabled needs the approver to choose Enable anyway.',
  "- `watch`: the sign-in watches after revocations (each revoked user's successful sign-ins are reported in the request's thread). `watch stop R-XXXXXXXXXX`: end one (approvers, or the request's requester).",
  "",
  "Revocation invalidates refresh tokens and browser sessions; access tokens already issued stay valid until they expire (about an hour).",
].join("\n");

/** `help` */
export const help: CommandHandler<"help"> = async (context) => {
  await context.sendActivity(HELP_TEXT);
};
