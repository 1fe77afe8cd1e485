/**
 * What is wrong with an address given to `revoke ip` (chat) or as `selection.ip` (the API), and
 * what to type instead (src/requests/ip-address.ts finds it).
 */
import type { IpProblem } from "../requests/ip-address.js";

export const IP_EXAMPLE = 'revoke ip 203.0.113.50 --since 24h --reason "password spray"';

/**
 * The sentence and the example for an address refused; `quote` shows typed text (chat clips and
 * escapes it for markdown, the API clips it).
 */
export function ipProblemWords(text: string, problem: IpProblem, quote: (typed: string) => string): { message: string; hint: string } {
  const shown = quote(text);
  switch (problem.code) {
    case "spaceOrQuote":
      return { message: `"${shown}" is not an IP address: an address has no spaces or quotes.`, hint: IP_EXAMPLE };
    case "range":
      return { message: `"${shown}" is a range (CIDR). revoke ip takes one address: the one the suspicious sign-ins came from.`, hint: IP_EXAMPLE };
    case "zoneId":
      return {
        message: `"${shown}" carries a zone ID (${quote(problem.zone)}), which sign-in logs never record: type the address without it.`,
        hint: problem.bareIpv6 === undefined ? IP_EXAMPLE : `revoke ip ${problem.bareIpv6} --since 24h`,
      };
    case "bracketsOrPort":
      return { message: `"${shown}" has brackets or a port: type the address alone.`, hint: IP_EXAMPLE };
    case "leadingZeros":
      return {
        message: `"${shown}" has leading zeros, which make an IPv4 address ambiguous (some tools read 010 as octal 8): type each part without them.`,
        hint: problem.stripped === undefined ? IP_EXAMPLE : `revoke ip ${problem.stripped} --since 24h`,
      };
    case "hostName":
      return { message: `"${shown}" is a host name; sign-in logs record IP addresses: look the address up and type it.`, hint: IP_EXAMPLE };
    case "notAnAddress":
      return { message: `"${shown}" is not an IPv4 or IPv6 address.`, hint: IP_EXAMPLE };
    case "ipv4Mapped":
      return { message: `"${shown}" is an IPv4 address written as IPv6; sign-in logs record it as IPv4.`, hint: `revoke ip ${problem.ipv4} --since 24h` };
  }
}
