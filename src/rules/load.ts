/** Loading a rules file: read, parse (YAML or JSON), check everything, or say what is wrong. */
import { readFileSync } from 'node:fs';
import { RulesError } from './errors.js';
import { parseRulesText } from './source.js';
import type { RuleSet } from './types.js';
import { validateRules } from './validate.js';

/** Parses and checks rules text; `file` is only used to name the file in errors. Throws RulesError. */
export function parseRules(text: string, file: string): RuleSet {
  return validateRules(parseRulesText(text, file), file);
}

/** Reads and checks a rules file. Throws RulesError, naming `file` as given. */
export function loadRulesFile(file: string): RuleSet {
  return parseRules(readRulesText(file), file);
}

export function readRulesText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a rules file' : (error as Error).message;
    throw new RulesError(file, `cannot read the rules file: ${problem}`);
  }
}
