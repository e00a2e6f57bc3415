// Conditional open applications (Art. 17, 20) as a citizen and the providing agency drive them over HTTP,
// against real Temporal and PostgreSQL: the agency's review (extended once, information asked, rejected,
// approved), the agreement drafted, signed and countersigned, the authority told (the next level up where the
// agency's has none), the agreement terminated, lapsed, reported on, continued as new with tasks open, and
// ended by a withdrawal of its data (Art. 21).
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { openRequestActivities } from '../activities/open-request';
import { shanghaiDate } from '../domain/calendar';
import { residentIdCheck } from '../domain/ids';
import { DEFAULT_OPEN_PLATFORM_URL } from '../domain/open-request';
import { DEV_PRINCIPAL_KEYS, DEV_PRINCIPAL_LOOKUP_KEY, lookupHash, open, parsePrincipalKeys, resealAll, seal, sealedVersion } from '../api/principal-keys';
import { insertCatalogEntries } from '../db/repositories/catalog';
import { insertOrganisations } from '../db/repositories/organisations';
import { sampleResidentId } from '../db/seed';
import type { Actor } from '../domain/types';
import { workerTracingOptions } from '../worker/tracing';
import { completeTaskUpdate, WORKFLOW_TYPES, workflowIdFor, type OpenRequestInput } from '../workflows/definitions';
import { expectProblem, registerPrincipal, startApi, type Api } from './api-helpers';
import { eventually, recordHistories, startHarness, TEST_OPEN_REQUEST_POLICY, type Harness } from './helpers';

let h: Harness;
let api: Api;
const started: { name: string; workflowId: string; runId?: string }[] = [];
/** Withdrawals whose upholding reaches open applications (their agreements terminated), recorded as withdrawal histories. */
const withdrawals: { name: string; workflowId: string }[] = [];
/** Adjustments that suspend or close the data of open applications, recorded as catalog adjustment histories. */
const adjustments: { name: string; workflowId: string }[] = [];
beforeAll(async () => {
  h = await startHarness('openreq');
  api = await startApi(h, { policies: { open_request: TEST_OPEN_REQUEST_POLICY } });
});
afterAll(async () => {
  if (process.env.RECORD_HISTORIES) {
    await recordHistories(h.client, started, process.env.RECORD_HISTORIES, 'open_request');
    await recordHistories(h.client, withdrawals, process.env.RECORD_HISTORIES, 'withdrawal');
    await recordHistories(h.client, adjustments, process.env.RECORD_HISTORIES, 'catalog_adjustment');
  }
  await api.app.close();
  await h.close();
});

const citizen = (sub = 'li.citizen'): Actor => ({ sub, org: 'public', roles: ['public_applicant'] });
const agencyOf = (org: string, sub = `review-${org.slice(-10)}`): Actor => ({ sub, org, roles: ['provider_reviewer'] });
const post = (a: Api, actor: Actor, url: string, payload?: object) => a.app.inject({ method: 'POST', url, payload, headers: a.as(actor) });
const get = (actor: Actor, url: string) => api.app.inject({ method: 'GET', url, headers: api.as(actor) });
/** An application; the land-parcel entry's fields by default, all the entry's for any other. */
const form = (catalogEntryId: string) => ({
  catalogEntryId,
  purpose: '研究城市土地供应与住房价格的关系',
  scenario: '高校科研项目',
  ...(catalogEntryId === h.city.entries.conditionalOpen ? { fields: ['parcel', 'area', 'price'] } : {}),
  accessMethod: 'sandbox',
  securityMeasures: '数据仅存放于数据沙箱,项目组成员签署保密承诺',
  termMonths: 12,
});

async function apply(name: string, catalogEntryId: string, who = citizen(), a = api) {
  await registerPrincipal(a, who);
  const res = await post(a, who, '/open-requests', form(catalogEntryId));
  expect(`${res.statusCode} ${res.body.slice(0, 300)}`).toMatch(/^201 /);
  started.push({ name, workflowId: workflowIdFor('open_request', res.json().id) });
  return res.json() as { id: string; status: string };
}
const taskOf = (actor: Actor, requestId: string, kind: string, not?: string) =>
  eventually(async () =>
    ((await get(actor, `/tasks?kind=${kind}`)).json().items as { id: string; requestId: string; dueAt: string; context: Record<string, string> | null }[]).find(
      (t) => t.requestId === requestId && t.id !== not,
    ),
  );
const decide = (a: Api, actor: Actor, taskId: string, body: object) => post(a, actor, `/tasks/${taskId}/complete`, body);
const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Approves `requestId` and both parties sign: the agreement in force. */
async function approveAndSign(requestId: string, agency: Actor, who = citizen(), a = api) {
  await decide(a, agency, (await taskOf(agency, requestId, 'OPEN_REQUEST_REVIEW')).id, { decision: 'APPROVE' });
  const agreementId = `${requestId}.agreement`;
  const { sha256 } = (await get(who, `/agreements/${agreementId}`)).json();
  expect((await decide(a, who, (await taskOf(who, requestId, 'AGREEMENT_SIGNATURE')).id, { decision: 'SIGN', form: { sha256 } })).statusCode).toBe(200);
  const countersigned = await decide(a, agency, (await taskOf(agency, requestId, 'AGREEMENT_COUNTERSIGNATURE')).id, { decision: 'SIGN', form: { sha256 } });
  expect(countersigned.json().status).toBe('granted');
  return agreementId;
}

test('a citizen applies, the agency extends its review once and approves, both sign the text they read, the authority is told; the agency terminates for a breach', async () => {
  const agency = agencyOf(h.city.agencies.resources);
  const req = await apply('extended, approved, signed, terminated', h.city.entries.conditionalOpen);
  expect(req.status).toBe('in_review');
  const first = await taskOf(agency, req.id, 'OPEN_REQUEST_REVIEW');
  expectProblem(await decide(api, agency, first.id, { decision: 'EXTEND' }), 400);
  expect((await decide(api, agency, first.id, { decision: 'EXTEND', reason: '需征求数据安全意见' })).json().status).toBe('in_review');
  // The running due time moved on by the extension (the policy's 1800 s here; 10 working days by default).
  const second = await taskOf(agency, req.id, 'OPEN_REQUEST_REVIEW', first.id);
  expect(Date.parse(second.dueAt) - Date.parse(first.dueAt)).toBe(1800_000);
  expectProblem(await decide(api, agency, second.id, { decision: 'EXTEND', reason: '再次延长' }), 400, undefined, 'extended once');
  const approved = await decide(api, agency, second.id, { decision: 'APPROVE', form: { conditions: '成果发表前报甲方备案' } });
  expect(approved.json()).toMatchObject({ status: 'awaiting_signature', outcome: { agreementId: `${req.id}.agreement` } });

  const agreementId = `${req.id}.agreement`;
  const agreement = (await get(citizen(), `/agreements/${agreementId}`)).json();
  expect(agreement).toMatchObject({
    status: 'awaiting_signature',
    catalogEntryId: h.city.entries.conditionalOpen,
    fields: ['parcel', 'area', 'price'],
    termMonths: 12,
    accessMethod: 'sandbox',
    conditions: ['签订开放利用协议', '成果发表前报甲方备案'],
  });
  expect(agreement.sha256).toBe(sha(agreement.text));
  // Found by the application it was drafted for, by its licensee; another licensee finds nothing under that id.
  expect((await get(citizen(), `/agreements?requestId=${req.id}`)).json().items.map((a: { id: string }) => a.id)).toEqual([agreementId]);
  expect((await get(citizen('wang.other'), `/agreements?requestId=${req.id}`)).json().items).toEqual([]);
  for (const clause of [
    '公共数据开放利用协议',
    '研究城市土地供应与住房价格的关系',
    '高校科研项目',
    '数据沙箱',
    '重新识别',
    '数据交易平台',
    '合法、正当、必要',
    '期满删除',
  ])
    expect(agreement.text).toContain(clause);
  // The platform's address is the agreement's term, not its text (template v3: no address in it).
  expect(agreement).toMatchObject({ template: 'v3', platformUrl: DEFAULT_OPEN_PLATFORM_URL });
  expect(agreement.text).not.toContain(DEFAULT_OPEN_PLATFORM_URL);
  const doc = await get(citizen(), `/agreements/${agreementId}/document`);
  expect(doc.headers['content-type']).toContain('text/html');
  expect(doc.body).toContain('<h1>公共数据开放利用协议</h1>');
  expect(doc.body).toContain(agreement.sha256);
  // The printed document names the application by its case number.
  expect(agreement.caseNumber).toMatch(/^[A-Z]{2,4}-KF-\d{8}-\d{4,}$/);
  expect(doc.body).toContain(`受理编号:${agreement.caseNumber}`);
  // The PDF: a real one, its CJK font embedded (a subset of Debian's WenQuanYi Micro Hei, or of the Noto Sans SC
  // that npm test brings where it may not install Debian's).
  const pdf = await get(citizen(), `/agreements/${agreementId}/document.pdf`);
  expect(pdf.headers['content-type']).toBe('application/pdf');
  expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
  expect(pdf.rawPayload.toString('latin1')).toMatch(/\/BaseFont \/[A-Z]{6}\+(WenQuanYiMicroHei|NotoSansSC-Regular)\b/);
  expect(pdf.rawPayload.toString('latin1')).toContain('/FontFile2 ');
  const noFont = await startApi(h, { agreementFont: '/nonexistent/font.ttc' });
  expectProblem(await noFont.app.inject({ method: 'GET', url: `/agreements/${agreementId}/document.pdf`, headers: noFont.as(citizen()) }), 503);
  await noFont.app.close();
  // Nobody else's agreement: another citizen and another agency see none.
  expectProblem(await get(citizen('wang.other'), `/agreements/${agreementId}`), 404);
  expectProblem(await get(agencyOf(h.city.agencies.market), `/agreements/${agreementId}`), 404);

  const sign = await taskOf(citizen(), req.id, 'AGREEMENT_SIGNATURE');
  expect(sign.context).toMatchObject({ agreementId, sha256: agreement.sha256 });
  // While the applicant's signature is awaited the request reads so (待签署), and the applicant may still withdraw it.
  expect((await get(citizen(), `/requests/${req.id}`)).json()).toMatchObject({
    status: 'awaiting_signature',
    tasks: expect.arrayContaining([expect.objectContaining({ id: sign.id, status: 'open' })]),
  });
  expectProblem(await decide(api, citizen(), sign.id, { decision: 'SIGN', form: { sha256: '0'.repeat(64) } }), 400, 'body.form.sha256');
  expectProblem(await decide(api, citizen(), sign.id, { decision: 'SIGN' }), 400, 'body.form.sha256');
  expect((await decide(api, citizen(), sign.id, { decision: 'SIGN', form: { sha256: agreement.sha256 } })).json().status).toBe('awaiting_countersignature');
  const counter = await taskOf(agency, req.id, 'AGREEMENT_COUNTERSIGNATURE');
  expect((await get(citizen(), `/requests/${req.id}`)).json().status).toBe('awaiting_countersignature');
  expect((await decide(api, agency, counter.id, { decision: 'SIGN', form: { sha256: agreement.sha256 } })).json()).toMatchObject({
    status: 'granted',
    outcome: { agreementId, endsAt: expect.any(String) },
  });

  const inForce = (await get(agency, `/agreements/${agreementId}`)).json();
  expect(inForce).toMatchObject({
    status: 'in_force',
    signatures: [
      { party: 'licensee', sub: 'li.citizen', sha256: agreement.sha256 },
      { party: 'provider', sub: agency.sub, org: agency.org, sha256: agreement.sha256 },
    ],
  });
  expect(new Date(inForce.endsAt).getUTCMonth()).toBe((new Date(inForce.inForceAt).getUTCMonth() + 12) % 12);
  // The authority of the agency's own level (the city's) is told, and finds the agreement.
  const authority: Actor = { sub: 'bda-reviewer', org: h.city.cityAuthority, roles: ['authority_reviewer'] };
  const notices = (await get(authority, '/notifications')).json().items as { kind: string; requestId: string; message: string }[];
  expect(notices.find((n) => n.kind === 'agreement_signed' && n.requestId === req.id)?.message).toContain('告知');
  expect((await get(authority, `/agreements/${agreementId}`)).statusCode).toBe(200);
  const trail = (await get(citizen(), `/requests/${req.id}/history`)).json().items.map((e: { action: string }) => e.action);
  expect(trail).toEqual(
    expect.arrayContaining(['application_received', 'review_extended', 'agreement_drafted', 'agreement_signed', 'agreement_in_force', 'agreement_notified']),
  );

  expectProblem(await post(api, agency, `/agreements/${agreementId}/terminate`, { reason: ' ' }), 400);
  expectProblem(await post(api, agencyOf(h.city.agencies.market), `/agreements/${agreementId}/terminate`, { reason: '越权' }), 404);
  const ended = await post(api, agency, `/agreements/${agreementId}/terminate`, { reason: '乙方将数据用于协议以外的用途' });
  expect(ended.json()).toMatchObject({ status: 'terminated', endReason: '乙方将数据用于协议以外的用途' });
  expect((await get(citizen(), `/requests/${req.id}`)).json()).toMatchObject({ status: 'revoked', outcome: { agreement: 'terminated' } });
  expectProblem(await post(api, citizen(), `/agreements/${agreementId}/terminate`, { reason: '' }), 409);
});

test('the agreement reads in Chinese throughout: the application by its case number, the entry, the parties and the items by name, the day drafted; no id, code or address', async () => {
  const who = citizen('gao.citizen');
  await registerPrincipal(api, who, '高明');
  const res = await post(api, who, '/open-requests', form(h.city.entries.conditionalOpen));
  expect(res.statusCode).toBe(201);
  started.push({ name: 'the agreement in Chinese throughout', workflowId: workflowIdFor('open_request', res.json().id) });
  const agency = agencyOf(h.city.agencies.resources);
  await decide(api, agency, (await taskOf(agency, res.json().id, 'OPEN_REQUEST_REVIEW')).id, {
    decision: 'APPROVE',
    form: { conditions: '成果发表前报甲方备案' },
  });
  const a = (await get(who, `/agreements/${res.json().id}.agreement`)).json();
  expect(a.template).toBe('v3');
  expect(a.sha256).toBe(sha(a.text));
  const drafted = shanghaiDate(a.createdAt);
  for (const part of [
    `受理编号:${a.caseNumber}`,
    `拟订日期:${drafted}`,
    '甲方(数据提供单位):日照市自然资源和规划局',
    '乙方(数据利用主体):高明(居民身份证 ',
    '第一条 数据范围:公共数据目录「国有建设用地供应信息」中的信息项:宗地编号、供地面积、成交价格。',
    '第四条 获取方式:通过全市统一的公共数据开放平台以数据沙箱(可用不可见)方式获取',
    '第六条 利用条件:签订开放利用协议;成果发表前报甲方备案。',
    '第十三条',
  ])
    expect(a.text).toContain(part);
  expect(drafted).toMatch(/^\d{4}年\d{1,2}月\d{1,2}日$/);
  // No identifier, item code, method code or address: the only Latin letters are the case number's region and procedure.
  for (const id of [a.id, a.requestId, a.catalogEntryId, a.providerOrg, 'parcel', 'price', 'sandbox', DEFAULT_OPEN_PLATFORM_URL])
    expect(a.text).not.toContain(id);
  const withoutCaseNumber = a.text.replace(a.caseNumber, '');
  expect(withoutCaseNumber).not.toMatch(/[a-z]+-[a-z-]+/);
  expect(withoutCaseNumber).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/i);
  expect(withoutCaseNumber).not.toMatch(/https?:|www\.|\.org\b/i);
  expect(withoutCaseNumber).not.toMatch(/[A-Za-z]/);
  // Its document: the signatures and status by name, no one's id.
  await decide(api, who, (await taskOf(who, res.json().id, 'AGREEMENT_SIGNATURE')).id, { decision: 'SIGN', form: { sha256: a.sha256 } });
  const doc = (await get(who, `/agreements/${a.id}/document`)).body;
  expect(doc).toContain('<td>乙方</td><td>高明</td>');
  expect(doc).toContain('协议状态:待提供单位签署');
  expect(doc).not.toContain(who.sub);
  await post(api, who, `/requests/${res.json().id}/cancel`, { reason: '不再需要' });
});

test('an agreement drafted with the text of release 1.0.0 (template v2) keeps it: its parties sign that text, its documents show it', async () => {
  // A worker of the release before: the same workflows, its agreements drafted with template v2; its own API
  // starts the application on it, and the decisions reach the run wherever they are made.
  const taskQueue = `${h.taskQueue}-v2`;
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await Worker.create({
    connection,
    taskQueue,
    activities: { ...createActivities({ db: h.db }), ...openRequestActivities(h.db, { agreementTemplate: 'v2' }) },
    workflowBundle: { codePath: process.env.PDW_WORKFLOW_BUNDLE! },
    // The bundle's workflow interceptors send their spans to a sink every worker registers (dropped here).
    ...workerTracingOptions(undefined),
  });
  const running = worker.run();
  const older = await startApi({ ...h, taskQueue }, { policies: { open_request: TEST_OPEN_REQUEST_POLICY } });
  try {
    const who = citizen('gu.citizen');
    const req = await apply('drafted with template v2, signed on its text', h.city.entries.conditionalOpen, who, older);
    const agency = agencyOf(h.city.agencies.resources);
    await decide(api, agency, (await taskOf(agency, req.id, 'OPEN_REQUEST_REVIEW')).id, { decision: 'APPROVE' });
    const a = (await get(who, `/agreements/${req.id}.agreement`)).json();
    expect(a.template).toBe('v2');
    expect(a.text).toContain(`协议编号:${a.id}(文本版本 v2)`);
    expect(a.text).toContain(`(${h.city.entries.conditionalOpen}),字段:parcel、area、price。`);
    expect(a.sha256).toBe(sha(a.text));
    // Signed and countersigned on today's API and worker: the hash of the text as drafted, which never changes.
    const sign = await taskOf(who, req.id, 'AGREEMENT_SIGNATURE');
    expect(sign.context).toMatchObject({ sha256: a.sha256 });
    expect((await decide(api, who, sign.id, { decision: 'SIGN', form: { sha256: a.sha256 } })).json().status).toBe('awaiting_countersignature');
    const counter = await taskOf(agency, req.id, 'AGREEMENT_COUNTERSIGNATURE');
    expect((await decide(api, agency, counter.id, { decision: 'SIGN', form: { sha256: a.sha256 } })).json().status).toBe('granted');
    const signed = (await get(who, `/agreements/${a.id}`)).json();
    expect(signed).toMatchObject({ status: 'in_force', template: 'v2', text: a.text, sha256: a.sha256 });
    expect(signed.signatures.map((s: { sha256: string }) => s.sha256)).toEqual([a.sha256, a.sha256]);
    const doc = (await get(who, `/agreements/${a.id}/document`)).body;
    expect(doc).toContain(`<p>协议编号:${a.id}(文本版本 v2)</p>`);
    expect(doc).toContain('协议状态:生效中');
    await post(api, who, `/agreements/${a.id}/terminate`, { reason: '' });
  } finally {
    await older.app.close();
    worker.shutdown();
    await running;
    await connection.close();
  }
});

test('an agency whose level has no big data authority: the Art. 20 notice goes to the next level up, and the trail says so; it is never skipped', async () => {
  // An agency of 五莲县 (371121), whose county has no big data authority registered.
  const org = `${h.city.agencies.resources}-wulian`;
  await insertOrganisations(h.db, [
    { id: org, name: '五莲县自然资源局', kind: 'agency', level: 'county', region: h.city.region, division: '371121', uscc: null },
  ]);
  const entryId = `${org}-parcels`;
  const fields = [
    { name: 'parcel', label: '宗地编号', type: 'string', description: '', identifies: null },
    { name: 'area', label: '供地面积', type: 'number', description: '', identifies: null },
  ];
  await insertCatalogEntries(
    h.db,
    [
      {
        id: entryId,
        provider_org_id: org,
        title: '五莲县建设用地供应信息',
        fields: JSON.stringify(fields),
        update_frequency: '每季度',
        share_attribute: 'UNCONDITIONAL',
        open_attribute: 'CONDITIONAL',
        open_reasons: '需按特定条件提供',
        open_ground: 'particular_conditions',
        open_conditions: '签订开放利用协议',
      },
    ],
    'test',
  );
  const who = citizen('zhou.citizen');
  const req = await apply('no authority at the agency level: the next level up is told', entryId, who);
  await approveAndSign(req.id, agencyOf(org), who);
  // 并告知县级以上大数据工作主管部门: the city's authority, told why it is the one.
  const authority: Actor = { sub: 'bda-reviewer', org: h.city.cityAuthority, roles: ['authority_reviewer'] };
  const notices = (await get(authority, '/notifications?limit=100')).json().items as { kind: string; requestId: string; message: string }[];
  expect(notices.find((n) => n.kind === 'agreement_signed' && n.requestId === req.id)?.message).toContain('告知上一级');
  const trail = (await get(who, `/requests/${req.id}/history`)).json().items as { action: string }[];
  expect(trail.find((e) => e.action === 'agreement_notified')).toMatchObject({
    article: 'Art. 20',
    reason: expect.stringContaining('371121'),
    newValue: { authorityOrg: h.city.cityAuthority, fallback: true },
  });
});

test('what needs no application, what is not opened, and what is not the entry are refused, naming the rule', async () => {
  await registerPrincipal(api, citizen());
  const unconditional = expectProblem(await post(api, citizen(), '/open-requests', form(h.city.entries.unconditional)), 409);
  expect(unconditional.detail).toContain(DEFAULT_OPEN_PLATFORM_URL);
  const none = expectProblem(await post(api, citizen(), '/open-requests', form(h.city.entries.none)), 403);
  expect(none).toMatchObject({ article: 'Art. 17', detail: expect.stringContaining('个人信息保护法') });
  expectProblem(
    await post(api, citizen(), '/open-requests', { ...form(h.city.entries.conditionalOpen), fields: ['parcel', 'owner_id'] }),
    400,
    'body.fields',
    'fields of the entry',
  );
  expectProblem(
    await post(api, citizen(), '/open-requests', { ...form(h.city.entries.conditionalOpen), securityMeasures: '  ' }),
    400,
    'body.securityMeasures',
    'required',
  );
  expectProblem(await post(api, citizen(), '/open-requests', { ...form(h.city.entries.conditionalOpen), accessMethod: 'email' }), 400);
  expectProblem(await post(api, citizen(), '/open-requests', { ...form(h.city.entries.conditionalOpen), termMonths: 37 }), 400);
  expectProblem(await post(api, citizen(), '/open-requests', form('no-such-entry')), 400, 'body.catalogEntryId', 'exists');
  expectProblem(
    await post(api, { sub: 'x', org: h.city.agencies.market, roles: ['agency_applicant'] }, '/open-requests', form(h.city.entries.conditionalOpen)),
    403,
  );
});

test('a rejection states its reason; information asked pauses the review; two officers deciding at once: one stands', async () => {
  const agency = agencyOf(h.city.agencies.resources);
  const req = await apply('information asked, then two officers at once', h.city.entries.conditionalOpen, citizen('zhao.citizen'));
  const first = await taskOf(agency, req.id, 'OPEN_REQUEST_REVIEW');
  expect((await decide(api, agency, first.id, { decision: 'REQUEST_INFO', reason: '请说明研究项目的立项情况' })).json().status).toBe('awaiting_applicant');
  const reply = await taskOf(citizen('zhao.citizen'), req.id, 'OPEN_REQUEST_APPLICANT_REPLY');
  expect((await decide(api, citizen('zhao.citizen'), reply.id, { decision: 'REPLY', reason: '省自然科学基金项目 ZR2026' })).json().status).toBe('in_review');
  const second = await taskOf(agency, req.id, 'OPEN_REQUEST_REVIEW', first.id);
  expectProblem(await decide(api, agency, second.id, { decision: 'REJECT' }), 400);
  const [a, b] = await Promise.all([
    decide(api, agencyOf(h.city.agencies.resources, 'officer-1'), second.id, { decision: 'APPROVE' }),
    decide(api, agencyOf(h.city.agencies.resources, 'officer-2'), second.id, { decision: 'REJECT', reason: '用途与数据不符' }),
  ]);
  expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
  const view = (await get(citizen('zhao.citizen'), `/requests/${req.id}`)).json();
  if (b.statusCode === 200) expect(view).toMatchObject({ status: 'rejected', outcome: { reason: '用途与数据不符' } });
  else expect(view.status).toBe('awaiting_signature');
});

test('the applicant signs from two browsers at once: one signature; unsigned in time, an agreement lapses', async () => {
  const short = await startApi(h, { policies: { open_request: { ...TEST_OPEN_REQUEST_POLICY, signature: { seconds: 3 } } } });
  try {
    const agency = agencyOf(h.city.agencies.resources);
    const who = citizen('sun.citizen');
    const req = await apply('signed from two browsers', h.city.entries.conditionalOpen, who);
    await decide(api, agency, (await taskOf(agency, req.id, 'OPEN_REQUEST_REVIEW')).id, { decision: 'APPROVE' });
    const { sha256 } = (await get(who, `/agreements/${req.id}.agreement`)).json();
    const sign = await taskOf(who, req.id, 'AGREEMENT_SIGNATURE');
    const both = await Promise.all([
      decide(api, who, sign.id, { decision: 'SIGN', form: { sha256 } }),
      decide(api, who, sign.id, { decision: 'DECLINE', reason: '改变主意' }),
    ]);
    expect(both.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const signatures = (await get(who, `/agreements/${req.id}.agreement`)).json().signatures;
    expect(signatures.length).toBe(both[0].statusCode === 200 ? 1 : 0);

    const lapsing = await apply('unsigned, lapsed', h.city.entries.conditionalOpen, citizen('qian.citizen'), short);
    await decide(short, agency, (await taskOf(agency, lapsing.id, 'OPEN_REQUEST_REVIEW')).id, { decision: 'APPROVE' });
    const lapsed = await eventually(async () => {
      const r = (await get(citizen('qian.citizen'), `/requests/${lapsing.id}`)).json();
      return r.status === 'expired' && r;
    });
    expect(lapsed.outcome).toMatchObject({ agreement: 'lapsed' });
    expect((await get(citizen('qian.citizen'), `/agreements/${lapsing.id}.agreement`)).json().status).toBe('lapsed');
  } finally {
    await short.app.close();
  }
});

test('usage reports fall due as tasks for the licensee, a missed one tells the agency; the workflow continues as new with them open', async () => {
  const agency = agencyOf(h.city.agencies.resources);
  const who = citizen('zhou.citizen');
  // Started as the API starts it, with reports every 2 s, 2 s to make each, and a short history limit.
  const requestId = randomUUID();
  const input: OpenRequestInput = {
    requestId,
    // A member of the public acts for no organisation (the API drops the token's).
    applicant: { ...who, org: null },
    form: form(h.city.entries.conditionalOpen) as OpenRequestInput['form'],
    entry: {
      id: h.city.entries.conditionalOpen,
      title: '国有建设用地供应信息',
      providerOrgId: h.city.agencies.resources,
      openAttribute: 'CONDITIONAL',
      openStatus: 'published',
      openConditions: '签订开放利用协议',
      openBasis: [],
      fields: ['parcel', 'area', 'use', 'price'],
    },
    licensee: { name: who.sub, identity: null },
    platformUrl: DEFAULT_OPEN_PLATFORM_URL,
    payloadHash: 'x',
    policy: { ...TEST_OPEN_REQUEST_POLICY, reportEvery: { seconds: 2 }, reportWindow: { seconds: 2 } },
    continueAsNewAfter: 60,
  };
  const workflowId = workflowIdFor('open_request', requestId);
  const wf = await h.client.workflow.start(WORKFLOW_TYPES.open_request, { taskQueue: h.taskQueue, workflowId, args: [input] });
  started.push(
    { name: 'reports, a missed one: the run that continued as new', workflowId, runId: wf.firstExecutionRunId },
    { name: 'reports, a missed one: the run continued, terminated', workflowId },
  );
  const agreementId = await approveAndSign(requestId, agency, who);
  // A report missed: the agency is told.
  await eventually(
    async () =>
      ((await get(agency, '/notifications')).json().items as { kind: string; requestId: string }[]).some(
        (n) => n.kind === 'usage_report_missed' && n.requestId === requestId,
      ),
    30_000,
  );
  // The workflow hands over to a new run while a report task opened by the first run is open; it stays decidable.
  const report = await taskOf(who, requestId, 'USAGE_REPORT');
  await eventually(async () => (await h.client.workflow.getHandle(workflowId).describe()).runId !== wf.firstExecutionRunId, 30_000);
  expect(((await get(who, `/requests/${requestId}`)).json().tasks as { id: string; status: string }[]).find((t) => t.id === report.id)?.status).toBe('open');
  const reported = await decide(api, who, report.id, { decision: 'REPORT', reason: '本季度用于模型训练,未对外提供' });
  expect(`${reported.statusCode} ${reported.body.slice(0, 200)}`).toMatch(/^200 /);
  expect(((await get(who, `/requests/${requestId}`)).json().tasks as { id: string; status: string }[]).find((t) => t.id === report.id)?.status).toBe(
    'completed',
  );
  // The licensee ends it; the open report tasks close with it.
  expect((await post(api, who, `/agreements/${agreementId}/terminate`, { reason: '项目结束' })).json().status).toBe('terminated');
  const after = (await get(who, `/requests/${requestId}`)).json();
  expect(after.status).toBe('revoked');
  expect((after.tasks as { status: string }[]).filter((t) => t.status === 'open')).toEqual([]);
});

test('a withdrawal upheld for the entry terminates its agreement (its licensee confirms deleting the data) and ends an application still decided; the next application is refused', async () => {
  const entry = h.city.entries.conditional;
  const agency = agencyOf(h.city.agencies.health);
  const signedReq = await apply('terminated by a withdrawal', entry, citizen('wu.citizen'));
  const agreementId = await approveAndSign(signedReq.id, agency, citizen('wu.citizen'));
  const pending = await apply('ended by a withdrawal while reviewed', entry, citizen('zheng.citizen'));
  await taskOf(agency, pending.id, 'OPEN_REQUEST_REVIEW');

  const withdrawal = await post(api, citizen('feng.citizen'), '/withdrawals', {
    catalogEntryId: entry,
    right: '个人信息权益',
    reasons: '执业信息可识别到本人',
  });
  expect(withdrawal.statusCode).toBe(201);
  withdrawals.push({
    name: 'upheld for the entry: an agreement terminated, an application ended',
    workflowId: workflowIdFor('withdrawal', withdrawal.json().id),
  });
  const review = await taskOf(agency, withdrawal.json().id, 'WITHDRAWAL_REVIEW');
  expect((await decide(api, agency, review.id, { decision: 'UPHOLD', reason: '确有侵权', form: { scope: 'entry' } })).json().status).toBe('upheld');

  const terminated = await eventually(async () => {
    const a = (await get(citizen('wu.citizen'), `/agreements/${agreementId}`)).json();
    return a.status === 'terminated' && a;
  });
  expect(terminated.endReason).toContain(withdrawal.json().id);
  expect((await get(citizen('wu.citizen'), `/requests/${signedReq.id}`)).json()).toMatchObject({ status: 'revoked', outcome: { article: 'Art. 21' } });
  // The licensee confirms deleting all the data it obtained (the agreement's 第十二条); then the request is done.
  const deletion = await taskOf(citizen('wu.citizen'), signedReq.id, 'DELETION_CONFIRMATION');
  expect(deletion.context).toMatchObject({ agreementId, reason: expect.stringContaining(withdrawal.json().id) });
  // The end and the deletion task in one activity (patch agreement-end-with-deletion), each audited once; the
  // activity made again with its input (a retry after its commit) writes nothing more.
  const events = (await h.client.workflow.getHandle(workflowIdFor('open_request', signedReq.id)).fetchHistory()).events ?? [];
  const scheduled = events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes] : []));
  const ending = scheduled.slice(scheduled.findIndex((a) => a.activityType?.name === 'endAgreementWithDeletion'));
  expect(ending.map((a) => a.activityType?.name)).toEqual(['endAgreementWithDeletion']);
  const trail = async () =>
    (
      await h.db
        .selectFrom('audit_events')
        .select('action')
        .where((eb) => eb.or([eb('request_id', '=', signedReq.id), eb('task_id', '=', deletion.id)]))
        .execute()
    ).map((e) => e.action);
  const once = await trail();
  expect(once.filter((a) => a === 'agreement_terminated')).toHaveLength(1);
  expect(once.filter((a) => a === 'task_opened').length).toBeGreaterThan(0);
  const { endAgreementWithDeletion } = openRequestActivities(h.db);
  const again = await endAgreementWithDeletion(
    defaultPayloadConverter.fromPayload<Parameters<typeof endAgreementWithDeletion>[0]>(ending[0].input!.payloads![0]),
  );
  expect(Date.parse(again.dueAt)).toBe(Date.parse(deletion.dueAt));
  expect((await trail()).sort()).toEqual([...once].sort());
  expect((await decide(api, citizen('wu.citizen'), deletion.id, { decision: 'CONFIRM' })).json().status).toBe('revoked');
  await eventually(async () => (await get(citizen('zheng.citizen'), `/requests/${pending.id}`)).json().status === 'cancelled');
  const history = (await get(citizen('zheng.citizen'), `/requests/${pending.id}/history`)).json().items as { action: string; article: string }[];
  expect(history.at(-1)).toMatchObject({ action: 'ended_by_withdrawal', article: 'Art. 21' });
  await registerPrincipal(api, citizen('chen.citizen'));
  const next = expectProblem(await post(api, citizen('chen.citizen'), '/open-requests', form(entry)), 409);
  expect(next).toMatchObject({ article: 'Art. 21' });
});

test('Art. 17 ¶1, 21: closing data to the public ends its open use; a suspension pauses signing, the signature checked again as it is written', async () => {
  const agency = agencyOf(h.city.agencies.resources);
  const officer: Actor = { sub: 'closing-officer', org: h.city.agencies.resources, roles: ['agency_applicant'] };
  const authority: Actor = { sub: 'closing-reviewer', org: h.city.cityAuthority, roles: ['authority_reviewer'] };
  const entryOf = (id: string, title: string) => ({
    id,
    provider_org_id: h.city.agencies.resources,
    title,
    fields: JSON.stringify([
      { name: 'contract_no', label: '合同编号', type: 'string', description: '', identifies: null },
      { name: 'area', label: '供地面积', type: 'number', description: '', identifies: null },
    ]),
    update_frequency: '每月',
    share_attribute: 'UNCONDITIONAL' as const,
    open_attribute: 'CONDITIONAL' as const,
    open_reasons: '需按特定条件提供',
    open_ground: 'particular_conditions' as const,
    open_conditions: '签订开放利用协议',
  });
  const closing = `${h.city.entries.conditionalOpen}-contracts`;
  const removed = `${h.city.entries.conditionalOpen}-transfers`;
  await insertCatalogEntries(h.db, [entryOf(closing, '国有土地出让合同信息'), entryOf(removed, '土地转让登记信息')], 'test');
  /** The agency adjusts the entry as it stands (`change` says what differs); the city authority approves. */
  const adjust = async (name: string, justification: string, id: string, change: (content: Record<string, unknown>) => object) => {
    const {
      version,
      title,
      description,
      fields,
      form: shape,
      useConditions,
      updateFrequency,
      priorityOpen,
      share,
      open,
    } = (await get(officer, `/catalog/${id}`)).json();
    // A side's status (and a dispute on it) is the catalog's to keep, not what the agency states.
    const stated = (side: Record<string, unknown>) => Object.fromEntries(Object.entries(side).filter(([k]) => k !== 'status' && k !== 'dispute'));
    const content = { title, description, fields, form: shape, useConditions, updateFrequency, priorityOpen, share: stated(share), open: stated(open) };
    const res = await post(api, officer, '/catalog/adjustments', {
      ground: 'law_change',
      justification,
      changes: [{ op: 'change', entryId: id, baseVersion: version, entry: content, ...change(content) }],
    });
    expect(`${res.statusCode} ${res.body.slice(0, 300)}`).toMatch(/^201 /);
    adjustments.push({ name, workflowId: workflowIdFor('catalog_adjustment', res.json().id) });
    const review = await taskOf(authority, res.json().id, 'CATALOG_ADJUSTMENT_CITY_REVIEW');
    expect((await decide(api, authority, review.id, { decision: 'APPROVE' })).json().status).toBe('approved');
    return res.json().id as string;
  };
  const [yan, cao, pan, du, tao] = ['yan', 'cao', 'pan', 'du', 'tao'].map((n) => citizen(`${n}.citizen`));
  const inForce = await apply('closed to the public: an agreement terminated, its data deleted', closing, yan);
  const agreementId = await approveAndSign(inForce.id, agency, yan);
  const inReview = await apply('closed to the public: ended in review', closing, cao);
  await taskOf(agency, inReview.id, 'OPEN_REQUEST_REVIEW');
  const unsigned = await apply('closed to the public: signing paused, resumed, then ended', closing, pan);
  await decide(api, agency, (await taskOf(agency, unsigned.id, 'OPEN_REQUEST_REVIEW')).id, { decision: 'APPROVE' });
  const { sha256: unsignedSha } = (await get(pan, `/agreements/${unsigned.id}.agreement`)).json();
  const countersigning = await apply('closed to the public: ended awaiting the countersignature', closing, du);
  await decide(api, agency, (await taskOf(agency, countersigning.id, 'OPEN_REQUEST_REVIEW')).id, { decision: 'APPROVE' });
  const { sha256: countersigningSha } = (await get(du, `/agreements/${countersigning.id}.agreement`)).json();
  await decide(api, du, (await taskOf(du, countersigning.id, 'AGREEMENT_SIGNATURE')).id, { decision: 'SIGN', form: { sha256: countersigningSha } });

  // Suspended: neither the applicant's signature nor the agency's takes effect; the agreement in force runs on.
  await adjust('openness suspended', '暂停开放', closing, () => ({ openStatus: 'suspended' }));
  const sign = await taskOf(pan, unsigned.id, 'AGREEMENT_SIGNATURE');
  expect(expectProblem(await decide(api, pan, sign.id, { decision: 'SIGN', form: { sha256: unsignedSha } }), 409)).toMatchObject({
    article: 'Art. 21',
    detail: expect.stringContaining('suspended'),
  });
  const counter = await taskOf(agency, countersigning.id, 'AGREEMENT_COUNTERSIGNATURE');
  expectProblem(await decide(api, agency, counter.id, { decision: 'SIGN', form: { sha256: countersigningSha } }), 409);
  expect((await get(yan, `/agreements/${agreementId}`)).json().status).toBe('in_force');
  // A SIGN past the API (as one sent while the suspension was written): its write checks again; it takes no
  // effect, and a fresh task asks again, due when the first was.
  const paused = await h.client.workflow
    .getHandle(workflowIdFor('open_request', unsigned.id))
    .executeUpdate(completeTaskUpdate, { args: [{ taskId: sign.id, actor: pan, decision: 'SIGN', form: { sha256: unsignedSha } }] });
  expect(paused.status).toBe('awaiting_signature');
  const again = await taskOf(pan, unsigned.id, 'AGREEMENT_SIGNATURE', sign.id);
  expect(Math.abs(Date.parse(again.dueAt) - Date.parse(sign.dueAt))).toBeLessThan(1000);
  expect((await get(pan, `/agreements/${unsigned.id}.agreement`)).json()).toMatchObject({ status: 'awaiting_signature', signatures: [] });
  expect(
    ((await get(pan, `/requests/${unsigned.id}/history`)).json().items as { action: string; article: string }[]).find((e) => e.action === 'signing_paused'),
  ).toMatchObject({ article: 'Art. 21' });
  // Published again: signing goes on.
  await adjust('openness published again', '恢复开放', closing, () => ({ openStatus: 'published' }));
  expect((await decide(api, pan, again.id, { decision: 'SIGN', form: { sha256: unsignedSha } })).json().status).toBe('awaiting_countersignature');

  // Made NONE: the agreement in force is terminated citing the adjustment, and its licensee, told, confirms
  // deleting the data; the applications still decided or signed end, their drafts cancelled.
  const none = await adjust('openness made NONE: the open work ends', '依法不予开放', closing, (c) => ({
    entry: {
      ...c,
      open: {
        attribute: 'NONE',
        ground: null,
        reasons: null,
        conditions: null,
        basis: [{ level: 'law', title: '中华人民共和国数据安全法', article: '第二十一条' }],
        opening: null,
      },
    },
  }));
  const terminated = await eventually(async () => {
    const a = (await get(yan, `/agreements/${agreementId}`)).json();
    return a.status === 'terminated' && a;
  });
  expect(terminated.endReason).toContain(none);
  expect((await get(yan, `/requests/${inForce.id}`)).json()).toMatchObject({ status: 'revoked', outcome: { article: 'Art. 17', agreement: 'terminated' } });
  const told = (await get(yan, '/notifications?limit=100')).json().items as { requestId: string; message: string }[];
  expect(told.some((n) => n.requestId === inForce.id && n.message.includes(none))).toBe(true);
  const deletion = await taskOf(yan, inForce.id, 'DELETION_CONFIRMATION');
  expect(deletion.context).toMatchObject({ agreementId, reason: expect.stringContaining(none) });
  expect((await decide(api, yan, deletion.id, { decision: 'CONFIRM' })).json().status).toBe('revoked');
  for (const [who, req] of [
    [cao, inReview],
    [pan, unsigned],
    [du, countersigning],
  ] as const) {
    await eventually(async () => (await get(who, `/requests/${req.id}`)).json().status === 'cancelled');
    const trail = (await get(who, `/requests/${req.id}/history`)).json().items as { action: string; article: string; reason: string }[];
    expect(trail.at(-1)).toMatchObject({ action: 'ended_by_catalog', article: 'Art. 17', reason: expect.stringContaining(none) });
  }
  for (const req of [unsigned, countersigning]) expect((await get(agency, `/agreements/${req.id}.agreement`)).json().status).toBe('cancelled');

  // Removed from the catalog: the same.
  const transfer = await apply('removed from the catalog: ended in review', removed, tao);
  await taskOf(agency, transfer.id, 'OPEN_REQUEST_REVIEW');
  const removal = await post(api, officer, '/catalog/adjustments', {
    ground: 'duty_change',
    justification: '职能划转',
    changes: [{ op: 'remove', entryId: removed, baseVersion: 1 }],
  });
  adjustments.push({ name: 'removal closes the data to the public', workflowId: workflowIdFor('catalog_adjustment', removal.json().id) });
  await decide(api, authority, (await taskOf(authority, removal.json().id, 'CATALOG_ADJUSTMENT_CITY_REVIEW')).id, { decision: 'APPROVE' });
  await eventually(async () => (await get(tao, `/requests/${transfer.id}`)).json().status === 'cancelled');
  expect(((await get(tao, `/requests/${transfer.id}/history`)).json().items as { reason: string }[]).at(-1)?.reason).toContain(removal.json().id);
});

test('at the end of its term the agreement expires: its open tasks close, the licensee is told to delete the data', async () => {
  // A month of the term lasts a second here (calendar months otherwise); a report falls due meanwhile.
  const short = await startApi(h, { policies: { open_request: { ...TEST_OPEN_REQUEST_POLICY, termMonth: { seconds: 1 }, reportEvery: { seconds: 1 } } } });
  try {
    const agency = agencyOf(h.city.agencies.resources);
    const who = citizen('lin.citizen');
    await registerPrincipal(short, who);
    const res = await post(short, who, '/open-requests', { ...form(h.city.entries.conditionalOpen), termMonths: 3 });
    started.push({ name: 'term ended, expired', workflowId: workflowIdFor('open_request', res.json().id) });
    const agreementId = await approveAndSign(res.json().id, agency, who, short);
    const expired = await eventually(async () => {
      const r = (await get(who, `/requests/${res.json().id}`)).json();
      return r.status === 'expired' && r;
    });
    expect(expired.outcome).toMatchObject({ agreement: 'expired' });
    expect((expired.tasks as { kind: string; status: string }[]).filter((t) => t.status === 'open')).toEqual([]);
    const a = (await get(who, `/agreements/${agreementId}`)).json();
    expect(a).toMatchObject({ status: 'expired', endReason: '协议期满' });
    expect(Date.parse(a.endedAt)).toBeGreaterThanOrEqual(Date.parse(a.endsAt));
    const history = (await get(who, `/requests/${res.json().id}/history`)).json().items as { action: string; reason: string | null }[];
    expect(history.at(-1)).toMatchObject({ action: 'agreement_expired', reason: expect.stringContaining('删除') });
  } finally {
    await short.app.close();
  }
});

test('the licensee reports while the agency terminates, at the same moment: both answer, the trail holds one outcome for the task', async () => {
  const short = await startApi(h, { policies: { open_request: { ...TEST_OPEN_REQUEST_POLICY, reportEvery: { seconds: 1 } } } });
  try {
    const agency = agencyOf(h.city.agencies.resources);
    const who = citizen('xu.citizen');
    await registerPrincipal(short, who);
    const res = await post(short, who, '/open-requests', form(h.city.entries.conditionalOpen));
    started.push({ name: 'a report and a termination at once', workflowId: workflowIdFor('open_request', res.json().id) });
    const agreementId = await approveAndSign(res.json().id, agency, who, short);
    const report = await taskOf(who, res.json().id, 'USAGE_REPORT');
    const [reported, ended] = await Promise.all([
      decide(short, who, report.id, { decision: 'REPORT', reason: '按约定使用' }),
      post(short, agency, `/agreements/${agreementId}/terminate`, { reason: '乙方超范围使用' }),
    ]);
    expect(ended.statusCode).toBe(200);
    expect([200, 409]).toContain(reported.statusCode);
    const view = (await get(who, `/requests/${res.json().id}`)).json();
    expect(view.status).toBe('revoked');
    const task = (view.tasks as { id: string; status: string }[]).find((t) => t.id === report.id)!;
    expect(task.status).toBe(reported.statusCode === 200 ? 'completed' : 'cancelled');
    expect((view.tasks as { status: string }[]).filter((t) => t.status === 'open')).toEqual([]);
    const trail = (await get(who, `/requests/${res.json().id}/history`)).json().items as { action: string; taskId: string | null }[];
    expect(trail.filter((e) => e.action === 'agreement_terminated')).toHaveLength(1);
  } finally {
    await short.app.close();
  }
});

test('a withdrawal upheld for records gives each licensee a task to confirm their deletion; the agreement stands', async () => {
  const entry = h.city.entries.conditionalOpen;
  const agency = agencyOf(h.city.agencies.resources);
  const who = citizen('he.citizen');
  const req = await apply('records withdrawn, deletion confirmed', entry, who);
  const agreementId = await approveAndSign(req.id, agency, who);
  const withdrawal = await post(api, citizen('lv.citizen'), '/withdrawals', {
    catalogEntryId: entry,
    records: '地块 RZ-2026-017',
    right: '个人信息权益',
    reasons: '成交价格可识别到本人',
  });
  withdrawals.push({ name: 'upheld for records: deletion confirmed', workflowId: workflowIdFor('withdrawal', withdrawal.json().id) });
  // Suspended while the agency reviews: no new application meanwhile (Art. 21).
  const review = await taskOf(agency, withdrawal.json().id, 'WITHDRAWAL_REVIEW');
  await decide(api, agency, review.id, { decision: 'SUSPEND', reason: '审查期间暂停' });
  await registerPrincipal(api, citizen('shi.citizen'));
  expect(expectProblem(await post(api, citizen('shi.citizen'), '/open-requests', form(entry)), 409).detail).toContain('suspended');
  const resumed = await taskOf(agency, withdrawal.json().id, 'WITHDRAWAL_REVIEW', review.id);
  await decide(api, agency, resumed.id, { decision: 'UPHOLD', reason: '删除所列记录', form: { scope: 'records' } });
  const task = await taskOf(who, req.id, 'DELETION_CONFIRMATION');
  expect(task.context).toMatchObject({ records: '地块 RZ-2026-017', withdrawal: withdrawal.json().id });
  expect((await decide(api, who, task.id, { decision: 'CONFIRM' })).statusCode).toBe(200);
  expect((await get(who, `/agreements/${agreementId}`)).json().status).toBe('in_force');
  // The records withdrawn, the entry is open again: applications are taken.
  const again = await post(api, citizen('shi.citizen'), '/open-requests', form(entry));
  expect(again.statusCode).toBe(201);
  started.push({ name: 'applied again once the records were withdrawn', workflowId: workflowIdFor('open_request', again.json().id) });
  await post(api, citizen('shi.citizen'), `/requests/${again.json().id}/cancel`, { reason: '不再需要' });
  await post(api, who, `/agreements/${agreementId}/terminate`, { reason: '' });
});

test('a person says who they are once: a bad number is refused naming its rule, theirs is sealed, and nobody else ever reads it in full', async () => {
  const who = citizen('ma.citizen');
  const put = (actor: Actor, body: object) => api.app.inject({ method: 'PUT', url: '/principals/me', payload: body, headers: api.as(actor) });
  expectProblem(await get(who, '/principals/me'), 409);
  expectProblem(await post(api, who, '/open-requests', form(h.city.entries.conditionalOpen)), 409);
  const number = sampleResidentId(who.sub);
  const wrongCheck = number.slice(0, 17) + (number[17] === '0' ? '1' : '0');
  expectProblem(await put(who, { kind: 'natural', name: '马某', residentId: wrongCheck }), 400, 'body.residentId', 'check digit');
  expectProblem(await put(who, { kind: 'natural', name: '马某', residentId: '37110220991231001X' }), 400, 'body.residentId');
  expectProblem(await put(who, { kind: 'legal', name: '某公司', uscc: '91350100M000100Y44' }), 400, 'body.uscc');
  const mine = await put(who, { kind: 'natural', name: '马某', residentId: number });
  expect(mine.json()).toMatchObject({
    kind: 'natural',
    name: '马某',
    residentId: number,
    residentIdMasked: `${number.slice(0, 3)}***********${number.slice(-4)}`,
  });
  expect((await get(who, '/principals/me')).json().residentId).toBe(number);
  // Another sign-in may not claim the same number.
  expectProblem(await put(citizen('impostor'), { kind: 'natural', name: '马某', residentId: number }), 409);
  // At rest: sealed, and looked up by a keyed hash; neither holds the number.
  const row = await h.db.selectFrom('principals').selectAll().where('sub', '=', who.sub).executeTakeFirstOrThrow();
  expect(JSON.stringify(row)).not.toContain(number);
  expect(row.id_lookup).not.toBe(sha(number));

  // Through an application to an agreement in force and a termination: every response anyone but the holder
  // gets (the agency, the authority, a supervisor, an admin) carries the number masked at most.
  const agency = agencyOf(h.city.agencies.resources);
  const res = await post(api, who, '/open-requests', form(h.city.entries.conditionalOpen));
  started.push({ name: 'a registered person, masked everywhere', workflowId: workflowIdFor('open_request', res.json().id) });
  const agreementId = await approveAndSign(res.json().id, agency, who);
  const others: Actor[] = [
    agency,
    { sub: 'bda', org: h.city.cityAuthority, roles: ['authority_reviewer'] },
    { sub: 'sup', org: h.city.cityAuthority, roles: ['supervisor'] },
    { sub: 'adm', org: h.city.cityAuthority, roles: ['admin'] },
  ];
  const seen: string[] = [];
  for (const actor of others)
    for (const url of [
      `/agreements/${agreementId}`,
      `/agreements/${agreementId}/document`,
      '/agreements?limit=100',
      `/requests/${res.json().id}`,
      `/requests/${res.json().id}/history`,
      '/tasks?limit=100',
      '/notifications?limit=100',
      '/principals/me',
    ])
      seen.push((await get(actor, url)).body);
  expect(seen.join('\n')).not.toContain(number);
  const text = (await get(agency, `/agreements/${agreementId}`)).json();
  expect(text.licensee).toEqual({ sub: who.sub, name: '马某', identity: `居民身份证 ${mine.json().residentIdMasked}` });
  expect(text.text).toContain(mine.json().residentIdMasked);
  // Nor the audit trail, nor any workflow's history.
  const audit = await h.db.selectFrom('audit_events').select(['new_value', 'old_value']).where('actor_sub', '=', who.sub).execute();
  expect(JSON.stringify(audit)).not.toContain(number);
  const history = await h.client.workflow.getHandle(workflowIdFor('open_request', res.json().id)).fetchHistory();
  expect(JSON.stringify(history)).not.toContain(number);
  await post(api, who, `/agreements/${agreementId}/terminate`, { reason: '' });
});

test('Art. 10 ¶2: a 港澳台居民居住证 and a 外国人永久居留身份证 register, each checked by its own rule, and read back masked alike', async () => {
  const put = (actor: Actor, body: object) => api.app.inject({ method: 'PUT', url: '/principals/me', payload: body, headers: api.as(actor) });
  const permit = `82000019880808${String(randomUUID().replace(/\D/g, '').slice(0, 3)).padEnd(3, '0')}`;
  const permitNumber = permit + residentIdCheck(permit);
  const card = `93784019750412${String(randomUUID().replace(/\D/g, '').slice(0, 3)).padEnd(3, '0')}`;
  const cardNumber = card + residentIdCheck(card);
  const macao = citizen('ho.macao');
  const foreigner = citizen('smith.foreigner');
  // As a resident ID card, a residence permit number is refused for its division; under its own document it stands.
  expectProblem(await put(macao, { kind: 'natural', name: '何某', residentId: permitNumber }), 400, 'body.residentId', 'division code');
  expectProblem(
    await put(macao, { kind: 'natural', name: '何某', documentType: 'foreign_permanent_residence', residentId: permitNumber }),
    400,
    'body.residentId',
    'format',
  );
  expectProblem(await put(macao, { kind: 'natural', name: '何某', documentType: 'passport', residentId: permitNumber }), 400);
  const wrong = permitNumber.slice(0, 17) + (permitNumber[17] === '0' ? '1' : '0');
  expectProblem(
    await put(macao, { kind: 'natural', name: '何某', documentType: 'hmt_residence_permit', residentId: wrong }),
    400,
    'body.residentId',
    'check digit',
  );
  const masked = (n: string) => `${n.slice(0, 3)}***********${n.slice(-4)}`;
  expect((await put(macao, { kind: 'natural', name: '何某', documentType: 'hmt_residence_permit', residentId: permitNumber })).json()).toMatchObject({
    documentType: 'hmt_residence_permit',
    residentIdMasked: masked(permitNumber),
  });
  expect((await get(macao, '/principals/me')).json()).toMatchObject({
    kind: 'natural',
    documentType: 'hmt_residence_permit',
    residentId: permitNumber,
    residentIdMasked: masked(permitNumber),
  });
  expect((await put(foreigner, { kind: 'natural', name: 'John Smith', documentType: 'foreign_permanent_residence', residentId: cardNumber })).statusCode).toBe(
    200,
  );
  expect((await get(foreigner, '/principals/me')).json()).toMatchObject({
    documentType: 'foreign_permanent_residence',
    residentId: cardNumber,
    residentIdMasked: masked(cardNumber),
  });
  // Sealed at rest like any number, with its document beside it.
  const row = await h.db.selectFrom('principals').selectAll().where('sub', '=', foreigner.sub).executeTakeFirstOrThrow();
  expect(row).toMatchObject({ id_document_type: 'foreign_permanent_residence', id_masked: masked(cardNumber) });
  expect(JSON.stringify(row)).not.toContain(cardNumber);
});

test('a member of the public acts for no organisation, whatever organisation their token names', async () => {
  const agency = agencyOf(h.city.agencies.resources);
  const who = citizen('tang.citizen');
  const req = await apply('a citizen whose token names an agency', h.city.entries.conditionalOpen, who);
  expect((await get(who, `/requests/${req.id}`)).json().applicant).toEqual({ sub: who.sub, org: null });
  // The same person with a token naming the providing agency: still nobody's staff.
  const posing: Actor = { ...who, org: h.city.agencies.resources };
  expect(((await get(posing, '/tasks?limit=100')).json().items as unknown[]).length).toBe(0);
  expectProblem(await get(posing, `/tasks/${(await taskOf(agency, req.id, 'OPEN_REQUEST_REVIEW')).id}`), 404);
  const agreementId = await approveAndSign(req.id, agency, who);
  const listed = (await get(posing, '/agreements?limit=100')).json().items as { id: string; licensee: { sub: string } }[];
  expect(listed.map((a) => a.licensee.sub)).toEqual([who.sub]);
  expect(listed.map((a) => a.id)).toEqual([agreementId]);
  // Their own tasks reach them by name: the signature was theirs, and the request lists as theirs.
  expect(((await get(posing, '/requests?limit=100')).json().items as { id: string }[]).map((r) => r.id)).toContain(req.id);
  expect(((await get(posing, '/notifications?limit=100')).json().items as { kind: string }[]).every((n) => n.kind !== 'agreement_signed')).toBe(true);
  await post(api, who, `/agreements/${agreementId}/terminate`, { reason: '' });
});

test('two sign-ins claim one number at the same moment: one holds it, the other is told; odd text reaches the agreement, escaped in its documents', async () => {
  const number = sampleResidentId('race-number');
  const put = (sub: string) =>
    api.app.inject({ method: 'PUT', url: '/principals/me', payload: { kind: 'natural', name: sub, residentId: number }, headers: api.as(citizen(sub)) });
  const both = await Promise.all([put('race.a'), put('race.b')]);
  expect(both.map((r) => r.statusCode).sort()).toEqual([200, 409]);
  expect(await h.db.selectFrom('principals').select('sub').where('sub', 'in', ['race.a', 'race.b']).execute()).toHaveLength(1);

  const odd = '研究 "引号" \'单引号\' <script>alert(1)</script> & 🙂 مرحبا\n第二行 %_\\';
  const who = citizen('odd.citizen');
  await registerPrincipal(api, who, `<b>${odd}</b>`);
  const res = await post(api, who, '/open-requests', { ...form(h.city.entries.conditionalOpen), purpose: odd, securityMeasures: odd });
  expect(res.statusCode).toBe(201);
  started.push({ name: 'odd text in the application', workflowId: workflowIdFor('open_request', res.json().id) });
  const agency = agencyOf(h.city.agencies.resources);
  await decide(api, agency, (await taskOf(agency, res.json().id, 'OPEN_REQUEST_REVIEW')).id, { decision: 'APPROVE', form: { conditions: odd } });
  const agreement = (await get(who, `/agreements/${res.json().id}.agreement`)).json();
  expect(agreement).toMatchObject({ purpose: odd, securityMeasures: odd, licensee: { name: `<b>${odd}</b>` } });
  expect(agreement.conditions).toContain(odd);
  expect(agreement.sha256).toBe(sha(agreement.text));
  const html = (await get(who, `/agreements/${res.json().id}.agreement/document`)).body;
  expect(html).not.toContain('<script>');
  expect(html).not.toContain('<b>');
  expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  const pdf = await get(who, `/agreements/${res.json().id}.agreement/document.pdf`);
  expect(pdf.statusCode).toBe(200);
  await post(api, who, `/requests/${res.json().id}/cancel`, { reason: odd });
  expect((await get(who, `/requests/${res.json().id}`)).json().status).toBe('cancelled');
});

test('keys rotate: numbers sealed under the old key open under the new ring and are re-sealed under the new key', async () => {
  const old = parsePrincipalKeys(DEV_PRINCIPAL_KEYS, DEV_PRINCIPAL_LOOKUP_KEY);
  const sealed = seal(old, '11010519491231002X');
  const rotated = parsePrincipalKeys(`v2:${Buffer.alloc(32, 7).toString('base64')},${DEV_PRINCIPAL_KEYS}`, DEV_PRINCIPAL_LOOKUP_KEY);
  expect(open(rotated, sealed)).toBe('11010519491231002X');
  expect(sealedVersion(seal(rotated, '11010519491231002X'))).toBe('v2');
  expect(lookupHash(rotated, '11010519491231002X')).toBe(lookupHash(old, '11010519491231002X'));
  expect(() => parsePrincipalKeys('v1:short', DEV_PRINCIPAL_LOOKUP_KEY)).toThrow(/32 bytes/);
  // The table: every number of this file's people re-sealed under v2, still the same number.
  const subs = (await h.db.selectFrom('principals').select('sub').where('sub', 'like', '%.citizen').execute()).map((r) => r.sub);
  expect(await resealAll(h.db, rotated, { subs })).toBe(subs.length);
  const rows = await h.db.selectFrom('principals').select(['sub', 'id_sealed']).where('sub', 'in', subs).execute();
  expect(rows.length).toBeGreaterThan(0);
  for (const r of rows) {
    expect(sealedVersion(r.id_sealed!)).toBe('v2');
    expect(open(rotated, r.id_sealed!)).toBe(sampleResidentId(r.sub));
  }
  // Back under the development key, for the tests that follow (their API seals and opens with it).
  const back = parsePrincipalKeys(`${DEV_PRINCIPAL_KEYS},v2:${Buffer.alloc(32, 7).toString('base64')}`, DEV_PRINCIPAL_LOOKUP_KEY);
  await resealAll(h.db, back, { subs });
});

test('started past the API for data not opened, the workflow refuses and writes nothing', async () => {
  const requestId = randomUUID();
  const input: OpenRequestInput = {
    requestId,
    applicant: citizen(),
    form: form(h.city.entries.none) as OpenRequestInput['form'],
    entry: {
      id: h.city.entries.none,
      title: 'x',
      providerOrgId: h.city.agencies.market,
      openAttribute: 'NONE',
      openStatus: 'published',
      openConditions: null,
      openBasis: [],
      fields: ['parcel', 'area', 'price'],
    },
    licensee: { name: 'x', identity: null },
    platformUrl: DEFAULT_OPEN_PLATFORM_URL,
    payloadHash: 'x',
    policy: TEST_OPEN_REQUEST_POLICY,
  };
  const wf = await h.client.workflow.start(WORKFLOW_TYPES.open_request, {
    taskQueue: h.taskQueue,
    workflowId: workflowIdFor('open_request', requestId),
    args: [input],
  });
  await expect(wf.result()).rejects.toThrow(WorkflowFailedError);
  expect(await h.db.selectFrom('requests').select('id').where('id', '=', requestId).executeTakeFirst()).toBeUndefined();
});
