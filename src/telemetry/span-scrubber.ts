import type { Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";

/**
 * Removes span attributes that may carry personal data (URLs, addresses, user fields) before any
 * exporter sees them. The bot's own spans carry none; this guards against a library's.
 */
export class SpanScrubber implements SpanProcessor {
  constructor(private readonly pattern: RegExp) {}

  onStart(span: Span, _parentContext: Context): void {
    for (const key of Object.keys(span.attributes)) {
      if (this.pattern.test(key)) span.setAttribute(key, "[scrubbed]");
    }
  }

  onEnd(span: ReadableSpan): void {
    // Attributes set after start: ReadableSpan's are read-only, so they are cleared in place.
    const attributes = span.attributes as Record<string, unknown>;
    for (const key of Object.keys(attributes)) {
      if (this.pattern.test(key)) attributes[key] = "[scrubbed]";
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
