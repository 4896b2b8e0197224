/** One-line errors for what goes wrong with a tape store, instead of SQLite's own wording. */

export class TapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TapeError';
  }
}

export function explainStoreError(file: string, error: unknown): TapeError {
  // Already worded for the user (and its text may contain a tape name such as "locked-1").
  if (error instanceof TapeError) return error;
  const code = (error as { code?: string }).code ?? '';
  const detail = (error as Error).message ?? String(error);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || /not a database|malformed/i.test(detail)) {
    return new TapeError(`${file} is not a valid tape store (corrupt, or not an mcp-tap file)`);
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || /locked|busy/i.test(detail)) {
    return new TapeError(`${file} is locked by another process; try again when it is done`);
  }
  if (code === 'SQLITE_CANTOPEN' || /unable to open/i.test(detail)) {
    return new TapeError(`cannot open ${file}: check that its folder exists and is writable`);
  }
  if (code === 'SQLITE_READONLY' || /readonly/i.test(detail)) {
    return new TapeError(`${file} is read-only`);
  }
  return new TapeError(`${file}: ${detail}`);
}
