/** Bounds on a value that came (at least partly) from users: audit details, log fields. */
export interface ClipLimits {
  /** Characters kept of a string; longer ones end with a marker saying how long they were. */
  maxString: number;
  /** Items kept of an array; a marker item says how many were left out. */
  maxItems: number;
  /** Members kept of an object; a `…` member says how many were left out. */
  maxKeys: number;
  /** Levels of nesting kept; anything deeper becomes a marker string. */
  maxDepth: number;
}

/** What an audit entry's details are clipped to before they are hashed and stored. */
export const AUDIT_CLIP: ClipLimits = { maxString: 500, maxItems: 100, maxKeys: 100, maxDepth: 8 };

/** What a log line's fields are clipped to. */
export const LOG_CLIP: ClipLimits = { maxString: 1000, maxItems: 50, maxKeys: 100, maxDepth: 6 };

/** A string cut to `max` characters, with a marker naming its full length when it was cut. */
export function clipString(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never split a surrogate pair: half of one is not valid UTF-16 and would not round-trip JSON.
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}… [clipped: ${text.length} characters]`;
}

/**
 * A copy of a JSON-like value within the limits: strings clipped, arrays and objects cut with a
 * marker, deep nesting replaced. Plain data only (what JSON.parse returns, or log fields); other
 * objects (errors, dates) are returned as they are when `keepObjects` says so.
 */
export function clipValue(value: unknown, limits: ClipLimits, keepObjects: (v: object) => boolean = () => false, depth = 0): unknown {
  if (typeof value === "string") return clipString(value, limits.maxString);
  if (value === null || typeof value !== "object") return value;
  if (keepObjects(value)) return value;
  if (depth >= limits.maxDepth) return "[nested too deep: left out]";
  if (Array.isArray(value)) {
    const kept = value.slice(0, limits.maxItems).map((v) => clipValue(v, limits, keepObjects, depth + 1));
    if (value.length > limits.maxItems) kept.push(`… and ${value.length - limits.maxItems} more`);
    return kept;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const keys = Object.keys(value);
  const out: Record<string, unknown> = {};
  for (const key of keys.slice(0, limits.maxKeys)) {
    // defineProperty, not assignment: a "__proto__" member from JSON stays a member.
    Object.defineProperty(out, clipString(key, limits.maxString), {
      value: clipValue((value as Record<string, unknown>)[key], limits, keepObjects, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  if (keys.length > limits.maxKeys) out["…"] = `${keys.length - limits.maxKeys} more members left out`;
  return out;
}
