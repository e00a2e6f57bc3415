// What the API says of its procedures and the Measures: the schemas of its descriptions (routes/describe.ts).
import { Type } from '@sinclair/typebox';
import { Nullable } from './common';

const Schema = Type.Unknown({ description: 'A JSON Schema' });
const FieldLabelsSchema = Type.Record(Type.String(), Type.Object({ label: Type.String(), help: Type.Optional(Type.String()) }), {
  description:
    "Each field's label and help (Chinese), by its path from its form's root, dotted, list indices left out (changes.entry.share.attribute): a request type's for its body and its decisions' forms, a decision's for its form",
});
const ValueLabelsSchema = Type.Record(Type.String(), Type.Record(Type.String(), Type.String()), {
  description: 'For each enumerated field, by its path, the label of each code (Chinese)',
});
export const TaskKindsSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      kind: Type.String(),
      name: Type.String({ description: 'What a person reads (Chinese)' }),
      requestType: Type.String({ description: 'The request type whose procedure the task belongs to' }),
      article: Type.String(),
      decisions: Type.Array(
        Type.Object({
          decision: Type.String(),
          label: Type.String({ description: 'What a person reads (Chinese)' }),
          reasonRequired: Type.Boolean(),
          form: Nullable(Schema),
          fields: FieldLabelsSchema,
          values: ValueLabelsSchema,
        }),
      ),
    }),
  ),
});
export const RequestTypesSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      type: Type.String(),
      name: Type.String({ description: 'What a person reads (Chinese)' }),
      statusNames: Type.Record(Type.String(), Type.String(), {
        description: "Request statuses in this procedure's own words (Chinese), where they differ from the shared ones",
      }),
      startedBy: Type.Array(Type.String(), { description: 'The roles that may start one' }),
      start: Type.Object({ method: Type.Literal('POST'), path: Type.String() }),
      body: Schema,
      articles: Type.Record(Type.String(), Type.String()),
      fields: FieldLabelsSchema,
      values: ValueLabelsSchema,
    }),
  ),
});

export const ArticleSchema = Type.Object({
  article: Type.String({ description: 'As cited: Art. N' }),
  number: Type.Integer(),
  chapter: Type.String(),
  text: Type.String(),
});

const Day = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'A calendar day, YYYY-MM-DD (Asia/Shanghai)' });
export const CalendarQuery = Type.Object({ from: Day, to: Day }, { additionalProperties: false });
export const CalendarSchema = Type.Object({
  from: Type.String(),
  to: Type.String(),
  workdays: Type.Array(Type.String()),
  known: Type.Boolean({ description: 'false: some day lies outside the years the calendar knows, and no override covers it' }),
});
