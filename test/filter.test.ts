/** The filter language: atoms, precedence, quoting, and errors that point at the column. */
import { describe, expect, it } from 'vitest';
import { compileFilter, formatFilterError, FilterSyntaxError, parseFilter, type FilterSubject } from '../src/filter/index.js';

const call: FilterSubject = { direction: 'c2s', kind: 'request', method: 'tools/call', toolName: 'get-sum', id: 3, sessionId: 'abc-123', text: '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get-sum","arguments":{"a":1}}}' };
const answer: FilterSubject = { ...call, direction: 's2c', kind: 'response', text: '{"jsonrpc":"2.0","id":3,"result":{"content":[]}}' };
const failure: FilterSubject = { ...answer, kind: 'error', text: '{"jsonrpc":"2.0","id":3,"error":{"code":-32000,"message":"boom"}}' };
const progress: FilterSubject = { direction: 's2c', kind: 'notification', method: 'notifications/progress', sessionId: 'abc-123', text: '{"method":"notifications/progress"}' };
const matches = (expression: string, subject: FilterSubject) => compileFilter(expression)(subject);

describe('atoms', () => {
  it.each([
    ['~m tools/call', call, true],
    ['~m tools/*', call, true],
    ['~m tools/lis?', call, false],
    ['~m notifications/*', progress, true],
    ['~t get-*', call, true],
    ['~t echo', call, false],
    ['~t get-sum', progress, false],
    ['~d c2s', call, true],
    ['~d s2c', call, false],
    ['~k request', call, true],
    ['~k response', answer, true],
    ['~k notification', progress, true],
    ['~k error', failure, true],
    ['~id 3', call, true],
    ['~id 4', call, false],
    ['~id 3', { ...call, id: '3' }, true],
    ['~b \'"a":1\'', call, true],
    ['~b boom', failure, true],
    ['~s abc-*', call, true],
    ['~s xyz', call, false],
    ['~e', failure, true],
    ['~e', answer, false],
    ['~all', progress, true],
  ])('%s on a %s', (expression, subject, expected) => {
    expect(matches(expression, subject as FilterSubject)).toBe(expected);
  });
});

describe('combining', () => {
  it('gives ! over & over |, and parentheses group', () => {
    expect(matches('~m tools/call & ~t get-*', call)).toBe(true);
    expect(matches('~d s2c | ~t get-sum & ~k request', call)).toBe(true);
    expect(matches('(~d s2c | ~t get-sum) & ~k response', call)).toBe(false);
    expect(matches('!(~d s2c) | ~e', call)).toBe(true);
    expect(matches('!(~d s2c) | ~e', answer)).toBe(false);
    expect(matches('!(~d s2c) | ~e', failure)).toBe(true);
    expect(matches('!!~d c2s', call)).toBe(true);
  });

  it('takes quoted arguments with spaces and escapes', () => {
    expect(matches('~b "\\"name\\":\\"get-sum\\""', call)).toBe(true);
    expect(matches("~b 'a b'", call)).toBe(false);
    expect(parseFilter("~t 'my tool'")).toEqual({ type: 'tool', glob: 'my tool' });
  });
});

describe('errors point at the column', () => {
  it.each([
    ['', 1, /empty/],
    ['~x foo', 1, /unknown atom ~x; known: ~m ~t ~d ~k ~id ~b ~s ~e ~all/],
    ['~m', 3, /expected a method \(glob\) after ~m/],
    ['~m a &', 7, /expected a filter/],
    ['(~m a', 6, /expected \) to close the \( at column 1/],
    ['~m a)', 5, /unbalanced \)/],
    ['~m a ~t b', 6, /expected & or \| between filters/],
    ['~d up', 4, /~d takes c2s or s2c, not "up"/],
    ['~k reply', 4, /~k takes request, response, notification or error/],
    ['~b "(unclosed"', 4, /invalid regular expression/],
    ['~m "open', 4, /unterminated double-quoted string/],
    ['tools/call', 1, /expected an atom such as ~m/],
    ['& ~m a', 1, /unexpected &/],
    ['~', 1, /expected an atom name after ~/],
  ])('%j', (expression, column, message) => {
    let caught: unknown;
    try {
      parseFilter(expression);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FilterSyntaxError);
    expect((caught as FilterSyntaxError).column).toBe(column);
    expect((caught as FilterSyntaxError).message).toMatch(message);
    expect((caught as FilterSyntaxError).message).toMatch(new RegExp(`^column ${column}: `));
  });

  it('formats an error with a caret under the column', () => {
    try {
      parseFilter('~m tools/call & ~d sideways');
    } catch (error) {
      expect(formatFilterError(error as FilterSyntaxError)).toBe('~m tools/call & ~d sideways\n                   ^\ncolumn 20: ~d takes c2s or s2c, not "sideways"');
    }
    expect.assertions(1);
  });
});
