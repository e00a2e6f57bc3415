// The short fuzz of CI: a few thousand property-based requests with a fixed seed against every route,
// over real HTTP, on the real worker, Temporal and PostgreSQL (`npm run fuzz -- --count N --seed S` runs more).
import type net from 'node:net';
import { formatReport, runFuzz } from '../scripts/fuzz-api';
import { seedCity, type SeededCity } from '../db/seed';
import { startApi, TEST_JWT_SECRET, type Api } from './api-helpers';
import { startHarness, type Harness } from './helpers';

let h: Harness;
let api: Api;
let farCity: SeededCity;
beforeAll(async () => {
  h = await startHarness('fuzz');
  farCity = await seedCity(h.db, `${h.city.region}-far`, `${h.city.region}-far`);
  // A workflow that does not answer shows as a 503 within 5 s (a failure here), not as a slow hang.
  api = await startApi(h, { engineTimeoutMs: 5_000 });
  await api.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

test('fuzzed requests: no 5xx, every error problem+json, none slower than 10 s, no workflow left retrying, memory bounded', async () => {
  const { port } = api.app.server.address() as net.AddressInfo;
  const report = await runFuzz(
    { baseUrl: `http://127.0.0.1:${port}`, jwtSecret: TEST_JWT_SECRET, db: h.db, client: h.client, taskQueue: h.taskQueue, city: h.city, farCity },
    { count: Number(process.env.FUZZ_COUNT ?? 2000), seed: 20261127, log: () => undefined },
  );
  console.log(formatReport(report));
  expect(report.failures.slice(0, 20)).toEqual([]);
  expect(report.retryingWorkflows).toEqual([]);
  expect(report.heapGrowthMiB).toBeLessThan(64);
  // The fuzz reached past the guards: some requests were created and some decisions taken.
  expect(report.statuses['201'] ?? 0).toBeGreaterThan(0);
}, 600_000);
