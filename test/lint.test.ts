// The import boundaries of ARCHITECTURE.md, "The layers" hold, and the rules that guard them really bite.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface Message {
  file: string;
  line: number;
  ruleId: string | null;
  message: string;
}

const forbidden: [string, string][] = [
  ['workflows/x.ts', "import pg from 'pg';"],
  ['workflows/x.ts', "import fs from 'node:fs';"],
  ['workflows/x.ts', "import { createActivities } from '../activities';"],
  ['workflows/x.ts', "import { createDb } from '../db';"],
  ['domain/x.ts', "import { Client } from '@temporalio/client';"],
  ['activities/x.ts', "import { buildApp } from '../api/app';"],
  ['api/x.ts', "import { createActivities } from '../activities';"],
  ['api/x.ts', "import { shareRequestWorkflow } from '../workflows/share';"],
  ['db/migrations/2099-01-01-001-x.ts', "import { Db } from '../index';"],
  ['console/src/x.tsx', "import { taskView } from '../../api/views';"],
  ['api/routes/x.ts', "import { sql } from 'kysely';\nexport const q = sql`select 1`;"],
  ['api/routes/x.ts', "import type { Db } from '../../db';\nexport const q = (db: Db) => db.selectFrom('principals').selectAll().execute();"],
  ['api/x.ts', "import type { Db } from '../db';\nexport const q = (db: Db) => db.transaction().execute(async () => 1);"],
  ['config/x.ts', "import { DEFAULT_AGREEMENT_FONT } from '../api/agreement-document';"],
  ['config/x.ts', "import type { Db } from '../db';"],
  ['config/x.ts', "import { createWorker } from '../worker';"],
];
const allowed: [string, string][] = [
  ['workflows/x.ts', "import type { Activities } from '../activities';\nexport type A = Activities;"],
  ['api/x.ts', "import { completeTaskUpdate } from '../workflows/definitions';\nexport const u = completeTaskUpdate;"],
  ['console/src/x.tsx', "import { workdaysBetween } from '../../domain/calendar';\nexport const w = workdaysBetween;"],
  [
    'api/routes/x.ts',
    "import type { Selectable } from 'kysely';\nimport { getPrincipal } from '../../db/repositories/principals';\nexport type S = Selectable<{ a: string }>;\nexport const g = getPrincipal;",
  ],
  [
    'config/x.ts',
    "import { Type } from '@sinclair/typebox';\nimport { DEFAULT_POLICIES } from '../domain/policies';\nimport { waitFor } from './wait';\nexport const p = [Type.String(), DEFAULT_POLICIES, waitFor];",
  ],
];

let result: { project: Message[]; snippets: Message[][] };
beforeAll(() => {
  const snippets = [...forbidden, ...allowed].map(([filePath, code]) => ({ filePath, code: `${code}\nexport const x = 1;\n` }));
  const out = execFileSync(process.execPath, [path.join(__dirname, 'support', 'eslint-run.js')], {
    input: JSON.stringify({ lintProject: true, snippets }),
    encoding: 'utf8',
  });
  result = JSON.parse(out);
}, 120000);

test('the whole project is formatted (npm run format)', () => {
  const prettier = require.resolve('prettier/bin/prettier.cjs');
  expect(() =>
    execFileSync(process.execPath, [prettier, '--list-different', '.'], { cwd: path.join(__dirname, '..'), encoding: 'utf8', stdio: 'pipe' }),
  ).not.toThrow();
}, 120000);

test('the whole project lints clean', () => {
  expect(result.project.map((m) => `${m.file}:${m.line} ${m.ruleId}: ${m.message}`)).toEqual([]);
});

test.each(forbidden.map((f, i) => [...f, i] as const))('%s may not: %s', (_file, _code, i) => {
  expect(result.snippets[i].map((m) => m.ruleId)).toEqual(expect.arrayContaining([expect.stringMatching(/^no-restricted-(imports|syntax)$/)]));
});

test.each(allowed.map((f, i) => [...f, i + forbidden.length] as const))('%s may: %s', (_file, _code, i) => {
  expect(result.snippets[i]).toEqual([]);
});

// Generic code names no procedure: the task engine, the inbox, the decision route, the descriptions and the
// console's generic pages hold no request type or task kind as a string, and import no procedure's own module
// (one that defines a procedure, its API part or its workflow). What they need of one comes from the registry.
const GENERIC = [
  'domain/tasks.ts',
  'domain/requests.ts',
  'domain/procedure.ts',
  'api/procedure.ts',
  'api/routes/tasks.ts',
  'api/routes/describe.ts',
  'api/routes/requests.ts',
  'api/schemas/common.ts',
  'api/schemas/tasks.ts',
  'api/schemas/describe.ts',
  'api/schemas/requests.ts',
  'api/views.ts',
  'api/start-request.ts',
  'api/engine.ts',
  'workflows/acts.ts',
  'workflows/task.ts',
  'workflows/procedure.ts',
  'workflows/board.ts',
  'workflows/deadlines.ts',
  'workflows/review.ts',
  'db/repositories/tasks.ts',
  'db/repositories/requests.ts',
  'activities/tasks.ts',
  'activities/requests.ts',
  'activities/write.ts',
  'console/src/pages/task.tsx',
  'console/src/pages/inbox.tsx',
  'console/src/pages/apply.tsx',
  'console/src/lib.tsx',
  'console/src/i18n.ts',
];

const root = path.join(__dirname, '..');
const procedureNames = (): string[] => {
  const { PROCEDURES } = require('../domain/procedures') as typeof import('../domain/procedures');
  return PROCEDURES.flatMap((p) => [p.type, ...Object.keys(p.taskKinds)]);
};
const isProcedureModule = (source: string) => /defineProcedure\(|: ProcedureApi = |export async function \w+Workflow\(/.test(source);

/** The procedures `source` (at `file`) names: request types and task kinds as strings, and procedure modules it imports. */
function namesProcedure(file: string, source: string): string[] {
  const quoted = procedureNames().filter((n) => new RegExp(`['"\`]${n}['"\`]`).test(source));
  const imported = [...source.matchAll(/from '(\.[^']+)'/g)]
    .map((m) => path.join(path.dirname(path.join(root, file)), m[1]))
    .flatMap((target) => ['.ts', '.tsx', '/index.ts'].map((ext) => target + ext))
    .filter((target) => existsSync(target) && isProcedureModule(readFileSync(target, 'utf8')))
    .map((target) => path.relative(root, target));
  return [...quoted, ...imported];
}

test.each(GENERIC)('%s names no procedure', (file) => {
  expect(namesProcedure(file, readFileSync(path.join(root, file), 'utf8'))).toEqual([]);
});

test('naming a procedure in generic code is caught', () => {
  expect(namesProcedure('api/routes/tasks.ts', "if (row.kind === 'AGREEMENT_SIGNATURE') x();")).toEqual(['AGREEMENT_SIGNATURE']);
  expect(namesProcedure('api/routes/tasks.ts', "const t = { type: 'open_request' };")).toEqual(['open_request']);
  expect(namesProcedure('api/routes/tasks.ts', "import { checkSigning } from './open-request';")).toEqual(['api/routes/open-request.ts']);
  expect(namesProcedure('domain/tasks.ts', "import { OPEN_DEMAND_TASK_KINDS } from './open-demand';")).toEqual(['domain/open-demand.ts']);
  expect(namesProcedure('workflows/board.ts', "import type { ShareCarried } from './share';")).toEqual(['workflows/share.ts']);
});

// No import circle (type imports included) anywhere in the server's code: each layer's modules form a tree, so a
// module can be read, tested and replaced on its own (domain/ once had an 8-file circle, workflows/ a 6-file one).
type Graph = Record<string, string[]>;

/** The project's import graph: each server module to the project modules it imports (relative imports, `import type` too). */
function importGraph(): Graph {
  const files = execFileSync('git', ['ls-files', '*.ts'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && !/^(test|console|scripts)\//.test(f));
  const graph: Graph = {};
  for (const f of files) {
    const source = readFileSync(path.join(root, f), 'utf8');
    graph[f] = [...source.matchAll(/(?:import|export)[^'";]*?from '(\.[^']+)'/g)].flatMap((m) => {
      const base = path.normalize(path.join(path.dirname(f), m[1]));
      const target = [`${base}.ts`, `${base}/index.ts`].find((c) => existsSync(path.join(root, c)));
      return target ? [target] : [];
    });
  }
  return graph;
}

/** The circles of `graph`: its strongly connected components of more than one module (Tarjan). */
function importCycles(graph: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of graph[v] ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do component.push((w = stack.pop()!));
      while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of Object.keys(graph)) if (!index.has(v)) visit(v);
  return cycles;
}

test('no module imports itself through others', () => {
  expect(importCycles(importGraph())).toEqual([]);
});

test('an import circle is caught', () => {
  // The messages importing a workflow body for its carried state, as they once did.
  const graph = importGraph();
  graph['workflows/definitions.ts'] = [...graph['workflows/definitions.ts'], 'workflows/share.ts'];
  expect(importCycles(graph)).toEqual([expect.arrayContaining(['workflows/definitions.ts', 'workflows/share.ts'])]);
});

test("the README's screenshots are there, each taken by a browser test, and none is left that it does not show", () => {
  const root = path.join(__dirname, '..');
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const shown = [...readme.matchAll(/\(docs\/screenshots\/([\w-]+)\.png\)/g)].map((m) => m[1]);
  expect(shown.length).toBeGreaterThanOrEqual(6);
  const tests = ['console', 'console-adjustment', 'console-dashboard', 'console-journeys', 'console-language', 'console-layout']
    .map((f) => path.join(__dirname, `${f}.test.ts`))
    .filter(existsSync)
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  for (const name of shown) {
    expect([name, existsSync(path.join(root, 'docs', 'screenshots', `${name}.png`))]).toEqual([name, true]);
    expect([name, tests.includes(`'${name}')`)]).toEqual([name, true]);
  }
  const kept = readdirSync(path.join(root, 'docs', 'screenshots')).map((f) => f.replace(/\.png$/, ''));
  expect(kept.sort()).toEqual([...new Set(shown)].sort());
});
