/**
 * Child process for the migration race tests: gets ready, reports 'ready' over IPC, waits
 * for 'go' (so every child starts migrating at the same moment), migrates, and reports
 * { ok: true, applied } or { ok: false, error }.
 * argv: databaseUrl mode — `library` runs migrateToLatest as a server boot does; `cli`
 * runs `tessera migrate --json` in-process, as the k8s migration Job does.
 */
import { PassThrough } from 'node:stream';
import { createKnex, migrateToLatest } from '../../src/database.js';
import { runCli } from '../../src/cli/program.js';

const [databaseUrl, mode] = process.argv.slice(2) as [string, 'library' | 'cli'];

// Library mode connects before reporting ready, so the runs overlap as closely as possible.
const knex = mode === 'library' ? createKnex(databaseUrl) : undefined;
await knex?.raw('SELECT 1');

async function viaLibrary(): Promise<string[]> {
  try {
    return await migrateToLatest(knex!);
  } finally {
    await knex!.destroy();
  }
}

async function viaCli(): Promise<string[]> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks: Buffer[] = [];
  const errors: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  stderr.on('data', (c: Buffer) => errors.push(c));
  const code = await runCli(['migrate', '--json'], { ...process.env, DATABASE_URL: databaseUrl }, { stdout, stderr, stdin: process.stdin });
  if (code !== 0) throw new Error(Buffer.concat(errors).toString().trim() || `exit ${code}`);
  return (JSON.parse(Buffer.concat(chunks).toString()) as { applied: string[] }).applied;
}

process.once('message', () => {
  (mode === 'cli' ? viaCli() : viaLibrary())
    .then((applied) => ({ ok: true as const, applied }))
    .catch((error: unknown) => ({ ok: false as const, error: error instanceof Error ? error.message : String(error) }))
    .then((result) => process.send?.(result, () => process.exit(0)));
});
process.send?.('ready');
