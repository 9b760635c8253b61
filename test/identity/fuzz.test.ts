/**
 * Malformed input to the identity endpoints never yields a 5xx: wrong types, huge
 * strings, unicode (including lone surrogates and NUL), missing and extra fields,
 * broken JSON and wrong content types. Every refusal is problem+json.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { register, type Account } from './helpers.js';

let app: TestApp;
let account: Account;

beforeAll(async () => {
  app = await startTestApp({ env: { BODY_LIMIT: '64kb' } });
  account = await register(app.url);
});
afterAll(async () => {
  await app?.stop();
});

interface Target {
  method: 'POST' | 'PATCH';
  path: string;
  auth: boolean;
  fields: string[];
}
const TARGETS: Target[] = [
  { method: 'POST', path: '/v1/auth/register', auth: false, fields: ['email', 'password', 'name', 'timezone'] },
  { method: 'POST', path: '/v1/auth/login', auth: false, fields: ['email', 'password'] },
  { method: 'POST', path: '/v1/auth/refresh', auth: false, fields: ['refreshToken'] },
  { method: 'POST', path: '/v1/auth/logout', auth: false, fields: ['refreshToken', 'allSessions'] },
  { method: 'PATCH', path: '/v1/me', auth: true, fields: ['name', 'timezone'] },
  { method: 'POST', path: '/v1/me/password', auth: true, fields: ['currentPassword', 'newPassword'] },
  { method: 'POST', path: `/v1/admin/users/00000000-0000-4000-8000-000000000000/roles`, auth: true, fields: ['role', 'action'] },
];

async function send(target: Target, body: string, contentType = 'application/json') {
  const res = await fetch(`${app.url}${target.path}`, {
    method: target.method,
    headers: { 'content-type': contentType, ...(target.auth ? { authorization: `Bearer ${account.accessToken}` } : {}) },
    body,
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', text };
}

function expectNoServerError(answer: { status: number; type: string; text: string }, what: string) {
  expect(answer.status, `${what} → ${answer.status} ${answer.text.slice(0, 300)}`).toBeLessThan(500);
  if (answer.status >= 400) {
    expect(answer.type, what).toMatch(/application\/problem\+json/);
    expect(answer.text).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack traces
  }
}

const strings = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', '\ud800', 'a\udc00b', '😀'.repeat(30), 'x@y', 'a@b.c', 'Europe/Berlin', 'UTC', 'admin', 'grant', 'A'.repeat(43)),
  fc.string({ minLength: 1000, maxLength: 3000 }),
);
const values = fc.oneof(strings, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(strings, { maxLength: 3 }), fc.dictionary(strings, strings, { maxKeys: 3 }));

const bodyFor = (target: Target) =>
  fc.oneof(
    // the expected fields with random values, some missing, plus random extra fields
    fc.record(Object.fromEntries(target.fields.map((f) => [f, values])), { requiredKeys: [] }).chain((known) =>
      fc.dictionary(strings, values, { maxKeys: 3 }).map((extra) => JSON.stringify({ ...extra, ...known })),
    ),
    // any JSON at all
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    // not JSON
    fc.string({ unit: 'binary', maxLength: 200 }),
  );

describe('fuzzing the identity endpoints', () => {
  for (const target of TARGETS) {
    it(`${target.method} ${target.path}: random bodies never give a 5xx`, async () => {
      await fc.assert(
        fc.asyncProperty(bodyFor(target), async (body) => {
          expectNoServerError(await send(target, body), body.slice(0, 200));
        }),
        { numRuns: 60 },
      );
    });
  }

  it('a table of hostile inputs never gives a 5xx', async () => {
    const huge = 'x'.repeat(200_000);
    const cases: Array<[Target, string, string?]> = [];
    for (const target of TARGETS) {
      cases.push(
        [target, ''],
        [target, 'null'],
        [target, '[]'],
        [target, '"string"'],
        [target, '{"a":'],
        [target, '\u0000'],
        [target, JSON.stringify({ x: huge })],
        [target, JSON.stringify(Object.fromEntries(target.fields.map((f) => [f, huge.slice(0, 60_000)])))],
        [target, JSON.stringify(Object.fromEntries(target.fields.map((f) => [f, '\u0000'])))],
        [target, JSON.stringify(Object.fromEntries(target.fields.map((f) => [f, '\ud83d'])))],
        [target, JSON.stringify(Object.fromEntries(target.fields.map((f) => [f, { $ne: null }])))],
        [target, '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}'],
        [target, 'email=a@b.c&password=x', 'application/x-www-form-urlencoded'],
        [target, '<xml/>', 'text/xml'],
        [target, JSON.stringify({ email: 'a@b.c' }), 'application/json; charset=latin1'],
      );
    }
    for (const [target, body, type] of cases) {
      expectNoServerError(await send(target, body, type), `${target.path} ${type ?? ''} ${body.slice(0, 60)}`);
    }
  });

  it('the account is unharmed (no partial writes from the fuzz)', async () => {
    const me = await fetch(`${app.url}/v1/me`, { headers: { authorization: `Bearer ${account.accessToken}` } });
    expect(me.status).toBe(200);
  });
});
