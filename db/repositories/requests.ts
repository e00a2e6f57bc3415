// Requests of every procedure as the API reads them; the activities write them (activities/requests.ts).
import { sql, type ExpressionBuilder } from 'kysely';
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/postgres';
import type { Executor } from '../index';
import type { Database, RequestRow, TaskReadRow } from '../schema';
import type { RequestStatus } from '../../domain/requests';
import { deletionOf, deliveryOf, endedByOf, onwardOf, renewalOf, revocationOf, type GrantRow } from './grants';
import { nameOf } from './people';

/**
 * What an inbox row says of the request of the task whose request id is `requestId`: its case number, the name of the
 * organisation that applied (null for a person) and the title of its entry. Each a look-up by primary key.
 */
export function requestLabels(requestId: string) {
  const id = sql.ref(requestId);
  return [
    sql<string | null>`(select r.case_number from requests r where r.id = ${id})`.as('case_number'),
    sql<string | null>`(select o.name from requests r join organisations o on o.id = r.applicant_org where r.id = ${id})`.as('applicant_name'),
    sql<string | null>`(select e.title from requests r join catalog_entries e on e.id = r.catalog_entry_id where r.id = ${id})`.as('entry_title'),
  ];
}

/** The id of the request numbered `caseNumber`, if any. */
export async function requestIdByNumber(db: Executor, caseNumber: string): Promise<string | undefined> {
  return (await db.selectFrom('requests').select('id').where('case_number', '=', caseNumber).executeTakeFirst())?.id;
}

export function getRequest(db: Executor, id: string) {
  return db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * A person's own requests, and those of `partyTypes` their organisation started, newest first: by
 * created_at, then id, a total order, so a page ends between two requests of the same instant and the
 * next goes on after it. Each row carries `created_at_exact`, its created_at to the microsecond (the
 * driver's Date keeps milliseconds), for the cursor.
 */
export function listOwnRequests(
  db: Executor,
  who: { sub: string; org: string | null; actsFor?: string[] },
  f: { type?: string; status?: RequestStatus; partyTypes: readonly string[]; after?: [string, string] | null; limit: number },
) {
  // A member of the public's (no organisation), or a person's for their organisation.
  let q = db.selectFrom('requests').selectAll();
  q = who.org === null ? q.where('applicant_org', 'is', null) : q.where('applicant_org', '=', who.org);
  // A request made in a legal person's name is the legal person's: those who act for it now see it, not the sign-in that made it.
  const own = (eb: ExpressionBuilder<Database, 'requests'>) => {
    const mine = eb.and([eb('applicant_sub', '=', who.sub), eb('applicant_legal_person', 'is', null)]);
    return who.org === null && who.actsFor?.length ? eb.or([mine, eb('applicant_legal_person', 'in', who.actsFor)]) : mine;
  };
  q = f.partyTypes.length ? q.where((eb) => eb.or([own(eb), eb('type', 'in', f.partyTypes)])) : q.where((eb) => own(eb));
  if (f.type) q = q.where('type', '=', f.type);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.after) q = q.where(sql<boolean>`(created_at, id) < (${f.after[0]}::timestamptz, ${f.after[1]})`);
  return q
    .select(sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('created_at_exact'))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(f.limit)
    .execute();
}

/**
 * A task with the applicant of its request (whom the exclusion rules need) and, as procedures' rules
 * look at them, the request's tasks in the order they were opened (domain/tasks.ts procedureViolation).
 */
export function getTaskWithApplicant(db: Executor, id: string) {
  return db
    .selectFrom('tasks')
    .innerJoin('requests', 'requests.id', 'tasks.request_id')
    .selectAll('tasks')
    .select(nameOf('tasks.assignee').as('assignee_name'))
    .select(requestLabels('tasks.request_id'))
    .select(['requests.applicant_sub', 'requests.payload as request_form'])
    .select((eb) =>
      jsonArrayFrom(
        eb
          .selectFrom('tasks as s')
          .select(['s.kind', 's.status', 's.decision'])
          .whereRef('s.request_id', '=', 'tasks.request_id')
          .orderBy('s.created_at')
          .orderBy('s.id'),
      ).as('siblings'),
    )
    .where('tasks.id', '=', id)
    .executeTakeFirst();
}

/** Instants of a task row: json_agg gives them as text. */
const TASK_INSTANTS = ['due_at', 'remind_at', 'reminded_at', 'overdue_at', 'created_at', 'completed_at', 'escalate_at', 'escalated_at', 'urged_at'] as const;
const GRANT_INSTANTS = ['granted_at', 'expires_at', 'ended_at', 'starts_at'] as const;

/** A row as JSON gives it (instants as text), made the row the driver gives (instants as Dates). */
function fromJson<R>(row: object, instants: readonly string[]): R {
  const out: Record<string, unknown> = { ...row };
  for (const k of instants) if (typeof out[k] === 'string') out[k] = new Date(out[k]);
  // The one conversion of shape here: the same columns, their instants now Dates.
  return out as R;
}

/** The refusal dispute raised on a refused share request, as its request's read shows it. */
export type RefusalDisputeRow = { id: string; status: string; case_number: string | null };

/** A request with its tasks (in the order they were opened), its grant and, refused and disputed, its dispute, in one read. */
export async function getRequestWhole(
  db: Executor,
  id: string,
): Promise<{ row: RequestRow; tasks: TaskReadRow[]; grant: GrantRow | undefined; dispute?: RefusalDisputeRow } | undefined> {
  const found = await db
    .selectFrom('requests as r')
    .selectAll('r')
    .select((eb) => [
      jsonArrayFrom(
        eb
          .selectFrom('tasks as t')
          .selectAll('t')
          .select(nameOf('t.assignee').as('assignee_name'))
          .select(requestLabels('t.request_id'))
          .whereRef('t.request_id', '=', 'r.id')
          .orderBy('t.created_at')
          .orderBy('t.id'),
      ).as('tasks'),
      jsonObjectFrom(
        eb
          .selectFrom('grants as g')
          .innerJoin('catalog_entries as ce', 'ce.id', 'g.catalog_entry_id')
          .selectAll('g')
          .select([
            'ce.provider_org_id as provider_org',
            'r.workflow_id',
            revocationOf('g.request_id'),
            deliveryOf('g.request_id'),
            endedByOf('g.request_id'),
            deletionOf('g.request_id'),
            renewalOf('g.id'),
            onwardOf('g.request_id'),
          ])
          .whereRef('g.request_id', '=', 'r.id'),
      ).as('grant'),
      // The dispute raised on a refused share request (《政务数据共享条例》), as it stands.
      jsonObjectFrom(eb.selectFrom('requests as d').select(['d.id', 'd.status', 'd.case_number']).whereRef('d.id', '=', 'r.refusal_dispute')).as('dispute'),
    ])
    .where('r.id', '=', id)
    .executeTakeFirst();
  if (!found) return undefined;
  const { tasks, grant, dispute, ...row } = found;
  return {
    row,
    dispute: dispute ?? undefined,
    tasks: tasks.map((t) => fromJson<TaskReadRow>(t, TASK_INSTANTS)),
    grant: grant ? fromJson<GrantRow>(grant, GRANT_INSTANTS) : undefined,
  };
}
