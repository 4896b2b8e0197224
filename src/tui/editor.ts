/**
 * Handing a message to the person's editor and checking what comes back. The editor runs on the
 * terminal the UI draws on (which is not process.stdout when the UI runs inside a stdio proxy).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the editor's stdin/stdout/stderr go: 'inherit', the file descriptor of a terminal, or nowhere (scripted editors). */
export type EditorTerminal = 'inherit' | 'ignore' | { input: number; output: number };

/** Opens `file` in an editor and resolves when the editor exits (rejects when it fails). */
export type EditorRunner = (file: string) => Promise<void>;

export function editorCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.VISUAL?.trim() || env.EDITOR?.trim() || 'vi';
}

/**
 * Runs $VISUAL, else $EDITOR, else vi, through the shell so "code --wait" works; the file name is
 * passed as an argument, never spliced into the command text.
 */
export function spawnEditor(terminal: EditorTerminal = 'inherit', env: NodeJS.ProcessEnv = process.env): EditorRunner {
  return (file) =>
    new Promise((resolve, reject) => {
      const command = editorCommand(env);
      const stdio = typeof terminal === 'string' ? terminal : [terminal.input, terminal.output, terminal.output];
      const child = spawn('/bin/sh', ['-c', `${command} "$1"`, 'editor', file], { stdio, env });
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        if (code === 0) resolve();
        else reject(new Error(`editor "${command}" ${signal ? `was killed by ${signal}` : `exited with status ${code}`}`));
      });
    });
}

type ReadHandle = { reading?: boolean; readStop?: () => number; readStart?: () => number };

/**
 * Stops the UI's process from reading the terminal while the editor has it. Removing Ink's key
 * listener is not enough: a terminal stream keeps reading into its buffer until that is full, so
 * it would steal the editor's keystrokes. This is what net.Socket's own pause() does in its
 * buffered mode. Returns the function that starts reading again.
 */
export function stopReading(stream: NodeJS.ReadableStream): () => void {
  const handle = (stream as unknown as { _handle?: ReadHandle })._handle;
  if (!handle || typeof handle.readStop !== 'function' || typeof handle.readStart !== 'function' || !handle.reading) return () => {};
  handle.reading = false;
  handle.readStop();
  return () => {
    if (handle.reading) return;
    handle.reading = true;
    handle.readStart!();
  };
}

/** Writes `text` to a temp file, lets the editor change it, and returns what it holds afterwards. */
export async function editText(text: string, run: EditorRunner, name = 'message.json'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-tap-edit-'));
  const file = join(dir, name);
  try {
    writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`, { mode: 0o600 });
    await run(file);
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
