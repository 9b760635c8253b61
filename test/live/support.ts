/**
 * Live-hub test support: a WebSocket client that records what the server sends, a
 * hub on its own HTTP server, and helpers to write and read changefeed rows.
 */
import http from 'node:http';
import type { Knex } from 'knex';
import { WebSocket } from 'ws';
import type { Principal } from '../../src/api/routes.js';
import { LiveHub, type ChannelAuthorizer, type LiveHubDependencies } from '../../src/api/live/index.js';
import { readChangefeed, writeChangefeed } from '../../src/projections/changefeed.js';

export interface ServerMessage {
  type: string;
  channel?: string;
  position?: string;
  eventPosition?: string;
  data?: unknown;
  code?: string;
  message?: string;
}

const WAIT_MS = 30_000;

export class LiveClient {
  readonly messages: ServerMessage[] = [];
  closeInfo: { code: number; reason: string } | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        this.notify();
      });
    });
    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as ServerMessage);
      this.notify();
    });
  }

  static connect(url: string, options: { autoPong?: boolean } = {}): Promise<LiveClient> {
    const ws = new WebSocket(url, { autoPong: options.autoPong ?? true });
    const client = new LiveClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Resolves with the first message at index ≥ `from` that matches; fails if the socket closes first. */
  async waitFor(predicate: (m: ServerMessage) => boolean, what: string, from = 0): Promise<ServerMessage> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const found = this.messages.slice(from).find(predicate);
      if (found) return found;
      if (this.closeInfo) throw new Error(`socket closed (${this.closeInfo.code} ${this.closeInfo.reason}) while waiting for ${what}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages.slice(from, from + 5))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 200);
        const waiters = this.waiters;
        function done() {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        waiters.add(done);
      });
    }
  }

  /** Sends a subscribe and waits for its answer (subscribed, resync or error) for that channel. */
  async subscribe(channel: string, since?: bigint | string): Promise<ServerMessage> {
    const from = this.messages.length;
    this.send({ type: 'subscribe', channel, ...(since === undefined ? {} : { since: since.toString() }) });
    return this.waitFor((m) => m.channel === channel && m.type !== 'update', `answer to subscribe ${channel}`, from);
  }

  /** Sends a message and waits for the next non-update message. */
  async request(message: unknown): Promise<ServerMessage> {
    const from = this.messages.length;
    this.send(message);
    return this.waitFor((m) => m.type !== 'update', `answer to ${JSON.stringify(message)}`, from);
  }

  updates(channel?: string): ServerMessage[] {
    return this.messages.filter((m) => m.type === 'update' && (channel === undefined || m.channel === channel));
  }

  positions(channel?: string): bigint[] {
    return this.updates(channel).map((m) => BigInt(m.position!));
  }

  /** Waits until this client has an update at `position` (or beyond) on `channel`. */
  async waitForPosition(channel: string, position: bigint): Promise<void> {
    await this.waitFor((m) => m.type === 'update' && m.channel === channel && BigInt(m.position!) >= position, `${channel} at ${position}`);
  }

  async close(): Promise<void> {
    if (this.closeInfo) return;
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.isPaused) this.ws.terminate();
    else this.ws.close();
    const timer = setTimeout(() => this.ws.terminate(), 2_000);
    await this.closed;
    clearTimeout(timer);
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Every client a test opens, closed in afterEach/afterAll. */
export class Clients {
  private readonly all: LiveClient[] = [];
  async connect(url: string, options?: { autoPong?: boolean }): Promise<LiveClient> {
    const client = await LiveClient.connect(url, options);
    this.all.push(client);
    return client;
  }
  async closeAll(): Promise<void> {
    await Promise.all(this.all.splice(0).map((c) => c.close()));
  }
}

export interface TestHub {
  hub: LiveHub;
  server: http.Server;
  /** ws://…/v1/live */
  url: string;
  urlWithToken(token: string): string;
  close(): Promise<void>;
}

/** A hub on its own HTTP server on 127.0.0.1 (what main.ts does for the api role). */
export async function startHub(deps: LiveHubDependencies): Promise<TestHub> {
  const server = http.createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  const hub = new LiveHub(deps);
  await hub.start();
  hub.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `ws://127.0.0.1:${port}/v1/live`;
  return {
    hub,
    server,
    url,
    urlWithToken: (token) => `${url}?access_token=${encodeURIComponent(token)}`,
    async close() {
      await hub.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The tests' authorisation hook: the production channels plus `counter:*`; `event:<denied>` is refused. */
export function testAuthorizer(denied: string[] = []): ChannelAuthorizer {
  return async (_principal: Principal, channel: string) =>
    !denied.includes(channel) && (channel === 'user:me' || channel.startsWith('counter:') || channel.startsWith('event:') || channel.startsWith('meeting:'));
}

/** Writes one changefeed row per payload, in one transaction (as a projection runner does). */
export async function writeRows(knex: Knex, channel: string, payloads: unknown[]): Promise<void> {
  await knex.transaction((trx) => writeChangefeed(trx, payloads.map((payload) => ({ channel, eventPosition: 0n, payload }))));
}

export async function feedRows(knex: Knex, channel: string, afterFeedId = 0n) {
  return readChangefeed(knex, { afterFeedId, channels: [channel], limit: 1_000_000 });
}

export async function feedIds(knex: Knex, channel: string, afterFeedId = 0n): Promise<bigint[]> {
  return (await feedRows(knex, channel, afterFeedId)).map((r) => r.feedId);
}

export async function feedHead(knex: Knex): Promise<bigint> {
  const { rows } = await knex.raw<{ rows: Array<{ head: string }> }>('SELECT coalesce(max(feed_id), 0)::text AS head FROM changefeed');
  return BigInt(rows[0]!.head);
}
