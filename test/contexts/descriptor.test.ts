/**
 * Issue 10 item 1: a context added to the list of contexts (here a throwaway counter,
 * test/support/counterContext.ts) gets its streams in `tessera stream state` and
 * `verify`, its projection and reactor in the runner and `projections status`, its
 * jobs in the queue, its channel in the live hub and its routes in the OpenAPI
 * document — with no other file edited: the list is passed as an option.
 */
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { contexts, type BoundedContext } from '../../src/contexts.js';
import { projectionSchema } from '../../src/projections/projection.js';
import { cliEnv } from '../cli/cli.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { counterContext, COUNTER_CAPACITY } from '../support/counterContext.js';
import { client } from '../support/http.js';
import { eventually } from '../support/processes.js';
import { Clients } from '../live/support.js';

const counter = counterContext();
const withCounter = [...contexts, counter];
let app: TestApp;
const clients = new Clients();

beforeAll(async () => {
  app = await startTestApp({ contexts: withCounter });
});
afterAll(async () => {
  await clients.closeAll();
  await app?.stop();
});

/** The CLI in-process, with a given list of contexts. */
async function cli(args: string[], list: readonly BoundedContext<any>[] = withCounter): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const text = { stdout: '', stderr: '' };
  stdout.setEncoding('utf8').on('data', (chunk: string) => (text.stdout += chunk));
  stderr.setEncoding('utf8').on('data', (chunk: string) => (text.stderr += chunk));
  const code = await runCli(args, cliEnv(app.db.url), { stdout, stderr, stdin: new PassThrough() }, list);
  return { code, ...text };
}

describe('a context added to the list of contexts', () => {
  const counterId = randomUUID();
  const stream = `counter-${counterId}`;
  let token: string;

  beforeAll(async () => {
    token = await app.tokenFor(randomUUID());
  });

  it('serves its routes and documents them in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${app.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/v1/counters/{id}/take');
    const taken = await client(app.url, token).post(`/v1/counters/${counterId}/take`, { amount: 3 });
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({ stream });
  });

  it('runs its projection and its reactor, whose job runs in the queue', async () => {
    await eventually('the counter job ran', () => app.tessera.services(counter).noted.some((n) => n.stream === stream && n.amount === 3));
    await eventually('the counter projection applied the take', async () => {
      const rows = await app.tessera.knex.raw<{ rows: Array<{ n: number }> }>(`SELECT n FROM ${projectionSchema('testCounter')}.totals WHERE stream = ?`, [stream]).catch(() => ({ rows: [] }));
      return rows.rows[0]?.n === 3;
    });
  });

  it('has its channel in the live hub', async () => {
    const ws = await clients.connect(`${app.url.replace(/^http/, 'ws')}/v1/live?access_token=${encodeURIComponent(token)}`);
    expect(await ws.subscribe(`counter:${stream.toUpperCase()}`)).toMatchObject({ type: 'subscribed' }); // its id parser normalises
    expect(await ws.subscribe('counter:junk')).toMatchObject({ type: 'error', code: 'invalid-channel' });
    await client(app.url, token).post(`/v1/counters/${counterId}/take`, { amount: 2 });
    const update = await ws.waitFor((m) => m.type === 'update' && m.channel === `counter:${stream.toUpperCase()}`, 'a counter update');
    expect(update.data).toEqual({ stream, amount: 2 });
  });

  it('shows its projection and reactor in `tessera projections status`', async () => {
    const status = await cli(['projections', 'status', '--json']);
    expect(status.stderr).toBe('');
    const names = (JSON.parse(status.stdout) as { items: Array<{ name: string }> }).items.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['ticketing', 'users', 'ticketingReactor', 'testCounter', 'counterReactor']));
  });

  it('folds its streams in `tessera stream state` (which, without the context, knows no such category)', async () => {
    const state = await cli(['stream', 'state', stream, '--json']);
    expect(state.code).toBe(0);
    expect(JSON.stringify(JSON.parse(state.stdout))).toContain('"taken":5');
    const without = await cli(['stream', 'state', stream], contexts);
    expect(without.code).toBe(2);
    expect(without.stderr).toContain('no decider for stream category "counter"');
  });

  it('checks its streams and their invariant in `tessera verify`', async () => {
    const clean = await cli(['verify', '--json']);
    const report = JSON.parse(clean.stdout) as {
      ok: boolean;
      streams: { categories: Array<{ category: string; streams: number }>; differences: Array<{ stream: string; message: string }> };
      readModels: Array<{ projection: string; differences: unknown[] }>;
    };
    expect(report.ok).toBe(true);
    // its read model is compared with a fresh replay too
    expect(report.readModels).toEqual(expect.arrayContaining([expect.objectContaining({ projection: 'testCounter', differences: [] })]));
    expect(report.streams.categories).toEqual(expect.arrayContaining([expect.objectContaining({ category: 'counter', streams: 1 })]));
    expect(report.streams.differences).toEqual([]);

    // Past the capacity by an append the decider would refuse: the context's checker reports it.
    await app.tessera.store.appendToStream(stream, [{ id: randomUUID(), type: 'Taken', data: { by: 'import', amount: COUNTER_CAPACITY } }], { expectedRevision: 'any' });
    const broken = JSON.parse((await cli(['verify', '--json'])).stdout) as typeof report;
    expect(broken.ok).toBe(false);
    expect(broken.streams.differences).toEqual([expect.objectContaining({ stream, message: `taken ${5 + COUNTER_CAPACITY} exceeds the capacity of ${COUNTER_CAPACITY}` })]);
  });
});
