/**
 * `tessera verify`: (1) replays every stream that has a decider through it and checks
 * the invariants at every revision (verifyStreams.ts); (2) compares each read model
 * with a fresh replay into a scratch schema (verifyReadModels.ts). Prints every
 * difference; the command exits 1 when there is any, 0 when the store is clean.
 */
import type { EventStore } from '../eventstore/eventStore.js';
import type { CliContext } from './context.js';
import type { Progress } from './output.js';
import { categoryOf } from './eventJson.js';
import { readStreamPages } from './stream.js';
import type { StreamModel } from './streamModels.js';
import { compareReadModel, type ReadModelReport } from './verifyReadModels.js';
import { checkerFor } from './verifyStreams.js';

const PAGE = 1000;

export interface StreamDifference {
  stream: string;
  revision: string | null;
  type: string | null;
  message: string;
}

export interface CategoryReport {
  category: string;
  streams: number;
  events: number;
}

export interface StreamsReport {
  events: number;
  categories: CategoryReport[];
  /** Events of categories without a decider, by category. */
  unchecked: Record<string, number>;
  differences: StreamDifference[];
}

export interface VerifyReport {
  ok: boolean;
  streams: StreamsReport;
  readModels: ReadModelReport[];
}

export async function verify(ctx: CliContext, opts: { json?: boolean; maxDifferences: number }): Promise<boolean> {
  const store = await ctx.store();
  const knex = await ctx.knex();
  if (!opts.json) ctx.out.note('verify: checking streams…');
  const streams = await verifyStreams(store, ctx.streamModels, opts.maxDifferences, {
    progress: (label, total) => ctx.out.progress(`verify: ${label}`, total),
    total: await ctx.eventCount(await store.headPosition()),
  });
  const readModels: ReadModelReport[] = [];
  for (const projection of ctx.projections) {
    if (!opts.json) ctx.out.note(`verify: comparing read model ${projection.name} with a fresh replay…`);
    readModels.push(await compareReadModel(knex, store, projection, { maxRowsPerTable: opts.maxDifferences }));
  }
  const count = streams.differences.length + readModels.reduce((n, r) => n + r.differences.length, 0);
  const report: VerifyReport = { ok: count === 0, streams, readModels };
  if (opts.json) await ctx.out.json(report);
  else await printReport(ctx, report, count);
  return report.ok;
}

/** Progress lines on a TTY; the total is the event count when verify starts (appends made meanwhile are read too). */
interface VerifyProgress {
  progress: (label: string, total: number | undefined) => Progress;
  total: number | undefined;
}

async function verifyStreams(store: EventStore, models: readonly StreamModel[], maxPerStream: number, watch: VerifyProgress): Promise<StreamsReport> {
  const report: StreamsReport = { events: 0, categories: [], unchecked: {}, differences: [] };
  const byCategory = new Map(models.map((m) => [m.category, { category: m.category, streams: 0, events: 0 }]));

  // Pass 1 over $all: the streams to check, and each stream's revisions in position order.
  const lastSeen = new Map<string, bigint>();
  let after: bigint | undefined;
  const scan = watch.progress('reading $all', watch.total);
  for (;;) {
    const page = await store.readAll(after === undefined ? { maxCount: PAGE } : { afterPosition: after, maxCount: PAGE });
    for (const event of page) {
      after = event.position;
      scan.advance();
      report.events++;
      const category = categoryOf(event.streamName);
      const counts = byCategory.get(category);
      if (!counts) {
        report.unchecked[category] = (report.unchecked[category] ?? 0) + 1;
        continue;
      }
      const previous = lastSeen.get(event.streamName);
      const expected = previous === undefined ? 0n : previous + 1n;
      if (event.revision !== expected) {
        report.differences.push({
          stream: event.streamName,
          revision: event.revision.toString(),
          type: event.type,
          message: `in $all at position ${event.position} after revision ${previous ?? 'none'} of its stream (revisions must appear in position order without gaps)`,
        });
      }
      if (previous === undefined) counts.streams++;
      lastSeen.set(event.streamName, event.revision);
    }
    if (page.length < PAGE) break;
  }
  scan.finish();

  // Pass 2: each stream through its decider, one stream in memory at a time.
  const checked = report.events - Object.values(report.unchecked).reduce((n, c) => n + c, 0);
  const fold = watch.progress('folding streams through their deciders', checked);
  for (const stream of lastSeen.keys()) {
    const model = models.find((m) => m.category === categoryOf(stream))!;
    const counts = byCategory.get(model.category)!;
    const checker = checkerFor(model);
    let reported = 0;
    const add = (revision: string | null, type: string | null, message: string) => {
      reported++;
      if (reported <= maxPerStream) report.differences.push({ stream, revision, type, message });
    };
    for await (const event of readStreamPages(store, stream)) {
      counts.events++;
      fold.advance();
      for (const message of checker.check(event)) add(event.revision.toString(), event.type, message);
    }
    for (const message of checker.finish()) add(null, null, message);
    if (reported > maxPerStream) report.differences.push({ stream, revision: null, type: null, message: `… and ${reported - maxPerStream} more problem(s) in this stream` });
  }
  fold.finish();
  report.categories = [...byCategory.values()];
  return report;
}

async function printReport(ctx: CliContext, report: VerifyReport, count: number): Promise<void> {
  const out = ctx.out;
  const s = report.streams;
  await out.line(`streams (${s.events} events in the store):`);
  for (const c of s.categories) await out.line(`  ${c.category}: ${c.streams} stream(s), ${c.events} event(s) folded through the decider, checked at every revision`);
  const unchecked = Object.entries(s.unchecked);
  if (unchecked.length) await out.line(`  not checked (no decider): ${unchecked.map(([category, n]) => `${category} ${n} event(s)`).join(', ')}`);
  await out.line('read models (compared with a fresh replay into a scratch schema):');
  for (const r of report.readModels) {
    const tables = r.tables.map((t) => `${t.table} ${t.liveRows}`).join(', ');
    const state = r.differences.length ? `${r.differences.length} difference(s)` : r.checkpoint === null ? 'skipped' : 'identical';
    await out.line(`  ${r.projection} (${r.schema}, checkpoint ${r.checkpoint ?? 'none'}, ${r.replayedEvents} events replayed): ${state}${tables ? ` [rows: ${tables}]` : ''}`);
    for (const note of r.notes) await out.line(`    note: ${note}`);
  }
  if (count === 0) {
    await out.line('verify: OK, no differences');
    return;
  }
  await out.line('differences:');
  for (const d of s.differences) await out.line(`  ${d.stream}${d.revision === null ? '' : ` revision ${d.revision}`}${d.type ? ` (${d.type})` : ''}: ${d.message}`);
  for (const r of report.readModels) for (const d of r.differences) await out.line(`  read model ${r.projection}: ${d}`);
  await out.line(`verify: FAILED, ${count} difference(s)`);
}
