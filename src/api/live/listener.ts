/**
 * A dedicated PostgreSQL connection that LISTENs on the changefeed channel and calls
 * `onSignal` on every notification. It is re-established when it drops, and signals
 * on every (re)connect too, since notifications sent while it was down are lost.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import { CHANGEFEED_NOTIFY_CHANNEL } from '../../projections/changefeed.js';

export const LIVE_APPLICATION_NAME = 'tessera-live';

export class ChangefeedListener {
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly onSignal: () => void,
    private readonly options: { retryMs?: number; logger?: Logger } = {},
  ) {}

  /** Resolves after the first attempt; on failure it keeps retrying in the background. */
  start(): Promise<void> {
    return this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
    }
  }

  private connect(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: LIVE_APPLICATION_NAME,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    });
    this.client = client;
    let dropped = false;
    const drop = (error?: unknown) => {
      if (dropped) return;
      dropped = true;
      if (this.client === client) this.client = undefined;
      client.removeAllListeners();
      client.on('error', () => undefined);
      void client.end().catch(() => undefined);
      if (this.closed) return;
      this.options.logger?.warn({ err: error }, 'live hub: changefeed LISTEN connection lost; reconnecting');
      this.onSignal(); // read now: the poll covers what is missed until LISTEN is back
      this.retryTimer = setTimeout(() => void this.connect(), this.options.retryMs ?? 1000);
      this.retryTimer.unref();
    };
    client.on('notification', () => this.onSignal());
    client.on('error', drop);
    client.on('end', () => drop(new Error('connection ended')));
    this.connecting = client
      .connect()
      .then(() => client.query(`LISTEN ${CHANGEFEED_NOTIFY_CHANNEL}`))
      .then(
        () => this.onSignal(),
        (error: unknown) => drop(error),
      )
      .finally(() => {
        this.connecting = undefined;
      });
    return this.connecting;
  }
}
