// docker-compose.yml cannot be run here (no Docker engine): its shape is checked instead.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const root = path.join(__dirname, '..');
type Service = {
  image?: string;
  build?: string;
  command?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
};
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const s = compose.services;

test('it has the production topology', () => {
  expect(Object.keys(s).sort()).toEqual(['api', 'migrate', 'postgres', 'temporal', 'temporal-ui', 'worker']);
  expect(s.temporal.image).toMatch(/^temporalio\/auto-setup:1\.29\./);
  expect(s.temporal.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres' });
  for (const name of ['migrate', 'worker', 'api']) expect(s[name].build).toBe('.');
});

test('every long-running service has a health check', () => {
  for (const name of ['postgres', 'temporal', 'temporal-ui', 'worker', 'api']) expect(s[name].healthcheck?.test.length).toBeGreaterThan(0);
});

test('ports: API 3000, Temporal 7233, UI 8080, PostgreSQL 5432', () => {
  expect(s.api.ports).toContain('3000:3000');
  expect(s.temporal.ports).toContain('7233:7233');
  expect(s['temporal-ui'].ports).toContain('8080:8080');
  expect(s.postgres.ports).toContain('5432:5432');
});

test('start order: database, then Temporal and the migration, then worker and API', () => {
  expect(s.temporal.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
  expect(s['temporal-ui'].depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
  expect(s.migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
  for (const name of ['worker', 'api'])
    expect(s[name].depends_on).toMatchObject({ migrate: { condition: 'service_completed_successfully' }, temporal: { condition: 'service_healthy' } });
});

test('data lives in a volume; app services point at the compose services', () => {
  expect(s.postgres.volumes).toContain('pgdata:/var/lib/postgresql/data');
  expect(Object.keys(compose.volumes)).toContain('pgdata');
  for (const name of ['migrate', 'worker', 'api']) {
    expect(s[name].environment?.DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(s[name].environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
  }
  expect(s.api.environment?.HOST).toBe('0.0.0.0');
  expect(s.worker.environment?.WORKER_HEALTH_PORT).toBe('8081');
});

test('each app command runs an entry point that exists, and the Dockerfile copies it', () => {
  const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  for (const name of ['migrate', 'worker', 'api']) {
    const [node, runner, entry] = s[name].command!;
    expect([node, runner]).toEqual(['node', 'scripts/run.js']);
    expect(fs.existsSync(path.join(root, entry))).toBe(true);
    expect(dockerfile).toContain(`COPY ${entry.split('/')[0]} ./${entry.split('/')[0]}`);
  }
});

test('every variable the services set is one the configuration knows and .env.example documents', () => {
  const documented = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
  for (const name of ['migrate', 'worker', 'api'])
    for (const variable of Object.keys(s[name].environment ?? {})) expect(documented).toMatch(new RegExp(`^#? ?${variable}=`, 'm'));
});

const API_SECRETS = ['JWT_SECRET', 'PRINCIPAL_KEYS', 'PRINCIPAL_LOOKUP_KEY'];
const required = (name: string) => new RegExp(`\\$\\{${name}:\\?[^}]*npm run secrets[^}]*\\}`);

test('each secret is required, naming the command that generates it, and reaches only the service that uses it', () => {
  for (const name of API_SECRETS) expect(s.api.environment?.[name]).toMatch(new RegExp(`^${required(name).source}$`));
  for (const service of ['migrate', 'worker']) expect(Object.keys(s[service].environment ?? {}).filter((v) => API_SECRETS.includes(v))).toEqual([]);
  // PostgreSQL's password too: no default anywhere it is used.
  expect(s.postgres.environment?.POSTGRES_PASSWORD).toMatch(required('POSTGRES_PASSWORD'));
  expect(s.temporal.environment?.POSTGRES_PWD).toMatch(required('POSTGRES_PASSWORD'));
  for (const name of ['migrate', 'worker', 'api']) expect(s[name].environment?.DATABASE_URL).toMatch(required('POSTGRES_PASSWORD'));
  expect(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')).not.toMatch(/\$\{[A-Z_]*(SECRET|KEYS?|PASSWORD)[A-Z_]*:?-/);
});

test('.env.example holds no usable secret and does not switch development mode on', () => {
  const example = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
  for (const name of [...API_SECRETS, 'POSTGRES_PASSWORD']) expect(example).toMatch(new RegExp(`^${name}=$`, 'm'));
  expect(example).not.toMatch(/^PDW_MODE=/m);
  expect(example).toMatch(/npm run secrets/);
});
