/**
 * Injected failures. Tests of retry, throttling and error mapping need Graph (or Entra) to fail on
 * cue; a queue of one-shot (or n-shot) faults gives that without any special route in the client.
 */

/** A failure to send instead of the normal response. */
export interface FaultSpec {
  /** HTTP method to match (any case); any method when omitted. */
  method?: string;
  /** Matched against the percent-decoded request path, e.g. `/revokeSignInSessions$/`. */
  path: RegExp;
  status: number;
  /** JSON body; when omitted a Graph- or Entra-shaped error for the status is sent. */
  body?: unknown;
  /** When omitted, a 429 gets `Retry-After: 1`; pass `{}` for a 429 without Retry-After. */
  headers?: Record<string, string>;
  /** How many matching requests fail; default 1. */
  times?: number;
}

interface PendingFault {
  spec: FaultSpec;
  remaining: number;
}

/** Faults waiting for matching requests, matched first-in first-out. */
export class FaultQueue {
  private readonly pending: PendingFault[] = [];

  /** Queues a fault. */
  add(spec: FaultSpec): void {
    const times = spec.times ?? 1;
    if (!Number.isInteger(times) || times < 1) {
      throw new RangeError(`Fault times must be a positive integer, got ${times}`);
    }
    if (!Number.isInteger(spec.status) || spec.status < 100 || spec.status > 599) {
      throw new RangeError(`Fault status must be an HTTP status code, got ${spec.status}`);
    }
    this.pending.push({ spec, remaining: times });
  }

  /** Consumes one use of the first fault matching the request, if any. */
  take(method: string, path: string): FaultSpec | undefined {
    const index = this.pending.findIndex((fault) => matches(fault.spec, method, path));
    const fault = this.pending[index];
    if (!fault) {
      return undefined;
    }
    fault.remaining -= 1;
    if (fault.remaining === 0) {
      this.pending.splice(index, 1);
    }
    return fault.spec;
  }

  /** Number of fault uses still queued. */
  get size(): number {
    return this.pending.reduce((sum, fault) => sum + fault.remaining, 0);
  }

  /** Drops every queued fault. */
  clear(): void {
    this.pending.length = 0;
  }
}

function matches(spec: FaultSpec, method: string, path: string): boolean {
  if (spec.method !== undefined && spec.method.toUpperCase() !== method.toUpperCase()) {
    return false;
  }
  // A /g or /y RegExp keeps lastIndex between test() calls and would match every other time.
  spec.path.lastIndex = 0;
  return spec.path.test(path);
}

/** The headers of a fault response: the given ones, or Retry-After for a bare 429. */
export function faultHeaders(spec: FaultSpec): Record<string, string> {
  if (spec.headers !== undefined) {
    return { ...spec.headers };
  }
  return spec.status === 429 ? { "Retry-After": "1" } : {};
}
