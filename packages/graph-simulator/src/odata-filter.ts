/**
 * A parser for OData `$filter` expressions (the subset of OData 4 grammar Microsoft Graph accepts:
 * and/or/not, comparisons, function calls, string/boolean/null/number/GUID/date-time literals).
 * It parses more than the simulator evaluates on purpose: a syntactically valid but unsupported
 * clause must fail as Graph's `Request_UnsupportedQuery`, and a malformed one as a syntax error,
 * e.g. the classic unescaped apostrophe in `department eq 'O'Brien'`.
 */

/** A literal value in a filter. */
export interface FilterLiteral {
  type: "literal";
  kind: "string" | "boolean" | "null" | "number" | "guid" | "datetime";
  value: string | number | boolean | null;
  position: number;
}

/** A property path, e.g. `department` or `onPremisesExtensionAttributes/extensionAttribute1`. */
export interface FilterProperty {
  type: "property";
  path: string;
  position: number;
}

/** A function call, e.g. `startswith(displayName,'a')`. */
export interface FilterCall {
  type: "call";
  name: string;
  args: FilterOperand[];
  position: number;
}

/** Anything that can stand on either side of a comparison. */
export type FilterOperand = FilterLiteral | FilterProperty | FilterCall;

/** Comparison operators of OData. */
export type ComparisonOperator = "eq" | "ne" | "gt" | "ge" | "lt" | "le";

/** A parsed `$filter`. */
export type FilterExpression =
  | { type: "logical"; operator: "and" | "or"; left: FilterExpression; right: FilterExpression }
  | { type: "not"; operand: FilterExpression }
  | { type: "comparison"; operator: ComparisonOperator; left: FilterOperand; right: FilterOperand }
  | { type: "predicate"; call: FilterCall };

/** A filter that is not valid OData syntax. */
export class FilterSyntaxError extends Error {
  constructor(
    readonly position: number,
    readonly filter: string,
  ) {
    super(`Syntax error at position ${position} in '${filter}'.`);
    this.name = "FilterSyntaxError";
  }
}

/**
 * Valid OData that this parser does not read: the `in` and `has` operators and `any`/`all`
 * lambdas. Graph accepts some of them, so a client using one must hear "unsupported"
 * (Request_UnsupportedQuery), not "syntax error". It extends FilterSyntaxError so a caller that
 * knows only syntax errors still answers 400.
 */
export class UnsupportedFilterOperatorError extends FilterSyntaxError {
  constructor(
    readonly operator: string,
    position: number,
    filter: string,
  ) {
    super(position, filter);
    this.name = "UnsupportedFilterOperatorError";
    this.message = `The simulator does not support the '${operator}' operator (at position ${position} in '${filter}').`;
  }
}

const UNSUPPORTED_OPERATORS: ReadonlySet<string> = new Set(["in", "has"]);

type Token =
  | { type: "word"; text: string; position: number }
  | { type: "string"; value: string; position: number }
  | { type: "number"; value: number; position: number }
  | { type: "guid"; value: string; position: number }
  | { type: "datetime"; value: string; position: number }
  | { type: "punct"; text: "(" | ")" | ","; position: number }
  | { type: "end"; position: number };

const COMPARISON_OPERATORS: ReadonlySet<string> = new Set(["eq", "ne", "gt", "ge", "lt", "le"]);
const GUID_TOKEN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;
const DATETIME_TOKEN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})/;
const NUMBER_TOKEN = /^-?\d+(\.\d+)?/;
const WORD_TOKEN = /^[A-Za-z_$][A-Za-z0-9_./$]*/;

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < filter.length) {
    const char = filter.charAt(index);
    if (/\s/.test(char)) {
      index += 1;
      continue;
    }
    if (char === "(" || char === ")" || char === ",") {
      tokens.push({ type: "punct", text: char, position: index });
      index += 1;
      continue;
    }
    if (char === "'") {
      // OData escapes a quote inside a string literal by doubling it.
      const start = index;
      let value = "";
      index += 1;
      for (;;) {
        if (index >= filter.length) {
          throw new FilterSyntaxError(start, filter);
        }
        const current = filter.charAt(index);
        if (current === "'") {
          if (filter.charAt(index + 1) === "'") {
            value += "'";
            index += 2;
            continue;
          }
          index += 1;
          break;
        }
        value += current;
        index += 1;
      }
      tokens.push({ type: "string", value, position: start });
      continue;
    }
    const rest = filter.slice(index);
    const guid = GUID_TOKEN.exec(rest);
    if (guid && !/[A-Za-z0-9_]/.test(rest.charAt(guid[0].length))) {
      tokens.push({ type: "guid", value: guid[0], position: index });
      index += guid[0].length;
      continue;
    }
    const datetime = DATETIME_TOKEN.exec(rest);
    if (datetime) {
      tokens.push({ type: "datetime", value: datetime[0], position: index });
      index += datetime[0].length;
      continue;
    }
    const number = NUMBER_TOKEN.exec(rest);
    if (number) {
      tokens.push({ type: "number", value: Number(number[0]), position: index });
      index += number[0].length;
      continue;
    }
    const word = WORD_TOKEN.exec(rest);
    if (word) {
      tokens.push({ type: "word", text: word[0], position: index });
      index += word[0].length;
      continue;
    }
    const lambda = tokens.at(-3);
    if (char === ":" && lambda?.type === "word" && /\/(any|all)$/i.test(lambda.text)) {
      throw new UnsupportedFilterOperatorError(lambda.text.slice(lambda.text.lastIndexOf("/") + 1), lambda.position, filter);
    }
    throw new FilterSyntaxError(index, filter);
  }
  tokens.push({ type: "end", position: filter.length });
  return tokens;
}

class Parser {
  private index = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly filter: string,
  ) {}

  parse(): FilterExpression {
    const expression = this.parseOr();
    const next = this.peek();
    if (next.type !== "end") {
      throw new FilterSyntaxError(next.position, this.filter);
    }
    return expression;
  }

  private peek(): Token {
    // The token list always ends with an "end" token, and the parser never advances past it.
    return this.tokens[Math.min(this.index, this.tokens.length - 1)];
  }

  private advance(): Token {
    const token = this.peek();
    if (token.type !== "end") this.index += 1;
    return token;
  }

  private isKeyword(token: Token, keyword: string): boolean {
    return token.type === "word" && token.text.toLowerCase() === keyword;
  }

  private expectPunct(text: "(" | ")" | ","): void {
    const token = this.advance();
    if (token.type !== "punct" || token.text !== text) {
      throw new FilterSyntaxError(token.position, this.filter);
    }
  }

  private parseOr(): FilterExpression {
    let left = this.parseAnd();
    while (this.isKeyword(this.peek(), "or")) {
      this.advance();
      left = { type: "logical", operator: "or", left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): FilterExpression {
    let left = this.parseUnary();
    while (this.isKeyword(this.peek(), "and")) {
      this.advance();
      left = { type: "logical", operator: "and", left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): FilterExpression {
    if (this.isKeyword(this.peek(), "not")) {
      this.advance();
      return { type: "not", operand: this.parseUnary() };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): FilterExpression {
    const next = this.peek();
    if (next.type === "punct" && next.text === "(") {
      this.advance();
      const inner = this.parseOr();
      this.expectPunct(")");
      return inner;
    }
    const left = this.parseOperand();
    const operatorToken = this.peek();
    if (operatorToken.type === "word" && COMPARISON_OPERATORS.has(operatorToken.text.toLowerCase())) {
      this.advance();
      const operator = operatorToken.text.toLowerCase() as ComparisonOperator;
      return { type: "comparison", operator, left, right: this.parseOperand() };
    }
    if (left.type === "call") {
      return { type: "predicate", call: left };
    }
    if (operatorToken.type === "word" && UNSUPPORTED_OPERATORS.has(operatorToken.text.toLowerCase())) {
      throw new UnsupportedFilterOperatorError(operatorToken.text.toLowerCase(), operatorToken.position, this.filter);
    }
    throw new FilterSyntaxError(operatorToken.position, this.filter);
  }

  private parseOperand(): FilterOperand {
    const token = this.advance();
    switch (token.type) {
      case "string":
        return { type: "literal", kind: "string", value: token.value, position: token.position };
      case "number":
        return { type: "literal", kind: "number", value: token.value, position: token.position };
      case "guid":
        return { type: "literal", kind: "guid", value: token.value, position: token.position };
      case "datetime":
        return { type: "literal", kind: "datetime", value: token.value, position: token.position };
      case "word": {
        const lower = token.text.toLowerCase();
        if (lower === "true" || lower === "false") {
          return { type: "literal", kind: "boolean", value: lower === "true", position: token.position };
        }
        if (lower === "null") {
          return { type: "literal", kind: "null", value: null, position: token.position };
        }
        const next = this.peek();
        if (next.type === "punct" && next.text === "(") {
          return this.parseCallArguments(token.text, token.position);
        }
        return { type: "property", path: token.text, position: token.position };
      }
      default:
        throw new FilterSyntaxError(token.position, this.filter);
    }
  }

  private parseCallArguments(name: string, position: number): FilterCall {
    this.expectPunct("(");
    const args: FilterOperand[] = [];
    const first = this.peek();
    if (first.type === "punct" && first.text === ")") {
      this.advance();
      return { type: "call", name, args, position };
    }
    for (;;) {
      args.push(this.parseOperand());
      const separator = this.advance();
      if (separator.type === "punct" && separator.text === ")") {
        return { type: "call", name, args, position };
      }
      if (separator.type !== "punct" || separator.text !== ",") {
        throw new FilterSyntaxError(separator.position, this.filter);
      }
    }
  }
}

/**
 * Parses a `$filter` value (already percent-decoded).
 * @throws FilterSyntaxError when it is not valid OData
 */
export function parseFilter(filter: string): FilterExpression {
  return new Parser(tokenize(filter), filter).parse();
}

/** Writes a string as an OData literal, doubling embedded quotes (the inverse of parsing one). */
export function toODataStringLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
