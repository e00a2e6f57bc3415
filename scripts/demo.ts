// npm run demo: against a running system (API_URL), over HTTP: one conditional share request from submission
// through both approvals to an active grant and, between government departments, its data delivered and received; a Donggang agency's catalog adjustment; a citizen's conditional
// open application to a signed agreement, the authority told, ended by the citizen. Exits non-zero when a step fails.
// Its people sign in as the console does in development mode (POST /dev/token), so it holds no secret.
import { loadConfig } from '../config';
import { cityIds, DEMO_PREFIX, DEMO_REGION, sampleResidentId } from '../db/seed';

const config = loadConfig();
const api = process.env.API_URL ?? `http://127.0.0.1:${config.port}`;
const city = cityIds(DEMO_PREFIX, DEMO_REGION);
const tokens = new Map<string, string>();
async function token(sub: string): Promise<string> {
  if (!tokens.has(sub)) {
    const res = await fetch(`${api}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub }) });
    if (!res.ok) throw new Error(`signing in as ${sub} answered ${res.status}: the demo needs the API in development mode (npm start)`);
    tokens.set(sub, ((await res.json()) as { token: string }).token);
  }
  return tokens.get(sub)!;
}

let stepNo = 0;
async function step<T>(
  title: string,
  method: string,
  url: string,
  who: string | null,
  body: unknown,
  expectStatus: number[],
  check?: (json: T) => string | null,
  /** How long a read may wait for the workflow to reach what `check` asks (it moves on its own after a decision). */
  patienceMs = 0,
): Promise<T> {
  stepNo++;
  const until = Date.now() + patienceMs;
  for (;;) {
    const res = await fetch(`${api}${url}`, {
      method,
      headers: { ...(who ? { authorization: `Bearer ${await token(who)}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json().catch(() => null)) as T;
    const problem = !expectStatus.includes(res.status) ? `answered ${res.status}: ${JSON.stringify(json)}` : (check?.(json) ?? null);
    if (problem && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    return report(json, problem, title, method, url, res.status);
  }
}

function report<T>(json: T, problem: string | null, title: string, method: string, url: string, status: number): T {
  console.log(`${problem ? '✗' : '✓'} ${String(stepNo).padStart(2)}. ${title} (${method} ${url} → ${status})`);
  if (problem) {
    console.error(`   ${problem}`);
    process.exit(1);
  }
  return json;
}

/** `who` finds the `kind` task of request `requestId` in their inbox, waiting a little: the workflow opens it on its own after the step before. */
async function inboxTask(requestId: string, who: string, kind: string): Promise<string> {
  const inbox = await step<{ items: { id: string; requestId: string }[] }>(
    `${who} finds the ${kind} task in the inbox`,
    'GET',
    `/tasks?kind=${kind}&limit=100`,
    who,
    undefined,
    [200],
    (j) => (j.items.some((t) => t.requestId === requestId) ? null : 'task not in the inbox'),
    10_000,
  );
  return inbox.items.find((t) => t.requestId === requestId)!.id;
}

/** `who` finds the `kind` task of request `requestId` in their inbox and decides it. */
async function decideFromInbox(requestId: string, who: string, kind: string, title: string, body: { decision: string; reason: string; form?: object }) {
  await step(title, 'POST', `/tasks/${await inboxTask(requestId, who, kind)}/complete`, who, body, [200]);
}

interface Req {
  id: string;
  status: string;
  tasks: { id: string; kind: string; status: string }[];
  grant: { status: string; expiresAt: string; fields: string[]; delivery: { status: string } | null } | null;
}

async function main() {
  console.log(`Demo against ${api}`);
  await step<{ status: string }>('the system is healthy', 'GET', '/health', null, undefined, [200], (j) => (j.status === 'ok' ? null : 'not healthy'));
  const entry = await step<{ id: string; title: string; share: { attribute: string } }>(
    'the applicant finds a CONDITIONAL-share entry',
    'GET',
    `/catalog/${city.entries.conditional}`,
    'li.applicant',
    undefined,
    [200],
    (j) => (j.share.attribute === 'CONDITIONAL' ? null : 'the entry is not conditionally shared'),
  );
  const req = await step<Req>(
    'the applicant submits a share request (Art. 15)',
    'POST',
    '/share-requests',
    'li.applicant',
    {
      catalogEntryId: entry.id,
      scenario: 'Joint inspections of private clinics',
      statutoryDuty: 'Supervision of medical advertising',
      commitment: { authenticity: true, compliance: true, security: true },
    },
    [201],
    (j) => (j.status === 'in_review' ? null : `status is ${j.status}`),
  );
  // Art. 14: the providing agency gives its opinion, then the city authority concludes.
  for (const [who, kind, decision, verb] of [
    ['zhao.provider', 'SHARE_PROVIDER_OPINION', 'AGREE', 'agrees'],
    ['wang.authority', 'SHARE_JOINT_REVIEW', 'APPROVE', 'approves'],
  ] as const)
    await decideFromInbox(req.id, who, kind, `${who} ${verb} (Art. 14)`, { decision, reason: 'scope and purpose are proportionate' });
  const granted = await step<Req>('the request is granted with an active grant', 'GET', `/requests/${req.id}`, 'li.applicant', undefined, [200], (j) =>
    j.status === 'granted' && j.grant?.status === 'active' ? null : `status ${j.status}, grant ${JSON.stringify(j.grant)}`,
  );
  // 《政务数据共享条例》 (数据交付): the demo city's agencies are government departments, so the default policy has the
  // provider deliver the granted fields and the grantee confirm receipt; the grant reads 已批准待交付 until then.
  await decideFromInbox(req.id, 'zhao.provider', 'SHARE_DELIVERY', 'zhao.provider delivers (数据交付)', {
    decision: 'DELIVER',
    reason: 'delivered as granted',
    form: { method: 'interface', location: 'https://exchange.rizhao.example/clinics', deliveredFields: granted.grant!.fields },
  });
  await decideFromInbox(req.id, 'li.applicant', 'SHARE_DELIVERY_CONFIRMATION', 'li.applicant confirms receipt (数据交付)', {
    decision: 'CONFIRM',
    reason: 'received as granted',
  });
  const done = await step<Req>('the grant is active and its data delivered', 'GET', `/requests/${req.id}`, 'li.applicant', undefined, [200], (j) =>
    j.grant?.status === 'active' && (j.grant.delivery === null || j.grant.delivery.status === 'delivered') ? null : `grant ${JSON.stringify(j.grant)}`,
  );
  const history = await step<{ items: { action: string; article: string; actor: { sub: string | null; role: string } }[] }>(
    'its history names every step and article',
    'GET',
    `/requests/${req.id}/history`,
    'li.applicant',
    undefined,
    [200],
    (j) => (j.items.some((e) => e.action === 'grant_created') ? null : 'no grant in the history'),
  );
  for (const e of history.items) console.log(`     ${e.action.padEnd(16)} ${e.article.padEnd(8)} ${e.actor.sub ?? e.actor.role}`);
  console.log(`Request ${done.id} granted until ${done.grant!.expiresAt}.`);

  // Art. 9 ¶2: a Donggang agency adjusts its own catalog; Donggang's authority (本级) approves; a new version is published.
  type Entry = {
    id: string;
    version: number;
    title: string;
    description: string;
    fields: unknown[];
    form: string;
    useConditions: string | null;
    updateFrequency: string;
    priorityOpen: boolean;
    share: Record<string, unknown>;
    open: Record<string, unknown>;
  };
  const own = await step<Entry>(
    "the Donggang catalog officer reads one of the agency's entries",
    'GET',
    `/catalog/${city.entries.countyConditional}`,
    'ma.officer',
    undefined,
    [200],
  );
  // What the agency states of each side (its status and a dispute on it are the catalog's).
  const stated = (side: Record<string, unknown>) => Object.fromEntries(Object.entries(side).filter(([k]) => k !== 'status' && k !== 'dispute'));
  const [share, open] = [stated(own.share), stated(own.open)];
  const adjustment = await step<Req>(
    'the officer applies to change its update frequency (Art. 9 ¶2)',
    'POST',
    '/catalog/adjustments',
    'ma.officer',
    {
      ground: 'duty_change',
      justification: 'Vendors are now registered daily by the street offices',
      changes: [
        {
          op: 'change',
          entryId: own.id,
          baseVersion: own.version,
          entry: {
            title: own.title,
            description: own.description,
            fields: own.fields,
            form: own.form,
            useConditions: own.useConditions,
            updateFrequency: '每日',
            priorityOpen: own.priorityOpen,
            share,
            open,
          },
        },
      ],
    },
    [201],
    (j) => (j.status === 'in_review' ? null : `status is ${j.status}`),
  );
  const review = await step<{ items: { id: string; requestId: string }[] }>(
    "Donggang's authority finds the review in its inbox",
    'GET',
    '/tasks?kind=CATALOG_ADJUSTMENT_REVIEW&limit=100',
    'sun.county',
    undefined,
    [200],
    (j) => (j.items.some((t) => t.requestId === adjustment.id) ? null : 'task not in the inbox'),
  );
  await step<Req>(
    "Donggang's authority approves",
    'POST',
    `/tasks/${review.items.find((t) => t.requestId === adjustment.id)!.id}/complete`,
    'sun.county',
    { decision: 'APPROVE' },
    [200],
    (j) => (j.status === 'approved' ? null : `status is ${j.status}`),
  );
  await step<Entry>('the entry is published as a new version', 'GET', `/catalog/${own.id}`, 'ma.officer', undefined, [200], (j) =>
    j.version === own.version + 1 && j.updateFrequency === '每日' ? null : `version ${j.version}, update frequency ${j.updateFrequency}`,
  );

  // Art. 17, 20: a citizen says who they are, applies for conditionally open land data; the agency approves;
  // both sign the agreement's text (its hash); the city authority is told.
  const number = sampleResidentId('chen.citizen');
  await step<{ residentId: string }>(
    'the citizen says who they are (Art. 29: the number sealed)',
    'PUT',
    '/principals/me',
    'chen.citizen',
    { kind: 'natural', name: '陈某', residentId: number },
    [200],
    (j) => (j.residentId === number ? null : 'the holder does not read their number back'),
  );
  const applied = await step<Req>(
    'the citizen applies to use conditionally open data (Art. 20)',
    'POST',
    '/open-requests',
    'chen.citizen',
    {
      catalogEntryId: city.entries.conditionalOpen,
      purpose: '研究城市土地供应与住房价格的关系',
      scenario: '高校科研项目',
      accessMethod: 'sandbox',
      securityMeasures: '数据仅存放于数据沙箱,项目组成员签署保密承诺',
      termMonths: 12,
    },
    [201],
    (j) => (j.status === 'in_review' ? null : `status is ${j.status}`),
  );
  const taskOf = (who: string, kind: string) => inboxTask(applied.id, who, kind);
  await step<Req>(
    'the natural resources bureau approves',
    'POST',
    `/tasks/${await taskOf('gao.resources', 'OPEN_REQUEST_REVIEW')}/complete`,
    'gao.resources',
    { decision: 'APPROVE', form: { conditions: '成果发表前报甲方备案' } },
    [200],
    (j) => (j.status === 'awaiting_signature' ? null : `status is ${j.status}`),
  );
  const agreementId = `${applied.id}.agreement`;
  type Agreement = { sha256: string; status: string; text: string; licensee: { identity: string | null }; endsAt: string | null };
  const agreement = await step<Agreement>(
    'the citizen reads the agreement (公共数据开放利用协议)',
    'GET',
    `/agreements/${agreementId}`,
    'chen.citizen',
    undefined,
    [200],
    (j) => (j.text.startsWith('公共数据开放利用协议') ? null : 'no agreement text'),
  );
  await step<Req>(
    'the citizen signs the text read (its SHA-256)',
    'POST',
    `/tasks/${await taskOf('chen.citizen', 'AGREEMENT_SIGNATURE')}/complete`,
    'chen.citizen',
    { decision: 'SIGN', form: { sha256: agreement.sha256 } },
    [200],
    (j) => (j.status === 'awaiting_countersignature' ? null : `status is ${j.status}`),
  );
  await step<Req>(
    'the bureau countersigns: the agreement is in force',
    'POST',
    `/tasks/${await taskOf('gao.resources', 'AGREEMENT_COUNTERSIGNATURE')}/complete`,
    'gao.resources',
    { decision: 'SIGN', form: { sha256: agreement.sha256 } },
    [200],
    (j) => (j.status === 'granted' ? null : `status is ${j.status}`),
  );
  await step<Agreement>("the bureau's view masks the citizen's number", 'GET', `/agreements/${agreementId}`, 'gao.resources', undefined, [200], (j) =>
    j.licensee.identity && !JSON.stringify(j).includes(number) ? null : 'the number is not masked',
  );
  await step<{ items: { kind: string; requestId: string }[] }>(
    'the city authority finds the notice (告知, Art. 20)',
    'GET',
    '/notifications?limit=100',
    'wang.authority',
    undefined,
    [200],
    (j) => (j.items.some((n) => n.kind === 'agreement_signed' && n.requestId === applied.id) ? null : 'no notice'),
  );
  console.log(
    `Agreement ${agreementId} in force until ${(await step<Agreement>('the agreement reads in force', 'GET', `/agreements/${agreementId}`, 'chen.citizen', undefined, [200])).endsAt}; printable at /agreements/${agreementId}/document.`,
  );
  await step<Agreement>(
    'the citizen ends it (the demo leaves nothing running)',
    'POST',
    `/agreements/${agreementId}/terminate`,
    'chen.citizen',
    { reason: '演示结束' },
    [200],
    (j) => (j.status === 'terminated' ? null : `status is ${j.status}`),
  );
}

main().catch((err) => {
  console.error(`✗ demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
