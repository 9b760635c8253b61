/** Shared helpers of the identity tests: accounts created over real HTTP. */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { client, type Response } from '../support/http.js';

export const PASSWORD = 'correct horse battery';

export const uniqueEmail = (tag = 'user') => `${tag}-${randomUUID().slice(0, 8)}@example.com`;

export interface Account {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  /** The register response's position (for X-Min-Position). */
  position: string;
  http: ReturnType<typeof client>;
}

export async function register(
  baseUrl: string,
  opts: { email?: string; password?: string; name?: string; timezone?: string; headers?: Record<string, string> } = {},
): Promise<Account> {
  const email = opts.email ?? uniqueEmail();
  const password = opts.password ?? PASSWORD;
  const res = await client(baseUrl).post(
    '/v1/auth/register',
    { email, password, name: opts.name ?? 'Test User', ...(opts.timezone ? { timezone: opts.timezone } : {}) },
    opts.headers,
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return {
    id: res.body.user.id,
    email: res.body.user.email,
    password,
    accessToken: res.body.accessToken,
    refreshToken: res.body.refreshToken,
    position: res.body.position,
    http: client(baseUrl, res.body.accessToken),
  };
}

export async function login(baseUrl: string, email: string, password: string, headers?: Record<string, string>): Promise<Response> {
  return client(baseUrl).post('/v1/auth/login', { email, password }, headers);
}

/** Asserts a problem+json answer with this status and code. */
export function expectProblem(res: Response, status: number, code?: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type') ?? '').toMatch(/application\/problem\+json/);
  if (code) expect(res.body.code).toBe(code);
}
