// npm run secrets [-- <file> | -]: a deployment's secrets, generated with node:crypto, written into .env at the
// top of the repository (or <file>) in place of empty ones, appended when absent; a value already there is kept,
// so a second run changes nothing (a new PRINCIPAL_KEYS would orphan every number sealed under the old one).
// `-` prints them instead, for a secret store. Plain Node and no packages, so a host that only runs
// `docker compose` can run it before any install.
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const SECRETS = {
  JWT_SECRET: () => randomBytes(48).toString('base64url'),
  PRINCIPAL_KEYS: () => `v1:${randomBytes(32).toString('base64')}`,
  PRINCIPAL_LOOKUP_KEY: () => randomBytes(32).toString('base64'),
  // The token Prometheus reads the API's /metrics with (docker-compose.yml hands it to both).
  METRICS_TOKEN: () => randomBytes(32).toString('base64url'),
  // Grafana's admin in docker-compose.yml (only there).
  GRAFANA_ADMIN_PASSWORD: () => randomBytes(18).toString('base64url'),
  // Only docker-compose.yml reads it (hex: it sits in DATABASE_URL).
  POSTGRES_PASSWORD: () => randomBytes(24).toString('hex'),
};

const target = process.argv[2] ?? path.join(__dirname, '..', '.env');
if (target === '-') {
  for (const [name, generate] of Object.entries(SECRETS)) console.log(`${name}=${generate()}`);
  process.exit(0);
}

const lines = fs.existsSync(target) ? fs.readFileSync(target, 'utf8').split('\n') : [];
if (lines.at(-1) === '') lines.pop();
const generated = [];
const kept = [];
for (const [name, generate] of Object.entries(SECRETS)) {
  const at = lines.findIndex((l) => l.startsWith(`${name}=`));
  if (at >= 0 && !['', '""', "''"].includes(lines[at].slice(name.length + 1).trim())) {
    kept.push(name);
    continue;
  }
  const line = `${name}=${generate()}`;
  if (at >= 0) lines[at] = line;
  else lines.push(line);
  generated.push(name);
}
fs.writeFileSync(target, `${lines.join('\n')}\n`, { mode: 0o600 });
// Secrets are for the owner's eyes only, also in a .env that existed before.
fs.chmodSync(target, 0o600);
console.log(
  `${target}: ${generated.length ? `generated ${generated.join(', ')}` : 'generated nothing'}${kept.length ? `; kept ${kept.join(', ')} as set` : ''}`,
);
