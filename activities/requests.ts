// Read-model side of a request's life: submission, status transitions, grants. Effect and audit share a transaction.
import { ApplicationFailure } from '@temporalio/activity';
import type { Db, Executor } from '../db';
import { appendAudit } from '../db/repositories/audit';
import { getCatalogEntry } from '../db/repositories/catalog';
import { notify } from '../db/repositories/notifications';
import { findOrganisation, getOrganisation } from '../db/repositories/organisations';
import type { RequestStatus } from '../domain/requests';
import type { ActorRef, Attribute } from '../domain/types';

export interface RecordRequestInput {
  requestId: string;
  workflowId: string;
  type: string;
  applicant: ActorRef;
  catalogEntryId: string | null;
  payload: Record<string, unknown>;
  payloadHash: string;
  article: string;
}

export interface TransitionInput {
  requestId: string;
  /** Unique per workflow step, so a retried activity records the transition once. */
  step: string;
  actor: ActorRef;
  status: RequestStatus;
  action: string;
  article: string;
  reason?: string | null;
  decision?: string | null;
  outcome?: Record<string, unknown> | null;
}

export interface GrantInput {
  requestId: string;
  grantId: string;
  catalogEntryId: string;
  granteeOrg: string;
  fields: string[];
  purpose: string;
  expiresAt: string;
  actor: ActorRef;
  article: string;
}

export interface ShareParties {
  entry: {
    id: string;
    title: string;
    providerOrgId: string;
    shareAttribute: Attribute;
    shareBasis: string | null;
    shareConditions: string | null;
    fields: string[];
    status: string;
  };
  cityAuthorityOrgId: string;
  /** Art. 14: only public management and service agencies request shared data. */
  applicantIsAgency: boolean;
}

async function transition(tx: Executor, t: TransitionInput): Promise<void> {
  const before = await tx.selectFrom('requests').select(['status', 'applicant_sub']).where('id', '=', t.requestId).forUpdate().executeTakeFirst();
  if (!before) throw ApplicationFailure.nonRetryable(`request ${t.requestId} has no read model`, 'RequestNotFound');
  const fresh = await appendAudit(tx, {
    eventKey: `request:${t.requestId}:${t.step}`,
    requestId: t.requestId,
    actor: t.actor,
    action: t.action,
    article: t.article,
    decision: t.decision,
    reason: t.reason,
    oldValue: { status: before.status },
    newValue: { status: t.status, ...(t.outcome ? { outcome: t.outcome } : {}) },
  });
  if (!fresh) return;
  await tx
    .updateTable('requests')
    .set({ status: t.status, updated_at: new Date(), ...(t.outcome !== undefined ? { outcome: JSON.stringify(t.outcome) } : {}) })
    .where('id', '=', t.requestId)
    .execute();
  await notify(tx, {
    key: `request:${t.requestId}:${t.step}`,
    to: { user: before.applicant_sub },
    kind: 'request_status',
    requestId: t.requestId,
    message: `Your request is now ${t.status}${t.reason ? `: ${t.reason}` : ''} (${t.article})`,
  });
}

export function requestActivities(db: Db) {
  return {
    async resolveShareParties({ catalogEntryId, applicantOrg }: { catalogEntryId: string; applicantOrg: string }): Promise<ShareParties> {
      const entry = await getCatalogEntry(db, catalogEntryId);
      if (!entry) throw ApplicationFailure.nonRetryable(`catalog entry ${catalogEntryId} not found`, 'EntryNotFound');
      const provider = await getOrganisation(db, entry.provider_org_id);
      // Art. 14: the city big data authority of the providing agency's city reviews with it.
      const city = await findOrganisation(db, 'authority', 'city', provider?.region ?? '');
      if (!city) throw ApplicationFailure.nonRetryable(`no city big data authority is registered for ${entry.provider_org_id} (Art. 14)`, 'AuthorityMissing');
      return {
        entry: {
          id: entry.id,
          title: entry.title,
          providerOrgId: entry.provider_org_id,
          shareAttribute: entry.share_attribute as Attribute,
          shareBasis: entry.share_basis,
          shareConditions: entry.share_conditions,
          fields: entry.fields,
          status: entry.status,
        },
        cityAuthorityOrgId: city.id,
        applicantIsAgency: (await getOrganisation(db, applicantOrg))?.kind === 'agency',
      };
    },

    async recordRequest(r: RecordRequestInput): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const row = await tx
          .insertInto('requests')
          .values({
            id: r.requestId,
            type: r.type,
            workflow_id: r.workflowId,
            applicant_sub: r.applicant.sub,
            applicant_org: r.applicant.org ?? '',
            catalog_entry_id: r.catalogEntryId,
            status: 'submitted',
            payload: JSON.stringify(r.payload),
            payload_hash: r.payloadHash,
          })
          .onConflict((oc) => oc.column('id').doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!row) return;
        await appendAudit(tx, {
          eventKey: `request:${r.requestId}:submitted`,
          requestId: r.requestId,
          actor: r.applicant,
          action: 'submitted',
          article: r.article,
          newValue: { status: 'submitted', payload: r.payload },
        });
      });
    },

    async transitionRequest(t: TransitionInput): Promise<void> {
      await db.transaction().execute((tx) => transition(tx, t));
    },

    async createGrant(g: GrantInput): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const row = await tx
          .insertInto('grants')
          .values({
            id: g.grantId,
            request_id: g.requestId,
            catalog_entry_id: g.catalogEntryId,
            grantee_org: g.granteeOrg,
            scope: JSON.stringify({ fields: g.fields }),
            purpose: g.purpose,
            status: 'active',
            granted_at: new Date(),
            expires_at: g.expiresAt,
          })
          .onConflict((oc) => oc.column('request_id').doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!row) return;
        await transition(tx, {
          requestId: g.requestId,
          step: 'granted',
          actor: g.actor,
          status: 'granted',
          action: 'grant_created',
          article: g.article,
          outcome: { grantId: g.grantId, fields: g.fields, expiresAt: g.expiresAt, article: g.article },
        });
      });
    },

    async endGrant(input: { requestId: string; status: 'expired' | 'revoked'; actor: ActorRef; reason: string | null; article: string }): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const row = await tx
          .updateTable('grants')
          .set({ status: input.status, ended_at: new Date(), end_reason: input.reason })
          .where('request_id', '=', input.requestId)
          .where('status', '=', 'active')
          .returning('id')
          .executeTakeFirst();
        if (!row) return;
        await transition(tx, {
          requestId: input.requestId,
          step: `grant-${input.status}`,
          actor: input.actor,
          status: input.status,
          action: input.status === 'expired' ? 'grant_expired' : 'grant_revoked',
          article: input.article,
          reason: input.reason,
        });
      });
    },
  };
}
