/**
 * The live hub (DESIGN §9): WebSocket `/v1/live`, one per API process.
 *
 * Tailing. One loop per hub reads changefeed rows after `lastSeen` (woken by
 * LISTEN/NOTIFY on a dedicated connection, with a poll as the safety net) and
 * dispatches them to the live subscriptions of their channels. Feed ids become
 * visible in commit order (see changefeed.ts), so reading `feed_id > lastSeen` never
 * skips a row, and a subscriber on any instance sees what any process committed.
 *
 * Positions are changefeed feed ids, not event-store positions (see protocol.ts);
 * each update also carries `eventPosition`, the store position of the newest event it
 * reflects. Rows marked team-only (a draft's state) go only to subscriptions whose
 * principal is on the resource's team, live and in replays; others skip past them.
 *
 * No gap, no duplicate. Tailing and the moment a subscription goes live run on one
 * serial path (`serial`). A subscription with `since` first replays
 * `(since, lastSeen]` for its channel outside that path, in pages and at the
 * client's pace; then, on the serial path, replays whatever was committed in the
 * meantime up to the current `lastSeen`, and joins the live set with
 * `after = lastSeen`. Dispatch only sends rows with `feed_id > after` and advances
 * `after`, so no row is both replayed and dispatched and none falls between.
 *
 * Limits (issue 8 item 7). At most `maxSocketsPerUser` authenticated sockets per user
 * on this process (a hub sees only its own sockets; with N api processes a user may
 * hold N × the cap) — one more gets `too-many-connections` and 1008. Client messages
 * pass a token bucket per socket (`messagesPerSecond`, `messageBurst`): a message over
 * it is answered `rate-limited` and dropped; `messagesPerSecond` refusals in a row
 * close the socket (1008).
 *
 * Lost access (issue 8 items 9, 15). A socket is closed (4401) when its credential
 * expires unless the client sent a fresh one (`{type:'auth', token}`, same user) on
 * it; when its user logs out of all sessions (or of the session its token belongs
 * to); when its API key is deleted. Revocations are changefeed rows on `$access`
 * (revocations.ts), tailed like every other row, so they reach every process in
 * order. Subscriptions granted through a role that can be lost (a draft event's team)
 * are re-authorised, once per changefeed page that carries rows for them, before
 * those rows are delivered; a refusal ends the subscription with `forbidden`. Public
 * channels (published events, user:me) cost nothing extra on the fan-out path.
 *
 * Bounded memory. Messages go straight to the socket; a socket whose send buffer
 * passes `maxBufferedBytes` is closed (4008) and nothing more is queued for it.
 * Replays wait for the socket to drain between messages. Pings every
 * `heartbeatMs`; a socket that missed the previous pong is terminated.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Metrics } from '../../metrics.js';
import { changefeedBounds, pruneChangefeed, readChangefeed, type ChangefeedRow } from '../../projections/changefeed.js';
import type { Principal } from '../routes.js';
import type { ChannelAuthorizer } from '../access.js';
import { ChangefeedListener } from './listener.js';
import { ACCESS_CHANNEL, parseRevocation, type AccessRevocation } from './revocations.js';
import { CLOSE, feedChannel, parseChannel, parseClientMessage, serverMessage, type ClientChannel, type ClientMessage, type ErrorCode } from './protocol.js';

export interface LiveHubOptions {
  /** URL path of the WebSocket endpoint. */
  path: string;
  /** Ping interval; a socket that has not answered the previous ping by the next one is terminated. */
  heartbeatMs: number;
  /** A socket whose unsent data passes this is disconnected as a slow consumer. */
  maxBufferedBytes: number;
  maxSubscriptionsPerSocket: number;
  /** Largest client frame (ws maxPayload); bigger ones close the socket with 1009. */
  maxMessageBytes: number;
  /** Client messages waiting to be handled, per socket, before it is closed (1008). */
  maxPendingMessages: number;
  /** Without `?access_token=`, the time allowed for the `auth` message. */
  authTimeoutMs: number;
  /** Authenticated sockets per user on this hub; one more is closed with 1008. */
  maxSocketsPerUser: number;
  /** Sustained client messages per socket per second; over it → `rate-limited`; this many refusals in a row → 1008. */
  messagesPerSecond: number;
  /** Messages a socket may send at once (the bucket size): enough to subscribe to every channel allowed at connect. */
  messageBurst: number;
  /** Safety-net poll of the changefeed when no notification arrives. */
  pollIntervalMs: number;
  /** LISTEN for changefeed notifications; false = poll only (e.g. behind PgBouncer in transaction mode). */
  listen: boolean;
  /** Rows per changefeed read (tailing and replay). */
  pageSize: number;
  /** Time a closing socket gets to finish the close handshake before it is terminated. */
  closeGraceMs: number;
  /**
   * How often this hub prunes the changefeed (`pruneOnce`); 0 = never. Off by default:
   * the worker's housekeeping job prunes it (main.ts).
   */
  pruneIntervalMs: number;
  /** Retention passed to pruneChangefeed. */
  retention: { keepRows: number; maxAgeHours: number };
}

export const DEFAULT_LIVE_OPTIONS: LiveHubOptions = {
  path: '/v1/live',
  heartbeatMs: 30_000,
  maxBufferedBytes: 1024 * 1024,
  maxSubscriptionsPerSocket: 100,
  maxMessageBytes: 16 * 1024,
  maxPendingMessages: 256,
  authTimeoutMs: 10_000,
  maxSocketsPerUser: 10,
  messagesPerSecond: 20,
  messageBurst: 100,
  pollIntervalMs: 1_000,
  listen: true,
  pageSize: 500,
  closeGraceMs: 2_000,
  pruneIntervalMs: 0,
  retention: { keepRows: 100_000, maxAgeHours: 24 },
};

export interface LiveHubDependencies {
  knex: Knex;
  databaseUrl: string;
  /** Verifies an access token or API key; throws when it is invalid (AccessTokens and Credentials fit). */
  tokens: { verifyCredential(token: string): Promise<LiveCredential> };
  /** Validates and normalises a channel name (default: the protocol's parseChannel); the contexts' id parsers come in here. */
  parseChannel?: (channel: string) => ClientChannel | undefined;
  /** The one authorisation hook for channels; sees the normalised client name (`user:me`, `event:<id>`, …). */
  authorizeChannel: ChannelAuthorizer;
  /**
   * Whether the subscriber is on the team of the channel's resource, and so also gets
   * changefeed rows marked team-only (a draft's updates: issue 8 item 10), live and in
   * replays. Asked once per subscribe; without it nobody gets them.
   */
  seesTeamUpdates?: ChannelAuthorizer;
  metrics?: Pick<Metrics, 'liveConnections'>;
  logger?: Logger;
  options?: Partial<LiveHubOptions>;
}

/** Who a socket acts for and until when. */
export interface LiveCredential {
  principal: Principal;
  /** The socket closes (4401) then, unless a fresh credential arrived. */
  expiresAt: Date | undefined;
  /** An access token's session (refresh-token family), for single-session logout. */
  session?: string | undefined;
}

interface Subscription {
  conn: Connection;
  /** Granted through a role that can be lost: re-authorised before updates are delivered. */
  recheck: boolean;
  /** As the client spelled it, echoed in every message. */
  channel: string;
  key: string;
  feed: string;
  /** Highest feed id this subscription has been sent (or skipped past); dispatch sends only above it. */
  after: bigint;
  /** Receives team-only rows (see `seesTeamUpdates`). */
  team: boolean;
}

interface Connection {
  ws: WebSocket;
  principal: Principal | undefined;
  credential: LiveCredential | undefined;
  expiryTimer: NodeJS.Timeout | undefined;
  /** Token bucket of client messages. */
  allowance: number;
  refilledAt: number;
  refusedInARow: number;
  authenticating: boolean;
  authTimer: NodeJS.Timeout | undefined;
  alive: boolean;
  closed: boolean;
  closedPromise: Promise<void>;
  markClosed: () => void;
  /** Client messages are handled one at a time, in order. */
  queue: Promise<void>;
  pending: number;
  subs: Map<string, Subscription>;
  /** Resolves when the last replayed message has been written to the socket. */
  flushed: Promise<void>;
  terminateTimer: NodeJS.Timeout | undefined;
}

type CatchUpOutcome = 'live' | 'resync' | 'closed';

const PRUNE_LOCK = 7305734215309315n;
/** Above this many subscribed channels, tailing reads every row instead of filtering by channel. */
const MAX_FILTER_CHANNELS = 500;
/** Tailing pages per turn on the serial path, so subscriptions are not starved during a burst. */
const MAX_PAGES_PER_TURN = 10;
/** setTimeout's limit; longer expiries are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A per-hub async mutex: runs one task at a time, in call order. */
class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export class LiveHub {
  private readonly options: LiveHubOptions;
  private readonly wss: WebSocketServer;
  private readonly listener: ChangefeedListener;
  private readonly serial = new Serial();
  private readonly connections = new Set<Connection>();
  /** Authenticated sockets by user id (the cap, and revocations). */
  private readonly byUser = new Map<string, Set<Connection>>();
  /** Live subscriptions by changefeed channel. */
  private readonly index = new Map<string, Set<Subscription>>();
  private readonly detachers: Array<() => void> = [];
  private lastSeen = 0n;
  private started = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  private loop: Promise<void> | undefined;
  private dirty = true;
  private wakeLoop: (() => void) | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private pruning: Promise<void> | undefined;

  constructor(private readonly deps: LiveHubDependencies) {
    this.options = { ...DEFAULT_LIVE_OPTIONS, ...deps.options };
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.options.maxMessageBytes, clientTracking: false, perMessageDeflate: false });
    this.listener = new ChangefeedListener(deps.databaseUrl, () => this.signal(), { logger: deps.logger });
  }

  /** The feed id up to which this hub has dispatched. */
  get position(): bigint {
    return this.lastSeen;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Reads the feed head, starts LISTEN, the tailing loop, heartbeats and pruning. Call before `attach`. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.lastSeen = (await changefeedBounds(this.deps.knex)).newest;
    if (this.options.listen) await this.listener.start();
    this.loop = this.tailLoop();
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.options.heartbeatMs);
    this.heartbeatTimer.unref();
    if (this.options.pruneIntervalMs > 0) {
      this.pruneTimer = setInterval(() => {
        this.pruning ??= this.pruneOnce().then(() => void (this.pruning = undefined));
      }, this.options.pruneIntervalMs);
      this.pruneTimer.unref();
    }
  }

  /** Serves WebSocket upgrades on `options.path` of this server (others get 404). */
  attach(server: http.Server): void {
    const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.handleUpgrade(req, socket, head);
    server.on('upgrade', onUpgrade);
    this.detachers.push(() => server.off('upgrade', onUpgrade));
  }

  /** Closes every socket (1001), stops tailing and releases the LISTEN connection. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /**
   * Deletes changefeed rows past retention (pruneChangefeed), at most one process at a
   * time. Runs every `pruneIntervalMs`; exposed for a job sweeper and tests.
   */
  async pruneOnce(): Promise<number> {
    try {
      return await this.deps.knex.transaction(async (trx) => {
        const { rows } = await trx.raw<{ rows: Array<{ ok: boolean }> }>('SELECT pg_try_advisory_xact_lock(?::bigint) AS ok', [PRUNE_LOCK.toString()]);
        if (!rows[0]?.ok) return 0;
        const deleted = await pruneChangefeed(trx, this.options.retention.keepRows, this.options.retention.maxAgeHours);
        if (deleted > 0) this.deps.logger?.info({ deleted }, 'live hub: pruned changefeed');
        return deleted;
      });
    } catch (error) {
      this.deps.logger?.warn({ err: error }, 'live hub: pruning the changefeed failed');
      return 0;
    }
  }

  // ---------------------------------------------------------------- connections

  private handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return rejectUpgrade(socket, 400, 'Bad Request');
    }
    if (url.pathname !== this.options.path) return rejectUpgrade(socket, 404, 'Not Found');
    if (!this.started || this.closed) return rejectUpgrade(socket, 503, 'Service Unavailable');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, url));
  }

  private onConnection(ws: WebSocket, url: URL): void {
    if (this.closed) {
      ws.close(CLOSE.goingAway, 'server shutting down');
      return;
    }
    let markClosed: () => void = () => undefined;
    const closedPromise = new Promise<void>((resolve) => (markClosed = resolve));
    const conn: Connection = {
      ws,
      principal: undefined,
      credential: undefined,
      expiryTimer: undefined,
      allowance: this.options.messageBurst,
      refilledAt: performance.now(),
      refusedInARow: 0,
      authenticating: false,
      authTimer: undefined,
      alive: true,
      closed: false,
      closedPromise,
      markClosed,
      queue: Promise.resolve(),
      pending: 0,
      subs: new Map(),
      flushed: Promise.resolve(),
      terminateTimer: undefined,
    };
    this.connections.add(conn);
    this.deps.metrics?.liveConnections.inc();
    ws.on('close', () => this.onClose(conn));
    ws.on('error', (error) => this.deps.logger?.debug({ err: error }, 'live hub: socket error'));
    ws.on('pong', () => (conn.alive = true));
    ws.on('message', (data, isBinary) => this.onMessage(conn, data, isBinary));

    const token = url.searchParams.get('access_token');
    if (token !== null) {
      conn.authenticating = true;
      this.enqueue(conn, () => this.authenticate(conn, token));
    } else {
      conn.authTimer = setTimeout(() => {
        if (conn.principal || conn.closed) return;
        this.sendError(conn, 'unauthorized', 'authentication timed out: send {type:"auth", token} first');
        this.closeConnection(conn, CLOSE.unauthorized, 'authentication timed out');
      }, this.options.authTimeoutMs);
      conn.authTimer.unref();
    }
  }

  private onClose(conn: Connection): void {
    if (conn.closed && !this.connections.has(conn)) return;
    conn.closed = true;
    clearTimeout(conn.authTimer);
    clearTimeout(conn.terminateTimer);
    clearTimeout(conn.expiryTimer);
    this.forgetUser(conn);
    for (const sub of conn.subs.values()) this.unindex(sub);
    conn.subs.clear();
    if (this.connections.delete(conn)) this.deps.metrics?.liveConnections.dec();
    conn.markClosed();
  }

  /** Starts the close handshake; the socket is terminated if it does not finish within `closeGraceMs`. */
  private closeConnection(conn: Connection, code: number, reason: string): void {
    if (conn.closed) return;
    conn.closed = true; // nothing more is sent or handled
    clearTimeout(conn.expiryTimer);
    this.forgetUser(conn);
    for (const sub of conn.subs.values()) this.unindex(sub);
    conn.ws.close(code, reason);
    conn.terminateTimer = setTimeout(() => conn.ws.terminate(), this.options.closeGraceMs);
    conn.terminateTimer.unref();
  }

  private onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    if (conn.closed) return;
    if (!this.admit(conn)) return;
    if (isBinary) {
      this.sendError(conn, 'bad-message', 'send JSON in text frames');
      return;
    }
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.sendError(conn, 'bad-message', parsed.reason);
      return;
    }
    if (parsed.message.type === 'ping') {
      this.send(conn, serverMessage.pong());
      return;
    }
    const message = parsed.message;
    this.enqueue(conn, () => this.handle(conn, message));
  }

  private enqueue(conn: Connection, task: () => Promise<void>): void {
    if (conn.pending >= this.options.maxPendingMessages) {
      this.closeConnection(conn, CLOSE.policy, 'too many messages waiting');
      return;
    }
    conn.pending++;
    conn.queue = conn.queue
      .then(() => (conn.closed ? undefined : task()))
      .catch((error: unknown) => {
        this.deps.logger?.error({ err: error }, 'live hub: handling a message failed');
        this.sendError(conn, 'unavailable', 'the server could not handle this message; try again');
      })
      .finally(() => conn.pending--);
  }

  /** The per-socket token bucket: false (and `rate-limited`, or 1008 if it goes on) when the message is over the rate. */
  private admit(conn: Connection): boolean {
    const { messagesPerSecond, messageBurst } = this.options;
    const now = performance.now();
    conn.allowance = Math.min(messageBurst, conn.allowance + ((now - conn.refilledAt) / 1000) * messagesPerSecond);
    conn.refilledAt = now;
    if (conn.allowance >= 1) {
      conn.allowance -= 1;
      conn.refusedInARow = 0;
      return true;
    }
    if (++conn.refusedInARow >= messagesPerSecond) {
      this.closeConnection(conn, CLOSE.policy, 'too many messages');
    } else {
      this.sendError(conn, 'rate-limited', `at most ${messagesPerSecond} messages per second; this one was dropped`);
    }
    return false;
  }

  private async handle(conn: Connection, message: Exclude<ClientMessage, { type: 'ping' }>): Promise<void> {
    if (message.type === 'auth') {
      if (conn.authenticating) {
        this.sendError(conn, 'bad-message', 'already authenticating');
        return;
      }
      if (conn.principal) {
        await this.reauthenticate(conn, message.token);
        return;
      }
      conn.authenticating = true;
      await this.authenticate(conn, message.token);
      return;
    }
    if (!conn.principal) {
      this.sendError(conn, 'unauthorized', 'authenticate first: ?access_token= or {type:"auth", token}', message.channel);
      return;
    }
    if (message.type === 'unsubscribe') {
      this.unsubscribe(conn, message.channel);
      return;
    }
    try {
      await this.subscribe(conn, conn.principal, message.channel, message.since ?? undefined);
    } catch (error) {
      this.deps.logger?.error({ err: error, channel: message.channel }, 'live hub: subscribe failed');
      this.sendError(conn, 'unavailable', 'could not subscribe now; try again', message.channel);
    }
  }

  private async authenticate(conn: Connection, token: string): Promise<void> {
    try {
      const credential = await this.deps.tokens.verifyCredential(token);
      if (conn.closed) return;
      clearTimeout(conn.authTimer);
      const userId = credential.principal.userId;
      let sockets = this.byUser.get(userId);
      if ((sockets?.size ?? 0) >= this.options.maxSocketsPerUser) {
        this.sendError(conn, 'too-many-connections', `at most ${this.options.maxSocketsPerUser} live connections per user`);
        this.closeConnection(conn, CLOSE.policy, 'too many connections');
        return;
      }
      if (!sockets) this.byUser.set(userId, (sockets = new Set()));
      sockets.add(conn);
      this.useCredential(conn, credential);
    } catch {
      this.sendError(conn, 'unauthorized', 'the access token is invalid or expired');
      this.closeConnection(conn, CLOSE.unauthorized, 'unauthorized');
    } finally {
      conn.authenticating = false;
    }
  }

  /** `{type:'auth'}` on an authenticated socket: a fresh credential of the same user extends it; anything else leaves it as it was. */
  private async reauthenticate(conn: Connection, token: string): Promise<void> {
    let credential: LiveCredential;
    try {
      credential = await this.deps.tokens.verifyCredential(token);
    } catch {
      this.sendError(conn, 'unauthorized', 'the new token is invalid or expired; the socket keeps its current one until it expires');
      return;
    }
    if (conn.closed) return;
    if (credential.principal.userId !== conn.principal?.userId) {
      this.sendError(conn, 'unauthorized', 'a socket stays with the user it authenticated as; open a new one for another user');
      return;
    }
    this.useCredential(conn, credential);
  }

  private useCredential(conn: Connection, credential: LiveCredential): void {
    conn.principal = credential.principal;
    conn.credential = credential;
    clearTimeout(conn.expiryTimer);
    conn.expiryTimer = undefined;
    if (credential.expiresAt) this.armExpiry(conn, credential.expiresAt.getTime());
  }

  private armExpiry(conn: Connection, expiresAtMs: number): void {
    const delay = expiresAtMs - Date.now();
    conn.expiryTimer = setTimeout(() => {
      if (conn.closed) return;
      if (delay > MAX_TIMER_MS) return this.armExpiry(conn, expiresAtMs);
      this.revokeConnection(conn, 'the credential has expired: send {type:"auth", token} with a fresh token before it does');
    }, Math.max(0, Math.min(delay, MAX_TIMER_MS)));
    conn.expiryTimer.unref();
  }

  private revokeConnection(conn: Connection, why: string): void {
    this.sendError(conn, 'unauthorized', why);
    this.closeConnection(conn, CLOSE.unauthorized, 'unauthorized');
  }

  private forgetUser(conn: Connection): void {
    const userId = conn.principal?.userId;
    const sockets = userId === undefined ? undefined : this.byUser.get(userId);
    if (!sockets?.delete(conn) || sockets.size > 0) return;
    this.byUser.delete(userId!);
  }

  /** A `$access` row: closes the sockets whose credential it revokes. */
  private applyRevocation(revocation: AccessRevocation): void {
    for (const conn of [...(this.byUser.get(revocation.userId) ?? [])]) {
      const credential = conn.credential;
      if (!credential) continue;
      const apiKey = credential.principal.apiKey;
      switch (revocation.kind) {
        case 'sessions-revoked':
          if (!apiKey && (revocation.exceptSession === undefined || credential.session !== revocation.exceptSession)) {
            this.revokeConnection(conn, 'signed out: every session of this user has ended');
          }
          break;
        case 'session-revoked':
          if (!apiKey && credential.session === revocation.session) this.revokeConnection(conn, 'signed out: this session has ended');
          break;
        case 'api-key-revoked':
          if (apiKey?.id === revocation.keyId) this.revokeConnection(conn, 'the API key was revoked');
          break;
        default: {
          const unknown: never = revocation;
          throw new Error(`unknown revocation ${JSON.stringify(unknown)}`);
        }
      }
    }
  }

  // ------------------------------------------------------------ subscriptions

  private async subscribe(conn: Connection, principal: Principal, channel: string, since: bigint | undefined): Promise<void> {
    const parsed = (this.deps.parseChannel ?? parseChannel)(channel);
    if (!parsed) {
      this.sendError(conn, 'invalid-channel', 'channels are event:<id>, meeting:<id> or user:me', channel);
      return;
    }
    if (conn.subs.has(parsed.key)) {
      this.sendError(conn, 'already-subscribed', 'already subscribed to this channel', channel);
      return;
    }
    if (conn.subs.size >= this.options.maxSubscriptionsPerSocket) {
      this.sendError(conn, 'too-many-subscriptions', `at most ${this.options.maxSubscriptionsPerSocket} subscriptions per connection`, channel);
      return;
    }
    const grant = await this.deps.authorizeChannel(principal, parsed.key);
    if (!grant) {
      this.sendError(conn, 'forbidden', 'you may not follow this channel', channel);
      return;
    }
    const team = (await this.deps.seesTeamUpdates?.(principal, parsed.key)) === true;
    if (conn.closed) return;
    const sub: Subscription = { conn, channel, key: parsed.key, feed: feedChannel(parsed, principal), after: 0n, team, recheck: grant === 'recheck' };
    conn.subs.set(sub.key, sub);
    let outcome: CatchUpOutcome;
    try {
      outcome = since === undefined ? await this.serial.run(async () => this.goLive(sub)) : await this.catchUp(sub, since);
    } catch (error) {
      this.drop(sub);
      throw error;
    }
    if (outcome === 'resync') {
      this.drop(sub);
      this.send(conn, serverMessage.resync(channel));
    }
  }

  private unsubscribe(conn: Connection, channel: string): void {
    const key = (this.deps.parseChannel ?? parseChannel)(channel)?.key;
    const sub = key === undefined ? undefined : conn.subs.get(key);
    if (!sub) {
      this.sendError(conn, 'not-subscribed', 'not subscribed to this channel', channel);
      return;
    }
    this.drop(sub);
  }

  /** On the serial path: joins the live set at the current head. */
  private goLive(sub: Subscription): CatchUpOutcome {
    if (sub.conn.closed) return 'closed';
    sub.after = this.lastSeen;
    let set = this.index.get(sub.feed);
    if (!set) this.index.set(sub.feed, (set = new Set()));
    set.add(sub);
    this.send(sub.conn, serverMessage.subscribed(sub.channel, this.lastSeen));
    return 'live';
  }

  private drop(sub: Subscription): void {
    this.unindex(sub);
    if (sub.conn.subs.get(sub.key) === sub) sub.conn.subs.delete(sub.key);
  }

  private unindex(sub: Subscription): void {
    const set = this.index.get(sub.feed);
    if (!set) return;
    set.delete(sub);
    if (set.size === 0) this.index.delete(sub.feed);
  }

  /**
   * Replays `(since, head]` for the subscription's channel, then goes live. The bulk
   * runs outside the serial path at the client's pace; the rest, up to the hub's
   * current `lastSeen`, on it.
   */
  private async catchUp(sub: Subscription, since: bigint): Promise<CatchUpOutcome> {
    const { conn } = sub;
    const pageSize = this.options.pageSize;
    if (since < (await this.retentionFloor())) return 'resync';

    let cursor = since;
    for (let pass = 0; pass < 10 && cursor < this.lastSeen; pass++) {
      const target = this.lastSeen;
      let read = 0;
      for (;;) {
        const rows = await readChangefeed(this.deps.knex, { afterFeedId: cursor, upToFeedId: target, channels: [sub.feed], limit: pageSize });
        for (const row of rows) {
          if (!(await this.sendReplay(sub, row))) return 'closed';
        }
        read += rows.length;
        if (rows.length < pageSize) break;
        cursor = rows.at(-1)!.feedId;
      }
      cursor = target;
      if (read < pageSize) break; // little arrived meanwhile: finish on the serial path
    }

    return this.serial.run(async () => {
      if (conn.closed) return 'closed';
      // The client may come from an instance that is ahead of this one: catch up first.
      if (cursor > this.lastSeen) await this.tailTurn(Number.POSITIVE_INFINITY);
      // A `since` beyond the head is taken as the head.
      if (cursor > this.lastSeen) cursor = this.lastSeen;
      for (;;) {
        const rows = await readChangefeed(this.deps.knex, { afterFeedId: cursor, upToFeedId: this.lastSeen, channels: [sub.feed], limit: pageSize });
        for (const row of rows) this.sendUpdate(sub, row);
        if (conn.closed) return 'closed';
        if (rows.length < pageSize) break;
        cursor = rows.at(-1)!.feedId;
      }
      // Rows pruned while we were replaying would be a silent gap.
      if (since < (await this.retentionFloor())) return 'resync';
      return this.goLive(sub);
    });
  }

  /**
   * Feed ids at or below this may have been pruned: the row before the oldest retained
   * one or, with an empty table, the last allocated id. A `since` below it → resync.
   */
  private async retentionFloor(): Promise<bigint> {
    const { rows } = await this.deps.knex.raw<{ rows: Array<{ oldest: string | null; allocated: string }> }>(
      `SELECT (SELECT min(feed_id) FROM changefeed)::text AS oldest,
              (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM changefeed_feed_id_seq)::text AS allocated`,
    );
    const row = rows[0];
    if (!row) return 0n;
    return row.oldest !== null ? BigInt(row.oldest) - 1n : BigInt(row.allocated);
  }

  // ------------------------------------------------------------------ tailing

  private signal(): void {
    this.dirty = true;
    this.wakeLoop?.();
  }

  private async tailLoop(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      if (!this.dirty) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.pollIntervalMs);
          this.wakeLoop = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeLoop = undefined;
        if (this.closed) return;
      }
      this.dirty = false;
      try {
        await this.serial.run(() => this.tailTurn(MAX_PAGES_PER_TURN));
        failures = 0;
      } catch (error) {
        if (this.closed) return;
        failures++;
        this.deps.logger?.warn({ err: error, failures }, 'live hub: reading the changefeed failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(5_000, 100 * 2 ** Math.min(failures, 6))));
        this.dirty = true;
      }
    }
  }

  /** On the serial path: reads rows after `lastSeen` and dispatches them. */
  private async tailTurn(maxPages: number): Promise<void> {
    for (let page = 0; page < maxPages; page++) {
      const head = (await changefeedBounds(this.deps.knex)).newest;
      if (head <= this.lastSeen) return;
      if (this.index.size === 0 && this.byUser.size === 0) {
        this.lastSeen = head; // nobody listens: nothing to read
        return;
      }
      const channels = this.index.size <= MAX_FILTER_CHANNELS ? [...this.index.keys(), ACCESS_CHANNEL] : undefined;
      const rows = await readChangefeed(this.deps.knex, {
        afterFeedId: this.lastSeen,
        upToFeedId: head,
        ...(channels ? { channels } : {}),
        limit: this.options.pageSize,
      });
      await this.reauthorize(rows);
      for (const row of rows) {
        if (row.channel === ACCESS_CHANNEL) this.revoke(row.payload);
        else this.dispatch(row);
      }
      if (rows.length < this.options.pageSize) {
        this.lastSeen = head; // every row up to head was visible: ids commit in order
        return;
      }
      this.lastSeen = rows.at(-1)!.feedId;
    }
    this.dirty = true; // more to read: let waiting subscriptions in first
  }

  private revoke(payload: unknown): void {
    const revocation = parseRevocation(payload);
    if (revocation) this.applyRevocation(revocation);
    else this.deps.logger?.warn({ payload }, 'live hub: ignored a malformed $access row');
  }

  /**
   * Before a page is delivered: re-authorises, once each and in parallel, the
   * subscriptions that hold their channel through a role that can be lost and that
   * this page has rows for. Refused → `forbidden` and the subscription ends, so none
   * of these rows reach it. Public subscriptions are never looked at.
   */
  private async reauthorize(rows: ChangefeedRow[]): Promise<void> {
    const due = new Set<Subscription>();
    for (const row of rows) {
      for (const sub of this.index.get(row.channel) ?? []) if (sub.recheck && row.feedId > sub.after) due.add(sub);
    }
    await Promise.all(
      [...due].map(async (sub) => {
        const principal = sub.conn.principal;
        let grant: boolean | 'recheck' = false;
        try {
          grant = principal ? await this.deps.authorizeChannel(principal, sub.key) : false;
        } catch (error) {
          this.deps.logger?.warn({ err: error, channel: sub.key }, 'live hub: re-authorising a subscription failed; it ends');
          this.drop(sub);
          this.sendError(sub.conn, 'unavailable', 'could not re-check access to this channel; subscribe again', sub.channel);
          return;
        }
        if (grant === true) sub.recheck = false; // e.g. the draft was published: public from now on
        if (grant) return;
        this.drop(sub);
        this.sendError(sub.conn, 'forbidden', 'you may no longer follow this channel', sub.channel);
      }),
    );
  }

  private dispatch(row: ChangefeedRow): void {
    const subs = this.index.get(row.channel);
    if (!subs) return;
    const texts = new Map<string, string>();
    for (const sub of [...subs]) {
      if (row.feedId <= sub.after) continue;
      if (row.teamOnly && !sub.team) {
        sub.after = row.feedId; // not for this subscriber: skipped past, never sent
        continue;
      }
      let text = texts.get(sub.channel);
      if (text === undefined) texts.set(sub.channel, (text = serverMessage.update(sub.channel, row.feedId, row.eventPosition, row.payload)));
      sub.after = row.feedId;
      this.send(sub.conn, text);
    }
  }

  private sendUpdate(sub: Subscription, row: ChangefeedRow): void {
    if (row.feedId <= sub.after) return;
    sub.after = row.feedId;
    if (row.teamOnly && !sub.team) return;
    this.send(sub.conn, serverMessage.update(sub.channel, row.feedId, row.eventPosition, row.payload));
  }

  /** Replay at the client's pace: wait for the socket to drain below half the bound before sending. */
  private async sendReplay(sub: Subscription, row: ChangefeedRow): Promise<boolean> {
    const { conn } = sub;
    if (conn.closed) return false;
    if (conn.ws.bufferedAmount > this.options.maxBufferedBytes / 2) {
      await Promise.race([conn.flushed, conn.closedPromise]);
      if (conn.closed) return false;
    }
    if (row.feedId <= sub.after) return true;
    sub.after = row.feedId;
    if (row.teamOnly && !sub.team) return true;
    conn.flushed = new Promise<void>((resolve) => {
      conn.ws.send(serverMessage.update(sub.channel, row.feedId, row.eventPosition, row.payload), () => resolve());
    });
    this.checkBuffer(conn);
    return !conn.closed;
  }

  // ------------------------------------------------------------------ sending

  private send(conn: Connection, text: string): void {
    if (conn.closed || conn.ws.readyState !== WebSocket.OPEN) return;
    conn.ws.send(text);
    this.checkBuffer(conn);
  }

  private sendError(conn: Connection, code: ErrorCode, message: string, channel?: string): void {
    this.send(conn, serverMessage.error(code, message, channel));
  }

  private checkBuffer(conn: Connection): void {
    const buffered = conn.ws.bufferedAmount;
    if (buffered <= this.options.maxBufferedBytes) return;
    this.deps.logger?.warn(
      { bufferedAmount: buffered, maxBufferedBytes: this.options.maxBufferedBytes, userId: conn.principal?.userId },
      'live hub: slow consumer disconnected',
    );
    this.closeConnection(conn, CLOSE.slowConsumer, 'slow consumer: send buffer full');
  }

  private heartbeat(): void {
    for (const conn of this.connections) {
      if (!conn.alive) {
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      try {
        conn.ws.ping();
      } catch {
        conn.ws.terminate();
      }
    }
  }

  // ----------------------------------------------------------------- shutdown

  private async shutdown(): Promise<void> {
    this.closed = true;
    for (const detach of this.detachers.splice(0)) detach();
    clearInterval(this.heartbeatTimer);
    clearInterval(this.pruneTimer);
    const conns = [...this.connections];
    for (const conn of conns) this.closeConnection(conn, CLOSE.goingAway, 'server shutting down');
    await Promise.all(conns.map((c) => c.closedPromise));
    await Promise.all(conns.map((c) => c.queue));
    this.signal();
    await this.loop;
    await this.serial.run(async () => undefined);
    await this.pruning;
    await this.listener.close();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
