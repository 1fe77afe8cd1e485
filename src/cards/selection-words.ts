/**
 * How chat and the API talk about a bulk selection (src/requests/selections.ts): which users it
 * reads, and why it matched nobody. `quote` shows typed text (chat escapes it for markdown; the
 * API shows it as it is).
 */
import type { RequestSelection } from "../domain/selection.js";
import { windowWords } from "./request-title.js";

/** A selection of users by something other than their names. */
export type BulkSelection = Exclude<RequestSelection, { kind: "users" }>;

/** e.g. `the users of department "Sales"`, `the users who signed in from 203.0.113.50 in the last 24 hours` */
export function selectionWhat(selection: BulkSelection, quote: (typed: string) => string): string {
  switch (selection.kind) {
    case "department":
      return `the users of department "${quote(selection.name)}"`;
    case "disabled":
      return "the disabled accounts";
    case "ip":
      return `the users who signed in from ${selection.address} ${windowWords(selection)}`;
  }
}

/** Why the selection matched nobody, e.g. `no account is disabled`. */
export function selectionNone(selection: BulkSelection, quote: (typed: string) => string): string {
  switch (selection.kind) {
    case "department":
      return `department "${quote(selection.name)}" has no member users (Graph compares the name exactly, ignoring case)`;
    case "disabled":
      return "no account is disabled";
    case "ip":
      return `nobody signed in from ${selection.address} ${windowWords(selection)}`;
  }
}
