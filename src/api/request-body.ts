/**
 * The body of `POST /api/requests`, checked field by field: every problem is named by its JSON
 * path with what to send instead, unknown fields are refused, every string is bounded, and `since`
 * is read strictly (RFC 3339 with a time zone). Pure: no I/O.
 */
import { createHash } from "node:crypto";
import { ipProblemWords } from "../cards/ip-address-words.js";
import { hasControlCharacter, isValidTarget, MAX_DEPARTMENT_LENGTH, MAX_NAMED_USERS, MAX_REASON_LENGTH, MAX_SINCE_HOURS } from "../requests/input-rules.js";
import { canonicalIp } from "../requests/ip-address.js";
import { hasContainment, type Containment } from "../domain/containment.js";
import type { IncidentRef } from "../domain/incident.js";
import type { FieldError } from "./problem.js";

/** What a body may select: named users, a department, every disabled account, or sign-ins from an IP. */
export type ApiSelection =
  /** Each named user (deduplicated, ignoring case) with its position in the body's list. */
  | { kind: "users"; users: Array<{ key: string; position: number }> }
  | { kind: "department"; department: string }
  | { kind: "disabled" }
  | { kind: "ip"; ip: string; since: Date };

/** A checked proposal. */
export interface Proposal {
  selection: ApiSelection;
  reason: string;
  disable: boolean;
  /** `options.resetPassword` / `options.confirmCompromised`, as `--reset-password` / `--confirm-compromised` in chat. */
  containment: Containment;
  incident: IncidentRef;
  idempotencyKey: string;
  /** sha256 of the proposal without its key, to tell a retry from another request under the same key. */
  bodySha256: string;
}

export const MAX_INCIDENT_SOURCE_LENGTH = 64;
export const MAX_INCIDENT_ID_LENGTH = 200;
export const MAX_INCIDENT_TITLE_LENGTH = 300;
export const MAX_URL_LENGTH = 2048;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

const TOP_FIELDS = ["selection", "reason", "options", "incident", "idempotencyKey"];
const SELECTION_FIELDS = ["users", "department", "disabled", "ip", "since"];
const OPTION_FIELDS = ["disable", "resetPassword", "confirmCompromised"];
const INCIDENT_FIELDS = ["source", "id", "title", "url"];
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]+$/;

/** Checks a body; `now` bounds `since` (not in the future, at most 30 days back). */
export function readProposal(body: Record<string, unknown>, now: Date): { ok: true; proposal: Proposal } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  unknownFields(body, TOP_FIELDS, "", errors);

  const selection = readSelection(body.selection, now, errors);
  const reason = boundedText(body.reason, "reason", MAX_REASON_LENGTH, errors, { required: true });

  const chosen = { disable: false, resetPassword: false, confirmCompromised: false };
  if (body.options !== undefined) {
    if (!isObject(body.options)) errors.push({ field: "options", message: 'must be an object, e.g. {"disable": true}' });
    else {
      const options = body.options;
      unknownFields(options, OPTION_FIELDS, "options.", errors);
      for (const name of ["disable", "resetPassword", "confirmCompromised"] as const) {
        const raw = options[name];
        if (raw !== undefined && typeof raw !== "boolean") errors.push({ field: `options.${name}`, message: "must be true or false" });
        else chosen[name] = raw === true;
      }
    }
  }
  const { disable } = chosen;
  const containment: Containment = { resetPassword: chosen.resetPassword, confirmCompromised: chosen.confirmCompromised };
  if (selection?.kind === "disabled" && disable) {
    errors.push({ field: "options.disable", message: "the disabled accounts are disabled already; leave options.disable out" });
  }
  if (selection?.kind === "disabled" && hasContainment(containment)) {
    const field = containment.resetPassword ? "options.resetPassword" : "options.confirmCompromised";
    errors.push({ field, message: "containment options go with users, department or ip, not with the disabled accounts; leave it out" });
  }

  const incident = readIncident(body.incident, errors);

  let idempotencyKey = "";
  const key = body.idempotencyKey;
  if (typeof key !== "string" || key === "") {
    errors.push({ field: "idempotencyKey", message: "required: a string unique to this proposal, e.g. the incident's ID and the alert's; a retry sends the same one" });
  } else if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !IDEMPOTENCY_KEY.test(key)) {
    errors.push({ field: "idempotencyKey", message: `must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters without spaces` });
  } else {
    idempotencyKey = key;
  }

  if (errors.length > 0 || selection === undefined || reason === undefined || incident === undefined) return { ok: false, errors };
  const canonical = JSON.stringify({
    selection:
      selection.kind === "ip"
        ? { ...selection, since: selection.since.toISOString() }
        : selection.kind === "users"
          ? { kind: "users", users: selection.users.map((u) => u.key.toLowerCase()) }
          : selection,
    reason,
    disable,
    containment,
    incident,
  });
  return {
    ok: true,
    proposal: { selection, reason, disable, containment, incident, idempotencyKey, bodySha256: createHash("sha256").update(canonical).digest("hex") },
  };
}

function readSelection(raw: unknown, now: Date, errors: FieldError[]): ApiSelection | undefined {
  const example = 'e.g. {"users": ["alice@contoso.com"]}, {"department": "Sales"}, {"disabled": true} or {"ip": "203.0.113.50", "since": "2026-11-30T08:00:00Z"}';
  if (!isObject(raw)) {
    errors.push({ field: "selection", message: `required: an object naming whom to revoke, ${example}` });
    return undefined;
  }
  unknownFields(raw, SELECTION_FIELDS, "selection.", errors);
  const kinds = ["users", "department", "disabled", "ip"].filter((k) => raw[k] !== undefined);
  if (kinds.length !== 1) {
    errors.push({ field: "selection", message: `name exactly one of users, department, disabled or ip (${kinds.length === 0 ? "none was given" : `got ${kinds.join(" and ")}`}), ${example}` });
    return undefined;
  }
  if (raw.since !== undefined && kinds[0] !== "ip") {
    errors.push({ field: "selection.since", message: "goes only with selection.ip (the start of the sign-in window)" });
  }
  switch (kinds[0]) {
    case "users":
      return readUsers(raw.users, errors);
    case "department": {
      const department = boundedText(raw.department, "selection.department", MAX_DEPARTMENT_LENGTH, errors, { required: true });
      return department === undefined ? undefined : { kind: "department", department };
    }
    case "disabled":
      if (raw.disabled !== true) {
        errors.push({ field: "selection.disabled", message: "must be true (every disabled account in the tenant)" });
        return undefined;
      }
      return { kind: "disabled" };
    default:
      return readIp(raw.ip, raw.since, now, errors);
  }
}

function readUsers(raw: unknown, errors: FieldError[]): ApiSelection | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    errors.push({ field: "selection.users", message: "must be a non-empty list of UPNs or object IDs" });
    return undefined;
  }
  if (raw.length > MAX_NAMED_USERS) {
    errors.push({ field: "selection.users", message: `names ${raw.length} users; one request names at most ${MAX_NAMED_USERS} (use department or ip for larger sets)` });
    return undefined;
  }
  const users: Array<{ key: string; position: number }> = [];
  const seen = new Set<string>();
  raw.forEach((item: unknown, i) => {
    if (typeof item !== "string" || !isValidTarget(item)) {
      errors.push({ field: `selection.users[${i}]`, message: "is not a UPN (name@domain) or an object ID (GUID)" });
      return;
    }
    if (!seen.has(item.toLowerCase())) {
      seen.add(item.toLowerCase());
      users.push({ key: item, position: i });
    }
  });
  return errors.some((e) => e.field.startsWith("selection.users")) ? undefined : { kind: "users", users };
}

function readIp(rawIp: unknown, rawSince: unknown, now: Date, errors: FieldError[]): ApiSelection | undefined {
  let ip: string | undefined;
  if (typeof rawIp !== "string" || rawIp === "" || rawIp.length > 64) {
    errors.push({ field: "selection.ip", message: "must be one IPv4 or IPv6 address, e.g. 203.0.113.50" });
  } else {
    const checked = canonicalIp(rawIp);
    if (checked.ok) ip = checked.ip;
    else errors.push({ field: "selection.ip", message: ipProblemWords(rawIp, checked.problem, clipTyped).message });
  }
  const since = readSince(rawSince, now, errors);
  return ip === undefined || since === undefined ? undefined : { kind: "ip", ip, since };
}

/** `since`: an RFC 3339 date-time with a time zone, a real calendar time, in the past, at most 30 days back. */
function readSince(raw: unknown, now: Date, errors: FieldError[]): Date | undefined {
  const field = "selection.since";
  const example = "an RFC 3339 time with its zone, e.g. 2026-11-30T08:00:00Z";
  if (typeof raw !== "string") {
    errors.push({ field, message: `required with selection.ip: the start of the sign-in window, ${example}` });
    return undefined;
  }
  const m = RFC3339.exec(raw);
  if (m === null || raw.length > 40) {
    errors.push({ field, message: `is not ${example}` });
    return undefined;
  }
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const date = new Date(raw);
  const calendar = new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 0, h ?? 0, mi ?? 0, s ?? 0));
  if (Number.isNaN(date.getTime()) || calendar.getUTCMonth() !== (mo ?? 1) - 1 || calendar.getUTCDate() !== d || (h ?? 0) > 23 || (mi ?? 0) > 59 || (s ?? 0) > 59) {
    errors.push({ field, message: `is not a real time (${example})` });
    return undefined;
  }
  if (date.getTime() > now.getTime()) {
    errors.push({ field, message: "is in the future: give the start of the window of sign-ins to look at" });
    return undefined;
  }
  if (now.getTime() - date.getTime() > MAX_SINCE_HOURS * 3_600_000) {
    errors.push({ field, message: "reaches back more than 30 days, further than the Entra sign-in log goes" });
    return undefined;
  }
  return date;
}

function readIncident(raw: unknown, errors: FieldError[]): IncidentRef | undefined {
  if (!isObject(raw)) {
    errors.push({ field: "incident", message: 'required: the incident this is for, e.g. {"source": "Microsoft Sentinel", "id": "1234", "title": "Password spray", "url": "https://…"}' });
    return undefined;
  }
  unknownFields(raw, INCIDENT_FIELDS, "incident.", errors);
  const source = boundedText(raw.source, "incident.source", MAX_INCIDENT_SOURCE_LENGTH, errors, { required: true });
  const id = boundedText(raw.id, "incident.id", MAX_INCIDENT_ID_LENGTH, errors, { required: true });
  const title = boundedText(raw.title, "incident.title", MAX_INCIDENT_TITLE_LENGTH, errors, { required: true });
  let url: string | undefined;
  if (raw.url !== undefined) {
    if (typeof raw.url !== "string" || raw.url.length > MAX_URL_LENGTH || !isHttpsUrl(raw.url)) {
      errors.push({ field: "incident.url", message: `must be an https URI (RFC 3986: no spaces, angle brackets, quotes or other characters a URI escapes) of at most ${MAX_URL_LENGTH} characters (the incident's page)` });
    } else {
      url = new URL(raw.url).href;
    }
  }
  if (source === undefined || id === undefined || title === undefined) return undefined;
  return url === undefined ? { source, id, title } : { source, id, title, url };
}

/** A required (or optional) one-line text: trimmed, not empty, at most `max` characters, no control characters. */
function boundedText(raw: unknown, field: string, max: number, errors: FieldError[], rule: { required: boolean }): string | undefined {
  if (raw === undefined && !rule.required) return undefined;
  if (typeof raw !== "string" || raw.trim() === "") {
    errors.push({ field, message: `required: a text of 1 to ${max} characters` });
    return undefined;
  }
  const text = raw.trim();
  if (text.length > max) {
    errors.push({ field, message: `is ${text.length} characters long; at most ${max}` });
    return undefined;
  }
  if (hasControlCharacter(text)) {
    errors.push({ field, message: "may not contain control characters or line breaks" });
    return undefined;
  }
  return text;
}

function unknownFields(obj: Record<string, unknown>, allowed: readonly string[], prefix: string, errors: FieldError[]): void {
  for (const name of Object.keys(obj)) {
    if (!allowed.includes(name)) {
      errors.push({ field: `${prefix}${name.slice(0, 60)}`, message: `is not a field of this object; it takes ${allowed.join(", ")}` });
    }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * RFC 3986's characters of a URI (unreserved, reserved, and `%` as the start of an escape): what
 * `format: uri` allows. The WHATWG parser behind `new URL` accepts far more (spaces, `<`, `>`,
 * quotes, non-ASCII) and silently escapes it, so it cannot be the check.
 */
const URI_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]*$/;

function isHttpsUrl(text: string): boolean {
  if (!/^https:\/\/[^/?#]/i.test(text) || !URI_CHARACTERS.test(text.replace(/%[0-9A-Fa-f]{2}/g, ""))) return false;
  try {
    const url = new URL(text);
    return url.protocol === "https:" && url.username === "" && url.password === "";
  } catch {
    // Not a URL at all.
    return false;
  }
}

/** Typed text quoted in a field's message: at most 60 characters, as chat clips it (but not escaped: the API's messages are plain). */
function clipTyped(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
