// What the API says of its procedures, so that a client (the console) knows none of them by heart: each task
// kind (its decisions, which need a reason, the form a decision takes and its fields' labels, the article it
// rests on) and each request type (the route that starts one, the body it takes, the article each field rests
// on, the labels of its fields and of their codes); and the text of each article of the Measures, which every
// task, refusal and audit event cites.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { addDays, isCalendarDay } from '../../domain/calendar';
import { readCalendarOverrides, statutoryCalendar } from '../../db/repositories/calendar';
import { MEASURES_ARTICLES, MEASURES_TITLE } from '../../domain/measures';
import type { FieldLabels, TaskKindRule, ValueLabels } from '../../domain/procedure';
import { PROCEDURES } from '../../domain/procedures';
import { decisionApi } from '../procedures';
import { invalid, problem } from '../problem';
import { ArticleSchema, CalendarQuery, CalendarSchema, RequestTypesSchema, TaskKindsSchema } from '../schemas/describe';
import type { ApiDeps } from '../types';

interface OpenApi {
  paths: Record<string, { post?: { requestBody?: { content?: Record<string, { schema?: unknown }> } } }>;
}

/** The JSON Schema of the body the route at `path` takes (POST), as the API's OpenAPI document `doc` declares it. */
export const startBodyOf = (doc: unknown, path: string): unknown =>
  (doc as OpenApi).paths[path]?.post?.requestBody?.content?.['application/json']?.schema ?? null;

interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
}

/**
 * Every field of a form's JSON Schema by its path (dotted, list indices left out, as the registry's labels are
 * keyed), each with the codes it takes when it is enumerated (an enum, literals, a union of them), else none.
 */
export function formFields(schema: unknown): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const walk = (s: JsonSchema | undefined, path: string) => {
    if (!s || typeof s !== 'object') return;
    if (path) {
      const codes = out.get(path) ?? new Set<string>();
      out.set(path, codes);
      for (const v of [...(s.enum ?? []), ...('const' in s ? [s.const] : [])]) if (typeof v === 'string') codes.add(v);
    }
    for (const [k, p] of Object.entries(s.properties ?? {})) walk(p, path ? `${path}.${k}` : k);
    for (const alt of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? []), ...(s.items ? [s.items] : [])]) walk(alt, path);
  };
  walk(schema as JsonSchema, '');
  return out;
}

/** The labels of the fields `form` holds, and of their codes, out of its procedure's. */
function formLabels(form: unknown, fields: FieldLabels, values: ValueLabels): { fields: FieldLabels; values: ValueLabels } {
  const paths = [...formFields(form).keys()];
  const pick = <T>(labels: Readonly<Record<string, T>>) => Object.fromEntries(paths.filter((p) => Object.hasOwn(labels, p)).map((p) => [p, labels[p]]));
  return { fields: pick(fields), values: pick(values) };
}

/** `articles`: each POST route's field → article map, as the routes declare it (collected when they were added). */
export const describeRoutes: FastifyPluginAsyncTypebox<ApiDeps & { articles: Map<string, Record<string, string>> }> = async (app, { articles, ...deps }) => {
  app.get(
    '/task-kinds',
    {
      schema: {
        tags: ['describe'],
        summary: "Every task kind: its decisions, which need a reason, the form each takes and its fields' labels, the article",
        response: { 200: TaskKindsSchema },
      },
    },
    async () => ({
      items: PROCEDURES.flatMap((p) =>
        Object.entries(p.taskKinds as Record<string, TaskKindRule>).map(([kind, rule]) => ({
          kind,
          name: rule.name,
          requestType: p.type,
          article: rule.article,
          decisions: Object.entries(rule.decisions).map(([decision, d]) => {
            const form = decisionApi(kind, decision)?.form ?? null;
            return { decision, label: d.label, reasonRequired: d.reasonRequired, form, ...formLabels(form, p.fields, p.values) };
          }),
        })),
      ),
    }),
  );

  app.get(
    '/calendar',
    {
      schema: {
        tags: ['describe'],
        summary:
          'The working days from one day to another (at most 400 days) on the statutory calendar with its overrides, for showing due times in working days',
        querystring: CalendarQuery,
        response: { 200: CalendarSchema },
      },
    },
    async (request) => {
      const { from, to } = request.query;
      for (const [field, day] of [
        ['from', from],
        ['to', to],
      ] as const)
        if (!isCalendarDay(day))
          throw invalid([{ code: 'InvalidInput', field, rule: 'a real day', detail: `${day} is no day of the calendar` }], 'querystring');
      const span = (Date.parse(to) - Date.parse(from)) / 86_400_000;
      if (span < 0 || span > 400)
        throw invalid(
          [{ code: 'InvalidInput', field: 'to', rule: 'from ≤ to ≤ from + 400 days', detail: `From ${from} to ${to} is ${span} days; ask for 0 to 400` }],
          'querystring',
        );
      let known = true;
      const isWorkday = statutoryCalendar(await readCalendarOverrides(deps.db), () => (known = false));
      const workdays: string[] = [];
      for (let d = from; d <= to; d = addDays(d, 1)) if (isWorkday(d)) workdays.push(d);
      return { from, to, workdays, known };
    },
  );

  app.get(
    '/articles',
    {
      schema: {
        tags: ['describe'],
        summary: `The articles of the Measures (${MEASURES_TITLE}), in order`,
        response: { 200: Type.Object({ title: Type.String(), items: Type.Array(ArticleSchema) }) },
      },
    },
    async () => ({ title: MEASURES_TITLE, items: [...MEASURES_ARTICLES] }),
  );

  app.get(
    '/articles/:number',
    {
      schema: {
        tags: ['describe'],
        summary: 'One article of the Measures, as cited by Art. N',
        params: Type.Object({ number: Type.Integer({ minimum: 1, maximum: 1000 }) }),
        response: { 200: ArticleSchema },
      },
    },
    async (request) => {
      const found = MEASURES_ARTICLES.find((a) => a.number === request.params.number);
      if (!found)
        throw problem(
          'RequestNotFound',
          `The Measures as held here have no article ${request.params.number} (the copy ends in Art. ${MEASURES_ARTICLES.length})`,
        );
      return found;
    },
  );

  app.get(
    '/request-types',
    {
      schema: {
        tags: ['describe'],
        summary: 'Every request type: the route that starts it, the body it takes, the article each field rests on, the labels of its fields and their codes',
        response: { 200: RequestTypesSchema },
      },
    },
    async (request) => {
      const doc = request.server.swagger();
      return {
        items: PROCEDURES.map((p) => {
          const path = p.startRoute;
          return {
            type: p.type,
            name: p.name,
            statusNames: { ...('statusNames' in p ? p.statusNames : {}) },
            startedBy: [...p.startedBy],
            start: { method: 'POST' as const, path },
            body: startBodyOf(doc, path),
            articles: articles.get(path) ?? {},
            fields: p.fields,
            values: p.values,
          };
        }),
      };
    },
  );
};
