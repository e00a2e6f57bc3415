// Schema validation: bodies are JSON and taken as typed (no coercion: `1` is no `true`, `12345` no
// text); query strings, path parameters and headers arrive as text and are coerced to their types.
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';

function ajv(coerceTypes: boolean) {
  // discriminator: a union tagged by a property (e.g. a change's op) reports the errors of its own branch only.
  const instance = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: true, strict: false, discriminator: true });
  addFormats(instance);
  // A date-time the JavaScript Date cannot represent (a leap second, year 275760+) is no date-time here.
  instance.addFormat('date-time', {
    type: 'string',
    validate: (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(s) && isRealInstant(s),
  });
  return instance;
}

/** An ISO instant whose fields are all in range (Date.parse rolls 2024-13-45 over or refuses it). */
export function isRealInstant(s: string): boolean {
  const t = Date.parse(s);
  if (Number.isNaN(t)) return false;
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)/.exec(s);
  if (!m) return false;
  const [, y, mo, d, h, mi, se] = m.map(Number);
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return mo >= 1 && mo <= 12 && d >= 1 && d <= days && h <= 23 && mi <= 59 && se <= 59;
}

const strict = ajv(false);
const coercing = ajv(true);

export const validatorCompiler: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : coercing).compile(schema as object);

/**
 * Checks a JSON value the route's own schema could not type (e.g. a task decision's form) against
 * `schema`; a mismatch throws the same 400 a body's schema does, its fields under `context`.
 */
export function checkJson(schema: object, value: unknown, context: string): void {
  const validate = strict.compile(schema);
  if (!validate(value)) throw Object.assign(new Error(`${context} is invalid`), { validation: validate.errors ?? [], validationContext: context });
}
