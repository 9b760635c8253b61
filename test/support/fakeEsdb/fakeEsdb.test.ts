/**
 * The fake EventStoreDB server at the protocol level: raw gRPC calls built with the client package's own
 * message classes, plus the client's higher-level calls where they are the simplest probe.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { EventStoreDBClient, StreamNotFoundError, jsonEvent, BACKWARDS, END, FORWARDS, START } from '@eventstore/db-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeEsdb, type FakeEsdb, type FakeEsdbOptions } from './index.js';
import { loadEsdbProto, type StreamsPb } from './proto.js';

const proto = loadEsdbProto();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: FakeEsdbOptions = {}): Promise<{ fake: FakeEsdb; client: EventStoreDBClient; raw: InstanceType<typeof proto.streamsGrpc.StreamsClient> }> {
  const fake = await startFakeEsdb(options);
  const client = EventStoreDBClient.connectionString(fake.url);
  const raw = new proto.streamsGrpc.StreamsClient(`127.0.0.1:${fake.port}`, grpc.credentials.createInsecure());
  cleanups.push(async () => {
    raw.close();
    await client.dispose();
    await fake.stop();
  });
  return { fake, client, raw };
}

const events = (n: number, type = 'E') => Array.from({ length: n }, (_, i) => jsonEvent({ type, data: { i } }));

/** A ReadReq for $all, built with the client's classes. */
function allRequest(opts: {
  from?: 'start' | 'end' | bigint;
  subscription?: boolean;
  count?: bigint;
  backwards?: boolean;
  structuredIds?: boolean;
  filter?: { on: 'type' | 'stream'; regex?: string; prefixes?: string[]; max?: number; multiplier?: number };
}): StreamsPb.ReadReq {
  const { streams, shared } = proto;
  const options = new streams.ReadReq.Options();
  const all = new streams.ReadReq.Options.AllOptions();
  const from = opts.from ?? 'start';
  if (from === 'start') all.setStart(new shared.Empty());
  else if (from === 'end') all.setEnd(new shared.Empty());
  else {
    const position = new streams.ReadReq.Options.Position();
    position.setCommitPosition(from.toString());
    position.setPreparePosition(from.toString());
    all.setPosition(position);
  }
  options.setAll(all);
  options.setReadDirection(opts.backwards ? 1 : 0);
  if (opts.subscription) options.setSubscription(new streams.ReadReq.Options.SubscriptionOptions());
  else options.setCount((opts.count ?? 1000n).toString());
  const uuid = new streams.ReadReq.Options.UUIDOption();
  if (opts.structuredIds) uuid.setStructured(new shared.Empty());
  else uuid.setString(new shared.Empty());
  options.setUuidOption(uuid);
  if (opts.filter) {
    const expression = new streams.ReadReq.Options.FilterOptions.Expression();
    if (opts.filter.regex) expression.setRegex(opts.filter.regex);
    if (opts.filter.prefixes) expression.setPrefixList(opts.filter.prefixes);
    const filter = new streams.ReadReq.Options.FilterOptions();
    if (opts.filter.on === 'type') filter.setEventType(expression);
    else filter.setStreamIdentifier(expression);
    if (opts.filter.max) filter.setMax(opts.filter.max);
    else filter.setCount(new shared.Empty());
    filter.setCheckpointintervalmultiplier(opts.filter.multiplier ?? 1);
    options.setFilter(filter);
  } else {
    options.setNoFilter(new shared.Empty());
  }
  const request = new streams.ReadReq();
  request.setOptions(options);
  return request;
}

type Message = { kind: 'confirmation' } | { kind: 'caughtUp' } | { kind: 'checkpoint'; position: bigint } | { kind: 'event'; id: string; stream: string; revision: bigint; position: bigint; commitPosition?: bigint } | { kind: 'notFound'; stream: string };

function describeMessage(response: StreamsPb.ReadResp): Message {
  if (response.hasConfirmation()) return { kind: 'confirmation' };
  if (response.hasCaughtUp()) return { kind: 'caughtUp' };
  if (response.hasCheckpoint()) return { kind: 'checkpoint', position: BigInt(response.getCheckpoint()!.getCommitPosition()) };
  if (response.hasStreamNotFound()) {
    return { kind: 'notFound', stream: Buffer.from(response.getStreamNotFound()!.getStreamIdentifier()!.getStreamName_asU8()).toString() };
  }
  const readEvent = response.getEvent()!;
  const recorded = readEvent.getEvent()!;
  const id = recorded.getId()!;
  let text: string;
  if (id.hasStructured()) {
    const bytes = new DataView(new ArrayBuffer(16));
    bytes.setBigUint64(0, BigInt.asUintN(64, BigInt(id.getStructured()!.getMostSignificantBits())));
    bytes.setBigUint64(8, BigInt.asUintN(64, BigInt(id.getStructured()!.getLeastSignificantBits())));
    const hex = Buffer.from(bytes.buffer).toString('hex');
    text = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  } else {
    text = id.getString();
  }
  return {
    kind: 'event',
    id: text,
    stream: Buffer.from(recorded.getStreamIdentifier()!.getStreamName_asU8()).toString(),
    revision: BigInt(recorded.getStreamRevision()),
    position: BigInt(recorded.getCommitPosition()),
    ...(readEvent.hasCommitPosition() ? { commitPosition: BigInt(readEvent.getCommitPosition()) } : {}),
  };
}

/** Reads a count read to its end. */
async function readAllMessages(raw: InstanceType<typeof proto.streamsGrpc.StreamsClient>, request: StreamsPb.ReadReq): Promise<Message[]> {
  const out: Message[] = [];
  for await (const response of raw.read(request)) out.push(describeMessage(response as StreamsPb.ReadResp));
  return out;
}

/** Collects subscription messages until `until` holds, then cancels the call. */
async function collect(
  raw: InstanceType<typeof proto.streamsGrpc.StreamsClient>,
  request: StreamsPb.ReadReq,
  until: (messages: Message[]) => boolean,
  onMessage?: (messages: Message[]) => Promise<void> | void,
): Promise<Message[]> {
  const call = raw.read(request);
  const out: Message[] = [];
  try {
    for await (const response of call) {
      out.push(describeMessage(response as StreamsPb.ReadResp));
      await onMessage?.(out);
      if (until(out)) break;
    }
  } finally {
    call.cancel();
  }
  return out;
}

describe('fake EventStoreDB: server features', () => {
  function supportedMethods(fake: FakeEsdb): Promise<string[]> {
    const client = new proto.serverFeaturesGrpc.ServerFeaturesClient(`127.0.0.1:${fake.port}`, grpc.credentials.createInsecure());
    return new Promise((resolve, reject) => {
      client.getSupportedMethods(new proto.shared.Empty(), (error, response) => {
        client.close();
        if (error) reject(error);
        else resolve(response.getMethodsList().map((m) => `/${m.getServiceName()}/${m.getMethodName()}`));
      });
    });
  }

  it('lists batchappend only when enabled, in lower case', async () => {
    const on = await start({ batchAppend: true });
    expect(await supportedMethods(on.fake)).toContain('/event_store.client.streams.streams/batchappend');
    const off = await start({ batchAppend: false });
    const methods = await supportedMethods(off.fake);
    expect(methods).toContain('/event_store.client.streams.streams/append');
    expect(methods).not.toContain('/event_store.client.streams.streams/batchappend');
  });

  it('answers UNIMPLEMENTED without the ServerFeatures service', async () => {
    const { fake } = await start({ serverFeatures: false });
    await expect(supportedMethods(fake)).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
  });
});

describe('fake EventStoreDB: log and reads', () => {
  it('stores 0-based revisions and increasing positions with gaps, commit = prepare', async () => {
    const { fake, client } = await start();
    const a = await client.appendToStream('a-1', events(3));
    const b = await client.appendToStream('b-1', events(2));
    expect(a.nextExpectedRevision).toBe(2n);
    expect(b.nextExpectedRevision).toBe(1n);
    const positions = fake.log.events.map((e) => e.position);
    expect(positions[0]).toBeGreaterThan(0n);
    for (let i = 1; i < positions.length; i++) expect(positions[i]! - positions[i - 1]!).toBeGreaterThan(1n);
    expect(b.position).toEqual({ commit: positions.at(-1), prepare: positions.at(-1) });
    expect(fake.log.events.map((e) => `${e.streamName}@${e.revision}`)).toEqual(['a-1@0', 'a-1@1', 'a-1@2', 'b-1@0', 'b-1@1']);
  });

  it('reads streams forwards and backwards and reports a missing stream', async () => {
    const { client } = await start();
    await client.appendToStream('s-1', events(5));
    const revisions = async (options: Parameters<EventStoreDBClient['readStream']>[1]) => {
      const out: bigint[] = [];
      for await (const e of client.readStream('s-1', options)) out.push(e.event!.revision);
      return out;
    };
    expect(await revisions({ fromRevision: START, direction: FORWARDS, maxCount: 2 })).toEqual([0n, 1n]);
    expect(await revisions({ fromRevision: 3n, direction: FORWARDS })).toEqual([3n, 4n]);
    expect(await revisions({ fromRevision: END, direction: BACKWARDS, maxCount: 2 })).toEqual([4n, 3n]);
    expect(await revisions({ fromRevision: 1n, direction: BACKWARDS })).toEqual([1n, 0n]);
    const missing = async () => {
      for await (const e of client.readStream('nope-1')) void e;
    };
    await expect(missing()).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  it('reads $all forwards inclusive and backwards exclusive of a position, with string or structured ids', async () => {
    const { fake, raw, client } = await start();
    await client.appendToStream('s-1', events(4));
    const stored = fake.log.events;
    const forwards = await readAllMessages(raw, allRequest({ from: stored[1]!.position, count: 2n }));
    expect(forwards.map((m) => (m.kind === 'event' ? m.revision : m.kind))).toEqual([1n, 2n]);
    expect(forwards[0]).toMatchObject({ id: stored[1]!.id, position: stored[1]!.position, commitPosition: stored[1]!.position });
    const backwards = await readAllMessages(raw, allRequest({ from: stored[2]!.position, backwards: true }));
    expect(backwards.map((m) => (m.kind === 'event' ? m.revision : m.kind))).toEqual([1n, 0n]);
    const structured = await readAllMessages(raw, allRequest({ structuredIds: true }));
    expect(structured.map((m) => (m.kind === 'event' ? m.id : m.kind))).toEqual(stored.map((e) => e.id));
  });

  it('rejects a read from the middle of a record unless strictPositions is off', async () => {
    const strict = await start();
    await strict.client.appendToStream('s-1', events(2));
    const middle = strict.fake.log.events[0]!.position + 1n;
    await expect(readAllMessages(strict.raw, allRequest({ from: middle }))).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    expect(await readAllMessages(strict.raw, allRequest({ from: strict.fake.log.end + 100n }))).toEqual([]);

    const lenient = await start({ strictPositions: false });
    await lenient.client.appendToStream('s-1', events(2));
    const next = await readAllMessages(lenient.raw, allRequest({ from: lenient.fake.log.events[0]!.position + 1n }));
    expect(next.map((m) => (m.kind === 'event' ? m.revision : m.kind))).toEqual([1n]);
  });

  it('filters $all count reads by event-type regex and stream prefixes', async () => {
    const { raw, client } = await start();
    await client.appendToStream('keep-1', [...events(2, 'A'), ...events(1, 'B')]);
    await client.appendToStream('drop-1', events(2, 'A'));
    const byType = await readAllMessages(raw, allRequest({ filter: { on: 'type', regex: '^B$' } }));
    expect(byType.map((m) => (m.kind === 'event' ? `${m.stream}@${m.revision}` : m.kind))).toEqual(['keep-1@2']);
    const byPrefix = await readAllMessages(raw, allRequest({ filter: { on: 'stream', prefixes: ['drop-'] } }));
    expect(byPrefix.map((m) => (m.kind === 'event' ? `${m.stream}@${m.revision}` : m.kind))).toEqual(['drop-1@0', 'drop-1@1']);
  });

  it('failNext answers the next calls with the given status, then serves normally', async () => {
    const { fake, raw, client } = await start();
    await client.appendToStream('s-1', events(1));
    fake.faults.failNext(2, grpc.status.RESOURCE_EXHAUSTED, 'busy');
    await expect(readAllMessages(raw, allRequest({}))).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'busy' });
    await expect(readAllMessages(raw, allRequest({}))).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
    expect(await readAllMessages(raw, allRequest({}))).toHaveLength(1);
  });

  it('reset() empties the server', async () => {
    const { fake, client, raw } = await start();
    await client.appendToStream('s-1', events(3));
    fake.reset();
    expect(await readAllMessages(raw, allRequest({}))).toEqual([]);
    await client.appendToStream('s-1', events(1), { expectedRevision: 'no_stream' });
    expect(fake.log.events[0]!.revision).toBe(0n);
  });
});

describe('fake EventStoreDB: subscriptions', () => {
  it('a filtered $all subscription sends checkpoints every 32 × multiplier considered events, at the end of catch-up, and live', async () => {
    const { fake, raw, client } = await start();
    // 70 events, of which only the 10th, 40th, … match.
    await client.appendToStream('s-1', Array.from({ length: 70 }, (_, i) => jsonEvent({ type: i % 30 === 9 ? 'Wanted' : 'Other', data: { i } })));
    const stored = fake.log.events;
    let appended = false;
    const messages = await collect(
      raw,
      allRequest({ subscription: true, filter: { on: 'type', regex: '^Wanted$', multiplier: 1 } }),
      (m) => m.filter((x) => x.kind === 'checkpoint').length === 4,
      async (m) => {
        if (!appended && m.at(-1)?.kind === 'caughtUp') {
          appended = true;
          await client.appendToStream('s-1', Array.from({ length: 32 }, () => jsonEvent({ type: 'Other', data: {} })));
        }
      },
    );
    const position = (i: number) => stored[i]!.position;
    expect(messages.map((m) => (m.kind === 'event' ? `event@${m.revision}` : m.kind === 'checkpoint' ? `checkpoint@${m.position}` : m.kind))).toEqual([
      'confirmation',
      'event@9',
      `checkpoint@${position(31)}`,
      'event@39',
      `checkpoint@${position(63)}`,
      'event@69',
      `checkpoint@${position(69)}`, // end of catch-up
      'caughtUp',
      `checkpoint@${position(101)}`, // 32 live events considered
    ]);
  });

  it('an unfiltered $all subscription resumes strictly after a position, sends no checkpoints, then goes live', async () => {
    const { fake, raw, client } = await start();
    await client.appendToStream('s-1', events(3));
    const from = fake.log.events[0]!.position;
    let appended = false;
    const messages = await collect(
      raw,
      allRequest({ subscription: true, from }),
      (m) => m.filter((x) => x.kind === 'event').length === 3,
      async (m) => {
        if (!appended && m.at(-1)?.kind === 'caughtUp') {
          appended = true;
          await client.appendToStream('s-1', events(1));
        }
      },
    );
    expect(messages.map((m) => (m.kind === 'event' ? m.revision : m.kind))).toEqual(['confirmation', 1n, 2n, 'caughtUp', 3n]);
  });

  it('a subscription from the end is caught up at once and only sees new events', async () => {
    const { raw, client } = await start();
    await client.appendToStream('s-1', events(3));
    let appended = false;
    const messages = await collect(
      raw,
      allRequest({ subscription: true, from: 'end' }),
      (m) => m.some((x) => x.kind === 'event'),
      async (m) => {
        if (!appended && m.at(-1)?.kind === 'caughtUp') {
          appended = true;
          await client.appendToStream('s-1', events(1));
        }
      },
    );
    expect(messages.map((m) => (m.kind === 'event' ? m.revision : m.kind))).toEqual(['confirmation', 'caughtUp', 3n]);
  });

  it('stream subscriptions catch up after a revision, then go live; a missing stream is waited for', async () => {
    const { client } = await start();
    await client.appendToStream('s-1', events(3));
    const sub = client.subscribeToStream('s-1', { fromRevision: 0n });
    let caughtUp = false;
    sub.on('caughtUp', () => {
      caughtUp = true;
    });
    const got: bigint[] = [];
    for await (const e of sub) {
      got.push(e.event!.revision);
      if (got.length === 2) await client.appendToStream('s-1', events(1));
      if (got.length === 3) break;
    }
    await sub.unsubscribe();
    expect(got).toEqual([1n, 2n, 3n]);
    expect(caughtUp).toBe(true);

    const later = `later-${randomUUID()}`;
    const waiting = client.subscribeToStream(later);
    waiting.on('caughtUp', () => void client.appendToStream(later, events(1)));
    for await (const e of waiting) {
      expect(e.event!.streamId).toBe(later);
      break;
    }
    await waiting.unsubscribe();
  });

  it('dropSubscriptions ends live calls with UNAVAILABLE', async () => {
    const { fake, raw } = await start();
    const call = raw.read(allRequest({ subscription: true }));
    const failed = new Promise<grpc.ServiceError>((resolve) => call.on('error', resolve));
    call.on('data', () => {
      if (fake.faults.activeSubscriptions === 1) fake.faults.dropSubscriptions();
    });
    expect(await failed).toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect(fake.faults.activeSubscriptions).toBe(0);
  });
});
