// The procedure registry holds together: every procedure is whole in each layer, and nothing names what it does not define.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PROCEDURES, REQUEST_TYPES, TASK_KINDS } from '../domain/procedures';
import type { TaskKindRule } from '../domain/procedure';
import { PROCEDURE_APIS } from '../api/procedures';
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
