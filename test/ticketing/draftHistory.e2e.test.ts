/**
 * Issue 8 item 10: a draft's past stays with its team. After a draft is edited and
 * then published, users outside the team (organizer, co-organizers, viewers, admins)
 * find no revision before publication (404), cannot read the history, and a live
 * replay (`since`) gives them nothing from draft time. The team keeps all of it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Clients, type ServerMessage } from '../live/support.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';
import { register } from '../identity/helpers.js';

let app: TestApp;
const clients = new Clients();
beforeAll(async () => {
  app = await startTestApp();
});
afterEach(async () => {
  await clients.closeAll();
});
afterAll(async () => {
  await app?.stop();
});

const wsUrl = (token: string) => `${app.url.replace('http', 'ws')}/v1/live?access_token=${token}`;
const SECRET = 'Draft only: the headliner cancelled, keep this quiet';
const eventOf = (m: ServerMessage) => (m.data as { event?: { description: string; status: string } }).event;

/** A draft whose description is edited (revision 1), then published (revision 2). */
async function editedThenPublished(organizer: ReturnType<typeof client>) {
  const created = await organizer.post('/v1/events', draftBody());
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  expect((await organizer.patch(`/v1/events/${id}`, { description: SECRET })).status).toBe(200);
  const published = await organizer.post(`/v1/events/${id}/publish`);
  expect(published.status).toBe(200);
  expect(published.body.revision).toBe('2');
  // the public description replaces the secret one after publication
  expect((await organizer.patch(`/v1/events/${id}`, { description: 'Public programme' })).status).toBe(200);
  return { id };
}

async function people() {
  const organizerId = randomUUID();
  // a registered user: only users who exist can become collaborators
  const viewer = await register(app.url);
  const viewerId = viewer.id;
  const organizer = client(app.url, await app.tokenFor(organizerId));
  const viewerToken = viewer.accessToken;
  const outsiderToken = await app.tokenFor(randomUUID());
  const adminToken = await app.tokenFor(randomUUID(), ['admin']);
  return { organizer, organizerToken: await app.tokenFor(organizerId), viewerId, viewerToken, outsiderToken, adminToken };
}

describe('a published draft keeps its draft-time past from users outside its team', () => {
  it('asOfRevision before the publishing revision is 404 for outsiders, and readable by the team', async () => {
    const p = await people();
    const { id } = await editedThenPublished(p.organizer);
    const outsider = client(app.url, p.outsiderToken);

    for (const revision of [0, 1]) {
      const res = await outsider.get(`/v1/events/${id}?asOfRevision=${revision}`);
      expect(res.status, `revision ${revision}`).toBe(404);
      expect(res.body.code).toBe('revision-not-found');
      expect(JSON.stringify(res.body)).not.toContain(SECRET);
    }
    // from the publishing revision on, history is public like the event
    const atPublication = await outsider.get(`/v1/events/${id}?asOfRevision=2`);
    expect(atPublication.status).toBe(200);
    expect(atPublication.body).toMatchObject({ status: 'published', revision: '2' });
    expect((await outsider.get(`/v1/events/${id}?asOfRevision=3`)).body.description).toBe('Public programme');

    // the team: organizer, a viewer added later, an admin
    expect((await p.organizer.post(`/v1/events/${id}/collaborators`, { userId: p.viewerId, role: 'viewer' })).status).toBe(201);
    for (const token of [p.organizerToken, p.viewerToken, p.adminToken]) {
      const res = await client(app.url, token).get(`/v1/events/${id}?asOfRevision=1`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'draft', description: SECRET, revision: '1' });
    }
  });

  it('the history is not open to outsiders; the team reads it from the draft on', async () => {
    const p = await people();
    const { id } = await editedThenPublished(p.organizer);
    const outsider = await client(app.url, p.outsiderToken).get(`/v1/events/${id}/history`);
    expect(outsider.status).toBe(403);
    expect(JSON.stringify(outsider.body)).not.toContain(SECRET);
    const team = await p.organizer.get(`/v1/events/${id}/history`);
    expect(team.status).toBe(200);
    expect(team.body.items.map((e: { type: string }) => e.type).slice(0, 3)).toEqual([
      'TicketedEventScheduled',
      'TicketedEventDetailsChanged',
      'TicketedEventPublished',
    ]);
  });

  it('a live replay from since 0 starts after publication for outsiders, and has everything for the team', async () => {
    const p = await people();
    // the organizer follows the draft live, so its draft-time updates are in the changefeed
    const live = await clients.connect(wsUrl(p.organizerToken));
    const channel = `event:${(await p.organizer.post('/v1/events', draftBody())).body.id}`;
    const id = channel.slice('event:'.length);
    expect((await live.subscribe(channel)).type).toBe('subscribed');
    expect((await p.organizer.patch(`/v1/events/${id}`, { description: SECRET })).status).toBe(200);
    await live.waitFor((m) => m.type === 'update' && eventOf(m)?.description === SECRET, 'the draft-time update');
    // the secret text is replaced before publication: it only ever existed in draft time
    expect((await p.organizer.patch(`/v1/events/${id}`, { description: 'Public programme' })).status).toBe(200);
    expect((await p.organizer.post(`/v1/events/${id}/publish`)).status).toBe(200);
    await live.waitFor((m) => m.type === 'update' && eventOf(m)?.status === 'published', 'the published update');

    const outsider = await clients.connect(wsUrl(p.outsiderToken));
    expect((await outsider.subscribe(channel, 0n)).type).toBe('subscribed');
    const replayed = outsider.updates(channel).map(eventOf);
    expect(replayed.length).toBeGreaterThan(0);
    expect(replayed.map((e) => e?.status)).not.toContain('draft');
    expect(JSON.stringify(outsider.messages)).not.toContain(SECRET);
    expect(replayed.at(-1)?.description).toBe('Public programme');

    for (const token of [p.organizerToken, p.adminToken]) {
      const team = await clients.connect(wsUrl(token));
      expect((await team.subscribe(channel, 0n)).type).toBe('subscribed');
      expect(team.updates(channel).map(eventOf).map((e) => e?.description)).toContain(SECRET);
    }
  });
});

function draftBody() {
  const start = new Date(Date.now() + 20 * 86_400_000);
  return {
    title: 'Secret line-up',
    description: 'first draft',
    startsAt: start.toISOString(),
    endsAt: new Date(start.getTime() + 3_600_000).toISOString(),
    timezone: 'Europe/Berlin',
    capacity: 10,
  };
}
