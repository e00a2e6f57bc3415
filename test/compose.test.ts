// docker-compose.yml cannot be run here (no Docker engine): its shape is checked instead.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { dynamicConfigArgs } from '../scripts/temporal-dev-server';

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
  secrets?: string[];
};
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { environment?: string; file?: string }>;
};
const s = compose.services;

test('it has the production topology', () => {
  expect(Object.keys(s).sort()).toEqual(['api', 'grafana', 'jaeger', 'mailpit', 'migrate', 'postgres', 'prometheus', 'temporal', 'temporal-ui', 'worker']);
  expect(s.jaeger.image).toMatch(/^jaegertracing\/all-in-one:1\./);
  // The API and the worker trace to it unless .env names another collector.
  for (const name of ['worker', 'api'])
    expect(s[name].environment).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: '${OTEL_EXPORTER_OTLP_ENDPOINT:-http://jaeger:4318}' });
  expect(s.prometheus.image).toMatch(/^prom\/prometheus:v3\./);
  expect(s.mailpit.image).toMatch(/^axllent\/mailpit:v1\./);
  expect(s.grafana.image).toMatch(/^grafana\/grafana:12\./);
  expect(s.temporal.image).toMatch(/^temporalio\/auto-setup:1\.29\./);
  expect(s.temporal.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres' });
  for (const name of ['migrate', 'worker', 'api']) expect(s[name].build).toBe('.');
});

test("Temporal runs with the project's dynamic config, as the dev server and npm run cluster do", () => {
  const mount = s.temporal.volumes?.find((v) => v.startsWith('./deploy/temporal/dynamic-config.yaml:'));
  expect(mount).toBe('./deploy/temporal/dynamic-config.yaml:/etc/temporal/config/dynamicconfig/pdw.yaml:ro');
  // The image's working directory is /etc/temporal.
  expect(`/etc/temporal/${s.temporal.environment?.DYNAMIC_CONFIG_FILE_PATH}`).toBe(mount!.split(':')[1]);
  // Eager activity dispatch: each decision's write reaches the worker with the workflow task's answer.
  expect(dynamicConfigArgs()).toEqual(['--dynamic-config-value', 'system.enableActivityEagerExecution=true']);
});

test('every long-running service has a health check', () => {
  for (const name of ['postgres', 'temporal', 'temporal-ui', 'worker', 'api', 'prometheus', 'grafana'])
    expect(s[name].healthcheck?.test.length).toBeGreaterThan(0);
});

test('ports: API 3000, Temporal 7233, UI 8080, PostgreSQL 5432', () => {
  expect(s.api.ports).toContain('3000:3000');
  expect(s.temporal.ports).toContain('7233:7233');
  expect(s['temporal-ui'].ports).toContain('8080:8080');
  expect(s.postgres.ports).toContain('5432:5432');
  // Prometheus asks no one who they are, and Grafana's figures are the whole city's: this host only.
  expect(s.prometheus.ports).toEqual(['127.0.0.1:9090:9090']);
  expect(s.grafana.ports).toEqual(['127.0.0.1:3001:3000']);
  expect(s.jaeger.ports).toEqual(['127.0.0.1:16686:16686']);
  // The worker's exporter has no token: reached on the compose network, never published.
  expect(s.worker.ports).toBeUndefined();
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
  // Notices' e-mail: the worker's delivery activities send it to Mailpit, whose web UI shows it on this host only.
  for (const name of ['worker', 'api']) expect(s[name].environment?.SMTP_URL).toBe('smtp://mailpit:1025');
  expect(s.mailpit.ports).toEqual(['127.0.0.1:8025:8025']);
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
  for (const name of [...API_SECRETS, 'METRICS_TOKEN', 'POSTGRES_PASSWORD', 'GRAFANA_ADMIN_PASSWORD']) expect(example).toMatch(new RegExp(`^${name}=$`, 'm'));
  expect(example).not.toMatch(/^PDW_MODE=/m);
  expect(example).toMatch(/npm run secrets/);
});

/** A bind mount's host path (`./x:/y[:ro]`), from the repository's top. */
const mounts = (service: string) =>
  (s[service].volumes ?? []).filter((v) => v.startsWith('./')).map((v) => ({ host: v.split(':')[0], container: v.split(':')[1] }));

test('metrics: the API behind METRICS_TOKEN, the worker at WORKER_METRICS_ADDRESS, Prometheus scraping both with the token as a secret', () => {
  expect(s.api.environment?.METRICS_TOKEN).toMatch(new RegExp(`^${required('METRICS_TOKEN').source}$`));
  expect(s.worker.environment?.WORKER_METRICS_ADDRESS).toBe('0.0.0.0:9464');
  expect(compose.secrets.metrics_token).toEqual({ environment: 'METRICS_TOKEN' });
  expect(s.prometheus.secrets).toEqual(['metrics_token']);
  expect(s.prometheus.depends_on).toMatchObject({ api: { condition: 'service_started' }, worker: { condition: 'service_started' } });
  const config = mounts('prometheus').find((m) => m.container === '/etc/prometheus/prometheus.yml')!;
  const scrape = parse(fs.readFileSync(path.join(root, config.host), 'utf8')) as {
    scrape_configs: {
      job_name: string;
      metrics_path?: string;
      authorization?: { credentials_file: string };
      static_configs?: { targets: string[] }[];
      dns_sd_configs?: { names: string[]; port: number }[];
    }[];
  };
  const job = (name: string) => scrape.scrape_configs.find((j) => j.job_name === name)!;
  expect(job('api')).toMatchObject({
    metrics_path: '/metrics',
    authorization: { credentials_file: '/run/secrets/metrics_token' },
    static_configs: [{ targets: [`api:${s.api.environment?.PORT}`] }],
  });
  // Every replica of the worker (`--scale worker=3`), at the port of its WORKER_METRICS_ADDRESS.
  expect(job('worker').dns_sd_configs).toEqual([{ names: ['worker'], type: 'A', port: Number(s.worker.environment?.WORKER_METRICS_ADDRESS?.split(':')[1]) }]);
  for (const name of ['prometheus', 'grafana']) expect(Object.keys(compose.volumes)).toContain(name);
});

test("Grafana: its admin password required, its data source the compose Prometheus, its dashboard the repository's, showing every series", () => {
  expect(s.grafana.environment?.GF_SECURITY_ADMIN_PASSWORD).toMatch(new RegExp(`^${required('GRAFANA_ADMIN_PASSWORD').source}$`));
  expect(s.grafana.environment?.GF_AUTH_ANONYMOUS_ENABLED).toBe('false');
  expect(s.grafana.depends_on).toEqual({ prometheus: { condition: 'service_healthy' } });
  for (const m of mounts('grafana')) expect([m.host, fs.existsSync(path.join(root, m.host))]).toEqual([m.host, true]);
  const provisioning = mounts('grafana').find((m) => m.container === '/etc/grafana/provisioning')!.host;
  const datasources = parse(fs.readFileSync(path.join(root, provisioning, 'datasources', 'prometheus.yml'), 'utf8')) as {
    datasources: { uid: string; url: string }[];
  };
  expect(datasources.datasources).toEqual([expect.objectContaining({ uid: 'prometheus', url: 'http://prometheus:9090' })]);
  const providers = parse(fs.readFileSync(path.join(root, provisioning, 'dashboards', 'dashboards.yml'), 'utf8')) as {
    providers: { options: { path: string } }[];
  };
  const dashboards = mounts('grafana').find((m) => m.container === providers.providers[0].options.path)!.host;
  const files = fs.readdirSync(path.join(root, dashboards)).filter((f) => f.endsWith('.json'));
  expect(files.length).toBeGreaterThan(0);
  const exprs: string[] = [];
  for (const file of files) {
    const dashboard = JSON.parse(fs.readFileSync(path.join(root, dashboards, file), 'utf8')) as {
      uid: string;
      panels: { type: string; datasource?: { uid: string }; targets?: { expr: string }[] }[];
    };
    expect(dashboard.uid).toBeTruthy();
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect(panel.datasource?.uid).toBe('prometheus');
      exprs.push(...(panel.targets ?? []).map((t) => t.expr));
    }
  }
  // The API's series (api/metrics.ts) and the worker's SDK ones.
  for (const series of ['pdw_http_request_duration_seconds_bucket', 'pdw_task_decisions_total', 'pdw_tasks_open', 'pdw_tasks_overdue', 'temporal_'])
    expect([series, exprs.some((e) => e.includes(series))]).toEqual([series, true]);
});
