// Read-model side of the conditional open application (Art. 17, 20): the agreement drafted on approval, its
// signatures, the notice to the authority of the agency's own level, its end; the work a withdrawal ends.
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { Db, Executor } from '../db';
import { appendAudits } from '../db/repositories/audit';
import { ENTRY_COLUMNS, getCatalogEntry, openEntryOf } from '../db/repositories/catalog';
import { notifyAll } from '../db/repositories/notifications';
import { agreementEndedNotice, agreementSignedNotice, usageReportMissedNotice } from '../domain/notices';
import { openRequestParties, openWorkOn } from '../db/repositories/open-request';
import { getOrganisation } from '../db/repositories/organisations';
import type { AgreementStatus, Signature } from '../db/schema';
import { shanghaiDay } from '../domain/calendar';
import {
  agreementText,
  CURRENT_AGREEMENT_TEMPLATE,
  opennessRefusal,
  openRequestRefusal,
  type AgreementTemplate,
  type AgreementTerms,
  type OpenRequestForm,
} from '../domain/open-request';
import type { ActorRef } from '../domain/types';
import type { Deadlines } from './calendar';
import { cancelTasksIn, deadlinesOf, openAllIn, recordDecisionIn, type CancelTasksInput, type DecisionInput, type OpenTaskInput } from './tasks';
import { transition, type TransitionInput } from './requests';

/** The SHA-256 of an agreement's canonical text: what each party signs. */
export const textHash = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export interface DraftAgreementInput {
  requestId: string;
  workflowId: string;
  agreementId: string;
  form: OpenRequestForm;
  licensee: AgreementTerms['licensee'];
  conditions: string | null;
  platformUrl: string;
  reportEveryDays: number | null;
  decision?: DecisionInput;
  transition: TransitionInput;
}

/** Whether this step of the request was written already (its audit event exists): a retry writes nothing twice. */
async function stepDone(tx: Executor, t: TransitionInput): Promise<boolean> {
  await tx.selectFrom('requests').select('id').where('id', '=', t.requestId).forUpdate().execute();
  return !!(await tx.selectFrom('audit_events').select('id').where('event_key', '=', `request:${t.requestId}:${t.step}`).executeTakeFirst());
}

/**
 * `agreementTemplate`: the template agreements are drafted with, the current one; a test drafts with an older
 * one, as the release before this did, to show an agreement drafted then is signed on its own text.
 */
export function openRequestActivities(db: Db, { agreementTemplate = CURRENT_AGREEMENT_TEMPLATE }: { agreementTemplate?: AgreementTemplate } = {}) {
  return {
    /**
     * The approval's agreement (once): its terms from the entry as it stands now, its text and the text's
     * hash; with the approval and the request now awaiting the applicant's signature. An entry whose
     * openness has changed meanwhile (suspended, withdrawn, no longer conditional) gets no agreement: the
     * refusal is the answer.
     */
    async draftAgreement(input: DraftAgreementInput): Promise<{ sha256: string } | { refusal: string }> {
      return db.transaction().execute(async (tx) => {
        const existing = await tx.selectFrom('agreements').select('sha256').where('id', '=', input.agreementId).executeTakeFirst();
        if ((await stepDone(tx, input.transition)) && existing) return { sha256: existing.sha256 };
        const row = await getCatalogEntry(tx, input.form.catalogEntryId);
        const refused = row
          ? openRequestRefusal(openEntryOf(row), input.form, input.platformUrl)
          : { detail: `catalog entry ${input.form.catalogEntryId} no longer exists` };
        if (refused) return { refusal: refused.detail };
        const provider = await getOrganisation(tx, row!.provider_org_id);
        const request = await tx.selectFrom('requests').select('case_number').where('id', '=', input.requestId).executeTakeFirst();
        const fields = input.form.fields?.length ? input.form.fields : row!.fields.map((f) => f.name);
        // Each item by its 信息项名称 (items stored before migration 019 carry their identifier as one).
        const labels = new Map(row!.fields.map((f) => [f.name, f.label?.trim() || f.name]));
        const terms: AgreementTerms = {
          agreementId: input.agreementId,
          template: agreementTemplate,
          caseNumber: request?.case_number ?? null,
          provider: { orgId: row!.provider_org_id, name: provider?.name ?? row!.provider_org_id },
          licensee: input.licensee,
          entry: { id: row!.id, title: row!.title },
          fields,
          fieldLabels: fields.map((f) => labels.get(f) ?? f),
          purpose: input.form.purpose,
          scenario: input.form.scenario,
          accessMethod: input.form.accessMethod,
          platformUrl: input.platformUrl,
          securityMeasures: input.form.securityMeasures,
          conditions: [row!.open_conditions, input.conditions].filter((c): c is string => !!c?.trim()),
          termMonths: input.form.termMonths,
          reportEveryDays: input.reportEveryDays,
          draftedOn: shanghaiDay(new Date()),
        };
        const text = agreementText(terms);
        const sha256 = textHash(text);
        if (input.decision) await recordDecisionIn(tx, input.decision);
        await tx
          .insertInto('agreements')
          .values({
            id: input.agreementId,
            request_id: input.requestId,
            workflow_id: input.workflowId,
            catalog_entry_id: row!.id,
            provider_org: row!.provider_org_id,
            licensee_sub: input.licensee.sub,
            licensee_legal_person: input.licensee.legalPerson ?? null,
            terms: JSON.stringify(terms),
            text,
            sha256,
            status: 'awaiting_signature',
          })
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
        await transition(tx, { ...input.transition, outcome: { article: 'Art. 20', agreementId: input.agreementId, sha256 } });
        return { sha256 };
      });
    },

    /**
     * A party's signature (who, when, the hash signed), with its decision and the request's change of
     * status. The agency's countersignature puts the agreement in force for its term and tells the
     * authority of the agency's own level (告知, Art. 20): a notice and an audit event, not an approval.
     * Only while the entry's data is open (Art. 17, 21): otherwise nothing is written and the refusal says
     * why, `paused` when its openness is only suspended.
     */
    async signAgreement(input: {
      agreementId: string;
      party: Signature['party'];
      signer: ActorRef;
      sha256: string;
      termMonth?: { seconds: number };
      decision?: DecisionInput;
      transition: TransitionInput;
    }): Promise<{ endsAt: string | null } | { refused: { detail: string; article: string; paused: boolean } }> {
      return db.transaction().execute(async (tx) => {
        const done = await stepDone(tx, input.transition);
        const a = await tx.selectFrom('agreements').selectAll().where('id', '=', input.agreementId).forUpdate().executeTakeFirstOrThrow();
        if (done) return { endsAt: a.ends_at?.toISOString() ?? null };
        // Under a lock the catalog's writes wait for: a signature and the closing of its data never cross.
        const entry = await tx.selectFrom('catalog_entries').select(ENTRY_COLUMNS).where('id', '=', a.catalog_entry_id).forShare().executeTakeFirst();
        const refused = entry ? opennessRefusal(openEntryOf(entry)) : { detail: `catalog entry ${a.catalog_entry_id} no longer exists`, article: 'Art. 17' };
        if (refused) return { refused: { detail: refused.detail, article: refused.article ?? 'Art. 17', paused: entry?.open_status === 'suspended' } };
        if (input.decision) await recordDecisionIn(tx, input.decision);
        const now = new Date();
        const signature: Signature = { party: input.party, sub: input.signer.sub, org: input.signer.org, at: now.toISOString(), sha256: input.sha256 };
        const inForce = input.party === 'provider';
        const endsAt = !inForce
          ? null
          : input.termMonth
            ? new Date(now.getTime() + input.termMonth.seconds * 1000 * a.terms.termMonths)
            : addMonths(now, a.terms.termMonths);
        await tx
          .updateTable('agreements')
          .set({
            signatures: JSON.stringify([...a.signatures, signature]),
            status: inForce ? 'in_force' : 'awaiting_countersignature',
            ...(inForce ? { in_force_at: now, ends_at: endsAt } : {}),
          })
          .where('id', '=', a.id)
          .execute();
        await transition(tx, {
          ...input.transition,
          outcome: { article: 'Art. 20', agreementId: a.id, sha256: a.sha256, ...(endsAt ? { endsAt: endsAt.toISOString() } : {}) },
        });
        if (inForce) {
          // 告知县级以上大数据工作主管部门 (Art. 20), never skipped: the authority of the agency's own level, or where
          // that level has none, the next one up, and the trail says which. With neither, nothing is signed.
          const parties = await openRequestParties(tx, a.provider_org);
          if (!parties)
            throw ApplicationFailure.nonRetryable(
              `No big data authority at the level of ${a.provider_org} or above it to tell of agreement ${a.id} (Art. 20)`,
              'AuthorityMissing',
            );
          const { provider, authority } = parties;
          const fallback = parties.fallback ? `${provider.name}所在的${provider.division}无大数据工作主管部门，告知上一级${authority.name}` : null;
          const key = `agreement:${a.id}:notified`;
          await appendAudits(tx, [
            {
              eventKey: key,
              requestId: a.request_id,
              actor: input.signer,
              action: 'agreement_notified',
              article: 'Art. 20',
              reason: fallback,
              newValue: { agreementId: a.id, authorityOrg: authority.id, fallback: parties.fallback, sha256: a.sha256 },
            },
          ]);
          await notifyAll(tx, [
            {
              key,
              to: { org: authority.id, role: 'authority_reviewer' },
              kind: 'agreement_signed',
              requestId: a.request_id,
              message: agreementSignedNotice(provider.name, a.terms.licensee.name, endsAt!, fallback),
            },
          ]);
        }
        return { endsAt: endsAt?.toISOString() ?? null };
      });
    },

    /** The agreement ends (lapsed, declined, cancelled, expired, terminated) with the request's change of status; both parties told. */
    async endAgreement(input: EndAgreementInput): Promise<void> {
      await db.transaction().execute((tx) => endAgreementIn(tx, input));
    },

    /**
     * The agreement terminated because its data is no longer open (withdrawn, Art. 21; closed by the catalog, Art. 17)
     * in one transaction: its open tasks closed (`close`), its end with the request's change of status (endAgreement's
     * write), and the licensee's task to confirm deleting the data opened (`deletion`, openTask's write), each with its
     * audit event and notices, as the three writes made them one after another. Keyed as they were (the step, the
     * task's id): a retry writes nothing twice. Answers the task's due times. A withdrawal of 10,000 agreements is
     * 10,000 of these, so one commit and one activity each, not three.
     */
    async endAgreementWithDeletion(input: EndAgreementInput & { close?: CancelTasksInput; deletion: OpenTaskInput }): Promise<Deadlines> {
      const due = await deadlinesOf(db, [input.deletion]);
      return db.transaction().execute(async (tx) => {
        if (input.close) await cancelTasksIn(tx, input.close);
        await endAgreementIn(tx, input);
        return (await openAllIn(tx, [input.deletion], due))[0];
      });
    },

    /** A usage report not made by its due time: the providing agency is told (once). */
    async noticeMissedReport(input: { requestId: string; taskId: string; providerOrg: string; agreementId: string }): Promise<void> {
      const key = `task:${input.taskId}:report-missed`;
      await db.transaction().execute(async (tx) => {
        await appendAudits(tx, [
          {
            eventKey: key,
            requestId: input.requestId,
            taskId: input.taskId,
            actor: { sub: 'system', org: null, role: 'system' },
            action: 'usage_report_missed',
            article: 'Art. 20',
          },
        ]);
        await notifyAll(tx, [
          {
            key,
            to: { org: input.providerOrg, role: 'provider_reviewer' },
            kind: 'usage_report_missed',
            requestId: input.requestId,
            taskId: input.taskId,
            message: usageReportMissedNotice(),
          },
        ]);
      });
    },

    /** The open applications of `entryId` still living (being decided, signing, or in force): their workflows. */
    async openWorkOn(input: { entryId: string }): Promise<string[]> {
      return openWorkOn(db, [input.entryId]);
    },
  };
}

export interface EndAgreementInput {
  agreementId: string;
  status: Exclude<AgreementStatus, 'awaiting_signature' | 'awaiting_countersignature' | 'in_force'>;
  reason: string | null;
  decision?: DecisionInput;
  transition: TransitionInput;
}

/** The agreement's end and the request's change of status (once, by its step), the agency told; inside `tx`. */
async function endAgreementIn(tx: Executor, input: EndAgreementInput): Promise<void> {
  if (await stepDone(tx, input.transition)) return;
  if (input.decision) await recordDecisionIn(tx, input.decision);
  const a = await tx
    .updateTable('agreements')
    .set({ status: input.status, ended_at: new Date(), end_reason: input.reason })
    .where('id', '=', input.agreementId)
    .where('status', 'in', ['awaiting_signature', 'awaiting_countersignature', 'in_force'])
    .returning(['id', 'request_id', 'provider_org'])
    .executeTakeFirst();
  await transition(tx, {
    ...input.transition,
    outcome: {
      article: input.transition.article,
      agreementId: input.agreementId,
      agreement: input.status,
      ...(input.reason ? { reason: input.reason } : {}),
    },
  });
  if (a)
    await notifyAll(tx, [
      {
        key: `agreement:${a.id}:${input.status}`,
        to: { org: a.provider_org, role: 'provider_reviewer' },
        kind: 'agreement_ended',
        requestId: a.request_id,
        message: agreementEndedNotice(input.status, input.reason),
      },
    ]);
}

/** `months` calendar months after `from` (the last day of a shorter month when the day does not exist). */
export function addMonths(from: Date, months: number): Date {
  const d = new Date(from);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}
