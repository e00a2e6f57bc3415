// A refused share request as its dispute reads it (《政务数据共享条例》, issue 24 §3): the request and its form, the
// decisions that refused it (each whole: decision, reason and form, so a structured basis travels with it), when,
// the window's end on the working-day calendar, and who takes part. The API as the applicant disputes, and the
// activity that takes the refusal for the workflow, read it alike.
import { deadlineAfter } from '../../domain/calendar';
import type { RefusalDisputeParties, RefusedRequest } from '../../domain/refusal-dispute';
import { taskKindRule, type TaskKind } from '../../domain/procedures';
import type { ShareRequestForm } from '../../domain/share';
import type { Duration } from '../../domain/types';
import type { Executor } from '../index';
import { readCalendarOverrides, statutoryCalendar } from './calendar';
import { leadingGroupOf } from './organisations';
import { shareParties } from './share';

/** A decision that refused (the authority's REJECT, the provider's last opinion), as it was taken, in the registry's words. */
export interface RefusingDecision {
  /** The step's name (提供单位审核意见, 会同审核（大数据主管部门）). */
  kind: string;
  org: string | null;
  decision: string | null;
  reason: string | null;
  form: Record<string, unknown> | null;
  at: string | null;
}

export interface Refusal extends RefusedRequest {
  id: string;
  form: ShareRequestForm;
  /** When the request was refused: the REJECT's time. */
  refusedAt: string | null;
  decisions: RefusingDecision[];
  entry: { id: string; title: string; fields: string[]; shareConditions: string | null } | null;
  parties: RefusalDisputeParties | null;
}

/** The share request `id` as a dispute of it reads it; undefined: no request of that id. `forUpdate`: lock its row (the take). */
export async function refusalOf(db: Executor, id: string, forUpdate = false): Promise<Refusal | undefined> {
  let q = db.selectFrom('requests').select(['id', 'type', 'status', 'applicant_org', 'catalog_entry_id', 'payload', 'refusal_dispute']).where('id', '=', id);
  if (forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) return undefined;
  const tasks = await db
    .selectFrom('tasks')
    .select(['kind', 'candidate_org', 'decision', 'reason', 'form', 'completed_at'])
    .where('request_id', '=', id)
    .where('status', '=', 'completed')
    .where('kind', 'in', ['SHARE_JOINT_REVIEW', 'SHARE_PROVIDER_OPINION'])
    .orderBy('completed_at')
    .execute();
  const reject = tasks.filter((t) => t.kind === 'SHARE_JOINT_REVIEW' && t.decision === 'REJECT').at(-1);
  const opinion = tasks.filter((t) => t.kind === 'SHARE_PROVIDER_OPINION').at(-1);
  const decisions = [opinion, reject]
    .filter((t) => t !== undefined)
    .map((t) => ({
      kind: taskKindRule(t.kind as TaskKind).name,
      org: t.candidate_org,
      decision: t.decision ? (taskKindRule(t.kind as TaskKind).decisions[t.decision]?.label ?? t.decision) : null,
      reason: t.reason,
      form: (t.form as Record<string, unknown> | null) ?? null,
      at: t.completed_at ? new Date(t.completed_at).toISOString() : null,
    }));
  let entry: Refusal['entry'] = null;
  let parties: RefusalDisputeParties | null = null;
  if (row.catalog_entry_id && row.applicant_org) {
    const found = await shareParties(db, row.catalog_entry_id, row.applicant_org);
    if (found.context) {
      const c = found.context;
      entry = { id: c.id, title: c.title, fields: c.fields, shareConditions: c.share_conditions };
    }
    if (found.parties) {
      const authority = await db.selectFrom('organisations').select('region').where('id', '=', found.parties.cityAuthorityOrgId).executeTakeFirst();
      const group = authority && (await leadingGroupOf(db, authority.region));
      if (group)
        parties = {
          applicantOrg: row.applicant_org,
          providerOrg: found.parties.entry.providerOrgId,
          authorityOrg: found.parties.cityAuthorityOrgId,
          leadingGroupOrg: group.id,
        };
    }
  }
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    applicantOrg: row.applicant_org,
    disputedBy: row.refusal_dispute,
    form: row.payload as unknown as ShareRequestForm,
    refusedAt: reject?.completed_at ? new Date(reject.completed_at).toISOString() : null,
    decisions,
    entry,
    parties,
  };
}

/** The end of the window to dispute a refusal made at `refusedAt`, on the statutory calendar as it stands. */
export async function disputeWindowEnds(db: Executor, refusedAt: string, window: Duration): Promise<string> {
  const overrides = 'workingDays' in window ? await readCalendarOverrides(db) : new Map<string, boolean>();
  return deadlineAfter(new Date(refusedAt), window, statutoryCalendar(overrides)).toISOString();
}
