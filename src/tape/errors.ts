/** One-line errors for what goes wrong with a tape store, instead of SQLite's own wording. */

export class TapeError extends Error {
  constructor(
    message: string,
    /** SQLite's code (SQLITE_BUSY, SQLITE_FULL, ...) when the store failed. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'TapeError';
  }
}

/** Another connection holds the lock: waiting (or trying again) will do. */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

export function explainStoreError(file: string, error: unknown): TapeError {
  // Already worded for the user (and its text may contain a tape name such as "locked-1").
  if (error instanceof TapeError) return error;
  const code = (error as { code?: string }).code ?? '';
  const detail = (error as Error).message ?? String(error);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || /not a database|malformed/i.test(detail)) {
    return new TapeError(`${file} is not a valid tape store (corrupt, or not an mcp-tap file)`, code);
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || /locked|busy/i.test(detail)) {
    return new TapeError(`${file} is locked by another process; try again when it is done`, code || 'SQLITE_BUSY');
  }
  if (code === 'SQLITE_CANTOPEN' || /unable to open/i.test(detail)) {
    return new TapeError(`cannot open ${file}: check that its folder exists and is writable`, code);
  }
  if (code.startsWith('SQLITE_READONLY') || /readonly/i.test(detail)) {
    return new TapeError(`${file} is read-only`, code);
  }
  if (code === 'SQLITE_FULL' || /database or disk is full/i.test(detail)) {
    return new TapeError(`${file}: the disk is full`, code);
  }
  return new TapeError(`${file}: ${detail}`, code);
}
