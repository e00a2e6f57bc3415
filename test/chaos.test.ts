// The short chaos run of CI: 50 lifecycles through the API (share requests approved by both reviewers, one in
// four a catalog adjustment and a dispute, one in eight each an open demand, a withdrawal, an error report
// corrected and a conditional open application ending in an agreement in force, one in eight a burst of eight conflicting decisions on one review,
// one in sixteen a refused share request disputed by its applicant, granted by agreement or upheld by the leading group) while the worker, the
// Temporal dev server and PostgreSQL are SIGKILLed and restarted, and the worker once more during an evaluation snapshot (`npm run chaos -- --n 1000` runs more).
import { formatChaos, runChaos } from '../scripts/chaos';

test('under worker, Temporal and PostgreSQL kills nothing is lost, duplicated, stuck or failed', async () => {
  const report = await runChaos({ n: 50, faults: 4, log: () => undefined });
  console.log(formatChaos(report));
  expect(report.faults.worker + report.faults.temporal + report.faults.postgres).toBeGreaterThanOrEqual(3);
  expect(report.lost).toEqual([]);
  expect(report.duplicated).toEqual([]);
  expect(report.crossed).toEqual([]);
  expect(report.stuck).toEqual([]);
  expect(report.failedWorkflows).toEqual([]);
  // At least the 50 asked for: more are started while the last fault recovers.
  expect(report.requests).toBeGreaterThanOrEqual(50);
  expect(report.granted).toBe(report.requests);
  // The worker was killed while the snapshot was part-way, and every scope is kept once all the same.
  expect(report.snapshot.keptAtKill).toBeGreaterThan(0);
  expect(report.snapshot.keptAtKill).toBeLessThan(report.snapshot.scopes);
  expect(report.snapshot).toMatchObject({ rows: report.snapshot.scopes, events: report.snapshot.scopes, completed: true });
}, 600_000);
