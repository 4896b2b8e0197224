/** `w`, `W` and `:export`: exchanges written as a JSON document, in a file readable only by its owner. */
import { resolve } from 'node:path';
import type { LogItem } from '../core/exchange.js';
import { itemJson } from '../core/exchange-json.js';
import type { TuiState } from './state.js';
import { writePrivateFile } from '../core/private-file.js';

/** A file name for the export: the tape's (or the proxy's tape's) name and what is exported. */
export function exportName(state: TuiState, list: boolean, selected?: LogItem): string {
  const stem = state.tape?.name ?? state.proxy?.tape ?? 'mcp-tap';
  if (list) return `${stem}-exchanges.json`;
  return `${stem}-${selected ? selected.seq : 'exchange'}.json`;
}

/** Writes `items` to `file` (relative to `cwd`); resolves to the path written, throws with the reason. */
export function writeExport(state: TuiState, items: LogItem[], file: string, cwd: string, filtered: boolean): string {
  const document = {
    exportedBy: 'mcp-tap',
    source: state.tape ? { tape: state.tape.name } : { proxy: state.proxy?.title, id: state.proxy?.id, tape: state.proxy?.tape },
    ...(filtered && state.filter.expression ? { filter: state.filter.expression } : {}),
    items: items.map(itemJson),
  };
  const path = resolve(cwd, file);
  writePrivateFile(path, `${JSON.stringify(document, null, 2)}\n`);
  return path;
}
