// The board's deadline watch: one timer for all its tasks, giving each open task the notices it is owed
// (a reminder, the overdue mark, escalation). Nothing is ever decided for anyone.
import { condition, log, patched } from '@temporalio/workflow';
import { acts } from './acts';
import { ESCALATION_HEAD, untilMs, type WfTask } from './task';

type NoticeKind = 'remind' | 'overdue' | 'escalate';

export class DeadlineWatch {
  /** Deadline notices (reminder, overdue, escalation) being written now. */
  private inFlight = 0;

  /** `tasks`: the board's tasks, as they are whenever the watch looks (a task's `noticed` records what it was given). */
  constructor(private readonly tasks: Map<string, WfTask>) {}

  /** No notice is being written (a run never hands over in the middle of one). */
  idle(): boolean {
    return this.inFlight === 0;
  }

  /** The earliest deadline notice an open task is owed: its reminder, then its overdue mark, then its escalation. */
  private nextNotice(): { task: WfTask; kind: NoticeKind; at: string } | undefined {
    let next: ReturnType<DeadlineWatch['nextNotice']>;
    for (const task of this.tasks.values()) {
      // A task whose row is still being written has no due time yet.
      if (task.status !== 'open' || !task.dueAt) continue;
      const n = task.noticed ?? {};
      const owed =
        task.remindAt && !n.reminded
          ? { kind: 'remind' as const, at: task.remindAt }
          : !n.overdue
            ? { kind: 'overdue' as const, at: task.dueAt }
            : task.escalation && task.escalateAt
              ? { kind: 'escalate' as const, at: task.escalateAt }
              : undefined;
      if (owed && (!next || Date.parse(owed.at) < Date.parse(next.at))) next = { task, ...owed };
    }
    return next;
  }

  /**
   * One timer for the whole board, set for the earliest notice owed: a reminder before the due time,
   * then overdue and the supervisor told, then escalation. Nothing is ever decided for anyone. The
   * timer is set again only when an earlier notice appears (a task opened); a task closing never
   * touches it (it fires, finds nothing owed, and is set for the next), so what the watch does never
   * depends on how a decision's activation was batched.
   */
  async run(): Promise<void> {
    for (;;) {
      const armed = this.nextNotice();
      const armedAt = armed ? Date.parse(armed.at) : Infinity;
      const earlier = () => {
        const n = this.nextNotice();
        return n !== undefined && Date.parse(n.at) < armedAt;
      };
      if (!armed) {
        await condition(earlier);
        continue;
      }
      if (await condition(earlier, untilMs(armed.at))) continue;
      // The timer fired: give the notice owed now, if any (the task it was set for may have closed).
      const next = this.nextNotice();
      if (!next || Date.parse(next.at) > Date.now()) continue;
      try {
        await this.give(next.task, next.kind);
      } catch (err) {
        // A notice that cannot be written is logged; it never fails the request nor stops the others.
        log.warn('deadline notice not written', { taskId: next.task.id, notice: next.kind, error: String(err) });
      }
    }
  }

  /**
   * Gives a task a deadline notice: the reminder, the overdue mark (the supervisor told), or escalation
   * (the supervisor and the candidates told again; under `escalation-head` the competent body's own head, where it
   * has one, joins the candidates, and the board's rule, candidateOf, lets them decide). Counted while it is
   * written, so a run never hands over in the middle of one.
   */
  private async give(task: WfTask, kind: NoticeKind): Promise<void> {
    task.noticed = { ...task.noticed, ...(kind === 'remind' ? { reminded: true } : kind === 'overdue' ? { overdue: true } : {}) };
    const escalation = task.escalation;
    if (kind === 'escalate') task.escalation = undefined;
    this.inFlight++;
    try {
      // For the due time it was owed for: a supervisor's extension written first makes it moot in the read model too.
      const { dueAt } = task;
      if (kind === 'remind') await acts.remindTask(task.id, dueAt);
      else if (kind === 'overdue') await acts.markTaskOverdue(task.id, dueAt);
      else if (escalation && patched(ESCALATION_HEAD)) {
        const { head } = await acts.escalateTask({ taskId: task.id, article: escalation.article, dueAt, head: true });
        // The task itself now says it escalated with its head: the validators accept them from here on, and only in this run's tasks.
        if (head) task.candidates = [...task.candidates, head];
      } else if (escalation) await acts.escalateTask({ taskId: task.id, article: escalation.article, dueAt });
    } finally {
      this.inFlight--;
    }
  }
}
