/**
 * The sign-in watch's tests on a virtual clock: the clock the runner sleeps on, and a sign-in log
 * the test scripts, answered as Graph would at the clock's time (test/watch/*.spec.ts).
 */
import type { SignInEvent, SignInLog, SignInReadOptions } from "../../src/directory/sign-in-log.js";
import { directoryUser } from "../support/store-fixtures.js";

/** The revocation's time in the watch tests. */
export const T0 = Date.parse("2026-11-01T10:00:00.000Z");

export class VirtualClock {
  at = T0;
  readonly now = (): number => this.at;
  readonly sleep = (ms: number): Promise<void> => {
    this.at += Math.max(ms, 1);
    return new Promise((resolve) => setImmediate(resolve));
  };
}

/** Sign-ins the test scripts, answered as Graph would at the clock's time; every request timed. */
export class ScriptedSignInLog implements SignInLog {
  readonly requestTimes: number[] = [];
  readonly events: SignInEvent[] = [];
  readonly knownAddresses = new Set<string>();
  /** Called after each of the watch's requests (the benchmark's other readers act on the same clock). */
  afterRequest: () => Promise<void> = () => Promise.resolve();
  /** When a record reaches the log, if later than its createdDateTime (the log's latency). */
  readonly visibleFrom = new Map<string, number>();

  constructor(private readonly clock: VirtualClock) {}

  async *successfulSignIns(userIds: readonly string[], since: Date, options: SignInReadOptions = {}): AsyncGenerator<SignInEvent[]> {
    const wanted = new Set(userIds);
    const matching = this.events.filter(
      (e) => wanted.has(e.userId) && Date.parse(e.createdDateTime) >= since.getTime() && (this.visibleFrom.get(e.id) ?? Date.parse(e.createdDateTime)) <= this.clock.at,
    );
    for (let i = 0; i === 0 || i < matching.length; i += 999) {
      await options.beforeRequest?.();
      this.requestTimes.push(this.clock.at);
      await this.afterRequest();
      yield matching.slice(i, i + 999);
    }
  }

  async seenBefore(userId: string, ip: string, _before: Date, options: SignInReadOptions = {}): Promise<boolean> {
    await options.beforeRequest?.();
    this.requestTimes.push(this.clock.at);
    await this.afterRequest();
    return this.knownAddresses.has(`${userId}|${ip}`);
  }

  /** A successful sign-in of user `userNumber` (store-fixtures' directoryUser) at T0 + `minutesAfter`, from `ip`. */
  signIn(userNumber: number, minutesAfter: number, ip: string, id = `si-${this.events.length + 1}`): void {
    this.events.push({
      id,
      createdDateTime: new Date(T0 + minutesAfter * 60_000).toISOString(),
      userId: directoryUser(userNumber).id,
      ipAddress: ip,
      location: "Tallinn, Harjumaa, EE",
      appDisplayName: "Microsoft Teams",
      clientAppUsed: "Browser",
      isInteractive: true,
    });
  }
}
