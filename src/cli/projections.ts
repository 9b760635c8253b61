/** `tessera projections status|rebuild`. */
import { performance } from 'node:perf_hooks';
import type { Projection } from '../projections/projection.js';
import { projectionStatuses, rebuildProjection } from '../projections/runtime.js';
import type { CliContext } from './context.js';
import { table, usageError } from './output.js';

export async function projectionsStatus(ctx: CliContext, opts: { json?: boolean }): Promise<void> {
  const knex = await ctx.knex();
  const store = await ctx.store();
  const [statuses, head] = await Promise.all([projectionStatuses(knex, store, ctx.projections), store.headPosition()]);
  if (opts.json) {
    await ctx.out.json({ head: head.toString(), items: statuses });
    return;
  }
  // projectionStatuses counts at most 10,000 unapplied events.
  const lag = (n: number) => (n >= 10_000 ? '≥10000' : String(n));
  await ctx.out.lines(
    table(
      ['NAME', 'VERSION', 'POSITION', 'STATE', 'LAG EVENTS', 'LAG SECONDS', 'UPDATED'],
      statuses.map((s) => [
        s.name,
        String(s.version),
        s.position,
        s.state,
        lag(s.lagEvents),
        s.lagSeconds === null ? '-' : s.lagSeconds.toFixed(1),
        s.updatedAt ?? '-',
      ]),
    ),
  );
  await ctx.out.line(`event store head: ${head < 0n ? 'empty' : head}`);
}

export function selectProjections(all: Projection[], name: string | undefined, every: boolean): Projection[] {
  if (every && name !== undefined) throw usageError('give a projection name or --all, not both');
  if (every) return all;
  if (name === undefined) throw usageError(`name a projection or pass --all (projections: ${all.map((p) => p.name).join(', ')})`);
  const found = all.find((p) => p.name === name);
  if (!found) throw usageError(`unknown projection "${name}" (projections: ${all.map((p) => p.name).join(', ')})`);
  return [found];
}

const rate = (events: number, seconds: number) => (seconds > 0 ? Math.round(events / seconds) : events);

export async function projectionsRebuild(ctx: CliContext, name: string | undefined, opts: { all?: boolean; json?: boolean }): Promise<void> {
  const targets = selectProjections(ctx.projections, name, opts.all === true);
  const knex = await ctx.knex();
  const store = await ctx.store();
  const results = [];
  for (const projection of targets) {
    ctx.out.note(`rebuilding ${projection.name} (version ${projection.version}) from position 0 into a shadow schema…`);
    const started = performance.now();
    let lastReport = started;
    const result = await rebuildProjection(knex, store, projection, {
      logger: ctx.logger,
      onProgress: (events) => {
        const now = performance.now();
        if (now - lastReport < 1000) return;
        lastReport = now;
        ctx.out.note(`  ${projection.name}: ${events} events replayed (${rate(events, (now - started) / 1000)} events/s)`);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    const summary = {
      name: projection.name,
      version: projection.version,
      events: result.events,
      position: result.position.toString(),
      seconds: Number(seconds.toFixed(3)),
      eventsPerSecond: rate(result.events, seconds),
    };
    results.push(summary);
    if (!opts.json) {
      await ctx.out.line(
        `${summary.name}: rebuilt from ${summary.events} events up to position ${result.position < 0n ? 'none' : summary.position} in ${seconds.toFixed(2)} s (${summary.eventsPerSecond} events/s); swapped in`,
      );
    }
  }
  if (opts.json) await ctx.out.json({ items: results });
}
