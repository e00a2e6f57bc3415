// The database's own guarantees: an append-only audit trail, and index range scans for the inbox
// and the overdue list at 100k tasks.
import { sql } from 'kysely';
import { createDb, type Db } from '../db';
import { appendAudit } from '../db/repositories/audit';
import { inboxQuery, overdueQuery } from '../db/repositories/tasks';
import { demoUsers, seedCity } from '../db/seed';
import { isValidUscc } from '../domain/ids';

let db: Db;
beforeAll(() => {
  db = createDb(process.env.TEST_DATABASE_URL!, 2);
});
afterAll(() => db.destroy());

test('the audit trail refuses UPDATE, DELETE and TRUNCATE (Art. 29)', async () => {
  const key = `db-test:${Date.now()}`;
  await appendAudit(db, { eventKey: key, requestId: null, actor: { sub: 't', org: null, role: 'system' }, action: 'probe', article: 'Art. 29' });
  // The same key again is a no-op, not a second event.
  expect(await appendAudit(db, { eventKey: key, requestId: null, actor: { sub: 't', org: null, role: 'system' }, action: 'probe', article: 'Art. 29' })).toBe(
    false,
  );
  await expect(db.updateTable('audit_events').set({ reason: 'tampered' }).where('event_key', '=', key).execute()).rejects.toThrow(/append-only/);
  await expect(db.deleteFrom('audit_events').where('event_key', '=', key).execute()).rejects.toThrow(/append-only/);
  await expect(sql`truncate audit_events`.execute(db)).rejects.toThrow(/append-only/);
  expect(await db.selectFrom('audit_events').select('reason').where('event_key', '=', key).executeTakeFirstOrThrow()).toEqual({ reason: null });
});

/** Every plan node of an EXPLAIN (FORMAT JSON). */
function nodes(plan: Record<string, unknown>): Record<string, unknown>[] {
  const children = (plan.Plans as Record<string, unknown>[] | undefined) ?? [];
  return [plan, ...children.flatMap(nodes)];
}

test('inbox and overdue queries use index range scans on 100k tasks, never a sequential scan', async () => {
  await db
    .transaction()
    .execute(async (tx) => {
      await sql`insert into organisations (id, name, kind, level, region, division) values ('explain-org', 'x', 'agency', 'city', 'explain', '371100')`.execute(
        tx,
      );
      await sql`insert into requests (id, type, workflow_id, applicant_sub, applicant_org, status, payload, payload_hash)
                values ('explain-req', 'share', 'explain-wf', 'a', 'explain-org', 'in_review', '{}', 'x')`.execute(tx);
      // 100k tasks over 500 organisations, two roles, three statuses, due over a year.
      await sql`insert into tasks (id, request_id, workflow_id, kind, candidate_role, candidate_org, status, article, due_at)
                select 'explain-' || g, 'explain-req', 'explain-wf', 'SHARE_PROVIDER_OPINION',
                       case when g % 2 = 0 then 'provider_reviewer' else 'authority_reviewer' end,
                       'explain-org-' || (g % 500),
                       case when g % 10 < 7 then 'completed' when g % 10 < 9 then 'open' else 'cancelled' end,
                       'Art. 14', now() - interval '180 days' + (g % 525600) * interval '1 minute'
                from generate_series(1, 100000) g`.execute(tx);
      await sql`analyze tasks`.execute(tx);
      await sql`analyze task_candidates`.execute(tx);

      const explain = async (compiled: { sql: string; parameters: readonly unknown[] }) => {
        const { rows } = await sql<{
          'QUERY PLAN': [{ Plan: Record<string, unknown> }];
        }>`explain (format json) ${sql.raw(compiled.sql.replace(/\$(\d+)/g, (_, i) => lit(compiled.parameters[Number(i) - 1])))}`.execute(tx);
        return nodes(rows[0]['QUERY PLAN'][0].Plan);
      };
      const who = { sub: 'r', org: 'explain-org-42', roles: ['provider_reviewer'] };
      const inbox = await explain(inboxQuery(tx, who, { status: 'open', limit: 21 }).compile());
      const twoRoles = await explain(inboxQuery(tx, { ...who, roles: ['provider_reviewer', 'authority_reviewer'] }, { status: 'open', limit: 21 }).compile());
      const inboxPaged = await explain(
        inboxQuery(tx, who, { status: 'open', after: [new Date(), 'explain-1'], dueBefore: new Date(Date.now() + 86400e3 * 90), limit: 21 }).compile(),
      );
      const overdue = await explain(overdueQuery(tx, { now: new Date(), limit: 51 }).compile());
      const overdueOrgs = await explain(overdueQuery(tx, { now: new Date(), candidateOrgs: ['explain-org-1', 'explain-org-2'], limit: 51 }).compile());
      const expectations: [Record<string, unknown>[], string[]][] = [
        [inbox, ['task_candidates_inbox']],
        [twoRoles, ['task_candidates_inbox']],
        [inboxPaged, ['task_candidates_inbox']],
        [overdue, ['tasks_open_due']],
        // A few organisations: either index narrows it to a range.
        [overdueOrgs, ['tasks_open_due', 'tasks_open_org_due']],
      ];
      // The inbox reads a page's worth of candidates a role from the index (index-only once the table is
      // vacuumed; here, rows fresh in one transaction, PostgreSQL may take a bitmap); no sort of them all.
      for (const plan of [inbox, twoRoles, inboxPaged]) {
        expect(plan.filter((n) => n['Node Type'] === 'Sort').every((n) => Number(n['Plan Rows']) <= 21 * 2)).toBe(true);
      }
      for (const [plan, indexes] of expectations) {
        expect(plan.map((n) => n['Node Type'])).not.toContain('Seq Scan');
        expect(plan.some((n) => indexes.includes(String(n['Index Name'])))).toBe(true);
      }
      throw new Rollback();
    })
    .catch((e) => {
      if (!(e instanceof Rollback)) throw e;
    });
  expect(await db.selectFrom('tasks').select('id').where('id', '=', 'explain-1').executeTakeFirst()).toBeUndefined();
});

class Rollback extends Error {}

test('the demo city: city and two district authorities, city and district agencies, divisions, valid USCCs, every attribute, a user per role', async () => {
  const prefix = `demo-${Date.now()}`;
  const city = await seedCity(db, prefix, prefix);
  // Seeding twice changes nothing.
  await seedCity(db, prefix, prefix);
  const orgs = await db.selectFrom('organisations').selectAll().where('region', '=', prefix).execute();
  const authorities = orgs.filter((o) => o.kind === 'authority');
  expect(authorities.map((o) => o.level).sort()).toEqual(['city', 'county', 'county']);
  expect(authorities.map((o) => o.division).sort()).toEqual(['371100', '371102', '371103']);
  // Supervision belongs to the authorities (Art. 32): no separate supervision offices.
  expect(orgs.filter((o) => o.kind === 'supervision')).toEqual([]);
  expect(orgs.filter((o) => o.kind === 'agency' && o.level === 'county').map((o) => o.division)).toEqual(['371102']);
  expect(orgs.filter((o) => o.kind === 'leading_group')).toHaveLength(1);
  const agencies = orgs.filter((o) => o.kind === 'agency');
  expect(agencies.length).toBeGreaterThanOrEqual(3);
  expect(agencies.every((o) => o.uscc && isValidUscc(o.uscc))).toBe(true);
  const entries = await db.selectFrom('catalog_entries').selectAll().where('id', 'like', `${prefix}-%`).execute();
  for (const a of ['UNCONDITIONAL', 'CONDITIONAL', 'NONE']) {
    expect(entries.some((e) => e.share_attribute === a)).toBe(true);
    expect(entries.some((e) => e.open_attribute === a)).toBe(true);
  }
  expect(await db.selectFrom('catalog_entry_versions').select('entry_id').where('entry_id', 'like', `${prefix}-%`).execute()).toHaveLength(entries.length);
  const roles = new Set(demoUsers(city).flatMap((u) => u.roles));
  expect([...roles].sort()).toEqual([
    'admin',
    'agency_applicant',
    'authority_reviewer',
    'leading_group',
    'provider_reviewer',
    'public_applicant',
    'sharing_head',
    'supervisor',
  ]);
});

/** EXPLAIN takes no bind parameters: inline them as literals (test-only values we made ourselves). */
function lit(v: unknown): string {
  if (v instanceof Date) return `'${v.toISOString()}'::timestamptz`;
  if (typeof v === 'number') return String(v);
  return `'${String(v).replace(/'/g, "''")}'`;
}

test('a connection the server drops while it is in use fails its transaction, not the process', async () => {
  const own = createDb(process.env.TEST_DATABASE_URL!, 1);
  try {
    const failed = own.transaction().execute(async (tx) => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(tx);
      // Another session ends this one between two statements, as a server restart does.
      await sql`select pg_terminate_backend(${rows[0].pid})`.execute(db);
      await new Promise((r) => setTimeout(r, 300));
      await sql`select 1`.execute(tx);
    });
    await expect(failed).rejects.toThrow();
    expect((await sql<{ x: number }>`select 1 as x`.execute(own)).rows).toEqual([{ x: 1 }]);
  } finally {
    await own.destroy();
  }
});
