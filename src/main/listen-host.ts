import type { AppConfig } from "../config.js";

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/**
 * The interface to listen on. Without inbound authentication anyone who reaches the port can act
 * as any user, so then only the loopback interface is allowed, whatever the caller asks for.
 * @throws Error when asked for another interface with inbound auth off
 */
export function listenHost(config: Readonly<Pick<AppConfig, "bot">>, requested: string | undefined): string | undefined {
  if (config.bot.inboundAuth) return requested;
  if (requested === undefined) return "127.0.0.1";
  if (!LOOPBACK.has(requested)) {
    throw new Error(`Inbound authentication is off (no BOT_ID): the bot listens on 127.0.0.1 only, not on ${requested}. Set BOT_ID and BOT_PASSWORD to serve other interfaces.`);
  }
  return requested;
}
