// Preloaded into the Agents Playground (node --import): it has no option for the address it
// listens on and listens on every interface. The demo's bot runs without inbound authentication,
// and the Playground relays whatever reaches it to the bot, so it must be reachable from this
// machine only. A listen() without a host gets 127.0.0.1; one that names a host is left alone.
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function loopbackListen(...args) {
  const [first] = args;
  if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    const hostGiven = typeof args[1] === "string";
    if (!hostGiven) args.splice(1, 0, "127.0.0.1");
  } else if (first !== null && typeof first === "object" && !Array.isArray(first) && first.path === undefined && first.host === undefined) {
    args[0] = { ...first, host: "127.0.0.1" };
  }
  return listen.apply(this, args);
};
