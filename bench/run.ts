/**
 * `npm run bench`: every figure of bench/README.md, one JSON line each on stdout
 * (progress on stderr), all of them in bench/results/latest.json.
 *
 *   npm run bench                         # everything, ~5–7 min on 2 cores
 *   npm run bench -- --only=eventstore,http
 *   npm run bench -- --quick              # short phases, to try the harness out
 *   npm run bench -- --server=inprocess   # HTTP bench against a server in this process (default: child)
 *
 * Needs PostgreSQL (user postgres, trust) and Redis on 127.0.0.1. Each area creates its
 * own databases and drops them; nothing but 127.0.0.1 is contacted.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ADMIN_URL } from '../test/support/db.js';
import { benchCommands } from './commands.js';
import { benchEmail } from './email.js';
import { benchEventStore } from './eventstore.js';
import { benchHttp } from './http.js';
import { benchProjections } from './projections.js';
import { BenchContext, log, round, type BenchOptions } from './support.js';

const AREAS = {
  eventstore: benchEventStore,
  commands: benchCommands,
  projections: benchProjections,
  http: benchHttp,
  email: benchEmail,
} as const;
type Area = keyof typeof AREAS;

function parseArgs(argv: string[]): { options: BenchOptions; areas: Area[] } {
  const options: BenchOptions = { quick: false, server: 'child' };
  let areas = Object.keys(AREAS) as Area[];
  for (const arg of argv) {
    if (arg === '--quick') options.quick = true;
    else if (arg.startsWith('--only=')) {
      const wanted = arg.slice('--only='.length).split(',').filter(Boolean);
      const unknown = wanted.filter((a) => !(a in AREAS));
      if (unknown.length) throw new Error(`unknown area(s) ${unknown.join(', ')}; known: ${Object.keys(AREAS).join(', ')}`);
      areas = wanted as Area[];
    } else if (arg === '--server=child' || arg === '--server=inprocess') options.server = arg.slice('--server='.length) as BenchOptions['server'];
    else throw new Error(`unknown argument ${arg}`);
  }
  return { options, areas };
}

/** Which code was measured: the commit, and the files under src/ and migrations/ that differ from it. */
function codeVersion(): { commit: string; uncommittedFiles: string[] } {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const changed = git('status', '--porcelain', '--', 'src', 'migrations');
    return { commit: git('rev-parse', 'HEAD'), uncommittedFiles: changed ? changed.split('\n').map((line) => line.slice(3)) : [] };
  } catch {
    return { commit: 'unknown', uncommittedFiles: [] };
  }
}

async function postgresVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    return rows[0]?.v ?? 'unknown';
  } finally {
    await client.end();
  }
}

async function main(): Promise<number> {
  const { options, areas } = parseArgs(process.argv.slice(2));
  const ctx = new BenchContext(options);
  const startedAt = new Date();
  const started = Date.now();
  const code = codeVersion();
  log(`code: ${code.commit}${code.uncommittedFiles.length ? ` + uncommitted changes in ${code.uncommittedFiles.join(', ')}` : ''}`);
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`${signal}: cleaning up (again to force)`);
    void ctx.release().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const loadAtStart = os.loadavg().map((l) => round(l, 2));
  if (loadAtStart[0]! > 1) log(`load average is ${loadAtStart.join(' ')}: other work on this machine will show in the figures`);

  const failures: Array<{ area: string; error: string }> = [];
  try {
    for (const area of areas) {
      log(`== ${area}`);
      const areaStarted = Date.now();
      try {
        await AREAS[area](ctx);
      } catch (error) {
        failures.push({ area, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
        log(`${area} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      } finally {
        await ctx.release(); // each area's servers, pools and databases, before the next area runs
      }
      log(`== ${area} done in ${round((Date.now() - areaStarted) / 1000, 1)} s`);
    }
  } finally {
    await ctx.release();
  }

  const wallTimeMs = Date.now() - started;
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  const report = {
    startedAt: startedAt.toISOString(),
    wallTimeMs,
    options,
    areas,
    code,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGiB: round(os.totalmem() / 2 ** 30, 1),
      node: process.version,
      postgres: await postgresVersion().catch(() => 'unknown'),
      // 1/5/15-minute load averages: above 1 at the start, something else was running.
      loadAvgAtStart: loadAtStart,
      loadAvgAtEnd: os.loadavg().map((l) => round(l, 2)),
    },
    figures: ctx.figures,
    failures,
  };
  writeFileSync(path.join(dir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote bench/results/latest.json (${ctx.figures.length} figures) in ${round(wallTimeMs / 1000, 1)} s`);
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
