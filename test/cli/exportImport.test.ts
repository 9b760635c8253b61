/**
 * `tessera export` / `tessera import`: history moves to a fresh database and comes back
 * out the same; importing twice changes nothing; conflicting or malformed input is
 * refused without writing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { startFakeEsdb } from '../support/fakeEsdb/index.js';
import { cliEnv, lines, progressLines, runCli, runCliInTerminal } from './cli.js';
import { seed } from './fixtures.js';

let app: TestApp;
let origin: TestDatabase;
let target: TestDatabase;
let source: Record<string, string>;
let copy: Record<string, string>;
let dir: string;

beforeAll(async () => {
  origin = await createTestDatabase('cli_export');
  app = await startTestApp({ db: origin });
  await seed(app);
  await app.stop(); // history is fixed from here on; the database stays until afterAll
  source = cliEnv(origin.url);
  target = await createTestDatabase('cli_import');
  copy = cliEnv(target.url);
  dir = mkdtempSync(path.join(tmpdir(), 'tessera-cli-'));
});
afterAll(async () => {
  await target?.drop();
  await origin?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** What an import can carry over: everything but the store-assigned position and recordedAt. */
const portable = (ndjson: string) =>
  lines(ndjson).map((line) => {
    const { position: _position, recordedAt: _recordedAt, ...rest } = JSON.parse(line);
    return rest;
  });

describe('tessera export | import', () => {
  it('export writes every event in position order as NDJSON, to stdout or --out', async () => {
    const result = await runCli(['export'], source);
    expect(result.code, result.stderr).toBe(0);
    const events = lines(result.stdout).map((l) => JSON.parse(l));
    expect(events.length).toBeGreaterThan(20);
    expect(Object.keys(events[0])).toEqual(['stream', 'type', 'id', 'data', 'metadata', 'revision', 'position', 'recordedAt']);
    const positions = events.map((e) => BigInt(e.position));
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(positions).size).toBe(positions.length);
    expect(typeof events[0].revision).toBe('string');
    expect(result.stderr).toMatch(new RegExp(`exported ${events.length} events \\(positions \\d+\\.\\.\\d+\\)`));

    const file = path.join(dir, 'history.ndjson');
    const toFile = await runCli(['export', '--out', file], source);
    expect(toFile.code, toFile.stderr).toBe(0);
    expect(toFile.stdout).toBe(`exported ${events.length} events (positions ${events[0].position}..${events.at(-1).position}) to ${file}\n`);
    expect(readFileSync(file, 'utf8')).toBe(result.stdout);
  });

  it('export and import draw a progress line (done/total, rate) on a terminal, and none into a pipe', async () => {
    const file = path.join(dir, 'progress.ndjson');
    const exported = await runCliInTerminal(['export', '--out', file], source);
    expect(exported.code, exported.output).toBe(0);
    const count = lines(readFileSync(file, 'utf8')).length;
    expect(progressLines(exported.output)).toEqual([expect.stringMatching(new RegExp(`^export: ${count}/${count} events \\(100%\\), \\d+ events/s, in .+$`))]);

    const fresh = await createTestDatabase('cli_import_progress');
    try {
      const env = cliEnv(fresh.url);
      expect((await runCli(['migrate'], env)).code).toBe(0);
      const imported = await runCliInTerminal(['import', file], env);
      expect(imported.code, imported.output).toBe(0);
      expect(progressLines(imported.output)).toEqual([expect.stringMatching(new RegExp(`^import: ${count}/${count} events \\(100%\\), \\d+ events/s, in .+$`))]);
      const piped = await runCli(['import', file], env);
      expect(piped.code).toBe(0);
      expect(piped.stderr).toBe(`${file}: ${count} events, well-formed; importing…\n`);
    } finally {
      await fresh.drop();
    }
    const piped = await runCli(['export', '--out', path.join(dir, 'piped.ndjson')], source);
    expect(piped.stderr).toBe('');
  });

  it('import into a fresh database, then export again: the same NDJSON', async () => {
    const file = path.join(dir, 'history.ndjson');
    const original = readFileSync(file, 'utf8');
    expect((await runCli(['migrate'], copy)).code).toBe(0);

    const imported = await runCli(['import', file], copy);
    expect(imported.code, imported.stderr).toBe(0);
    const count = lines(original).length;
    const streams = new Set(lines(original).map((l) => JSON.parse(l).stream)).size;
    expect(imported.stdout).toBe(`imported ${count} events in ${streams} streams: ${count} appended, 0 already present\n`);

    const again = await runCli(['export'], copy);
    expect(again.code, again.stderr).toBe(0);
    // Identical in everything the store lets an import keep, in the same order; the
    // new store assigns its own positions (still increasing) and recording times.
    expect(portable(again.stdout)).toEqual(portable(original));
    const positions = lines(again.stdout).map((l) => BigInt(JSON.parse(l).position));
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('importing the same file twice is idempotent (nothing appended, the store unchanged)', async () => {
    const file = path.join(dir, 'history.ndjson');
    const before = (await runCli(['export'], copy)).stdout;
    const second = await runCli(['import', file, '--json'], copy);
    expect(second.code, second.stderr).toBe(0);
    const counts = JSON.parse(second.stdout);
    expect(counts).toMatchObject({ appended: 0 });
    expect(counts.alreadyPresent).toBe(counts.events);
    const after = (await runCli(['export'], copy)).stdout;
    expect(after).toBe(before); // byte for byte, positions and times included
  });

  it('import reads stdin (`tessera export | tessera import`) and resumes a partial import', async () => {
    const fresh = await createTestDatabase('cli_import_stdin');
    try {
      const env = cliEnv(fresh.url);
      expect((await runCli(['migrate'], env)).code).toBe(0);
      const all = lines(readFileSync(path.join(dir, 'history.ndjson'), 'utf8'));
      const half = all.slice(0, Math.floor(all.length / 2));
      const first = await runCli(['import'], env, { input: `${half.join('\n')}\n` });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain(`${half.length} appended, 0 already present`);
      const rest = await runCli(['import', '-'], env, { input: `${all.join('\n')}\n` });
      expect(rest.code, rest.stderr).toBe(0);
      expect(rest.stdout).toContain(`${all.length - half.length} appended, ${half.length} already present`);
      expect(portable((await runCli(['export'], env)).stdout)).toEqual(portable(all.join('\n')));
    } finally {
      await fresh.drop();
    }
  });

  it('refuses to overwrite different history at the same revision, and says where', async () => {
    const all = lines(readFileSync(path.join(dir, 'history.ndjson'), 'utf8'));
    const tampered = JSON.parse(all[0]!);
    tampered.id = '00000000-0000-4000-8000-000000000000';
    const file = path.join(dir, 'tampered.ndjson');
    writeFileSync(file, `${JSON.stringify(tampered)}\n`);
    const before = (await runCli(['export'], copy)).stdout;
    const result = await runCli(['import', file], copy);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: line 1: ${tampered.stream} already holds different events at revisions 0..0`);
    expect((await runCli(['export'], copy)).stdout).toBe(before);
  });

  it('checks a file completely before writing: a bad line fails with its number and nothing is appended', async () => {
    const fresh = await createTestDatabase('cli_import_bad');
    try {
      const env = cliEnv(fresh.url);
      expect((await runCli(['migrate'], env)).code).toBe(0);
      const all = lines(readFileSync(path.join(dir, 'history.ndjson'), 'utf8'));
      const file = path.join(dir, 'bad.ndjson');
      writeFileSync(file, [...all.slice(0, 5), '{"stream":"x-1","type":"T","id":"not-a-uuid","data":{},"revision":"0"}', ...all.slice(5)].join('\n'));
      const result = await runCli(['import', file], env);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe('error: line 6: "id" must be a UUID, got "not-a-uuid"\n');
      expect((await runCli(['export'], env)).stderr).toContain('exported 0 events (the store is empty)');

      const gap = path.join(dir, 'gap.ndjson');
      const second = JSON.parse(all.find((l) => JSON.parse(l).revision === '1')!);
      writeFileSync(gap, `${all[0]}\n${JSON.stringify({ ...second, stream: JSON.parse(all[0]!).stream, revision: '2' })}\n`);
      const gapped = await runCli(['import', gap], env);
      expect(gapped.code).toBe(1);
      expect(gapped.stderr).toMatch(/line 2: \S+ revision 2 does not follow revision 0 of the same stream/);

      const nul = path.join(dir, 'nul.ndjson');
      writeFileSync(nul, `${all[0]}\n${JSON.stringify({ ...JSON.parse(all[1]!), data: { title: 'a\u0000b' } })}\n`);
      const refused = await runCli(['import', nul], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe('error: line 2: data.title holds U+0000 or an unpaired UTF-16 surrogate, which PostgreSQL cannot store\n');
      expect((await runCli(['export'], env)).stderr).toContain('exported 0 events (the store is empty)');

      const surrogate = path.join(dir, 'surrogate.ndjson');
      writeFileSync(surrogate, `${all[0]}\n${JSON.stringify({ ...JSON.parse(all[1]!), data: { venue: 'x\ud800' } })}\n`);
      const unpaired = await runCli(['import', surrogate], env);
      expect(unpaired.code).toBe(1);
      expect(unpaired.stderr).toBe('error: line 2: data.venue holds U+0000 or an unpaired UTF-16 surrogate, which PostgreSQL cannot store\n');
      expect((await runCli(['export'], env)).stderr).toContain('exported 0 events (the store is empty)');

      const missing = await runCli(['import', path.join(dir, 'nope.ndjson')], env);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('cannot read');
    } finally {
      await fresh.drop();
    }
  });

  it('moves history into EventStoreDB (in-process fake gRPC server, EVENT_STORE=esdb) and back out unchanged', async () => {
    const fake = await startFakeEsdb();
    try {
      const esdb = { ...copy, EVENT_STORE: 'esdb', ESDB_URL: fake.url };
      const file = path.join(dir, 'history.ndjson');
      const original = readFileSync(file, 'utf8');
      const count = lines(original).length;
      const imported = await runCli(['import', file, '--json'], esdb);
      expect(imported.code, imported.stderr).toBe(0);
      expect(JSON.parse(imported.stdout)).toMatchObject({ events: count, appended: count, alreadyPresent: 0 });
      const again = await runCli(['import', file, '--json'], esdb);
      expect(JSON.parse(again.stdout)).toMatchObject({ appended: 0, alreadyPresent: count });

      const exported = await runCli(['export'], esdb);
      expect(exported.code, exported.stderr).toBe(0);
      expect(portable(exported.stdout)).toEqual(portable(original));

      const stream = lines(original).map((l) => JSON.parse(l).stream as string).find((name) => name.startsWith('ticketedEvent-'))!;
      const state = await runCli(['stream', 'state', stream, '--json'], esdb);
      expect(state.code, state.stderr).toBe(0);
      expect(JSON.parse(state.stdout).state.details.title).toBe('Jazz night');
    } finally {
      await fake.stop();
    }
  });
});
