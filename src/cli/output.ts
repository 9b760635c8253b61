/**
 * Output and errors of the `tessera` CLI. Results go to stdout (with backpressure, so
 * `tessera export | …` never buffers the whole store); progress, notes and errors go
 * to stderr. bigint values are written as strings, never through Number.
 */
import { once } from 'node:events';
import { InvalidArgumentError } from 'commander';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

/** An error the CLI reports as one line on stderr, exiting with `exitCode` (2 = usage, 1 = failure). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, 2);

/** stdout was closed by the reader (`tessera export | head`): stop quietly. */
export class OutputClosedError extends Error {
  override readonly name = 'OutputClosedError';
}

export class Output {
  private closed = false;

  constructor(private readonly io: CliIo) {
    io.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') this.closed = true;
    });
  }

  /** Writes one line to stdout, waiting for the stream to drain when its buffer is full. */
  async line(text = ''): Promise<void> {
    await write(this.io.stdout, `${text}\n`, () => this.closed);
  }

  async lines(texts: Iterable<string>): Promise<void> {
    for (const text of texts) await this.line(text);
  }

  async json(value: unknown): Promise<void> {
    await this.line(toJson(value, 2));
  }

  /** A note for the operator (progress, summaries next to data on stdout); stderr. */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }
}

export async function write(stream: NodeJS.WritableStream, chunk: string, isClosed: () => boolean = () => false): Promise<void> {
  if (isClosed()) throw new OutputClosedError();
  if (!stream.write(chunk)) {
    // events.once rejects when the stream emits 'error' (EPIPE when the reader went away).
    await Promise.race([once(stream, 'drain'), once(stream, 'close')]).catch((error: unknown) => {
      if (!isPipeClosed(error)) throw error;
    });
    if (isClosed()) throw new OutputClosedError();
  }
}

export const isPipeClosed = (error: unknown): boolean => (error as NodeJS.ErrnoException | null)?.code === 'EPIPE';

/** JSON with bigint as strings. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), indent);
}

/** Left-aligned columns, header first. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const format = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [format(header), ...rows.map(format)];
}

/** Values an operator should not see on a screen by accident; `export` keeps them (it must be lossless). */
const SECRET_KEYS = new Set(['passwordHash']);

export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.has(k) ? '[redacted]' : redactSecrets(v)]));
  }
  return value;
}

// ---- argument parsers (commander reports their errors as usage errors, exit 2) ----

const MAX_DIGITS = 20; // 2^64 − 1 has 20 digits: every revision and position fits

export const bigintArgument =
  (what: string) =>
  (value: string): bigint => {
    if (!/^\d+$/.test(value) || value.length > MAX_DIGITS) throw new InvalidArgumentError(`${what} must be a non-negative integer.`);
    return BigInt(value);
  };

export const countArgument =
  (what: string) =>
  (value: string): number => {
    const n = /^\d{1,9}$/.test(value) ? Number.parseInt(value, 10) : Number.NaN;
    if (!(n >= 1)) throw new InvalidArgumentError(`${what} must be a positive integer (at most 999999999).`);
    return n;
  };

/** Repeatable and comma-separated: `--type A,B --type C`. */
export const listArgument = (value: string, previous: string[] | undefined): string[] => {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError('must not be empty.');
  return [...(previous ?? []), ...items];
};

export const shorten = (text: string, max = 120): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
