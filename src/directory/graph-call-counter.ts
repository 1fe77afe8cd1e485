import type { Context, Middleware } from "@microsoft/microsoft-graph-client";
import { countGraphCall } from "../telemetry/instruments.js";

/**
 * Counts each answer Microsoft Graph gives (status, and the limit a 429 names in
 * x-ms-throttle-scope) for telemetry. Sits just before the HTTP handler, so every attempt counts.
 */
export class GraphCallCounter implements Middleware {
  private next: Middleware | undefined;

  async execute(context: Context): Promise<void> {
    if (this.next === undefined) throw new Error("GraphCallCounter is not the last middleware: it needs a next one");
    await this.next.execute(context);
    const response = context.response;
    if (response !== undefined) countGraphCall(response.status, response.headers.get("x-ms-throttle-scope"));
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}
