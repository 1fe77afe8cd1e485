/**
 * The address of `revoke ip` (chat) and `selection.ip` (the API), in the form sign-in logs record
 * it, or why it is not one, as facts: src/cards/ip-address-words.ts says it.
 */
import { isIP, SocketAddress } from "node:net";

/** Why the text is not one IP address as sign-in logs record it. */
export type IpProblem =
  | { code: "spaceOrQuote" }
  | { code: "range" }
  /** `zone` is the `%…` part; `bareIpv6` the address without it, when that is IPv6. */
  | { code: "zoneId"; zone: string; bareIpv6?: string }
  | { code: "bracketsOrPort" }
  /** `stripped`: the address without the zeros, when that is IPv4. */
  | { code: "leadingZeros"; stripped?: string }
  | { code: "hostName" }
  | { code: "notAnAddress" }
  /** An IPv4 address written as IPv6 (`::ffff:…`). */
  | { code: "ipv4Mapped"; ipv4: string };

const IPV4_DOTTED = /^\d+\.\d+\.\d+\.\d+$/;

/**
 * The address in the form sign-in logs record: IPv4 as typed (no leading zeros), IPv6 as node:net
 * prints it (SocketAddress, i.e. inet_ntop: RFC 5952 lower case, zeros compressed). Ranges, zone
 * IDs, ports, brackets, host names, quotes and spaces are refused.
 */
export function canonicalIp(text: string): { ok: true; ip: string } | { ok: false; problem: IpProblem } {
  const refused = (problem: IpProblem) => ({ ok: false as const, problem });
  if (/[\s"'`]/.test(text)) return refused({ code: "spaceOrQuote" });
  if (text.includes("/")) return refused({ code: "range" });
  if (text.includes("%")) {
    const bare = text.slice(0, text.indexOf("%"));
    return refused({ code: "zoneId", zone: text.slice(text.indexOf("%")), ...(isIP(bare) === 6 ? { bareIpv6: bare } : {}) });
  }
  if (text.startsWith("[") || /^\d+\.\d+\.\d+\.\d+:\d+$/.test(text)) return refused({ code: "bracketsOrPort" });
  if (IPV4_DOTTED.test(text) && text.split(".").some((part) => part.length > 1 && part.startsWith("0"))) {
    const stripped = text.split(".").map((part) => String(Number(part))).join(".");
    return refused({ code: "leadingZeros", ...(isIP(stripped) === 4 ? { stripped } : {}) });
  }
  const family = isIP(text);
  if (family === 0) {
    // Hexadecimal parts (0x7f.0.0.1) are an old numeric IPv4 form, not a host name.
    const numeric = /^(?:0x[0-9a-f]*|\d+)(?:\.(?:0x[0-9a-f]*|\d+))*$/i.test(text);
    if (!numeric && /[A-Za-z]/.test(text) && /^[A-Za-z0-9.-]+$/.test(text)) return refused({ code: "hostName" });
    return refused({ code: "notAnAddress" });
  }
  if (family === 4) return { ok: true, ip: text };
  const canonical = new SocketAddress({ address: text, family: "ipv6" }).address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(canonical);
  if (mapped !== null) return refused({ code: "ipv4Mapped", ipv4: mapped[1] ?? "" });
  return { ok: true, ip: canonical };
}
