/**
 * Issue 8 item 13: at LOG_LEVEL=info a real server process logs every 4xx/5xx request;
 * its log must not hold the credentials the requests carried (headers or URL), while
 * the rest (URLs, Idempotency-Key values) stays useful. The log is captured from the
 * child's stdout and grepped for the exact token strings.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { client } from '../support/http.js';
import { exited } from '../support/processes.js';

let db: TestDatabase;
let child: ChildProcess;
let url: string;
let log = '';

beforeAll(async () => {
  db = await createTestDatabase('logs');
  child = fork(path.resolve('test/support/serverProcess.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...testEnv(db.url, { LOG_LEVEL: 'info' }) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { ready?: boolean; port?: number }) => (m.ready && m.port ? resolve(m.port) : reject(new Error('not ready'))));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  url = `http://127.0.0.1:${port}`;
}, 60_000);
afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await exited(child);
  }
  await db?.drop();
});

describe('request logs', () => {
  it('hold no bearer token, cookie, API key or token query value, but keep URLs and Idempotency-Keys', async () => {
    const registered = await client(url).post('/v1/auth/register', { email: `log-${randomUUID().slice(0, 8)}@example.com`, password: 'a long password', name: 'Log' });
    expect(registered.status).toBe(201);
    const token: string = registered.body.accessToken;
    const refreshToken: string = registered.body.refreshToken;
    const idempotencyKey = `idem-${randomUUID()}`;
    const auth = { authorization: `Bearer ${token}` };

    const answers = await Promise.all([
      fetch(`${url}/v1/nope`, { headers: auth }),
      fetch(`${url}/v1/events?limit=abc&access_token=${token}`),
      fetch(`${url}/v1/events?token=${encodeURIComponent(token)}&limit=0`, { headers: auth }),
      fetch(`${url}/v1/events?ACCESS_TOKEN=${token}&refresh_token=${refreshToken}&limit=-1`),
      fetch(`${url}/v1/nope-cookie`, { headers: { cookie: `session=${token}`, 'x-api-key': `tsk_${token}` } }),
      fetch(`${url}/v1/events`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': idempotencyKey }, body: '{"title":' }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([404, 401, 400, 401, 404, 400]);

    child.kill('SIGTERM'); // flushes and closes the log
    await exited(child);

    // the requests were logged (so the absence below means something)
    expect(log).toContain('/v1/events?limit=abc&access_token=[REDACTED]');
    expect(log).toContain('/v1/events?token=[REDACTED]&limit=0');
    expect(log).toContain('"authorization":"[REDACTED]"');
    expect(log).toContain('"cookie":"[REDACTED]"');
    expect(log).toContain(idempotencyKey);
    // and no secret is there, whole or as its signature
    for (const secret of [token, token.split('.')[2]!, refreshToken, encodeURIComponent(token)]) expect(log).not.toContain(secret);
  }, 60_000);
});
