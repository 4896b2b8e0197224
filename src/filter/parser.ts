/**
 * Filter expressions to a tree: `!` binds tightest, then `&`, then `|`; parentheses group.
 * Every mistake names the column it was found at.
 */
import { FilterSyntaxError, tokenize, type Token } from './lexer.js';

export type Direction = 'c2s' | 's2c';
export type Kind = 'request' | 'response' | 'notification' | 'error';

export type FilterNode =
  | { type: 'or' | 'and'; left: FilterNode; right: FilterNode }
  | { type: 'not'; operand: FilterNode }
  | { type: 'method' | 'tool' | 'session'; glob: string }
  | { type: 'direction'; value: Direction }
  | { type: 'kind'; value: Kind }
  | { type: 'id'; value: string }
  | { type: 'body'; pattern: string }
  | { type: 'error' | 'all' };

/** The atoms, with what they take, for help texts and error messages. */
export const ATOMS: Record<string, { argument?: string; help: string }> = {
  '~m': { argument: 'GLOB', help: 'method (for an answer: the method of the request it answers)' },
  '~t': { argument: 'GLOB', help: 'tool name of a tools/call (or of the call an answer answers)' },
  '~d': { argument: 'c2s|s2c', help: 'direction: client to server, or server to client' },
  '~k': { argument: 'request|response|notification|error', help: 'kind of message' },
  '~id': { argument: 'VALUE', help: 'JSON-RPC id (3 matches 3 and "3")' },
  '~b': { argument: 'REGEX', help: 'the message text matches a regular expression' },
  '~s': { argument: 'GLOB', help: 'session id' },
  '~e': { help: 'error responses' },
  '~all': { help: 'every message' },
};

export function parseFilter(expression: string): FilterNode {
  const tokens = tokenize(expression);
  let at = 0;
  const peek = (): Token => tokens[at]!;
  const fail = (message: string, token: Token = peek()): never => {
    throw new FilterSyntaxError(message, token.column, expression);
  };
  if (peek().type === 'end') fail('the expression is empty');

  /** `operand (op operand)*`, folded to the left: `&` over `!` terms, `|` over `&` terms. */
  const chain = (op: '|' | '&', type: 'or' | 'and', operand: () => FilterNode) => (): FilterNode => {
    let left = operand();
    while (isOp(peek(), op)) {
      at++;
      left = { type, left, right: operand() };
    }
    return left;
  };
  const and = chain('&', 'and', () => not());
  const or = chain('|', 'or', and);
  const not = (): FilterNode => {
    if (isOp(peek(), '!')) {
      at++;
      return { type: 'not', operand: not() };
    }
    return primary();
  };
  const primary = (): FilterNode => {
    const token = peek();
    if (isOp(token, '(')) {
      at++;
      const inner = or();
      if (!isOp(peek(), ')')) fail(`expected ) to close the ( at column ${token.column}`);
      at++;
      return inner;
    }
    if (token.type === 'atom') {
      at++;
      return atom(token.name, token);
    }
    if (token.type === 'end') return fail('expected a filter (such as ~m tools/call) after an operator');
    if (token.type === 'op') return fail(`unexpected ${token.value}`);
    return fail(`expected an atom such as ~m, got "${token.value}" (combine atoms with & and |)`);
  };
  const argument = (name: string, what: string): string => {
    const token = peek();
    if (token.type !== 'word') return fail(`expected ${what} after ${name}`);
    at++;
    return token.value;
  };
  const atom = (name: string, token: Token): FilterNode => {
    switch (name) {
      case '~m':
        return { type: 'method', glob: argument(name, 'a method (glob)') };
      case '~t':
        return { type: 'tool', glob: argument(name, 'a tool name (glob)') };
      case '~s':
        return { type: 'session', glob: argument(name, 'a session id (glob)') };
      case '~id':
        return { type: 'id', value: argument(name, 'an id') };
      case '~d': {
        const value = argument(name, 'c2s or s2c');
        if (value !== 'c2s' && value !== 's2c') fail(`~d takes c2s or s2c, not "${value}"`, tokens[at - 1]);
        return { type: 'direction', value: value as Direction };
      }
      case '~k': {
        const value = argument(name, 'a kind');
        if (!['request', 'response', 'notification', 'error'].includes(value)) fail(`~k takes request, response, notification or error, not "${value}"`, tokens[at - 1]);
        return { type: 'kind', value: value as Kind };
      }
      case '~b': {
        const pattern = argument(name, 'a regular expression');
        try {
          new RegExp(pattern);
        } catch (error) {
          fail(`invalid regular expression: ${(error as Error).message}`, tokens[at - 1]);
        }
        return { type: 'body', pattern };
      }
      case '~e':
        return { type: 'error' };
      case '~all':
        return { type: 'all' };
      default:
        return fail(`unknown atom ${name}; known: ${Object.keys(ATOMS).join(' ')}`, token);
    }
  };

  const tree = or();
  if (peek().type !== 'end') fail(isOp(peek(), ')') ? 'unbalanced )' : 'expected & or | between filters');
  return tree;
}

function isOp(token: Token, value: string): boolean {
  return token.type === 'op' && token.value === value;
}
