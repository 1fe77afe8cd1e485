/**
 * What the automation API needs from the Teams side (src/bot/ implements it; the composition root
 * wires it), so src/api/ imports nothing from src/bot/.
 */
import type { RevocationRequest } from "../revocation/types.js";

/** An opaque Teams conversation reference (as `Origin`). */
export type ChannelReference = Record<string, unknown>;

/** The approval channel, where requests from automation are posted for a person to decide. */
export interface ApprovalChannelPort {
  /** Its reference (APPROVAL_CHANNEL_ID, else the audit channel), or undefined when the bot cannot reach one. */
  find(): Promise<ChannelReference | undefined>;
  /** Posts the request's card there (and its full target list in replies when it is long). */
  publish(channel: ChannelReference, request: RevocationRequest, secondPerson: string | null): Promise<void>;
}
