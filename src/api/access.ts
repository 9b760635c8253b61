/**
 * Per-resource authorisation: the ONE place where the role model and the rule
 * "who may do what to a resource" live, for REST routes and live channels alike.
 *
 * Role model:
 * - global: `admin` (in the access token); admins pass every resource rule unless a
 *   rule opts out (`adminOverride: false`).
 * - ticketed events: `organizer`, `co-organizer`, `viewer` (analytics/history only).
 * - meetings: `organizer`, `participant`.
 * - groups: `owner`, `admin`, `member`.
 *
 * Each kind of resource has a loader, supplied by the context that owns it (its
 * descriptor's `roleLoaders`, src/contexts/), answering "does it exist, is its
 * existence public, and which roles does this user hold on it". The decision is made here:
 *
 *   holds a required role (or is an admin)          → allowed
 *   resource missing                                 → 404
 *   no required role, but the resource is public or
 *     the user holds some other role on it           → 403
 *   otherwise (existence must not leak)              → 404
 *
 * Usage in a route module (the ResourceAccess instance comes from the composition root):
 *
 *   route({ method: 'post', path: '/v1/events/:id/publish', access: resources.event(['organizer', 'co-organizer']), … })
 *   route({ method: 'get', path: '/v1/meetings/:id', access: resources.meeting(['organizer', 'participant']), … })
 *   route({ …, path: '/v1/groups/:groupId/members', access: resources.group(['owner', 'admin'], { param: 'groupId' }) })
 *   route({ …, path: '/v1/events/:id/reservations', access: resources.event(['organizer'], { allowPublic: true }) })  // anyone while published
 *
 * and in the handler `resourceRolesOf(ctx)` gives the roles the check found.
 */
import type { EventRole } from '../domain/shared/messages.js';
import { parseChannel, type ClientChannel } from './live/protocol.js';
import { forbiddenHttp, notFoundHttp } from './problem.js';
import { access, type Access, type Principal, type RouteContext } from './routes.js';

export type MeetingRole = 'organizer' | 'participant';
export type GroupRole = 'owner' | 'admin' | 'member';

export interface ResourceRoleModel {
  event: EventRole;
  meeting: MeetingRole;
  group: GroupRole;
}
export type ResourceKind = keyof ResourceRoleModel;

const RESOURCE_ROLES: { readonly [K in ResourceKind]: readonly ResourceRoleModel[K][] } = {
  event: ['organizer', 'co-organizer', 'viewer'],
  meeting: ['organizer', 'participant'],
  group: ['owner', 'admin', 'member'],
};

/** What a loader knows about one resource and one user. */
export interface Membership<Role extends string> {
  /** Anyone may know it exists (a published event); otherwise outsiders get 404, not 403. */
  public: boolean;
  /** The user's roles on it ([] for none). */
  roles: readonly Role[];
}

/**
 * Resolves to undefined when the resource does not exist. Ids are validated as UUIDs
 * before a loader is called. With `fresh: false` a loader may answer from a recently
 * verified cache; a denial is always re-checked with `fresh: true`.
 */
export type RoleLoader<Role extends string> = (resourceId: string, userId: string, opts: { fresh: boolean }) => Promise<Membership<Role> | undefined>;
export type RoleLoaders = { [K in ResourceKind]?: RoleLoader<ResourceRoleModel[K]> };

export interface RuleOptions {
  /** The route parameter holding the resource id (default `id`). */
  param?: string;
  /** Whether global admins pass (default true). */
  adminOverride?: boolean;
  /** Any authenticated user passes while the resource is public (e.g. reserving seats of a published event). */
  allowPublic?: boolean;
}

export type AccessDecision<Role extends string> =
  | { allowed: true; roles: readonly Role[]; asAdmin: boolean }
  | { allowed: false; status: 403 | 404 };

/** The rule itself, pure: see the table at the top of this file (`allowPublic` adds "anyone while public"). */
export function decideAccess<Role extends string>(
  principal: Principal,
  membership: Membership<Role> | undefined,
  required: readonly Role[],
  opts: Pick<RuleOptions, 'adminOverride' | 'allowPublic'> = {},
): AccessDecision<Role> {
  const isAdmin = (opts.adminOverride ?? true) && principal.roles.includes('admin');
  if (!membership) return { allowed: false, status: 404 };
  if (membership.roles.some((role) => required.includes(role))) return { allowed: true, roles: membership.roles, asAdmin: false };
  if (opts.allowPublic && membership.public) return { allowed: true, roles: membership.roles, asAdmin: false };
  if (isAdmin) return { allowed: true, roles: membership.roles, asAdmin: true };
  return { allowed: false, status: membership.public || membership.roles.length > 0 ? 403 : 404 };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LABELS: Record<ResourceKind, string> = { event: 'Event', meeting: 'Meeting', group: 'Group' };
/** Roles as a reader says them (one organizer; many of the others). */
const ROLE_WORDS: Record<string, string> = {
  organizer: 'organizer',
  'co-organizer': 'co-organizers',
  viewer: 'viewers',
  participant: 'participants',
  owner: 'owner',
  admin: 'admins',
  member: 'members',
};
const PUBLIC_WHEN: Record<ResourceKind, string> = { event: 'once it is published', meeting: 'while it is public', group: 'while it is public' };

/** A rule in words, for the API documentation: "the event's organizer and co-organizers; administrators too". */
function describeRule(kind: ResourceKind, roles: readonly string[], opts: Pick<RuleOptions, 'adminOverride' | 'allowPublic'> = {}): string {
  const words = roles.map((role) => ROLE_WORDS[role] ?? role);
  const list = words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words.at(-1)}` : words[0];
  const parts = [`the ${kind}'s ${list}`];
  if (opts.allowPublic) parts.push(`any signed-in user ${PUBLIC_WHEN[kind]}`);
  if (opts.adminOverride ?? true) parts.push('administrators');
  return `${parts.join('; ')}.`;
}
const FOUND = Symbol('tessera.resourceAccess');

interface Found {
  kind: ResourceKind;
  id: string;
  roles: readonly string[];
  asAdmin: boolean;
}

/** The roles the route's resource check found for the caller (after a `ResourceAccess` rule passed). */
export function resourceRolesOf(ctx: Pick<RouteContext<unknown, unknown, unknown>, 'res'>): { roles: readonly string[]; asAdmin: boolean } {
  const found = (ctx.res.locals as Record<symbol, Found | undefined>)[FOUND];
  return { roles: found?.roles ?? [], asAdmin: found?.asAdmin ?? false };
}

/**
 * The live hub's hook. `true`: allowed for as long as the socket's credential holds;
 * `'recheck'`: allowed through a role that can be lost (a draft's team), so the hub
 * asks again before it delivers updates; `false`: refused.
 */
export type ChannelGrant = boolean | 'recheck';
export type ChannelAuthorizer = (principal: Principal, channel: string) => Promise<ChannelGrant>;

/**
 * Cheap existence checks, asked before any loader: a channel for a resource that does
 * not exist is refused without folding a stream (a subscribe flood of random ids costs
 * two indexed lookups each).
 */
export interface ChannelProbes {
  /** undefined: no such event; otherwise whether it may be a draft (only drafts can stop being visible; those are decided on the domain state). */
  eventExists?: (eventId: string) => Promise<{ draft: boolean } | undefined>;
}

export class ResourceAccess {
  constructor(
    private readonly loaders: RoleLoaders,
    private readonly probes: ChannelProbes = {},
  ) {}

  /** Rule: the caller holds one of `roles` on the ticketed event in `:id`. */
  event(roles: readonly EventRole[], opts?: RuleOptions): Access {
    return this.rule('event', roles, opts);
  }

  /** Rule: the caller holds one of `roles` on the meeting in `:id`. */
  meeting(roles: readonly MeetingRole[], opts?: RuleOptions): Access {
    return this.rule('meeting', roles, opts);
  }

  /** Rule: the caller holds one of `roles` in the group in `:id`. */
  group(roles: readonly GroupRole[], opts?: RuleOptions): Access {
    return this.rule('group', roles, opts);
  }

  rule<K extends ResourceKind>(kind: K, roles: readonly ResourceRoleModel[K][], opts: RuleOptions = {}): Access {
    if (!this.loaders[kind]) throw new Error(`No role loader for ${kind} resources: its context's descriptor declares none (roleLoaders, src/contexts/)`);
    if (roles.length === 0) throw new Error(`A ${kind} rule needs at least one role`);
    const param = opts.param ?? 'id';
    const description = describeRule(kind, roles, opts);
    return access.resource(`${kind}:${roles.join('|')}${opts.allowPublic ? '|public' : ''}`, async (ctx) => {
      const id = (ctx.params as Record<string, unknown>)[param];
      const decision = await this.authorize(kind, typeof id === 'string' ? id : '', ctx.principal!, roles, opts);
      if (!decision.allowed) {
        throw decision.status === 404
          ? notFoundHttp(LABELS[kind])
          : forbiddenHttp(`This needs one of these roles on the ${kind}: ${roles.join(', ')}`);
      }
      (ctx.res.locals as Record<symbol, Found>)[FOUND] = { kind, id: id as string, roles: decision.roles, asAdmin: decision.asAdmin };
    }, description);
  }

  /** Loads the membership and decides; for routes, channels and handlers that need a second check. */
  async authorize<K extends ResourceKind>(
    kind: K,
    resourceId: string,
    principal: Principal,
    roles: readonly ResourceRoleModel[K][],
    opts: Pick<RuleOptions, 'adminOverride' | 'allowPublic'> = {},
  ): Promise<AccessDecision<ResourceRoleModel[K]>> {
    const recent = decideAccess(principal, await this.membership(kind, resourceId, principal.userId, { fresh: false }), roles, opts);
    if (recent.allowed) return recent;
    return decideAccess(principal, await this.membership(kind, resourceId, principal.userId, { fresh: true }), roles, opts);
  }

  /** undefined when the resource does not exist (or the id is no UUID, or no loader is configured). */
  async membership<K extends ResourceKind>(
    kind: K,
    resourceId: string,
    userId: string,
    opts: { fresh: boolean } = { fresh: true },
  ): Promise<Membership<ResourceRoleModel[K]> | undefined> {
    const loader = this.loaders[kind] as RoleLoader<ResourceRoleModel[K]> | undefined;
    if (!loader || !UUID.test(resourceId)) return undefined;
    return loader(resourceId.toLowerCase(), userId, opts);
  }

  /**
   * The live hub's hook (DESIGN §9: channels are authorised like the REST resources
   * behind them). Unknown channels are refused.
   * - `user:me` (and `user:<own id>`): the user themselves.
   * - `event:<id>`: any authenticated user while the event is public (published or
   *   cancelled); its team (and admins) also while it is a draft.
   * - `meeting:<id>`: its organizer and participants (and admins).
   */
  readonly authorizeChannel = async (principal: Principal, channel: string): Promise<boolean> => Boolean(await this.channelAccess(principal, channel));

  /**
   * As `authorizeChannel`, saying whether the grant can be lost (see ChannelGrant). A
   * published or cancelled event stays public, so its channel is granted for good; a
   * draft's is granted to its team (and admins) on the domain state, and re-checked.
   */
  readonly channelAccess: ChannelAuthorizer = async (principal, channel) => {
    const match = /^(user|event|meeting):(.{1,64})$/.exec(channel);
    if (!match) return false;
    const [, kind, id] = match as unknown as [string, 'user' | 'event' | 'meeting', string];
    switch (kind) {
      case 'user':
        return id === 'me' || id.toLowerCase() === principal.userId.toLowerCase();
      case 'event':
        return this.eventChannelAccess(principal, id);
      case 'meeting':
        return (await this.authorize('meeting', id, principal, ['organizer', 'participant'])).allowed ? 'recheck' : false;
    }
  };

  /**
   * The live hub's second hook: does the subscriber also get team-only updates (a
   * draft's state, issue 8 item 10)? For `event:<id>`, its team (organizer,
   * co-organizers, viewers) and admins; other channels have no public audience.
   */
  readonly seesTeamUpdates: ChannelAuthorizer = async (principal, channel) => {
    const match = /^event:(.{1,64})$/.exec(channel);
    if (!match) return true;
    // The recent state is enough (the subscribe was just authorised); no second stream read.
    const membership = await this.membership('event', match[1]!, principal.userId, { fresh: false });
    return decideAccess(principal, membership, RESOURCE_ROLES.event).allowed;
  };

  private async eventChannelAccess(principal: Principal, id: string): Promise<ChannelGrant> {
    if (!UUID.test(id)) return false;
    if (this.probes.eventExists) {
      const known = await this.probes.eventExists(id.toLowerCase());
      if (!known) return false;
      if (!known.draft) return true;
    }
    const membership = await this.membership('event', id, principal.userId, { fresh: true });
    if (!decideAccess(principal, membership, RESOURCE_ROLES.event, { allowPublic: true }).allowed) return false;
    return membership!.public ? true : 'recheck';
  }
}

/** A live channel kind a context contributes (`<kind>:<id>`); `authorize` sees the normalised name. */
export interface LiveChannel {
  kind: string;
  /** The normalised id, or undefined for a malformed one (`invalid-channel`); without it the id is taken as sent. */
  parseId?(id: string): string | undefined;
  authorize: ChannelAuthorizer;
  /** Whether the subscriber also gets team-only updates; without it, everyone authorised does. */
  seesTeamUpdates?: ChannelAuthorizer;
}

/** The live hub's hooks over every context's channels; a kind no context declares is refused. */
export function channelAuthorizers(channels: readonly LiveChannel[]): {
  parseChannel: (channel: string) => ClientChannel | undefined;
  authorizeChannel: ChannelAuthorizer;
  seesTeamUpdates: ChannelAuthorizer;
} {
  const byKind = new Map<string, LiveChannel>();
  for (const channel of channels) {
    if (byKind.has(channel.kind)) throw new Error(`the live channel kind ${channel.kind} is declared by two contexts`);
    byKind.set(channel.kind, channel);
  }
  const find = (channel: string) => byKind.get(channel.slice(0, Math.max(0, channel.indexOf(':'))));
  return {
    parseChannel: (channel) => {
      const generic = parseChannel(channel); // the protocol's syntax first
      const declared = generic && find(channel);
      if (!declared?.parseId) return generic;
      const id = declared.parseId(channel.slice(declared.kind.length + 1));
      return id === undefined ? undefined : { key: `${declared.kind}:${id}` };
    },
    authorizeChannel: async (principal, channel) => (await find(channel)?.authorize(principal, channel)) ?? false,
    seesTeamUpdates: async (principal, channel) => (await find(channel)?.seesTeamUpdates?.(principal, channel)) ?? true,
  };
}
