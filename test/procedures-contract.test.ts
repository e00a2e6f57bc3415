// The contract every procedure of the registry (domain/procedures.ts) keeps, checked over HTTP on the real stack:
// started by a role of its `startedBy`, each open task of every kind refuses every decision that is not its own
// (a made-up one and every other kind's), accepts its own, and the request ends (its run closed, a terminal
// status, no task open). Every (kind, decision) of the registry is accepted at least once, or listed in UNREACHABLE
// with its reason. The fixtures are a Record<RequestType, …>: a new procedure does not compile until it has one.
import { randomUUID } from 'node:crypto';
import { insertOrganisations } from '../db/repositories/organisations';
import { sampleEntryContent, seedCity, type SeededCity } from '../db/seed';
import type { SharePosition } from '../domain/share-dispute';
import { PROCEDURES, TASK_KINDS, type RequestType, type TaskKind } from '../domain/procedures';
import { CANCELLABLE } from '../domain/requests';
import type { Candidate } from '../domain/tasks';
import type { Actor, Role } from '../domain/types';
import { workflowIdFor } from '../workflows/definitions';
import { refusedShare, registerPrincipal, startApi, validShareBody, type Api, ok, type Res, validOpenRequestBody } from './api-helpers';
import {
  eventually,
  refusalForm,
  startHarness,
  TEST_ADJUSTMENT_POLICY,
  TEST_OPEN_REQUEST_POLICY,
  TEST_POLICY,
  TEST_REFUSAL_DISPUTE_POLICY,
  type Harness,
} from './helpers';

let h: Harness;
let api: Api;
/** The same API with a public consultation of seconds and usage reports falling due every few seconds. */
let fast: Api;
beforeAll(async () => {
  h = await startHarness('contract');
  // Shares between government departments are delivered (数据交付) within the policy's `delivery`.
  api = await startApi(h, { policies: { open_request: TEST_OPEN_REQUEST_POLICY, share: { ...TEST_POLICY, delivery: { seconds: 3600 } } } });
  fast = await startApi(h, {
    policies: {
      open_request: { ...TEST_OPEN_REQUEST_POLICY, reportEvery: { seconds: 3 } },
      catalog_adjustment: { ...TEST_ADJUSTMENT_POLICY, consultation: { seconds: 2 } },
      // A grant's usage report (《政务数据共享条例》使用记录) falls due every few seconds.
      // Onward provision with the provider's consent (the 条例's route, issue 24 §6), so its task is reached too.
      share: { ...TEST_POLICY, usageReport: { seconds: 3 }, onwardProvision: 'provider_consent' },
      // A grant a refusal dispute ends in runs out in seconds.
      refusal_dispute: { ...TEST_REFUSAL_DISPUTE_POLICY, grantTerm: { seconds: 3 } },
    },
  });
}, 60_000);
afterAll(async () => {
  await fast?.app.close();
  await api?.app.close();
  await h?.close();
});

interface TaskView {
  id: string;
  kind: TaskKind;
  status: string;
  candidates: Candidate[];
}

/** What a run's fixture code is given: the run's own city and API, the request, who started it. */
interface RunContext {
  city: SeededCity;
  api: Api;
  requestId: string;
  starter: Actor;
  post(actor: Actor, url: string, payload?: object): Promise<Res>;
  get(actor: Actor, url: string): Promise<Res>;
}

/** One decision on the request's open task of `kind` (on another request when `on` says so: a child the run started). */
interface Step {
  kind: TaskKind;
  decision: string;
  reason?: string;
  form?: (run: RunContext) => Promise<object> | object;
  on?: (run: RunContext) => { requestId: string; reader: Actor };
}
/** Something a party does outside a task (the provider asks to end a grant, an agreement is terminated). */
type Act = (run: RunContext) => Promise<unknown>;

interface ContractRun {
  name: string;
  /** On the API whose timers fire in seconds (public consultations, usage reports). */
  fast?: boolean;
  /** The starter and the body of POST startRoute, from the run's own city. */
  start(city: SeededCity, api: Api): Promise<{ starter: Actor; body: object }> | { starter: Actor; body: object };
  steps: (Step | Act)[];
}

interface ContractFixture {
  /** The first run is the procedure's ordinary path; the others reach the decisions it does not take. */
  runs: [ContractRun, ...ContractRun[]];
}

// ---- The cities' people and bodies, as the procedures' own tests have them.

const member = (org: string, role: Role, sub = `${role}.contract`): Actor => ({ sub, org, roles: [role] });
const applicantOf = (city: SeededCity, org: string): Actor => ({ sub: `applicant.${city.region}`, org, roles: ['agency_applicant'] });
const citizenOf = (city: SeededCity, name = 'citizen'): Actor => ({ sub: `${name}.${city.region}`, org: 'public', roles: ['public_applicant'] });

const NONE: SharePosition = {
  attribute: 'NONE',
  reasons: null,
  conditions: null,
  basis: [{ level: 'law', title: '中华人民共和国个人信息保护法', article: '第十三条' }],
};
const CONDITIONAL: SharePosition = { attribute: 'CONDITIONAL', reasons: '含个人信息', conditions: '仅用于执法协作', basis: [] };

/** A catalog entry as its agency states it (GET /catalog/:id without the statuses the catalog keeps). */
async function stated(a: Api, entryId: string) {
  const reader: Actor = { sub: 'catalog.reader', org: 'public', roles: ['public_applicant'] };
  const view = ok(await a.app.inject({ method: 'GET', url: `/catalog/${entryId}`, headers: a.as(reader) }));
  const side = (s: Record<string, unknown>) => Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'status' && k !== 'dispute'));
  const { title, description, fields, form, useConditions, updateFrequency, priorityOpen, share, open } = view;
  return { title, description, fields, form, useConditions, updateFrequency, priorityOpen, share: side(share), open: side(open) };
}

const countyAdd = (city: SeededCity) => ({
  starter: applicantOf(city, city.agencies.donggangMarket),
  body: { ground: 'new_system', justification: '新建系统编目', changes: [{ op: 'add', entry: sampleEntryContent(`契约目录 ${city.region}`) }] },
});
/**
 * A 事业单位 of the city (no government department) first compiles its catalog: published at once, the
 * authority reviewing it afterwards (issue 24 §7).
 */
async function institutionCompiles(city: SeededCity) {
  const id = `${city.region}-centre-${randomUUID().slice(0, 8)}`;
  await insertOrganisations(h.db, [
    { id, name: '公共资源交易中心', kind: 'agency', level: 'city', region: city.region, division: '371100', uscc: null, government_department: false },
  ]);
  return {
    starter: applicantOf(city, id),
    body: { ground: 'first_compilation', justification: '首次编制', changes: [{ op: 'add', entry: sampleEntryContent(`首次编制 ${id}`) }] },
  };
}
/** A city-level agency opens sharing of its NONE entry: the city authority reviews it (and may OBJECT). */
async function cityOpening(city: SeededCity, a: Api) {
  const content = await stated(a, city.entries.none);
  return {
    starter: applicantOf(city, city.agencies.market),
    body: {
      ground: 'duty_change',
      justification: '执法协作需要',
      changes: [{ op: 'change', entryId: city.entries.none, baseVersion: 1, entry: { ...content, share: CONDITIONAL } }],
    },
  };
}
const shareStart = (city: SeededCity) => ({ starter: applicantOf(city, city.agencies.market), body: validShareBody(city.entries.conditional) });
const disputeStart = (city: SeededCity) => ({
  starter: member(city.cityAuthority, 'authority_reviewer', 'raiser.contract'),
  body: { catalogEntryId: city.entries.conditional, proposal: NONE, objection: '涉及个人信息,不宜共享' },
});
/** The applicant disputes the refusal of its share request (the provider disagreed, the authority rejected). */
const refusalDisputeStart = async (city: SeededCity, a: Api) => {
  const starter = applicantOf(city, city.agencies.market);
  return { starter, body: { shareRequestId: await refusedShare(a, city, starter), reason: '履行监管职责确需该数据', fields: ['institution', 'licence_no'] } };
};
const grantWith = (conditions: string | null) => () => ({ grant: true, fields: ['institution'], conditions });
const refuse = () => ({ grant: false, fields: [], conditions: null });
const withdrawalBody = (city: SeededCity) => ({
  catalogEntryId: city.entries.conditionalOpen,
  records: '地块 RZ-2026-017',
  right: '个人信息权益',
  reasons: '成交价格可识别到本人',
});
/** An error reported in the market agency's entry, open to all. */
const correctionBody = (city: SeededCity) => ({
  catalogEntryId: city.entries.unconditional,
  items: ['legal_representative'],
  problem: '法定代表人与营业执照不一致',
});
async function application(city: SeededCity, a: Api) {
  const starter = citizenOf(city);
  await registerPrincipal(a, starter);
  return {
    starter,
    body: validOpenRequestBody(city.entries.conditionalOpen),
  };
}

/** The provider (the entry's agency) asks to end the request's grant: the city authority's consent is asked (Art. 14). */
const askToRevoke: Act = async (run) => {
  const { grant } = ok(await run.get(run.starter, `/requests/${run.requestId}`));
  ok(
    await run.post(member(run.city.agencies.health, 'provider_reviewer'), `/grants/${grant.id}/revoke`, {
      ground: 'purpose_achieved',
      reason: '专项检查已结束',
    }),
    202,
  );
};
/** The grantee asks to provide the grant's data to a third party (issue 24 §6): the provider consents or refuses. */
const askOnward: Act = async (run) => {
  const { grant } = ok(await run.get(run.starter, `/requests/${run.requestId}`));
  ok(
    await run.post(run.starter, `/grants/${grant.id}/onward-provision`, {
      thirdPartyOrg: run.city.agencies.health,
      purpose: '联合核查',
      fields: [grant.fields[0]],
    }),
    202,
  );
};
/** The city authority ends the grant itself (Art. 14): at once, also while a consented stop's notice runs (《政务数据共享条例》). */
const authorityRevokes: Act = async (run) => {
  const { grant } = ok(await run.get(run.starter, `/requests/${run.requestId}`));
  ok(await run.post(member(run.city.cityAuthority, 'authority_reviewer'), `/grants/${grant.id}/revoke`, { ground: 'misuse', reason: '发现违规使用' }));
};
/** The provider's reviewer asks once to extend its opinion's answer (《政务数据共享条例》): the head of its sharing work decides. */
const askExtension: Act = async (run) => {
  const provider = member(run.city.agencies.health, 'provider_reviewer');
  const opinion = ((await run.get(provider, `/requests/${run.requestId}`)).json().tasks as TaskView[]).find(
    (t) => t.kind === 'SHARE_PROVIDER_OPINION' && t.status === 'open',
  )!;
  ok(await run.post(provider, `/tasks/${opinion.id}/extension-request`, { workingDays: 3, reason: '需协调多个业务系统' }));
};
/** The provider's delivery of the run's grant: how, where, and the grant's fields (数据交付). */
const deliveryForm =
  (method: string) =>
  async (run: RunContext): Promise<object> => {
    const { grant } = ok(await run.get(run.starter, `/requests/${run.requestId}`));
    return { method, location: method === 'file' ? '/exchange/medical.csv' : 'https://exchange.example.org/medical', deliveredFields: grant.fields };
  };
/** The text the licensee reads: what both signatures are of. */
const agreementHash = async (run: RunContext) => ({ sha256: ok(await run.get(run.starter, `/agreements/${run.requestId}.agreement`)).sha256 as string });
const terminate: Act = async (run) => ok(await run.post(run.starter, `/agreements/${run.requestId}.agreement/terminate`, { reason: '项目结束' }));
/** Another person's withdrawal of some records of the entry, upheld: the licensee is asked to confirm their deletion. */
const recordsWithdrawn: Act = async (run) => {
  const { id } = ok(await run.post(citizenOf(run.city, 'requester'), '/withdrawals', withdrawalBody(run.city)), 201);
  const agency = member(run.city.agencies.resources, 'provider_reviewer');
  const review = await eventually(async () =>
    ((await run.get(agency, `/requests/${id}`)).json().tasks as TaskView[]).find((t) => t.kind === 'WITHDRAWAL_REVIEW' && t.status === 'open'),
  );
  ok(await run.post(agency, `/tasks/${review.id}/complete`, { decision: 'UPHOLD', reason: '删除所列记录', form: { scope: 'records' } }));
};
const approvedAndSigned: Step[] = [
  { kind: 'OPEN_REQUEST_REVIEW', decision: 'APPROVE' },
  { kind: 'AGREEMENT_SIGNATURE', decision: 'SIGN', form: agreementHash },
  { kind: 'AGREEMENT_COUNTERSIGNATURE', decision: 'SIGN', form: agreementHash },
];

// ---- One fixture per procedure: how to start one, and the paths its runs take to their ends.

const FIXTURES: Record<RequestType, ContractFixture> = {
  refusal_dispute: {
    runs: [
      {
        name: 'the provider counters with conditions, the applicant accepts: granted, the grant runs out',
        fast: true,
        start: refusalDisputeStart,
        steps: [
          { kind: 'REFUSAL_DISPUTE_CONSULTATION', decision: 'COUNTER', reason: '限定数据项', form: grantWith('仅用于执法检查') },
          { kind: 'REFUSAL_DISPUTE_CONSULTATION', decision: 'ACCEPT' },
        ],
      },
      {
        name: 'no agreement, settled under the authority’s coordination: the refusal stands',
        start: refusalDisputeStart,
        steps: [
          { kind: 'REFUSAL_DISPUTE_CONSULTATION', decision: 'NO_AGREEMENT', reason: '无法协商' },
          { kind: 'REFUSAL_DISPUTE_COORDINATION', decision: 'SETTLE', reason: '申请方撤回', form: refuse },
        ],
      },
      {
        name: 'the provider maintains its refusal, the applicant declares no agreement, coordination fails, the leading group upholds',
        start: refusalDisputeStart,
        steps: [
          { kind: 'REFUSAL_DISPUTE_CONSULTATION', decision: 'COUNTER', reason: '维持不予共享', form: refuse },
          { kind: 'REFUSAL_DISPUTE_CONSULTATION', decision: 'NO_AGREEMENT', reason: '无法接受' },
          { kind: 'REFUSAL_DISPUTE_COORDINATION', decision: 'FAIL', reason: '协调不成' },
          { kind: 'REFUSAL_DISPUTE_DECISION', decision: 'UPHOLD', reason: '维持原决定' },
        ],
      },
      {
        name: 'coordination fails, the leading group grants: the grant runs out',
        fast: true,
        start: refusalDisputeStart,
        steps: [
          { kind: 'REFUSAL_DISPUTE_CONSULTATION', decision: 'NO_AGREEMENT', reason: '无法协商' },
          { kind: 'REFUSAL_DISPUTE_COORDINATION', decision: 'FAIL', reason: '协调不成' },
          { kind: 'REFUSAL_DISPUTE_DECISION', decision: 'GRANT', reason: '依法履职所需', form: () => ({ fields: ['institution'], conditions: null }) },
        ],
      },
    ],
  },
  share: {
    runs: [
      {
        name: 'agreed and approved; the provider asks to end the grant, refused, asks again, consented to',
        start: shareStart,
        steps: [
          // Between government departments the provider may ask once for more time; its head of sharing work approves.
          askExtension,
          { kind: 'SHARE_EXTENSION_APPROVAL', decision: 'APPROVE' },
          { kind: 'SHARE_PROVIDER_OPINION', decision: 'AGREE' },
          // APPROVE only after the provider's AGREE (Art. 14).
          { kind: 'SHARE_JOINT_REVIEW', decision: 'APPROVE' },
          // Between government departments the grant is delivered (数据交付), a problem reopening delivery, then confirmed.
          { kind: 'SHARE_DELIVERY', decision: 'DELIVER', form: deliveryForm('file') },
          { kind: 'SHARE_DELIVERY_CONFIRMATION', decision: 'REPORT_PROBLEM', reason: '文件无法打开' },
          { kind: 'SHARE_DELIVERY', decision: 'DELIVER', form: deliveryForm('interface') },
          { kind: 'SHARE_DELIVERY_CONFIRMATION', decision: 'CONFIRM' },
          askToRevoke,
          { kind: 'GRANT_REVOCATION_CONSENT', decision: 'REFUSE', reason: '监管职责仍在履行' },
          askToRevoke,
          { kind: 'GRANT_REVOCATION_CONSENT', decision: 'CONSENT' },
          // Consented, the grant runs on through the grantee's notice (revocation-notice); the authority's own end is at once.
          authorityRevokes,
        ],
      },
      {
        name: 'unconditional data granted at once; an onward provision refused, then consented to; the grantee files its usage records; the authority ends the grant',
        fast: true,
        start: (city: SeededCity) => ({ starter: applicantOf(city, city.agencies.market), body: validShareBody(city.entries.conditionalOpen) }),
        steps: [
          askOnward,
          { kind: 'SHARE_ONWARD_PROVISION', decision: 'REFUSE', reason: '超出共享用途' },
          askOnward,
          { kind: 'SHARE_ONWARD_PROVISION', decision: 'CONSENT' },
          { kind: 'SHARE_USAGE_REPORT', decision: 'FILE', form: () => ({ noUse: true }) },
          authorityRevokes,
        ],
      },
      {
        // Between government departments the applicant is asked once per review (一次性告知), every missing item listed.
        name: 'more time refused; information asked by the provider, a consultation, then disagreed and rejected',
        start: shareStart,
        steps: [
          askExtension,
          { kind: 'SHARE_EXTENSION_APPROVAL', decision: 'REFUSE', reason: '期限内可以完成' },
          {
            kind: 'SHARE_PROVIDER_OPINION',
            decision: 'REQUEST_INFO',
            reason: '哪些诊所?',
            form: () => ({ missing: [{ item: '诊所名单', reason: '确定共享范围' }] }),
          },
          { kind: 'SHARE_APPLICANT_REPLY', decision: 'REPLY', reason: '全市民营诊所' },
          { kind: 'SHARE_JOINT_REVIEW', decision: 'CONSULT', reason: '请提供方再议' },
          { kind: 'SHARE_PROVIDER_OPINION', decision: 'DISAGREE', reason: '含患者信息', form: () => refusalForm },
          { kind: 'SHARE_JOINT_REVIEW', decision: 'REJECT', reason: '不予共享', form: () => refusalForm },
        ],
      },
      {
        name: 'information asked by the authority, then disagreed and rejected',
        start: shareStart,
        steps: [
          {
            kind: 'SHARE_JOINT_REVIEW',
            decision: 'REQUEST_INFO',
            reason: '请说明监管依据',
            form: () => ({ missing: [{ item: '监管依据', reason: '核实法定职责' }] }),
          },
          { kind: 'SHARE_APPLICANT_REPLY', decision: 'REPLY', reason: '广告法第四十六条' },
          { kind: 'SHARE_PROVIDER_OPINION', decision: 'DISAGREE', reason: '含患者信息', form: () => refusalForm },
          { kind: 'SHARE_JOINT_REVIEW', decision: 'REJECT', reason: '不予共享', form: () => refusalForm },
        ],
      },
    ],
  },
  catalog_adjustment: {
    runs: [
      { name: 'a district agency adds an entry, approved', start: countyAdd, steps: [{ kind: 'CATALOG_ADJUSTMENT_REVIEW', decision: 'APPROVE' }] },
      {
        name: "an institution's first compilation published, accepted afterwards",
        start: institutionCompiles,
        steps: [{ kind: 'CATALOG_ADJUSTMENT_AFTER_REVIEW', decision: 'ACCEPT' }],
      },
      {
        name: "an institution's first compilation published, returned afterwards",
        start: institutionCompiles,
        steps: [{ kind: 'CATALOG_ADJUSTMENT_AFTER_REVIEW', decision: 'RETURN', reason: '请整改' }],
      },
      {
        name: 'returned, resubmitted, rejected',
        start: countyAdd,
        steps: [
          { kind: 'CATALOG_ADJUSTMENT_REVIEW', decision: 'RETURN', reason: '请补充' },
          {
            kind: 'CATALOG_ADJUSTMENT_REVISION',
            decision: 'RESUBMIT',
            form: (run) => ({
              ground: 'correction',
              justification: '已补充',
              changes: [{ op: 'add', entry: sampleEntryContent(`修订目录 ${run.city.region}`) }],
            }),
          },
          { kind: 'CATALOG_ADJUSTMENT_REVIEW', decision: 'REJECT', reason: '重复编目' },
        ],
      },
      {
        name: 'a city-level opening returned by the city authority, abandoned',
        start: cityOpening,
        steps: [
          { kind: 'CATALOG_ADJUSTMENT_CITY_REVIEW', decision: 'RETURN', reason: '请说明依据' },
          { kind: 'CATALOG_ADJUSTMENT_REVISION', decision: 'ABANDON' },
        ],
      },
      {
        name: 'a city-level opening rejected',
        start: cityOpening,
        steps: [{ kind: 'CATALOG_ADJUSTMENT_CITY_REVIEW', decision: 'REJECT', reason: '不宜共享' }],
      },
      {
        name: 'a city-level opening objected to: the dispute it starts settled by agreement',
        start: cityOpening,
        steps: [
          {
            kind: 'CATALOG_ADJUSTMENT_CITY_REVIEW',
            decision: 'OBJECT',
            reason: '案卷依法不予共享',
            form: async (run) => ({ entryId: run.city.entries.none, proposal: (await stated(run.api, run.city.entries.none)).share }),
          },
          {
            kind: 'DISPUTE_CONSULTATION',
            decision: 'ACCEPT',
            on: (run) => ({ requestId: `${run.requestId}.dispute-1`, reader: member(run.city.cityAuthority, 'authority_reviewer') }),
          },
        ],
      },
      {
        name: 'priority opening: the public consulted, the response read, approved',
        fast: true,
        async start(city, a) {
          const content = await stated(a, city.entries.conditional);
          return {
            starter: applicantOf(city, city.agencies.health),
            body: {
              ground: 'correction',
              justification: '列入重点和优先开放',
              changes: [{ op: 'change', entryId: city.entries.conditional, baseVersion: 1, entry: { ...content, priorityOpen: true } }],
            },
          };
        },
        steps: [
          { kind: 'CATALOG_CONSULTATION_RESPONSE', decision: 'RESPOND', reason: '采纳公众意见' },
          { kind: 'CATALOG_ADJUSTMENT_CITY_REVIEW', decision: 'APPROVE' },
        ],
      },
    ],
  },
  share_dispute: {
    runs: [
      { name: 'the agency accepts the authority’s position', start: disputeStart, steps: [{ kind: 'DISPUTE_CONSULTATION', decision: 'ACCEPT' }] },
      {
        name: 'countered, no agreement, the leading group decides',
        start: disputeStart,
        steps: [
          { kind: 'DISPUTE_CONSULTATION', decision: 'COUNTER', reason: '可有条件共享', form: () => CONDITIONAL },
          { kind: 'DISPUTE_CONSULTATION', decision: 'NO_AGREEMENT', reason: '分歧无法消除' },
          { kind: 'DISPUTE_DECISION', decision: 'DECIDE', reason: '有条件共享', form: () => CONDITIONAL },
        ],
      },
    ],
  },
  open_demand: {
    runs: [
      {
        name: 'answered with a plan',
        start: (city) => ({ starter: citizenOf(city), body: { catalogEntryId: city.entries.none, description: '处罚结果', purpose: '研究' } }),
        steps: [{ kind: 'OPEN_DEMAND_ANSWER', decision: 'PLAN', reason: '年内开放' }],
      },
      {
        name: 'an agency’s demand, declined',
        start: (city) => ({
          starter: applicantOf(city, city.agencies.health),
          body: { catalogEntryId: city.entries.none, description: '处罚结果', purpose: '协同监管' },
        }),
        steps: [{ kind: 'OPEN_DEMAND_ANSWER', decision: 'DECLINE', reason: '涉及商业秘密' }],
      },
    ],
  },
  withdrawal: {
    runs: [
      {
        name: 'records withdrawn',
        start: (city) => ({ starter: citizenOf(city), body: withdrawalBody(city) }),
        steps: [{ kind: 'WITHDRAWAL_REVIEW', decision: 'UPHOLD', reason: '删除所列记录', form: () => ({ scope: 'records' }) }],
      },
      {
        name: 'suspended, information asked and given, dismissed',
        start: (city) => ({ starter: citizenOf(city), body: withdrawalBody(city) }),
        steps: [
          { kind: 'WITHDRAWAL_REVIEW', decision: 'SUSPEND', reason: '核查期间暂停' },
          { kind: 'WITHDRAWAL_REVIEW', decision: 'REQUEST_INFO', reason: '请提供身份证明' },
          { kind: 'WITHDRAWAL_APPLICANT_REPLY', decision: 'REPLY', reason: '已上传' },
          { kind: 'WITHDRAWAL_REVIEW', decision: 'DISMISS', reason: '不可识别到个人' },
        ],
      },
    ],
  },
  open_request: {
    runs: [
      {
        name: 'approved, signed by both, reported on, records withdrawn and their deletion confirmed, terminated',
        fast: true,
        start: application,
        steps: [
          ...approvedAndSigned,
          { kind: 'USAGE_REPORT', decision: 'REPORT', reason: '按约定使用' },
          recordsWithdrawn,
          { kind: 'DELETION_CONFIRMATION', decision: 'CONFIRM' },
          terminate,
        ],
      },
      {
        name: 'extended, information asked and given, rejected',
        start: application,
        steps: [
          { kind: 'OPEN_REQUEST_REVIEW', decision: 'EXTEND', reason: '需会商' },
          { kind: 'OPEN_REQUEST_REVIEW', decision: 'REQUEST_INFO', reason: '请说明立项情况' },
          { kind: 'OPEN_REQUEST_APPLICANT_REPLY', decision: 'REPLY', reason: '已立项' },
          { kind: 'OPEN_REQUEST_REVIEW', decision: 'REJECT', reason: '用途不符' },
        ],
      },
      {
        name: 'approved, the licensee declines to sign',
        start: application,
        steps: [
          { kind: 'OPEN_REQUEST_REVIEW', decision: 'APPROVE' },
          { kind: 'AGREEMENT_SIGNATURE', decision: 'DECLINE' },
        ],
      },
    ],
  },
  correction: {
    runs: [
      {
        name: 'a member of the public reports an error in open data, corrected',
        start: (city) => ({ starter: citizenOf(city), body: correctionBody(city) }),
        steps: [{ kind: 'CORRECTION_VERIFICATION', decision: 'CORRECTED', form: () => ({ corrected: '已更正法定代表人', publishedAt: '2026-12-10' }) }],
      },
      {
        name: 'information asked and given, not an error',
        start: (city) => ({ starter: citizenOf(city), body: correctionBody(city) }),
        steps: [
          { kind: 'CORRECTION_VERIFICATION', decision: 'REQUEST_INFO', reason: '请提供营业执照照片' },
          { kind: 'CORRECTION_REPORTER_REPLY', decision: 'REPLY', reason: '已上传' },
          { kind: 'CORRECTION_VERIFICATION', decision: 'NOT_AN_ERROR', reason: '与登记档案一致' },
        ],
      },
    ],
  },
};

/** Decisions no fresh run can take in reasonable time, each with its reason (checked against the registry). */
const UNREACHABLE: Partial<Record<TaskKind, Record<string, string>>> = {};

// ---- The driver.

const MADE_UP = 'NOT_A_DECISION';
const ALL_DECISIONS = [...new Set(Object.values(TASK_KINDS).flatMap((k) => Object.keys(k.decisions)))];
const decisionsOf = (kind: TaskKind) => Object.keys(TASK_KINDS[kind].decisions);
const key = (kind: string, decision: string) => `${kind} ${decision}`;

/** What the runs showed, per (kind, decision). */
const accepted = new Set<string>();
const refused = new Set<string>();
/** Open tasks whose refusals were checked. */
let tasksChecked = 0;

/** A candidate of the task as a person: the one named, or a member of the candidate organisation in its role. */
function candidateActor(task: TaskView): Actor {
  const c = task.candidates.find((x) => !x.legalPerson);
  if (!c) throw new Error(`${task.kind} ${task.id} has no candidate this test can act as`);
  return { sub: c.user ?? `${c.role}.contract`, org: c.org ?? 'public', roles: [c.role] };
}

/** Every decision not of the task's kind is refused, and the task stays open. */
async function checkRefusals(run: RunContext, task: TaskView): Promise<void> {
  const actor = candidateActor(task);
  const own = decisionsOf(task.kind);
  const others = [MADE_UP, ...ALL_DECISIONS.filter((d) => !own.includes(d))];
  const answers = await Promise.all(
    others.map((decision) => run.post(actor, `/tasks/${task.id}/complete`, { decision, reason: `contract refusal ${decision}`, form: {} })),
  );
  const seen = answers.map(
    (r, i) => `${others[i]} → ${r.statusCode} ${String(r.headers['content-type']).split(';')[0]} ${r.statusCode < 500 ? r.json().type : ''}`,
  );
  expect(seen).toEqual(others.map((d) => `${d} → 400 application/problem+json urn:public-data-workflows:problem:DecisionNotAllowed`));
  // The refusal names the decision refused, and what the task does accept.
  for (const [i, r] of answers.entries()) for (const d of [`"${others[i]}"`, ...own]) expect(r.json().detail).toContain(d);
  for (const d of others) if (d !== MADE_UP) refused.add(key(task.kind, d));
  tasksChecked++;
}

/** The request's open tasks as `reader` sees them (none while a child request is yet to be written). */
async function openTasks(run: RunContext, requestId: string, reader: Actor): Promise<TaskView[]> {
  const res = await run.get(reader, `/requests/${requestId}`);
  if (res.statusCode === 404 && requestId !== run.requestId) return [];
  return (ok(res).tasks as TaskView[]).filter((t) => t.status === 'open');
}

let cities = 0;
async function drive(type: RequestType, r: ContractRun): Promise<void> {
  const procedure = PROCEDURES.find((p) => p.type === type)!;
  const prefix = `c${++cities}-${randomUUID().slice(0, 6)}`;
  const city = await seedCity(h.db, prefix, prefix);
  const a = r.fast ? fast : api;
  const { starter, body } = await r.start(city, a);
  expect(procedure.startedBy.filter((role) => starter.roles.includes(role))).not.toEqual([]);
  const post = (actor: Actor, url: string, payload?: object) => a.app.inject({ method: 'POST', url, payload, headers: a.as(actor) });
  const get = (actor: Actor, url: string) => a.app.inject({ method: 'GET', url, headers: a.as(actor) });
  const { id } = ok(await post(starter, procedure.startRoute, body), 201);
  const run: RunContext = { city, api: a, requestId: id, starter, post, get };
  const checked = new Set<string>();
  for (const [i, step] of r.steps.entries()) {
    try {
      if (typeof step === 'function') {
        await step(run);
        continue;
      }
      const on = step.on?.(run) ?? { requestId: id, reader: starter };
      // Every open task is checked the first time it is seen; the step's own kind is waited for.
      const task = await eventually(async () => {
        const open = await openTasks(run, on.requestId, on.reader);
        for (const t of open.filter((x) => !checked.has(x.id))) {
          checked.add(t.id);
          await checkRefusals(run, t);
        }
        return open.find((t) => t.kind === step.kind);
      }, 20_000);
      const form = step.form ? await step.form(run) : undefined;
      ok(
        await post(candidateActor(task), `/tasks/${task.id}/complete`, {
          decision: step.decision,
          ...(step.reason ? { reason: step.reason } : {}),
          ...(form ? { form } : {}),
        }),
      );
      accepted.add(key(step.kind, step.decision));
    } catch (err) {
      throw new Error(
        `${type} “${r.name}”, step ${i + 1}${typeof step === 'function' ? '' : ` (${step.kind} ${step.decision})`}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  // It ends: its run closed, its status no longer one in which it is under way, no task open.
  const handle = h.client.workflow.getHandle(workflowIdFor(type, id));
  const ended = await eventually(async () => {
    const [description, request] = await Promise.all([handle.describe(), get(starter, `/requests/${id}`).then((res) => ok(res))]);
    const open = (request.tasks as TaskView[]).filter((t) => t.status === 'open').map((t) => t.kind);
    return description.status.name !== 'RUNNING' && open.length === 0 && { run: description.status.name, status: request.status as string, open };
  }, 20_000).catch(async (err: Error) => {
    const request = ok(await get(starter, `/requests/${id}`));
    throw new Error(
      `${type} “${r.name}” did not end: status ${request.status}, open ${JSON.stringify((request.tasks as TaskView[]).filter((t) => t.status === 'open').map((t) => t.kind))} (${err.message})`,
    );
  });
  expect({ run: ended.run, underWay: [...CANCELLABLE, 'granted'].includes(ended.status) }).toEqual({ run: 'COMPLETED', underWay: false });
}

/** Runs the promises to their ends, `width` at a time, then fails with every failure. */
async function all(jobs: (() => Promise<unknown>)[], width: number): Promise<void> {
  const failed: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++];
        await job().catch((err: unknown) => failed.push(err instanceof Error ? err.message : String(err)));
      }
    }),
  );
  if (failed.length) throw new Error(failed.join('\n\n'));
}

test('every procedure of the registry has a fixture, and UNREACHABLE names only decisions of the registry', () => {
  expect(Object.keys(FIXTURES).sort()).toEqual(PROCEDURES.map((p) => p.type).sort());
  for (const [kind, decisions] of Object.entries(UNREACHABLE)) for (const d of Object.keys(decisions ?? {})) expect(decisionsOf(kind as TaskKind)).toContain(d);
});

test('every procedure, started by its starter, refuses on each open task every decision not its kind’s, takes its own and ends', async () => {
  const jobs = PROCEDURES.flatMap((p) => FIXTURES[p.type].runs.map((r) => () => drive(p.type, r)));
  await all(jobs, 4);
  // Every decision of every kind was accepted somewhere, but those listed as unreachable (and those are not).
  const registry = PROCEDURES.flatMap((p) => Object.entries(p.taskKinds).flatMap(([kind, rule]) => Object.keys(rule.decisions).map((d) => key(kind, d))));
  const unreachable = Object.entries(UNREACHABLE).flatMap(([kind, decisions]) => Object.keys(decisions ?? {}).map((d) => key(kind, d)));
  expect(registry.filter((k) => !accepted.has(k) && !unreachable.includes(k))).toEqual([]);
  expect(unreachable.filter((k) => accepted.has(k))).toEqual([]);
  // And every kind was seen open, refusing every other kind's decisions.
  const kinds = PROCEDURES.flatMap((p) => Object.keys(p.taskKinds));
  expect(kinds.filter((kind) => !ALL_DECISIONS.filter((d) => !decisionsOf(kind as TaskKind).includes(d)).every((d) => refused.has(key(kind, d))))).toEqual([]);
  console.log(
    `procedures ${PROCEDURES.length}, runs ${jobs.length}, kinds ${kinds.length}, decisions accepted ${accepted.size} of ${registry.length}, refusals checked on ${tasksChecked} open tasks (${refused.size} (kind, decision) pairs refused, and a made-up one on each)`,
  );
}, 240_000);
