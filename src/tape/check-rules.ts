/** The rules `mcp-tap check` applies, by name (kept apart so the command line can list them without loading the checker). */
export type CheckRule = 'error' | 'tool-error' | 'invalid' | 'protocol' | 'unanswered' | 'slow' | 'expect-tool' | 'forbid-tool' | 'deprecated';

export const CHECK_RULES: readonly CheckRule[] = ['error', 'tool-error', 'invalid', 'protocol', 'unanswered', 'slow', 'expect-tool', 'forbid-tool', 'deprecated'];
