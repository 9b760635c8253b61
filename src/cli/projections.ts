/** `tessera projections status|rebuild`. */
import { performance } from 'node:perf_hooks';
import type { Projection } from '../projections/projection.js';
import { projectionStatuses, rebuildProjection, type ProjectionStatus } from '../projections/runtime.js';
import type { CliContext } from './context.js';
import { table, usageError } from './output.js';

export async function projectionsStatus(ctx: CliContext, opts: { json?: boolean }): Promise<void> {
  const knex = await ctx.knex();
  const store = await ctx.store();
  const [statuses, head] = await Promise.all([projectionStatuses(knex, store, ctx.consumers), store.headPosition()]);
  if (opts.json) {
    await ctx.out.json({ head: head.toString(), items: statuses });
    return;
  }
  const lag = (s: ProjectionStatus) => `${s.lagEventsCapped ? '≥' : ''}${s.lagEvents}`;
  await ctx.out.lines(
    table(
      ['NAME', 'VERSION', 'POSITION', 'STATE', 'LAG EVENTS', 'LAG SECONDS', 'CHECKPOINT AT', 'RUNNER'],
      statuses.map((s) => [s.name, String(s.version), s.position, s.state, lag(s), s.lagSeconds.toFixed(1), s.updatedAt ?? '-', s.runnerActive ? 'active' : 'none']),
    ),
  );
  await ctx.out.line(`event store head: ${head < 0n ? 'empty' : head}`);
  for (const s of statuses) {
    if (s.failure) {
      const f = s.failure;
      await ctx.out.line(`${s.name} failed at position ${f.position} (stream ${f.stream}, revision ${f.revision}, ${f.eventType}, event ${f.eventId}) after ${f.attempts} attempt(s) since ${f.failedAt}: ${f.error}`);
      await ctx.out.line(
        `hint: fix the cause above, then restart the projector process (it retries that event once, then carries on) or run \`tessera projections rebuild ${s.name}\`; no event is skipped`,
      );
    }
  }
  const stopped = statuses.filter((s) => !s.runnerActive && !s.failure).map((s) => s.name);
  if (stopped.length > 0) await ctx.out.line(`note: no process runs ${stopped.join(', ')} (start one with the projector role, e.g. \`tessera serve --roles projector\`)`);
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
