/**
 * A mistake in a rules file, said so a person can go straight to it: the file (and line, when the
 * YAML parser knows it), the rule (its number counted from 1, and its name), and the field.
 */

export interface RulesErrorPlace {
  /** 1-based position of the rule in `rules:`. */
  rule?: number;
  ruleName?: string;
  /** The field, dotted for nested ones: "then.ms", "rateLimits.tools/call". */
  field?: string;
  /** 1-based line in the file. */
  line?: number;
}

export class RulesError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly place: RulesErrorPlace = {},
  ) {
    super(formatRulesError(file, problem, place));
    this.name = 'RulesError';
  }
}

/** `rules.yaml:7: rule 2 ("no sums"), field "match": column 5: unknown atom ~x` */
export function formatRulesError(file: string, problem: string, place: RulesErrorPlace): string {
  const where: string[] = [];
  if (place.rule !== undefined) where.push(`rule ${place.rule}${place.ruleName === undefined ? '' : ` (${JSON.stringify(place.ruleName)})`}`);
  if (place.field !== undefined) where.push(`field ${JSON.stringify(place.field)}`);
  const head = place.line === undefined ? file : `${file}:${place.line}`;
  return where.length === 0 ? `${head}: ${problem}` : `${head}: ${where.join(', ')}: ${problem}`;
}
