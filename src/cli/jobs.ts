/** `tessera jobs failed|retry`: the dead-letter view of the BullMQ queue (DESIGN §7). */
import type { CliContext } from './context.js';
import { shorten, table } from './output.js';

export async function jobsFailed(ctx: CliContext, opts: { limit?: number; json?: boolean }): Promise<void> {
  const jobs = await ctx.jobs();
  const failed = await jobs.failed(opts.limit ?? 100);
  if (opts.json) {
    await ctx.out.json({ items: failed });
    return;
  }
  if (failed.length === 0) {
    await ctx.out.line('no failed jobs');
    return;
  }
  await ctx.out.lines(
    table(
      ['ID', 'NAME', 'ATTEMPTS', 'FAILED AT', 'DATA', 'ERROR'],
      failed.map((job) => [job.id, job.name, String(job.attempts), job.failedAt ?? '-', shorten(JSON.stringify(job.data), 80), shorten(job.error.replace(/\s+/g, ' '), 160)]),
    ),
  );
  await ctx.out.line(`${failed.length} failed job(s); \`tessera jobs retry\` re-queues them`);
}

export async function jobsRetry(ctx: CliContext, opts: { json?: boolean }): Promise<void> {
  const jobs = await ctx.jobs();
  const retried = await jobs.retryFailed();
  if (opts.json) await ctx.out.json({ retried });
  else await ctx.out.line(retried === 0 ? 'no failed jobs to retry' : `re-queued ${retried} failed job(s)`);
}
