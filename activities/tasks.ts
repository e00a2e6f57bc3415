// Read-model side of the human-task mechanism: every write is idempotent (keyed on task id and step).
import { sql } from 'kysely';
import type { Db, Executor } from '../db';
import { appendAudit, auditRow, auditSelect } from '../db/repositories/audit';
import { delegatesOfCandidates, type TaskDelegate } from '../db/repositories/delegations';
import { notify, notifyAll, toCandidates } from '../db/repositories/notifications';
import { getOrganisation, supervisingAuthorityOf } from '../db/repositories/organisations';
import {
  taskDueExtendedNotice,
  taskEscalatedNotice,
  taskEscalatedToHeadNotice,
  taskOpenedForDelegateNotice,
  taskOpenedNotice,
  taskOverdueNotice,
  taskReassignedNotice,
  taskReminderNotice,
} from '../domain/notices';
import { ESCALATION_HEAD_ROLE, escalationHead, type Candidate } from '../domain/tasks';
import { SYSTEM, type ActorRef, type Role } from '../domain/types';
import { computeDeadlines, deadlineCounter, type DeadlineInput, type Deadlines } from './calendar';
import { requestParts, transition, transitionTrail, type RecordRequestInput, type TransitionInput } from './requests';
import { columnsOf, writeAsOne, writeOnce, type OrderedTrail } from './write';

export interface OpenTaskInput {
  taskId: string;
  requestId: string;
  workflowId: string;
  kind: string;
  candidateRole: Role;
  candidateOrg: string | null;
  candidateUser: string | null;
  /** Everyone who may act on it (default: the one candidate above). */
  candidates?: Candidate[];
  article: string;
  /** How its due times are counted, here, in the same step. */
  deadlines: DeadlineInput;
  excluded: string[];
  context?: Record<string, unknown>;
  /** Who the task was opened at the request of (the trail's actor of its opening); default: the system. */
  openedBy?: ActorRef;
}

export interface DecisionInput {
  taskId: string;
  actor: ActorRef;
  decision: string;
  reason: string | null;
  form: Record<string, unknown> | null;
}

/**
 * The authority whose supervisors oversee a task's candidate organisation (Art. 32: its own level's, or the
 * next level up where that has none), null for a task addressed to a member of the public; and the candidate
 * as a notice names it (its name, or 申请人 for a member of the public).
 */
async function supervisorOf(tx: Executor, candidateOrg: string | null): Promise<{ supervisor: string | null; candidate: string }> {
  const org = candidateOrg ? await getOrganisation(tx, candidateOrg) : undefined;
  return { supervisor: (org && (await supervisingAuthorityOf(tx, org))?.authority.id) ?? null, candidate: org?.name ?? candidateOrg ?? '申请人' };
}

/** What escalating a task did: whether now, and the head it added to the candidates (escalationHead), if any. */
export interface EscalationOutcome {
  escalated: boolean;
  head: Candidate | null;
}

/** Whether the directory of people knows a head (ESCALATION_HEAD_ROLE) of `org` who is none of `excluded`. */
async function headKnown(tx: Executor, org: string, excluded: string[]): Promise<boolean> {
  let q = tx
    .selectFrom('people')
    .select('sub')
    .where('org', '=', org)
    .where(sql<boolean>`${ESCALATION_HEAD_ROLE} = any(roles)`);
  if (excluded.length) q = q.where('sub', 'not in', excluded);
  return (await q.limit(1).executeTakeFirst()) !== undefined;
}

/** Tasks' due times, counted from their `deadlines` (one read of the calendar for all). */
export async function deadlinesOf(db: Db, inputs: OpenTaskInput[]): Promise<Deadlines[]> {
  const count = await deadlineCounter(
    db,
    inputs.map((t) => t.deadlines),
  );
  return inputs.map((t) => count(t.deadlines));
}

const candidatesOf = (input: OpenTaskInput): Candidate[] =>
  input.candidates ?? [{ org: input.candidateOrg, role: input.candidateRole, user: input.candidateUser }];

/** The delegates in force now of the candidates of `inputs` for their kinds (代理, issue 26 §3): one query for the batch. */
const delegatesOf = (db: Db | Executor, inputs: OpenTaskInput[]) =>
  delegatesOfCandidates(
    db,
    inputs.map((t) => ({ kind: t.kind, candidates: candidatesOf(t), excluded: t.excluded })),
    new Date(),
  );

/**
 * The rows that open `inputs` with due times `due[i]`, and their audit events and notices: parts of one statement. Each
 * task's notice goes to its candidates and to the delegates in force of its candidates for its kind (`delegates`).
 */
function taskParts(db: Db | Executor, inputs: OpenTaskInput[], due: Deadlines[], delegates: TaskDelegate[]) {
  const tasks = inputs.map((input, i) => ({
    ...input,
    ...due[i],
    candidates: candidatesOf(input),
    delegates: delegates.filter((d) => d.i === i),
  }));
  const effect = db
    .insertInto('tasks')
    .values(
      tasks.map((t) => ({
        id: t.taskId,
        request_id: t.requestId,
        workflow_id: t.workflowId,
        kind: t.kind,
        candidate_role: t.candidateRole,
        candidate_org: t.candidateOrg,
        candidate_user: t.candidateUser,
        status: 'open' as const,
        article: t.article,
        due_at: t.dueAt,
        remind_at: t.remindAt,
        due_calendar_known: t.calendarKnown,
        context: t.context ? JSON.stringify(t.context) : null,
        excluded: t.excluded,
        candidates: JSON.stringify(t.candidates),
        escalate_at: t.escalateAt ?? null,
      })),
    )
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id as key');
  const trail: OrderedTrail = tasks.map((t) => [
    t.taskId,
    {
      audit: [
        {
          eventKey: `task:${t.taskId}:opened`,
          requestId: t.requestId,
          taskId: t.taskId,
          actor: t.openedBy ?? SYSTEM,
          action: 'task_opened',
          article: t.article,
          newValue: {
            kind: t.kind,
            candidateRole: t.candidateRole,
            candidateOrg: t.candidateOrg,
            ...(t.candidates.length > 1 ? { candidates: t.candidates } : {}),
            dueAt: t.dueAt,
            calendarKnown: t.calendarKnown,
            ...(t.context ? { context: t.context } : {}),
          },
        },
      ],
      notices: [
        ...toCandidates(t.candidates, {
          key: `task:${t.taskId}:opened`,
          kind: 'task_assigned',
          requestId: t.requestId,
          taskId: t.taskId,
          message: taskOpenedNotice(t.kind, t.dueAt),
        }),
        ...t.delegates.map((d) => ({
          key: `task:${t.taskId}:opened:delegate:${d.delegate}`,
          to: { org: d.org, user: d.delegate },
          kind: 'task_assigned',
          requestId: t.requestId,
          taskId: t.taskId,
          message: taskOpenedForDelegateNotice(t.kind, t.dueAt, d.delegatorName),
        })),
      ],
    },
  ]);
  return { effect, trail };
}

/** Each task's due times: as just opened, or, for a task an earlier attempt opened, as that attempt set them. */
async function dueOf(db: Db | Executor, inputs: OpenTaskInput[], opened: Set<string>, due: Deadlines[]): Promise<Deadlines[]> {
  const earlier = inputs.filter((t) => !opened.has(t.taskId)).map((t) => t.taskId);
  if (!earlier.length) return due;
  const before = await db.selectFrom('tasks').select(['id', 'due_at', 'remind_at', 'due_calendar_known', 'escalate_at']).where('id', 'in', earlier).execute();
  return inputs.map((t, i) => {
    const b = before.find((r) => r.id === t.taskId);
    return b
      ? {
          dueAt: b.due_at.toISOString(),
          remindAt: b.remind_at?.toISOString() ?? null,
          calendarKnown: b.due_calendar_known,
          escalateAt: b.escalate_at?.toISOString() ?? null,
        }
      : due[i];
  });
}

/**
 * Opens tasks (each once, by id) with due times `due[i]`, their audit events and their notices in one
 * statement; answers with each task's due times (an earlier attempt's stand).
 */
export async function openAllIn(db: Db | Executor, inputs: OpenTaskInput[], due: Deadlines[]): Promise<Deadlines[]> {
  const { effect, trail } = taskParts(db, inputs, due, await delegatesOf(db, inputs));
  return dueOf(db, inputs, await writeAsOne(db, [effect], trail), due);
}

/**
 * Records a decision on an open task (once) with its audit event, as one statement (so one round trip,
 * atomic on its own or inside `db`'s transaction): the event is written only if the task was still open.
 */
export async function recordDecisionIn(db: Db | Executor, d: DecisionInput): Promise<void> {
  const e = auditRow({
    eventKey: `task:${d.taskId}:completed`,
    requestId: null,
    taskId: d.taskId,
    actor: d.actor,
    action: 'task_completed',
    article: '',
    decision: d.decision,
    reason: d.reason,
    oldValue: { status: 'open' },
    // A delegate's decision (代理) names, in the hashed trail, whom it was taken for: "X 代 Y".
    newValue: { status: 'completed', decision: d.decision, form: d.form, ...(d.actor.onBehalfOf ? { onBehalfOf: d.actor.onBehalfOf } : {}) },
  });
  await db
    .with('decided', (q) =>
      q
        .updateTable('tasks')
        .set({
          status: 'completed',
          decision: d.decision,
          reason: d.reason,
          form: JSON.stringify(d.form),
          decided_by: d.actor.sub,
          decided_on_behalf_of: d.actor.onBehalfOf ?? null,
          completed_at: new Date(),
        })
        .where('id', '=', d.taskId)
        .where('status', '=', 'open')
        .returning(['request_id', 'article']),
    )
    .insertInto('audit_events')
    .columns(columnsOf(e))
    // The request and the article are the task's own.
    .expression((eb) => eb.selectFrom('decided').select(auditSelect(e, { request_id: sql.ref('decided.request_id'), article: sql.ref('decided.article') })))
    .onConflict((oc) => oc.column('event_key').doNothing())
    .execute();
}

/** Tasks closed unanswered (the request's end, a sibling's decision): who closed them, why, under which article. */
export interface CancelTasksInput {
  taskIds: string[];
  actor: ActorRef;
  reason: string | null;
  article: string;
}

/** Cancels the tasks still open of `input.taskIds`, each with its audit event (once); inside `db`'s transaction when it is one. */
export async function cancelTasksIn(db: Db | Executor, input: CancelTasksInput): Promise<void> {
  if (!input.taskIds.length) return;
  await writeOnce(
    db,
    (tx) =>
      tx
        .updateTable('tasks')
        .set({ status: 'cancelled', reason: input.reason, completed_at: new Date() })
        .where('id', 'in', input.taskIds)
        .where('status', '=', 'open')
        .returningAll()
        .execute(),
    (rows) => ({
      audit: rows.map((row) => ({
        eventKey: `task:${row.id}:cancelled`,
        requestId: row.request_id,
        taskId: row.id,
        actor: input.actor,
        action: 'task_cancelled',
        article: input.article,
        reason: input.reason,
        oldValue: { status: 'open' },
        newValue: { status: 'cancelled' },
      })),
    }),
  );
}

export function taskActivities(db: Db, caseRegion: string) {
  return {
    /** Opens the task (once, by id) and answers with its due times, computed here when `deadlines` is given. */
    async openTask(input: OpenTaskInput): Promise<Deadlines> {
      return (await openAllIn(db, [input], await deadlinesOf(db, [input])))[0];
    },

    /**
     * A review round in one step: its tasks open and the request changes status in one transaction
     * (one write where there were three), the request's record first when this is its first write.
     * Answers with each task's due times.
     */
    async openRound(input: { tasks: OpenTaskInput[]; transition: TransitionInput; record?: RecordRequestInput }): Promise<Deadlines[]> {
      const due = await deadlinesOf(db, input.tasks);
      if (input.record) {
        // The request's first write: its row goes in with the round's status, and the trail reads as it
        // would step by step (submitted, the tasks opened, the status change from submitted), in one statement.
        const request = requestParts(db, input.record, caseRegion, input.transition.status, input.transition.outcome);
        const round = taskParts(db, input.tasks, due, await delegatesOf(db, input.tasks));
        const change = transitionTrail(input.transition, 'submitted', input.record.applicant.sub, input.record.legalPerson, input.record.type);
        const made = await writeAsOne(
          db,
          [request.effect, round.effect],
          [...request.trail, ...round.trail, [input.record.requestId, { audit: [change.audit], notices: [change.notice] }]],
          0,
        );
        return dueOf(db, input.tasks, made, due);
      }
      return db.transaction().execute(async (tx) => {
        const opened = await openAllIn(tx, input.tasks, due);
        await transition(tx, input.transition);
        return opened;
      });
    },

    // Each deadline notice names the due time it was owed for (`dueAt`): one an extension moved meanwhile writes nothing.
    async remindTask(taskId: string, dueAt: string): Promise<void> {
      await writeOnce(
        db,
        (tx) =>
          tx
            .updateTable('tasks')
            .set({ reminded_at: new Date() })
            .where('id', '=', taskId)
            .where('status', '=', 'open')
            .where('reminded_at', 'is', null)
            .where('due_at', '=', new Date(dueAt))
            .returningAll()
            .executeTakeFirst(),
        (row) => ({
          notices: toCandidates(row.candidates, {
            key: `task:${taskId}:reminder:${row.due_at.toISOString()}`,
            kind: 'task_reminder',
            requestId: row.request_id,
            taskId,
            message: taskReminderNotice(row.kind, row.due_at),
          }),
        }),
      );
    },

    /** Past due: marked overdue and the supervisor of the candidate organisation's level is told. Never decided. */
    async markTaskOverdue(taskId: string, dueAt: string): Promise<void> {
      await writeOnce(
        db,
        (tx) =>
          tx
            .updateTable('tasks')
            .set({ overdue_at: new Date() })
            .where('id', '=', taskId)
            .where('status', '=', 'open')
            .where('overdue_at', 'is', null)
            .where('due_at', '=', new Date(dueAt))
            .returningAll()
            .executeTakeFirst(),
        async (row, tx) => {
          const { supervisor, candidate } = await supervisorOf(tx, row.candidate_org);
          const key = `task:${taskId}:overdue:${row.due_at.toISOString()}`;
          return {
            audit: [
              {
                eventKey: key,
                requestId: row.request_id,
                taskId,
                actor: SYSTEM,
                action: 'task_overdue',
                article: 'Art. 32',
                newValue: { dueAt: row.due_at.toISOString(), supervisor },
              },
            ],
            notices: [
              {
                key,
                to: { org: supervisor ?? row.candidate_org, role: 'supervisor' },
                kind: 'task_overdue',
                requestId: row.request_id,
                taskId,
                message: taskOverdueNotice(row.kind, candidate, row.due_at),
              },
            ],
          };
        },
      );
    },

    async recordDecision(d: DecisionInput): Promise<void> {
      await recordDecisionIn(db, d);
    },

    async cancelTasks(input: CancelTasksInput): Promise<void> {
      await cancelTasksIn(db, input);
    },

    /**
     * An open task still undecided by the policy's threshold past its due time is escalated (督办, Art. 32):
     * the supervisors of its candidate's authority are told again, and so are its candidates. With `head` (the
     * `escalation-head` patch), the competent body's own head (escalationHead: its 共享工作机构负责人, known to the
     * directory of people and no party to the matter) joins its candidates in the same write and is told; where the
     * organisation has none, nobody is added and the trail event says so. Never another body; nothing is decided
     * for anyone. Answers whether it was escalated now (false when the task closed meanwhile or an earlier attempt
     * escalated it) and the head the task has from its escalation (an earlier attempt's too), which the workflow adds.
     */
    async escalateTask(input: { taskId: string; article: string; dueAt: string; head?: boolean }): Promise<EscalationOutcome> {
      const written = await writeOnce(
        db,
        async (tx) => {
          const row = await tx
            .updateTable('tasks')
            .set({ escalated_at: new Date() })
            .where('id', '=', input.taskId)
            .where('status', '=', 'open')
            .where('escalated_at', 'is', null)
            .where('due_at', '=', new Date(input.dueAt))
            .returningAll()
            .executeTakeFirst();
          if (!row || !input.head) return row && { row, head: null, why: null };
          const head = escalationHead({ candidateOrg: row.candidate_org, candidates: row.candidates });
          const known = head && (await headKnown(tx, head.org!, row.excluded ?? []));
          if (head && known) {
            await tx
              .updateTable('tasks')
              .set({ candidates: JSON.stringify([...row.candidates, head]) })
              .where('id', '=', row.id)
              .execute();
            return { row, head, why: null };
          }
          const why =
            row.candidate_org === null
              ? 'a member of the public’s task: no organisation’s head to add'
              : head
                ? `no ${ESCALATION_HEAD_ROLE} of ${row.candidate_org} known (none who is no party to the matter): nobody added`
                : `the ${ESCALATION_HEAD_ROLE} of ${row.candidate_org} is a candidate already`;
          return { row, head: null, why };
        },
        async ({ row, head, why }, tx) => {
          const { supervisor, candidate } = await supervisorOf(tx, row.candidate_org);
          const key = `task:${input.taskId}:escalated`;
          const message = taskEscalatedNotice(row.kind, candidate, row.due_at);
          const notice = { kind: 'task_escalated', requestId: row.request_id, taskId: input.taskId };
          return {
            audit: [
              {
                eventKey: key,
                requestId: row.request_id,
                taskId: input.taskId,
                actor: SYSTEM,
                action: 'task_escalated',
                article: input.article,
                oldValue: { dueAt: row.due_at.toISOString() },
                newValue: {
                  supervisor,
                  ...(input.head ? { addedCandidate: head && { org: head.org, role: head.role } } : {}),
                  ...(why ? { notAdded: why } : {}),
                },
              },
            ],
            notices: [
              ...(supervisor ? [{ key, to: { org: supervisor, role: 'supervisor' }, message, ...notice }] : []),
              ...toCandidates(row.candidates, { key: `${key}:candidates`, message, ...notice }),
              ...(head
                ? [
                    {
                      key: `${key}:head`,
                      to: { org: head.org, role: head.role },
                      message: taskEscalatedToHeadNotice(row.kind, candidate, row.due_at),
                      ...notice,
                    },
                  ]
                : []),
            ],
          };
        },
      );
      if (written) return { escalated: true, head: written.head };
      // Escalated by an earlier attempt (or closed): the head that attempt added, if any, for the workflow to add in turn.
      const row = await db.selectFrom('tasks').select(['candidates', 'escalated_at']).where('id', '=', input.taskId).executeTakeFirst();
      return { escalated: false, head: (input.head && row?.escalated_at && row.candidates.find((c) => c.escalation)) || null };
    },

    /**
     * Claim (assignee = actor), give back (assignee = null), or, with a reason, a supervisor's
     * reassignment (Art. 32); `step` keeps repeated changes distinct in the trail.
     */
    async setAssignee(input: { taskId: string; actor: ActorRef; assignee: string | null; step: number; reason?: string }): Promise<void> {
      await db.transaction().execute(async (tx) => {
        // A claim or reassignment accepted while the task was open, written after it closed, changes nothing. The task
        // is locked before the trail (as a decision or a cancel locks it): read unlocked, a cancel committing between
        // the read and the write left a claim on the closed task, and a claim holding the trail's lock while a
        // decision or cancel held the task was a deadlock PostgreSQL broke after a second.
        const before = await tx
          .selectFrom('tasks')
          .select(['assignee', 'request_id', 'article', 'kind'])
          .where('id', '=', input.taskId)
          .where('status', '=', 'open')
          .forUpdate()
          .executeTakeFirst();
        if (!before) return;
        const inserted = await appendAudit(tx, {
          eventKey: `task:${input.taskId}:assignee:${input.step}`,
          requestId: before.request_id,
          taskId: input.taskId,
          actor: input.actor,
          action: input.reason ? 'task_reassigned' : input.assignee ? 'task_claimed' : 'task_unclaimed',
          article: input.reason ? 'Art. 32' : before.article,
          reason: input.reason ?? null,
          oldValue: { assignee: before.assignee },
          newValue: { assignee: input.assignee },
        });
        if (!inserted) return;
        await tx.updateTable('tasks').set({ assignee: input.assignee }).where('id', '=', input.taskId).execute();
        if (input.reason && input.assignee)
          await notify(tx, {
            key: `task:${input.taskId}:assignee:${input.step}`,
            to: { user: input.assignee },
            kind: 'task_assigned',
            requestId: before.request_id,
            taskId: input.taskId,
            message: taskReassignedNotice(before.kind, input.reason),
          });
      });
    },

    /**
     * A supervisor's extension (Art. 32): the due time moves on from the current one, overdue and reminder
     * marks are cleared, the candidates told. Answers with the new due times, or null when the task is no
     * longer open. A retry after the write answers with what was written.
     */
    async setTaskDue(input: { taskId: string; actor: ActorRef; extension: DeadlineInput; reason: string; step: number }): Promise<Deadlines | null> {
      const d = await computeDeadlines(db, input.extension);
      return db.transaction().execute((tx) =>
        moveDueIn(
          tx,
          {
            taskId: input.taskId,
            key: `task:${input.taskId}:due:${input.step}`,
            actor: input.actor,
            action: 'task_due_extended',
            article: 'Art. 32',
            reason: input.reason,
          },
          d,
        ),
      );
    },
  };
}

/** A move of an open task's due time: who, why, the audit event's key (the move is made once) and action, the article. */
export interface DueMove {
  taskId: string;
  key: string;
  actor: ActorRef;
  /** A supervisor's extension (Art. 32), or one the head of the provider's sharing work approved (《政务数据共享条例》). */
  action: 'task_due_extended' | 'task_due_extended_on_request';
  article: string;
  reason: string;
}

/**
 * Moves an open task's due times to `d` in `tx`, its overdue and reminder marks cleared, its candidates told, with its
 * audit event. Answers with the due times written, or null when the task is no longer open; a retry after the write
 * answers with what was written.
 */
export async function moveDueIn(tx: Executor, m: DueMove, d: Deadlines): Promise<Deadlines | null> {
  const before = await tx.selectFrom('tasks').selectAll().where('id', '=', m.taskId).forUpdate().executeTakeFirst();
  const current = (t: NonNullable<typeof before>) => ({
    dueAt: t.due_at.toISOString(),
    remindAt: t.remind_at?.toISOString() ?? null,
    calendarKnown: t.due_calendar_known,
    escalateAt: t.escalate_at?.toISOString() ?? null,
  });
  if (!before) return null;
  // Closed first (e.g. decided at the same moment): no extension, unless an earlier attempt of this one made it.
  if (before.status !== 'open')
    return (await tx.selectFrom('audit_events').select('id').where('event_key', '=', m.key).executeTakeFirst()) ? current(before) : null;
  const inserted = await appendAudit(tx, {
    eventKey: m.key,
    requestId: before.request_id,
    taskId: m.taskId,
    actor: m.actor,
    action: m.action,
    article: m.article,
    reason: m.reason,
    oldValue: { dueAt: before.due_at.toISOString(), overdue: before.overdue_at !== null },
    newValue: { dueAt: d.dueAt },
  });
  if (!inserted) return current(before);
  await tx
    .updateTable('tasks')
    .set({
      due_at: d.dueAt,
      remind_at: d.remindAt,
      due_calendar_known: d.calendarKnown,
      overdue_at: null,
      reminded_at: null,
      escalate_at: d.escalateAt ?? null,
    })
    .where('id', '=', m.taskId)
    .execute();
  await notifyAll(
    tx,
    toCandidates(before.candidates, {
      key: m.key,
      kind: 'task_due_extended',
      requestId: before.request_id,
      taskId: m.taskId,
      message: taskDueExtendedNotice(before.kind, d.dueAt, m.reason),
    }),
  );
  return d;
}
