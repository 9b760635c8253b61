/**
 * Child process for `--server=child`: starts Tessera from its environment as `npm start`
 * does (the projector in a worker thread of this process, per PROJECTOR_THREAD; the
 * thread's SQL is not among the counted queries), reports the
 * bound port over IPC (like test/support/serverProcess.ts), and on request counts its
 * event-store calls, so the HTTP bench can show the round trips per request either way.
 *
 * IPC in:  {type: 'count-start'} | {type: 'count-stop'}
 * IPC out: {port} once listening; {type: 'counts', counts} after count-stop.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { startTessera } from '../src/main.js';
import { countStoreCalls, type StoreCallCounter } from './storeCalls.js';

const config = loadConfig(process.env);
const tessera = await startTessera(config, undefined, { projectorThread: config.projectorThread });
let counter: StoreCallCounter | undefined;
// BENCH_LOAD_PROF_DIR=<dir>: a V8 CPU profile of this thread over each counted phase (the load, without start-up and seeding).
const loadProfileDir = process.env.BENCH_LOAD_PROF_DIR;
const profiler = loadProfileDir ? new Session() : undefined;
profiler?.connect();
let profiles = 0;
async function profile(message: 'count-start' | 'count-stop'): Promise<void> {
  if (!profiler) return;
  if (message === 'count-start') {
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
    return;
  }
  const { profile: taken } = await profiler.post('Profiler.stop');
  writeFileSync(path.join(loadProfileDir!, `load-${process.pid}-${++profiles}.cpuprofile`), JSON.stringify(taken));
}

process.on('message', (message: { type?: string }) => {
  if (message.type === 'count-start') {
    profile('count-start').catch((error: unknown) => console.error('load profile:', error));
    counter?.stop();
    counter = countStoreCalls(tessera.store);
  } else if (message.type === 'count-stop') {
    profile('count-stop').catch((error: unknown) => console.error('load profile:', error));
    counter?.stop();
    process.send?.({ type: 'counts', counts: counter?.counts ?? { reads: 0, eventsRead: 0, appends: 0, readMs: 0, appendMs: 0, sqlQueries: 0 } });
    counter = undefined;
  }
});
process.send?.({ port: tessera.port });
process.on('SIGTERM', () => {
  void tessera.stop().then(() => process.exit(0));
});
