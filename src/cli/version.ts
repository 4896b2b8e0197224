/** mcp-tap's version, from its package.json (a module of its own: the launcher reads it with nothing else loaded). */
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
