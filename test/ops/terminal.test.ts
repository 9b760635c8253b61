/**
 * What a person at a terminal sees: readable log lines and the addresses to open; JSON
 * lines when stdout is a pipe or a file (log collectors). Progress lines: done / total,
 * rate and ETA, drawn in place, and only on a TTY.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Progress } from '../../src/cli/output.js';
import { addresses, createLogger } from '../../src/main.js';

function stream(isTTY: boolean): { out: PassThrough & { isTTY?: boolean }; text: () => string } {
  const out: PassThrough & { isTTY?: boolean } = new PassThrough();
  out.isTTY = isTTY;
  let text = '';
  out.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  return { out, text: () => text };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('the logger factory', () => {
  it('writes readable lines to a terminal', async () => {
    const { out, text } = stream(true);
    const logger = createLogger({ logLevel: 'info' }, out);
    logger.info({ port: 3000, url: 'http://localhost:3000' }, 'Tessera API listening on http://localhost:3000');
    logger.info({ req: { method: 'GET', url: '/v1/events/x', headers: {} }, res: { statusCode: 404 }, responseTime: 3 }, 'request completed');
    await flush();
    const plain = text().replace(new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g'), ''); // without its colours
    expect(plain).toMatch(
      /^\[\d\d:\d\d:\d\d\] INFO: Tessera API listening on http:\/\/localhost:3000\n {4}port: 3000\n\[\d\d:\d\d:\d\d\] INFO: GET \/v1\/events\/x 404 request completed\n$/,
    );
  });

  it('writes one JSON object per line anywhere else', async () => {
    const { out, text } = stream(false);
    createLogger({ logLevel: 'info' }, out).info({ port: 3000 }, 'listening');
    await flush();
    expect(JSON.parse(text())).toMatchObject({ level: 30, service: 'tessera', port: 3000, msg: 'listening' });
  });

  it('names the addresses a person opens; the wildcard host is localhost', () => {
    expect(addresses('0.0.0.0', 3000)).toEqual({ url: 'http://localhost:3000', docs: 'http://localhost:3000/docs', live: 'ws://localhost:3000/v1/live' });
    expect(addresses('::', 8080).url).toBe('http://localhost:8080');
    expect(addresses('127.0.0.1', 3000).live).toBe('ws://127.0.0.1:3000/v1/live');
    expect(addresses('::1', 3000).docs).toBe('http://[::1]:3000/docs');
  });
});

describe('progress lines', () => {
  it('on a TTY: redrawn at most every interval with done/total, rate and ETA; a last line when finished', async () => {
    const { out, text } = stream(true);
    let now = 0;
    const progress = new Progress(out, 'export', 100, () => now, 500);
    now = 100;
    progress.advance(10); // too soon: not drawn
    now = 2000;
    progress.advance(40); // 50 of 100 in 2 s
    now = 4000;
    progress.advance(50);
    progress.finish();
    await flush();
    expect(text()).toBe(
      '\r\x1b[Kexport: 50/100 events (50%), 25 events/s, ETA 2.0 s' +
        '\r\x1b[Kexport: 100/100 events (100%), 25 events/s, in 4.0 s' +
        '\r\x1b[Kexport: 100/100 events (100%), 25 events/s, in 4.0 s\n',
    );
  });

  it('without a total (stdin, EventStoreDB): events and rate, no ETA; long ETAs in minutes', () => {
    const { out } = stream(true);
    const open = new Progress(out, 'import', undefined, () => 0);
    open.advance(300);
    expect(open.line(3000)).toBe('import: 300 events, 100 events/s, in 3.0 s');
    const long = new Progress(out, 'verify', 100_000, () => 0);
    long.advance(1000);
    expect(long.line(10_000)).toBe('verify: 1000/100000 events (1%), 100 events/s, ETA 16 min 30 s');
  });

  it('writes nothing when the stream is not a TTY', async () => {
    const { out, text } = stream(false);
    let now = 0;
    const progress = new Progress(out, 'export', 10, () => now, 0);
    now = 1000;
    progress.advance(10);
    progress.finish();
    await flush();
    expect(text()).toBe('');
  });
});
