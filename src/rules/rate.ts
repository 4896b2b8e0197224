/** A rate as the rules file and the command line write it: `20/s`, `100/min`, `3600/h`. */
export interface RateSpec {
  /** Requests per second. */
  perSecond: number;
  /** How many may come at once; defaults to the per-second rate (at least 1). */
  burst?: number;
}

/** `20/s`, `100/m`, `5/min`, `3600/h` to requests per second. */
export function parseRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*\/\s*(s|sec|second|m|min|minute|h|hour)$/i.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a rate (examples: 20/s, 100/min, 3600/h)`);
  const unit = match[2]!.toLowerCase()[0];
  const per = unit === 's' ? 1 : unit === 'm' ? 60 : 3600;
  const rate = Number(match[1]) / per;
  if (rate <= 0) throw new Error(`a rate must be above zero, got "${text}"`);
  return rate;
}
