/**
 * The `tessera` command line (DESIGN §10). Exit codes: 0 success, 1 failure (including
 * differences found by verify), 2 usage error (unknown command or option, bad argument).
 */
import { Command, CommanderError, Option } from 'commander';
import { packageVersion } from '../config.js';
import type { BoundedContext } from '../contexts.js';
import { withContext, type CliContext, type CliEnv } from './context.js';
import { exportEvents } from './export.js';
import { health } from './health.js';
import { importEvents } from './import.js';
import { jobsFailed, jobsRetry } from './jobs.js';
import { mailPreview } from './mail.js';
import { migrate } from './migrate.js';
import { bigintArgument, CliError, countArgument, isPipeClosed, listArgument, OutputClosedError, type CliIo } from './output.js';
import { projectionsRebuild, projectionsStatus } from './projections.js';
import { parseRoles, serve } from './serve.js';
import { streamRead, streamState } from './stream.js';
import { tail } from './tail.js';
import { usersChangeAdmin } from './users.js';
import { verify } from './verify.js';

export function buildProgram(env: CliEnv, io: CliIo, setExitCode: (code: number) => void, contexts?: readonly BoundedContext<any>[]): Command {
  /** Runs a command with its own dependencies, closed afterwards. */
  const run =
    <A extends unknown[]>(action: (ctx: CliContext, ...args: A) => Promise<void | boolean>) =>
    async (...args: A) => {
      const ctxEnv = program.opts<{ verbose?: boolean }>().verbose ? { ...env, LOG_LEVEL: env.LOG_LEVEL === 'trace' ? 'trace' : 'debug' } : env;
      const ok = await withContext(ctxEnv, io, (ctx) => action(ctx, ...args), contexts);
      if (ok === false) setExitCode(1);
    };

  const program = new Command('tessera')
    .description('Tessera operations: serve, migrate, audit and replay history, rebuild and verify read models, move history between stores.')
    .version(packageVersion())
    .option('--verbose', 'debug logs and error stacks on stderr')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(run `tessera --help` for usage)')
    .showSuggestionAfterError(true)
    .addHelpText('after', '\nConfiguration comes from the environment, as for the server: DATABASE_URL (unset: embedded PostgreSQL), EVENT_STORE, ESDB_URL, REDIS_URL, LOG_LEVEL, …');

  program
    .command('serve')
    .description('run the server (same as npm start)')
    .addOption(new Option('--roles <roles>', 'comma-separated roles: api,projector,worker (overrides PROCESS_ROLES)').argParser(parseRoles))
    .action((opts: { roles?: ReturnType<typeof parseRoles> }) => serve(env, opts));

  program
    .command('migrate')
    .description('apply pending database migrations')
    .option('--json', 'machine-readable output')
    .action(run((ctx, opts: { json?: boolean }) => migrate(ctx, opts)));

  const stream = program.command('stream').description('read one stream, or fold it into its state');
  stream
    .command('read')
    .description('print the events of a stream in revision order')
    .argument('<stream>', 'stream name, e.g. ticketedEvent-<id>')
    .option('--from <revision>', 'first revision (inclusive)', bigintArgument('--from'))
    .option('--limit <n>', 'at most n events', countArgument('--limit'))
    .option('--json', 'a JSON array of events')
    .action(run((ctx, name: string, opts: { from?: bigint; limit?: number; json?: boolean }) => streamRead(ctx, name, opts)));
  stream
    .command('state')
    .description("fold a stream through its category's decider")
    .argument('<stream>', 'stream name, e.g. ticketedEvent-<id>')
    .option('--at <revision>', 'fold up to and including this revision', bigintArgument('--at'))
    .option('--json', 'machine-readable output')
    .action(run((ctx, name: string, opts: { at?: bigint; json?: boolean }) => streamState(ctx, name, opts)));

  program
    .command('tail')
    .description('follow all streams, one line per event, until Ctrl-C')
    .option('--type <EventType>', 'only these event types (repeatable, comma-separated)', listArgument)
    .option('--from <position>', 'start at this global position (inclusive); default: new events only', bigintArgument('--from'))
    .option('--limit <n>', 'stop after n events', countArgument('--limit'))
    .option('--json', 'one JSON object per line')
    .action(run((ctx, opts: { type?: string[]; from?: bigint; limit?: number; json?: boolean }) => tail(ctx, opts)));

  const projections = program.command('projections').description('read-model projections');
  projections
    .command('status')
    .description('position, lag and state of every projection')
    .option('--json', 'machine-readable output')
    .action(run((ctx, opts: { json?: boolean }) => projectionsStatus(ctx, opts)));
  projections
    .command('rebuild')
    .description('replay from position 0 into a shadow schema and swap it in (the API keeps serving the old one meanwhile)')
    .argument('[name]', 'projection name')
    .option('--all', 'rebuild every projection')
    .option('--json', 'machine-readable output')
    .action(run((ctx, name: string | undefined, opts: { all?: boolean; json?: boolean }) => projectionsRebuild(ctx, name, opts)));

  program
    .command('verify')
    .description('replay every stream through its decider checking invariants at every revision, and compare each read model with a fresh replay; exit 1 on any difference')
    .option('--max-differences <n>', 'report at most n problems per stream and per table', countArgument('--max-differences'), 20)
    .option('--json', 'machine-readable report')
    .action(run((ctx, opts: { maxDifferences: number; json?: boolean }) => verify(ctx, opts)));

  program
    .command('export')
    .description('write every event in position order as NDJSON (stdout by default)')
    .option('--out <file>', 'write to this file instead (created complete or not at all)')
    .action(run((ctx, opts: { out?: string }) => exportEvents(ctx, opts)));

  program
    .command('import')
    .description('append the events of an export (idempotent: importing twice changes nothing)')
    .argument('[file]', 'NDJSON file from `tessera export`; `-` or a pipe for stdin')
    .option('--json', 'machine-readable counts')
    .action(run((ctx, file: string | undefined, opts: { json?: boolean }) => importEvents(ctx, file, opts)));

  const users = program.command('users').description('accounts: the global admin role, whoever registered first');
  for (const action of ['grant', 'revoke'] as const) {
    users
      .command(`${action}-admin`)
      .description(`${action} the admin role (audited on the user's stream with actor operator:<os user>)`)
      .argument('<email>', "the account's e-mail address")
      .option('--reason <text>', 'why (recorded with a grant)')
      .option('--json', 'machine-readable output')
      .action(run((ctx, email: string, opts: { reason?: string; json?: boolean }) => usersChangeAdmin(ctx, action, email, opts)));
  }

  program
    .command('health')
    .description("ask this machine's server whether it is alive (or --ready); exit 0 on 200, else 1 (the container HEALTHCHECK of every role)")
    .option('--ready', 'check /health/ready instead of /health/live')
    .option('--url <url>', 'server to ask (default: http://127.0.0.1:<PORT with the api role, else HEALTH_PORT>)')
    .action(run((ctx, opts: { ready?: boolean; url?: string }) => health(ctx, opts)));

  const jobs = program.command('jobs').description('background jobs (BullMQ; needs REDIS_URL)');
  jobs
    .command('failed')
    .description('jobs that exhausted their retries (the dead-letter view)')
    .option('--limit <n>', 'at most n jobs', countArgument('--limit'))
    .option('--json', 'machine-readable output')
    .action(run((ctx, opts: { limit?: number; json?: boolean }) => jobsFailed(ctx, opts)));
  jobs
    .command('retry')
    .description('re-queue every failed job')
    .option('--json', 'machine-readable output')
    .action(run((ctx, opts: { json?: boolean }) => jobsRetry(ctx, opts)));

  const mail = program.command('mail').description('e-mail templates (sent only when SMTP_URL is set)');
  mail
    .command('preview')
    .description('render a mail template with sample data: subject and text by default, or one part with --format')
    .argument('<kind>', 'the notification kind, e.g. reservation-confirmed')
    .addOption(new Option('--format <format>', 'only the html or the text part').choices(['html', 'text']))
    .option('--out <file>', 'write to this file instead of stdout')
    .action((kind: string, opts: { out?: string; format?: 'html' | 'text' }) => mailPreview(env, io, kind, opts));

  return program;
}

/** Runs the CLI; resolves to the exit code (the caller sets it; nothing calls process.exit). */
/** `contexts` (default: the application's, src/contexts.ts) lets a test add a throwaway context. */
export async function runCli(argv: string[], env: CliEnv, io: CliIo, contexts?: readonly BoundedContext<any>[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(env, io, (code) => {
    exitCode = code;
  }, contexts);
  const verbose = () => program.opts<{ verbose?: boolean }>().verbose === true || env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace';
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    // Commander has already printed its message (and the usage hint).
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof OutputClosedError || isPipeClosed(error)) return 0;
    if (error instanceof CliError) {
      io.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`error: ${message}\n`);
    if (verbose()) io.stderr.write(`${error instanceof Error ? error.stack : ''}\n`);
    return 1;
  }
}
