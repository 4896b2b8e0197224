/** The filter language shared by breakpoints (--break), rules (match:) and the UI's filter bar. */
import { FilterSyntaxError } from './lexer.js';

export { FilterSyntaxError } from './lexer.js';
export { parseFilter, ATOMS, type FilterNode } from './parser.js';
export { subjectOfContext } from './subject.js';
export { compileFilter, globToRegExp, type FilterSubject, type FilterPredicate } from './evaluate.js';

/** The expression, a caret under the column, and the message: for terminals and logs. */
export function formatFilterError(error: FilterSyntaxError): string {
  return `${formatFilterSource(error)}\n${error.message}`;
}

/** The expression and a caret under the column; any prefix must go on the lines before, or on both lines alike. */
export function formatFilterSource(error: FilterSyntaxError): string {
  return `${error.expression}\n${' '.repeat(Math.max(0, error.column - 1))}^`;
}
export { itemMatches, subjectsOfItem } from './exchange.js';
