// The procedure registry holds together: every procedure is whole in each layer, and nothing names what it does not define.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PROCEDURES, REQUEST_TYPES, TASK_KINDS } from '../domain/procedures';
import type { TaskKindRule } from '../domain/procedure';
import { PROCEDURE_APIS } from '../api/procedures';
import { buildApp } from '../api/app';
import { formFields, startBodyOf } from '../api/routes/describe';
import type { ApiDeps } from '../api/types';
import { DEFAULT_POLICIES } from '../domain/policies';
import * as workflows from '../workflows';

test('task kinds are unique across procedures, each with its name, article and labelled decisions', () => {
  const kinds = PROCEDURES.flatMap((p) => Object.keys(p.taskKinds));
  expect(new Set(kinds).size).toBe(kinds.length);
  expect(Object.keys(TASK_KINDS).sort()).toEqual([...kinds].sort());
  for (const p of PROCEDURES) {
    expect(p.name).toMatch(/\p{Script=Han}/u);
    for (const [kind, rule] of Object.entries(p.taskKinds as Record<string, TaskKindRule>)) {
      expect([kind, rule.name]).toEqual([kind, expect.stringMatching(/\p{Script=Han}/u)]);
      expect(rule.article).toMatch(/^Art\. \d+$/);
      expect(Object.keys(rule.decisions).length).toBeGreaterThan(0);
      for (const [decision, d] of Object.entries(rule.decisions))
        expect([kind, decision, d.label]).toEqual([kind, decision, expect.stringMatching(/\p{Script=Han}/u)]);
    }
  }
});

test('request types are unique, each run by a workflow the worker registers', () => {
  expect(new Set(REQUEST_TYPES).size).toBe(REQUEST_TYPES.length);
  for (const p of PROCEDURES) expect([p.type, typeof (workflows as Record<string, unknown>)[p.workflowType]]).toEqual([p.type, 'function']);
});

test('each procedure has its own two-letter case code (受理编号)', () => {
  const codes = PROCEDURES.map((p) => p.caseCode);
  for (const c of codes) expect(c).toMatch(/^[A-Z]{2}$/);
  expect(new Set(codes).size).toBe(codes.length);
});

test("the API's part of each procedure names only its own task kinds and their decisions", () => {
  expect(Object.keys(PROCEDURE_APIS).sort()).toEqual([...REQUEST_TYPES].sort());
  for (const p of PROCEDURES)
    for (const [kind, decisions] of Object.entries(PROCEDURE_APIS[p.type].decisions ?? {}))
      for (const decision of Object.keys(decisions ?? {}))
        expect([p.type, kind, decision in ((p.taskKinds as Record<string, TaskKindRule>)[kind]?.decisions ?? {})]).toEqual([p.type, kind, true]);
});

test('each procedure lives under one stem (its request type, dashed) in every layer', async () => {
  for (const p of PROCEDURES) {
    const stem = p.type.replace(/_/g, '-');
    const domain = (await import(`../domain/${stem}`)) as Record<string, unknown>;
    expect([stem, Object.values(domain).includes(p)]).toEqual([stem, true]);
    const workflow = (await import(`../workflows/${stem}`)) as Record<string, unknown>;
    expect([stem, typeof workflow[p.workflowType]]).toEqual([stem, 'function']);
    expect([stem, existsSync(path.join(__dirname, `../api/schemas/${stem}.ts`))]).toEqual([stem, true]);
    const routes = (await import(`../api/routes/${stem}`)) as Record<string, unknown>;
    expect([stem, Object.values(routes).includes(PROCEDURE_APIS[p.type])]).toEqual([stem, true]);
  }
});

// Everything a person reads of a procedure's forms is in its definition: each field of its start route's body
// (as GET /request-types publishes it) and of its decisions' forms has a Chinese label, each code of an
// enumerated field one too, and no label names a field none of its forms has.
test("every field of each procedure's forms, and every code of an enumerated one, has its Chinese label in the registry", async () => {
  const app = await buildApp({ db: {}, temporal: {}, taskQueue: 'none', jwtSecret: 'x'.repeat(32), policies: DEFAULT_POLICIES } as unknown as ApiDeps);
  await app.ready();
  const doc = app.swagger();
  await app.close();
  const chinese = expect.stringMatching(/\p{Script=Han}/u);
  for (const p of PROCEDURES) {
    const forms = [
      startBodyOf(doc, p.startRoute),
      ...Object.values(PROCEDURE_APIS[p.type].decisions ?? {}).flatMap((decisions) => Object.values(decisions ?? {}).map((d) => d.form)),
    ].filter(Boolean);
    expect([p.type, forms.length > 0]).toEqual([p.type, true]);
    const fields = new Map<string, Set<string>>();
    for (const form of forms) for (const [path, codes] of formFields(form)) fields.set(path, new Set([...(fields.get(path) ?? []), ...codes]));
    for (const [path, codes] of fields) {
      expect([p.type, path, p.fields[path]?.label]).toEqual([p.type, path, chinese]);
      for (const code of codes) expect([p.type, path, code, p.values[path]?.[code]]).toEqual([p.type, path, code, chinese]);
    }
    const stray = [...Object.keys(p.fields), ...Object.keys(p.values)].filter((path) => !fields.has(path));
    expect([p.type, stray]).toEqual([p.type, []]);
  }
});
