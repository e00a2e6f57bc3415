// Pure rules of domain/: working days, identifiers, task permissions, share form and path.
import { deadlineAfter, deadlineBefore, quarterOf, shanghaiDay, shanghaiTime, workdaysBetween } from '../domain/calendar';
import { amendmentViolation, renewalForm, renewalViolation, renewedTermStart, shareAmendment, usagePeriodFrom, usageReportViolation } from '../domain/share';
import { articleInChinese } from '../domain/measures';
import * as notices from '../domain/notices';
import { isValidResidentId, isValidUscc, maskResidentId, usccWithCheck } from '../domain/ids';
import {
  oneTimeNoticeViolation,
  providerExtensionLength,
  providerExtensionViolation,
  noneRefusesAtOnce,
  refusalViolation,
  regulationApplies,
  sharePath,
  shareRefusal,
  shareRequestViolations,
} from '../domain/share';
import { adjustmentReview } from '../domain/catalog-adjustment';
import { ADJUSTMENT_GROUNDS, type AdjustmentGround, type LegalBasis } from '../domain/catalog';
import {
  assigneeViolation,
  candidateOf,
  decideViolation,
  claimViolation,
  escalationHead,
  excludedActors,
  releaseViolation,
  taskDisclosure,
  type TaskAccessView,
  urgeViolation,
} from '../domain/tasks';
import { storable, unstorable } from '../domain/text';
import type { Actor } from '../domain/types';

// The 2026 statutory calendar, as published by the State Council (only the days these tests touch).
const holidays2026 = new Set([
  '2026-02-15',
  '2026-02-16',
  '2026-02-17',
  '2026-02-18',
  '2026-02-19',
  '2026-02-20',
  '2026-02-23',
  '2026-10-01',
  '2026-10-02',
  '2026-10-05',
  '2026-10-06',
  '2026-10-07',
]);
const adjusted2026 = new Set(['2026-02-14', '2026-02-28', '2026-09-20', '2026-10-10']);
const isWorkday = (d: string) => adjusted2026.has(d) || (!holidays2026.has(d) && ![0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay()));

describe('working days in Asia/Shanghai', () => {
  test('10 working days from 30 September skip the National Day week and count the adjusted Saturday', () => {
    const from = new Date('2026-09-30T10:00:00+08:00');
    // Oct 8, 9, 10 (Sat, adjusted), 12, 13, 14, 15, 16, 19, 20.
    expect(deadlineAfter(from, { workingDays: 10 }, isWorkday).toISOString()).toBe('2026-10-20T15:59:59.999Z');
    expect(deadlineBefore(new Date('2026-10-20T15:59:59.999Z'), { workingDays: 2 }, isWorkday).toISOString()).toBe('2026-10-16T15:59:59.999Z');
  });

  test('the Spring Festival: 3 working days from Friday 13 February end on 25 February', () => {
    expect(deadlineAfter(new Date('2026-02-13T09:00:00+08:00'), { workingDays: 3 }, isWorkday).toISOString()).toBe('2026-02-25T15:59:59.999Z');
  });

  test('the day is the Shanghai day, not the UTC one', () => {
    const lateUtcThursday = new Date('2026-11-26T17:00:00Z'); // Friday 01:00 in Shanghai
    expect(shanghaiDay(lateUtcThursday)).toBe('2026-11-27');
    expect(deadlineAfter(lateUtcThursday, { workingDays: 1 }, isWorkday).toISOString()).toBe('2026-11-30T15:59:59.999Z');
  });

  test('seconds and calendar days are plain arithmetic; paused working days are counted', () => {
    const from = new Date('2026-11-26T00:00:00Z');
    expect(deadlineAfter(from, { seconds: 90 }, isWorkday).toISOString()).toBe('2026-11-26T00:01:30.000Z');
    expect(deadlineAfter(from, { days: 1 }, isWorkday).toISOString()).toBe('2026-11-27T15:59:59.999Z');
    expect(workdaysBetween(new Date('2026-09-30T12:00:00+08:00'), new Date('2026-10-12T12:00:00+08:00'), isWorkday)).toBe(4);
  });
});

describe('identifiers (Art. 10)', () => {
  test('unified social credit codes carry a GB 32100 check character', () => {
    expect(isValidUscc('91350100M000100Y43')).toBe(true);
    expect(isValidUscc('91350100M000100Y44')).toBe(false);
    expect(isValidUscc(usccWithCheck('11371100123456789'))).toBe(true);
    expect(isValidUscc('short')).toBe(false);
  });
  test('resident ID numbers carry a GB 11643 check digit and are masked (Art. 29)', () => {
    expect(isValidResidentId('11010519491231002X')).toBe(true);
    expect(isValidResidentId('110105194912310021')).toBe(false);
    expect(isValidResidentId('11010519491331002X')).toBe(false);
    expect(maskResidentId('11010519491231002X')).toBe('110***********002X');
  });
});

describe('who may decide a task', () => {
  // A task row from before exclusion lists (excluded: null, as the tasks table may hold): the applicant is excluded.
  const task: TaskAccessView = {
    kind: 'SHARE_JOINT_REVIEW',
    status: 'open',
    candidateRole: 'provider_reviewer',
    candidateOrg: 'health',
    candidateUser: null,
    assignee: null,
    excluded: null,
    candidates: [{ org: 'health', role: 'provider_reviewer', user: null }],
  };
  const carol: Actor = { sub: 'carol', org: 'health', roles: ['provider_reviewer'] };
  test.each([
    ['a candidate approving', task, carol, 'APPROVE', undefined, null],
    ['another organisation', task, { ...carol, org: 'market' }, 'APPROVE', undefined, 'NotCandidate'],
    ['the wrong role', task, { ...carol, roles: ['supervisor'] }, 'APPROVE', undefined, 'NotCandidate'],
    ['the applicant', task, { ...carol, sub: 'alice' }, 'APPROVE', undefined, 'OwnRequest'],
    ['a closed task', { ...task, status: 'completed' }, carol, 'APPROVE', undefined, 'TaskNotOpen'],
    ['a task claimed by another', { ...task, assignee: 'dave' }, carol, 'APPROVE', undefined, 'NotAssignee'],
    ['an unknown decision', task, carol, 'MAYBE', undefined, 'DecisionNotAllowed'],
    ['a rejection without reason', task, carol, 'REJECT', '  ', 'ReasonRequired'],
    ['a rejection with reason', task, carol, 'REJECT', 'out of scope', null],
  ] as const)('%s', (_name, t, actor, decision, reason, expected) => {
    expect(decideViolation(t as TaskAccessView, actor as Actor, 'alice', decision, reason)).toBe(expected);
  });
  test('several candidates: each may decide, in the role of the candidate they are; exclusions still hold', () => {
    const several: TaskAccessView = { ...task, excluded: ['alice'], candidates: [...task.candidates, { org: 'group', role: 'leading_group', user: null }] };
    const zhou: Actor = { sub: 'zhou', org: 'group', roles: ['leading_group'] };
    expect(decideViolation(several, zhou, 'alice', 'APPROVE', undefined)).toBeNull();
    expect(candidateOf(several, zhou)?.role).toBe('leading_group');
    expect(decideViolation(several, carol, 'alice', 'APPROVE', undefined)).toBeNull();
    expect(decideViolation(task, zhou, 'alice', 'APPROVE', undefined)).toBe('NotCandidate');
    expect(decideViolation(several, { ...zhou, sub: 'alice' }, 'alice', 'APPROVE', undefined)).toBe('OwnRequest');
  });
  test('escalation adds the body’s own head (督办升级, Art. 32): they decide only a task that says so, and only of their own organisation', () => {
    const xu: Actor = { sub: 'xu', org: 'health', roles: ['sharing_head'] };
    expect(decideViolation(task, xu, 'alice', 'APPROVE', undefined)).toBe('NotCandidate');
    const head = escalationHead(task)!;
    expect(head).toEqual({ org: 'health', role: 'sharing_head', user: null, escalation: true });
    const escalated: TaskAccessView = { ...task, candidates: [...task.candidates, head] };
    expect(decideViolation(escalated, xu, 'alice', 'APPROVE', undefined)).toBeNull();
    expect(candidateOf(escalated, xu)?.role).toBe('sharing_head');
    // Another organisation's head, or a head marked added for another organisation than the task's: never.
    expect(decideViolation(escalated, { ...xu, org: 'market' }, 'alice', 'APPROVE', undefined)).toBe('NotCandidate');
    const foreign: TaskAccessView = { ...task, candidates: [...task.candidates, { ...head, org: 'market' }] };
    expect(decideViolation(foreign, { ...xu, org: 'market' }, 'alice', 'APPROVE', undefined)).toBe('NotCandidate');
    // Nobody to add: a member of the public's task, or one whose head is its candidate already.
    expect(escalationHead({ candidateOrg: null, candidates: [{ org: null, role: 'public_applicant', user: 'chen' }] })).toBeNull();
    expect(escalationHead(escalated)).toBeNull();
  });
  test('the applicant answers their own reply task; nobody else does', () => {
    const reply: TaskAccessView = {
      kind: 'SHARE_APPLICANT_REPLY',
      status: 'open',
      candidateRole: 'agency_applicant',
      candidateOrg: 'market',
      candidateUser: 'alice',
      assignee: null,
      excluded: [],
      candidates: [{ org: 'market', role: 'agency_applicant', user: 'alice' }],
    };
    const alice: Actor = { sub: 'alice', org: 'market', roles: ['agency_applicant'] };
    expect(decideViolation(reply, alice, 'alice', 'REPLY', 'here')).toBeNull();
    expect(decideViolation(reply, { ...alice, sub: 'ann' }, 'alice', 'REPLY', 'here')).toBe('NotCandidate');
  });
  test('a task’s own exclusion list: the applicant, and the other party of a two-party procedure', () => {
    const disputed: TaskAccessView = { ...task, excluded: ['alice', 'carol'] };
    expect(decideViolation(disputed, carol, 'alice', 'APPROVE', undefined)).toBe('Excluded');
    expect(decideViolation(disputed, { ...carol, sub: 'alice' }, 'alice', 'APPROVE', undefined)).toBe('OwnRequest');
    expect(claimViolation(disputed, carol, 'alice', true)).toBe('Excluded');
    expect(decideViolation({ ...task, excluded: [] }, { ...carol, sub: 'alice' }, 'alice', 'APPROVE', undefined)).toBeNull();
    expect(excludedActors(task, 'alice')).toEqual(['alice']);
  });
  test('claims', () => {
    expect(claimViolation(task, carol, 'alice', true)).toBeNull();
    expect(claimViolation({ ...task, assignee: 'dave' }, carol, 'alice', true)).toBe('AlreadyClaimed');
    expect(claimViolation({ ...task, assignee: 'dave' }, carol, 'alice', false)).toBe('NotAssignee');
    expect(claimViolation({ ...task, assignee: 'carol' }, carol, 'alice', false)).toBeNull();
    // An applicant who also reviews may not hold their own request's task.
    expect(claimViolation(task, carol, 'carol', true)).toBe('OwnRequest');
  });
  test('a task goes only to someone who could decide it: a candidate, no party to the matter', () => {
    const escalated: TaskAccessView = {
      ...task,
      excluded: ['alice', 'dave'],
      candidates: [...task.candidates, { org: 'group', role: 'leading_group', user: null }],
    };
    const rule = (t: TaskAccessView, person: Actor) => assigneeViolation(t, person, 'alice')?.rule ?? null;
    expect(rule(escalated, carol)).toBeNull();
    expect(rule(escalated, { sub: 'zhou', org: 'group', roles: ['leading_group'] })).toBeNull();
    expect(rule(escalated, { ...carol, org: 'market' })).toBe('candidate of the task');
    expect(rule(escalated, { ...carol, roles: ['agency_applicant'] })).toBe('candidate of the task');
    expect(rule(escalated, { ...carol, sub: 'alice' })).toBe('not a party to the matter');
    expect(rule(escalated, { ...carol, sub: 'dave' })).toBe('not a party to the matter');
    expect(assigneeViolation(escalated, { ...carol, org: 'market' }, 'alice')).toMatchObject({ code: 'InvalidInput', field: 'user', article: 'Art. 32' });
  });
  test('supervisors release any claim on an open task', () => {
    const sup: Actor = { sub: 'sue', org: 'supervision', roles: ['supervisor'] };
    expect(releaseViolation({ ...task, assignee: 'dave' }, sup)).toBeNull();
    expect(releaseViolation(task, sup)).toBe('NotAssignee');
    expect(releaseViolation({ ...task, assignee: 'dave', status: 'completed' }, sup)).toBe('TaskNotOpen');
    expect(releaseViolation({ ...task, assignee: 'dave' }, carol)).toBe('Forbidden');
  });
});

describe('share requests (Art. 13–15)', () => {
  test('the share attribute decides the path', () => {
    expect(sharePath('UNCONDITIONAL')).toBe('grant');
    expect(sharePath('CONDITIONAL')).toBe('joint_review');
    expect(sharePath('NONE')).toBe('refuse');
  });
  test('scenario, duty and the three commitments are mandatory, citing Art. 15', () => {
    const form = { catalogEntryId: 'e', scenario: ' ', statutoryDuty: '', commitment: { authenticity: true, compliance: false, security: true } };
    const v = shareRequestViolations(form, { fields: ['a'], status: 'published' });
    expect(v.map((x) => x.field)).toEqual(['scenario', 'statutoryDuty', 'commitment.compliance']);
    expect(v.every((x) => x.article === 'Art. 15')).toBe(true);
  });
  test('the entry must exist, be published, and have the fields asked for', () => {
    const form = {
      catalogEntryId: 'e',
      scenario: 's',
      statutoryDuty: 'd',
      fields: ['a', 'z'],
      commitment: { authenticity: true, compliance: true, security: true },
    };
    expect(shareRequestViolations(form, undefined).map((x) => x.rule)).toEqual(['exists']);
    expect(shareRequestViolations(form, { fields: ['a', 'z'], status: 'withdrawn' }).map((x) => x.rule)).toEqual(['published']);
    expect(shareRequestViolations(form, { fields: ['a'], status: 'published' }).map((x) => x.rule)).toEqual(['fields of the entry']);
    expect(shareRequestViolations(form, { fields: ['a', 'z'], status: 'published' })).toEqual([]);
  });
});

describe('storable text (NUL, lone surrogates, nesting)', () => {
  test('refuses what PostgreSQL refuses, naming the field', () => {
    expect(unstorable({ a: 'ok 🙂 中文' }, 'body')).toBeNull();
    expect(unstorable({ a: 'x\u0000' }, 'body')).toMatchObject({ field: 'body.a', rule: 'text' });
    expect(unstorable({ a: ['\ud800'] }, 'body')).toMatchObject({ field: 'body.a.0', rule: 'text' });
    expect(unstorable({ a: '\udc00' }, 'body')).toMatchObject({ rule: 'text' });
    expect(unstorable({ 'k\u0000': 1 }, 'body')).toMatchObject({ field: 'body', rule: 'text' });
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(unstorable(deep, 'body')).toMatchObject({ rule: 'maxDepth' });
    expect(
      unstorable(
        Array.from({ length: 10_000 }, () => 1),
        'body',
      ),
    ).toMatchObject({ rule: 'maxNodes' });
  });
  test('storable() replaces what cannot be stored', () => {
    expect(storable({ 'a\u0000': ['b\ud800c'] })).toEqual({ 'a\ufffd': ['b\ufffdc'] });
  });
});

describe('what each party sees of a task', () => {
  test('candidates and supervisors all; co-reviewers not the form; applicants not who acted', () => {
    expect(Object.values(taskDisclosure('candidate')).every(Boolean)).toBe(true);
    expect(Object.values(taskDisclosure('supervisor')).every(Boolean)).toBe(true);
    expect(taskDisclosure('co_reviewer')).toEqual({ decision: true, reason: true, decidedBy: true, assignee: true, form: false });
    expect(taskDisclosure('applicant')).toEqual({ decision: true, reason: true, decidedBy: false, assignee: false, form: false });
  });
});

describe('who may request shared data, and with what (Art. 3, 14, 15)', () => {
  const form = {
    catalogEntryId: 'e',
    scenario: 'inspections',
    statutoryDuty: 'supervision',
    commitment: { authenticity: true, compliance: true, security: true },
  };
  const entry = { fields: ['uscc'], status: 'published' };
  test('an agency’s or an authority’s applicant may; anyone else is refused before anything is recorded', () => {
    expect(shareRefusal({ mayRequest: true, roles: ['agency_applicant'] }, form, entry)).toBeNull();
    expect(shareRefusal({ mayRequest: false, roles: ['agency_applicant'] }, form, entry)?.code).toBe('Forbidden');
    expect(shareRefusal({ mayRequest: true, roles: ['provider_reviewer'] }, form, entry)?.code).toBe('Forbidden');
  });
  test('a form breaking Art. 15 is refused with what it breaks', () => {
    const refused = shareRefusal({ mayRequest: true, roles: ['agency_applicant'] }, { ...form, statutoryDuty: ' ' }, entry);
    expect(refused).toMatchObject({ code: 'InvalidInput', detail: expect.stringContaining('Art. 15') });
    expect(shareRefusal({ mayRequest: true, roles: ['agency_applicant'] }, form, { ...entry, status: 'withdrawn' })?.code).toBe('InvalidInput');
  });
});

test('the 条例 binds a share request between two government departments, or every one when the policy widens it; never one from before the mark', () => {
  expect(regulationApplies({ governmentDepartments: true }, { regulationScope: 'government_departments' })).toBe(true);
  expect(regulationApplies({ governmentDepartments: false }, { regulationScope: 'government_departments' })).toBe(false);
  expect(regulationApplies({ governmentDepartments: false }, { regulationScope: 'all' })).toBe(true);
  expect(regulationApplies({}, {})).toBe(false);
});

test('不予共享 cites its basis of the levels its task lists; a task opened before lists none and asks nothing; a NONE entry on a 规章 alone does not refuse under the 条例 at once', () => {
  const law: LegalBasis = { level: 'law', title: '中华人民共和国个人信息保护法', article: '第十三条' };
  const regulated = { regulation: true, refusalBasis: ['law', 'administrative_regulation', 'state_council_decision'] };
  const attempt = (decision: string, basis: unknown, context: Record<string, unknown> | null = regulated) =>
    refusalViolation({ decision, form: basis === undefined ? {} : { basis }, context });
  expect(attempt('DISAGREE', [law])).toBeNull();
  expect(attempt('REJECT', [law, { ...law, level: 'state_council_decision' }])).toBeNull();
  for (const bad of [
    undefined,
    [],
    [{ ...law, level: 'rules' }],
    [law, { ...law, level: 'regulation' }],
    [{ ...law, title: ' ' }],
    [{ level: 'law' }],
    'law',
    [null],
  ])
    expect(attempt('DISAGREE', bad)).toMatchObject({
      field: 'form.basis',
      rule: 'legal basis of an accepted level',
      article: expect.stringContaining('《政务数据共享条例》'),
    });
  expect(attempt('REJECT', [], { refusalBasis: ['law', 'rules'] })).toMatchObject({ article: 'Art. 13' });
  expect(attempt('REJECT', [{ ...law, level: 'rules' }], { refusalBasis: ['law', 'rules'] })).toBeNull();
  // Not a refusal, or a task opened before the rule (no list in its context): nothing asked.
  expect(attempt('AGREE', undefined)).toBeNull();
  expect(attempt('REJECT', undefined, { regulation: true })).toBeNull();
  expect(attempt('DISAGREE', undefined, null)).toBeNull();
  const levels = ['law', 'administrative_regulation', 'state_council_decision'] as const;
  expect(noneRefusesAtOnce({ shareLegalBasis: [{ ...law, level: 'rules' }] }, levels)).toBe(false);
  expect(
    noneRefusesAtOnce(
      {
        shareLegalBasis: [
          { ...law, level: 'rules' },
          { ...law, level: 'law' },
        ],
      },
      levels,
    ),
  ).toBe(true);
  expect(noneRefusesAtOnce({}, levels)).toBe(true);
  // The applicant's notice quotes the basis, each provision with its level.
  expect(notices.requestStatusNotice({ status: 'rejected', type: 'share', reason: '用途不明', article: 'Art. 14', outcome: { legalBasis: [law] } })).toContain(
    '用途不明；依据：《中华人民共和国个人信息保护法》第十三条（法律）（第十四条）',
  );
});

test('一次性告知: under the 条例 a request for information lists every missing item with its reason, once per review; the Measures alone ask neither', () => {
  const missing = [{ item: '检查计划', reason: '核实应用场景' }];
  const under = { regulation: true };
  expect(oneTimeNoticeViolation({ decision: 'REQUEST_INFO', form: { missing }, context: under })).toBeNull();
  for (const form of [undefined, {}, { missing: [] }, { missing: [{ item: '检查计划' }] }, { missing: [{ item: ' ', reason: 'x' }] }, { missing: 'all' }])
    expect(oneTimeNoticeViolation({ decision: 'REQUEST_INFO', form, context: under })).toMatchObject({
      code: 'InvalidInput',
      field: 'form.missing',
      rule: '一次性告知',
    });
  expect(oneTimeNoticeViolation({ decision: 'REQUEST_INFO', form: { missing }, context: { ...under, noticeGiven: true } })).toMatchObject({
    code: 'NoticeAlreadyGiven',
    rule: '一次性告知',
    article: expect.stringContaining('《政务数据共享条例》'),
  });
  // Other decisions, and requests the Measures alone bind, are not its concern.
  expect(oneTimeNoticeViolation({ decision: 'AGREE', form: null, context: { ...under, noticeGiven: true } })).toBeNull();
  expect(oneTimeNoticeViolation({ decision: 'REQUEST_INFO', form: null, context: { noticeGiven: true } })).toBeNull();
  expect(oneTimeNoticeViolation({ decision: 'REQUEST_INFO', form: null, context: null })).toBeNull();
});

test('一次性告知 unless the reply changed the request: a REPLY amends the data items and scenario as a submission is checked; the same values change nothing', () => {
  const request = {
    catalogEntryId: 'e',
    scenario: '检查',
    statutoryDuty: '监管',
    commitment: { authenticity: true, compliance: true, security: true },
  };
  const offered = { amendable: ['a', 'b', 'c'] };
  const reply = (form: Record<string, unknown> | null, context: Record<string, unknown> | null = offered) =>
    amendmentViolation({ decision: 'REPLY', form, context, request });
  // Words alone, or an amendment the request as amended bears.
  expect(reply(null)).toBeNull();
  expect(reply({})).toBeNull();
  expect(reply({ fields: ['a'], scenario: '许可核查' })).toBeNull();
  expect(reply({ fields: [] })).toBeNull();
  expect(reply({ fields: ['x'] })).toMatchObject({ code: 'InvalidInput', field: 'form.fields', rule: 'fields of the entry' });
  expect(reply({ fields: ['a', 'a'] })).toMatchObject({ field: 'form.fields' });
  expect(reply({ scenario: ' ' })).toMatchObject({ field: 'form.scenario', rule: 'required', article: 'Art. 15' });
  expect(reply({ statutoryDuty: '另一职责' })).toMatchObject({ field: 'form.statutoryDuty', rule: 'amendable' });
  // A reply task opened before replies could amend takes words alone.
  expect(reply({ fields: ['a'] }, null)).toMatchObject({ field: 'form', rule: 'amendment offered' });
  expect(amendmentViolation({ decision: 'AGREE', form: { fields: ['x'] }, context: null, request })).toBeNull();

  // What changed: before and after of each part; none for the same values (any order; none named is all the entry's).
  expect(shareAmendment(request, { fields: ['a'], scenario: '许可核查' }, ['a', 'b'])).toEqual({
    form: { ...request, fields: ['a'], scenario: '许可核查' },
    before: { fields: ['a', 'b'], scenario: '检查' },
    after: { fields: ['a'], scenario: '许可核查' },
  });
  expect(shareAmendment(request, { fields: ['b', 'a'], scenario: ' 检查 ' }, ['a', 'b'])).toBeNull();
  expect(shareAmendment({ ...request, fields: ['a'] }, { fields: [] }, ['a', 'b'])).toMatchObject({ after: { fields: ['a', 'b'] } });
  expect(shareAmendment(request, null, ['a'])).toBeNull();
});

describe('urging a task (督办, Art. 32)', () => {
  const supervisor: Actor = { sub: 'sue', org: 'city-authority', roles: ['supervisor'] };
  const reviewer: Actor = { sub: 'bob', org: 'city-authority', roles: ['authority_reviewer'] };
  const dueAt = new Date('2026-10-20T15:59:59.999Z');
  const remindAt = new Date('2026-10-16T15:59:59.999Z');
  const task = { status: 'open' as const, dueAt, remindAt, nextUrgeAt: null };
  const at = (iso: string) => new Date(iso);

  test('a supervisor urges an open task from its reminder time on, in words of their own', () => {
    expect(urgeViolation(task, supervisor, '请尽快办结', at('2026-10-17T02:00:00Z'))).toBeNull();
    expect(urgeViolation(task, supervisor, '请尽快办结', at('2026-10-21T02:00:00Z'))).toBeNull();
    // Opened within its reminder's reach (no reminder time left): nearly due at once.
    expect(urgeViolation({ ...task, remindAt: null }, supervisor, '请尽快办结', at('2026-10-01T02:00:00Z'))).toBeNull();
  });

  test('too early, too soon after the last, blank, not a supervisor, not open: each refused, the timing ones naming their rule', () => {
    expect(urgeViolation(task, supervisor, '请尽快办结', at('2026-10-15T02:00:00Z'))).toMatchObject({
      code: 'UrgeRefused',
      rule: 'overdue or nearly due',
      article: 'Art. 32',
    });
    const urged = { ...task, nextUrgeAt: at('2026-10-22T15:59:59.999Z') };
    expect(urgeViolation(urged, supervisor, '再次督办', at('2026-10-21T02:00:00Z'))).toMatchObject({ code: 'UrgeRefused', rule: 'once per urge interval' });
    expect(urgeViolation(urged, supervisor, '再次督办', at('2026-10-23T02:00:00Z'))).toBeNull();
    expect(urgeViolation(task, supervisor, '  ', at('2026-10-21T02:00:00Z'))).toMatchObject({ code: 'ReasonRequired', field: 'message' });
    expect(urgeViolation(task, reviewer, '请尽快办结', at('2026-10-21T02:00:00Z'))).toMatchObject({ code: 'Forbidden' });
    expect(urgeViolation({ ...task, status: 'completed' }, supervisor, '请尽快办结', at('2026-10-21T02:00:00Z'))).toMatchObject({ code: 'TaskNotOpen' });
  });
});

test('who reviews a catalog change (issue 24 §7): a government department before, on every ground; another institution before only on Art. 9 ¶2 grounds', () => {
  const grounds = Object.keys(ADJUSTMENT_GROUNDS) as AdjustmentGround[];
  expect(grounds).toEqual(expect.arrayContaining(['first_compilation', 'dynamic_adjustment']));
  expect(ADJUSTMENT_GROUNDS.first_compilation.name).toBe('首次编制目录');
  expect(ADJUSTMENT_GROUNDS.dynamic_adjustment.name).toBe('目录动态调整');
  for (const g of grounds) expect(adjustmentReview(g, true)).toBe('before');
  expect(grounds.filter((g) => adjustmentReview(g, false) === 'before').sort()).toEqual(['duty_change', 'law_change']);
});

describe('notices (Chinese at the source)', () => {
  test('articles and times as a person reads them', () => {
    expect(articleInChinese('Art. 14')).toBe('第十四条');
    expect(articleInChinese('Art. 13 ¶3; Art. 20, Art. 9')).toBe('第十三条第三款; 第二十条, 第九条');
    expect(shanghaiTime('2026-12-05T03:49:10Z')).toBe('2026年12月5日 11:49');
    expect(shanghaiTime(new Date('2026-12-31T16:05:00Z'))).toBe('2027年1月1日 00:05');
  });
  test('each notice is Chinese, names its request by REQUEST_REF, and is the same for the same inputs', () => {
    const due = '2026-12-07T09:59:59.999Z';
    const made = [
      notices.requestStatusNotice({ status: 'granted', type: 'share', reason: null, article: 'Art. 14' }),
      notices.requestStatusNotice({ status: 'in_review', reason: '材料齐全', article: 'Art. 13 ¶3' }),
      notices.requestFailedNotice('写入失败'),
      notices.requestFailedSupervisorNotice('日照市市场监督管理局', '写入失败'),
      notices.taskOpenedNotice('SHARE_PROVIDER_OPINION', due),
      notices.taskReminderNotice('SHARE_PROVIDER_OPINION', due),
      notices.taskOverdueNotice('SHARE_PROVIDER_OPINION', '日照市市场监督管理局', due),
      notices.taskEscalatedNotice('SHARE_PROVIDER_OPINION', '日照市市场监督管理局', due),
      notices.taskReassignedNotice('SHARE_PROVIDER_OPINION', '休假'),
      notices.taskDueExtendedNotice('SHARE_PROVIDER_OPINION', due, '材料较多'),
      notices.taskUrgedNotice('SHARE_PROVIDER_OPINION', 2, '请尽快办理'),
      notices.grantEndedNotice('Art. 14', '不再需要'),
      notices.revocationRefusedNotice('仍在履行职责'),
      notices.grantStopScheduledNotice({ effectiveAt: due, ground: '目录的共享属性已变更', reason: '目录拟调整' }),
      notices.catalogPublishedNotice('日照市公共资源交易中心', '首次编制目录', 1),
      notices.agreementSignedNotice('日照市大数据局', '某公司', due, null),
      notices.agreementEndedNotice('lapsed', null),
      notices.usageReportMissedNotice(),
      notices.providerExtensionAnsweredNotice({ approved: true, granted: 10, dueAt: due, reason: '需协调多个系统', article: '《政务数据共享条例》共享使用' }),
      notices.providerExtensionAnsweredNotice({ approved: false, granted: null, dueAt: null, reason: '理由不充分', article: '《政务数据共享条例》共享使用' }),
    ];
    for (const m of made) {
      expect(m).toContain(notices.REQUEST_REF);
      expect(m.replace(notices.REQUEST_REF, '')).not.toMatch(/[A-Za-z]{3,}/);
    }
    expect(made[0]).toBe('您的申请{申请}现为“已同意共享”（第十四条）');
    expect(made[4]).toBe('新任务：“提供单位审核意见”{申请}，办理期限 2026年12月7日 17:59');
    expect(notices.taskOpenedNotice('SHARE_PROVIDER_OPINION', due)).toBe(made[4]);
    // Delegation (代理, issue 26 §3): the delegate told of a task opened for the person they stand in for, and of the
    // delegation itself as it is made and ended early (not about a request: no REQUEST_REF).
    expect(notices.taskOpenedForDelegateNotice('SHARE_PROVIDER_OPINION', due, '张三')).toBe(
      '新任务（代张三办理）：“提供单位审核意见”{申请}，办理期限 2026年12月7日 17:59',
    );
    const delegation = [
      notices.delegationMadeNotice({ delegator: '张三', kinds: ['SHARE_PROVIDER_OPINION'], startsAt: due, endsAt: due, reason: '休假' }),
      notices.delegationEndedNotice({ delegator: '张三', endsAt: due, endedAt: due }),
    ];
    for (const m of delegation) expect(m).not.toMatch(/[A-Za-z]{3,}/);
    expect(delegation[0]).toBe('张三指定您为代理人，自 2026年12月7日 17:59 至 2026年12月7日 17:59 代其办理“提供单位审核意见”任务：休假');
  });
});

test('the provider asks once to extend its answer (《政务数据共享条例》): only its opinion under the 条例, by who may give it, whole working days and a reason; approved, at most the cap', () => {
  const under = { kind: 'SHARE_PROVIDER_OPINION', context: { regulation: true } };
  const ask = { task: under, access: null, asked: false, workingDays: 5, reason: '需协调多个系统' };
  expect(providerExtensionViolation(ask)).toBeNull();
  // The Measures alone, or another task: no such step.
  expect(providerExtensionViolation({ ...ask, task: { ...under, context: {} } })?.code).toBe('ExtensionNotAvailable');
  expect(providerExtensionViolation({ ...ask, task: { kind: 'SHARE_JOINT_REVIEW', context: { regulation: true } } })?.code).toBe('ExtensionNotAvailable');
  // Who may not act on the opinion may not ask; the rule's own refusals after.
  expect(providerExtensionViolation({ ...ask, access: 'NotCandidate' })?.code).toBe('NotCandidate');
  expect(providerExtensionViolation({ ...ask, asked: true })).toMatchObject({ code: 'ExtensionAlreadyAsked', rule: '延期申请一次' });
  for (const workingDays of [0, 31, 1.5, '3', undefined]) expect(providerExtensionViolation({ ...ask, workingDays })).toMatchObject({ field: 'workingDays' });
  for (const reason of ['', '  ', undefined]) expect(providerExtensionViolation({ ...ask, reason })).toMatchObject({ code: 'ReasonRequired', field: 'reason' });
  expect(providerExtensionLength(15, { workingDays: 10 })).toEqual({ workingDays: 10 });
  expect(providerExtensionLength(3, { workingDays: 10 })).toEqual({ workingDays: 3 });
  expect(providerExtensionLength(3, undefined)).toEqual({ workingDays: 3 });
  expect(providerExtensionLength(3, { seconds: 60 })).toEqual({ seconds: 60 });
});

describe('usage records (《政务数据共享条例》使用记录)', () => {
  test('a quarter is Asia/Shanghai’s: 31 December 23:30 in Shanghai is still Q4, 16:00 UTC that day is already Q1', () => {
    expect(quarterOf(new Date('2026-12-31T15:30:00Z'))).toEqual({
      label: '2026-Q4',
      start: new Date('2026-09-30T16:00:00Z'),
      end: new Date('2026-12-31T16:00:00Z'),
    });
    expect(quarterOf(new Date('2026-12-31T16:00:00Z')).label).toBe('2027-Q1');
    expect(quarterOf(new Date('2026-03-31T15:59:59Z')).end.toISOString()).toBe('2026-03-31T16:00:00.000Z');
    expect(quarterOf(new Date('2026-04-01T00:00:00Z')).label).toBe('2026-Q2');
    // The first period runs from the grant to its quarter's end; a trial cadence is that long; none asks none.
    expect(usagePeriodFrom(new Date('2026-11-10T02:00:00Z'), 'quarterly')).toEqual({
      from: '2026-11-10T02:00:00.000Z',
      to: '2026-12-31T16:00:00.000Z',
      label: '2026-Q4',
    });
    expect(usagePeriodFrom(new Date('2026-11-10T02:00:00Z'), { seconds: 5 })).toMatchObject({ to: '2026-11-10T02:00:05.000Z', label: null });
    expect(usagePeriodFrom(new Date(), 'none')).toBeNull();
  });
  test('FILE lists each use within the period, or says none was used, not both', () => {
    const context = { period: { from: '2026-10-01T00:00:00Z', to: '2026-12-31T16:00:00Z', label: '2026-Q4' } };
    const file = (form: Record<string, unknown>) => usageReportViolation({ decision: 'FILE', form, context })?.field ?? null;
    const use = { user: '张三', usedAt: '2026-11-02T09:00:00+08:00', purpose: '核查执业许可' };
    expect(file({ records: [use] })).toBeNull();
    expect(file({ noUse: true })).toBeNull();
    expect(file({})).toBe('form.records');
    expect(file({ records: [] })).toBe('form.records');
    expect(file({ noUse: true, records: [use] })).toBe('form.noUse');
    expect(file({ records: [{ ...use, usedAt: '2027-01-01T09:00:00+08:00' }] })).toBe('form.records.0.usedAt');
    expect(file({ records: [use, { ...use, usedAt: 'yesterday' }] })).toBe('form.records.1.usedAt');
    expect(file({ records: [{ ...use, user: ' ' }] })).toBe('form.records.0.user');
    expect(file({ records: [{ ...use, purpose: '' }] })).toBe('form.records.0.purpose');
    expect(usageReportViolation({ decision: 'OTHER', form: {}, context })).toBeNull();
  });
});

describe('a grant’s renewal (issue 24 §6)', () => {
  const grantee: Actor = { sub: 'a', org: 'market', roles: ['agency_applicant'] };
  const now = Date.parse('2026-12-06T00:00:00Z');
  const facts = { granteeOrg: 'market', status: 'active' as const, expiresAt: '2027-01-01T00:00:00Z', stopping: false, pending: null };
  test.each([
    ['another organisation', { ...grantee, org: 'health' }, facts, 'grantee applicant'],
    ['a reviewer of the grantee', { ...grantee, roles: ['provider_reviewer'] as Actor['roles'] }, facts, 'grantee applicant'],
    ['an ended grant', grantee, { ...facts, status: 'revoked' as const }, 'active grant before expiry'],
    ['a grant past its expiry', grantee, { ...facts, expiresAt: '2026-12-05T23:59:59Z' }, 'active grant before expiry'],
    ['a grant whose stop was consented to', grantee, { ...facts, stopping: true }, 'no stop scheduled'],
    ['a second renewal while one is pending', grantee, { ...facts, pending: 'r1' }, 'one renewal at a time'],
  ])('%s is refused', (_, actor, grant, rule) => {
    expect(renewalViolation(actor, grant, now)).toMatchObject({ rule });
  });
  test('the grantee’s applicant renews an active grant before expiry', () => {
    expect(renewalViolation(grantee, facts, now)).toBeNull();
    expect(renewalViolation(grantee, { ...facts, pending: 'r1' }, now)).toMatchObject({ code: 'RenewalPending' });
  });
  test('pre-filled from the grant, the purpose and duty edited or kept', () => {
    const grant = { catalogEntryId: 'e', fields: ['a', 'b'], purpose: '核查' };
    const commitment = { authenticity: true, compliance: true, security: true };
    expect(renewalForm(grant, { statutoryDuty: '监管' }, { commitment })).toEqual({
      catalogEntryId: 'e',
      scenario: '核查',
      statutoryDuty: '监管',
      fields: ['a', 'b'],
      commitment,
    });
    expect(renewalForm(grant, { statutoryDuty: '监管' }, { scenario: ' 新用途 ', statutoryDuty: '  ', commitment })).toMatchObject({
      scenario: '新用途',
      statutoryDuty: '监管',
    });
  });
  test('the new term starts at the old expiry while the old grant runs, else at once', () => {
    expect(renewedTermStart({ status: 'active', expiresAt: '2027-01-01T00:00:00.000Z' }, now)).toBe('2027-01-01T00:00:00.000Z');
    expect(renewedTermStart({ status: 'revoked', expiresAt: '2027-01-01T00:00:00.000Z' }, now)).toBeUndefined();
    expect(renewedTermStart({ status: 'active', expiresAt: '2026-12-01T00:00:00.000Z' }, now)).toBeUndefined();
    expect(renewedTermStart(undefined, now)).toBeUndefined();
  });
});
