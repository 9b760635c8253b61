import { describe, expect, it } from 'vitest';
import { feedChannel, parseChannel, parseClientMessage, serverMessage } from './protocol.js';

const ID = '0b7f3c2e-5d1a-4c7e-9f00-123456789abc';
const principal = { userId: 'a1b2c3d4-0000-4000-8000-000000000001', roles: [] };

describe('live protocol', () => {
  it('parses the four client messages; since is a decimal string (or a safe integer) and becomes a bigint', () => {
    expect(parseClientMessage('{"type":"ping"}')).toEqual({ ok: true, message: { type: 'ping' } });
    expect(parseClientMessage('{"type":"auth","token":"t"}')).toEqual({ ok: true, message: { type: 'auth', token: 't' } });
    expect(parseClientMessage(`{"type":"subscribe","channel":"event:${ID}","since":"9223372036854775807"}`)).toEqual({
      ok: true,
      message: { type: 'subscribe', channel: `event:${ID}`, since: 9223372036854775807n },
    });
    expect(parseClientMessage('{"type":"subscribe","channel":"user:me","since":42}')).toMatchObject({ ok: true, message: { since: 42n } });
    expect(parseClientMessage('{"type":"subscribe","channel":"user:me","since":null}')).toMatchObject({ ok: true, message: { since: null } });
    expect(parseClientMessage('{"type":"unsubscribe","channel":"user:me"}')).toMatchObject({ ok: true });
  });

  it.each([
    ['not json', 'JSON'],
    ['[]', 'type'],
    ['null', 'type'],
    ['{"type":"dance"}', 'type'],
    ['{"type":"subscribe"}', 'channel'],
    ['{"type":"subscribe","channel":"user:me","since":"-1"}', 'since'],
    ['{"type":"subscribe","channel":"user:me","since":"9223372036854775808"}', 'since'],
    ['{"type":"subscribe","channel":"user:me","since":1.5}', 'since'],
    ['{"type":"auth","token":""}', 'token'],
  ])('rejects %s', (text, mentions) => {
    const result = parseClientMessage(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(mentions);
  });

  it('validates channel names and maps user:me to the principal feed', () => {
    expect(parseChannel(`event:${ID}`)).toEqual({ key: `event:${ID}` });
    expect(parseChannel(`meeting:${ID.toUpperCase()}`)).toEqual({ key: `meeting:${ID}` });
    expect(parseChannel('user:me')).toEqual({ key: 'user:me' });
    expect(parseChannel('counter:counter-1')).toEqual({ key: 'counter:counter-1' }); // left to the hook
    for (const bad of ['event:nope', `user:${ID}`, 'meeting:', 'nothing', ':x', 'a b:c', `event:${ID} `, 'x'.repeat(300)]) {
      expect(parseChannel(bad), bad).toBeUndefined();
    }
    expect(feedChannel({ key: 'user:me' }, principal)).toBe(`user:${principal.userId}`);
    expect(feedChannel({ key: `event:${ID}` }, principal)).toBe(`event:${ID}`);
  });

  it('writes positions as strings', () => {
    expect(JSON.parse(serverMessage.update('user:me', 12345678901234567n, 9223372036854775807n, { a: 1 }))).toEqual({
      type: 'update',
      channel: 'user:me',
      position: '12345678901234567',
      eventPosition: '9223372036854775807',
      data: { a: 1 },
    });
    expect(JSON.parse(serverMessage.subscribed('user:me', 0n))).toEqual({ type: 'subscribed', channel: 'user:me', position: '0' });
    expect(JSON.parse(serverMessage.error('forbidden', 'no', 'event:x'))).toEqual({ type: 'error', code: 'forbidden', message: 'no', channel: 'event:x' });
  });
});
