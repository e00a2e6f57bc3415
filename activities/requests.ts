// Read-model side of a request's life: submission, status transitions, grants. Effect and audit share a transaction.
import { ApplicationFailure } from '@temporalio/activity';
import type { Db, Executor } from '../db';
import { appendAudit } from '../db/repositories/audit';
import { getCatalogEntry } from '../db/repositories/catalog';
import { notify } from '../db/repositories/notifications';
import { authorityOf, cityAuthorityOf, getOrganisation, leadingGroupOf } from '../db/repositories/organisations';
import { mayRequestShare, type GrantTerms } from '../domain/share';
import type { RequestStatus } from '../domain/requests';
import { storable } from '../domain/text';
import { SYSTEM, type ActorRef, type Attribute } from '../domain/types';

export interface RecordRequestInput {
  requestId: string;
  workflowId: string;
  type: string;
  applicant: ActorRef;
  catalogEntryId: string | null;
  payload: Record<string, unknown>;
  payloadHash: string;
  submissionId?: string;
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
  /** Art. 15 terms; absent in runs from before they were recorded. */
  terms?: GrantTerms;
  expiresAt: string;
  actor: ActorRef;
  article: string;
}

export interface FailRequestInput extends RecordRequestInput {
  reason: string;
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
  /** The city's leading group (数字强市领导小组), to whom overdue review tasks escalate; absent in older runs. */
  leadingGroupOrgId?: string | null;
  /** Recorded by older runs (kind 'agency'); superseded by applicantMayRequest. */
  applicantIsAgency: boolean;
  /** Art. 3, 14: the applicant is a public management and service institution (国家机关 included). */
  applicantMayRequest?: boolean;
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
      const city = provider && (await cityAuthorityOf(db, provider));
      if (!city) throw ApplicationFailure.nonRetryable(`no city big data authority is registered for ${entry.provider_org_id} (Art. 14)`, 'AuthorityMissing');
      const applicantKind = (await getOrganisation(db, applicantOrg))?.kind;
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
        leadingGroupOrgId: (await leadingGroupOf(db, provider.region))?.id ?? null,
        applicantIsAgency: applicantKind === 'agency',
        applicantMayRequest: mayRequestShare(applicantKind),
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
            submission_id: r.submissionId ?? null,
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

    /**
     * A request whose effect cannot be written ends here, visibly: the row (created from a sanitised copy
     * when even that was refused), status failed with the reason, open tasks cancelled, the applicant
     * and the supervisor of the applicant's level told.
     */
    async failRequest(f: FailRequestInput): Promise<void> {
      const reason = storable(f.reason).slice(0, 2000);
      await db.transaction().execute(async (tx) => {
        const entry = f.catalogEntryId ? await getCatalogEntry(tx, f.catalogEntryId) : undefined;
        await tx
          .insertInto('requests')
          .values({
            id: f.requestId,
            type: f.type,
            workflow_id: f.workflowId,
            applicant_sub: storable(f.applicant.sub),
            applicant_org: storable(f.applicant.org ?? ''),
            catalog_entry_id: entry?.id ?? null,
            status: 'submitted',
            payload: JSON.stringify(storable(f.payload)),
            payload_hash: f.payloadHash,
            submission_id: f.submissionId ?? null,
          })
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
        const before = await tx.selectFrom('requests').select(['status', 'applicant_sub', 'applicant_org']).where('id', '=', f.requestId).forUpdate().executeTakeFirstOrThrow();
        const fresh = await appendAudit(tx, {
          eventKey: `request:${f.requestId}:failed`,
          requestId: f.requestId,
          actor: SYSTEM,
          action: 'request_failed',
          article: 'Art. 29',
          reason,
          oldValue: { status: before.status },
          newValue: { status: 'failed' },
        });
        if (!fresh) return;
        await tx.updateTable('requests').set({ status: 'failed', updated_at: new Date(), outcome: JSON.stringify({ article: 'Art. 29', reason }) }).where('id', '=', f.requestId).execute();
        await tx.updateTable('tasks').set({ status: 'cancelled', reason: 'the request failed', completed_at: new Date() }).where('request_id', '=', f.requestId).where('status', '=', 'open').execute();
        await notify(tx, {
          key: `request:${f.requestId}:failed:applicant`,
          to: { user: before.applicant_sub },
          kind: 'request_status',
          requestId: f.requestId,
          message: `Your request could not be processed and has failed: ${reason}`,
        });
        const org = await getOrganisation(tx, before.applicant_org);
        const supervision = org && (await authorityOf(tx, org.region, org.division));
        if (supervision)
          await notify(tx, {
            key: `request:${f.requestId}:failed:supervisor`,
            to: { org: supervision.id, role: 'supervisor' },
            kind: 'request_failed',
            requestId: f.requestId,
            message: `Request ${f.requestId} of ${before.applicant_org} failed: ${reason}`,
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
            terms: g.terms ? JSON.stringify(g.terms) : null,
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
