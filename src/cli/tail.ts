/**
 * `tessera tail`: follows $all and prints one line per event until Ctrl-C (or --limit).
 * Without --from it starts at the head (new events only); with --from <position> it
 * starts at that position, inclusive, reading what is already stored first.
 */
import { matchesFilter, type RecordedEvent, type Subscription, type SubscriptionFilter } from '../eventstore/eventStore.js';
import type { CliContext } from './context.js';
import { eventLine, eventToJson } from './eventJson.js';
import { redactSecrets, toJson } from './output.js';

const PAGE = 500;

export interface TailOptions {
  type?: string[];
  from?: bigint;
  limit?: number;
  json?: boolean;
}

export async function tail(ctx: CliContext, opts: TailOptions): Promise<void> {
  const store = await ctx.store();
  const filter: SubscriptionFilter | undefined = opts.type?.length ? { eventTypes: opts.type } : undefined;
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  let printed = 0;
  let stopped = false;
  let subscription: Subscription | undefined;
  const stop = () => {
    stopped = true;
    void subscription?.close();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  /** Returns true when --limit is reached. */
  const print = async (event: RecordedEvent): Promise<boolean> => {
    await ctx.out.line(opts.json ? toJson(redactSecrets(eventToJson(event))) : eventLine(event, redactSecrets(event.data), { stream: true }));
    printed++;
    return printed >= limit;
  };

  try {
    // Taken before any read: every event at or below it is already visible.
    const head = await store.headPosition();
    let after: bigint | undefined = head < 0n ? undefined : head;
    if (opts.from !== undefined) {
      // Catch up with reads (inclusive start), then subscribe after the last event read.
      let last: bigint | undefined;
      let page = await store.readAll({ fromPosition: opts.from, maxCount: PAGE });
      while (page.length > 0 && !stopped) {
        for (const event of page) {
          last = event.position;
          if (matchesFilter(event, filter) && (await print(event))) return;
          if (stopped) return;
        }
        page = await store.readAll({ afterPosition: last!, maxCount: PAGE });
      }
      // Nothing at or after --from yet: everything up to `head` lies before it.
      after = last ?? after;
    }
    if (stopped) return;
    subscription = store.subscribeToAll({ ...(after === undefined ? {} : { fromPosition: after }), ...(filter ? { filter } : {}) });
    ctx.out.note(
      `tailing ${filter ? `${filter.eventTypes!.join(', ')} events` : 'all events'} after position ${after ?? 'start'}${Number.isFinite(limit) ? ` (stopping after ${limit})` : ''}; Ctrl-C to stop`,
    );
    for await (const event of subscription) {
      if (stopped) break;
      if (opts.from !== undefined && event.position < opts.from) continue;
      if (await print(event)) break;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await subscription?.close();
  }
}
