// What the benches share: their database, percentiles, and an API over HTTP that needs no Temporal server.
import { Client, Connection } from '@temporalio/client';
import { buildApp } from '../api/app';
import type { ApiDeps, App } from '../api/types';
import { createDb, recreateDatabase, type Db } from '../db';
import { DEFAULT_POLICIES } from '../domain/policies';

/** The benches' own database, recreated by each run. */
export const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/pdw_bench';

/** The p-th percentile of ascending `sorted`. */
export const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** A fresh bench database and the API listening on it over HTTP (reads only: its Temporal client never connects). */
export async function httpApi(extra: Partial<ApiDeps> = {}): Promise<{ db: Db; app: App; base: string; close(): Promise<void> }> {
  await recreateDatabase(BENCH_DATABASE_URL);
  const db = createDb(BENCH_DATABASE_URL, 10);
  const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const app = await buildApp({ db, temporal, taskQueue: 'bench', jwtSecret: 'bench-secret-0123456789-0123456789-xyz', policies: DEFAULT_POLICIES, ...extra });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    db,
    app,
    base,
    async close() {
      await app.close();
      await db.destroy();
      await temporal.connection.close();
    },
  };
}

/** `n` sequential GETs of `path` after `warmUp` more, each checked 200: their times in ms, ascending, and the last body. */
export async function timeGets(
  base: string,
  path: string,
  headers: Record<string, string>,
  n: number,
  warmUp = 50,
): Promise<{ times: number[]; body: unknown }> {
  for (let i = 0; i < warmUp; i++) await (await fetch(`${base}${path}`, { headers })).arrayBuffer();
  const times: number[] = [];
  let last = '';
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const res = await fetch(`${base}${path}`, { headers });
    last = await res.text();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
  }
  return { times: times.sort((a, b) => a - b), body: JSON.parse(last) };
}
