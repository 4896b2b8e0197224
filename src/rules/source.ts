/**
 * Reading a rules file's text: YAML, and so JSON too (JSON is YAML), keeping the parser's source
 * positions so that a mistake found later can still be pinned to its line.
 */
import { isNode, LineCounter, parseDocument } from 'yaml';
import { RulesError } from './errors.js';

export type PathInFile = readonly (string | number)[];

export interface RulesSource {
  /** The document as plain data. */
  value: unknown;
  /** The 1-based line of the value at `path` (['rules', 1, 'match']), when the file has it. */
  lineOf(path: PathInFile): number | undefined;
}

export function parseRulesText(text: string, file: string): RulesSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const at = lineCounter.linePos(error.pos[0]);
    const problem = error.message.split('\n')[0]!;
    throw new RulesError(file, `not valid YAML or JSON: ${problem} (column ${at.col})`, { line: at.line });
  }
  return {
    value: doc.toJS({ maxAliasCount: 100 }),
    lineOf(path) {
      // The nearest enclosing node that exists: a missing field is reported at its rule's line.
      for (let length = path.length; length >= 0; length--) {
        const node: unknown = length === 0 ? doc.contents : doc.getIn(path.slice(0, length), true);
        if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    },
  };
}
