// 校核纠错 (Art. 11; the 《政务数据共享条例》's 校核纠错): whoever uses an entry's data reports an error in it, picking
// the entry, its data items and the evidence files (hashed here, in the browser: nothing typed but words); the
// reporter reads the agency's answer and replies to its one request for information on the report's page; an
// entry's reports are read together, with their outcomes, on its page and beside the agency's verification.
import { useState } from 'preact/hooks';
import { send, type Page, type RequestView, type Task } from '../http';
import { decisionLabel, formatTime, reasonText, t } from '../i18n';
import { announce, ArticleLink, go, href, ItemNames, LIVE_MS, Loading, me, Refusal, Status, useResource, useSubmit, type Route } from '../lib';
import { EntryCombobox, ItemsPicker } from '../pickers';
import { FieldMessages, RequiredMark } from '../schema-form';
import { MAX_EVIDENCE, type Evidence } from '../../../domain/correction';
import { sha256Hex } from './task';

/** The request type, its verification and the reporter's reply (domain/correction.ts). */
export const CORRECTION = 'correction';
const VERIFICATION = 'CORRECTION_VERIFICATION';
const REPLY = 'CORRECTION_REPORTER_REPLY';

/** One report of an entry as GET /catalog/:id/corrections lists it. */
interface CorrectionReport {
  requestId: string;
  status: string;
  own: boolean;
  items: string[];
  records: string | null;
  problem: string;
  evidence: Evidence[];
  outcome: Record<string, unknown> | null;
  createdAt: string;
}

/** Whether the person signed in may report errors at all (whether in this entry's data, the API says). */
export const reportsErrors = () => !!me.value?.roles.some((r) => r === 'agency_applicant' || r === 'public_applicant');

/**
 * 报告数据错误: the entry picked from the catalog (or given by the entry's page), its data items ticked by their
 * names, the records and the problem in words, the evidence chosen as files: their names and SHA-256 the browser
 * computes, the files themselves staying with the reporter.
 */
export function ReportError({ route }: { route: Route }) {
  const [entryId, setEntryId] = useState(route.params.get('catalogEntryId') ?? '');
  const [items, setItems] = useState<string[]>([]);
  const [records, setRecords] = useState('');
  const [problem, setProblem] = useState('');
  const [evidence, setEvidence] = useState<Evidence[]>([]);
  const [hashing, setHashing] = useState(false);
  const [unreadable, setUnreadable] = useState<string[]>([]);
  const submitting = useSubmit();
  const { errors, busy, run } = submitting;
  // One key per report filled: pressing submit twice, or again after a lost answer, makes one report.
  const [key] = useState(() => crypto.randomUUID?.() ?? `${Date.now()}-${Math.random()}`);
  const addFiles = async (input: HTMLInputElement) => {
    const files = [...(input.files ?? [])];
    input.value = '';
    setHashing(true);
    const hashed: Evidence[] = [];
    const failed: string[] = [];
    for (const f of files) {
      const sha256 = await f.arrayBuffer().then(sha256Hex, () => null);
      if (sha256) hashed.push({ name: f.name, sha256 });
      else failed.push(f.name);
    }
    // The same file picked twice is one attachment.
    setEvidence((was) => [...was, ...hashed.filter((h) => !was.some((w) => w.sha256 === h.sha256 && w.name === h.name))]);
    setUnreadable(failed);
    setHashing(false);
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    await run(async () => {
      const body = {
        catalogEntryId: entryId,
        ...(items.length ? { items } : {}),
        ...(records.trim() ? { records } : {}),
        problem,
        ...(evidence.length ? { evidence } : {}),
      };
      const created = await send<RequestView>('POST', '/corrections', body, { 'idempotency-key': key });
      announce(t('requestSubmitted', { number: created.caseNumber ?? created.id }), href('requests', created.id));
      go(href('requests', created.id));
    });
  };
  const bad = (path: string) => [...errors.keys()].some((k) => k === path || k.startsWith(`${path}.`));
  return (
    <section>
      <h1>报告数据错误</h1>
      <p class="muted">
        使用共享或开放数据时发现数据有误的，可以向提供单位报告，提供单位核实后答复（
        <ArticleLink article="Art. 11" />
        ）。持有该数据有效共享许可的单位，或使用无条件开放数据、持有有效开放利用协议的公民、法人和其他组织，可以报告。
      </p>
      <form class="apply correction" onSubmit={submit} noValidate>
        <Refusal submit={submitting} />
        <div class="field">
          <label for="c-entry">
            目录条目
            <RequiredMark />
          </label>
          <EntryCombobox
            id="c-entry"
            value={entryId}
            onChange={(v) => {
              setEntryId(v);
              setItems([]);
            }}
            invalid={bad('body.catalogEntryId')}
          />
          <FieldMessages path="body.catalogEntryId" errors={errors} />
        </div>
        <fieldset class="group" aria-invalid={bad('body.items')}>
          <legend>
            涉及的数据项<span class="hint">知道具体数据项的，勾选</span>
          </legend>
          <ItemsPicker id="c-items" entryId={entryId} value={items} onChange={setItems} invalid={bad('body.items')} />
          <FieldMessages path="body.items" errors={errors} items />
        </fieldset>
        <div class="field">
          <label for="c-records">
            涉及的记录<span class="hint">知道具体记录的，写明如何找到它们（如某企业名称、某日期的记录）</span>
          </label>
          <textarea
            id="c-records"
            rows={2}
            maxLength={4000}
            value={records}
            aria-invalid={bad('body.records')}
            onInput={(e) => setRecords((e.target as HTMLTextAreaElement).value)}
          />
          <FieldMessages path="body.records" errors={errors} />
        </div>
        <div class="field">
          <label for="c-problem">
            问题描述
            <RequiredMark />
            <span class="hint">数据哪里有误，正确的应是什么</span>
          </label>
          <textarea
            id="c-problem"
            rows={4}
            maxLength={8000}
            value={problem}
            aria-invalid={bad('body.problem')}
            onInput={(e) => setProblem((e.target as HTMLTextAreaElement).value)}
          />
          <FieldMessages path="body.problem" errors={errors} />
        </div>
        <div class="field">
          <label for="c-evidence">
            证明材料
            <span class="hint" id="c-evidence-hint">
              从本机选择文件，至多 {MAX_EVIDENCE} 个。文件不上传：浏览器计算每个文件的 SHA-256 摘要，与文件名一并提交，供核实时比对。
            </span>
          </label>
          <input
            id="c-evidence"
            type="file"
            multiple
            aria-describedby="c-evidence-hint"
            aria-invalid={bad('body.evidence')}
            disabled={hashing || evidence.length >= MAX_EVIDENCE}
            onChange={(e) => void addFiles(e.target as HTMLInputElement)}
          />
          {hashing && <p aria-busy="true">正在计算摘要…</p>}
          {unreadable.length > 0 && (
            <p class="field-errors" role="alert">
              无法读取以下文件，请重新选择：{unreadable.join('、')}
            </p>
          )}
          {evidence.length > 0 && (
            <ul class="evidence">
              {evidence.map((a) => (
                <li key={`${a.sha256} ${a.name}`} data-sha256={a.sha256}>
                  <span class="file-name" translate={false}>
                    {a.name}
                  </span>{' '}
                  <code title={a.sha256}>{a.sha256.slice(0, 16)}…</code>{' '}
                  <button type="button" class="secondary" onClick={() => setEvidence((was) => was.filter((w) => w !== a))}>
                    移除<span class="sr-only">{a.name}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          <FieldMessages path="body.evidence" errors={errors} items />
        </div>
        <button type="submit" disabled={busy || hashing}>
          {busy ? t('submitting') : '提交报告'}
        </button>
      </form>
    </section>
  );
}

/** What the agency answered, in words: corrected (what changed, published when), or no error (why). */
function Outcome({ outcome }: { outcome: Record<string, unknown> }) {
  const said = (k: string) => (typeof outcome[k] === 'string' ? (outcome[k] as string) : null);
  const decision = said('decision');
  return (
    <dl class="facts outcome" data-decision={decision ?? undefined}>
      <div>
        <dt>核实结果</dt>
        <dd>{decision ? decisionLabel(decision, VERIFICATION) : '—'}</dd>
      </div>
      {said('corrected') && (
        <div>
          <dt>更正内容</dt>
          <dd class="text">{said('corrected')}</dd>
        </div>
      )}
      {said('publishedAt') && (
        <div>
          <dt>更正发布日期</dt>
          <dd>{said('publishedAt')}</dd>
        </div>
      )}
      {said('reason') && (
        <div>
          <dt>理由</dt>
          <dd class="text">{reasonText(said('reason')!)}</dd>
        </div>
      )}
    </dl>
  );
}

/** A list of missing items where `x` holds one (a REQUEST_INFO's form, a reply task's context). */
const missingIn = (x: Record<string, unknown> | null | undefined) => (Array.isArray(x?.missing) ? (x.missing as { item: string; reason: string }[]) : null);

/**
 * What the agency asked for (一次性告知): its words and every missing item with why: the ask's form as the agency reads
 * it, the reply task's context as the reporter does (a reporter reads no decision's form).
 */
function Asked({ task, reply }: { task: Task; reply: Task | undefined }) {
  const missing = missingIn(task.form) ?? missingIn(reply?.context) ?? [];
  return (
    <div class="asked">
      <p>
        <strong>提供单位要求补充材料</strong> <span class="muted">{task.completedAt && formatTime(task.completedAt)}</span>
      </p>
      {task.reason && <p class="text">{reasonText(task.reason)}</p>}
      {missing.length > 0 && (
        <ul class="missing">
          {missing.map((m, i) => (
            <li key={i}>
              {m.item}
              <span class="muted">：{m.reason}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The reporter answers the agency's request for information: their words go to it as the reply. */
function Reply({ task, onDone }: { task: Task; onDone: () => Promise<unknown> }) {
  const [text, setText] = useState('');
  const replying = useSubmit();
  const submit = async (e: Event) => {
    e.preventDefault();
    const refused = await replying.run(() => send('POST', `/tasks/${encodeURIComponent(task.id)}/complete`, { decision: 'REPLY', reason: text }));
    await onDone();
    if (!refused) announce('已提交补充材料，提供单位将继续核实');
  };
  return (
    <form class="reply" onSubmit={submit} aria-labelledby="reply-h">
      <h3 id="reply-h">补充材料</h3>
      <Refusal submit={replying} />
      <div class="field">
        <label for="reply-text">
          答复内容
          <RequiredMark />
          <span class="hint">逐项答复提供单位要求补充的材料</span>
        </label>
        <textarea
          id="reply-text"
          rows={4}
          maxLength={4000}
          value={text}
          aria-invalid={replying.errors.has('body.reason')}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        />
        <FieldMessages path="body.reason" errors={replying.errors} />
      </div>
      <button type="submit" disabled={replying.busy || !text.trim()}>
        提交答复
      </button>
    </form>
  );
}

/**
 * A report's course as its reporter reads it: the agency's requests for information with the reporter's replies,
 * the reply still owed (answered here), and the agency's answer.
 */
export function CorrectionCourse({ request, onChanged }: { request: RequestView; onChanged: () => Promise<unknown> }) {
  const tasks = [...request.tasks].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const owed = tasks.find((x) => x.kind === REPLY && x.status === 'open' && x.allowedDecisions.includes('REPLY'));
  return (
    <section class="correction-course" aria-labelledby="course-h">
      <h2 id="course-h">核实情况</h2>
      {tasks.map((x, i) =>
        x.kind === VERIFICATION && x.decision === 'REQUEST_INFO' ? (
          <Asked key={x.id} task={x} reply={tasks.slice(i).find((y) => y.kind === REPLY)} />
        ) : x.kind === REPLY && x.decision === 'REPLY' ? (
          <div class="replied" key={x.id}>
            <p>
              <strong>报告人已答复</strong> <span class="muted">{x.completedAt && formatTime(x.completedAt)}</span>
            </p>
            {x.reason && <p class="text">{x.reason}</p>}
          </div>
        ) : null,
      )}
      {request.outcome ? (
        <Outcome outcome={request.outcome} />
      ) : (
        <p>
          <Status code={request.status} type={CORRECTION} />{' '}
          {request.status === 'awaiting_applicant' ? '请报告人补充材料后，提供单位继续核实。' : request.status === 'in_review' ? '提供单位正在核实。' : ''}
        </p>
      )}
      {owed && <Reply task={owed} onDone={onChanged} />}
    </section>
  );
}

/**
 * 纠错记录: an entry's reports of errors and their outcomes, the newest first; its agency and the authorities over it
 * read all of them, anyone else their own (the API's rule). `except`: the report being read beside it.
 */
export function CorrectionRecord({ entryId, except, heading = '纠错记录' }: { entryId: string; except?: string; heading?: string }) {
  const r = useResource<Page<CorrectionReport>>(`/catalog/${encodeURIComponent(entryId)}/corrections?limit=100`, LIVE_MS);
  return (
    <section class="corrections" aria-labelledby="corrections-h">
      <h2 id="corrections-h">{heading}</h2>
      <Loading r={r}>
        {(page) => {
          const reports = page.items.filter((x) => x.requestId !== except);
          if (reports.length === 0) return <p class="empty">暂无数据错误报告。发现本条目数据有误的，可以报告数据错误。</p>;
          const count = (decision: string) => reports.filter((x) => x.outcome?.decision === decision).length;
          return (
            <>
              <p class="corrections-summary">
                共 {reports.length} 次报告{page.nextCursor ? '以上' : ''}：已更正 {count('CORRECTED')} 次，不属于错误 {count('NOT_AN_ERROR')}{' '}
                次，其余尚在办理或已撤回。
              </p>
              <table class="corrections">
                <caption class="sr-only">{heading}</caption>
                <thead>
                  <tr>
                    <th scope="col">报告时间</th>
                    <th scope="col">涉及的数据项</th>
                    <th scope="col">问题描述</th>
                    <th scope="col">状态</th>
                    <th scope="col">核实结果</th>
                  </tr>
                </thead>
                <tbody>
                  {reports.map((x) => (
                    <tr key={x.requestId} data-report={x.requestId}>
                      <td>
                        <a href={href('requests', x.requestId)}>{formatTime(x.createdAt)}</a>
                        {x.own && <span class="muted">（本人报告）</span>}
                      </td>
                      <td>{x.items.length ? <ItemNames entryId={entryId} names={x.items} /> : '—'}</td>
                      <td class="text">
                        {x.problem}
                        {x.evidence.length > 0 && <span class="muted">（附证明材料 {x.evidence.length} 个）</span>}
                      </td>
                      <td>
                        <Status code={x.status} type={CORRECTION} />
                      </td>
                      <td class="text">
                        {x.outcome?.decision === 'CORRECTED'
                          ? `${String(x.outcome.corrected ?? '')}${x.outcome.publishedAt ? `（${String(x.outcome.publishedAt)} 发布）` : ''}`
                          : x.outcome?.decision === 'NOT_AN_ERROR'
                            ? reasonText(String(x.outcome.reason ?? ''))
                            : '—'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          );
        }}
      </Loading>
    </section>
  );
}
