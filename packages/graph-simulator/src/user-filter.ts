/**
 * Turns a parsed `$filter` into a predicate over users, for the clauses the simulator supports.
 * Anything else is refused the way Graph refuses a clause it cannot run, so a client never gets a
 * silently unfiltered (and therefore too large) result.
 */
import type { FilterExpression, FilterLiteral, FilterOperand } from "./odata-filter.js";
import type { SimUser } from "./tenant-model.js";

/** A predicate over users. */
export type UserPredicate = (user: SimUser) => boolean;

/** A syntactically valid filter the simulator does not evaluate (Graph: Request_UnsupportedQuery). */
export class UnsupportedFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedFilterError";
  }
}

const SUPPORTED_SUMMARY =
  "The simulator supports `department eq '…'` and `accountEnabled eq true|false`, optionally joined with 'and'.";

function unsupportedProperty(path: string): UnsupportedFilterError {
  return new UnsupportedFilterError(
    `Unsupported or invalid query filter clause specified for property '${path}' of resource 'User'. ${SUPPORTED_SUMMARY}`,
  );
}

function literalOf(operand: FilterOperand): FilterLiteral | undefined {
  return operand.type === "literal" ? operand : undefined;
}

/**
 * Compiles a filter into a predicate.
 * @throws UnsupportedFilterError for clauses outside the supported set
 */
export function compileUserFilter(expression: FilterExpression): UserPredicate {
  switch (expression.type) {
    case "logical": {
      if (expression.operator !== "and") {
        throw new UnsupportedFilterError(`Unsupported query: the '${expression.operator}' operator. ${SUPPORTED_SUMMARY}`);
      }
      const left = compileUserFilter(expression.left);
      const right = compileUserFilter(expression.right);
      return (user) => left(user) && right(user);
    }
    case "not":
      throw new UnsupportedFilterError(`Unsupported query: the 'not' operator. ${SUPPORTED_SUMMARY}`);
    case "predicate":
      throw new UnsupportedFilterError(`Unsupported query: the function '${expression.call.name}'. ${SUPPORTED_SUMMARY}`);
    case "comparison":
      return compileComparison(expression);
  }
}

function compileComparison(
  expression: Extract<FilterExpression, { type: "comparison" }>,
): UserPredicate {
  const { left, right, operator } = expression;
  if (left.type !== "property") {
    throw new UnsupportedFilterError(`Unsupported query: the left side of '${operator}' must be a property. ${SUPPORTED_SUMMARY}`);
  }
  const property = left.path.toLowerCase();
  const literal = literalOf(right);
  if (operator !== "eq" || !literal) {
    throw unsupportedProperty(left.path);
  }
  if (property === "department" && literal.kind === "string" && typeof literal.value === "string") {
    // Directory string comparisons are case-insensitive, as in Graph.
    const wanted = literal.value.toLowerCase();
    return (user) => user.department !== null && user.department.toLowerCase() === wanted;
  }
  if (property === "accountenabled" && literal.kind === "boolean" && typeof literal.value === "boolean") {
    const wanted = literal.value;
    return (user) => user.accountEnabled === wanted;
  }
  throw unsupportedProperty(left.path);
}
