/**
 * The bounded contexts of the application, named once (DESIGN §2). The composition
 * root, the route table, the projection runners, the live hub and the CLI loop over
 * this list; a context is data plus factories over the shared platform parts, with
 * no module-level state. The order is the order of routes, projections and status lines.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { ApiParts } from './api/index.js';
import type { LiveChannel, RoleLoaders } from './api/access.js';
import type { RouteDefinition } from './api/routes.js';
import type { StreamModel } from './cli/streamModels.js';
import type { CommandRuntime } from './commands/runtime.js';
import type { Config } from './config.js';
import type { EventStore } from './eventstore/eventStore.js';
import { combineJobs, type ContextJobs, type JobQueue } from './jobs/jobs.js';
import type { Projection } from './projections/projection.js';
import type { LinkTokens } from './jobs/mail/linkTokens.js';
import type { MailTransport } from './jobs/mail/transport.js';
import { identityContext } from './contexts/identity.js';
import { notificationsContext } from './contexts/notifications.js';
import { schedulingContext } from './contexts/scheduling.js';
import { ticketingContext } from './contexts/ticketing.js';

/** What every context may build on; made once per process by the composition root. */
export interface PlatformParts {
  config: Config;
  logger: Logger;
  knex: Knex;
  store: EventStore;
  commands: CommandRuntime;
  jobs: JobQueue;
  clock: () => Date;
  /** E-mail: the SMTP transport (none without SMTP_URL: nothing is sent) and the signer of links in mails. */
  mail: { transport: MailTransport | undefined; links: LinkTokens };
}

export interface BoundedContext<Services = unknown> {
  readonly name: string;
  /** Its stream categories: folded by `tessera stream state`, checked (with its invariants) by `verify`. */
  streams(): StreamModel[];
  /** Its read models. */
  projections(): Projection[];
  /** Its own services (commands, …), built once per process; reached by its jobs, loaders, channels and routes. */
  services(platform: PlatformParts): Services;
  /** Checkpointed consumers that turn events into jobs. */
  reactors?(jobs: JobQueue): Projection[];
  /** Its job handlers (worker role) and the jobs the sweeper enqueues periodically; it declares their types in `JobTypes`. */
  jobs?(platform: PlatformParts, services: Services): ContextJobs;
  /** Who holds which role on its resources (src/api/access.ts). */
  roleLoaders?(services: Services): RoleLoaders;
  /** Its live channels (`kind:<id>`), authorised like the resources behind them. */
  channels?(parts: PlatformParts & { roleLoaders: RoleLoaders }, services: Services): LiveChannel[];
  routes?(parts: ApiParts, services: Services): RouteDefinition[];
}

/** Every context of the application. */
export const contexts: readonly BoundedContext<any>[] = [ticketingContext, notificationsContext, identityContext, schedulingContext];

/** One context's services, typed by its descriptor (e.g. `tessera.services(ticketingContext).commands`). */
export type ServicesOf = <S>(context: BoundedContext<S>) => S;

/** Builds each context's services once, and looks them up by descriptor. */
export function buildServices(list: readonly BoundedContext<any>[], platform: PlatformParts): ServicesOf {
  const built = new Map<BoundedContext<unknown>, unknown>(list.map((context) => [context, context.services(platform)]));
  return <S>(context: BoundedContext<S>): S => {
    if (!built.has(context)) throw new Error(`the context ${context.name} is not in this process's list of contexts`);
    return built.get(context) as S;
  };
}

/** Every context's read models, then its reactors: everything with a checkpoint. */
export function consumersOf(list: readonly BoundedContext<any>[], jobs: JobQueue): { projections: Projection[]; consumers: Projection[] } {
  const projections = list.flatMap((context) => context.projections());
  return { projections, consumers: [...projections, ...list.flatMap((context) => context.reactors?.(jobs) ?? [])] };
}

/** The jobs of every context next to the platform's own; a job name claimed twice is a programming error. */
export function jobsOf(list: readonly BoundedContext<any>[], platform: PlatformParts, services: ServicesOf, platformJobs: ContextJobs): ContextJobs {
  return combineJobs(platformJobs, ...list.flatMap((context) => context.jobs?.(platform, services(context)) ?? []));
}

/** Every context's role loaders, one per resource kind. */
export function roleLoadersOf(list: readonly BoundedContext<any>[], services: ServicesOf): RoleLoaders {
  return mergeOnce('role loader', list.map((context) => context.roleLoaders?.(services(context)) ?? {})) as RoleLoaders;
}

function mergeOnce(what: string, records: ReadonlyArray<Record<string, unknown>>): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const record of records) {
    for (const [name, value] of Object.entries(record)) {
      if (name in merged) throw new Error(`the ${what} ${name} is declared by two contexts`);
      merged[name] = value;
    }
  }
  return merged;
}
