// A deployment never runs on development credentials: the API's own entry point, started as a deployment
// (no PDW_MODE) with a secret missing or development-valued, refuses before it connects to anything, naming it;
// with the deployment's own secrets it starts with no /dev/* route. `npm run secrets` makes those secrets.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { DEV_PRINCIPAL_KEYS, DEV_PRINCIPAL_LOOKUP_KEY } from '../config/principal-keys';
import { DEV_JWT_SECRET, loadConfig, loadSecrets } from '../config';
import { freePort } from '../scripts/temporal-dev-server';
import { devToken } from '../scripts/tokens';

const root = path.join(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pdw-deployment-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** `npm run secrets` into a file; what it wrote, as the entry points read it. */
function generate(file: string): Record<string, string> {
  execFileSync(process.execPath, [path.join(root, 'scripts', 'secrets.js'), file]);
  return parseEnv(fs.readFileSync(file, 'utf8')) as Record<string, string>;
}

const SECRETS = ['JWT_SECRET', 'PRINCIPAL_KEYS', 'PRINCIPAL_LOOKUP_KEY'] as const;
const DEVELOPMENT_VALUES = { JWT_SECRET: DEV_JWT_SECRET, PRINCIPAL_KEYS: DEV_PRINCIPAL_KEYS, PRINCIPAL_LOOKUP_KEY: DEV_PRINCIPAL_LOOKUP_KEY };

test('npm run secrets fills the empty lines of .env with secrets a deployment accepts, and never replaces one', () => {
  const file = path.join(tmp, 'first.env');
  fs.writeFileSync(file, fs.readFileSync(path.join(root, '.env.example')));
  const first = generate(file);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  for (const name of [...SECRETS, 'POSTGRES_PASSWORD']) expect(first[name]).toMatch(/.{32}/);
  expect(loadSecrets({ ...first })).toMatchObject({ jwtSecret: first.JWT_SECRET });
  // And the token Prometheus reads /metrics with, which the configuration accepts.
  expect(loadConfig({ ...first }).metricsToken).toBe(first.METRICS_TOKEN);
  // Once there, a secret stays: a new PRINCIPAL_KEYS would orphan every number sealed under the old one.
  expect(generate(file)).toEqual(first);
  // Two runs give two deployments different secrets.
  const other = generate(path.join(tmp, 'second.env'));
  for (const name of SECRETS) expect(other[name]).not.toBe(first[name]);
});

/** A port that records whether anything connected to it: PostgreSQL or Temporal as far as the API can tell. */
async function listener(): Promise<{ address: string; connections: () => number; close: () => void }> {
  let n = 0;
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => (n++, sockets.push(s)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    connections: () => n,
    close: () => (sockets.forEach((s) => s.destroy()), server.close()),
  };
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * `npm run api`'s entry point with `vars`; every variable it reads is set, so a developer's .env changes nothing
 * (an empty value reads as unset).
 */
function api(vars: Record<string, string>): Started {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PDW_MODE: '',
    JWT_SECRET: '',
    PRINCIPAL_KEYS: '',
    PRINCIPAL_LOOKUP_KEY: '',
    OIDC_ISSUER: '',
    LOG_LEVEL: 'info',
    ...vars,
  };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, ['scripts/run.js', 'api/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

describe('started as a deployment, the API refuses a missing or development secret before it connects to anything', () => {
  const own = generate(path.join(tmp, 'refusals.env'));
  const cases = SECRETS.flatMap((name) => [
    [`${name} unset`, { [name]: '' }, [`${name} is not set`]],
    [`${name} its development value`, { [name]: DEVELOPMENT_VALUES[name] }, [`${name} is a development value`]],
  ]) as [string, Record<string, string>, string[]][];
  cases.push([
    'every one a change-me placeholder',
    { JWT_SECRET: 'change-me', PRINCIPAL_KEYS: 'v1:change-me', PRINCIPAL_LOOKUP_KEY: 'change-me' },
    SECRETS.map((n) => `${n} is a placeholder`),
  ]);

  test.each(cases)(
    '%s',
    async (_case, vars, named) => {
      const [db, temporal] = [await listener(), await listener()];
      try {
        const started = api({
          JWT_SECRET: own.JWT_SECRET,
          PRINCIPAL_KEYS: own.PRINCIPAL_KEYS,
          PRINCIPAL_LOOKUP_KEY: own.PRINCIPAL_LOOKUP_KEY,
          DATABASE_URL: `postgres://pdw@${db.address}/pdw`,
          TEMPORAL_ADDRESS: temporal.address,
          PORT: '0',
          ...vars,
        });
        expect(await started.exited).toBe(1);
        expect(started.output()).toMatch(/^configuration error: outside development mode/m);
        for (const text of named) expect(started.output()).toContain(text);
        // Only what is wrong is named.
        expect(started.output().match(/[A-Z_]+ is (not set|a placeholder|a development value)/g)).toHaveLength(named.length);
        expect([db.connections(), temporal.connections()]).toEqual([0, 0]);
      } finally {
        db.close();
        temporal.close();
      }
    },
    60_000,
  );
});

async function untilHealthy(started: Started, url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (
    (await fetch(`${url}/health`).then(
      (r) => r.status,
      () => 0,
    )) !== 200
  ) {
    if (started.child.exitCode !== null) throw new Error(`the API exited with ${started.child.exitCode}:\n${started.output()}`);
    if (Date.now() > deadline) throw new Error(`no /health within 60 s:\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function stop(started: Started): Promise<void> {
  if (started.child.exitCode === null) started.child.kill('SIGTERM');
  await started.exited;
}

const deps = () => ({ DATABASE_URL: process.env.TEST_DATABASE_URL!, TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS! });
const citizen = { sub: 'deployment-citizen', org: null, roles: ['public_applicant' as const] };

test("with the deployment's own secrets the API starts, verifies its tokens only, and has no /dev/* route", async () => {
  const own = generate(path.join(tmp, 'starts.env'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = api({
    ...deps(),
    JWT_SECRET: own.JWT_SECRET,
    PRINCIPAL_KEYS: own.PRINCIPAL_KEYS,
    PRINCIPAL_LOOKUP_KEY: own.PRINCIPAL_LOOKUP_KEY,
    PORT: String(port),
  });
  try {
    await untilHealthy(started, url);
    for (const [method, route] of [
      ['GET', '/dev/users'],
      ['POST', '/dev/token'],
    ]) {
      const res = await fetch(`${url}${route}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: '{"sub":"admin"}' } : {}),
      });
      expect(`${method} ${route} ${res.status}`).toBe(`${method} ${route} 404`);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    // The console is told so too: no development sign-in offered.
    expect(await fetch(`${url}/sign-in`).then((r) => r.json())).toEqual({ staff: null, development: false });
    const me = (secret: string) => fetch(`${url}/me`, { headers: { authorization: `Bearer ${devToken(secret, citizen)}` } }).then((r) => r.status);
    expect(await me(own.JWT_SECRET)).toBe(200);
    expect(await me(DEV_JWT_SECRET)).toBe(401);
    expect(started.output()).not.toContain('development mode');
  } finally {
    await stop(started);
  }
}, 90_000);

test('in development mode (PDW_MODE=development) unset secrets are the development ones and /dev/token signs one in', async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = api({ ...deps(), PDW_MODE: 'development', PORT: String(port) });
  try {
    await untilHealthy(started, url);
    const signedIn = await fetch(`${url}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sub":"chen.citizen"}' });
    expect(signedIn.status).toBe(200);
    const { token } = (await signedIn.json()) as { token: string };
    expect((await fetch(`${url}/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${url}/me`, { headers: { authorization: `Bearer ${devToken(DEV_JWT_SECRET, citizen)}` } })).status).toBe(200);
    // Said where an operator looks, should the switch ever reach a deployment.
    expect(started.output()).toContain('development mode (PDW_MODE=development)');
  } finally {
    await stop(started);
  }
}, 90_000);
