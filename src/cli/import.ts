/**
 * `tessera import [file]` (file, `-` or a pipe): appends the events of an export in
 * file order, so the global order is kept. Consecutive events of one stream go in one
 * append whose expected revision is the revision from the file minus one (no_stream
 * for revision 0). Events the target stream already has are appended again with their
 * own expected revision: the store treats the same ids at the same place as a no-op
 * and refuses different ones, so importing twice changes nothing and an import never
 * overwrites other history. A file is checked completely before anything is written.
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { WrongExpectedRevisionError, type EventMetadata, type EventStore, type ExpectedRevision } from '../eventstore/eventStore.js';
import { findUnstorableText, MAX_JSON_DEPTH, nestsDeeperThan } from '../json.js';
import type { CliContext } from './context.js';
import { CliError, usageError } from './output.js';

const BATCH = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface ImportEvent {
  line: number;
  stream: string;
  type: string;
  id: string;
  data: unknown;
  metadata: EventMetadata;
  revision: bigint;
}

export interface ImportCounts {
  events: number;
  streams: number;
  appended: number;
  alreadyPresent: number;
}

class LineError extends CliError {
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
  }
}

export function parseLine(text: string, line: number): ImportEvent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new LineError(line, 'not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new LineError(line, 'expected a JSON object');
  if (nestsDeeperThan(value)) throw new LineError(line, `nests deeper than ${MAX_JSON_DEPTH} levels`);
  const badTextAt = findUnstorableText(value);
  if (badTextAt) {
    throw new LineError(line, `${badTextAt.join('.')} holds U+0000 or an unpaired UTF-16 surrogate, which PostgreSQL cannot store`);
  }
  const o = value as Record<string, unknown>;
  const str = (key: string) => {
    const v = o[key];
    if (typeof v !== 'string' || v === '') throw new LineError(line, `"${key}" must be a non-empty string`);
    return v;
  };
  const stream = str('stream');
  const type = str('type');
  const id = str('id');
  if (!UUID.test(id)) throw new LineError(line, `"id" must be a UUID, got ${JSON.stringify(id)}`);
  if (!('data' in o)) throw new LineError(line, '"data" is missing');
  const metadata = o.metadata ?? {};
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) throw new LineError(line, '"metadata" must be an object');
  const rawRevision = o.revision;
  let revision: bigint;
  if (typeof rawRevision === 'string' && /^\d{1,20}$/.test(rawRevision)) revision = BigInt(rawRevision);
  else if (typeof rawRevision === 'number' && Number.isSafeInteger(rawRevision) && rawRevision >= 0) revision = BigInt(rawRevision);
  else throw new LineError(line, '"revision" must be a non-negative integer (a string of digits)');
  return { line, stream, type, id, data: o.data, metadata: metadata as EventMetadata, revision };
}

async function* readEvents(input: NodeJS.ReadableStream): AsyncGenerator<ImportEvent> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  const lastInFile = new Map<string, bigint>();
  try {
    for await (const text of lines) {
      number++;
      if (text.trim() === '') continue;
      const event = parseLine(text, number);
      const previous = lastInFile.get(event.stream);
      if (previous !== undefined && event.revision !== previous + 1n) {
        throw new LineError(number, `${event.stream} revision ${event.revision} does not follow revision ${previous} of the same stream earlier in the file`);
      }
      lastInFile.set(event.stream, event.revision);
      yield event;
    }
  } finally {
    lines.close();
  }
}

const expectedFor = (first: ImportEvent): ExpectedRevision => (first.revision === 0n ? 'no_stream' : first.revision - 1n);

export async function importEvents(ctx: CliContext, file: string | undefined, opts: { json?: boolean }): Promise<void> {
  const fromStdin = file === undefined || file === '-';
  if (file === undefined && ctx.io.stdin.isTTY) throw usageError('import needs a file (or `-`, or an export piped into it)');
  let checked = 0;
  if (!fromStdin) {
    await access(file).catch(() => {
      throw new CliError(`cannot read ${file}`);
    });
    // Check the whole file first: a bad line must not leave half an import behind.
    for await (const _event of readEvents(createReadStream(file))) checked++;
    ctx.out.note(`${file}: ${checked} events, well-formed; importing…`);
  }
  const store = await ctx.store();
  const progress = ctx.out.progress('import', fromStdin ? undefined : checked);
  const counts = await appendAll(store, readEvents(fromStdin ? ctx.io.stdin : createReadStream(file)), (n) => progress.advance(n));
  progress.finish();
  if (opts.json) {
    await ctx.out.json(counts);
    return;
  }
  await ctx.out.line(
    `imported ${counts.events} events in ${counts.streams} streams: ${counts.appended} appended, ${counts.alreadyPresent} already present`,
  );
}

async function appendAll(store: EventStore, events: AsyncIterable<ImportEvent>, onAppended: (events: number) => void): Promise<ImportCounts> {
  const counts: ImportCounts = { events: 0, streams: 0, appended: 0, alreadyPresent: 0 };
  /** The target store's last revision per stream seen so far (-1 = no stream). */
  const current = new Map<string, bigint>();
  let batch: ImportEvent[] = [];

  const append = async (stream: string, part: ImportEvent[]) => {
    try {
      return await store.appendToStream(
        stream,
        part.map((e) => ({ id: e.id, type: e.type, data: e.data, metadata: e.metadata })),
        { expectedRevision: expectedFor(part[0]!) },
      );
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) {
        const last = part.at(-1)!;
        throw new CliError(
          `line ${part[0]!.line}: ${stream} already holds different events at revisions ${part[0]!.revision}..${last.revision} ` +
            `(its last revision is ${error.actual ?? 'none'}); the import stopped there and overwrote nothing`,
        );
      }
      throw error;
    }
  };

  const flush = async () => {
    if (batch.length === 0) return;
    const part = batch;
    batch = [];
    const stream = part[0]!.stream;
    let revision = current.get(stream);
    if (revision === undefined) {
      const [last] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
      revision = last?.revision ?? -1n;
      counts.streams++;
    }
    const present = part.filter((e) => e.revision <= revision!);
    const fresh = part.filter((e) => e.revision > revision!);
    if (present.length > 0) {
      await append(stream, present); // a no-op when the ids match, refused otherwise
      counts.alreadyPresent += present.length;
    }
    if (fresh.length > 0) {
      const first = fresh[0]!;
      if (first.revision !== revision + 1n) {
        throw new CliError(
          `line ${first.line}: ${stream} continues at revision ${first.revision} in the file, but the stream ${revision < 0n ? 'does not exist' : `ends at revision ${revision}`}; import the events before it first`,
        );
      }
      revision = (await append(stream, fresh)).nextExpectedRevision;
      counts.appended += fresh.length;
    }
    current.set(stream, revision);
    onAppended(part.length);
  };

  for await (const event of events) {
    counts.events++;
    const previous = batch.at(-1);
    if (previous && (previous.stream !== event.stream || batch.length >= BATCH)) await flush();
    batch.push(event);
  }
  await flush();
  return counts;
}
