// The import boundaries of DESIGN §3 hold, and the rules that guard them really bite.
import { execFileSync } from 'node:child_process';
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
  ['api/x.ts', "import { shareRequestWorkflow } from '../workflows/share-request';"],
  ['db/migrations/2099-01-01-001-x.ts', "import { Db } from '../index';"],
  ['console/src/x.tsx', "import { taskView } from '../../api/views';"],
];
const allowed: [string, string][] = [
  ['workflows/x.ts', "import type { Activities } from '../activities';\nexport type A = Activities;"],
  ['api/x.ts', "import { completeTaskUpdate } from '../workflows/definitions';\nexport const u = completeTaskUpdate;"],
  ['console/src/x.tsx', "import { workdaysBetween } from '../../domain/calendar';\nexport const w = workdaysBetween;"],
];

let result: { project: Message[]; snippets: Message[][] };
beforeAll(() => {
  const snippets = [...forbidden, ...allowed].map(([filePath, code]) => ({ filePath, code: `${code}\nexport const x = 1;\n` }));
  const out = execFileSync(process.execPath, [path.join(__dirname, 'support', 'eslint-run.js')], { input: JSON.stringify({ lintProject: true, snippets }), encoding: 'utf8' });
  result = JSON.parse(out);
}, 120000);

test('the whole project lints clean', () => {
  expect(result.project.map((m) => `${m.file}:${m.line} ${m.ruleId}: ${m.message}`)).toEqual([]);
});

test.each(forbidden.map((f, i) => [...f, i] as const))('%s may not: %s', (_file, _code, i) => {
  expect(result.snippets[i].map((m) => m.ruleId)).toContain('no-restricted-imports');
});

test.each(allowed.map((f, i) => [...f, i + forbidden.length] as const))('%s may: %s', (_file, _code, i) => {
  expect(result.snippets[i]).toEqual([]);
});
