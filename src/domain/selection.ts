/**
 * How a request's targets were chosen: named users, a department, everyone who signed in from an
 * address since a time (`sinceHours` when it was asked as a window, e.g. `--since 24h`), or every
 * disabled account. Typed text (a department's name) is kept as typed; cards escape it.
 */
export type RequestSelection =
  | { kind: "users" }
  | { kind: "department"; name: string }
  | { kind: "ip"; address: string; since: string; sinceHours?: number }
  | { kind: "disabled" };

/** A stored selection read back, or undefined when it is not one (an older or damaged row). */
export function selectionFrom(value: unknown): RequestSelection | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  switch (v.kind) {
    case "users":
      return { kind: "users" };
    case "disabled":
      return { kind: "disabled" };
    case "department":
      return typeof v.name === "string" && v.name !== "" ? { kind: "department", name: v.name } : undefined;
    case "ip": {
      if (typeof v.address !== "string" || typeof v.since !== "string" || Number.isNaN(Date.parse(v.since))) return undefined;
      const hours = typeof v.sinceHours === "number" && Number.isInteger(v.sinceHours) && v.sinceHours > 0 ? v.sinceHours : undefined;
      return { kind: "ip", address: v.address, since: v.since, ...(hours === undefined ? {} : { sinceHours: hours }) };
    }
    default:
      return undefined;
  }
}
