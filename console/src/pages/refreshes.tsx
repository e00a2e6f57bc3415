// 数据更新 on an entry's page (Art. 10: the agency updates its data on the platform as often as the entry's 更新频率
// says, Art. 9 ¶1): the updates recorded, the latest first, and for the providing agency's staff 记录数据更新 — the day
// picked on a calendar (not after today), a note if they wish. GET and POST /catalog/{id}/refreshes.
import { useState } from 'preact/hooks';
import { shanghaiDay } from '../../../domain/calendar';
import { MAX_REFRESH_NOTE } from '../../../domain/catalog-refresh';
import { send, type Page } from '../http';
import { formatTime } from '../i18n';
import { announce, Loading, me, Refusal, useResource, useSubmit } from '../lib';
import { FieldMessages } from '../schema-form';

interface Refresh {
  id: string;
  dataUpdatedOn: string;
  note: string | null;
  recordedAt: string;
}

/** The roles of the providing agency's staff who record its refreshes (api/routes/catalog-refresh.ts REFRESH_RECORDERS). */
const RECORDERS = ['agency_applicant', 'provider_reviewer', 'sharing_head'];
export const recordsRefreshesOf = (providerOrgId: string) => me.value?.organisation?.id === providerOrgId && RECORDERS.some((r) => me.value!.roles.includes(r));

const dayName = (day: string) => {
  const [y, m, d] = day.split('-');
  return `${Number(y)}年${Number(m)}月${Number(d)}日`;
};

export function Refreshes({ entryId, providerOrgId, frequency }: { entryId: string; providerOrgId: string; frequency: string }) {
  const path = `/catalog/${encodeURIComponent(entryId)}/refreshes?limit=10`;
  const list = useResource<Page<Refresh>>(path);
  return (
    <section class="refreshes" aria-labelledby="refreshes-h">
      <h2 id="refreshes-h">数据更新</h2>
      <p class="muted">声明的更新频率：{frequency || '未填写'}。提供单位每次在平台上更新本目录的数据后记录一次，监督评价据此统计未按声明频率更新的目录。</p>
      <Loading r={list}>
        {(data) =>
          data.items.length === 0 ? (
            <p class="empty" data-testid="no-refreshes">
              尚未记录数据更新。{recordsRefreshesOf(providerOrgId) ? '更新数据后，请在下方记录。' : ''}
            </p>
          ) : (
            <table class="refresh-list">
              <caption class="sr-only">最近的数据更新记录</caption>
              <thead>
                <tr>
                  <th scope="col">更新日期</th>
                  <th scope="col">说明</th>
                  <th scope="col">记录时间</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((r) => (
                  <tr key={r.id} data-day={r.dataUpdatedOn}>
                    <td>{dayName(r.dataUpdatedOn)}</td>
                    <td>{r.note ?? '—'}</td>
                    <td>{formatTime(r.recordedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loading>
      {recordsRefreshesOf(providerOrgId) && <RecordRefresh entryId={entryId} done={() => void list.reload()} />}
    </section>
  );
}

/** 记录数据更新: a day from the calendar (today unless picked), a note; one key per recording, so a retried click adds nothing. */
function RecordRefresh({ entryId, done }: { entryId: string; done: () => void }) {
  const today = shanghaiDay(new Date());
  const [day, setDay] = useState(today);
  const [note, setNote] = useState('');
  const newKey = () => crypto.randomUUID?.() ?? `${Date.now()}-${Math.random()}`;
  const [key, setKey] = useState(newKey);
  const recording = useSubmit();
  const { errors, busy, run } = recording;
  const submit = async (e: Event) => {
    e.preventDefault();
    const failed = await run(() =>
      send('POST', `/catalog/${encodeURIComponent(entryId)}/refreshes`, { dataUpdatedOn: day, ...(note.trim() ? { note } : {}) }, { 'idempotency-key': key }),
    );
    if (!failed) {
      announce(`已记录 ${dayName(day)} 的数据更新。`);
      setNote('');
      setKey(newKey());
      done();
    }
  };
  return (
    <form class="record-refresh" onSubmit={submit} aria-labelledby="record-refresh-h" noValidate>
      <h3 id="record-refresh-h">记录数据更新</h3>
      <Refusal submit={recording} />
      <div class="field">
        <label for="refresh-day">数据更新日期</label>
        <input
          id="refresh-day"
          type="date"
          required
          max={today}
          value={day}
          onInput={(e) => setDay((e.target as HTMLInputElement).value)}
          aria-invalid={errors.has('body.dataUpdatedOn')}
        />
        <FieldMessages path="body.dataUpdatedOn" errors={errors} />
      </div>
      <div class="field">
        <label for="refresh-note">更新说明（选填）</label>
        <textarea
          id="refresh-note"
          maxLength={MAX_REFRESH_NOTE}
          value={note}
          onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)}
          aria-invalid={errors.has('body.note')}
        />
        <FieldMessages path="body.note" errors={errors} />
      </div>
      <button type="submit" disabled={busy || !day}>
        记录数据更新
      </button>
    </form>
  );
}
