/**
 * /v1/live is documented (issue 9, item 16): an AsyncAPI 3 document at /asyncapi.json
 * lists every message type protocol.ts defines, and what a real server sends over a real
 * WebSocket validates against the documented message schemas (no undocumented fields).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverMessageSchemas } from '../../src/api/live/asyncapi.js';
import { ERROR_CODES, clientMessage, serverMessage } from '../../src/api/live/protocol.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';
import { eventually } from '../support/processes.js';
import { LiveClient } from '../live/support.js';

type Json = Record<string, any>;

function expectDocumented(message: Json): void {
  const schema = serverMessageSchemas[message.type as keyof typeof serverMessageSchemas];
  expect(schema, `a schema for ${message.type}`).toBeDefined();
  const parsed = schema.safeParse(message);
  expect(parsed.success ? [] : parsed.error.issues, JSON.stringify(message)).toEqual([]);
  expect(parsed.data, 'every field is documented').toEqual(message);
}

describe('the AsyncAPI document of /v1/live', () => {
  let app: TestApp;
  let doc: Json;
  beforeAll(async () => {
    app = await startTestApp();
    const res = await fetch(`${app.url}/asyncapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as Json;
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('is AsyncAPI 3 and lists every message type protocol.ts defines, both ways', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    const clientTypes = clientMessage.options.map((o) => o.shape.type.value);
    const serverTypes = Object.keys(serverMessage);
    expect(clientTypes).toEqual(expect.arrayContaining(['auth', 'subscribe', 'unsubscribe', 'ping']));
    expect(Object.keys(doc.components.messages).sort()).toEqual([...clientTypes, ...serverTypes].sort());
    expect(Object.keys(serverMessageSchemas).sort()).toEqual([...serverTypes].sort());

    const live = doc.channels.live;
    expect(live.address).toBe('/v1/live');
    for (const [type, ref] of Object.entries(live.messages as Record<string, Json>)) expect(ref.$ref).toBe(`#/components/messages/${type}`);
    const actions = new Map<string, string>();
    for (const op of Object.values(doc.operations as Record<string, Json>)) {
      expect(op.channel.$ref).toBe('#/channels/live');
      for (const m of op.messages) {
        const type = String(m.$ref).replace('#/channels/live/messages/', '');
        expect(live.messages[type], m.$ref).toBeDefined();
        actions.set(type, op.action);
      }
    }
    for (const type of clientTypes) expect(actions.get(type), type).toBe('receive');
    for (const type of serverTypes) expect(actions.get(type), type).toBe('send');
    expect(doc.components.messages.error.payload.properties.code.enum).toEqual([...ERROR_CODES]);
    for (const code of ERROR_CODES) expect(doc.components.messages.error.payload.properties.code.description, code).toContain(`\`${code}\` `);
    const update = doc.components.messages.update.payload;
    expect(update.required).toEqual(expect.arrayContaining(['position', 'eventPosition']));
    expect(update.properties.eventPosition.description).toMatch(/event-store position/i);
    expect(doc.components.messages.auth.summary).toMatch(/fresh token/);
    // $refs into components resolve
    for (const ref of JSON.stringify(doc).match(/#\/components\/schemas\/\w+/g) ?? []) expect(doc.components.schemas[ref.split('/').at(-1)!], ref).toBeDefined();
  });

  it("matches what protocol.ts's serverMessage writes", () => {
    expectDocumented(JSON.parse(serverMessage.subscribed('user:me', 12n)));
    expectDocumented(JSON.parse(serverMessage.resync('user:me')));
    expectDocumented(JSON.parse(serverMessage.error('forbidden', 'no', 'user:me')));
    expectDocumented(JSON.parse(serverMessage.error('bad-message', 'no')));
    expectDocumented(JSON.parse(serverMessage.error('too-many-connections', 'no')));
    expectDocumented(JSON.parse(serverMessage.error('rate-limited', 'no')));
    expectDocumented(JSON.parse(serverMessage.pong()));
  });

  it('documents what a real server sends on event and user channels', async () => {
    const organizerId = randomUUID();
    const fanId = randomUUID();
    const organizer = client(app.url, await app.tokenFor(organizerId));
    const fan = client(app.url, await app.tokenFor(fanId));
    const start = new Date(Date.now() + 30 * 86_400_000);
    const { body: event } = await organizer.post('/v1/events', {
      title: 'Live',
      startsAt: start.toISOString(),
      endsAt: new Date(start.getTime() + 3_600_000).toISOString(),
      timezone: 'Europe/Paris',
      capacity: 1,
      holdMinutes: 10,
      waitlist: { enabled: true, mode: 'offer' },
      publish: true,
    });
    // The channel probe waits at most 5 s for the read model (then `unavailable`): on a busy machine, let it catch up first.
    await eventually('the event is in the read model', async () => (await organizer.get(`/v1/events/${event.id}`, { 'X-Min-Position': event.position })).status === 200);
    const ws = `${app.url.replace('http', 'ws')}/v1/live`;
    const organizerLive = await LiveClient.connect(`${ws}?access_token=${await app.tokenFor(organizerId)}`);
    const fanLive = await LiveClient.connect(ws);
    try {
      fanLive.send({ type: 'auth', token: await app.tokenFor(fanId) }); // answered by nothing; subscribe then works
      await organizerLive.subscribe(`event:${event.id}`);
      await organizerLive.subscribe('user:me');
      await fanLive.subscribe('user:me');
      await fanLive.request({ type: 'subscribe', channel: 'nonsense' });
      await fanLive.request({ type: 'ping' });
      // re-authentication on an open socket: no answer, the socket stays usable
      organizerLive.send({ type: 'auth', token: await app.tokenFor(organizerId) });
      await organizerLive.request({ type: 'ping' });

      const held = await organizer.post(`/v1/events/${event.id}/reservations`, { quantity: 1 });
      expect(held.status).toBe(201);
      expect((await fan.post(`/v1/events/${event.id}/waitlist`, { quantity: 1 })).status).toBe(201);
      expect((await organizer.delete(`/v1/events/${event.id}/reservations/${held.body.id}`)).status).toBe(200);

      const kinds = (c: LiveClient) => c.updates().map((m) => (m.data as { type: string }).type);
      await organizerLive.waitFor(() => kinds(organizerLive).includes('event') && kinds(organizerLive).includes('reservation'), 'event and reservation updates');
      await fanLive.waitFor(() => kinds(fanLive).includes('waitlist') && kinds(fanLive).includes('notification'), 'waitlist and notification updates');
      const all = [...organizerLive.messages, ...fanLive.messages] as Json[];
      expect(new Set(all.map((m) => m.type))).toEqual(new Set(['subscribed', 'update', 'error', 'pong']));
      for (const message of all) expectDocumented(message);
    } finally {
      await organizerLive.close();
      await fanLive.close();
    }
  });
});
