// Read-model side of the share procedure (Art. 12–15): its parties, and the grant it ends in.
import { ApplicationFailure } from '@temporalio/activity';
import type { Db, Executor } from '../db';
import { shareParties } from '../db/repositories/share';
import type { ErrorCode } from '../domain/errors';
import {
  DELETION_METHOD_NAMES,
  EXTENSION_ARTICLE,
  ONWARD_CONSENT_ARTICLE,
  REVOCATION_GROUNDS,
  REVOCATION_NOTICE_ARTICLE,
  onwardThirdPartyViolation,
  renewedTermStart,
  shareRefusal,
  USAGE_RECORDS_ARTICLE,
  type RenewalFacts,
  type UsagePeriod,
  type UsageRecord,
  type DeletionConfirmation,
  type GrantTerms,
  type RevocationGround,
  type ShareAmendment,
  type ShareParties,
  type ShareRequestForm,
} from '../domain/share';
import { appendAudit } from '../db/repositories/audit';
import { notify, notifyAll } from '../db/repositories/notifications';
import {
  grantEndedByGranteeNotice,
  grantEndedNotice,
  grantStopScheduledNotice,
  onwardProvisionAnsweredNotice,
  providerExtensionAnsweredNotice,
  revocationRefusedNotice,
} from '../domain/notices';
import type { ActorRef, Duration, Role } from '../domain/types';
import { computeDeadlines, type DeadlineInput, type Deadlines } from './calendar';
import { deadlinesOf, moveDueIn, openAllIn, recordDecisionIn, type DecisionInput, type OpenTaskInput } from './tasks';
import { recordRequestIn, transition, type RecordRequestInput } from './requests';
import { writeOnce, type Trail } from './write';
import { getOrganisation } from '../db/repositories/organisations';
import { getGrant, pendingRenewal } from '../db/repositories/grants';

export interface GrantInput {
  requestId: string;
  grantId: string;
  catalogEntryId: string;
  granteeOrg: string;
  fields: string[];
  purpose: string;
  /** Art. 15 terms. */
  terms: GrantTerms;
  /** How long it runs: its end is counted here, in the same step. */
  term: Duration;
  actor: ActorRef;
  article: string;
  /** The approval the grant follows (none for unconditional data), recorded in the same transaction. */
  decision?: DecisionInput;
  /** The grant this one renews (issue 24 §6): its term starts at that one's expiry while that one still runs. */
  renews?: string;
}

/** The parties of a share request as they stand now (db/repositories/share.ts), or why there are none. */
async function resolveParties(db: Db | Executor, { catalogEntryId, applicantOrg }: { catalogEntryId: string; applicantOrg: string }): Promise<ShareParties> {
  const { context, parties } = await shareParties(db, catalogEntryId, applicantOrg);
  if (!context) throw ApplicationFailure.nonRetryable(`catalog entry ${catalogEntryId} not found`, 'EntryNotFound');
  if (!parties) throw ApplicationFailure.nonRetryable(`no city big data authority is registered for ${context.provider_org_id} (Art. 14)`, 'AuthorityMissing');
  return parties;
}

/**
 * The grantee ended its grant (共享目的已实现): its deletion confirmation recorded as an audit event of its own (who, when,
 * how, all the data received), and the providing agency's and the city authority's reviewers told.
 */
async function granteeEnded(
  tx: Executor,
  granteeOrg: string,
  input: { requestId: string; actor: ActorRef; article: string; reason: string | null },
  deletion: DeletionConfirmation,
  tell: { org: string; role: Role }[],
): Promise<Trail> {
  const grantee = (await getOrganisation(tx, granteeOrg))?.name ?? granteeOrg;
  const message = grantEndedByGranteeNotice({
    grantee,
    reason: input.reason ?? '',
    deletedBy: deletion.deletedBy,
    deletedAt: deletion.deletedAt,
    method: DELETION_METHOD_NAMES[deletion.method],
  });
  return {
    audit: [
      {
        eventKey: `request:${input.requestId}:grant-data-deleted`,
        requestId: input.requestId,
        actor: input.actor,
        action: 'grant_data_deleted',
        article: input.article,
        reason: input.reason,
        newValue: { deletion },
      },
    ],
    notices: tell.map((to) => ({
      key: `request:${input.requestId}:grant-ended-by-grantee:${to.role}`,
      to,
      kind: 'request_status',
      requestId: input.requestId,
      message,
    })),
  };
}

export function shareActivities(db: Db, caseRegion: string) {
  /** The renewal's record written under the renewed grant's row lock, unless another renewal of it is being decided (claimRenewal). */
  const claimRenewalIn = (grantId: string, record: RecordRequestInput) =>
    db.transaction().execute(async (tx): Promise<{ code: ErrorCode; detail: string } | null> => {
      await tx.selectFrom('grants').select('id').where('id', '=', grantId).forUpdate().execute();
      const pending = await pendingRenewal(tx, grantId, record.requestId);
      if (pending) return { code: 'RenewalPending', detail: `A renewal of this grant is already being decided (request ${pending})` };
      await recordRequestIn(tx, record, caseRegion);
      return null;
    });
  return {
    /**
     * A share request's first step in one call: its parties resolved, the request checked
     * (domain/share.ts shareRefusal) and, unless refused, recorded. A refusal is an answer, not a failure.
     */
    async submitShare(input: {
      catalogEntryId: string;
      applicantOrg: string;
      roles: Role[];
      form: ShareRequestForm;
      record: RecordRequestInput;
      /** A renewal's grant: the request is recorded only as that grant's one renewal being decided (claimRenewal). */
      renews?: string;
    }): Promise<{ parties: ShareParties } | { refusal: { code: ErrorCode; detail: string } }> {
      let parties: ShareParties;
      try {
        parties = await resolveParties(db, input);
      } catch (err) {
        if (err instanceof ApplicationFailure && (err.type === 'EntryNotFound' || err.type === 'AuthorityMissing'))
          return { refusal: { code: err.type === 'EntryNotFound' ? 'EntryNotFound' : 'InvalidInput', detail: err.message } };
        throw err;
      }
      const refusal = shareRefusal({ mayRequest: parties.applicantMayRequest, roles: input.roles }, input.form, parties.entry);
      if (refusal) return { refusal };
      if (input.renews !== undefined) {
        const taken = await claimRenewalIn(input.renews, input.record);
        if (taken) return { refusal: taken };
      } else await recordRequestIn(db, input.record, caseRegion);
      return { parties };
    },

    /**
     * Issue 24 §6, one renewal at a time: the renewal `record` is recorded only while no other renewal of `grantId` is being
     * decided, under the grant's row lock, so of renewals started at once (even past the API) one is recorded and the
     * others refused (RenewalPending), nothing recorded for them. A retry finds its own record and refuses nothing.
     */
    async claimRenewal(input: { grantId: string; record: RecordRequestInput }): Promise<{ code: ErrorCode; detail: string } | null> {
      return claimRenewalIn(input.grantId, input.record);
    },

    /**
     * A renewal's grant as the rule judges it (domain/share.ts renewalViolation): whose, whether it runs, whether its stop
     * was consented to, and a renewal of it still being decided other than `requestId`'s. Null: no such grant.
     */
    async renewalFacts(input: { grantId: string; requestId: string }): Promise<RenewalFacts | null> {
      const g = await getGrant(db, input.grantId);
      if (!g) return null;
      return {
        granteeOrg: g.grantee_org,
        status: g.status,
        expiresAt: g.expires_at.toISOString(),
        stopping: g.revocation?.decision === 'CONSENT',
        pending: (await pendingRenewal(db, input.grantId, input.requestId)) ?? null,
      };
    },

    /** Issue 24 §6: the workflow of the renewal of `grantId` still being decided, if any (null: none). */
    async pendingRenewalRun(input: { grantId: string }): Promise<string | null> {
      const requestId = await pendingRenewal(db, input.grantId);
      if (!requestId) return null;
      return (await db.selectFrom('requests').select('workflow_id').where('id', '=', requestId).executeTakeFirst())?.workflow_id ?? null;
    },

    /**
     * Creates the grant (once) and the request is granted; answers with when the grant ends. A renewal approved after the
     * grant it renews was revoked, stopped or ended by its grantee (`renewedEnded`, checked under that grant's row lock in
     * the same transaction) creates nothing and answers `renewedEnded` (the approval recorded all the same). With `open`
     * (the 条例's delivery task, past patched('grant-opens-delivery')), that task opens in the grant's transaction and its
     * due times come back as `opened`: one write where there were two.
     */
    async createGrant(
      input: GrantInput & { renewedEnded?: boolean; open?: OpenTaskInput },
    ): Promise<{ expiresAt: string; startsAt?: string; renewedEnded?: true; opened?: Deadlines }> {
      // A renewal approved before the grant it renews expired takes over at that expiry: no gap, no overlap.
      const renewed = input.renews
        ? await db.selectFrom('grants').select(['status', 'expires_at']).where('id', '=', input.renews).executeTakeFirst()
        : undefined;
      const startsAt = renewedTermStart(renewed && { status: renewed.status, expiresAt: renewed.expires_at.toISOString() }, Date.now());
      const g = { ...input, expiresAt: (await computeDeadlines(db, { length: input.term, ...(startsAt ? { from: startsAt } : {}) })).dueAt };
      const due = input.open ? await deadlinesOf(db, [input.open]) : [];
      const created = await db.transaction().execute(async (tx) => {
        if (g.decision) await recordDecisionIn(tx, g.decision);
        if (g.renews && input.renewedEnded) {
          const old = await tx.selectFrom('grants').select('status').where('id', '=', g.renews).forUpdate().executeTakeFirst();
          const mine = await tx.selectFrom('grants').select('id').where('request_id', '=', g.requestId).executeTakeFirst();
          if (old?.status === 'revoked' && !mine) return 'renewedEnded' as const;
        }
        const made = await writeOnce(
          tx,
          (t) =>
            t
              .insertInto('grants')
              .values({
                id: g.grantId,
                request_id: g.requestId,
                catalog_entry_id: g.catalogEntryId,
                grantee_org: g.granteeOrg,
                scope: JSON.stringify({ fields: g.fields }),
                purpose: g.purpose,
                terms: JSON.stringify(g.terms),
                status: 'active',
                granted_at: new Date(),
                expires_at: g.expiresAt,
                ...(g.renews ? { renews: g.renews, starts_at: startsAt ?? null } : {}),
              })
              .onConflict((oc) => oc.column('request_id').doNothing())
              .returning('id')
              .executeTakeFirst(),
          async (_row, t) => {
            // The grant and the request's change to granted are one step (one audit event, the applicant told).
            await transition(t, {
              requestId: g.requestId,
              step: 'granted',
              actor: g.actor,
              status: 'granted',
              action: 'grant_created',
              article: g.article,
              outcome: {
                grantId: g.grantId,
                fields: g.fields,
                expiresAt: g.expiresAt,
                article: g.article,
                ...(g.renews ? { renews: g.renews, ...(startsAt ? { startsAt } : {}) } : {}),
              },
            });
            return {};
          },
        );
        if (!made) return undefined;
        return input.open ? { opened: (await openAllIn(tx, [input.open], due))[0] } : {};
      });
      if (created === 'renewedEnded') return { expiresAt: g.expiresAt, renewedEnded: true };
      // A renewal taking over later says when its term starts (its first usage period counts from then).
      if (created) return { expiresAt: g.expiresAt, ...(startsAt ? { startsAt } : {}), ...created };
      // Created by an earlier attempt: its term stands, and the task it opened (opened once: its due times are read back).
      const before = await db.selectFrom('grants').select(['expires_at', 'starts_at']).where('request_id', '=', g.requestId).executeTakeFirstOrThrow();
      return {
        expiresAt: before.expires_at.toISOString(),
        ...(before.starts_at ? { startsAt: before.starts_at.toISOString() } : {}),
        ...(input.open ? { opened: (await openAllIn(db, [input.open], due))[0] } : {}),
      };
    },

    /**
     * The grant ends (expired, or revoked), with the request's change of status and the applicant told; a
     * revocation records the ground it named, the decision that consented to it (in the same transaction) and
     * tells the provider's reviewer who asked for it.
     */
    async endGrant(input: {
      requestId: string;
      status: 'expired' | 'revoked';
      actor: ActorRef;
      reason: string | null;
      article: string;
      ground?: RevocationGround;
      decision?: DecisionInput;
      requester?: string;
      /** The grantee ended it (共享目的已实现): the data deleted, and the organisations to tell (provider, city authority). */
      deletion?: DeletionConfirmation;
      tell?: { org: string; role: Role }[];
    }): Promise<void> {
      await db.transaction().execute(async (tx) => {
        if (input.decision) await recordDecisionIn(tx, input.decision);
        await writeOnce(
          tx,
          (t) =>
            t
              .updateTable('grants')
              .set({ status: input.status, ended_at: new Date(), end_reason: input.reason, end_ground: input.ground ?? null })
              .where('request_id', '=', input.requestId)
              .where('status', '=', 'active')
              .returning(['id', 'grantee_org'])
              .executeTakeFirst(),
          async (row, t) => {
            await transition(t, {
              requestId: input.requestId,
              step: `grant-${input.status}`,
              actor: input.actor,
              status: input.status,
              action: input.status === 'expired' ? 'grant_expired' : 'grant_revoked',
              article: input.article,
              reason: input.reason,
              decision: input.decision?.decision ?? null,
            });
            if (input.deletion) return granteeEnded(t, row.grantee_org, input, input.deletion, input.tell ?? []);
            const message = grantEndedNotice(input.article, input.reason);
            return {
              notices: input.requester
                ? [
                    {
                      key: `request:${input.requestId}:grant-${input.status}:requester`,
                      to: { user: input.requester },
                      kind: 'request_status',
                      requestId: input.requestId,
                      message,
                    },
                  ]
                : [],
            };
          },
        );
      });
    },

    /**
     * The head of the provider's 政务数据共享工作机构 answered its ask to extend its answer (《政务数据共享条例》): the
     * decision recorded; approved, the review's open tasks (`moves`, each counted on from its own due time) due later;
     * the applicant and the provider's reviewer who asked told; in one transaction. Answers with the due times written
     * by task id (null: the task closed meanwhile, nothing moved).
     */
    async answerExtension(input: {
      requestId: string;
      taskId: string;
      decision?: DecisionInput;
      approved: boolean;
      /** The head who decided. */
      actor: ActorRef;
      /** The provider's reason (approved: the reason the due times move). */
      reason: string;
      /** The head's reason for a refusal. */
      refusal?: string;
      /** The working days granted (the ask, at most the policy's cap). */
      granted: number | null;
      moves: { taskId: string; extension: DeadlineInput }[];
      applicant: string;
      requester: string;
    }): Promise<Record<string, Deadlines | null>> {
      const due = await Promise.all(input.moves.map((m) => computeDeadlines(db, m.extension)));
      return db.transaction().execute(async (tx) => {
        if (input.decision) await recordDecisionIn(tx, input.decision);
        const moved: Record<string, Deadlines | null> = {};
        for (const [i, m] of input.moves.entries())
          moved[m.taskId] = await moveDueIn(
            tx,
            {
              taskId: m.taskId,
              key: `task:${m.taskId}:due:extension-${input.taskId}`,
              actor: input.actor,
              action: 'task_due_extended_on_request',
              article: EXTENSION_ARTICLE,
              reason: input.reason,
            },
            due[i],
          );
        const first = Object.values(moved).find((d) => d !== null);
        const message = providerExtensionAnsweredNotice({
          approved: input.approved,
          granted: input.granted,
          dueAt: first?.dueAt ?? null,
          reason: (input.approved ? input.reason : input.refusal) ?? '',
          article: EXTENSION_ARTICLE,
        });
        // The applicant and the provider's reviewer who asked, each told once.
        await notifyAll(
          tx,
          (
            [
              ['applicant', input.applicant],
              ['requester', input.requester],
            ] as const
          ).map(([who, user]) => ({
            key: `task:${input.taskId}:answered:${who}`,
            to: { user },
            kind: 'request_status' as const,
            requestId: input.requestId,
            taskId: input.taskId,
            message,
          })),
        );
        return moved;
      });
    },

    /**
     * The city authority consented to the provider's request to end a grant (Art. 14): the grant ends `length` after
     * `from` (the workflow's time of the consent, so a retry counts the same), not at once, and the grantee's applicant is
     * told when, before it takes effect (《政务数据共享条例》). The consent, the scheduled end (audit `grant_stop_scheduled`,
     * read with the grant) and the notice in one transaction. Answers with when the grant ends.
     */
    async scheduleGrantStop(input: {
      requestId: string;
      taskId: string;
      decision?: DecisionInput;
      actor: ActorRef;
      ground: RevocationGround;
      reason: string;
      length: Duration;
      from: string;
      grantee: string;
    }): Promise<{ effectiveAt: string }> {
      const { dueAt: effectiveAt } = await computeDeadlines(db, { length: input.length, from: input.from });
      await db.transaction().execute(async (tx) => {
        if (input.decision) await recordDecisionIn(tx, input.decision);
        // Each keyed: a retried attempt writes neither twice.
        await appendAudit(tx, {
          eventKey: `task:${input.taskId}:grant-stop-scheduled`,
          requestId: input.requestId,
          taskId: input.taskId,
          actor: input.actor,
          action: 'grant_stop_scheduled',
          article: REVOCATION_NOTICE_ARTICLE,
          decision: 'CONSENT',
          reason: input.reason,
          newValue: { effectiveAt, ground: input.ground },
        });
        await notify(tx, {
          key: `task:${input.taskId}:grant-stop-scheduled:grantee`,
          to: { user: input.grantee },
          kind: 'request_status',
          requestId: input.requestId,
          taskId: input.taskId,
          message: grantStopScheduledNotice({ effectiveAt, ground: REVOCATION_GROUNDS[input.ground].text, reason: input.reason }),
        });
      });
      return { effectiveAt };
    },

    /**
     * The grantee filed its usage records for a period (《政务数据共享条例》使用记录): the decision, the filing (one per report
     * task: a retried attempt adds nothing) and its audit event in one transaction.
     */
    async fileUsageRecords(input: {
      requestId: string;
      grantId: string;
      taskId: string;
      decision?: DecisionInput;
      actor: ActorRef;
      period: UsagePeriod;
      records: UsageRecord[];
      noUse: boolean;
    }): Promise<void> {
      await db.transaction().execute(async (tx) => {
        if (input.decision) await recordDecisionIn(tx, input.decision);
        await writeOnce(
          tx,
          (t) =>
            t
              .insertInto('grant_usage_records')
              .values({
                grant_id: input.grantId,
                task_id: input.taskId,
                request_id: input.requestId,
                period_from: input.period.from,
                period_to: input.period.to,
                period_label: input.period.label,
                records: JSON.stringify(
                  input.noUse ? [] : input.records.map(({ user, usedAt, purpose }) => ({ user: user.trim(), usedAt, purpose: purpose.trim() })),
                ),
                no_use: input.noUse,
                filed_by_sub: input.actor.sub,
                filed_by_org: input.actor.org,
              })
              .onConflict((oc) => oc.columns(['grant_id', 'task_id']).doNothing())
              .returning('task_id')
              .executeTakeFirst(),
          () => ({
            audit: [
              {
                eventKey: `task:${input.taskId}:usage-filed`,
                requestId: input.requestId,
                taskId: input.taskId,
                actor: input.actor,
                action: 'grant_usage_filed',
                article: USAGE_RECORDS_ARTICLE,
                newValue: { period: input.period, records: input.noUse ? 0 : input.records.length, noUse: input.noUse },
              },
            ],
          }),
        );
      });
    },

    /**
     * The third party of an onward provision by its name as the directory has it, or null where the directory has no such
     * organisation or it may receive none (no government department: onwardThirdPartyViolation, the API's rule too).
     */
    async organisationName(input: { org: string }): Promise<string | null> {
      const org = await getOrganisation(db, input.org);
      return org && !onwardThirdPartyViolation(input.org, org) ? org.name : null;
    },

    /**
     * The applicant's reply amended the request (issue 24 §1): its decision, the request's form as amended and the audit
     * event saying what changed (before and after), in one transaction keyed by the workflow's step, so a retry changes
     * nothing twice.
     */
    async amendShareRequest(input: {
      requestId: string;
      /** Unique per workflow step. */
      step: string;
      taskId: string;
      decision?: DecisionInput;
      actor: ActorRef;
      payload: Record<string, unknown>;
      before: ShareAmendment;
      after: ShareAmendment;
      article: string;
    }): Promise<void> {
      await db.transaction().execute(async (tx) => {
        if (input.decision) await recordDecisionIn(tx, input.decision);
        const fresh = await appendAudit(tx, {
          eventKey: `request:${input.requestId}:${input.step}`,
          requestId: input.requestId,
          taskId: input.taskId,
          actor: input.actor,
          action: 'request_amended',
          article: input.article,
          oldValue: { ...input.before },
          newValue: { before: input.before, after: input.after },
        });
        if (fresh)
          await tx
            .updateTable('requests')
            .set({ payload: JSON.stringify(input.payload), updated_at: new Date() })
            .where('id', '=', input.requestId)
            .execute();
      });
    },
    /**
     * Issue 24 §6: the providing agency's answer to the grantee's ask to provide the data to a third party, with its decision
     * in one transaction: an audit event (consented, or refused with the reason) and the grantee's applicant told.
     */
    async recordOnwardProvision(input: {
      requestId: string;
      taskId: string;
      decision?: DecisionInput;
      actor: ActorRef;
      consented: boolean;
      reason: string | null;
      thirdPartyOrg: string;
      thirdParty: string;
      purpose: string;
      fields: string[];
      grantee: string;
    }): Promise<void> {
      await db.transaction().execute(async (tx) => {
        if (input.decision) await recordDecisionIn(tx, input.decision);
        await appendAudit(tx, {
          eventKey: `task:${input.taskId}:onward-provision`,
          requestId: input.requestId,
          taskId: input.taskId,
          actor: input.actor,
          action: input.consented ? 'onward_provision_consented' : 'onward_provision_refused',
          article: input.consented ? ONWARD_CONSENT_ARTICLE : 'Art. 15',
          reason: input.reason,
          newValue: { thirdPartyOrg: input.thirdPartyOrg, purpose: input.purpose, fields: input.fields, consented: input.consented },
        });
        await notify(tx, {
          key: `task:${input.taskId}:onward-provision`,
          to: { user: input.grantee },
          kind: 'request_status',
          requestId: input.requestId,
          taskId: input.taskId,
          message: onwardProvisionAnsweredNotice({ consented: input.consented, thirdParty: input.thirdParty, reason: input.reason }),
        });
      });
    },

    /** The city authority refused the provider's request to end a grant (Art. 14): its decision recorded, the provider's reviewer who asked told why. */
    async refuseRevocation(input: { requestId: string; taskId: string; decision?: DecisionInput; requester: string; reason: string }): Promise<void> {
      await db.transaction().execute(async (tx) => {
        if (input.decision) await recordDecisionIn(tx, input.decision);
        await notify(tx, {
          key: `task:${input.taskId}:refused`,
          to: { user: input.requester },
          kind: 'request_status',
          requestId: input.requestId,
          taskId: input.taskId,
          message: revocationRefusedNotice(input.reason),
        });
      });
    },
  };
}
