/**
 * The rooms of src/ and which way they may import (docs/DESIGN's layout): a lower room never
 * imports a higher one, so a reader knows from a file's path what it may touch. core and session
 * share the bottom floor (the pipeline keeps its conversations in sessions; a session names core's
 * types). Static imports and `import()` both count, types included: a type import ties the rooms
 * together as much as a value does.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');

/** Lowest first; a room may import its own floor and any below it. */
const FLOORS: readonly (readonly string[])[] = [
  ['core', 'session'],
  ['filter'],
  ['rules'],
  ['tape'],
  ['interceptors'],
  ['transports'],
  ['control'],
  ['proxy'],
  ['tui', 'web'],
  ['cli', 'testing', 'index.ts'],
];

const floorOf = (room: string): number => {
  const floor = FLOORS.findIndex((rooms) => rooms.includes(room));
  if (floor < 0) throw new Error(`src/${room} is on no floor of test/layers.test.ts: put it on one`);
  return floor;
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

const roomOf = (file: string): string => relative(SRC, file).split(/[\\/]/)[0]!;

interface Crossing {
  file: string;
  imports: string;
}

function crossings(): Crossing[] {
  const wrong: Crossing[] = [];
  for (const file of sources(SRC)) {
    const room = roomOf(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = normalize(join(dirname(file), match[1]!));
      if (!target.startsWith(SRC)) continue;
      const targetRoom = roomOf(target);
      if (targetRoom === room) continue;
      if (floorOf(targetRoom) > floorOf(room)) wrong.push({ file: relative(SRC, file), imports: relative(SRC, target) });
    }
  }
  return wrong;
}

describe('the rooms of src/', () => {
  it('import only their own floor and the floors below', () => {
    expect(crossings()).toEqual([]);
  });

  it('are all on a floor', () => {
    const rooms = new Set(sources(SRC).map(roomOf));
    for (const room of rooms) expect(() => floorOf(room)).not.toThrow();
  });
});
