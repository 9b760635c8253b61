/** Runs the real `tessera` CLI as a child process (node --import tsx src/cli/main.ts …). */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { TEST_JWT_SECRET } from '../support/app.js';

const ENTRY = path.resolve('src/cli/main.ts');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Only what the CLI needs: the test's own environment (DATABASE_URL, REDIS_URL, …) must not leak in. */
export function cliEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  const base: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[key];
    if (value !== undefined) base[key] = value;
  }
  return { ...base, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', JWT_SECRET: TEST_JWT_SECRET, ...extra };
}

export function spawnCli(args: string[], env: Record<string, string>): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { env, stdio: 'pipe' });
}

/** Runs to completion (the CLI must exit by itself: every pool closed). */
export function runCli(args: string[], env: Record<string, string>, opts: { input?: string } = {}): Promise<CliResult> {
  return startCli(args, env, opts).done;
}

export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves once `pattern` appears in the output so far (or rejects when the process ends first). */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<void>;
  done: Promise<CliResult>;
}

export function startCli(args: string[], env: Record<string, string>, opts: { input?: string } = {}): RunningCli {
  const child = spawnCli(args, env);
  const text = { stdout: '', stderr: '' };
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    text.stdout += chunk;
    for (const w of [...waiters]) w();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    text.stderr += chunk;
    for (const w of [...waiters]) w();
  });
  if (opts.input !== undefined) child.stdin.end(opts.input);
  else child.stdin.end();
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      for (const w of [...waiters]) w();
      resolve({ code, signal, stdout: text.stdout, stderr: text.stderr });
    });
  });
  return {
    child,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    done,
    waitFor: (stream, pattern) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(text[stream])) {
            waiters.delete(check);
            resolve();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            waiters.delete(check);
            reject(new Error(`the CLI exited before ${pattern} appeared on ${stream}; stdout: ${text.stdout} stderr: ${text.stderr}`));
          }
        };
        waiters.add(check);
        check();
      }),
  };
}

export const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

/**
 * Runs the CLI in a pseudo-terminal (util-linux `script`), as a person at a terminal does:
 * stdout and stderr are the TTY, so both land in `output` (with the terminal's \r\n).
 */
export function runCliInTerminal(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, '--import', 'tsx', ENTRY, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** The last state of each progress line drawn in place (`\r\x1b[K…`). */
export const progressLines = (output: string): string[] =>
  output
    .split(/\r?\n/)
    .map((line) => line.split('\r\x1b[K').at(-1)!)
    .filter((line) => /events\/s/.test(line));
