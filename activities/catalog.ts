// Read-model side of the catalog adjustment procedure (Art. 9 ¶2): the approved changes applied as new
// versions, all or none, in one transaction with the approval and the request's change to approved.
import type { Db, Executor } from '../db';
import { appendAudits, type AuditInput } from '../db/repositories/audit';
import { currentEntries, currentEntryOf, ENTRY_COLUMNS, entryContentColumns, entryContentOf, entryStateOf, getEntryVersion, similarEntries } from '../db/repositories/catalog';
import type { CatalogEntryRow } from '../db/schema';
import { ADJUSTMENT_GROUNDS, adjustmentViolations, entryDiff, type AdjustmentForm, type CatalogChange, type SideStatus, type SimilarEntry } from '../domain/catalog';
import { adjustmentArticle, priorityMarks, type CommenterKind, type PriorityMark } from '../domain/adjustment';
import { openWorkOn } from '../db/repositories/requests';
import { writeOnce } from './write';
import type { RuleViolation } from '../domain/errors';
import { CANCELLABLE } from '../domain/requests';
import { SYSTEM, type ActorRef } from '../domain/types';
import { samePosition, type SharePosition } from '../domain/dispute';
import { ApplicationFailure } from '@temporalio/activity';
import { recordDecisionIn, type DecisionInput } from './tasks';
import type { TransitionInput } from './requests';
import { transition } from './requests';

export interface ApplyAdjustmentInput {
  requestId: string;
  applicant: ActorRef & { org: string };
  form: AdjustmentForm;
  /** The authority's approval, recorded in the same transaction (none when a dispute's outcome is applied: its OBJECT was recorded). */
  decision?: DecisionInput;
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

/** The entries the adjustment ended sharing of (removed, or now NONE), and the share work that rests on them. */
export interface AdjustmentEffects {
  entries: string[];
  /** Share workflows whose grant of such an entry is active: they revoke it. */
  grants: string[];
  /** Share workflows still deciding a request for such an entry: they end it. */
  requests: string[];
}

/** The entries the adjustment closed to the public (removed, or their openness made NONE), and the open applications and agreements resting on them. */
export interface ClosedOpenness {
  entries: string[];
  /** Open-request workflows still deciding, signing, or holding an agreement in force: they end. */
  workflows: string[];
}

export type ApplyAdjustmentResult =
  | { applied: { entryId: string; version: number; op: CatalogChange['op'] }[]; effects: AdjustmentEffects; closed: ClosedOpenness }
  | { returned: ReturnedChange[]; violations: RuleViolation[] };

export interface SettleDisputeInput {
  requestId: string;
  /** Null: a new entry of the adjustment that objected (never published here). */
  entryId: string | null;
  /** The position agreed, or decided by the leading group. */
  position: SharePosition;
  by: 'agreement' | 'leading_group';
  /** Publish the position as a new version; false when the dispute came from an adjustment's review, which applies it with its other changes. */
  publish: boolean;
  /** The decision that settled it (an ACCEPT or the leading group's DECIDE), recorded in the same transaction. */
  decision: DecisionInput;
  step: string;
}

/** Whether the entry's data stops being shared: removed, or sharing turned NONE (Art. 13). */
const endsSharing = (c: CatalogChange, before: CatalogEntryRow | undefined) =>
  c.op === 'remove' || (c.op === 'change' && c.entry.share.attribute === 'NONE' && before?.share_attribute !== 'NONE');

/** Whether the entry's data stops being open: removed, or opening turned NONE (Art. 17 ¶1). */
const endsOpening = (c: CatalogChange, before: CatalogEntryRow | undefined) =>
  c.op === 'remove' || (c.op === 'change' && c.entry.open.attribute === 'NONE' && before?.open_attribute !== 'NONE');

/** The id of the entry the `index`th change of an adjustment adds. */
export const addedEntryId = (requestId: string, index: number) => `${requestId}-${index + 1}`;

/** An added entry that may duplicate entries already in the catalog (Art. 8), by its place in the adjustment. */
export interface DuplicateFlag {
  index: number;
  title: string;
  similar: SimilarEntry[];
}

/** Look-ups run at once: a bulk adjustment's hundreds of new entries, without holding every pooled connection. */
const LOOKUPS_AT_ONCE = 4;

/**
 * Art. 8 (可以通过市一体化大数据平台获取数据的,不得重复采集): the entries `form` adds that may duplicate data
 * already in the catalog, each with the similar entries (db/repositories/catalog.ts similarEntries).
 */
async function flagDuplicates(db: Db, form: AdjustmentForm): Promise<DuplicateFlag[]> {
  const adds = form.changes.flatMap((c, index) => (c.op === 'add' ? [{ index, title: c.entry.title, fieldNames: c.entry.fields.map((f) => f.name) }] : []));
  const flags: DuplicateFlag[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(LOOKUPS_AT_ONCE, adds.length) }, async () => {
      while (next < adds.length) {
        const add = adds[next++];
        const similar = await similarEntries(db, add, 5);
        if (similar.length) flags.push({ index: add.index, title: add.title, similar });
      }
    }),
  );
  return flags.sort((a, b) => a.index - b.index);
}

export function catalogActivities(db: Db) {
  return {
    /**
     * What a review round of `form` needs to know of the catalog as it stands: the new entries that may
     * duplicate data already in it (Art. 8), and the entries it newly marks for priority opening, which a
     * public consultation must come before (Art. 18 ¶2).
     */
    async prepareReview(input: { form: AdjustmentForm }): Promise<{ duplicates: DuplicateFlag[]; priority: PriorityMark[] }> {
      const ids = input.form.changes.flatMap((c) => (c.op === 'change' && c.entry.priorityOpen ? [c.entryId] : []));
      const rows = await currentEntries(db, ids);
      const priority = priorityMarks(input.form, (id) => rows.get(id)?.priority_open ?? false);
      return { duplicates: await flagDuplicates(db, input.form), priority };
    },

    /** A comment in a priority-opening consultation (Art. 18 ¶2), once by its number, with its audit event. */
    async recordComment(input: { requestId: string; n: number; author: ActorRef; kind: CommenterKind; text: string }): Promise<string> {
      const id = `${input.requestId}.comment-${input.n}`;
      await writeOnce(
        db,
        (tx) =>
          tx
            .insertInto('consultation_comments')
            .values({ id, request_id: input.requestId, n: input.n, author_sub: input.author.sub, author_org: input.author.org, author_kind: input.kind, text: input.text })
            .onConflict((oc) => oc.column('id').doNothing())
            .returning('id')
            .executeTakeFirst(),
        () => ({ audit: [{ eventKey: `request:${input.requestId}:comment:${input.n}`, requestId: input.requestId, actor: input.author, action: 'consultation_comment', article: 'Art. 18', newValue: { commentId: id, kind: input.kind } }] }),
      );
      return id;
    },


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
          const outcome = (done.new_value as { outcome: { entries: { entryId: string; version: number; op: CatalogChange['op'] }[]; effects: AdjustmentEffects; closed: ClosedOpenness } }).outcome;
          return { applied: outcome.entries, effects: outcome.effects, closed: outcome.closed };
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
          if (input.decision) await recordDecisionIn(tx, input.decision);
          return { returned: await returnedChanges(tx, form, rows, violations), violations };
        }

        // The trail reads in order: the approval, the versions it made, the request approved.
        if (input.decision) await recordDecisionIn(tx, input.decision);
        const reason = `${ADJUSTMENT_GROUNDS[form.ground].name}: ${form.justification.trim()}`;
        const now = new Date();
        const made: { before?: CatalogEntryRow; row: CatalogEntryRow }[] = [];
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
              .set(
                c.op === 'change'
                  ? { ...entryContentColumns(c.entry), ...(c.shareStatus ? { share_status: c.shareStatus } : {}), ...(c.openStatus ? { open_status: c.openStatus } : {}), version: c.baseVersion + 1, updated_at: now }
                  : { share_status: 'withdrawn', open_status: 'withdrawn', version: c.baseVersion + 1, updated_at: now },
              )
              .where('id', '=', c.entryId)
              .where('version', '=', c.baseVersion)
              .returning(ENTRY_COLUMNS)
              .executeTakeFirstOrThrow();
          made.push({ before, row });
        }
        await recordVersions(tx, made, { requestId, actor: applicant, reason, article, removed: (i) => form.changes[i].op === 'remove' });

        const ending = (ends: typeof endsSharing) => form.changes.flatMap((c) => (c.op !== 'add' && ends(c, rows.get(c.entryId)) ? [c.entryId] : []));
        const effects = await runningWorkOn(tx, ending(endsSharing));
        const closedEntries = ending(endsOpening);
        const closed: ClosedOpenness = { entries: closedEntries, workflows: await openWorkOn(tx, closedEntries) };
        const applied = made.map(({ row }, i) => ({ entryId: row.id, version: row.version, op: form.changes[i].op }));
        await transition(tx, {
          requestId,
          step: input.step,
          actor: input.decision?.actor ?? SYSTEM,
          status: 'approved',
          action: 'adjustment_applied',
          article,
          decision: input.decision ? 'APPROVE' : null,
          outcome: { article, entries: applied, effects, closed },
        });
        return { applied, effects, closed };
      });
    },
  };
}

/** Where a settled dispute left the entry: its version (unchanged when the position was the published one; null for a new entry) and the running work it ended. */
export interface DisputeSettlement {
  version: number | null;
  changed: boolean;
  effects: AdjustmentEffects;
}

export function disputeActivities(db: Db) {
  return {
    /**
     * The entry shows the dispute running on it (or, `on` false, no longer), its published attribute
     * unchanged. Answers whether the entry now shows this dispute: one dispute runs on an entry at a time.
     */
    async markDispute(input: { entryId: string; requestId: string; on: boolean }): Promise<{ held: boolean }> {
      const q = db.updateTable('catalog_entries').where('id', '=', input.entryId);
      if (!input.on) {
        await q.set({ share_dispute: null }).where('share_dispute', '=', input.requestId).execute();
        return { held: false };
      }
      // Taken now, or by an earlier attempt of this one.
      const row = await q
        .set({ share_dispute: input.requestId })
        .where((eb) => eb.or([eb('share_dispute', 'is', null), eb('share_dispute', '=', input.requestId)]))
        .returning('id')
        .executeTakeFirst();
      return { held: row !== undefined };
    },

    /**
     * Art. 13 ¶3: the position agreed or decided becomes the entry's share side as a new version (unless it
     * is the one published), the dispute mark goes, and the request is settled, in one transaction with
     * the decision that settled it. Sharing made NONE ends the running work resting on the entry.
     */
    async settleDispute(input: SettleDisputeInput): Promise<DisputeSettlement> {
      const article = 'Art. 13';
      return db.transaction().execute(async (tx) => {
        await tx.selectFrom('requests').select('id').where('id', '=', input.requestId).forUpdate().execute();
        const done = await tx.selectFrom('audit_events').select('new_value').where('event_key', '=', `request:${input.requestId}:${input.step}`).executeTakeFirst();
        if (done) return (done.new_value as { outcome: { settlement: DisputeSettlement } }).outcome.settlement;
        const before = input.entryId === null ? undefined : (await currentEntries(tx, [input.entryId], true)).get(input.entryId);
        if (input.entryId !== null && !before) throw ApplicationFailure.nonRetryable(`catalog entry ${input.entryId} not found`, 'EntryNotFound');
        // The trail reads in order: the decision that settled it, the version it made, the request settled.
        await recordDecisionIn(tx, input.decision);
        const p = input.position;
        const changed = !!before && input.publish && !samePosition(p, entryContentOf(before).share);
        let version = before?.version ?? null;
        if (changed && before) {
          const row = await tx
            .updateTable('catalog_entries')
            .set({ share_attribute: p.attribute, share_reasons: p.reasons, share_conditions: p.conditions, share_basis: JSON.stringify(p.basis), share_dispute: null, version: before.version + 1, updated_at: new Date() })
            .where('id', '=', before.id)
            .returning(ENTRY_COLUMNS)
            .executeTakeFirstOrThrow();
          version = row.version;
          const reason = input.by === 'agreement' ? '共享属性异议经协商一致 (Art. 13 ¶3)' : '共享属性异议由数字强市领导小组决定 (Art. 13 ¶3)';
          await recordVersions(tx, [{ before, row }], { requestId: input.requestId, actor: input.decision.actor, reason, article });
        } else if (before) await tx.updateTable('catalog_entries').set({ share_dispute: null }).where('id', '=', before.id).where('share_dispute', '=', input.requestId).execute();
        const effects = await runningWorkOn(tx, changed && before && p.attribute === 'NONE' && before.share_attribute !== 'NONE' ? [before.id] : []);
        const settlement = { version, changed, effects };
        await transition(tx, {
          requestId: input.requestId,
          step: input.step,
          actor: input.decision.actor,
          status: 'settled',
          action: input.by === 'agreement' ? 'dispute_agreed' : 'dispute_decided',
          article,
          decision: input.decision.decision,
          reason: input.decision.reason,
          outcome: { article, by: input.by, position: p, settlement },
        });
        return settlement;
      });
    },
  };
}

/**
 * A withdrawal's effect on an entry's openness (Art. 21 ¶2), with the request's change of status and the
 * decision behind it, in one transaction, once: the open side becomes `openStatus` as a new version when it
 * is one of `onlyIf` (none: the entry stays as it is).
 */
export interface OpennessChange {
  requestId: string;
  entryId: string;
  openStatus: SideStatus;
  onlyIf: SideStatus[];
  reason: string;
  decision?: DecisionInput;
  transition: TransitionInput;
}

export function withdrawalActivities(db: Db) {
  return {
    async changeOpenness(input: OpennessChange): Promise<{ changed: boolean }> {
      return db.transaction().execute(async (tx) => {
        await tx.selectFrom('requests').select('id').where('id', '=', input.requestId).forUpdate().execute();
        const done = await tx.selectFrom('audit_events').select('new_value').where('event_key', '=', `request:${input.requestId}:${input.transition.step}`).executeTakeFirst();
        if (done) return { changed: (done.new_value as { outcome?: { opennessChanged?: boolean } }).outcome?.opennessChanged ?? false };
        if (input.decision) await recordDecisionIn(tx, input.decision);
        const before = (await currentEntries(tx, [input.entryId], true)).get(input.entryId);
        const changed = !!before && input.onlyIf.includes(before.open_status);
        if (changed && before) {
          const row = await tx
            .updateTable('catalog_entries')
            .set({ open_status: input.openStatus, version: before.version + 1, updated_at: new Date() })
            .where('id', '=', input.entryId)
            .returning(ENTRY_COLUMNS)
            .executeTakeFirstOrThrow();
          await recordVersions(tx, [{ before, row }], { requestId: input.requestId, actor: input.decision?.actor ?? input.transition.actor, reason: input.reason, article: 'Art. 21' });
        }
        // The outcome says whether the entry changed: a retry answers the same.
        await transition(tx, { ...input.transition, outcome: { article: 'Art. 21', ...input.transition.outcome, opennessChanged: changed } });
        return { changed };
      });
    },
  };
}

/**
 * New versions of entries as one request made them: each version's row (who, why, which request), and an
 * audit event per entry naming what changed (`before` absent: the entry is new).
 */
async function recordVersions(
  tx: Executor,
  made: { before?: CatalogEntryRow; row: CatalogEntryRow }[],
  why: { requestId: string; actor: ActorRef; reason: string; article: string; removed?: (index: number) => boolean },
): Promise<void> {
  if (!made.length) return;
  await tx
    .insertInto('catalog_entry_versions')
    .values(made.map(({ row }) => ({ entry_id: row.id, version: row.version, snapshot: JSON.stringify(row), changed_by: why.actor.sub, change_request_id: why.requestId, reason: why.reason })))
    .execute();
  await appendAudits(
    tx,
    made.map(({ before, row }, i): AuditInput => ({
      eventKey: `catalog:${row.id}:v${row.version}`,
      requestId: why.requestId,
      actor: why.actor,
      action: !before ? 'catalog_entry_added' : why.removed?.(i) ? 'catalog_entry_removed' : 'catalog_entry_changed',
      article: why.article,
      reason: why.reason,
      oldValue: before ? { entryId: row.id, version: before.version } : null,
      newValue: { entryId: row.id, version: row.version, ...(before ? { changes: entryDiff(entryStateOf(before), entryStateOf(row)) } : {}) },
    })),
  );
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
