// The consultation every dispute shares: two parties take turns (accept the other's position, counter with their
// own, or declare that no agreement is possible), within a turn's and the whole consultation's deadline; without
// agreement the matter goes to the leading group (数字强市领导小组) with a dossier of every turn, and its decision is
// final. The share-attribute dispute (Art. 13 ¶3) and the refusal dispute (《政务数据共享条例》) run it with their
// own task kinds, parties and positions; what a position is, and what an outcome does, stays theirs.
import { sleep } from '@temporalio/workflow';
import type { TaskKind } from '../domain/tasks';
import { SYSTEM, type Duration, type Role } from '../domain/types';
import { acts as io } from './acts';
import type { TaskBoard } from './board';
import type { StatusChange } from './carried';
import type { WfTask } from './task';

export interface ConsultationSpec<P extends string, Position> {
  /** The turn's task kind: its decisions are ACCEPT, COUNTER (the form is the party's position) and NO_AGREEMENT. */
  kind: TaskKind;
  article: string;
  /** The two parties, the one that answers first first. */
  order: [P, P];
  parties: Record<P, { org: string; role: Role }>;
  /** Each party's position to start with; a COUNTER replaces its party's. */
  positions: Record<P, Position>;
  policy: { turn: Duration; consultation: Duration; reminderBefore?: Duration };
  /** What every turn's task carries besides the turn (e.g. what a position may name); absent: the turn alone. */
  context?: Record<string, unknown>;
  /** The change of status that goes with the first turn. */
  started: () => StatusChange;
  /** Done once the consultation's clock runs and before the first turn opens (e.g. the disputed matter taken). */
  beforeFirstTurn?: () => Promise<void>;
}

/** How a consultation ended: a party accepted the other's position (its ACCEPT left for the next write), or no agreement. */
export type ConsultationEnd<P extends string, Position> =
  { agreed: Position; positions: Record<P, Position> } | { referral: string; positions: Record<P, Position>; consultationEnds: string };

/** Runs the turns until a party accepts, one declares no agreement, or the consultation's deadline passes. */
export async function consult<P extends string, Position>(board: TaskBoard, spec: ConsultationSpec<P, Position>): Promise<ConsultationEnd<P, Position>> {
  const { policy, parties, order } = spec;
  const positions = { ...spec.positions };
  const otherOf = (p: P): P => (p === order[0] ? order[1] : order[0]);
  // The whole consultation has its deadline, counted from the start; each turn has its own (the task's due time).
  const { dueAt: consultationEnds } = await io.computeDeadlines({ length: policy.consultation });
  let over = false;
  void sleep(Math.max(1, Date.parse(consultationEnds) - Date.now())).then(() => (over = true));

  const turnSpec = (n: number, party: P) => ({
    key: `turn-${n}`,
    kind: spec.kind,
    candidateRole: parties[party].role,
    candidateOrg: parties[party].org,
    length: policy.turn,
    reminderBefore: policy.reminderBefore,
    // Both parties act for their organisations, the officer who raised the matter included.
    excluded: [],
    context: { ...spec.context, turn: n, party, otherPosition: positions[otherOf(party)], consultationEnds },
  });
  await spec.beforeFirstTurn?.();
  let party: P = order[0];
  let [task] = await board.openRound([turnSpec(1, party)], spec.started());
  for (let n = 1; ;) {
    const decided = await board.next(() => over, [task], { writeWithNextStep: (t) => t.decision === 'ACCEPT' });
    if (!decided) {
      await board.cancelOpen(SYSTEM, 'the consultation deadline passed without agreement', spec.article);
      return { referral: `no agreement by the consultation deadline (${consultationEnds})`, positions, consultationEnds };
    }
    const other = otherOf(party);
    if (decided.decision === 'ACCEPT') return { agreed: positions[other], positions };
    if (decided.decision === 'NO_AGREEMENT') return { referral: decided.reason ?? 'no agreement is possible', positions, consultationEnds };
    // COUNTER: the party's own position goes to the other for the next turn.
    positions[party] = decided.form as unknown as Position;
    party = other;
    [task] = [await board.open(turnSpec(++n, party))];
  }
}

/** Every turn taken, for the dossier: who, what, why, and the position it carried. */
export function turnsOf(board: TaskBoard, kind: TaskKind) {
  return board
    .all()
    .filter((t) => t.kind === kind && t.status === 'completed')
    .map((t: WfTask) => ({ org: t.candidateOrg, decision: t.decision, reason: t.reason, position: t.form }));
}

/**
 * 报数字强市领导小组决定: the leading group gets the dossier as its task's context, with the request's change of status;
 * resolves with its decision, final, left for the write that applies it.
 */
export async function referToLeadingGroup(
  board: TaskBoard,
  p: { kind: TaskKind; org: string; length: Duration; reminderBefore?: Duration; dossier: Record<string, unknown>; change: StatusChange },
): Promise<WfTask> {
  const [decision] = await board.openRound(
    [
      {
        key: 'leading-group',
        kind: p.kind,
        candidateRole: 'leading_group',
        candidateOrg: p.org,
        length: p.length,
        reminderBefore: p.reminderBefore,
        excluded: [],
        context: p.dossier,
      },
    ],
    p.change,
  );
  return (await board.next(() => false, [decision], { writeWithNextStep: () => true }))!;
}
