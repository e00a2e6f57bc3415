// Configuration is parsed once against a schema; a bad value names its variable.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DEV_JWT_SECRET, ENVIRONMENT, loadConfig, loadSecrets, POLICY_VARIABLES } from '../config';
import { DEV_PRINCIPAL_KEYS, DEV_PRINCIPAL_LOOKUP_KEY } from '../config/principal-keys';
import { variable, type VariableName } from '../config/schema';
import { DEFAULT_POLICIES } from '../domain/policies';
import { REQUEST_TYPES } from '../domain/requests';

test('defaults start everything embedded', () => {
  const c = loadConfig({});
  expect(c.embedded).toEqual({ postgres: true, temporal: true });
  expect(c.policies.share.jointReview).toEqual({ workingDays: 10 });
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
  [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a postgres:\/\/ URL/],
  [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
  [{ PDW_MODE: 'dev' }, /PDW_MODE must be development or production/],
  [{ SHARE_POLICY: '{' }, /SHARE_POLICY must be a JSON object/],
  [{ SHARE_POLICY: '{"jointReview":5}' }, /SHARE_POLICY.jointReview must be/],
  [{ SHARE_POLICY: '{"jointReview":{"weeks":2}}' }, /SHARE_POLICY.jointReview must be/],
  [{ SHARE_POLICY: '{"speed":{"days":2}}' }, /SHARE_POLICY.speed is not a setting/],
  // A refusal's accepted levels: lists of the known levels, neither empty.
  [{ SHARE_POLICY: '{"refusalBasisLevels":{"regulation":["decree"],"measures":["law"]}}' }, /SHARE_POLICY.refusalBasisLevels must be/],
  [{ SHARE_POLICY: '{"refusalBasisLevels":{"regulation":[],"measures":["law"]}}' }, /SHARE_POLICY.refusalBasisLevels must be/],
  [{ ADJUSTMENT_POLICY: '{"consultation":{"days":0}}' }, /ADJUSTMENT_POLICY.consultation must be/],
  [{ DISPUTE_POLICY: '{"turns":{"days":5}}' }, /DISPUTE_POLICY.turns is not a setting/],
  // An agreement's month is shortened in seconds only: a month of working days means nothing.
  [{ OPEN_REQUEST_POLICY: '{"termMonth":{"days":30}}' }, /OPEN_REQUEST_POLICY.termMonth must be \{"seconds":n\}/],
  // Operators are named one by one: no pattern widens an admin's reach.
  [{ PLATFORM_OPERATORS: 'ops.zhang,*' }, /PLATFORM_OPERATORS must list token subs/],
  // /metrics is read with a token no one guesses: not a short one, not .env.example's placeholder.
  [{ METRICS_TOKEN: 'short' }, /METRICS_TOKEN must be at least 32 printable characters/],
  [{ METRICS_TOKEN: 'change-me-0123456789-0123456789-0123' }, /METRICS_TOKEN is a placeholder/],
  [{ WORKER_METRICS_ADDRESS: 'nowhere' }, /WORKER_METRICS_ADDRESS must be host:port/],
])('%j is refused', (env, message) => {
  expect(() => loadConfig(env)).toThrow(message);
});

test('every procedure has its policy, each overridable on its own', () => {
  const c = loadConfig({ DISPUTE_POLICY: '{"consultation":{"workingDays":30}}' });
  expect(c.policies.catalog_adjustment).toMatchObject({ review: { workingDays: 10 }, consultation: { days: 30 } });
  const escalation = { escalateAfter: { workingDays: 5 }, urgeInterval: { workingDays: 1 } };
  expect(c.policies.withdrawal).toEqual({
    review: { workingDays: 15 },
    applicantReply: { workingDays: 15 },
    reminderBefore: { workingDays: 2 },
    ...escalation,
  });
  expect(c.policies.open_demand).toEqual({ answer: { workingDays: 15 }, reminderBefore: { workingDays: 2 }, ...escalation });
  expect(c.policies.share_dispute).toMatchObject({ turn: { workingDays: 5 }, consultation: { workingDays: 30 }, decision: { workingDays: 20 } });
});

test("every duration a procedure waits on can be shortened by its policy, an agreement's month included", () => {
  expect(loadConfig({ OPEN_REQUEST_POLICY: '{"termMonth":{"seconds":60}}' }).policies.open_request).toMatchObject({
    termMonth: { seconds: 60 },
    review: { workingDays: 10 },
  });
});

test("every procedure escalates its competent body's task and urges at an interval, both policy settings (Art. 32)", () => {
  const c = loadConfig({ WITHDRAWAL_POLICY: '{"escalateAfter":{"seconds":30},"urgeInterval":{"days":2}}' });
  expect(c.policies.withdrawal).toMatchObject({ escalateAfter: { seconds: 30 }, urgeInterval: { days: 2 } });
  for (const type of ['catalog_adjustment', 'open_request', 'open_demand', 'correction', 'share'] as const)
    expect(c.policies[type]).toMatchObject({ escalateAfter: { workingDays: 5 }, urgeInterval: { workingDays: 1 } });
  expect(() => loadConfig({ OPEN_DEMAND_POLICY: '{"escalateAfter":5}' })).toThrow(/OPEN_DEMAND_POLICY.escalateAfter must be/);
});

test('a refusal’s accepted levels are a policy: a deployment may narrow the Measures’ list', () => {
  const levels = { regulation: ['law', 'administrative_regulation'], measures: ['law', 'regulation'] };
  expect(loadConfig({ SHARE_POLICY: JSON.stringify({ refusalBasisLevels: levels }) }).policies.share.refusalBasisLevels).toEqual(levels);
});

test('a policy override is merged over the defaults', () => {
  expect(loadConfig({ SHARE_POLICY: '{"jointReview":{"seconds":30}}' }).policies.share).toMatchObject({
    jointReview: { seconds: 30 },
    applicantReply: { workingDays: 15 },
  });
});

test('development mode is asked for by name; anything else is a deployment', () => {
  expect(loadConfig({}).mode).toBe('production');
  expect(loadConfig({ NODE_ENV: 'development' }).mode).toBe('production');
  expect(loadConfig({ PDW_MODE: 'development' }).mode).toBe('development');
});

const key = () => randomBytes(32).toString('base64');
const deployment = () => ({ JWT_SECRET: randomBytes(32).toString('hex'), PRINCIPAL_KEYS: `v1:${key()}`, PRINCIPAL_LOOKUP_KEY: key() });

test('in development mode unset secrets take the development values, set ones are used', () => {
  const dev = loadSecrets({ PDW_MODE: 'development' });
  expect(dev.jwtSecret).toBe(DEV_JWT_SECRET);
  expect(dev.principalKeys.ring.map((k) => k.version)).toEqual(['dev1']);
  // .env.example's placeholders are unset values, in development too.
  expect(loadSecrets({ PDW_MODE: 'development', JWT_SECRET: 'change-me' }).jwtSecret).toBe(DEV_JWT_SECRET);
  const own = deployment();
  expect(loadSecrets({ PDW_MODE: 'development', ...own }).jwtSecret).toBe(own.JWT_SECRET);
});

test('a deployment uses its own secrets', () => {
  const own = deployment();
  const secrets = loadSecrets(own);
  expect(secrets.jwtSecret).toBe(own.JWT_SECRET);
  expect(secrets.principalKeys.ring[0].key.toString('base64')).toBe(own.PRINCIPAL_KEYS.slice(3));
  expect(secrets.principalKeys.lookup.toString('base64')).toBe(own.PRINCIPAL_LOOKUP_KEY);
  // A development key behind the deployment's own only opens what it sealed, until the rotation re-seals it.
  expect(loadSecrets({ ...own, PRINCIPAL_KEYS: `${own.PRINCIPAL_KEYS},${DEV_PRINCIPAL_KEYS}` }).principalKeys.ring.map((k) => k.version)).toEqual([
    'v1',
    'dev1',
  ]);
});

const DEVELOPMENT_VALUES = { JWT_SECRET: DEV_JWT_SECRET, PRINCIPAL_KEYS: DEV_PRINCIPAL_KEYS, PRINCIPAL_LOOKUP_KEY: DEV_PRINCIPAL_LOOKUP_KEY };
test.each(
  (['JWT_SECRET', 'PRINCIPAL_KEYS', 'PRINCIPAL_LOOKUP_KEY'] as const).flatMap((name) => [
    [name, 'unset', undefined, 'is not set'],
    [name, 'empty', '', 'is not set'],
    [name, 'a change-me placeholder', name === 'PRINCIPAL_KEYS' ? 'v1:change-me' : 'change-me', 'is a placeholder'],
    [name, 'CHANGEME', 'CHANGEME-0123456789-0123456789-0123456789', 'is a placeholder'],
    [name, 'the development value', DEVELOPMENT_VALUES[name], 'is a development value'],
  ]),
)('outside development mode %s %s is refused, naming it', (name, _case, value, why) => {
  const env: Record<string, string | undefined> = { ...deployment(), [name]: value };
  expect(() => loadSecrets(env)).toThrow(`${name} ${why}`);
  // Only it: the others are the deployment's own.
  expect(() => loadSecrets(env)).toThrow(/: [A-Z_]+ is [^;]+$/);
});

test('every refused secret is named at once, and a development key is refused in any role', () => {
  const devKey = DEV_PRINCIPAL_KEYS.split(':')[1];
  expect(() => loadSecrets({ PDW_MODE: 'production', PRINCIPAL_KEYS: `v9:${devKey}`, PRINCIPAL_LOOKUP_KEY: devKey })).toThrow(
    /JWT_SECRET is not set; PRINCIPAL_KEYS is a development value .*; PRINCIPAL_LOOKUP_KEY is a development value/,
  );
});

test.each([
  [{ JWT_SECRET: 'short' }, /JWT_SECRET: must be at least 32 characters/],
  [{ PRINCIPAL_KEYS: 'v1:short' }, /PRINCIPAL_KEYS: each key is version:base64 of 32 bytes/],
  [{ PRINCIPAL_LOOKUP_KEY: 'c2hvcnQ=' }, /PRINCIPAL_LOOKUP_KEY: the look-up key is base64 of at least 32 bytes/],
])('a malformed secret %j is refused in either mode', (bad, message) => {
  expect(() => loadSecrets({ ...deployment(), ...bad })).toThrow(message);
  expect(() => loadSecrets({ PDW_MODE: 'development', ...bad })).toThrow(message);
});

test('metrics are served only when asked for: the API with METRICS_TOKEN, the worker at WORKER_METRICS_ADDRESS', () => {
  expect(loadConfig({})).toMatchObject({ metricsToken: null, workerMetricsAddress: null });
  const token = randomBytes(32).toString('base64url');
  expect(loadConfig({ METRICS_TOKEN: token, WORKER_METRICS_ADDRESS: '0.0.0.0:9464' })).toMatchObject({
    metricsToken: token,
    workerMetricsAddress: '0.0.0.0:9464',
  });
  // A refused token is not quoted back (it may be the real one, mistyped).
  expect(() => loadConfig({ METRICS_TOKEN: 'secret but short' })).not.toThrow(/secret but short/);
});

test('no admin reaches every city unless named: PLATFORM_OPERATORS lists them', () => {
  expect(loadConfig({}).platformOperators).toEqual([]);
  expect(loadConfig({ PLATFORM_OPERATORS: ' ops.zhang, ops.li,,ops.zhang ' }).platformOperators).toEqual(['ops.zhang', 'ops.li']);
});

describe('the schema, .env.example and README name the same variables', () => {
  const root = path.join(__dirname, '..');
  const example = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const schema = Object.keys(ENVIRONMENT.properties) as VariableName[];
  // docker-compose.yml's own: the database container's and Grafana's passwords, which no process of ours reads.
  const COMPOSE_ONLY = ['POSTGRES_PASSWORD', 'GRAFANA_ADMIN_PASSWORD'];
  /** `NAME=value` lines, set or commented out. */
  const exampleLines = [...example.matchAll(/^(#\s*)?([A-Z][A-Z0-9_]+)=(.*)$/gm)].map(([, commented, name, value]) => ({
    commented: !!commented,
    name,
    value: value.trim(),
  }));
  /** The rows of README's configuration table: the variables of the first cell, the second cell. */
  const table = readme
    .slice(readme.indexOf('## Configuration'))
    .split('\n## ')[0]
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [names, fallback] = line.split(' | ');
      return { names: [...names.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]), fallback };
    });
  const defaultOf = (name: VariableName) => variable({}, name);
  const parsed = (name: VariableName, raw: string) => variable({ [name]: raw }, name);

  test('every variable of the schema is in .env.example and README, and nothing else is', () => {
    expect([...new Set(exampleLines.map((l) => l.name))].filter((n) => !COMPOSE_ONLY.includes(n)).sort()).toEqual([...schema].sort());
    expect(table.flatMap((row) => row.names).sort()).toEqual([...schema].sort());
    for (const name of COMPOSE_ONLY) expect(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')).toContain(`\${${name}`);
  });

  test('.env.example shows the defaults: each value set, and each policy commented out, is its default', () => {
    const shown = exampleLines.filter((l) => l.value && schema.includes(l.name as VariableName) && (!l.commented || l.name.endsWith('_POLICY')));
    expect(shown.length).toBeGreaterThan(10);
    for (const l of shown) expect([l.name, parsed(l.name as VariableName, l.value)]).toEqual([l.name, defaultOf(l.name as VariableName)]);
  });

  test("README's table shows the defaults the schema gives", () => {
    let checked = 0;
    for (const { names, fallback } of table) {
      // `A`, `B` | a, b: one default each; a row naming several with one default describes them together.
      const values = names.length === 1 ? [fallback] : fallback.split(/,\s*/);
      if (values.length !== names.length) continue;
      names.forEach((name, i) => {
        const expected = defaultOf(name as VariableName);
        const cell = values[i].replace(/`/g, '').trim();
        if (expected === undefined || (typeof expected === 'object' && !cell.startsWith('{'))) return;
        if (typeof expected === 'object') expect([name, JSON.parse(cell)]).toEqual([name, expected]);
        else expect([name, cell]).toEqual([name, expect.stringContaining(String(expected))]);
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(20);
  });
});

test("each request type has its policy variable, its default the domain module's", () => {
  expect(Object.keys(POLICY_VARIABLES).sort()).toEqual([...REQUEST_TYPES].sort());
  expect(loadConfig({}).policies).toEqual(DEFAULT_POLICIES);
});
