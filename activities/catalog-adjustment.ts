// Read-model side of the catalog adjustment procedure (Art. 9 ¶2): the approved changes applied as new
// versions, all or none, in one transaction with the approval and the request's change to approved.
import type { Db, Executor } from '../db';
import { notify } from '../db/repositories/notifications';
import { catalogPublishedNotice } from '../domain/notices';
import { getOrganisation } from '../db/repositories/organisations';
import {
  currentEntries,
  currentEntryOf,
  ENTRY_COLUMNS,
  entryContentColumns,
  entryContentOf,
  getEntryVersion,
  recordVersions,
  runningWorkOn,
  similarEntries,
  type ShareWorkOn,
} from '../db/repositories/catalog';
import type { CatalogEntryRow } from '../db/schema';
import { ADJUSTMENT_GROUNDS, adjustmentViolations, entryDiff, type AdjustmentForm, type CatalogChange, type SimilarEntry } from '../domain/catalog';
import { adjustmentArticle, priorityMarks, type CommenterKind, type PriorityMark } from '../domain/catalog-adjustment';
import { openWorkOn } from '../db/repositories/open-request';
import { writeOnce } from './write';
import type { RuleViolation } from '../domain/errors';
import { SYSTEM, type ActorRef } from '../domain/types';
import { transition } from './requests';
import { recordDecisionIn, type DecisionInput } from './tasks';

export interface ApplyAdjustmentInput {
  requestId: string;
  applicant: ActorRef & { org: string };
  form: AdjustmentForm;
  /** The authority's approval, recorded in the same transaction (none when a dispute's outcome is applied: its OBJECT was recorded). */
  decision?: DecisionInput;
  /** The workflow step of the change to approved (its audit key makes the whole write happen once). */
  step: string;
  /**
   * Published before review (issue 24 §7): the 本级 authority to tell, in the same transaction, that the
   * change is public and theirs to review afterwards; the trail names it 'adjustment_published'.
   */
  reviewAfter?: { reviewerOrg: string };
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
export type AdjustmentEffects = ShareWorkOn;

/** The entries the adjustment closed to the public (removed, or their openness made NONE), and the open applications and agreements resting on them. */
export interface ClosedOpenness {
  entries: string[];
  /** Open-request workflows still deciding, signing, or holding an agreement in force: they end. */
  workflows: string[];
}

export type ApplyAdjustmentResult =
  | { applied: { entryId: string; version: number; op: CatalogChange['op'] }[]; effects: AdjustmentEffects; closed: ClosedOpenness }
  | { returned: ReturnedChange[]; violations: RuleViolation[] };

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
async function flagDuplicates(db: Db, form: AdjustmentForm, region: string | undefined): Promise<DuplicateFlag[]> {
  const adds = form.changes.flatMap((c, index) => (c.op === 'add' ? [{ index, title: c.entry.title, fieldNames: c.entry.fields.map((f) => f.name) }] : []));
  const flags: DuplicateFlag[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(LOOKUPS_AT_ONCE, adds.length) }, async () => {
      while (next < adds.length) {
        const add = adds[next++];
        const similar = await similarEntries(db, { ...add, region }, 5);
        if (similar.length) flags.push({ index: add.index, title: add.title, similar });
      }
    }),
  );
  return flags.sort((a, b) => a.index - b.index);
}

export function adjustmentActivities(db: Db) {
  return {
    /**
     * What a review round of `form` needs to know of the catalog as it stands: the new entries that may
     * duplicate data already in it (Art. 8), and the entries it newly marks for priority opening, which a
     * public consultation must come before (Art. 18 ¶2).
     */
    async prepareReview(input: { form: AdjustmentForm; org?: string }): Promise<{ duplicates: DuplicateFlag[]; priority: PriorityMark[] }> {
      const ids = input.form.changes.flatMap((c) => (c.op === 'change' && c.entry.priorityOpen ? [c.entryId] : []));
      const rows = await currentEntries(db, ids);
      const priority = priorityMarks(input.form, (id) => rows.get(id)?.priority_open ?? false);
      // The applicant's city's catalog: Art. 8 speaks of the city's platform.
      const region = input.org === undefined ? undefined : (await getOrganisation(db, input.org))?.region;
      return { duplicates: await flagDuplicates(db, input.form, region), priority };
    },

    /** A comment in a priority-opening consultation (Art. 18 ¶2), once by its number, with its audit event. */
    async recordComment(input: { requestId: string; n: number; author: ActorRef; kind: CommenterKind; text: string }): Promise<string> {
      const id = `${input.requestId}.comment-${input.n}`;
      await writeOnce(
        db,
        (tx) =>
          tx
            .insertInto('consultation_comments')
            .values({
              id,
              request_id: input.requestId,
              n: input.n,
              author_sub: input.author.sub,
              author_org: input.author.org,
              author_kind: input.kind,
              text: input.text,
            })
            .onConflict((oc) => oc.column('id').doNothing())
            .returning('id')
            .executeTakeFirst(),
        () => ({
          audit: [
            {
              eventKey: `request:${input.requestId}:comment:${input.n}`,
              requestId: input.requestId,
              actor: input.author,
              action: 'consultation_comment',
              article: 'Art. 18',
              newValue: { commentId: id, kind: input.kind },
            },
          ],
        }),
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
          const outcome = (
            done.new_value as {
              outcome: { entries: { entryId: string; version: number; op: CatalogChange['op'] }[]; effects: AdjustmentEffects; closed: ClosedOpenness };
            }
          ).outcome;
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
                  ? {
                      ...entryContentColumns(c.entry),
                      ...(c.shareStatus ? { share_status: c.shareStatus } : {}),
                      ...(c.openStatus ? { open_status: c.openStatus } : {}),
                      version: c.baseVersion + 1,
                      updated_at: now,
                    }
                  : { share_status: 'withdrawn', open_status: 'withdrawn', version: c.baseVersion + 1, updated_at: now },
              )
              .where('id', '=', c.entryId)
              .where('version', '=', c.baseVersion)
              .returning(ENTRY_COLUMNS)
              .executeTakeFirstOrThrow();
          made.push({ before, row });
        }
        const change = (i: number) => form.changes[i];
        await recordVersions(tx, made, {
          requestId,
          actor: applicant,
          reason,
          article,
          removed: (i) => change(i).op === 'remove',
          // A removal's own reason stays with the version it made, as the application's justification does.
          ownReason: (i) => {
            const c = change(i);
            return c.op === 'remove' && typeof c.reason === 'string' ? c.reason : undefined;
          },
        });

        const ending = (ends: typeof endsSharing) => form.changes.flatMap((c) => (c.op !== 'add' && ends(c, rows.get(c.entryId)) ? [c.entryId] : []));
        const effects = await runningWorkOn(tx, ending(endsSharing));
        const closedEntries = ending(endsOpening);
        const closed: ClosedOpenness = { entries: closedEntries, workflows: await openWorkOn(tx, closedEntries) };
        const applied = made.map(({ row }, i) => ({ entryId: row.id, version: row.version, op: form.changes[i].op }));
        const after = input.reviewAfter;
        await transition(tx, {
          requestId,
          step: input.step,
          actor: input.decision?.actor ?? SYSTEM,
          status: 'approved',
          action: after ? 'adjustment_published' : 'adjustment_applied',
          article,
          decision: input.decision ? 'APPROVE' : null,
          outcome: { article, entries: applied, effects, closed, ...(after ? { review: 'after', reviewerOrg: after.reviewerOrg } : {}) },
        });
        if (after) {
          const agency = (await getOrganisation(tx, applicant.org))?.name ?? applicant.org;
          await notify(tx, {
            key: `request:${requestId}:${input.step}:authority`,
            to: { org: after.reviewerOrg, role: 'authority_reviewer' },
            kind: 'catalog_published',
            requestId,
            message: catalogPublishedNotice(agency, ADJUSTMENT_GROUNDS[form.ground].name, applied.length),
          });
        }
        return { applied, effects, closed };
      });
    },
  };
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
