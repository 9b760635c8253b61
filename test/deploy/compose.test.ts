/**
 * Issue 9 item 5 (and issue 13 item 8): docker-compose.yml checked without Docker — parsed
 * with the `yaml` package (merge keys resolved, as Compose does) and its structure asserted.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';

interface Service {
  image?: string;
  build?: unknown;
  pull_policy?: string;
  environment?: Record<string, unknown>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, { condition?: string }>;
  ports?: string[];
}

const text = readFileSync('docker-compose.yml', 'utf8');
const compose = parse(text, { merge: true }) as { name?: string; services: Record<string, Service> };
const services = compose.services;
const APP = ['api', 'projector', 'worker'];
const BACKING = ['eventstore', 'postgres', 'redis', 'mailpit'];

describe('docker-compose.yml', () => {
  it('is a Compose v2 file that says so', () => {
    expect(compose.name).toBe('tessera');
    expect(text).toMatch(/Compose v2/);
    expect(Object.keys(services).sort()).toEqual([...APP, ...BACKING].sort());
  });

  it('builds the image once and runs it for all three roles', () => {
    const builders = Object.entries(services).filter(([, s]) => s.build !== undefined).map(([name]) => name);
    expect(builders).toEqual(['api']);
    const images = new Set(APP.map((name) => services[name]!.image));
    expect([...images]).toEqual(['tessera:local']);
    for (const name of ['projector', 'worker']) {
      expect(services[name]!.pull_policy).toBe('never');
      expect(services[name]!.depends_on?.api?.condition).toBe('service_started');
      expect(services[name]!.environment?.HEALTH_PORT).toBe(3001);
    }
    expect(APP.map((name) => services[name]!.environment?.PROCESS_ROLES)).toEqual(APP);
  });

  it('pins every third-party image to a concrete tag, never latest', () => {
    for (const name of BACKING) {
      const image = services[name]!.image ?? '';
      expect(image, name).toMatch(/^[\w./-]+:[\w.-]+$/);
      expect(image, name).not.toMatch(/:(latest|lts)$/);
      expect(image, name).toMatch(/:v?\d+\.\d+(\.\d+)?$/);
    }
    expect(services.eventstore!.image).toMatch(/^kurrentplatform\/kurrentdb:\d+\.\d+\.\d+$/);
  });

  it('gives every service a health check, the app roles through `tessera health --ready`', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.test, name).toBeDefined();
      expect(service.healthcheck?.disable, name).not.toBe(true);
    }
    for (const name of APP) expect(services[name]!.healthcheck!.test).toEqual(['CMD', 'tessera', 'health', '--ready']);
  });

  it('checks that the event store node is the leader, not merely alive', () => {
    const test = [services.eventstore!.healthcheck!.test].flat().join(' ');
    expect(test).toContain('/info');
    expect(test).toContain('leader');
    expect(test).not.toContain('/health/live');
  });

  it('starts the app roles only once their backing services are healthy', () => {
    for (const name of APP) {
      for (const backing of BACKING) expect(services[name]!.depends_on?.[backing]?.condition, `${name} → ${backing}`).toBe('service_healthy');
    }
  });

  it('wires Mailpit as the SMTP server of every app role and publishes its UI', () => {
    expect(services.mailpit!.image).toMatch(/^axllent\/mailpit:/);
    expect(services.mailpit!.ports).toEqual(expect.arrayContaining(['1025:1025', '8025:8025']));
    for (const name of APP) expect(services[name]!.environment?.SMTP_URL).toBe('smtp://mailpit:1025');
  });

  it('has every app role wait for Mailpit, give mail links a public address, and pass the config check', () => {
    for (const name of APP) {
      expect(services[name]!.depends_on?.mailpit?.condition, name).toBe('service_healthy');
      expect(services[name]!.environment?.PUBLIC_URL, name).toBe('${PUBLIC_URL:-http://localhost:3000}');
    }
    // ${VAR:-default} → default, ${VAR:?message} → a value the operator must give
    const resolve = (value: unknown) =>
      String(value).replace(/\$\{(\w+):([-?])([^}]*)\}/g, (_m, _name: string, kind: string, rest: string) => (kind === '-' ? rest : 'x'.repeat(40)));
    const env = Object.fromEntries(Object.entries(services.worker!.environment!).map(([key, value]) => [key, resolve(value)]));
    const config = loadConfig(env);
    expect(config.mail).toMatchObject({ smtpUrl: 'smtp://mailpit:1025', from: 'Tessera <no-reply@tessera.local>', publicUrl: 'http://localhost:3000' });
  });

  it('refuses to start without a JWT secret and points the app at the compose services', () => {
    const env = services.api!.environment!;
    expect(String(env.JWT_SECRET)).toMatch(/^\$\{JWT_SECRET:\?/);
    expect(env.ESDB_URL).toBe('esdb://eventstore:2113?tls=false');
    expect(String(env.DATABASE_URL)).toMatch(/@postgres:5432\//);
    expect(env.REDIS_URL).toBe('redis://redis:6379');
  });
});
