/**
 * Output and errors of the `tessera` CLI. Results go to stdout (with backpressure, so
 * `tessera export | …` never buffers the whole store); progress, notes and errors go
 * to stderr. bigint values are written as strings, never through Number.
 */
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { InvalidArgumentError } from 'commander';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
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

  /** A progress line on stderr when a person watches it (a TTY); nothing otherwise. */
  progress(label: string, total: number | undefined): Progress {
    return new Progress(this.io.stderr, label, total);
  }
}

/**
 * One line redrawn in place: events done / total, rate, ETA. At most every `everyMs`,
 * and once more when done. Silent unless the stream is a TTY (pipes and logs stay clean).
 */
export class Progress {
  private done = 0;
  private readonly started: number;
  private lastDrawn: number;
  private readonly active: boolean;

  constructor(
    private readonly stream: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly label: string,
    private readonly total: number | undefined,
    private readonly now: () => number = () => performance.now(),
    private readonly everyMs = 500,
  ) {
    this.active = stream.isTTY === true;
    this.started = now();
    this.lastDrawn = this.started;
  }

  advance(events = 1): void {
    this.done += events;
    if (!this.active) return;
    const now = this.now();
    if (now - this.lastDrawn < this.everyMs) return;
    this.lastDrawn = now;
    this.stream.write(`\r\x1b[K${this.line(now)}`);
  }

  /** The final line (and a newline), so the next output starts on its own line. */
  finish(): void {
    if (this.active) this.stream.write(`\r\x1b[K${this.line(this.now())}\n`);
  }

  line(now: number): string {
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? this.done / seconds : 0;
    const parts = [this.total === undefined ? `${this.done} events` : `${this.done}/${this.total} events (${percent(this.done, this.total)}%)`];
    parts.push(`${Math.round(rate)} events/s`);
    if (this.total !== undefined && this.done < this.total) parts.push(`ETA ${rate > 0 ? duration((this.total - this.done) / rate) : '?'}`);
    else if (this.done > 0) parts.push(`in ${duration(seconds)}`);
    return `${this.label}: ${parts.join(', ')}`;
  }
}

const percent = (done: number, total: number) => (total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100);

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${Math.round(seconds % 60)} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
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
