import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, packageVersion } from './config.js';

describe('loadConfig', () => {
  it('gives embedded, in-process defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.roles).toEqual(['api', 'projector', 'worker']);
    expect(config.eventStore).toEqual({ kind: 'postgres' });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.rateLimits).toEqual({ authPerMinute: 5, userPerMinute: 100, keyPrefix: 'tessera:ratelimit' });
  });

  it('parses lists and numbers', () => {
    const config = loadConfig({ PORT: '8080', PROCESS_ROLES: 'api, worker', ADMIN_EMAILS: 'A@x.io,b@y.io', CORS_ORIGINS: 'https://a.example' });
    expect(config.port).toBe(8080);
    expect(config.roles).toEqual(['api', 'worker']);
    expect(config.adminEmails).toEqual(['a@x.io', 'b@y.io']);
    expect(config.corsOrigins).toEqual(['https://a.example']);
  });

  it('health: HEALTH_PORT 3001 and READY_MAX_LAG_EVENTS 10000 by default; HEALTH_PORT=0 picks a free port', () => {
    expect(loadConfig({})).toMatchObject({ healthPort: 3001, readyMaxLagEvents: 10_000 });
    expect(loadConfig({ HEALTH_PORT: '0', READY_MAX_LAG_EVENTS: '50' })).toMatchObject({ healthPort: 0, readyMaxLagEvents: 50 });
  });

  it('reads the live limits, with defaults', () => {
    expect(loadConfig({}).live).toMatchObject({ maxSocketsPerUser: 10, messagesPerSecond: 20, messageBurst: 100 });
    const live = loadConfig({ LIVE_MAX_SOCKETS_PER_USER: '3', LIVE_MESSAGES_PER_SECOND: '5', LIVE_MESSAGE_BURST: '7' }).live;
    expect(live).toMatchObject({ maxSocketsPerUser: 3, messagesPerSecond: 5, messageBurst: 7 });
  });

  it('e-mail: nothing is sent without SMTP_URL; smtp:// and smtps:// with credentials; PUBLIC_URL without a trailing slash', () => {
    expect(loadConfig({}).mail).toEqual({ smtpUrl: undefined, from: 'Tessera <no-reply@tessera.local>', publicUrl: 'http://localhost:3000', dispatchIntervalMs: 1000 });
    const mail = loadConfig({ SMTP_URL: 'smtps://user:secret@mail.example:465', MAIL_FROM: 'Tickets <t@example.org>', PUBLIC_URL: 'https://tickets.example.org/', MAIL_DISPATCH_INTERVAL_MS: '250' }).mail;
    expect(mail).toEqual({ smtpUrl: 'smtps://user:secret@mail.example:465', from: 'Tickets <t@example.org>', publicUrl: 'https://tickets.example.org', dispatchIntervalMs: 250 });
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example' })).toThrow(/SMTP_URL must be a URL starting with smtp:\/\/ or smtps:\/\//);
    expect(() => loadConfig({ PUBLIC_URL: 'tickets.example.org' })).toThrow(/PUBLIC_URL must be a URL starting with http:\/\/ or https:\/\//);
  });

  it.each([
    [{ HEALTH_PORT: '70000' }, 'HEALTH_PORT'],
    [{ READY_MAX_LAG_EVENTS: '0' }, 'READY_MAX_LAG_EVENTS'],
    [{ LIVE_MAX_SOCKETS_PER_USER: '0' }, 'LIVE_MAX_SOCKETS_PER_USER'],
    [{ LIVE_MESSAGES_PER_SECOND: 'many' }, 'LIVE_MESSAGES_PER_SECOND'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PROCESS_ROLES: 'api,cook' }, 'PROCESS_ROLES'],
    [{ EVENT_STORE: 'mongo' }, 'EVENT_STORE'],
    [{ EVENT_STORE: 'esdb' }, 'ESDB_URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ NODE_ENV: 'production' }, 'JWT_SECRET'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ RATE_LIMIT_AUTH_PER_MIN: '-1' }, 'RATE_LIMIT_AUTH_PER_MIN'],
  ])('rejects %j naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(variable));
  });
});

describe('packageVersion', () => {
  it('is the version of the checkout’s package.json (the one place it is written)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tessera-version-'));
    try {
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'tessera', version: '9.8.7-rc.1' }));
      expect(packageVersion(dir)).toBe('9.8.7-rc.1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
