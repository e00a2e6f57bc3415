// The rules of delegation (代理, domain/delegations.ts), pure: naming a delegate, and acting in the delegator's stead.
import { delegatedDecideViolation, inForce, newDelegationViolation, onBehalfViolation, overlaps, type DelegationProof } from '../domain/delegations';
import type { TaskAccessView } from '../domain/tasks';
import type { Actor, OrgActor } from '../domain/types';

const now = new Date('2026-12-07T02:00:00Z');
const hours = (n: number) => new Date(now.getTime() + n * 3_600_000);
const y: OrgActor = { sub: 'zhao', org: 'health', roles: ['provider_reviewer'] };
const x: OrgActor = { sub: 'xu', org: 'health', roles: ['sharing_head'] };
const task = (over: Partial<TaskAccessView> = {}): TaskAccessView => ({
  kind: 'SHARE_PROVIDER_OPINION',
  status: 'open',
  candidateRole: 'provider_reviewer',
  candidateOrg: 'health',
  candidateUser: null,
  assignee: null,
  excluded: ['alice'],
  candidates: [{ org: 'health', role: 'provider_reviewer', user: null }],
  ...over,
});
const proof = (over: Partial<DelegationProof> = {}): DelegationProof => ({
  id: 'd1',
  delegator: y,
  startsAt: hours(-1).toISOString(),
  endsAt: hours(1).toISOString(),
  kinds: ['SHARE_PROVIDER_OPINION'],
  ...over,
});

test('naming a delegate: a colleague, not oneself, a period forward of at most 90 days, some kinds, a reason', () => {
  const terms = { startsAt: now, endsAt: hours(24), kinds: ['SHARE_PROVIDER_OPINION'], reason: '休假' };
  const rule = (delegator: Actor, delegate: OrgActor | undefined, t = terms) => newDelegationViolation(delegator, delegate, t, now)?.rule ?? null;
  expect(rule(y, x)).toBeNull();
  expect(rule(y, y)).toBe('not oneself');
  expect(rule(y, { ...x, org: 'market' })).toBe('colleague');
  expect(rule(y, undefined)).toBe('colleague');
  expect(rule(y, x, { ...terms, endsAt: now })).toBe('end after start');
  expect(rule(y, x, { ...terms, startsAt: hours(-2), endsAt: hours(2) })).toBe('not in the past');
  expect(rule(y, x, { ...terms, endsAt: hours(91 * 24) })).toBe('longest period');
  expect(rule(y, x, { ...terms, kinds: [] })).toBe('kinds');
  expect(rule(y, x, { ...terms, kinds: ['NO_SUCH_KIND'] })).toBe('kinds');
  expect(rule(y, x, { ...terms, reason: ' ' })).toBe('reason required');
  expect(newDelegationViolation({ sub: 'c', org: null, roles: ['public_applicant'] }, x, terms, now)?.code).toBe('Forbidden');
});

test('in force within its period until ended early; overlapping only in time and kind', () => {
  expect(inForce({ startsAt: hours(-1), endsAt: hours(1) }, now)).toBe(true);
  expect(inForce({ startsAt: hours(-1), endsAt: now }, now)).toBe(false);
  expect(inForce({ startsAt: hours(1), endsAt: hours(2) }, now)).toBe(false);
  expect(inForce({ startsAt: hours(-1), endsAt: hours(1), revokedAt: now }, now)).toBe(false);
  const a = { startsAt: hours(0), endsAt: hours(10), kinds: ['A', 'B'] };
  expect(overlaps(a, { startsAt: hours(5), endsAt: hours(15), kinds: ['B'] })).toBe(true);
  expect(overlaps(a, { startsAt: hours(5), endsAt: hours(15), kinds: ['C'] })).toBe(false);
  expect(overlaps(a, { startsAt: hours(10), endsAt: hours(15), kinds: ['A'] })).toBe(false);
});

test("acting in the delegator's stead: the kind, the period, a colleague, the delegator a candidate, neither a party", () => {
  const may = (t: TaskAccessView, delegate: Actor, p: DelegationProof, at = now) => onBehalfViolation(t, delegate, p, 'alice', at);
  expect(may(task(), x, proof())).toBeNull();
  expect(may(task(), x, proof(), hours(1))).toBe('NotCandidate');
  expect(may(task(), x, proof({ kinds: ['WITHDRAWAL_REVIEW'] }))).toBe('NotCandidate');
  expect(may(task(), { ...x, org: 'market' }, proof())).toBe('NotCandidate');
  expect(may(task(), y, proof())).toBe('NotCandidate');
  // The delegator is no candidate of another organisation's task, nor of a member of the public's.
  expect(may(task({ candidateOrg: 'market', candidates: [{ org: 'market', role: 'provider_reviewer', user: null }] }), x, proof())).toBe('NotCandidate');
  // The delegate applied: nobody decides their own request, in another's stead either.
  expect(may(task(), { ...x, sub: 'alice' }, proof())).toBe('OwnRequest');
  expect(may(task({ excluded: ['alice', 'xu'] }), x, proof())).toBe('Excluded');
  // What the delegator could not do, the delegate cannot: the delegator's own exclusion, another's claim, a closed task.
  const decide = (t: TaskAccessView) => delegatedDecideViolation(t, x, proof(), 'alice', 'AGREE', '同意', now);
  expect(decide(task())).toBeNull();
  expect(decide(task({ excluded: ['alice', 'zhao'] }))).toBe('Excluded');
  expect(decide(task({ assignee: 'someone' }))).toBe('NotAssignee');
  expect(decide(task({ assignee: 'zhao' }))).toBeNull();
  expect(decide(task({ status: 'completed' }))).toBe('TaskNotOpen');
});
