/**
 * An in-process fake EventStoreDB gRPC server for tests (DESIGN §3): the real @eventstore/db-client talks to it
 * over real gRPC (127.0.0.1, random port, no TLS), so the esdb adapter is exercised end to end.
 *
 * Implemented: Streams.Append, Streams.BatchAppend, Streams.Read (streams and $all; forwards/backwards count reads;
 * catch-up subscriptions with event-type / stream-name filters, checkpoints and caught_up), and
 * ServerFeatures.GetSupportedMethods. Delete and Tombstone answer UNIMPLEMENTED.
 *
 * Server behaviour follows EventStoreDB 24.x (EventStore.Core, Services/Transport/Grpc and Enumerators); each rule
 * says what it mirrors. The fake stores nothing system-ish (no $epoch-information, $$metadata, $stats…): only
 * what clients append. The storage rules live in ./log.ts.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { FakeLog, eventAt, type AppendOutcome, type ExpectedState, type ProposedEvent, type StoredEvent } from './log.js';
import {
  loadEsdbProto,
  type EsdbProto,
  type ServerFeaturesGrpcPb,
  type ServerFeaturesPb,
  type SharedPb,
  type StreamsGrpcPb,
  type StreamsPb,
} from './proto.js';

export { FakeLog } from './log.js';
export type { StoredEvent } from './log.js';

export interface FakeEsdbOptions {
  /** List Streams.BatchAppend in GetSupportedMethods, so the client appends through it (default true). */
  batchAppend?: boolean;
  /** Serve ServerFeatures; off → UNIMPLEMENTED, which the client reads as "no features" (default true). */
  serverFeatures?: boolean;
  /**
   * Reject reads and subscriptions that start in the middle of a record, as a real server does (default true).
   * Off, any position is accepted and means "the first event at or after it".
   */
  strictPositions?: boolean;
  /** Position of the first stored event (default 512n: a real log starts with the server's own records). */
  initialPosition?: bigint;
  /** Clock for the `created` metadata, in .NET ticks (100 ns) since the Unix epoch (default: Date.now()). */
  nowTicks?: () => bigint;
}

/** How many calls each method received (faulted ones included). */
export interface FakeEsdbCallCounts {
  read: number;
  append: number;
  batchAppend: number;
  /** Appends received over BatchAppend streams (the client keeps one stream open for all of them). */
  batchAppendRequests: number;
  getSupportedMethods: number;
}

export interface FakeEsdbFaults {
  /** Ends every live subscription (catch-up or live) with UNAVAILABLE, as when a node goes away. */
  dropSubscriptions(): void;
  /**
   * The next `n` calls (any method, GetSupportedMethods included) answer with this gRPC status. An Append is
   * read to its end first; a BatchAppend stream that is already open is ended by its next request.
   */
  failNext(n: number, code: grpc.status, details?: string): void;
  /** Number of subscription calls currently open. */
  readonly activeSubscriptions: number;
}

export interface FakeEsdb {
  /** Connection string for EventStoreDBClient.connectionString. */
  url: string;
  port: number;
  /** The stored log, for assertions. */
  log: FakeLog;
  calls: FakeEsdbCallCounts;
  faults: FakeEsdbFaults;
  /** Forgets every event and drops every subscription: an empty server again. */
  reset(): void;
  stop(): Promise<void>;
}

type Fault = { code: grpc.status; details: string };
type ReadCall = grpc.ServerWritableStream<StreamsPb.ReadReq, StreamsPb.ReadResp>;
type AllStart = 'start' | 'end' | bigint;
type StreamsGrpcServer = StreamsGrpcPb.IStreamsServer;
type ServerFeaturesGrpcServer = ServerFeaturesGrpcPb.IServerFeaturesServer;

/** EventStoreDB's ReadBatchSize: the default filter search window. */
const DEFAULT_FILTER_WINDOW = 32;
const READ_FORWARDS = 0;

export async function startFakeEsdb(options: FakeEsdbOptions = {}): Promise<FakeEsdb> {
  const server = new FakeEsdbServer(options);
  return server.start();
}

class FakeEsdbServer {
  readonly #proto: EsdbProto = loadEsdbProto();
  readonly #log: FakeLog;
  readonly #options: Required<Omit<FakeEsdbOptions, 'initialPosition' | 'nowTicks'>>;
  readonly #calls: FakeEsdbCallCounts = { read: 0, append: 0, batchAppend: 0, batchAppendRequests: 0, getSupportedMethods: 0 };
  readonly #server = new grpc.Server();
  readonly #subscriptions = new Set<OpenSubscription>();
  readonly #batchCalls = new Set<grpc.ServerDuplexStream<StreamsPb.BatchAppendReq, StreamsPb.BatchAppendResp>>();
  #faults: { remaining: number; fault: Fault } = { remaining: 0, fault: { code: grpc.status.OK, details: '' } };

  constructor(options: FakeEsdbOptions) {
    this.#options = {
      batchAppend: options.batchAppend ?? true,
      serverFeatures: options.serverFeatures ?? true,
      strictPositions: options.strictPositions ?? true,
    };
    this.#log = new FakeLog({
      ...(options.initialPosition === undefined ? {} : { initialPosition: options.initialPosition }),
      ...(options.nowTicks === undefined ? {} : { nowTicks: options.nowTicks }),
    });
  }

  async start(): Promise<FakeEsdb> {
    const { streamsGrpc, serverFeaturesGrpc } = this.#proto;
    const streams: StreamsGrpcServer = {
      read: (call) => this.#read(call),
      append: (call, callback) => this.#append(call, callback),
      batchAppend: (call) => this.#batchAppend(call),
      delete: (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED, details: 'Delete is not implemented by the fake server' }),
      tombstone: (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED, details: 'Tombstone is not implemented by the fake server' }),
    };
    this.#server.addService(streamsGrpc.StreamsService, streams);
    if (this.#options.serverFeatures) {
      const features: ServerFeaturesGrpcServer = { getSupportedMethods: (_call, callback) => this.#getSupportedMethods(callback) };
      this.#server.addService(serverFeaturesGrpc.ServerFeaturesService, features);
    }
    const port = await new Promise<number>((resolve, reject) => {
      this.#server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, boundPort) =>
        error ? reject(error) : resolve(boundPort),
      );
    });

    const subscriptions = this.#subscriptions;
    const faults: FakeEsdbFaults = {
      dropSubscriptions: () => this.#dropSubscriptions(grpc.status.UNAVAILABLE, 'Subscription dropped (fake server fault injection)'),
      failNext: (n, code, details = `Injected fault (${grpc.status[code]})`) => {
        this.#faults = { remaining: n, fault: { code, details } };
      },
      get activeSubscriptions() {
        return subscriptions.size;
      },
    };
    return {
      url: `esdb://127.0.0.1:${port}?tls=false`,
      port,
      log: this.#log,
      calls: this.#calls,
      faults,
      reset: () => {
        this.#dropSubscriptions(grpc.status.UNAVAILABLE, 'Server reset');
        this.#log.clear();
      },
      stop: () => this.#stop(),
    };
  }

  async #stop(): Promise<void> {
    this.#dropSubscriptions(grpc.status.UNAVAILABLE, 'Server shutting down');
    for (const call of this.#batchCalls) call.end();
    this.#batchCalls.clear();
    // Give the status frames a moment to leave, then cut every connection.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#server.forceShutdown();
        resolve();
      }, 250);
      this.#server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #takeFault(): Fault | undefined {
    if (this.#faults.remaining <= 0) return undefined;
    this.#faults.remaining -= 1;
    return this.#faults.fault;
  }

  #dropSubscriptions(code: grpc.status, details: string): void {
    for (const subscription of [...this.#subscriptions]) subscription.fail(code, details);
  }

  // ---------------------------------------------------------------------------------------------------------
  // ServerFeatures

  /** Mirrors ServerFeatures.GetSupportedMethods: lower-case service and method names with their features. */
  #getSupportedMethods(callback: grpc.sendUnaryData<ServerFeaturesPb.SupportedMethods>): void {
    this.#calls.getSupportedMethods += 1;
    const fault = this.#takeFault();
    if (fault) return callback(fault);
    const { serverFeatures } = this.#proto;
    const method = (service: string, name: string, features: string[] = []) => {
      const m = new serverFeatures.SupportedMethod();
      m.setServiceName(service);
      m.setMethodName(name);
      m.setFeaturesList(features);
      return m;
    };
    const streams = 'event_store.client.streams.streams';
    const methods = [
      method(streams, 'read', ['position', 'events']),
      method(streams, 'append'),
      method('event_store.client.server_features.serverfeatures', 'getsupportedmethods'),
    ];
    if (this.#options.batchAppend) methods.push(method(streams, 'batchappend', ['deadline_duration']));
    const response = new serverFeatures.SupportedMethods();
    response.setEventStoreServerVersion('24.10.0-fake');
    response.setMethodsList(methods);
    callback(null, response);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Streams.Append (client streaming)

  /** Mirrors Streams.Append: options first, then one proposed message per event; one answer at the end. */
  #append(
    call: grpc.ServerReadableStream<StreamsPb.AppendReq, StreamsPb.AppendResp>,
    callback: grpc.sendUnaryData<StreamsPb.AppendResp>,
  ): void {
    this.#calls.append += 1;
    const fault = this.#takeFault();
    let options: StreamsPb.AppendReq.Options | undefined;
    const proposed: ProposedEvent[] = [];
    let failure: Fault | undefined;
    call.on('data', (req: StreamsPb.AppendReq) => {
      if (failure) return;
      if (req.hasOptions()) {
        options = req.getOptions();
      } else if (req.hasProposedMessage()) {
        if (!options) failure = { code: grpc.status.INVALID_ARGUMENT, details: 'Options must be the first message of an append' };
        else {
          const parsed = this.#parseProposed(req.getProposedMessage()!);
          if ('code' in parsed) failure = parsed;
          else proposed.push(parsed);
        }
      }
    });
    call.on('error', () => undefined);
    call.on('end', () => {
      if (fault) return callback(fault);
      if (failure) return callback(failure);
      if (!options?.hasStreamIdentifier()) return callback({ code: grpc.status.INVALID_ARGUMENT, details: 'Append without options' });
      const streamName = streamNameOf(options.getStreamIdentifier());
      const expected = expectedFromAppendOptions(options);
      const outcome = this.#log.append(streamName, expected, proposed);
      callback(null, this.#appendResponse(outcome, expected));
    });
  }

  #appendResponse(outcome: AppendOutcome, expected: ExpectedState): StreamsPb.AppendResp {
    const { streams, shared } = this.#proto;
    const response = new streams.AppendResp();
    if (outcome.kind === 'success') {
      const success = new streams.AppendResp.Success();
      if (outcome.currentRevision >= 0n) success.setCurrentRevision(outcome.currentRevision.toString());
      else success.setNoStream(new shared.Empty());
      if (outcome.position === undefined) success.setNoPosition(new shared.Empty());
      else {
        const position = new streams.AppendResp.Position();
        position.setCommitPosition(outcome.position.toString());
        position.setPreparePosition(outcome.position.toString());
        success.setPosition(position);
      }
      response.setSuccess(success);
      return response;
    }
    const wrong = new streams.AppendResp.WrongExpectedVersion();
    if (outcome.currentRevision >= 0n) wrong.setCurrentRevision(outcome.currentRevision.toString());
    else wrong.setCurrentNoStream(new shared.Empty());
    switch (expected.kind) {
      case 'any':
        wrong.setExpectedAny(new shared.Empty());
        break;
      case 'no_stream':
        wrong.setExpectedNoStream(new shared.Empty());
        break;
      case 'stream_exists':
        wrong.setExpectedStreamExists(new shared.Empty());
        break;
      case 'revision':
        wrong.setExpectedRevision(expected.revision.toString());
        break;
    }
    response.setWrongExpectedVersion(wrong);
    return response;
  }

  /** Mirrors the server's required-metadata check (RpcExceptions.RequiredMetadataPropertyMissing). */
  #parseProposed(message: StreamsPb.AppendReq.ProposedMessage | StreamsPb.BatchAppendReq.ProposedMessage): ProposedEvent | Fault {
    const metadata = message.getMetadataMap();
    const type = metadata.get('type');
    const contentType = metadata.get('content-type');
    if (type === undefined || contentType === undefined) {
      return { code: grpc.status.INVALID_ARGUMENT, details: `Required Metadata Property '${type === undefined ? 'type' : 'content-type'}' is missing` };
    }
    const id = uuidToString(message.getId());
    if (id === undefined) return { code: grpc.status.INVALID_ARGUMENT, details: 'Proposed message without an id' };
    return { id, type, contentType, data: message.getData_asU8(), customMetadata: message.getCustomMetadata_asU8() };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Streams.BatchAppend (bidirectional)

  /**
   * Mirrors Streams.BatchAppend: requests are chunks keyed by correlation id, options on the first chunk only,
   * processed when `is_final` arrives; each answer echoes correlation_id and stream_identifier. A wrong expected
   * version is a google.rpc.Status whose details pack event_store.client.WrongExpectedVersion.
   */
  #batchAppend(call: grpc.ServerDuplexStream<StreamsPb.BatchAppendReq, StreamsPb.BatchAppendResp>): void {
    this.#calls.batchAppend += 1;
    const failCall = (fault: Fault) => {
      this.#batchCalls.delete(call);
      call.emit('error', { code: fault.code, details: fault.details, metadata: new grpc.Metadata() });
    };
    const fault = this.#takeFault();
    if (fault) return failCall(fault);
    this.#batchCalls.add(call);
    const pending = new Map<string, { options: StreamsPb.BatchAppendReq.Options | undefined; proposed: ProposedEvent[] }>();
    call.on('data', (req: StreamsPb.BatchAppendReq) => {
      if (!this.#batchCalls.has(call)) return;
      const later = this.#takeFault();
      if (later) return failCall(later);
      const correlationId = uuidToString(req.getCorrelationId());
      if (correlationId === undefined) return failCall({ code: grpc.status.INVALID_ARGUMENT, details: 'BatchAppend request without correlation id' });
      const batch = pending.get(correlationId) ?? { options: undefined, proposed: [] };
      pending.set(correlationId, batch);
      if (req.hasOptions()) batch.options = req.getOptions();
      for (const message of req.getProposedMessagesList()) {
        const parsed = this.#parseProposed(message);
        if ('code' in parsed) return failCall(parsed);
        batch.proposed.push(parsed);
      }
      if (!req.getIsFinal()) return;
      pending.delete(correlationId);
      this.#calls.batchAppendRequests += 1;
      const options = batch.options;
      if (!options?.hasStreamIdentifier()) return failCall({ code: grpc.status.INVALID_ARGUMENT, details: 'BatchAppend without options' });
      const expected = expectedFromBatchOptions(options);
      const outcome = this.#log.append(streamNameOf(options.getStreamIdentifier()), expected, batch.proposed);
      call.write(this.#batchAppendResponse(req.getCorrelationId()!, options, expected, outcome));
    });
    call.on('error', () => this.#batchCalls.delete(call));
    call.on('end', () => {
      if (!this.#batchCalls.delete(call)) return;
      call.end();
    });
  }

  #batchAppendResponse(
    correlationId: SharedPb.UUID,
    options: StreamsPb.BatchAppendReq.Options,
    expected: ExpectedState,
    outcome: AppendOutcome,
  ): StreamsPb.BatchAppendResp {
    const { streams, shared, status, any, empty } = this.#proto;
    const response = new streams.BatchAppendResp();
    response.setCorrelationId(correlationId);
    response.setStreamIdentifier(options.getStreamIdentifier());
    switch (expected.kind) {
      case 'any':
        response.setAny(new empty.Empty());
        break;
      case 'no_stream':
        response.setNoStream(new empty.Empty());
        break;
      case 'stream_exists':
        response.setStreamExists(new empty.Empty());
        break;
      case 'revision':
        response.setStreamPosition(expected.revision.toString());
        break;
    }
    if (outcome.kind === 'success') {
      const success = new streams.BatchAppendResp.Success();
      if (outcome.currentRevision >= 0n) success.setCurrentRevision(outcome.currentRevision.toString());
      else success.setNoStream(new empty.Empty());
      if (outcome.position === undefined) success.setNoPosition(new empty.Empty());
      else {
        const position = new shared.AllStreamPosition();
        position.setCommitPosition(outcome.position.toString());
        position.setPreparePosition(outcome.position.toString());
        success.setPosition(position);
      }
      response.setSuccess(success);
      return response;
    }
    const wrong = new shared.WrongExpectedVersion();
    if (outcome.currentRevision >= 0n) wrong.setCurrentStreamRevision(outcome.currentRevision.toString());
    else wrong.setCurrentNoStream(new empty.Empty());
    switch (expected.kind) {
      case 'any':
        wrong.setExpectedAny(new empty.Empty());
        break;
      case 'no_stream':
        wrong.setExpectedNoStream(new empty.Empty());
        break;
      case 'stream_exists':
        wrong.setExpectedStreamExists(new empty.Empty());
        break;
      case 'revision':
        wrong.setExpectedStreamPosition(expected.revision.toString());
        break;
    }
    const details = new any.Any();
    details.pack(wrong.serializeBinary(), 'event_store.client.WrongExpectedVersion');
    const error = new status.Status();
    error.setCode(6); // as the server: google.rpc.Code 6 with WrongExpectedVersion details
    error.setMessage('WrongExpectedVersion');
    error.setDetails(details);
    response.setError(error);
    return response;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Streams.Read (server streaming): count reads and catch-up subscriptions

  #read(call: ReadCall): void {
    this.#calls.read += 1;
    const fault = this.#takeFault();
    if (fault) return void call.emit('error', { ...fault, metadata: new grpc.Metadata() });
    const options = call.request.getOptions();
    if (!options) return invalid(call, "'options' is a required argument");
    const structuredIds = options.getUuidOption()?.hasStructured() ?? false;
    const backwards = options.getReadDirection() !== READ_FORWARDS;
    const filter = options.hasFilter() ? parseFilter(options.getFilter()!) : undefined;
    if (filter && 'code' in filter) return void call.emit('error', { ...filter, metadata: new grpc.Metadata() });
    const messages = new ReadMessages(this.#proto, structuredIds);

    if (options.hasStream()) {
      const streamOptions = options.getStream()!;
      const name = streamNameOf(streamOptions.getStreamIdentifier());
      const from: AllStart = streamOptions.hasRevision() ? BigInt(streamOptions.getRevision()) : streamOptions.hasEnd() ? 'end' : 'start';
      if (options.hasSubscription()) {
        if (backwards || filter) return invalid(call, 'The combination of stream subscription options is invalid.');
        return void this.#subscribeToStream(call, messages, name, from);
      }
      return this.#readStream(call, messages, name, from, BigInt(options.getCount()), backwards);
    }

    if (options.hasAll()) {
      const allOptions = options.getAll()!;
      let from: AllStart = 'start';
      if (allOptions.hasEnd()) from = 'end';
      else if (allOptions.hasPosition()) {
        const position = allOptions.getPosition()!;
        // gRPC appends write commit = prepare; a position is identified by its commit part.
        from = BigInt(position.getCommitPosition());
        if (this.#options.strictPositions && !this.#log.isReadablePosition(from)) {
          // mirrors RpcExceptions.InvalidPositionException (reading from the middle of a record)
          return invalid(call, 'Trying to read from an invalid position.');
        }
      }
      if (options.hasSubscription()) {
        if (backwards) return invalid(call, 'The combination of $all subscription options is invalid.');
        return void this.#subscribeToAll(call, messages, from, filter);
      }
      return this.#readAll(call, messages, from, BigInt(options.getCount()), backwards, filter);
    }
    return invalid(call, 'Read without stream options');
  }

  /**
   * Mirrors Enumerator.ReadStreamForwards/Backwards: revisions inclusive; backwards from `end` starts at the last
   * event; a missing stream answers `stream_not_found` and completes.
   */
  #readStream(call: ReadCall, messages: ReadMessages, name: string, from: AllStart, count: bigint, backwards: boolean): void {
    const events = this.#log.stream(name);
    if (!events?.length) {
      call.write(messages.streamNotFound(name));
      call.end();
      return;
    }
    const last = BigInt(events.length - 1);
    const selected: StoredEvent[] = [];
    if (backwards) {
      let revision = from === 'end' ? last : from === 'start' ? 0n : from > last ? last : from;
      for (; revision >= 0n && BigInt(selected.length) < count; revision -= 1n) selected.push(eventAt(events, revision));
    } else {
      let revision = from === 'start' ? 0n : from === 'end' ? last + 1n : from;
      for (; revision <= last && BigInt(selected.length) < count; revision += 1n) selected.push(eventAt(events, revision));
    }
    // Stream reads carry the event's position in the RecordedEvent (servers ≥ 22.6) but no commit_position
    // on the ReadEvent itself (mirrors ConvertToReadEvent: OriginalPosition is unset for stream reads).
    for (const event of selected) call.write(messages.event(event, false));
    call.end();
  }

  /** Mirrors Enumerator.ReadAllForwards(Filtered)/Backwards: forwards inclusive of `from`, backwards exclusive. */
  #readAll(call: ReadCall, messages: ReadMessages, from: AllStart, count: bigint, backwards: boolean, filter: EventFilter | undefined): void {
    const log = this.#log.events;
    const matches = (event: StoredEvent) => !filter || filter.matches(event);
    let sent = 0n;
    if (backwards) {
      let i = from === 'end' ? log.length - 1 : from === 'start' ? -1 : this.#log.indexAtOrAfter(from) - 1;
      for (; i >= 0 && sent < count; i--) {
        const event = log[i]!;
        if (!matches(event)) continue;
        call.write(messages.event(event, true));
        sent += 1n;
      }
    } else {
      let i = from === 'start' ? 0 : from === 'end' ? log.length : this.#log.indexAtOrAfter(from);
      for (; i < log.length && sent < count; i++) {
        const event = log[i]!;
        if (!matches(event)) continue;
        call.write(messages.event(event, true));
        sent += 1n;
      }
    }
    call.end();
  }

  /**
   * Mirrors Enumerator.StreamSubscription: confirmation, then the events strictly after the given revision (all
   * of them from `start`, none from `end`), then caught_up, then live events. A missing stream is not an error:
   * the subscription waits for it.
   */
  async #subscribeToStream(call: ReadCall, messages: ReadMessages, name: string, from: AllStart): Promise<void> {
    const subscription = this.#open(call);
    try {
      await subscription.write(messages.confirmation());
      let next = from === 'start' ? 0n : from === 'end' ? BigInt(this.#log.stream(name)?.length ?? 0) : from + 1n;
      let caughtUp = false;
      while (!subscription.ended) {
        const events = this.#log.stream(name) ?? [];
        if (next < BigInt(events.length)) {
          await subscription.write(messages.event(eventAt(events, next), false));
          next += 1n;
        } else if (!caughtUp) {
          caughtUp = true;
          await subscription.write(messages.caughtUp());
        } else {
          await subscription.changed();
        }
      }
    } catch (error) {
      subscription.fail(grpc.status.INTERNAL, `fake server error: ${String(error)}`);
    } finally {
      subscription.close();
    }
  }

  /**
   * Mirrors Enumerator.AllSubscription / AllSubscriptionFiltered (24.x): confirmation; then catch-up strictly
   * after the given position; a filtered subscription sends a checkpoint every multiplier × window considered
   * events and once when catch-up ends ("issue a checkpoint when going live"); then caught_up; then live events
   * (filtered ones keep sending checkpoints every interval, counted afresh). From `end`: caught_up at once.
   */
  async #subscribeToAll(call: ReadCall, messages: ReadMessages, from: AllStart, filter: EventFilter | undefined): Promise<void> {
    const subscription = this.#open(call);
    const log = this.#log.events;
    try {
      await subscription.write(messages.confirmation());
      let cursor = from === 'start' ? 0 : from === 'end' ? log.length : this.#log.indexAfter(from);
      // The last position considered: everything up to it has been sent or filtered out.
      let checkpoint: bigint | undefined = typeof from === 'bigint' ? from : undefined;
      let caughtUp = from === 'end';
      if (caughtUp) await subscription.write(messages.caughtUp());
      let considered = 0;
      while (!subscription.ended) {
        const event = log[cursor];
        if (event) {
          cursor += 1;
          if (!filter || filter.matches(event)) await subscription.write(messages.event(event, true));
          checkpoint = event.position;
          if (filter && ++considered >= filter.checkpointInterval) {
            considered = 0;
            await subscription.write(messages.checkpoint(checkpoint));
          }
        } else if (!caughtUp) {
          caughtUp = true;
          if (filter && checkpoint !== undefined) await subscription.write(messages.checkpoint(checkpoint));
          considered = 0;
          await subscription.write(messages.caughtUp());
        } else {
          await subscription.changed();
        }
      }
    } catch (error) {
      subscription.fail(grpc.status.INTERNAL, `fake server error: ${String(error)}`);
    } finally {
      subscription.close();
    }
  }

  #open(call: ReadCall): OpenSubscription {
    const subscription = new OpenSubscription(call, this.#log, (s) => this.#subscriptions.delete(s));
    this.#subscriptions.add(subscription);
    return subscription;
  }
}

/** One open subscription call: backpressured writes, wake-ups on appends, and a way to fail it. */
class OpenSubscription {
  ended = false;
  readonly #call: ReadCall;
  readonly #waiters = new Set<() => void>();
  readonly #stopListening: () => void;
  readonly #onClose: (s: OpenSubscription) => void;

  constructor(call: ReadCall, log: FakeLog, onClose: (s: OpenSubscription) => void) {
    this.#call = call;
    this.#onClose = onClose;
    this.#stopListening = log.onChange(() => this.#wake());
    call.on('cancelled', () => this.close());
    call.on('close', () => this.close());
  }

  /** Writes one message, waiting for 'drain' when the client is slow (gRPC flow control). */
  async write(message: StreamsPb.ReadResp): Promise<void> {
    if (this.ended) return;
    if (this.#call.write(message)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.#call.off('drain', done);
        this.#waiters.delete(done);
        resolve();
      };
      this.#call.once('drain', done);
      this.#waiters.add(done);
    });
  }

  /** Resolves after the next append (or when the call ends). */
  changed(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#waiters.delete(done);
        resolve();
      };
      this.#waiters.add(done);
    });
  }

  /** Ends the call with an error status. */
  fail(code: grpc.status, details: string): void {
    if (this.ended) return;
    this.close();
    this.#call.emit('error', { code, details, metadata: new grpc.Metadata() });
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.#stopListening();
    this.#wake();
    this.#onClose(this);
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/** Builds ReadResp messages with the client's own classes. */
class ReadMessages {
  readonly #proto: EsdbProto;
  readonly #structuredIds: boolean;

  constructor(proto: EsdbProto, structuredIds: boolean) {
    this.#proto = proto;
    this.#structuredIds = structuredIds;
  }

  /** Mirrors ConvertToRecordedEvent: metadata `type`, `content-type` and `created` (.NET ticks since the epoch). */
  event(stored: StoredEvent, withCommitPosition: boolean): StreamsPb.ReadResp {
    const { streams, shared } = this.#proto;
    const recorded = new streams.ReadResp.ReadEvent.RecordedEvent();
    recorded.setId(this.#uuid(stored.id));
    recorded.setStreamIdentifier(streamIdentifier(this.#proto, stored.streamName));
    recorded.setStreamRevision(stored.revision.toString());
    recorded.setCommitPosition(stored.position.toString());
    recorded.setPreparePosition(stored.position.toString());
    const metadata = recorded.getMetadataMap();
    metadata.set('type', stored.type);
    metadata.set('content-type', stored.contentType);
    metadata.set('created', stored.createdTicks.toString());
    recorded.setCustomMetadata(stored.customMetadata);
    recorded.setData(stored.data);
    const readEvent = new streams.ReadResp.ReadEvent();
    readEvent.setEvent(recorded);
    if (withCommitPosition) readEvent.setCommitPosition(stored.position.toString());
    else readEvent.setNoPosition(new shared.Empty());
    const response = new streams.ReadResp();
    response.setEvent(readEvent);
    return response;
  }

  streamNotFound(name: string): StreamsPb.ReadResp {
    const { streams } = this.#proto;
    const notFound = new streams.ReadResp.StreamNotFound();
    notFound.setStreamIdentifier(streamIdentifier(this.#proto, name));
    const response = new streams.ReadResp();
    response.setStreamNotFound(notFound);
    return response;
  }

  confirmation(): StreamsPb.ReadResp {
    const { streams } = this.#proto;
    const confirmation = new streams.ReadResp.SubscriptionConfirmation();
    confirmation.setSubscriptionId(randomUUID());
    const response = new streams.ReadResp();
    response.setConfirmation(confirmation);
    return response;
  }

  checkpoint(position: bigint): StreamsPb.ReadResp {
    const { streams } = this.#proto;
    const checkpoint = new streams.ReadResp.Checkpoint();
    checkpoint.setCommitPosition(position.toString());
    checkpoint.setPreparePosition(position.toString());
    const response = new streams.ReadResp();
    response.setCheckpoint(checkpoint);
    return response;
  }

  caughtUp(): StreamsPb.ReadResp {
    const { streams } = this.#proto;
    const response = new streams.ReadResp();
    response.setCaughtUp(new streams.ReadResp.CaughtUp());
    return response;
  }

  /** uuid_option: `string` → the canonical text; `structured` → two signed 64-bit halves, big-endian. */
  #uuid(id: string): SharedPb.UUID {
    const { shared } = this.#proto;
    const uuid = new shared.UUID();
    if (!this.#structuredIds) {
      uuid.setString(id);
      return uuid;
    }
    const hex = id.replace(/-/g, '');
    const structured = new shared.UUID.Structured();
    structured.setMostSignificantBits(BigInt.asIntN(64, BigInt(`0x${hex.slice(0, 16)}`)).toString());
    structured.setLeastSignificantBits(BigInt.asIntN(64, BigInt(`0x${hex.slice(16)}`)).toString());
    uuid.setStructured(structured);
    return uuid;
  }
}

interface EventFilter {
  matches(event: StoredEvent): boolean;
  /** multiplier × window (window = `max`, or 32 with `count`). */
  checkpointInterval: number;
}

/** Mirrors ConvertToEventFilter: event type or stream name; a regex if one is given, else prefixes. */
function parseFilter(options: StreamsPb.ReadReq.Options.FilterOptions): EventFilter | Fault {
  const onType = options.hasEventType();
  const expression = onType ? options.getEventType() : options.getStreamIdentifier();
  if (!expression) return { code: grpc.status.INVALID_ARGUMENT, details: 'Filter without an expression' };
  const multiplier = options.getCheckpointintervalmultiplier();
  if (multiplier <= 0) return { code: grpc.status.INVALID_ARGUMENT, details: 'checkpointIntervalMultiplier must be positive' };
  const window = options.hasMax() ? options.getMax() : DEFAULT_FILTER_WINDOW;
  const field = (event: StoredEvent) => (onType ? event.type : event.streamName);
  const source = expression.getRegex();
  let test: (value: string) => boolean;
  if (source) {
    let regex: RegExp;
    try {
      regex = new RegExp(source);
    } catch {
      return { code: grpc.status.INVALID_ARGUMENT, details: `Invalid filter regex: ${source}` };
    }
    test = (value) => regex.test(value);
  } else {
    const prefixes = expression.getPrefixList();
    test = (value) => prefixes.some((prefix) => value.startsWith(prefix));
  }
  return { matches: (event) => test(field(event)), checkpointInterval: multiplier * window };
}

function expectedFromAppendOptions(options: StreamsPb.AppendReq.Options): ExpectedState {
  if (options.hasRevision()) return { kind: 'revision', revision: BigInt(options.getRevision()) };
  if (options.hasNoStream()) return { kind: 'no_stream' };
  if (options.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
}

function expectedFromBatchOptions(options: StreamsPb.BatchAppendReq.Options): ExpectedState {
  if (options.hasStreamPosition()) return { kind: 'revision', revision: BigInt(options.getStreamPosition()) };
  if (options.hasNoStream()) return { kind: 'no_stream' };
  if (options.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
}

function streamNameOf(identifier: SharedPb.StreamIdentifier | undefined): string {
  return identifier ? Buffer.from(identifier.getStreamName_asU8()).toString('utf8') : '';
}

function streamIdentifier(proto: EsdbProto, name: string): SharedPb.StreamIdentifier {
  const identifier = new proto.shared.StreamIdentifier();
  identifier.setStreamName(Buffer.from(name, 'utf8'));
  return identifier;
}

/** Canonical lower-case text of a UUID message, string or structured. */
function uuidToString(uuid: SharedPb.UUID | undefined): string | undefined {
  if (!uuid) return undefined;
  if (uuid.hasStructured()) {
    const structured = uuid.getStructured()!;
    const half = (value: string) => BigInt.asUintN(64, BigInt(value)).toString(16).padStart(16, '0');
    const hex = half(structured.getMostSignificantBits()) + half(structured.getLeastSignificantBits());
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  return uuid.hasString() ? uuid.getString().toLowerCase() : undefined;
}

function invalid(call: ReadCall, details: string): void {
  call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details, metadata: new grpc.Metadata() });
}
