/**
 * The README's first command as a new user runs it: as root, in a private (0700)
 * directory, nothing configured. It must start, keep its data across restarts, say where
 * the data lives, stop cleanly on a terminal's Ctrl-C (SIGINT to the whole process
 * group), never reuse another data dir's cluster, and the CLI must use the project's data
 * dir from any subdirectory, silently. One checkout for the whole file.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alive,
  answers,
  clusterState,
  freePort,
  interrupt,
  plainEnv,
  postmasterPid,
  privateCheckout,
  ready,
  removeCluster,
  startServer,
  troubleLines,
  type Checkout,
  type Server,
} from './checkout.js';

const SLOW = 240_000;
const run = promisify(execFile);

let checkout: Checkout;
let dataDir: string;
const extraDataDirs: string[] = [];
const running = new Set<Server>();

beforeAll(() => {
  checkout = privateCheckout();
  dataDir = path.join(checkout.dir, '.data');
});
afterAll(async () => {
  for (const server of running) {
    if (server.child.exitCode === null) interrupt(server);
    await server.exit;
  }
  for (const dir of [dataDir, ...extraDataDirs]) if (dir) removeCluster(dir);
  for (const dir of extraDataDirs) rmSync(dir, { recursive: true, force: true });
  checkout?.remove();
});

/** `npm start` as the README says; `direct` runs what it runs (tsx src/main.ts) as the group leader itself. */
function start(env: Record<string, string>, how: 'npm' | 'direct' = 'npm'): Server {
  const command = how === 'npm' ? ['npm', 'start'] : [path.join(checkout.dir, 'node_modules/.bin/tsx'), 'src/main.ts'];
  const server = startServer(checkout.dir, plainEnv({ PORT: '0', LOG_LEVEL: 'info', ...env }), command);
  running.add(server);
  return server;
}

/**
 * Ctrl-C; then: nothing at warn or above, no stack, the cluster it started is gone, and
 * the server exits 0 (npm itself, once its script has ended, re-raises the SIGINT it got,
 * as a well-behaved parent does, so `npm start` ends by that signal).
 */
async function interruptCleanly(server: Server, cluster: { pid: number; port: number }, how: 'npm' | 'direct' = 'npm'): Promise<void> {
  interrupt(server);
  const exit = await server.exit;
  running.delete(server);
  expect(troubleLines(server.output()), server.output()).toEqual([]);
  expect(exit, server.output()).toEqual(how === 'npm' ? { code: null, signal: 'SIGINT' } : { code: 0, signal: null });
  expect(alive(cluster.pid)).toBe(false);
  expect(await answers(cluster.port)).toBe(false);
}

const user = { email: 'first-day@example.com', password: 'a long enough password', name: 'First Day' };

async function post(port: number, route: string, body: unknown): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return res.status;
}

/** `npx tessera …` from a subdirectory of the checkout. */
async function cliFrom(subdir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['--no-install', 'tessera', ...args], { cwd: path.join(checkout.dir, subdir), env: plainEnv() });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm start as root in a private directory', () => {
  it(
    'starts, says where the data lives and the addresses to open, and stops cleanly on a process-group SIGINT',
    async () => {
      const server = start({ EMBEDDED_POSTGRES_PORT: String(await freePort()) });
      const port = await server.port;
      expect(await ready(port)).toBe(200);

      const { clusterDir, port: pgPort } = clusterState(dataDir);
      expect(server.output()).toContain(`data in ${clusterDir}`);
      expect(server.output()).toContain(`Tessera API listening on http://localhost:${port} (API docs http://localhost:${port}/docs, live updates ws://localhost:${port}/v1/live)`);
      expect(await post(port, '/v1/auth/register', user)).toBe(201);

      await interruptCleanly(server, { pid: postmasterPid(clusterDir), port: pgPort });
      expect(statSync(checkout.home).mode & 0o777).toBe(0o700); // nothing loosened
    },
    SLOW,
  );

  it(
    'the CLI from a subdirectory uses the project data dir, silently; a second start keeps the data',
    async () => {
      // Nothing running: the CLI starts the project's cluster for the call, and stops it.
      const alone = await cliFrom('docs', ['projections', 'status']);
      expect(alone.stderr).toBe('');
      expect(alone.code).toBe(0);
      expect(alone.stdout).toMatch(/^ticketing /m);
      expect(existsSync(path.join(checkout.dir, 'docs', '.data'))).toBe(false);
      expect(await answers(clusterState(dataDir).port)).toBe(false);

      const server = start({});
      const port = await server.port;
      expect(await ready(port)).toBe(200);
      expect(await post(port, '/v1/auth/login', { email: user.email, password: user.password })).toBe(200);

      // The server's cluster is running: the CLI reuses it without a word, and leaves it running.
      const alongside = await cliFrom('docs', ['projections', 'status', '--json']);
      expect(alongside.stderr).toBe('');
      expect(alongside.code).toBe(0);
      expect(JSON.parse(alongside.stdout)).toMatchObject({ items: expect.arrayContaining([expect.objectContaining({ name: 'users' })]) });
      expect(await ready(port)).toBe(200);

      const { clusterDir, port: pgPort } = clusterState(dataDir);
      await interruptCleanly(server, { pid: postmasterPid(clusterDir), port: pgPort });
    },
    SLOW,
  );
});

describe('a crashed server', () => {
  it(
    'leaves its cluster running (its own session); the next start takes it over and stops it at the end',
    async () => {
      const crashed = start({}, 'direct');
      expect(await ready(await crashed.port)).toBe(200);
      const { clusterDir, port: pgPort } = clusterState(dataDir);
      const pid = postmasterPid(clusterDir);
      process.kill(-crashed.child.pid!, 'SIGKILL');
      await crashed.exit;
      running.delete(crashed);
      expect(alive(pid)).toBe(true);
      // the group's SIGKILL also ends the server process under tsx; wait until it is gone, or
      // the next start rightly treats the cluster as that live owner's and only uses it
      const owner = Number(readFileSync(path.join(dataDir, 'postgres.owner'), 'utf8'));
      for (let i = 0; i < 100 && alive(owner); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(alive(owner)).toBe(false);

      const next = start({}, 'direct');
      expect(await ready(await next.port)).toBe(200);
      expect(postmasterPid(clusterDir)).toBe(pid);
      expect(next.output()).toContain('embedded PostgreSQL of this DATA_DIR was left running (its process ended); taking it over');
      await interruptCleanly(next, { pid, port: pgPort }, 'direct');
    },
    SLOW,
  );
});

describe('port collisions', () => {
  it(
    'two zero-config servers with different data dirs on one configured port each run their own cluster; a taken HTTP port is one line',
    async () => {
      const pgPort = String(await freePort());
      const [a, b] = [0, 1].map(() => mkdtempSync(path.join(tmpdir(), 'tessera-data-')));
      extraDataDirs.push(a!, b!);

      const first = start({ DATA_DIR: a!, EMBEDDED_POSTGRES_PORT: pgPort }, 'direct');
      const firstPort = await first.port;
      const second = start({ DATA_DIR: b!, EMBEDDED_POSTGRES_PORT: pgPort }, 'direct');
      const secondPort = await second.port;
      expect(await ready(firstPort)).toBe(200);
      expect(await ready(secondPort)).toBe(200);

      const [stateA, stateB] = [clusterState(a!), clusterState(b!)];
      expect(stateA.port).toBe(Number(pgPort));
      expect(stateB.port).not.toBe(Number(pgPort)); // the taken port was not reused
      expect(stateB.clusterDir).not.toBe(stateA.clusterDir);
      expect(second.output()).toContain(`port ${pgPort} is taken by another server; the embedded PostgreSQL uses ${stateB.port}`);

      // A third start on the first one's HTTP port (with the second one's data dir): one clear line, exit 1.
      const third = start({ DATA_DIR: b!, EMBEDDED_POSTGRES_PORT: pgPort, PORT: String(firstPort) }, 'direct');
      const { code } = await third.exit;
      running.delete(third);
      expect(code).toBe(1);
      expect(troubleLines(third.output())).toHaveLength(1);
      expect(JSON.parse(troubleLines(third.output())[0]!)).toMatchObject({
        level: 60,
        msg: `failed to start: port ${firstPort} on 0.0.0.0 is already in use; set PORT to a free port (PORT=0 picks one)`,
      });
      expect(await ready(secondPort)).toBe(200); // it left the second server's cluster alone

      await interruptCleanly(first, { pid: postmasterPid(stateA.clusterDir), port: stateA.port }, 'direct');
      await interruptCleanly(second, { pid: postmasterPid(stateB.clusterDir), port: stateB.port }, 'direct');
    },
    SLOW,
  );
});
