// Configuration is parsed once against a schema; a bad value names its variable.
import { loadConfig } from '../config';

test('defaults start everything embedded', () => {
  const c = loadConfig({});
  expect(c.embedded).toEqual({ postgres: true, temporal: true });
  expect(c.sharePolicy.jointReview).toEqual({ workingDays: 10 });
  expect(c.temporalAddress).toBe('127.0.0.1:7233');
});

test('external services are used when their addresses are set', () => {
  const c = loadConfig({ DATABASE_URL: 'postgres://u@db:5432/x', TEMPORAL_ADDRESS: 'temporal:7233' });
  expect(c.embedded).toEqual({ postgres: false, temporal: false });
  expect(c.databaseUrl).toBe('postgres://u@db:5432/x');
});

test.each([
  [{ PORT: 'eighty' }, /PORT must be an integer/],
  [{ PORT: '70000' }, /PORT must be an integer from 0 to 65535/],
  [{ JWT_SECRET: 'short' }, /JWT_SECRET must be at least 32 characters/],
  [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a postgres:\/\/ URL/],
  [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
  [{ SHARE_POLICY: '{' }, /SHARE_POLICY must be a JSON object/],
  [{ SHARE_POLICY: '{"jointReview":5}' }, /SHARE_POLICY.jointReview must be/],
  [{ SHARE_POLICY: '{"jointReview":{"weeks":2}}' }, /SHARE_POLICY.jointReview must be/],
  [{ SHARE_POLICY: '{"speed":{"days":2}}' }, /SHARE_POLICY.speed is not a setting/],
  [{ ADJUSTMENT_POLICY: '{"consultation":{"days":0}}' }, /ADJUSTMENT_POLICY.consultation must be/],
  [{ DISPUTE_POLICY: '{"turns":{"days":5}}' }, /DISPUTE_POLICY.turns is not a setting/],
  // An agreement's month is shortened in seconds only: a month of working days means nothing.
  [{ OPEN_REQUEST_POLICY: '{"termMonth":{"days":30}}' }, /OPEN_REQUEST_POLICY.termMonth must be \{"seconds":n\}/],
  // Operators are named one by one: no pattern widens an admin's reach.
  [{ PLATFORM_OPERATORS: 'ops.zhang,*' }, /PLATFORM_OPERATORS must list token subs/],
])('%j is refused', (env, message) => {
  expect(() => loadConfig(env)).toThrow(message);
});

test('every procedure has its policy, each overridable on its own', () => {
  const c = loadConfig({ DISPUTE_POLICY: '{"consultation":{"workingDays":30}}' });
  expect(c.adjustmentPolicy).toMatchObject({ review: { workingDays: 10 }, consultation: { days: 30 } });
  expect(c.withdrawalPolicy).toEqual({ review: { workingDays: 15 }, applicantReply: { workingDays: 15 }, reminderBefore: { workingDays: 2 } });
  expect(c.openDemandPolicy).toEqual({ answer: { workingDays: 15 }, reminderBefore: { workingDays: 2 } });
  expect(c.disputePolicy).toMatchObject({ turn: { workingDays: 5 }, consultation: { workingDays: 30 }, decision: { workingDays: 20 } });
});

test('every duration a procedure waits on can be shortened by its policy, an agreement\'s month included', () => {
  expect(loadConfig({ OPEN_REQUEST_POLICY: '{"termMonth":{"seconds":60}}' }).openRequestPolicy).toMatchObject({ termMonth: { seconds: 60 }, review: { workingDays: 10 } });
});

test('a policy override is merged over the defaults', () => {
  expect(loadConfig({ SHARE_POLICY: '{"jointReview":{"seconds":30}}' }).sharePolicy).toMatchObject({ jointReview: { seconds: 30 }, applicantReply: { workingDays: 15 } });
});

test('no admin reaches every city unless named: PLATFORM_OPERATORS lists them', () => {
  expect(loadConfig({}).platformOperators).toEqual([]);
  expect(loadConfig({ PLATFORM_OPERATORS: ' ops.zhang, ops.li,,ops.zhang ' }).platformOperators).toEqual(['ops.zhang', 'ops.li']);
});
