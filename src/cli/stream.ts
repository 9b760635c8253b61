/** `tessera stream read|state`: one stream's history, and its state folded through its decider. */
import type { EventStore, RecordedEvent } from '../eventstore/eventStore.js';
import type { CliContext } from './context.js';
import { categoryOf, eventLine, eventToJson } from './eventJson.js';
import { CliError, redactSecrets, toJson, usageError } from './output.js';
import { UnexpectedEventTypeError, findStreamModel } from './streamModels.js';

const PAGE = 1000;

/** Reads a stream forwards in pages (bounded memory for hot streams). */
export async function* readStreamPages(store: EventStore, stream: string, from = 0n, limit = Number.POSITIVE_INFINITY): AsyncGenerator<RecordedEvent> {
  let next = from;
  let left = limit;
  while (left > 0) {
    const page = await store.readStream(stream, { fromRevision: next, maxCount: Math.min(PAGE, left) });
    for (const event of page) yield event;
    if (page.length < Math.min(PAGE, left)) return;
    left -= page.length;
    next = page.at(-1)!.revision + 1n;
  }
}

async function lastRevision(store: EventStore, stream: string): Promise<bigint | undefined> {
  const [last] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
  return last?.revision;
}

export async function streamRead(ctx: CliContext, stream: string, opts: { from?: bigint; limit?: number; json?: boolean }): Promise<void> {
  const store = await ctx.store();
  const last = await lastRevision(store, stream);
  if (last === undefined) throw new CliError(`stream ${stream} not found`);
  const from = opts.from ?? 0n;
  if (opts.json) {
    // One JSON array, one event per line, written as it is read.
    let pending: string | undefined;
    await ctx.out.line('[');
    for await (const event of readStreamPages(store, stream, from, opts.limit)) {
      if (pending !== undefined) await ctx.out.line(`${pending},`);
      pending = `  ${toJson(redactSecrets(eventToJson(event)))}`;
    }
    if (pending !== undefined) await ctx.out.line(pending);
    await ctx.out.line(']');
    return;
  }
  await ctx.out.line(`${stream}: revisions 0..${last}${from > 0n ? `, from ${from}` : ''}`);
  let shown = 0;
  for await (const event of readStreamPages(store, stream, from, opts.limit)) {
    await ctx.out.line(eventLine(event, redactSecrets(event.data), { stream: false }));
    shown++;
  }
  if (shown === 0) ctx.out.note(`no events at revision ${from} or later (the stream ends at ${last})`);
}

export async function streamState(ctx: CliContext, stream: string, opts: { at?: bigint; json?: boolean }): Promise<void> {
  const models = ctx.streamModels;
  const model = findStreamModel(stream, models);
  if (!model) {
    throw usageError(
      `no decider for stream category "${categoryOf(stream)}" (stream names are <category>-<id>; known categories: ${models.map((m) => m.category).join(', ')})`,
    );
  }
  const store = await ctx.store();
  const last = await lastRevision(store, stream);
  if (last === undefined) throw new CliError(`stream ${stream} not found`);
  if (opts.at !== undefined && opts.at > last) throw new CliError(`stream ${stream} ends at revision ${last}; --at ${opts.at} is beyond it`);
  const upTo = opts.at ?? last;
  const fold = model.fold();
  let folded: RecordedEvent | undefined;
  for await (const event of readStreamPages(store, stream, 0n, Number.POSITIVE_INFINITY)) {
    if (event.revision > upTo) break;
    try {
      fold.apply(event);
    } catch (error) {
      if (error instanceof UnexpectedEventTypeError) throw new CliError(`${stream} revision ${event.revision}: ${error.message}`);
      throw error;
    }
    folded = event;
    if (event.revision === upTo) break;
  }
  const revision = folded?.revision ?? upTo;
  const state = redactSecrets(fold.json());
  if (opts.json) {
    await ctx.out.json({ stream, category: model.category, revision: revision.toString(), lastRevision: last.toString(), state });
    return;
  }
  await ctx.out.line(`${stream} at revision ${revision}${revision < last ? ` (of ${last})` : ''}${folded ? `, last event ${folded.type} at ${folded.recordedAt.toISOString()}` : ''}`);
  const summary = fold.summary();
  const width = Math.max(...summary.map(([label]) => label.length));
  for (const [label, value] of summary) await ctx.out.line(`  ${label.padEnd(width)}  ${value}`);
  await ctx.out.line('state:');
  for (const line of toJson(state, 2).split('\n')) await ctx.out.line(`  ${line}`);
}
