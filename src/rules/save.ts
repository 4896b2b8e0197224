/**
 * A response a person wrote in a console (the terminal UI's `s`, the browser console's "save as
 * rule") becomes a mock rule at the end of the proxy's rules file, so the next run answers the
 * same way without a person. The file is edited as a YAML document, so its comments and layout
 * survive.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isMap, isSeq, parseDocument, YAMLSeq } from 'yaml';

/** A response a person wrote, and the filter of the requests it answers. */
export interface WrittenAnswer {
  match: string;
  result: unknown;
}

/**
 * The rules file to save to: the one given to the UI, else the one the proxy was started with
 * (relative paths are taken from the proxy's working directory).
 */
export function rulesFileOf(proxy: { rulesFile?: string; cwd?: string } | undefined, override?: string): string | undefined {
  const named = override ?? (proxy?.rulesFile || undefined);
  if (named === undefined) return undefined;
  return isAbsolute(named) || !proxy?.cwd ? named : resolve(proxy.cwd, named);
}

/** Appends `{ match, action: mock, result }` to the file's `rules:` list (creating either if missing). */
export function appendMockRule(file: string, answer: WrittenAnswer): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const doc = parseDocument(text.trim() === '' ? 'rules: []\n' : text);
  if (doc.errors.length > 0) throw new Error(`${file} is not valid YAML: ${doc.errors[0]!.message}`);
  if (doc.contents === null) doc.contents = doc.createNode({ rules: [] }) as never;
  if (!isMap(doc.contents)) throw new Error(`${file} does not hold a mapping with a "rules" list`);
  let rules = doc.get('rules', true);
  if (rules === undefined || rules === null) {
    rules = new YAMLSeq();
    doc.set('rules', rules);
  }
  if (!isSeq(rules)) throw new Error(`"rules" in ${file} is not a list`);
  // A flow sequence ("rules: []") would put the new rule on one line; block style reads better.
  rules.flow = false;
  rules.add(doc.createNode({ match: answer.match, action: 'mock', result: answer.result }));
  writeFileSync(file, doc.toString());
}
