// What the API says of its procedures, so that a client (the console) knows none of them by heart: each task
// kind (its decisions, which need a reason, the form a decision takes, the article it rests on) and each
// request type (the route that starts one, the body it takes, the article each field rests on); and the text
// of each article of the Measures, which every task, refusal and audit event cites.
import { Type, type TSchema } from '@sinclair/typebox';
import { addDays, isCalendarDay } from '../../domain/calendar';
import { readCalendarOverrides, statutoryCalendar } from '../../db/repositories/calendar';
import { MEASURES_ARTICLES, MEASURES_TITLE } from '../../domain/measures';
import { REQUEST_TYPES, STARTED_BY, type RequestType } from '../../domain/requests';
import { REQUEST_TYPE_OF_KIND, TASK_KINDS, type TaskKind, type TaskKindRule } from '../../domain/tasks';
import { UPHOLD_SCOPES } from '../../domain/withdrawal';
import { invalid, problem } from '../problem';
import { AdjustmentFormSchema, Nullable, ObjectionFormSchema, SharePositionSchema } from '../schemas';
import type { ApiDeps, App } from '../types';

const SignatureForm = Type.Object({ sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: "The SHA-256 of the agreement's text as read (GET /agreements/:id)" }) });

/** The form a decision takes, where it takes one (the API and the workflow check it against the same rules). */
const DECISION_FORMS: Record<string, Record<string, TSchema>> = {
  CATALOG_ADJUSTMENT_CITY_REVIEW: { OBJECT: ObjectionFormSchema },
  CATALOG_ADJUSTMENT_REVISION: { RESUBMIT: AdjustmentFormSchema },
  DISPUTE_CONSULTATION: { COUNTER: SharePositionSchema },
  DISPUTE_DECISION: { DECIDE: SharePositionSchema },
  WITHDRAWAL_REVIEW: { UPHOLD: Type.Object({ scope: Type.Union(UPHOLD_SCOPES.map((s) => Type.Literal(s))) }) },
  OPEN_REQUEST_REVIEW: { APPROVE: Type.Object({ conditions: Type.Optional(Type.String({ maxLength: 4000, description: 'Conditions the agency adds to the agreement' })) }) },
  AGREEMENT_SIGNATURE: { SIGN: SignatureForm },
  AGREEMENT_COUNTERSIGNATURE: { SIGN: SignatureForm },
};

/** The route that starts each request type. */
export const START_ROUTES: Record<RequestType, string> = {
  share: '/share-requests',
  catalog_adjustment: '/catalog/adjustments',
  share_dispute: '/disputes',
  open_demand: '/open-demands',
  withdrawal: '/withdrawals',
  open_request: '/open-requests',
};

const Schema = Type.Unknown({ description: 'A JSON Schema' });
const TaskKindsSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      kind: Type.String(),
      requestType: Type.String({ description: 'The request type whose procedure the task belongs to' }),
      article: Type.String(),
      decisions: Type.Array(Type.Object({ decision: Type.String(), reasonRequired: Type.Boolean(), form: Nullable(Schema) })),
    }),
  ),
});
const RequestTypesSchema = Type.Object({
  items: Type.Array(Type.Object({ type: Type.String(), startedBy: Type.Array(Type.String(), { description: 'The roles that may start one' }), start: Type.Object({ method: Type.Literal('POST'), path: Type.String() }), body: Schema, articles: Type.Record(Type.String(), Type.String()) })),
});

const ArticleSchema = Type.Object({ article: Type.String({ description: 'As cited: Art. N' }), number: Type.Integer(), chapter: Type.String(), text: Type.String() });

interface OpenApi {
  paths: Record<string, { post?: { requestBody?: { content?: Record<string, { schema?: unknown }> } } }>;
}

/** `articles`: each POST route's field → article map, as the routes declare it (collected when they were added). */
export function describeRoutes(app: App, deps: ApiDeps, articles: Map<string, Record<string, string>>): void {
  app.get('/task-kinds', { schema: { tags: ['describe'], summary: 'Every task kind: its decisions, which need a reason, the form each takes, the article', response: { 200: TaskKindsSchema } } }, async () => ({
    items: Object.entries(TASK_KINDS as Record<string, TaskKindRule>).map(([kind, rule]) => ({
      kind,
      requestType: REQUEST_TYPE_OF_KIND[kind as TaskKind],
      article: rule.article,
      decisions: Object.entries(rule.decisions).map(([decision, d]) => ({ decision, reasonRequired: d.reasonRequired, form: DECISION_FORMS[kind]?.[decision] ?? null })),
    })),
  }));

  const Day = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'A calendar day, YYYY-MM-DD (Asia/Shanghai)' });
  app.get(
    '/calendar',
    {
      schema: {
        tags: ['describe'],
        summary: 'The working days from one day to another (at most 400 days) on the statutory calendar with its overrides, for showing due times in working days',
        querystring: Type.Object({ from: Day, to: Day }, { additionalProperties: false }),
        response: { 200: Type.Object({ from: Type.String(), to: Type.String(), workdays: Type.Array(Type.String()), known: Type.Boolean({ description: 'false: some day lies outside the years the calendar knows, and no override covers it' }) }) },
      },
    },
    async (request) => {
      const { from, to } = request.query;
      for (const [field, day] of [['from', from], ['to', to]] as const)
        if (!isCalendarDay(day)) throw invalid([{ code: 'InvalidInput', field, rule: 'a real day', detail: `${day} is no day of the calendar` }], 'querystring');
      const span = (Date.parse(to) - Date.parse(from)) / 86_400_000;
      if (span < 0 || span > 400) throw invalid([{ code: 'InvalidInput', field: 'to', rule: 'from ≤ to ≤ from + 400 days', detail: `From ${from} to ${to} is ${span} days; ask for 0 to 400` }], 'querystring');
      let known = true;
      const isWorkday = statutoryCalendar(await readCalendarOverrides(deps.db), () => (known = false));
      const workdays: string[] = [];
      for (let d = from; d <= to; d = addDays(d, 1)) if (isWorkday(d)) workdays.push(d);
      return { from, to, workdays, known };
    },
  );

  app.get(
    '/articles',
    { schema: { tags: ['describe'], summary: `The articles of the Measures (${MEASURES_TITLE}), in order`, response: { 200: Type.Object({ title: Type.String(), items: Type.Array(ArticleSchema) }) } } },
    async () => ({ title: MEASURES_TITLE, items: [...MEASURES_ARTICLES] }),
  );

  app.get(
    '/articles/:number',
    { schema: { tags: ['describe'], summary: 'One article of the Measures, as cited by Art. N', params: Type.Object({ number: Type.Integer({ minimum: 1, maximum: 1000 }) }), response: { 200: ArticleSchema } } },
    async (request) => {
      const found = MEASURES_ARTICLES.find((a) => a.number === request.params.number);
      if (!found) throw problem('RequestNotFound', `The Measures as held here have no article ${request.params.number} (the copy ends in Art. ${MEASURES_ARTICLES.length})`);
      return found;
    },
  );

  app.get(
    '/request-types',
    { schema: { tags: ['describe'], summary: 'Every request type: the route that starts it, the body it takes, the article each field rests on', response: { 200: RequestTypesSchema } } },
    async (request) => {
      const doc = request.server.swagger() as unknown as OpenApi;
      return {
        items: REQUEST_TYPES.map((type) => {
          const path = START_ROUTES[type];
          return { type, startedBy: [...STARTED_BY[type]], start: { method: 'POST' as const, path }, body: doc.paths[path]?.post?.requestBody?.content?.['application/json']?.schema ?? null, articles: articles.get(path) ?? {} };
        }),
      };
    },
  );
}
