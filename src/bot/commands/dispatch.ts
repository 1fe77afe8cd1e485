/**
 * The command dispatch table: one handler per command kind, each in its own file. Adding a
 * command is a new file, a case in parse.ts, and one row here; the compiler refuses a kind
 * without a row.
 */
import type { TurnContext } from "botbuilder";
import { Proposals } from "../../requests/proposals.js";
import { askTarget } from "./ask-target.js";
import { auditHere } from "./audit-here.js";
import { cancel } from "./cancel.js";
import { cancelApp } from "./cancel-app.js";
import { enable } from "./enable.js";
import { help } from "./help.js";
import { history } from "./history.js";
import type { Command, ParseError } from "./parse.js";
import { parseError } from "./parse-error.js";
import { pending } from "./pending.js";
import type { HandlerDeps } from "./ports.js";
import { revokeDepartment, revokeDisabled, revokeIp } from "./revoke-selection.js";
import { revokeUsers } from "./revoke-users.js";
import { status } from "./status.js";
import { watch, watchStop } from "./watch.js";

type Parsed = Command | ParseError;

/** A command's handler: parses nothing, asks policy, calls a service, replies. */
export type CommandHandler<K extends Parsed["kind"]> = (context: TurnContext, command: Extract<Parsed, { kind: K }>, deps: HandlerDeps) => Promise<void>;

/** The table: every kind the parser produces has exactly one handler. */
export const COMMANDS: { readonly [K in Parsed["kind"]]: CommandHandler<K> } = {
  error: parseError,
  help,
  askTarget,
  revokeUsers,
  revokeDepartment,
  revokeDisabled,
  revokeIp,
  status,
  pending,
  cancel,
  cancelApp,
  history,
  auditHere,
  watch,
  watchStop,
  enable,
};

/** Runs parsed commands through the table with the dependencies built in index.ts. */
export class CommandHandlers {
  private readonly deps: HandlerDeps;

  /** The proposal use case is made here from the same collaborators the handlers use. */
  constructor(deps: Omit<HandlerDeps, "proposals">) {
    this.deps = { ...deps, proposals: new Proposals(deps) };
  }

  handle(context: TurnContext, command: Parsed): Promise<void> {
    return run(COMMANDS, context, command, this.deps);
  }
}

/** One row of the table, typed by the command's kind (TypeScript cannot correlate a union's kind and its row). */
function run<K extends Parsed["kind"]>(
  table: { readonly [P in K]: CommandHandler<P> },
  context: TurnContext,
  command: Extract<Parsed, { kind: K }>,
  deps: HandlerDeps,
): Promise<void> {
  const handler: CommandHandler<K> = table[command.kind];
  return handler(context, command, deps);
}
