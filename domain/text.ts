// Text and free-form values PostgreSQL can store: no NUL, no unpaired UTF-16 surrogate, bounded nesting.
// Checked by the API (400), by workflows on their inputs, and used by activities to sanitise what
// they must record anyway (a failure's reason).
import type { RuleViolation } from './errors';

/** NUL (text and jsonb refuse it) or a surrogate half without its partner (not valid UTF-8). */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const MAX_DEPTH = 16;
export const MAX_NODES = 5_000;
/** A catalog adjustment's form (up to domain/catalog.ts MAX_CHANGES changes, each a whole entry) holds more. */
export const MAX_FORM_NODES = 200_000;
/** The largest body that may carry such a form: well inside Temporal's 2 MB payload limit. */
export const MAX_FORM_BYTES = 1_500_000;

/** No text at all, or only white space (whatever else a value sent past the API may be). */
export function blankText(v: unknown): boolean {
  return typeof v !== 'string' || !v.trim();
}

export function isStorableText(s: string): boolean {
  return !UNSTORABLE.test(s);
}

/**
 * The first reason `value` cannot be stored as it is, naming the field by its dotted path under `path`,
 * or null. Walks at most MAX_NODES values and MAX_DEPTH levels, so hostile input costs little.
 */
export function unstorable(value: unknown, path: string, maxNodes = MAX_NODES): RuleViolation | null {
  let nodes = 0;
  const bad = (field: string, rule: string, what: string): RuleViolation => ({ code: 'InvalidInput', field, rule, detail: `${field || 'the value'} ${what}` });
  const walk = (v: unknown, at: string, depth: number): RuleViolation | null => {
    if (++nodes > maxNodes) return bad(path, 'maxNodes', `holds more than ${maxNodes} values`);
    if (typeof v === 'string') return isStorableText(v) ? null : bad(at, 'text', 'contains a NUL character or an unpaired surrogate');
    if (v === null || typeof v !== 'object') return null;
    if (depth >= MAX_DEPTH) return bad(at, 'maxDepth', `is nested deeper than ${MAX_DEPTH} levels`);
    for (const [k, child] of Array.isArray(v) ? v.entries() : Object.entries(v)) {
      const key = String(k);
      if (!isStorableText(key)) return bad(at, 'text', 'has a key with a NUL character or an unpaired surrogate');
      const found = walk(child, at ? `${at}.${key}` : key, depth + 1);
      if (found) return found;
    }
    return null;
  };
  return walk(value, path, 0);
}

/** A copy with every unstorable character replaced by U+FFFD, for recording what was refused. */
export function storable<T>(value: T): T {
  const fix = (s: string) => s.replace(new RegExp(UNSTORABLE.source, 'g'), '\ufffd');
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return fix(v);
    if (v === null || typeof v !== 'object') return v;
    if (depth >= MAX_DEPTH) return '[nested too deep]';
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [fix(k), walk(x, depth + 1)]));
  };
  return walk(value, 0) as T;
}
