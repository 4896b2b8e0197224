/** Tokens of the filter language, each with the 1-based column where it starts. */

export type Token =
  | { type: 'atom'; name: string; column: number }
  | { type: 'word'; value: string; column: number }
  | { type: 'op'; value: '!' | '&' | '|' | '(' | ')'; column: number }
  | { type: 'end'; column: number };

export class FilterSyntaxError extends Error {
  constructor(
    message: string,
    readonly column: number,
    readonly expression: string,
  ) {
    super(`column ${column}: ${message}`);
    this.name = 'FilterSyntaxError';
  }
}

export function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expression.length) {
    const c = expression[i]!;
    const column = i + 1;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '!' || c === '&' || c === '|' || c === '(' || c === ')') {
      tokens.push({ type: 'op', value: c, column });
      i++;
    } else if (c === '~') {
      const match = /^~[a-z]+/.exec(expression.slice(i));
      if (!match) throw new FilterSyntaxError('expected an atom name after ~ (such as ~m)', column, expression);
      tokens.push({ type: 'atom', name: match[0], column });
      i += match[0].length;
    } else if (c === '"' || c === "'") {
      let value = '';
      let j = i + 1;
      for (; j < expression.length && expression[j] !== c; j++) {
        if (expression[j] === '\\' && j + 1 < expression.length) j++;
        value += expression[j];
      }
      if (j >= expression.length) throw new FilterSyntaxError(`unterminated ${c === '"' ? 'double' : 'single'}-quoted string`, column, expression);
      tokens.push({ type: 'word', value, column });
      i = j + 1;
    } else {
      const match = /^[^\s()]+/.exec(expression.slice(i))!;
      tokens.push({ type: 'word', value: match[0], column });
      i += match[0].length;
    }
  }
  tokens.push({ type: 'end', column: expression.length + 1 });
  return tokens;
}
