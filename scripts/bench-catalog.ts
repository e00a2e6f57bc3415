// npm run bench -- catalog: p50/p99 of GET /catalog over HTTP at 100k entries (BENCH_ENTRIES: 1000000 for issue 27 §2),
// for each filter the list offers (first page and a deep cursor), and the Art. 8 similar-entry look-up. Uses its own
// database (BENCH_DATABASE_URL, recreated each run).
import { sql } from 'kysely';
import { signToken } from '../api/auth';
import { httpApi, pct, timeGets } from './bench-support';

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 100_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const AGENCIES = 200;
/** Rows a seeding statement inserts (a million in one would hold every trigram of them in one transaction). */
const BATCH = 100_000;
/** Digits of an entry's number, so ids sort as numbers do (entry-0999999 before entry-1000000). */
const WIDTH = Math.max(6, String(ENTRIES).length);
const DIVISIONS = ['371100', '371102', '371103', '371121', '371122'];

export async function benchCatalog(): Promise<void> {
  const api = await httpApi();
  const { db, app, base } = api;
  await sql`insert into organisations (id, name, kind, level, region, division)
            select 'org-' || lpad(g::text, 3, '0'), 'Agency ' || g, 'agency', case when g % 5 = 0 then 'city' else 'county' end, 'bench',
                   (${sql.val(DIVISIONS)}::text[])[1 + g % 5]
            from generate_series(0, ${AGENCIES - 1}) g`.execute(db);
  const auth = { authorization: `Bearer ${signToken(app, { sub: 'reader', org: 'org-007', roles: ['agency_applicant'] })}` };
  // Titles and field names from a small vocabulary, so a word matches about 1 entry in 50; attributes
  // spread as a city's catalog has them (most shared unconditionally, few not shared).
  const t0 = Date.now();
  for (let from = 1; from <= ENTRIES; from += BATCH) {
    const to = Math.min(ENTRIES, from + BATCH - 1);
    await sql`insert into catalog_entries (id, provider_org_id, title, description, fields, share_attribute, share_reasons, share_conditions, share_basis,
                                         open_attribute, open_ground, open_conditions, open_basis, update_frequency, share_status, open_status)
            select 'entry-' || lpad(g::text, ${WIDTH}, '0'), 'org-' || lpad((g % ${AGENCIES})::text, 3, '0'),
                   (array['企业','医疗','交通','教育','气象','土地','环境','就业','信用','许可'])[1 + g % 10] || '数据' || g,
                   'bench entry ' || g,
                   jsonb_build_array(jsonb_build_object('name', 'field_' || (g % 50), 'label', '数据项' || (g % 50), 'type', 'string', 'description', '', 'identifies', null)),
                   s.share, case when s.share = 'CONDITIONAL' then '理由' end, case when s.share = 'CONDITIONAL' then '条件' end,
                   case when s.share = 'NONE' then '[{"level":"law","title":"某法","article":"第一条"}]'::jsonb else '[]'::jsonb end,
                   s.open, case when s.open = 'CONDITIONAL' then 'security' end, case when s.open = 'CONDITIONAL' then '条件' end,
                   case when s.open = 'NONE' then '[{"level":"law","title":"某法","article":"第一条"}]'::jsonb else '[]'::jsonb end,
                   '每日', case when g % 97 = 0 then 'suspended' else 'published' end, case when g % 13 = 0 then 'suspended' else 'published' end
            from generate_series(${from}::int, ${to}::int) g,
                 lateral (select case when g % 20 = 0 then 'NONE' when g % 4 = 0 then 'CONDITIONAL' else 'UNCONDITIONAL' end as share,
                                 case when g % 3 = 0 then 'NONE' when g % 3 = 1 then 'CONDITIONAL' else 'UNCONDITIONAL' end as open) s`.execute(db);
  }
  // As autovacuum leaves a table that has settled: statistics, the visibility map, GIN pending lists merged.
  await sql`vacuum (analyze) catalog_entries, catalog_entry_field_names`.execute(db);
  await sql`analyze organisations`.execute(db);
  const deep = `entry-${String(Math.floor(ENTRIES * 0.9)).padStart(WIDTH, '0')}`;
  console.log(
    `GET /catalog?limit=50 over HTTP at ${ENTRIES} entries (seeded and vacuumed in ${((Date.now() - t0) / 1000).toFixed(1)} s), ${REQUESTS} sequential requests each after warm-up`,
  );
  console.log('filter                           | p50 ms | p99 ms | items');
  for (const [label, query] of [
    ['none', ''],
    ['none, deep cursor', `&cursor=${deep}`],
    ['provider', '&provider=org-007'],
    ['division (county)', '&division=371121'],
    ['division, deep cursor', `&division=371121&cursor=${deep}`],
    ['share NONE', '&shareAttribute=NONE'],
    ['share suspended (rare)', '&shareStatus=suspended'],
    ['open CONDITIONAL + published', '&openAttribute=CONDITIONAL&openStatus=published'],
    ['text in title (1 in 10)', `&q=${encodeURIComponent('医疗')}`],
    ['text, rare (1 entry)', `&q=${encodeURIComponent('气象数据12344')}`],
    ['field name', '&q=field_49'],
    ['Art. 8 similar (title, 2 fields)', `/similar?title=${encodeURIComponent('气象数据1234')}&fields=field_7,station`],
  ] as const) {
    const path = query.startsWith('/') ? `/catalog${query}` : `/catalog?limit=50${query}`;
    const { times, body } = await timeGets(base, path, auth, REQUESTS);
    const items = (body as { items: unknown[] }).items.length;
    console.log(`${label.padEnd(32)} | ${pct(times, 50).toFixed(2).padStart(6)} | ${pct(times, 99).toFixed(2).padStart(6)} | ${String(items).padStart(5)}`);
  }
  await api.close();
}
