/**
 * Read-model check of `tessera verify`: replays the store into a scratch schema with
 * the projection's own setup/apply and compares every table with the live schema.
 *
 * Everything runs in one REPEATABLE READ transaction that is rolled back at the end:
 * its first statement reads the checkpoint, so the live tables it reads are exactly
 * those of that checkpoint (checkpoint and rows are written in one transaction by the
 * runner), while the live runner keeps going undisturbed; the replay goes into the
 * scratch schema up to the same position inside the transaction, and the rollback
 * leaves nothing behind. Rows are matched by primary key and compared in SQL; only
 * differences travel to the CLI, as text (bigint and timestamps stay exact).
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { EventStore } from '../eventstore/eventStore.js';
import { projectionSchema, type Projection } from '../projections/projection.js';
import { CliError } from './output.js';

const PAGE = 1000;

/**
 * Columns whose live value may legitimately differ from a replay, per `<projection>.<table>`.
 * Empty today: every column of the current read models (updated_at and created_at
 * included) is derived from event data and recordedAt, so a replay must reproduce it.
 */
const VOLATILE_COLUMNS: Record<string, readonly string[]> = {};

export interface TableSummary {
  table: string;
  liveRows: string;
  replayRows: string;
  differences: number;
}

export interface ReadModelReport {
  projection: string;
  schema: string;
  checkpoint: string | null;
  replayedEvents: number;
  tables: TableSummary[];
  differences: string[];
  notes: string[];
}

const qi = (name: string) => `"${name.replace(/"/g, '""')}"`;

interface Column {
  name: string;
  type: string;
}

export async function compareReadModel(
  knex: Knex,
  store: EventStore,
  projection: Projection,
  opts: { maxRowsPerTable: number },
): Promise<ReadModelReport> {
  const live = projectionSchema(projection.name);
  const report: ReadModelReport = { projection: projection.name, schema: live, checkpoint: null, replayedEvents: 0, tables: [], differences: [], notes: [] };
  const trx = await knex.transaction({ isolationLevel: 'repeatable read' });
  try {
    // First statement: fixes the snapshot the live tables are read in.
    const checkpoint = await trx('projection_checkpoints').where({ name: projection.name }).first<{ version: number; position: string } | undefined>();
    if (!checkpoint) {
      report.notes.push('not started yet (no checkpoint): nothing to compare');
      return report;
    }
    report.checkpoint = checkpoint.position;
    if (checkpoint.version !== projection.version) {
      report.differences.push(`the live read model was built by version ${checkpoint.version}, the code is version ${projection.version} (the projector rebuilds it when it starts)`);
    }
    const { rows: oids } = await trx.raw<{ rows: Array<{ oid: string }> }>('SELECT oid::text AS oid FROM pg_namespace WHERE nspname = ?', [live]);
    const liveOid = oids[0]?.oid;
    if (liveOid === undefined) {
      report.differences.push(`schema ${live} is missing although the checkpoint is at ${checkpoint.position}`);
      return report;
    }

    const scratch = `${live}__verify_${randomBytes(4).toString('hex')}`;
    await trx.raw(`CREATE SCHEMA ${qi(scratch)}`);
    await projection.setup(trx, scratch);
    const replayed = await replay(trx, store, projection, scratch, BigInt(checkpoint.position), report);
    if (!replayed) return report;

    await compareSchemas(trx, projection, live, scratch, opts.maxRowsPerTable, report);

    const { rows: renamed } = await trx.raw<{ rows: Array<{ nspname: string }> }>('SELECT nspname FROM pg_namespace WHERE oid = ?::oid', [liveOid]);
    if (renamed[0]?.nspname !== live) {
      throw new CliError(`a rebuild of ${projection.name} swapped its schema while verify was comparing it; run verify again`);
    }
    return report;
  } finally {
    await trx.rollback();
  }
}

/** Applies every event up to `upTo` to the scratch schema. False when the replay itself failed. */
async function replay(trx: Knex.Transaction, store: EventStore, projection: Projection, scratch: string, upTo: bigint, report: ReadModelReport): Promise<boolean> {
  const types = new Set(projection.eventTypes);
  let after: bigint | undefined;
  let reached = upTo < 0n;
  while (!reached) {
    const page = await store.readAll(after === undefined ? { maxCount: PAGE } : { afterPosition: after, maxCount: PAGE });
    // one page = one batch, as the runtime would apply it
    const ctx = { trx, schema: scratch, publish: () => undefined, batch: new Map<string, unknown>() };
    for (const event of page) {
      if (event.position > upTo) {
        reached = true;
        break;
      }
      after = event.position;
      report.replayedEvents++;
      if (!types.has(event.type)) continue;
      try {
        await projection.apply(event, ctx);
      } catch (error) {
        report.differences.push(
          `replaying ${event.type} at position ${event.position} (${event.streamName}#${event.revision}) into a scratch schema failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        return false;
      }
    }
    await projection.afterBatch?.(ctx);
    if (after === upTo) reached = true;
    if (!reached && page.length < PAGE) {
      report.differences.push(`the checkpoint is at position ${upTo}, but the event store ends at ${after ?? 'nothing'}`);
      return false;
    }
  }
  return true;
}

async function tablesOf(trx: Knex.Transaction, schema: string): Promise<string[]> {
  const { rows } = await trx.raw<{ rows: Array<{ table_name: string }> }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE' ORDER BY table_name`,
    [schema],
  );
  return rows.map((r) => r.table_name);
}

async function columnsOf(trx: Knex.Transaction, schema: string, table: string): Promise<Column[]> {
  const { rows } = await trx.raw<{ rows: Array<{ column_name: string; data_type: string }> }>(
    'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position',
    [schema, table],
  );
  return rows.map((r) => ({ name: r.column_name, type: r.data_type }));
}

async function primaryKeyOf(trx: Knex.Transaction, schema: string, table: string): Promise<string[]> {
  const { rows } = await trx.raw<{ rows: Array<{ attname: string }> }>(
    `SELECT a.attname
       FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = (quote_ident(?) || '.' || quote_ident(?))::regclass AND i.indisprimary
      ORDER BY array_position(i.indkey::int2[], a.attnum)`,
    [schema, table],
  );
  return rows.map((r) => r.attname);
}

async function compareSchemas(trx: Knex.Transaction, projection: Projection, live: string, scratch: string, maxRows: number, report: ReadModelReport): Promise<void> {
  const liveTables = await tablesOf(trx, live);
  const replayTables = await tablesOf(trx, scratch);
  for (const table of liveTables.filter((t) => !replayTables.includes(t))) report.differences.push(`${live}.${table}: table exists live but a replay does not create it`);
  for (const table of replayTables) {
    if (!liveTables.includes(table)) {
      report.differences.push(`${live}.${table}: table is missing from the live read model`);
      continue;
    }
    const liveColumns = await columnsOf(trx, live, table);
    const replayColumns = await columnsOf(trx, scratch, table);
    for (const c of replayColumns) {
      const match = liveColumns.find((l) => l.name === c.name);
      if (!match) report.differences.push(`${live}.${table}: column ${c.name} is missing from the live table`);
      else if (match.type !== c.type) report.differences.push(`${live}.${table}: column ${c.name} is ${match.type} live but ${c.type} in a replay`);
    }
    for (const c of liveColumns) if (!replayColumns.some((r) => r.name === c.name)) report.differences.push(`${live}.${table}: column ${c.name} exists live but not in a replay`);
    const ignored = new Set(VOLATILE_COLUMNS[`${projection.name}.${table}`] ?? []);
    const columns = replayColumns.filter((c) => !ignored.has(c.name) && liveColumns.some((l) => l.name === c.name && l.type === c.type));
    const key = (await primaryKeyOf(trx, scratch, table)).filter((k) => columns.some((c) => c.name === k));
    report.tables.push(await compareTable(trx, live, scratch, table, columns, key, maxRows, report));
  }
}

/** A jsonb object of the columns as text (exact: no bigint or timestamp goes through a JS number). */
function asText(alias: string, columns: Column[]): string {
  const chunks: string[] = [];
  for (let i = 0; i < columns.length; i += 40) {
    const pairs = columns.slice(i, i + 40).map((c) => `'${c.name.replace(/'/g, "''")}', ${alias}.${qi(c.name)}::text`);
    chunks.push(`jsonb_build_object(${pairs.join(', ')})`);
  }
  return chunks.length ? chunks.join(' || ') : `'{}'::jsonb`;
}

/** json has no equality operator: compare it as jsonb. */
const comparable = (alias: string, c: Column) => (c.type === 'json' ? `${alias}.${qi(c.name)}::jsonb` : `${alias}.${qi(c.name)}`);

async function compareTable(
  trx: Knex.Transaction,
  live: string,
  scratch: string,
  table: string,
  columns: Column[],
  key: string[],
  maxRows: number,
  report: ReadModelReport,
): Promise<TableSummary> {
  const name = `${live}.${table}`;
  const liveTable = `${qi(live)}.${qi(table)}`;
  const replayTable = `${qi(scratch)}.${qi(table)}`;
  const { rows: countRows } = await trx.raw<{ rows: Array<{ live: string; replay: string }> }>(
    `SELECT (SELECT count(*) FROM ${liveTable})::text AS live, (SELECT count(*) FROM ${replayTable})::text AS replay`,
  );
  const summary: TableSummary = { table, liveRows: countRows[0]!.live, replayRows: countRows[0]!.replay, differences: 0 };
  const keyOf = (row: Record<string, string | null>) => key.map((k) => `${k}=${row[k]}`).join(' ');

  if (key.length > 0) {
    const values = columns.filter((c) => !key.includes(c.name));
    const differs = values.length ? `(${values.map((c) => comparable('l', c)).join(', ')}) IS DISTINCT FROM (${values.map((c) => comparable('s', c)).join(', ')})` : 'false';
    const { rows } = await trx.raw<{ rows: Array<{ live: Record<string, string | null> | null; replay: Record<string, string | null> | null; total: string }> }>(
      `SELECT CASE WHEN l.${qi(key[0]!)} IS NULL THEN NULL ELSE ${asText('l', columns)} END AS live,
              CASE WHEN s.${qi(key[0]!)} IS NULL THEN NULL ELSE ${asText('s', columns)} END AS replay,
              count(*) OVER ()::text AS total
         FROM ${liveTable} l FULL OUTER JOIN ${replayTable} s ON ${key.map((k) => `l.${qi(k)} = s.${qi(k)}`).join(' AND ')}
        WHERE l.${qi(key[0]!)} IS NULL OR s.${qi(key[0]!)} IS NULL OR ${differs}
        ORDER BY ${key.map((k) => `coalesce(l.${qi(k)}, s.${qi(k)})`).join(', ')}
        LIMIT ${maxRows}`,
    );
    const total = Number(rows[0]?.total ?? 0);
    summary.differences = total;
    for (const row of rows) {
      if (!row.live) report.differences.push(`${name} ${keyOf(row.replay!)}: row missing from the live read model (a replay produces it)`);
      else if (!row.replay) report.differences.push(`${name} ${keyOf(row.live)}: row in the live read model that a replay does not produce`);
      else {
        const changed = values.filter((c) => row.live![c.name] !== row.replay![c.name]).map((c) => `${c.name}: live ${show(row.live![c.name])}, replay ${show(row.replay![c.name])}`);
        report.differences.push(`${name} ${keyOf(row.live)}: ${changed.join('; ') || 'values differ'}`);
      }
    }
    if (total > rows.length) report.differences.push(`${name}: … and ${total - rows.length} more differing row(s)`);
    return summary;
  }

  // No primary key: compare the tables as multisets of rows.
  const select = (alias: string, from: string) => `SELECT ${columns.map((c) => comparable(alias, c)).join(', ')} FROM ${from} ${alias}`;
  const { rows } = await trx.raw<{ rows: Array<{ side: string; row: Record<string, string | null>; total: string }> }>(
    `WITH only_live AS (${select('l', liveTable)} EXCEPT ALL ${select('s', replayTable)}),
          only_replay AS (${select('s', replayTable)} EXCEPT ALL ${select('l', liveTable)}),
          both_sides AS (SELECT 'live' AS side, to_jsonb(x) AS row FROM only_live x UNION ALL SELECT 'replay', to_jsonb(y) FROM only_replay y)
     SELECT side, row, count(*) OVER ()::text AS total FROM both_sides LIMIT ${maxRows}`,
  );
  summary.differences = Number(rows[0]?.total ?? 0);
  for (const r of rows) {
    report.differences.push(`${name}: ${r.side === 'live' ? 'row in the live read model that a replay does not produce' : 'row missing from the live read model'}: ${JSON.stringify(r.row)}`);
  }
  if (summary.differences > rows.length) report.differences.push(`${name}: … and ${summary.differences - rows.length} more differing row(s)`);
  return summary;
}

const show = (value: string | null | undefined) => (value === null || value === undefined ? 'null' : value.length > 80 ? `${value.slice(0, 79)}…` : value);
