/**
 * `tessera export [--out file.ndjson]`: every event in position order, one JSON object
 * per line (stream, type, id, data, metadata, revision, position, recordedAt). The cut
 * is the head position when the export starts, so concurrent appends do not make it
 * ragged. With --out the file appears complete or not at all (written aside, renamed).
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import type { CliContext } from './context.js';
import { eventToJson } from './eventJson.js';
import { toJson, write } from './output.js';

const PAGE = 1000;

export async function exportEvents(ctx: CliContext, opts: { out?: string }): Promise<void> {
  const store = await ctx.store();
  const head = await store.headPosition();
  const target = opts.out ? path.resolve(opts.out) : undefined;
  const temp = target ? `${target}.${process.pid}.partial` : undefined;
  const file = temp ? createWriteStream(temp, { flags: 'wx' }) : undefined;
  const progress = ctx.out.progress('export', await ctx.eventCount(head));
  let count = 0;
  let first: bigint | undefined;
  let last: bigint | undefined;
  try {
    const emit = (line: string) => (file ? write(file, line) : ctx.out.line(line.slice(0, -1)));
    while (head >= 0n) {
      const page = await store.readAll(last === undefined ? { maxCount: PAGE } : { afterPosition: last, maxCount: PAGE });
      let done = page.length === 0;
      for (const event of page) {
        if (event.position > head) {
          done = true;
          break;
        }
        await emit(`${toJson(eventToJson(event))}\n`);
        first ??= event.position;
        last = event.position;
        count++;
        progress.advance();
      }
      if (done || page.length < PAGE) break;
    }
    progress.finish();
    if (file && temp && target) {
      file.end();
      await finished(file);
      await rename(temp, target);
    }
  } catch (error) {
    if (file && temp) {
      file.destroy();
      await rm(temp, { force: true });
    }
    throw error;
  }
  const range = first === undefined ? 'the store is empty' : `positions ${first}..${last}`;
  if (target) await ctx.out.line(`exported ${count} events (${range}) to ${target}`);
  else ctx.out.note(`exported ${count} events (${range})`);
}
