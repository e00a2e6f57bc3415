// Grants as their grantee, their provider and the city authority see them.
import { sql } from 'kysely';
import { isCityDivision } from '../../domain/divisions';
import { PENDING_SHARE_STATUSES, type DeletionConfirmation, type DeliveryForm, type DeliveryStatus } from '../../domain/share';
import type { Actor } from '../../domain/types';
import type { Executor } from '../index';
import { getOrganisation, overseenOrgIds, supervisedOrgIds } from './organisations';

/** The providing agency's latest request to end a grant: the city authority's consent task (Art. 14) as it stands. */
export interface RevocationTask {
  id: string;
  status: 'open' | 'completed' | 'cancelled';
  decision: string | null;
  reason: string | null;
  context: { grantId?: string; revocationGround?: string; revocationReason?: string; requestedBy?: string | null } | null;
  /** Consented, with the grantee's notice given first (条例): when the grant ends (its grant_stop_scheduled event). */
  effectiveAt: string | null;
}

/** The grant's RevocationTask, read with the grant (`requestId`: the column naming its request). */
export function revocationOf(requestId: string) {
  return sql<RevocationTask | null>`(select jsonb_build_object('id', t.id, 'status', t.status, 'decision', t.decision, 'reason', t.reason, 'context', t.context, 'effectiveAt', (select e.new_value->>'effectiveAt' from audit_events e where e.request_id = t.request_id and e.task_id = t.id and e.action = 'grant_stop_scheduled' limit 1)) from tasks t where t.request_id = ${sql.ref(requestId)} and t.kind = 'GRANT_REVOCATION_CONSENT' order by t.created_at desc, t.id desc limit 1)`.as(
    'revocation',
  );
}

/** The grant's latest delivery task (条例, 数据交付) and whether the grantee confirmed receipt: null where no delivery was asked. */
export interface DeliveryTask {
  status: DeliveryStatus;
  taskId: string;
  taskStatus: 'open' | 'completed' | 'cancelled';
  form: Partial<DeliveryForm> | null;
  problem: string | null;
}

/** The grant's DeliveryTask, read with the grant (`requestId`: the column naming its request). */
export function deliveryOf(requestId: string) {
  return sql<DeliveryTask | null>`(select jsonb_build_object('status', case when exists (select 1 from tasks c where c.request_id = d.request_id and c.kind = 'SHARE_DELIVERY_CONFIRMATION' and c.decision = 'CONFIRM') then 'delivered' else 'awaiting_delivery' end, 'taskId', d.id, 'taskStatus', d.status, 'form', d.form, 'problem', d.context->>'problem') from tasks d where d.request_id = ${sql.ref(requestId)} and d.kind = 'SHARE_DELIVERY' order by d.created_at desc, d.id desc limit 1)`.as(
    'delivery',
  );
}

/** Who ended a grant early (the person's organisation and role), as its grant_revoked event names them; null while it runs or at expiry. */
export function endedByOf(requestId: string) {
  return sql<{
    org: string | null;
    role: string;
  } | null>`(select jsonb_build_object('org', e.actor_org, 'role', e.actor_role) from audit_events e where e.request_id = ${sql.ref(requestId)} and e.action = 'grant_revoked' order by e.id desc limit 1)`.as(
    'ended_by',
  );
}

/** The grantee's confirmation that the data received is deleted (条例, 共享目的已实现), as its grant_data_deleted event records it. */
export function deletionOf(requestId: string) {
  return sql<DeletionConfirmation | null>`(select e.new_value->'deletion' from audit_events e where e.request_id = ${sql.ref(requestId)} and e.action = 'grant_data_deleted' order by e.id desc limit 1)`.as(
    'deletion',
  );
}

/** The grantee's asks to provide a grant's data to a third party (issue 24 §6): the provider's tasks as they stand, the latest first. */
export interface OnwardTask {
  id: string;
  status: 'open' | 'completed' | 'cancelled';
  decision: string | null;
  reason: string | null;
  context: { thirdPartyOrg?: string; thirdPartyName?: string; purpose?: string; fields?: string[] } | null;
  createdAt: string;
}

/** The grant's OnwardTasks, read with the grant (`requestId`: the column naming its request). */
export function onwardOf(requestId: string) {
  return sql<
    OnwardTask[]
  >`(select coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'status', t.status, 'decision', t.decision, 'reason', t.reason, 'context', t.context, 'createdAt', t.created_at) order by t.created_at desc, t.id desc), '[]'::jsonb) from tasks t where t.request_id = ${sql.ref(requestId)} and t.kind = 'SHARE_ONWARD_PROVISION')`.as(
    'onward',
  );
}

/** The latest renewal asked of a grant (issue 24 §6): its request, where that stands, and the grant it created, if any. */
export interface RenewalOf {
  requestId: string;
  status: string;
  grantId: string | null;
  caseNumber: string | null;
  /** The end of the grant it created (as PostgreSQL writes a timestamp in JSON), once approved. */
  expiresAt: string | null;
}

/** The grant's RenewalOf, read with the grant (`grantId`: the column naming the grant). */
export function renewalOf(grantId: string) {
  return sql<RenewalOf | null>`(select jsonb_build_object('requestId', rn.id, 'status', rn.status, 'grantId', ng.id, 'caseNumber', rn.case_number, 'expiresAt', ng.expires_at) from requests rn left join grants ng on ng.request_id = rn.id where rn.type = 'share' and rn.payload ? 'renews' and rn.payload->>'renews' = ${sql.ref(grantId)} order by rn.created_at desc, rn.id desc limit 1)`.as(
    'renewal',
  );
}

/** A renewal of the grant still being decided (its request id), or undefined. */
export async function pendingRenewal(db: Executor, grantId: string, except?: string): Promise<string | undefined> {
  let q = db
    .selectFrom('requests')
    .select('id')
    .where('type', '=', 'share')
    .where(sql<boolean>`payload ? 'renews' and payload->>'renews' = ${grantId}`)
    .where('status', 'in', [...PENDING_SHARE_STATUSES]);
  if (except) q = q.where('id', '<>', except);
  return (await q.limit(1).executeTakeFirst())?.id;
}

/** How many renewals of the grant were ever asked (each its own request). */
export async function renewalsAsked(db: Executor, grantId: string): Promise<number> {
  const row = await db
    .selectFrom('requests')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('type', '=', 'share')
    .where(sql<boolean>`payload ? 'renews' and payload->>'renews' = ${grantId}`)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export function grantsQuery(db: Executor) {
  return db
    .selectFrom('grants')
    .innerJoin('catalog_entries', 'catalog_entries.id', 'grants.catalog_entry_id')
    .innerJoin('requests', 'requests.id', 'grants.request_id')
    .selectAll('grants')
    .select([
      'catalog_entries.provider_org_id as provider_org',
      'requests.workflow_id',
      revocationOf('grants.request_id'),
      deliveryOf('grants.request_id'),
      endedByOf('grants.request_id'),
      deletionOf('grants.request_id'),
      renewalOf('grants.id'),
      onwardOf('grants.request_id'),
    ]);
}

export interface GrantFilter {
  /** Grants whose grantee or provider is one of these organisations; all when undefined. */
  orgs?: string[];
  status?: 'active' | 'expired' | 'revoked';
  catalogEntryId?: string;
  afterId?: string;
  limit: number;
}

export function listGrants(db: Executor, f: GrantFilter) {
  let q = grantsQuery(db);
  const orgs = f.orgs;
  if (orgs)
    q = q.where((eb) =>
      eb.or([eb('grants.grantee_org', 'in', orgs.length ? orgs : ['']), eb('catalog_entries.provider_org_id', 'in', orgs.length ? orgs : [''])]),
    );
  if (f.status) q = q.where('grants.status', '=', f.status);
  if (f.catalogEntryId) q = q.where('grants.catalog_entry_id', '=', f.catalogEntryId);
  if (f.afterId) q = q.where('grants.id', '>', f.afterId);
  return q.orderBy('grants.id').limit(f.limit).execute();
}

export function getGrant(db: Executor, id: string) {
  return grantsQuery(db).where('grants.id', '=', id).executeTakeFirst();
}

export type GrantRow = NonNullable<Awaited<ReturnType<typeof getGrant>>>;

/**
 * Whose grants `actor` sees (undefined: all): their organisation's as grantee or provider; a city big data
 * authority's reviewers those of every organisation of its city (Art. 14), as do admins of their own city (a
 * platform operator, one of `operators`: every city's, supervisedOrgIds).
 */
export async function grantOrgsOf(db: Executor, actor: Actor, operators?: readonly string[]): Promise<string[] | undefined> {
  // Grants are agencies' (Art. 14): a member of the public holds none.
  if (actor.org === null) return [];
  if (actor.roles.includes('admin')) return supervisedOrgIds(db, actor, operators);
  if (actor.roles.includes('authority_reviewer')) {
    const own = await getOrganisation(db, actor.org);
    if (own?.kind === 'authority' && isCityDivision(own.division)) return overseenOrgIds(db, own.id);
  }
  return actor.org ? [actor.org] : [];
}

/** A grant's usage records as filed (《政务数据共享条例》使用记录), the latest period first. */
export function listUsageFilings(db: Executor, grantId: string) {
  return db.selectFrom('grant_usage_records').selectAll().where('grant_id', '=', grantId).orderBy('period_from', 'desc').orderBy('task_id').execute();
}
