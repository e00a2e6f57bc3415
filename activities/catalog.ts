// Read-model side of the catalog adjustment procedure (Art. 9 ¶2): the approved changes applied as new
// versions, all or none, in one transaction with the approval and the request's change to approved.
import type { Db, Executor } from '../db';
import { appendAudits, type AuditInput } from '../db/repositories/audit';
import { currentEntries, currentEntryOf, ENTRY_COLUMNS, entryContentColumns, entryContentOf, getEntryVersion } from '../db/repositories/catalog';
import type { CatalogEntryRow } from '../db/schema';
import { ADJUSTMENT_GROUNDS, adjustmentViolations, entryDiff, type AdjustmentForm, type CatalogChange } from '../domain/catalog';
import { adjustmentArticle } from '../domain/adjustment';
import type { RuleViolation } from '../domain/errors';
import { CANCELLABLE } from '../domain/requests';
import type { ActorRef } from '../domain/types';
import { recordDecisionIn, type DecisionInput } from './tasks';
import { transition } from './requests';

export interface ApplyAdjustmentInput {
  requestId: string;
  applicant: ActorRef & { org: string };
  form: AdjustmentForm;
  /** The authority's approval, recorded in the same transaction. */
  decision: DecisionInput;
  /** The workflow step of the change to approved (its audit key makes the whole write happen once). */
  step: string;
}

/** A change that no longer fits the catalog: what it started from, where the entry is now, and what differs. */
export interface ReturnedChange {
  index: number;
  entryId: string;
  baseVersion: number;
  currentVersion: number | null;
  diff: { field: string; from: unknown; to: unknown }[];
}

/** The entries the adjustment ended sharing of (removed, or now NONE), and the running work that rests on them. */
export interface AdjustmentEffects {
  entries: string[];
  /** Share workflows whose grant of such an entry is active: they revoke it. */
  grants: string[];
  /** Share workflows still deciding a request for such an entry: they end it. */
  requests: string[];
}

export type ApplyAdjustmentResult =
  | { applied: { entryId: string; version: number; op: CatalogChange['op'] }[]; effects: AdjustmentEffects }
  | { returned: ReturnedChange[]; violations: RuleViolation[] };

/** Whether the entry's data stops being shared: removed, or sharing turned NONE (Art. 13). */
const endsSharing = (c: CatalogChange, before: CatalogEntryRow | undefined) =>
  c.op === 'remove' || (c.op === 'change' && c.entry.share.attribute === 'NONE' && before?.share_attribute !== 'NONE');

/** The id of the entry the `index`th change of an adjustment adds. */
export const addedEntryId = (requestId: string, index: number) => `${requestId}-${index + 1}`;

export function catalogActivities(db: Db) {
  return {
    /**
     * Applies an approved adjustment: every change as a new version (optimistic: each starts from the
     * version it names, the entries locked in id order), or, when any change no longer fits the catalog
     * as it stands (another adjustment came first), none of them: those changes go back with what differs.
     */
    async applyAdjustment(input: ApplyAdjustmentInput): Promise<ApplyAdjustmentResult> {
      const { requestId, applicant, form } = input;
      const article = adjustmentArticle(form);
      return db.transaction().execute(async (tx) => {
        // One attempt at a time per request; one that finds the change to approved written answers with it.
        await tx.selectFrom('requests').select('id').where('id', '=', requestId).forUpdate().execute();
        const done = await tx.selectFrom('audit_events').select('new_value').where('event_key', '=', `request:${requestId}:${input.step}`).executeTakeFirst();
        if (done) {
          const outcome = (done.new_value as { outcome: { entries: { entryId: string; version: number; op: CatalogChange['op'] }[]; effects: AdjustmentEffects } }).outcome;
          return { applied: outcome.entries, effects: outcome.effects };
        }
        const ids = form.changes.flatMap((c) => (c.op === 'add' ? [] : [c.entryId]));
        const rows = await currentEntries(tx, ids, true);
        const current = (id: string) => {
          const r = rows.get(id);
          return r && currentEntryOf(r);
        };
        const violations = adjustmentViolations(form, applicant.org, current);
        if (violations.length) {
          // The approval stands in the trail; the changes go back to the applicant.
          await recordDecisionIn(tx, input.decision);
          return { returned: await returnedChanges(tx, form, rows, violations), violations };
        }

        // The trail reads in order: the approval, the versions it made, the request approved.
        await recordDecisionIn(tx, input.decision);
        const reason = `${ADJUSTMENT_GROUNDS[form.ground].name}: ${form.justification.trim()}`;
        const now = new Date();
        const made: CatalogEntryRow[] = [];
        const audit: AuditInput[] = [];
        for (const [i, c] of form.changes.entries()) {
          const before = c.op === 'add' ? undefined : rows.get(c.entryId);
          let row: CatalogEntryRow;
          if (c.op === 'add')
            row = await tx
              .insertInto('catalog_entries')
              .values({ id: addedEntryId(requestId, i), provider_org_id: applicant.org, ...entryContentColumns(c.entry), updated_at: now })
              .returning(ENTRY_COLUMNS)
              .executeTakeFirstOrThrow();
          else
            row = await tx
              .updateTable('catalog_entries')
              .set(c.op === 'change' ? { ...entryContentColumns(c.entry), version: c.baseVersion + 1, updated_at: now } : { share_status: 'withdrawn', open_status: 'withdrawn', version: c.baseVersion + 1, updated_at: now })
              .where('id', '=', c.entryId)
              .where('version', '=', c.baseVersion)
              .returning(ENTRY_COLUMNS)
              .executeTakeFirstOrThrow();
          made.push(row);
          audit.push({
            eventKey: `catalog:${row.id}:v${row.version}`,
            requestId,
            actor: applicant,
            action: c.op === 'add' ? 'catalog_entry_added' : c.op === 'change' ? 'catalog_entry_changed' : 'catalog_entry_removed',
            article,
            reason,
            oldValue: before ? { entryId: row.id, version: before.version } : null,
            newValue: { entryId: row.id, version: row.version, ...(before ? { changes: entryDiff(entryContentOf(before), entryContentOf(row)) } : {}) },
          });
        }
        await tx
          .insertInto('catalog_entry_versions')
          .values(made.map((r) => ({ entry_id: r.id, version: r.version, snapshot: JSON.stringify(r), changed_by: applicant.sub, change_request_id: requestId, reason })))
          .execute();
        await appendAudits(tx, audit);

        const ended = form.changes.flatMap((c) => (endsSharing(c, c.op === 'add' ? undefined : rows.get(c.entryId)) && c.op !== 'add' ? [c.entryId] : []));
        const effects = await runningWorkOn(tx, ended);
        const applied = made.map((r, i) => ({ entryId: r.id, version: r.version, op: form.changes[i].op }));
        await transition(tx, {
          requestId,
          step: input.step,
          actor: input.decision.actor,
          status: 'approved',
          action: 'adjustment_applied',
          article,
          decision: 'APPROVE',
          outcome: { article, entries: applied, effects },
        });
        return { applied, effects };
      });
    },
  };
}

/** The share workflows resting on `entries`: active grants, and requests still being decided. */
async function runningWorkOn(tx: Executor, entries: string[]): Promise<AdjustmentEffects> {
  if (!entries.length) return { entries, grants: [], requests: [] };
  const grants = await tx
    .selectFrom('grants as g')
    .innerJoin('requests as r', 'r.id', 'g.request_id')
    .select('r.workflow_id')
    .where('g.catalog_entry_id', 'in', entries)
    .where('g.status', '=', 'active')
    .orderBy('r.workflow_id')
    .execute();
  const requests = await tx
    .selectFrom('requests')
    .select('workflow_id')
    .where('type', '=', 'share')
    .where('catalog_entry_id', 'in', entries)
    .where('status', 'in', [...CANCELLABLE])
    .orderBy('workflow_id')
    .execute();
  return { entries, grants: grants.map((g) => g.workflow_id), requests: requests.map((r) => r.workflow_id) };
}

/** The changes that no longer fit: each with the difference between the version it started from and the entry now. */
async function returnedChanges(tx: Executor, form: AdjustmentForm, rows: Map<string, CatalogEntryRow>, violations: RuleViolation[]): Promise<ReturnedChange[]> {
  const out: ReturnedChange[] = [];
  const flagged = new Set(violations.map((v) => Number(/^changes\.(\d+)\./.exec(v.field ?? '')?.[1])).filter(Number.isInteger));
  for (const [index, c] of form.changes.entries()) {
    if (c.op === 'add' || !flagged.has(index)) continue;
    const now = rows.get(c.entryId);
    const base = await getEntryVersion(tx, c.entryId, c.baseVersion);
    const diff = base && now ? entryDiff(entryContentOf(base.snapshot), entryContentOf(now)) : [];
    out.push({ index, entryId: c.entryId, baseVersion: c.baseVersion, currentVersion: now?.version ?? null, diff });
  }
  return out;
}
