// The catalog adjustment procedure (Art. 9 ¶2) as agencies and authorities drive it over HTTP, against real
// Temporal and PostgreSQL: review by the authority of the same level, return and resubmission, changes
// gone stale, concurrent adjustments of one entry, and the effects on grants and pending share requests.
import { MAX_REMOVAL_REASON, type EntryContent } from '../domain/catalog';
import type { Actor } from '../domain/types';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { completeTaskUpdate, workflowIdFor } from '../workflows/definitions';
import { sampleEntryContent } from '../db/seed';
import { expectProblem, startApi, validShareBody, type Api } from './api-helpers';
import { eventually, recordHistories, startHarness, TEST_ADJUSTMENT_POLICY, type Harness, insertInstitution } from './helpers';

let h: Harness;
let api: Api;
/** The same API with a public consultation that lasts seconds. */
let hurried: Api;
const started: { name: string; workflowId: string }[] = [];
/** Share requests this file ends through the catalog: the share workflow's paths of revocation and ending by signal. */
const sharesStarted: { name: string; workflowId: string }[] = [];
/** Disputes started by an objection (child workflows). */
const disputesStarted: { name: string; workflowId: string }[] = [];
/** A 事业单位 of the city holding public data (no government department): the Measures alone say who reviews its catalog. */
const institution = 'adjust-trading-centre';
beforeAll(async () => {
  h = await startHarness('adjust');
  await insertInstitution(h, institution);
  api = await startApi(h);
  hurried = await startApi(h, { policies: { catalog_adjustment: { ...TEST_ADJUSTMENT_POLICY, consultation: { seconds: 4 } } } });
});
afterAll(async () => {
  // RECORD_HISTORIES=<label> adds fixtures that test/replay.test.ts replays against today's workflow code.
  if (process.env.RECORD_HISTORIES) {
    await recordHistories(h.client, started, process.env.RECORD_HISTORIES, 'catalog_adjustment');
    await recordHistories(h.client, sharesStarted, process.env.RECORD_HISTORIES);
    await recordHistories(h.client, disputesStarted, process.env.RECORD_HISTORIES, 'share_dispute');
  }
  await hurried.app.close();
  await api.app.close();
  await h.close();
});

const applicantOf = (org: string, sub = `applicant-${org.slice(-12)}`): Actor => ({ sub, org, roles: ['agency_applicant'] });
const reviewerOf = (org: string, sub = `reviewer-${org.slice(-12)}`): Actor => ({ sub, org, roles: ['authority_reviewer'] });

async function post(actor: Actor, url: string, payload?: object) {
  return api.app.inject({ method: 'POST', url, payload, headers: api.as(actor) });
}
async function get(actor: Actor, url: string) {
  return api.app.inject({ method: 'GET', url, headers: api.as(actor) });
}

type EntryView = EntryContent & {
  id: string;
  version: number;
  share: EntryContent['share'] & { status: string; dispute: string | null };
  open: EntryContent['open'] & { status: string };
};
/** An entry as GET /catalog/:id shows it, and what an agency states of it (the content a change carries). */
async function entry(id: string): Promise<{ view: EntryView; content: EntryContent }> {
  const res = await get(applicantOf(h.city.agencies.market), `/catalog/${id}`);
  expect(res.statusCode).toBe(200);
  const view = res.json() as EntryView;
  const { title, description, fields, form, useConditions, updateFrequency, priorityOpen, share, open } = view;
  // A side's status (and a dispute on it) is the catalog's to keep, not what an agency states.
  const stated = <T extends { status: string; dispute?: string | null }>(side: T): Omit<T, 'status' | 'dispute'> => {
    const copy: Partial<T> = { ...side };
    delete copy.status;
    delete copy.dispute;
    return copy as Omit<T, 'status' | 'dispute'>;
  };
  return { view, content: { title, description, fields, form, useConditions, updateFrequency, share: stated(share), open: stated(open), priorityOpen } };
}

async function openTask(actor: Actor, requestId: string, kind: string) {
  return eventually(async () => {
    const res = await get(actor, `/tasks?kind=${kind}`);
    return (res.json().items as { id: string; requestId: string; context: Record<string, unknown> | null }[]).find((t) => t.requestId === requestId);
  });
}

async function submit(name: string, actor: Actor, body: object, record = true) {
  const res = await post(actor, '/catalog/adjustments', body);
  expect(`${res.statusCode} ${res.body.slice(0, 300)}`).toMatch(/^201 /);
  const req = res.json();
  if (record) started.push({ name, workflowId: workflowIdFor('catalog_adjustment', req.id) });
  return req as { id: string; status: string; tasks: { id: string; kind: string; candidateOrg: string }[] };
}

const passedReview = { conclusion: 'pass', reviewer: '审查组', date: '2026-11-20' };
const art19 = { nationalSecurity: passedReview, confidentiality: passedReview, informationRisk: passedReview, socialBenefit: passedReview };

test("a Donggang agency's change goes to Donggang's authority and is published as version 2, with who, why, which request and what changed", async () => {
  const id = h.city.entries.countyConditional;
  const { content } = await entry(id);
  const me = applicantOf(h.city.agencies.donggangMarket);
  const req = await submit('a county change approved by the county authority', me, {
    ground: 'duty_change',
    justification: '职能调整:摊贩登记移交街道',
    changes: [{ op: 'change', entryId: id, baseVersion: 1, entry: { ...content, description: '由街道办事处登记', updateFrequency: '每日' } }],
  });
  expect(req.status).toBe('in_review');
  expect(req.tasks).toMatchObject([{ kind: 'CATALOG_ADJUSTMENT_REVIEW', candidateOrg: h.city.countyAuthority }]);
  // 本级: the city's authority has no task of it; Donggang's has.
  expect(
    (await get(reviewerOf(h.city.cityAuthority), '/tasks?kind=CATALOG_ADJUSTMENT_REVIEW'))
      .json()
      .items.some((t: { requestId: string }) => t.requestId === req.id),
  ).toBe(false);
  const task = await openTask(reviewerOf(h.city.countyAuthority), req.id, 'CATALOG_ADJUSTMENT_REVIEW');
  // The applicant decides no review of their own: to them the task does not exist.
  expectProblem(await post(me, `/tasks/${task.id}/complete`, { decision: 'APPROVE' }), 404);

  const approved = await post(reviewerOf(h.city.countyAuthority), `/tasks/${task.id}/complete`, { decision: 'APPROVE' });
  expect(approved.statusCode).toBe(200);
  expect(approved.json()).toMatchObject({ status: 'approved', outcome: { article: 'Art. 9', entries: [{ entryId: id, version: 2, op: 'change' }] } });

  const { view } = await entry(id);
  expect(view).toMatchObject({ version: 2, description: '由街道办事处登记', updateFrequency: '每日' });
  const versions = (await get(me, `/catalog/${id}/versions`)).json().items;
  expect(versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
  expect(versions[1]).toMatchObject({ changedBy: me.sub, changeRequestId: req.id, reason: '职能职责变更: 职能调整:摊贩登记移交街道' });
  expect(versions[1].changes).toEqual([
    { field: 'description', from: '', to: '由街道办事处登记' },
    { field: 'updateFrequency', from: '每周', to: '每日' },
  ]);
  expect((await get(me, `/catalog/${id}?version=1`)).json()).toMatchObject({ version: 1, updateFrequency: '每周' });

  const history = (await get(me, `/requests/${req.id}/history`)).json().items as { action: string; article: string }[];
  expect(history.map((e) => e.action)).toEqual(['submitted', 'task_opened', 'review_started', 'task_completed', 'catalog_entry_changed', 'adjustment_applied']);
  expect(history.every((e) => /^Art\. \d+$/.test(e.article))).toBe(true);
});

test('the rules of the entry are checked before anything starts: Art. 10 ¶2 identifiers, Art. 17 basis, Art. 19 review, own catalog, current version', async () => {
  const market = applicantOf(h.city.agencies.market);
  const none = (await entry(h.city.entries.none)).content;
  // Art. 17 ¶1: a NONE-open entry resting on a 规章 alone is refused.
  const rulesOnly = await post(market, '/catalog/adjustments', {
    ground: 'law_change',
    justification: '规章修订',
    changes: [
      {
        op: 'change',
        entryId: h.city.entries.none,
        baseVersion: 1,
        entry: { ...none, open: { ...none.open, basis: [{ level: 'rules', title: '日照市某规章', article: '第五条' }] } },
      },
    ],
  });
  expect(expectProblem(rulesOnly, 400, 'body.changes.0.entry.open.basis')).toMatchObject({ article: 'Art. 17' });

  // Art. 19: widening openness without the agency's own review is refused; with every item passed it goes ahead.
  const health = applicantOf(h.city.agencies.health);
  const conditional = (await entry(h.city.entries.conditional)).content;
  const widen = {
    op: 'change',
    entryId: h.city.entries.conditional,
    baseVersion: 1,
    entry: { ...conditional, open: { ...conditional.open, attribute: 'UNCONDITIONAL', ground: null, conditions: null } },
  };
  const unreviewed = await post(health, '/catalog/adjustments', { ground: 'correction', justification: '开放范围校正', changes: [widen] });
  expect(expectProblem(unreviewed, 400, 'body.changes.0.review.nationalSecurity', 'required before opening')).toMatchObject({ article: 'Art. 19' });
  const failed = await post(health, '/catalog/adjustments', {
    ground: 'correction',
    justification: '开放范围校正',
    changes: [{ ...widen, review: { ...art19, informationRisk: { ...passedReview, conclusion: 'fail' } } }],
  });
  expectProblem(failed, 400, 'body.changes.0.review.informationRisk', 'must pass');
  // Art. 19, Art. 17 ¶2: an ID-number item added to an entry open without conditions opens data that was not
  // open: a ground of Art. 17 ¶2 and the agency's review are asked, whatever the attribute's rank.
  const registry = (await entry(h.city.entries.unconditional)).content;
  const idItem = {
    name: 'legal_representative_id',
    label: '法定代表人身份证件号码',
    type: 'id_number',
    description: '法定代表人身份证件号码',
    identifies: 'person',
  };
  const itemAdded = await post(market, '/catalog/adjustments', {
    ground: 'correction',
    justification: '补充数据项',
    changes: [{ op: 'change', entryId: h.city.entries.unconditional, baseVersion: 1, entry: { ...registry, fields: [...registry.fields, idItem] } }],
  });
  const newData = expectProblem(itemAdded, 400, 'body.changes.0.entry.open.opening', 'required when items not open before are opened');
  expect(newData.errors.map((e: { field: string; article: string }) => `${e.field} ${e.article}`)).toEqual([
    'body.changes.0.entry.open.opening Art. 17',
    ...['nationalSecurity', 'confidentiality', 'informationRisk', 'socialBenefit'].map((i) => `body.changes.0.review.${i} Art. 19`),
  ]);

  // Art. 10 ¶2: a new entry whose data identifies natural persons carries the 身份证件号码 item.
  const persons = {
    ...sampleEntryContent('个体经营者名录'),
    fields: [{ name: 'operator', label: '经营者', type: 'string', description: '经营者', identifies: 'person' }],
  };
  const unidentified = await post(market, '/catalog/adjustments', {
    ground: 'new_system',
    justification: '新建系统',
    changes: [{ op: 'add', entry: persons }],
  });
  expect(expectProblem(unidentified, 400, 'body.changes.0.entry.fields', 'a id_number item')).toMatchObject({ article: 'Art. 10' });

  // Another agency's entry, a version that is not current, an unknown entry, a malformed change.
  expectProblem(
    await post(market, '/catalog/adjustments', {
      ground: 'correction',
      justification: 'x',
      changes: [{ op: 'remove', entryId: h.city.entries.conditional, baseVersion: 1 }],
    }),
    400,
    'body.changes.0.entryId',
    'own catalog',
  );
  expectProblem(
    await post(market, '/catalog/adjustments', {
      ground: 'correction',
      justification: 'x',
      changes: [{ op: 'remove', entryId: h.city.entries.none, baseVersion: 7 }],
    }),
    400,
    'body.changes.0.baseVersion',
    'current version',
  );
  expectProblem(
    await post(market, '/catalog/adjustments', {
      ground: 'correction',
      justification: 'x',
      changes: [{ op: 'remove', entryId: 'no-such-entry', baseVersion: 1 }],
    }),
    400,
    'body.changes.0.entryId',
    'exists',
  );
  expectProblem(
    await post(market, '/catalog/adjustments', { ground: 'correction', justification: 'x', changes: [{ op: 'remove', entryId: h.city.entries.none }] }),
    400,
    'body.changes.0.baseVersion',
    'required',
  );
  expectProblem(
    await post(market, '/catalog/adjustments', {
      ground: 'whim',
      justification: 'x',
      changes: [{ op: 'remove', entryId: h.city.entries.none, baseVersion: 1 }],
    }),
    400,
    'body.ground',
  );
  expectProblem(
    await post(market, '/catalog/adjustments', {
      ground: 'correction',
      justification: '  ',
      changes: [{ op: 'remove', entryId: h.city.entries.none, baseVersion: 1 }],
    }),
    400,
    'body.justification',
    'required',
  );
  // A removal's own reason (删除理由) is optional text, bounded like the other texts; hostile text never passes.
  const removal = (reason: unknown) => ({
    ground: 'correction',
    justification: 'x',
    changes: [{ op: 'remove', entryId: h.city.entries.none, baseVersion: 1, reason }],
  });
  expectProblem(await post(market, '/catalog/adjustments', removal('理'.repeat(MAX_REMOVAL_REASON + 1))), 400, 'body.changes.0.reason', 'maxLength');
  expectProblem(await post(market, '/catalog/adjustments', removal(7)), 400, 'body.changes.0.reason', 'type');
  expectProblem(await post(market, '/catalog/adjustments', removal({ text: '职能划转' })), 400, 'body.changes.0.reason', 'type');
  expectProblem(await post(market, '/catalog/adjustments', removal('删除\u0000理由')), 400, 'body.changes.0.reason', 'text');
  expectProblem(await post(market, '/catalog/adjustments', removal('\ud800')), 400, 'body.changes.0.reason', 'text');
  // Only a removal has one.
  expectProblem(
    await post(market, '/catalog/adjustments', {
      ground: 'correction',
      justification: 'x',
      changes: [{ op: 'add', entry: sampleEntryContent('带理由的新增'), reason: '不应有' }],
    }),
    400,
  );
  // Only an agency's applicant applies.
  expectProblem(
    await post(reviewerOf(h.city.cityAuthority), '/catalog/adjustments', {
      ground: 'correction',
      justification: 'x',
      changes: [{ op: 'remove', entryId: h.city.entries.none, baseVersion: 1 }],
    }),
    403,
  );
  // Nothing of these started a request.
  expect((await get(market, '/requests?type=catalog_adjustment')).json().items).toEqual([]);
});

test("an entry marked NONE cites a level accepted for its catalog: a government department's the 条例's, another institution's the Measures' (issue 24 §3)", async () => {
  const market = applicantOf(h.city.agencies.market, 'none-basis-officer');
  const notShared = (title: string, basis: object[]) => ({
    ...sampleEntryContent(title),
    share: { attribute: 'NONE', reasons: null, conditions: null, basis },
  });
  const rules = { level: 'rules', title: '日照市公共数据管理办法', article: '第十三条' };
  const local = { level: 'regulation', title: '山东省大数据发展促进条例', article: '第二十条' };
  const administrative = { level: 'administrative_regulation', title: '政府信息公开条例', article: '第十四条' };
  // Each organisation reads the levels it may cite (the console's editor offers only those).
  expect((await get(market, '/me')).json().organisation).toMatchObject({
    governmentDepartment: true,
    noneShareBasisLevels: ['law', 'administrative_regulation', 'state_council_decision'],
  });
  expect((await get(applicantOf(institution, 'centre-none-officer'), '/me')).json().organisation).toMatchObject({
    governmentDepartment: false,
    noneShareBasisLevels: ['law', 'regulation', 'rules', 'national', 'administrative_regulation', 'state_council_decision'],
  });
  // A government department: a 规章 or a 地方性法规 alone is refused, naming the item's basis, the rule and Art. 13.
  for (const basis of [[rules], [local]]) {
    const refused = await post(market, '/catalog/adjustments', {
      ground: 'new_system',
      justification: '新建系统',
      changes: [
        { op: 'add', entry: sampleEntryContent('共享的条目') },
        { op: 'add', entry: notShared('规章不予共享', basis) },
      ],
    });
    const p = expectProblem(refused, 400, 'body.changes.1.entry.share.basis', 'a provision of an accepted level');
    expect(p).toMatchObject({ article: 'Art. 13' });
    expect(p.errors[0].message).toContain('法律、行政法规、国务院决定');
  }
  // A change of an existing entry likewise (the seed's 行政执法案卷 is NONE on a 法律).
  const { content } = await entry(h.city.entries.none);
  const lowered = await post(market, '/catalog/adjustments', {
    ground: 'correction',
    justification: '依据调整',
    changes: [{ op: 'change', entryId: h.city.entries.none, baseVersion: 1, entry: { ...content, share: { ...content.share, basis: [rules] } } }],
  });
  expectProblem(lowered, 400, 'body.changes.0.entry.share.basis', 'a provision of an accepted level');
  // In Chinese for a Chinese reader.
  const zh = await api.app.inject({
    method: 'POST',
    url: '/catalog/adjustments',
    payload: { ground: 'new_system', justification: '新建系统', changes: [{ op: 'add', entry: notShared('规章不予共享', [rules]) }] },
    headers: { ...api.as(market), 'accept-language': 'zh-CN' },
  });
  expect(zh.json().errors[0].message).toContain('列为不予共享的');
  // A 行政法规 beside the 规章: accepted.
  const accepted = await submit("a government department's entry not shared on an administrative regulation", market, {
    ground: 'new_system',
    justification: '新建系统',
    changes: [{ op: 'add', entry: notShared('行政法规不予共享', [rules, administrative]) }],
  });
  expect(accepted.status).toBe('in_review');
  expect((await post(market, `/requests/${accepted.id}/cancel`, { reason: '另行提交' })).json()).toMatchObject({ status: 'cancelled' });
  // Another institution: the Measures' wider list takes a 规章 (Art. 13 ¶2); its first compilation is published at once.
  const centre = await submit("an institution's entry not shared on local rules", applicantOf(institution, 'centre-none-officer'), {
    ground: 'first_compilation',
    justification: '首次编制本单位公共数据目录',
    changes: [{ op: 'add', entry: notShared('交易主体违法记录', [rules]) }],
  });
  expect(centre.status).toBe('approved');
  expect((await entry(`${centre.id}-1`)).view.share).toMatchObject({ attribute: 'NONE', basis: [rules] });
});

test('RETURN sends it back to the applicant, who resubmits (checked like a submission) and is then refused with a reason; ABANDON ends another', async () => {
  const me = applicantOf(h.city.agencies.resources);
  const reviewer = reviewerOf(h.city.cityAuthority);
  const { content } = await entry(h.city.entries.conditionalOpen);
  const first = {
    ground: 'new_system',
    justification: '新建不动产登记系统',
    changes: [{ op: 'change', entryId: h.city.entries.conditionalOpen, baseVersion: 1, entry: { ...content, title: '国有建设用地供应信息(新)' } }],
  };
  const req = await submit('returned, resubmitted and rejected', me, first);
  const review1 = await openTask(reviewer, req.id, 'CATALOG_ADJUSTMENT_CITY_REVIEW');
  expectProblem(await post(reviewer, `/tasks/${review1.id}/complete`, { decision: 'RETURN' }), 400);
  const returned = await post(reviewer, `/tasks/${review1.id}/complete`, { decision: 'RETURN', reason: '请补充系统建设批复' });
  expect(returned.json().status).toBe('awaiting_applicant');

  const revision = await openTask(me, req.id, 'CATALOG_ADJUSTMENT_REVISION');
  // The levels an entry it marks 不予共享 may cite (a government department's: the 条例's; issue 24 §3).
  expect(revision.context).toEqual({ returned: '请补充系统建设批复', noneBasis: ['law', 'administrative_regulation', 'state_council_decision'] });
  // A resubmission is a whole adjustment, checked as one, its fields under body.form.
  expectProblem(await post(me, `/tasks/${revision.id}/complete`, { decision: 'RESUBMIT' }), 400, 'body.form', 'an adjustment');
  expectProblem(
    await post(me, `/tasks/${revision.id}/complete`, { decision: 'RESUBMIT', form: { ...first, changes: [{ ...first.changes[0], baseVersion: 3 }] } }),
    400,
    'body.form.changes.0.baseVersion',
    'current version',
  );
  const second = { ...first, justification: '新建不动产登记系统(批复:日发改〔2026〕12号)' };
  const resubmitted = await post(me, `/tasks/${revision.id}/complete`, { decision: 'RESUBMIT', form: second });
  expect(resubmitted.json().status).toBe('in_review');
  // The request now shows what is under review; the first round stays in the revision task and the trail.
  expect((await get(reviewer, `/requests/${req.id}`)).json().payload).toMatchObject({ justification: second.justification });

  const review2 = await openTask(reviewer, req.id, 'CATALOG_ADJUSTMENT_CITY_REVIEW');
  expect(review2.id).not.toBe(review1.id);
  const rejected = await post(reviewer, `/tasks/${review2.id}/complete`, { decision: 'REJECT', reason: '与现行目录重复' });
  expect(rejected.json()).toMatchObject({ status: 'rejected', outcome: { article: 'Art. 30', reason: '与现行目录重复' } });
  expect((await entry(h.city.entries.conditionalOpen)).view.version).toBe(1);

  const other = await submit('returned and abandoned', me, first);
  const r = await openTask(reviewer, other.id, 'CATALOG_ADJUSTMENT_CITY_REVIEW');
  await post(reviewer, `/tasks/${r.id}/complete`, { decision: 'RETURN', reason: '请说明' });
  const rev = await openTask(me, other.id, 'CATALOG_ADJUSTMENT_REVISION');
  const abandoned = await post(me, `/tasks/${rev.id}/complete`, { decision: 'ABANDON', reason: '不再调整' });
  expect(abandoned.json().status).toBe('cancelled');
  const actions = (await get(me, `/requests/${other.id}/history`)).json().items.map((e: { action: string }) => e.action);
  expect(actions.at(-1)).toBe('abandoned');
});

test('20 concurrent adjustments of one entry leave a gap-free version sequence and no lost change; a stale change returns with what differs', async () => {
  const id = h.city.entries.unconditional;
  const me = applicantOf(h.city.agencies.market);
  const reviewer = reviewerOf(h.city.cityAuthority);
  const { content } = await entry(id);
  const n = 20;
  const change = (k: number, baseVersion: number) => ({ op: 'change', entryId: id, baseVersion, entry: { ...content, description: `修订 ${k}` } });
  const reqs = await Promise.all(
    Array.from({ length: n }, (_, k) =>
      submit(`concurrent adjustment ${k}`, me, { ground: 'correction', justification: `校正 ${k}`, changes: [change(k, 1)] }, k < 2),
    ),
  );
  const reviews = await Promise.all(reqs.map((r) => openTask(reviewer, r.id, 'CATALOG_ADJUSTMENT_CITY_REVIEW')));
  // Every approval at once: one applies, the others find their base no longer current.
  const decided = await Promise.all(reviews.map((t) => post(reviewer, `/tasks/${t.id}/complete`, { decision: 'APPROVE' })));
  expect(decided.map((r) => r.statusCode)).toEqual(Array(n).fill(200));
  const statuses = decided.map((r) => r.json().status as string);
  expect(statuses.filter((s) => s === 'approved')).toHaveLength(1);
  expect(statuses.filter((s) => s === 'awaiting_applicant')).toHaveLength(n - 1);
  const winner = statuses.indexOf('approved');

  // Each loser rebases on the entry as it now stands and is approved in turn.
  for (const [k, r] of reqs.entries()) {
    if (k === winner) continue;
    const revision = await openTask(me, r.id, 'CATALOG_ADJUSTMENT_REVISION');
    const stale = (revision.context as { stale: { entryId: string; baseVersion: number; currentVersion: number; diff: { field: string }[] }[] }).stale;
    expect(stale).toHaveLength(1);
    expect(stale[0]).toMatchObject({ entryId: id, baseVersion: 1 });
    expect(stale[0].diff.map((d) => d.field)).toEqual(['description']);
    const now = (await entry(id)).view.version;
    const resubmitted = await post(me, `/tasks/${revision.id}/complete`, {
      decision: 'RESUBMIT',
      form: { ground: 'correction', justification: `校正 ${k}`, changes: [change(k, now)] },
    });
    expect(`${resubmitted.statusCode} ${resubmitted.body.slice(0, 400)}`).toMatch(/^200 /);
    expect(resubmitted.json().status).toBe('in_review');
    const again = await openTask(reviewer, r.id, 'CATALOG_ADJUSTMENT_CITY_REVIEW');
    expect((await post(reviewer, `/tasks/${again.id}/complete`, { decision: 'APPROVE' })).json().status).toBe('approved');
  }
  const versions = (await get(me, `/catalog/${id}/versions?limit=100`)).json().items as {
    version: number;
    entry: { description: string };
    changeRequestId: string;
  }[];
  expect(versions.map((v) => v.version)).toEqual(Array.from({ length: n + 1 }, (_, i) => i + 1));
  expect(
    versions
      .slice(1)
      .map((v) => v.entry.description)
      .sort(),
  ).toEqual(Array.from({ length: n }, (_, k) => `修订 ${k}`).sort());
  expect(new Set(versions.slice(1).map((v) => v.changeRequestId)).size).toBe(n);
});

test('removing an entry ends its active grants (audited with the adjustment as cause, the grantee told); sharing made NONE ends pending requests', async () => {
  const grantee = applicantOf(h.city.agencies.resources, 'grantee');
  const granted = await post(grantee, '/share-requests', validShareBody(h.city.entries.unconditional));
  expect(granted.json()).toMatchObject({ status: 'granted', grant: { status: 'active' } });
  const pendingRes = await post(grantee, '/share-requests', validShareBody(h.city.entries.countyConditional));
  expect(pendingRes.json().status).toBe('in_review');
  sharesStarted.push({ name: 'a grant revoked because its entry was removed from the catalog', workflowId: workflowIdFor('share', granted.json().id) });
  sharesStarted.push({ name: 'a request in review ended because its entry was made NONE', workflowId: workflowIdFor('share', pendingRes.json().id) });

  // The market agency removes its entry (its version as it stands now, after the test above).
  const market = applicantOf(h.city.agencies.market);
  // Its reason of its own (删除理由), long and odd text included, reaches the reviewer as it was written, beside the removal.
  const reason = `该数据已并入市级统一平台的企业登记信息 "引号" <b>不加粗</b> & 🙂\n第二行 ${'长'.repeat(1500)}`;
  const removal = await submit('removal ends active grants', market, {
    ground: 'duty_change',
    justification: '职能划转',
    changes: [{ op: 'remove', entryId: h.city.entries.unconditional, baseVersion: (await entry(h.city.entries.unconditional)).view.version, reason }],
  });
  const t = await openTask(reviewerOf(h.city.cityAuthority), removal.id, 'CATALOG_ADJUSTMENT_CITY_REVIEW');
  expect((await get(reviewerOf(h.city.cityAuthority), `/requests/${removal.id}`)).json().payload).toMatchObject({
    justification: '职能划转',
    changes: [{ op: 'remove', entryId: h.city.entries.unconditional, reason }],
  });
  expect((await post(reviewerOf(h.city.cityAuthority), `/tasks/${t.id}/complete`, { decision: 'APPROVE' })).json().status).toBe('approved');
  expect((await entry(h.city.entries.unconditional)).view).toMatchObject({ share: { status: 'withdrawn' }, open: { status: 'withdrawn' } });
  // The version the removal made says why: the application's ground and justification, and the removal's own reason.
  const versions = (await get(market, `/catalog/${h.city.entries.unconditional}/versions`)).json().items as { changeRequestId: string; reason: string }[];
  expect(versions.at(-1)).toMatchObject({ changeRequestId: removal.id, reason: `职能职责变更: 职能划转\n删除理由: ${reason}` });
  const revoked = await eventually(async () => {
    const g = (await get(grantee, `/requests/${granted.json().id}`)).json();
    return g.status === 'revoked' && g;
  });
  expect(revoked.grant).toMatchObject({ status: 'revoked', endReason: expect.stringContaining(removal.id) });
  const events = (await get(grantee, `/requests/${granted.json().id}/history`)).json().items as { action: string; article: string; reason: string }[];
  expect(events.at(-1)).toMatchObject({ action: 'grant_revoked', article: 'Art. 13', reason: expect.stringContaining(removal.id) });
  const notices = (await get(grantee, '/notifications')).json().items as { requestId: string; message: string }[];
  expect(notices.some((n) => n.requestId === granted.json().id && n.message.includes('现为“已终止”'))).toBe(true);

  // The Donggang agency makes its entry NONE for sharing: the pending request ends with the reason.
  const dg = applicantOf(h.city.agencies.donggangMarket);
  const { view, content } = await entry(h.city.entries.countyConditional);
  const basis = [{ level: 'law', title: '中华人民共和国个人信息保护法', article: '第十三条' }];
  const none = await submit('sharing made NONE ends pending requests', dg, {
    ground: 'law_change',
    justification: '法律修改',
    changes: [
      {
        op: 'change',
        entryId: h.city.entries.countyConditional,
        baseVersion: view.version,
        entry: { ...content, share: { attribute: 'NONE', reasons: null, conditions: null, basis } },
      },
    ],
  });
  const t2 = await openTask(reviewerOf(h.city.countyAuthority), none.id, 'CATALOG_ADJUSTMENT_REVIEW');
  expect((await post(reviewerOf(h.city.countyAuthority), `/tasks/${t2.id}/complete`, { decision: 'APPROVE' })).json().status).toBe('approved');
  const ended = await eventually(async () => {
    const r = (await get(grantee, `/requests/${pendingRes.json().id}`)).json();
    return r.status === 'cancelled' && r;
  });
  expect(ended.tasks.every((x: { status: string }) => x.status === 'cancelled')).toBe(true);
  const trail = (await get(grantee, `/requests/${pendingRes.json().id}/history`)).json().items as { action: string; reason: string }[];
  expect(trail.at(-1)).toMatchObject({ action: 'ended_by_catalog', reason: expect.stringContaining(none.id) });
});

test("the city authority OBJECTs to a city-level agency's share attribute: a dispute runs as a child, and the adjustment applies its outcome", async () => {
  const id = h.city.entries.none;
  const { view, content } = await entry(id);
  const me = applicantOf(h.city.agencies.market);
  const reviewer = reviewerOf(h.city.cityAuthority);
  const opened = { attribute: 'CONDITIONAL', reasons: '案卷含当事人信息', conditions: '仅用于执法协作', basis: [] };
  const req = await submit('an objection settled by agreement', me, {
    ground: 'duty_change',
    justification: '执法协作需要',
    changes: [{ op: 'change', entryId: id, baseVersion: view.version, entry: { ...content, description: '行政执法案卷(协作)', share: opened } }],
  });
  const review = await openTask(reviewer, req.id, 'CATALOG_ADJUSTMENT_CITY_REVIEW');
  const keepNone = content.share;
  // An objection names an entry the adjustment changes and a position other than the agency's.
  expectProblem(
    await post(reviewer, `/tasks/${review.id}/complete`, {
      decision: 'OBJECT',
      reason: '不宜共享',
      form: { entryId: h.city.entries.unconditional, proposal: keepNone },
    }),
    400,
    'body.form.entryId',
  );
  expectProblem(
    await post(reviewer, `/tasks/${review.id}/complete`, { decision: 'OBJECT', reason: '不宜共享', form: { entryId: id, proposal: opened } }),
    400,
    'body.form.proposal',
  );
  expectProblem(
    await post(reviewer, `/tasks/${review.id}/complete`, {
      decision: 'OBJECT',
      reason: '不宜共享',
      form: { entryId: id, proposal: { ...keepNone, basis: [] } },
    }),
    400,
    'body.form.proposal.basis',
  );
  // Issue 24 §3: a NONE proposed cites a level accepted for the agency's catalog (a government department's: the 条例's),
  // which the review names; the API and the workflow's validator refuse a 规章 alone alike.
  const regulation = ['law', 'administrative_regulation', 'state_council_decision'];
  expect(review.context).toMatchObject({ noneBasis: regulation });
  const lowNone = { ...keepNone, basis: [{ level: 'rules', title: '日照市公共数据管理办法', article: '第十三条' }] };
  expectProblem(
    await post(reviewer, `/tasks/${review.id}/complete`, { decision: 'OBJECT', reason: '不宜共享', form: { entryId: id, proposal: lowNone } }),
    400,
    'body.form.proposal.basis',
    'a provision of an accepted level',
  );
  await expect(
    h.client.workflow.getHandle(workflowIdFor('catalog_adjustment', req.id)).executeUpdate(completeTaskUpdate, {
      args: [{ taskId: review.id, actor: reviewer, decision: 'OBJECT', reason: 'bypass', form: { entryId: id, proposal: lowNone } }],
    }),
  ).rejects.toThrow(WorkflowUpdateFailedError);
  const objected = await post(reviewer, `/tasks/${review.id}/complete`, {
    decision: 'OBJECT',
    reason: '案卷依法不予共享',
    form: { entryId: id, proposal: keepNone },
  });
  expect(objected.json().status).toBe('in_review');

  // The dispute is a request of its own: the agency's turn first; the entry shows it while it runs.
  const agency: Actor = { sub: 'market-opinion', org: h.city.agencies.market, roles: ['provider_reviewer'] };
  const turn = await eventually(
    async () =>
      ((await get(agency, '/tasks?kind=DISPUTE_CONSULTATION')).json().items as { id: string; requestId: string; context: { otherPosition: unknown } }[])[0],
  );
  expect(turn.requestId).toBe(`${req.id}.dispute-1`);
  disputesStarted.push({
    name: 'started by an objection in an adjustment review, settled by agreement',
    workflowId: workflowIdFor('share_dispute', turn.requestId),
  });
  expect(turn.context.otherPosition).toEqual(keepNone);
  expect(turn.context).toMatchObject({ noneBasis: regulation });
  expect((await entry(id)).view.share).toMatchObject({ attribute: 'NONE', dispute: turn.requestId });
  expect((await post(agency, `/tasks/${turn.id}/complete`, { decision: 'ACCEPT' })).json().status).toBe('settled');

  // The adjustment applies its changes with the settled attribute in place of the agency's.
  const done = await eventually(async () => {
    const r = (await get(me, `/requests/${req.id}`)).json();
    return r.status === 'approved' && r;
  });
  expect(done.outcome.entries).toEqual([{ entryId: id, version: view.version + 1, op: 'change' }]);
  expect((await entry(id)).view).toMatchObject({ version: view.version + 1, description: '行政执法案卷(协作)', share: { attribute: 'NONE', dispute: null } });
  const actions = (await get(me, `/requests/${req.id}/history`)).json().items.map((e: { action: string }) => e.action);
  expect(actions).toEqual(['submitted', 'task_opened', 'review_started', 'task_completed', 'objected', 'catalog_entry_changed', 'adjustment_applied']);
  // A county authority's review has no OBJECT (Art. 13 ¶3 is the city authority's, 同级).
  const dg = await submit(
    'a county review cannot object',
    applicantOf(h.city.agencies.donggangMarket),
    { ground: 'correction', justification: 'x', changes: [{ op: 'add', entry: sampleEntryContent('东港新目录') }] },
    false,
  );
  const countyTask = await openTask(reviewerOf(h.city.countyAuthority), dg.id, 'CATALOG_ADJUSTMENT_REVIEW');
  expectProblem(await post(reviewerOf(h.city.countyAuthority), `/tasks/${countyTask.id}/complete`, { decision: 'OBJECT', reason: 'x', form: {} }), 400);
});

test('Art. 13 ¶3: the city authority OBJECTs to the share attribute of a new entry a city-level agency adds; the entry is added with the settled attribute', async () => {
  const me = applicantOf(h.city.agencies.health, 'new-entry-officer');
  const reviewer = reviewerOf(h.city.cityAuthority);
  // Fields of their own, so that the bulk additions below flag nothing of these (Art. 8).
  const ofWaste = (title: string) => ({
    ...sampleEntryContent(title),
    fields: [
      { name: 'waste_batch', label: '批次', type: 'string', description: '批次', identifies: null },
      { name: 'disposer_uscc', label: '处置单位统一社会信用代码', type: 'uscc', description: '处置单位统一社会信用代码', identifies: 'organisation' },
    ],
  });
  const disputed = ofWaste('医疗废物处置记录');
  const req = await submit('an objection to a new entry settled by agreement', me, {
    ground: 'new_system',
    justification: '新建医疗废物监管系统',
    changes: [
      { op: 'add', entry: ofWaste('医疗废物转运记录') },
      { op: 'add', entry: disputed },
    ],
  });
  const review = await openTask(reviewer, req.id, 'CATALOG_ADJUSTMENT_CITY_REVIEW');
  const complete = `/tasks/${review.id}/complete`;
  const unconditional = { attribute: 'UNCONDITIONAL', reasons: null, conditions: null, basis: [] };
  // A new entry is named by its place in the changes: one the adjustment adds, and only one way at once.
  expectProblem(
    await post(reviewer, complete, { decision: 'OBJECT', reason: '应无条件共享', form: { index: 2, proposal: unconditional } }),
    400,
    'body.form.index',
  );
  expectProblem(
    await post(reviewer, complete, {
      decision: 'OBJECT',
      reason: '应无条件共享',
      form: { index: 1, entryId: h.city.entries.conditional, proposal: unconditional },
    }),
    400,
    'body.form.index',
  );
  expectProblem(
    await post(reviewer, complete, { decision: 'OBJECT', reason: '应无条件共享', form: { index: 1, proposal: disputed.share } }),
    400,
    'body.form.proposal',
  );
  expect(
    (await post(reviewer, complete, { decision: 'OBJECT', reason: '医疗废物处置信息应无条件共享', form: { index: 1, proposal: unconditional } })).json().status,
  ).toBe('in_review');

  // The dispute names the entry by its place and title (it has no id before it is applied); the agency's turn first.
  const agency: Actor = { sub: 'health-opinion', org: h.city.agencies.health, roles: ['provider_reviewer'] };
  const disputeId = `${req.id}.dispute-1`;
  const turn = await eventually(async () =>
    ((await get(agency, '/tasks?kind=DISPUTE_CONSULTATION')).json().items as { id: string; requestId: string; context: { otherPosition: unknown } }[]).find(
      (t) => t.requestId === disputeId,
    ),
  );
  disputesStarted.push({ name: 'started by an objection to a new entry, settled by agreement', workflowId: workflowIdFor('share_dispute', disputeId) });
  expect(turn.context.otherPosition).toEqual(unconditional);
  expect((await get(reviewer, `/requests/${disputeId}`)).json()).toMatchObject({
    catalogEntryId: null,
    payload: { entryId: null, added: { index: 1, title: '医疗废物处置记录' } },
  });
  expect((await post(agency, `/tasks/${turn.id}/complete`, { decision: 'ACCEPT' })).json().status).toBe('settled');

  const done = await eventually(async () => {
    const r = (await get(me, `/requests/${req.id}`)).json();
    return r.status === 'approved' && r;
  });
  expect(done.outcome.entries).toEqual([
    { entryId: `${req.id}-1`, version: 1, op: 'add' },
    { entryId: `${req.id}-2`, version: 1, op: 'add' },
  ]);
  expect((await entry(`${req.id}-2`)).view.share).toMatchObject({ attribute: 'UNCONDITIONAL', dispute: null });
  expect((await entry(`${req.id}-1`)).view.share).toMatchObject({ attribute: 'CONDITIONAL' });
});

test('hundreds of changes in one request: 300 new entries are applied at once, each a version 1 of the request', async () => {
  const me = applicantOf(h.city.agencies.health, 'bulk-officer');
  const changes = Array.from({ length: 300 }, (_, i) => ({ op: 'add', entry: sampleEntryContent(`批量新增目录 ${i}`) }));
  // Art. 8: one of them holds data the catalog already has (the health commission's own licensing register).
  const register = sampleEntryContent('医疗机构执业信息');
  changes[7] = {
    op: 'add',
    entry: { ...register, fields: [...register.fields, { name: 'licence_no', label: '执业许可证号', type: 'string', description: '', identifies: null }] },
  };
  const req = await submit('three hundred new entries', me, { ground: 'new_system', justification: '新建系统批量编目', changes }, false);
  // Flagged to the applicant (the register flagged may be another test file's city's: they share the database) (the answer to the POST) and to the reviewer (the task's context), with the similar entries.
  // Other files' cities add entries of the same sample shape to the shared database, so more may be flagged here than the register.
  const flagged = {
    article: 'Art. 8',
    duplicates: expect.arrayContaining([
      {
        index: 7,
        title: '医疗机构执业信息',
        similar: expect.arrayContaining([expect.objectContaining({ title: '医疗机构执业信息', titleSimilarity: 1, sharedFields: ['licence_no'] })]),
      },
    ]),
  };
  expect((req as unknown as { tasks: { context: unknown }[] }).tasks[0].context).toMatchObject(flagged);
  const t = await openTask(reviewerOf(h.city.cityAuthority), req.id, 'CATALOG_ADJUSTMENT_CITY_REVIEW');
  expect(t.context).toMatchObject(flagged);
  const approved = (await post(reviewerOf(h.city.cityAuthority), `/tasks/${t.id}/complete`, { decision: 'APPROVE' })).json();
  expect(approved.status).toBe('approved');
  expect(approved.outcome.entries).toHaveLength(300);
  const listed = (await get(me, `/catalog?provider=${h.city.agencies.health}&q=${encodeURIComponent('批量新增目录')}&limit=100`)).json();
  expect(listed.items).toHaveLength(100);
  expect(listed.nextCursor).not.toBeNull();
  expect(
    await h.db
      .selectFrom('catalog_entry_versions')
      .select(h.db.fn.countAll<string>().as('n'))
      .where('change_request_id', '=', req.id)
      .where('version', '=', 1)
      .executeTakeFirst(),
  ).toEqual({ n: '300' });
});

test('marking an entry for priority opening goes to a public consultation first: anyone comments, the agency responds, the reviewer sees both (Art. 18 ¶2)', async () => {
  const me = applicantOf(h.city.agencies.health, 'priority-officer');
  const { view, content } = await entry(h.city.entries.conditional);
  const res = await hurried.app.inject({
    method: 'POST',
    url: '/catalog/adjustments',
    payload: {
      ground: 'correction',
      justification: '列入重点和优先开放',
      changes: [{ op: 'change', entryId: view.id, baseVersion: view.version, entry: { ...content, priorityOpen: true } }],
    },
    headers: hurried.as(me),
  });
  expect(res.statusCode).toBe(201);
  const req = res.json();
  started.push({ name: 'a priority-opening consultation, then approval', workflowId: workflowIdFor('catalog_adjustment', req.id) });
  expect(req).toMatchObject({
    status: 'in_review',
    tasks: [],
    outcome: { article: 'Art. 18', consultation: { entries: [{ index: 0, entryId: view.id, title: content.title }] } },
  });

  // Anyone signed in reads the consultation and comments: the public, an enterprise, a department.
  const citizen: Actor = { sub: 'chen.citizen', org: 'public', roles: ['public_applicant'] };
  const opened = (await get(citizen, `/catalog/adjustments/${req.id}/consultation`)).json();
  expect(opened).toMatchObject({ open: true, entries: [{ entryId: view.id }], items: [], response: null });
  expect((await post(citizen, `/catalog/adjustments/${req.id}/comments`, { kind: 'public', text: '希望开放床位数据' })).statusCode).toBe(201);
  expect(
    (await post(reviewerOf(h.city.agencies.market, 'market-dept'), `/catalog/adjustments/${req.id}/comments`, { kind: 'department', text: '建议按月更新' }))
      .statusCode,
  ).toBe(201);
  // Ten comments at the same moment: each kept once, numbered apart.
  const burst = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      post({ ...citizen, sub: `burst-${i}` }, `/catalog/adjustments/${req.id}/comments`, { kind: 'enterprise', text: `意见 ${i}` }),
    ),
  );
  expect(burst.map((r) => r.statusCode)).toEqual(Array(10).fill(201));
  expect(new Set(burst.map((r) => r.json().id)).size).toBe(10);
  expectProblem(await post(citizen, `/catalog/adjustments/${req.id}/comments`, { kind: 'emperor', text: 'x' }), 400, 'body.kind');
  expectProblem(await post(citizen, `/catalog/adjustments/${req.id}/comments`, { kind: 'public', text: '   ' }), 400, 'body.text');
  expectProblem(await post(citizen, `/catalog/adjustments/${req.id}/comments`, { kind: 'public', text: 'a\u0000b' }), 400);
  expectProblem(await post(citizen, `/catalog/adjustments/no-such-request/comments`, { kind: 'public', text: 'x' }), 404);

  // When it closes, the agency responds to the comments; then the review, which shows both.
  const respond = await openTask(me, req.id, 'CATALOG_CONSULTATION_RESPONSE');
  expect(respond.context).toMatchObject({ comments: 12 });
  expectProblem(await post(citizen, `/catalog/adjustments/${req.id}/comments`, { kind: 'public', text: '晚了' }), 409);
  expect((await post(me, `/tasks/${respond.id}/complete`, { decision: 'RESPOND', reason: '采纳:按月更新床位数据' })).json().status).toBe('in_review');
  const review = await openTask(reviewerOf(h.city.cityAuthority), req.id, 'CATALOG_ADJUSTMENT_CITY_REVIEW');
  expect(review.context).toMatchObject({ consultation: { article: 'Art. 18', comments: 12, response: '采纳:按月更新床位数据' } });
  expect((await post(reviewerOf(h.city.cityAuthority), `/tasks/${review.id}/complete`, { decision: 'APPROVE' })).json().status).toBe('approved');
  expect((await entry(view.id)).view).toMatchObject({ version: view.version + 1, priorityOpen: true });

  const closed = (await get(citizen, `/catalog/adjustments/${req.id}/consultation?limit=1`)).json();
  expect(closed).toMatchObject({ open: false, response: '采纳:按月更新床位数据', items: [{ n: 1, kind: 'public', org: null, text: '希望开放床位数据' }] });
  expect(closed.items[0]).not.toHaveProperty('sub');
  const rest = (await get(citizen, `/catalog/adjustments/${req.id}/consultation?cursor=${closed.nextCursor}`)).json().items as { n: number; kind: string }[];
  expect(rest.map((c) => c.n)).toEqual(Array.from({ length: 11 }, (_, i) => i + 2));
  expect(rest[0]).toMatchObject({ n: 2, kind: 'department' });
});

test('an adjustment suspends openness alone: sharing goes on; suspending sharing stops new share requests; both resume', async () => {
  const id = h.city.entries.conditionalOpen;
  const me = applicantOf(h.city.agencies.resources, 'status-officer');
  const reviewer = reviewerOf(h.city.cityAuthority);
  const adjust = async (sides: { shareStatus?: string; openStatus?: string }) => {
    const { view, content } = await entry(id);
    const req = await submit(
      'a side suspended or resumed',
      me,
      { ground: 'correction', justification: '状态调整', changes: [{ op: 'change', entryId: id, baseVersion: view.version, entry: content, ...sides }] },
      false,
    );
    const task = await openTask(reviewer, req.id, 'CATALOG_ADJUSTMENT_CITY_REVIEW');
    expect((await post(reviewer, `/tasks/${task.id}/complete`, { decision: 'APPROVE' })).json().status).toBe('approved');
    return (await entry(id)).view;
  };
  const share = () => post(applicantOf(h.city.agencies.market, 'status-grantee'), '/share-requests', validShareBody(id));

  expect(await adjust({ openStatus: 'suspended' })).toMatchObject({ share: { status: 'published' }, open: { status: 'suspended' } });
  expect((await share()).statusCode).toBe(201);
  const versions = (await get(me, `/catalog/${id}/versions?limit=100`)).json().items;
  expect(versions.at(-1).changes).toEqual([{ field: 'openStatus', from: 'published', to: 'suspended' }]);

  expect(await adjust({ shareStatus: 'suspended' })).toMatchObject({ share: { status: 'suspended' } });
  expectProblem(await share(), 400, 'body.catalogEntryId', 'published');
  expect(await adjust({ shareStatus: 'published', openStatus: 'published' })).toMatchObject({ share: { status: 'published' }, open: { status: 'published' } });
  expect((await share()).statusCode).toBe(201);
  // Withdrawal is a removal, not a status a change sets.
  const { view, content } = await entry(id);
  expectProblem(
    await post(me, '/catalog/adjustments', {
      ground: 'correction',
      justification: 'x',
      changes: [{ op: 'change', entryId: id, baseVersion: view.version, entry: content, shareStatus: 'withdrawn' }],
    }),
    400,
    'body.changes.0.shareStatus',
  );
});

test('two reviewers deciding one review at once: one decision stands, the other is told the task is closed', async () => {
  const me = applicantOf(h.city.agencies.resources, 'race-officer');
  const req = await submit(
    'two reviewers at once',
    me,
    { ground: 'new_system', justification: '并发', changes: [{ op: 'add', entry: sampleEntryContent('并发目录') }] },
    false,
  );
  const task = await openTask(reviewerOf(h.city.cityAuthority), req.id, 'CATALOG_ADJUSTMENT_CITY_REVIEW');
  const [a, b] = await Promise.all([
    post(reviewerOf(h.city.cityAuthority, 'first-browser'), `/tasks/${task.id}/complete`, { decision: 'APPROVE' }),
    post(reviewerOf(h.city.cityAuthority, 'second-browser'), `/tasks/${task.id}/complete`, { decision: 'REJECT', reason: '重复' }),
  ]);
  expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
  const winner = a.statusCode === 200 ? 'approved' : 'rejected';
  const view = (await get(me, `/requests/${req.id}`)).json();
  expect(view.status).toBe(winner);
  expect(view.tasks).toMatchObject([{ status: 'completed', decision: winner === 'approved' ? 'APPROVE' : 'REJECT' }]);
  const decisions = (await get(me, `/requests/${req.id}/history`)).json().items.filter((e: { action: string }) => e.action === 'task_completed');
  expect(decisions).toHaveLength(1);
  expect(await h.db.selectFrom('catalog_entries').select('id').where('id', '=', `${req.id}-1`).executeTakeFirst()).toEqual(
    winner === 'approved' ? { id: `${req.id}-1` } : undefined,
  );
});

test('the applicant may cancel while it is in review; the review task closes', async () => {
  const me = applicantOf(h.city.agencies.health);
  const { view, content } = await entry(h.city.entries.conditional);
  const req = await submit('cancelled in review', me, {
    ground: 'correction',
    justification: '更正',
    changes: [{ op: 'change', entryId: view.id, baseVersion: view.version, entry: { ...content, updateFrequency: '每季度' } }],
  });
  const cancelled = await post(me, `/requests/${req.id}/cancel`, { reason: '提交有误' });
  expect(cancelled.json()).toMatchObject({ status: 'cancelled', tasks: [{ status: 'cancelled' }] });
  expect((await entry(view.id)).view.version).toBe(view.version);
});

// Issue 24 §7: who reviews a catalog change, and when.
describe('who reviews a catalog change (Art. 9 ¶1, ¶2; the 条例)', () => {
  const centre = () => applicantOf(institution, 'centre-officer');
  const authority = () => reviewerOf(h.city.cityAuthority, 'catalog-manager');
  type Notice = { requestId: string; kind: string; message: string };
  const notices = async (actor: Actor) => (await get(actor, '/notifications?limit=100')).json().items as Notice[];
  const history = async (actor: Actor, id: string) => ((await get(actor, `/requests/${id}/history`)).json().items as { action: string }[]).map((e) => e.action);
  let compiled: string;

  test("an institution's first compilation and dynamic adjustment are published at once; the authority is told, accepts one and returns the other", async () => {
    const first = await submit('first compilation published at once', centre(), {
      ground: 'first_compilation',
      justification: '首次编制本单位公共数据目录',
      changes: [{ op: 'add', entry: sampleEntryContent('公共资源交易项目') }],
    });
    // Published once the catalog's rules pass: no consent awaited.
    expect(first.status).toBe('approved');
    compiled = `${first.id}-1`;
    expect((await entry(compiled)).view).toMatchObject({ version: 1, title: '公共资源交易项目' });
    // The authority is told, and reviews it afterwards.
    const told = await eventually(async () => (await notices(authority())).find((n) => n.requestId === first.id && n.kind === 'catalog_published'));
    expect(told.message).toContain('日照市公共资源交易中心的目录调整（首次编制目录）已发布 1 个条目');
    const accept = await openTask(authority(), first.id, 'CATALOG_ADJUSTMENT_AFTER_REVIEW');
    expectProblem(await post(centre(), `/tasks/${accept.id}/complete`, { decision: 'ACCEPT' }), 404);
    expect((await post(authority(), `/tasks/${accept.id}/complete`, { decision: 'ACCEPT' })).json()).toMatchObject({
      status: 'approved',
      outcome: { review: 'after', afterReview: 'ACCEPT' },
    });
    expect(await history(centre(), first.id)).toEqual([
      'submitted',
      'catalog_entry_added',
      'adjustment_published',
      'task_opened',
      'task_completed',
      'after_review_accepted',
    ]);

    // Its ordinary dynamic adjustment: the entry moves to version 2 at once.
    const { content } = await entry(compiled);
    const dynamic = await submit('dynamic adjustment published, then returned', centre(), {
      ground: 'dynamic_adjustment',
      justification: '更新频率调整',
      changes: [{ op: 'change', entryId: compiled, baseVersion: 1, entry: { ...content, updateFrequency: '每日' } }],
    });
    expect(dynamic.status).toBe('approved');
    expect((await entry(compiled)).view).toMatchObject({ version: 2, updateFrequency: '每日' });
    const versions = (await get(centre(), `/catalog/${compiled}/versions`)).json().items;
    expect(versions[1]).toMatchObject({ changeRequestId: dynamic.id, reason: '目录动态调整: 更新频率调整' });
    // The authority returns it, with its reason: the agency is told; the change stays published until the agency adjusts it again.
    const task = await openTask(authority(), dynamic.id, 'CATALOG_ADJUSTMENT_AFTER_REVIEW');
    expectProblem(await post(authority(), `/tasks/${task.id}/complete`, { decision: 'RETURN' }), 400);
    const returned = await post(authority(), `/tasks/${task.id}/complete`, { decision: 'RETURN', reason: '更新频率与数据源不符，请整改' });
    expect(returned.json()).toMatchObject({ status: 'approved', outcome: { afterReview: 'RETURN', reason: '更新频率与数据源不符，请整改' } });
    expect(await history(centre(), dynamic.id)).toContain('after_review_returned');
    await eventually(async () =>
      (await notices(centre())).find((n) => n.requestId === dynamic.id && n.kind === 'request_status' && n.message.includes('更新频率与数据源不符')),
    );
    expect((await entry(compiled)).view.version).toBe(2);
  });

  test('the same ground from a government department waits for the review before anything is published', async () => {
    const me = applicantOf(h.city.agencies.health, 'dynamic-officer');
    const { view, content } = await entry(h.city.entries.conditional);
    const req = await submit('a government department’s dynamic adjustment reviewed first', me, {
      ground: 'dynamic_adjustment',
      justification: '动态调整',
      changes: [{ op: 'change', entryId: view.id, baseVersion: view.version, entry: { ...content, description: '动态调整' } }],
    });
    expect(req.status).toBe('in_review');
    expect(req.tasks).toMatchObject([{ kind: 'CATALOG_ADJUSTMENT_CITY_REVIEW', candidateOrg: h.city.cityAuthority }]);
    expect((await entry(view.id)).view.version).toBe(view.version);
    expect((await post(me, `/requests/${req.id}/cancel`, { reason: '另行提交' })).json()).toMatchObject({ status: 'cancelled' });
  });

  test("an institution's change because a law changed waits for the authority's consent (Art. 9 ¶2)", async () => {
    const { content } = await entry(compiled);
    const req = await submit("an institution's law change reviewed first", centre(), {
      ground: 'law_change',
      justification: '招标投标法修改',
      changes: [{ op: 'change', entryId: compiled, baseVersion: 2, entry: { ...content, description: '依法调整' } }],
    });
    expect(req.status).toBe('in_review');
    expect(req.tasks[0].kind).toMatch(/^CATALOG_ADJUSTMENT_(CITY_)?REVIEW$/);
    expect((await entry(compiled)).view.version).toBe(2);
    expect((await post(centre(), `/requests/${req.id}/cancel`, { reason: '另行提交' })).json()).toMatchObject({ status: 'cancelled' });
  });

  test('dynamic adjustments of one entry at once: one is published, the others go back with what differs; resubmitted, one is published, one on a law change waits for review', async () => {
    const base = await submit(
      'stale base',
      centre(),
      { ground: 'first_compilation', justification: '编制', changes: [{ op: 'add', entry: sampleEntryContent('交易公告') }] },
      false,
    );
    const id = `${base.id}-1`;
    const { content } = await entry(id);
    const change = (k: number, baseVersion: number) => ({ op: 'change', entryId: id, baseVersion, entry: { ...content, description: `调整 ${k}` } });
    const reqs = await Promise.all(
      Array.from({ length: 4 }, (_, k) =>
        submit(`stale after publication ${k}`, centre(), { ground: 'dynamic_adjustment', justification: `调整 ${k}`, changes: [change(k, 1)] }, false),
      ),
    );
    const statuses = reqs.map((r) => r.status);
    expect(statuses.filter((st) => st === 'approved')).toHaveLength(1);
    expect(statuses.filter((st) => st === 'awaiting_applicant')).toHaveLength(3);
    expect((await entry(id)).view.version).toBe(2);
    const [again, lawful] = reqs.filter((r) => r.status === 'awaiting_applicant');
    started.push({ name: 'stale after publication, resubmitted and published', workflowId: workflowIdFor('catalog_adjustment', again.id) });
    started.push({ name: 'stale after publication, resubmitted on a law change', workflowId: workflowIdFor('catalog_adjustment', lawful.id) });

    const revision = await openTask(centre(), again.id, 'CATALOG_ADJUSTMENT_REVISION');
    expect((revision.context as { stale: { entryId: string }[] }).stale).toMatchObject([{ entryId: id }]);
    await post(centre(), `/tasks/${revision.id}/complete`, {
      decision: 'RESUBMIT',
      form: { ground: 'dynamic_adjustment', justification: '重新调整', changes: [change(9, 2)] },
    });
    await eventually(async () => (await entry(id)).view.version === 3 || undefined);
    expect((await entry(id)).view.description).toBe('调整 9');
    await openTask(authority(), again.id, 'CATALOG_ADJUSTMENT_AFTER_REVIEW');

    const other = await openTask(centre(), lawful.id, 'CATALOG_ADJUSTMENT_REVISION');
    await post(centre(), `/tasks/${other.id}/complete`, {
      decision: 'RESUBMIT',
      form: { ground: 'law_change', justification: '法规修改', changes: [change(8, 3)] },
    });
    await openTask(authority(), lawful.id, 'CATALOG_ADJUSTMENT_CITY_REVIEW');
    expect((await get(centre(), `/requests/${lawful.id}`)).json().status).toBe('in_review');
    expect((await entry(id)).view.version).toBe(3);
    expect((await post(centre(), `/requests/${lawful.id}/cancel`, { reason: '另行提交' })).json()).toMatchObject({ status: 'cancelled' });
  });

  test('20 decisions at once on one review afterwards: exactly one stands', async () => {
    const req = await submit(
      'after review raced',
      centre(),
      { ground: 'first_compilation', justification: '补充编制', changes: [{ op: 'add', entry: sampleEntryContent('交易主体信用') }] },
      false,
    );
    const task = await openTask(authority(), req.id, 'CATALOG_ADJUSTMENT_AFTER_REVIEW');
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, k) =>
        post(
          reviewerOf(h.city.cityAuthority, `racer-${k}`),
          `/tasks/${task.id}/complete`,
          k % 2 ? { decision: 'ACCEPT' } : { decision: 'RETURN', reason: `理由 ${k}` },
        ),
      ),
    );
    const codes = answers.map((a) => a.statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(1);
    expect(codes.filter((c) => c !== 200).every((c) => c === 409)).toBe(true);
    const won = answers.find((a) => a.statusCode === 200)!.json().outcome.afterReview;
    const view = (await get(centre(), `/requests/${req.id}`)).json();
    expect(view.tasks).toMatchObject([{ status: 'completed', decision: won }]);
    expect((await history(centre(), req.id)).filter((a) => a === 'task_completed')).toHaveLength(1);
  });
});
