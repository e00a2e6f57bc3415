// Grants as their grantee, their provider and the city authority see them.
import type { Executor } from '../index';

export function grantsQuery(db: Executor) {
  return db
    .selectFrom('grants')
    .innerJoin('catalog_entries', 'catalog_entries.id', 'grants.catalog_entry_id')
    .innerJoin('requests', 'requests.id', 'grants.request_id')
    .selectAll('grants')
    .select(['catalog_entries.provider_org_id as provider_org', 'requests.workflow_id']);
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
  if (orgs) q = q.where((eb) => eb.or([eb('grants.grantee_org', 'in', orgs.length ? orgs : ['']), eb('catalog_entries.provider_org_id', 'in', orgs.length ? orgs : [''])]));
  if (f.status) q = q.where('grants.status', '=', f.status);
  if (f.catalogEntryId) q = q.where('grants.catalog_entry_id', '=', f.catalogEntryId);
  if (f.afterId) q = q.where('grants.id', '>', f.afterId);
  return q.orderBy('grants.id').limit(f.limit).execute();
}

export function getGrant(db: Executor, id: string) {
  return grantsQuery(db).where('grants.id', '=', id).executeTakeFirst();
}

export type GrantRow = NonNullable<Awaited<ReturnType<typeof getGrant>>>;
