/** A failure whose message already tells the person what to do: printed without a stack trace. */
export class DemoError extends Error {
  override readonly name = "DemoError";
}
