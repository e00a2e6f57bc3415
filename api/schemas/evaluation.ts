// Evaluation by period's queries (routes/evaluation.ts).
import { Type } from '@sinclair/typebox';
import { BASIS_LEVELS } from '../../domain/catalog';
import { STALE_ENTRIES } from '../../domain/catalog-refresh';
import { FIGURES, PERIOD_PATTERN, UNSTATED_BASIS } from '../../domain/evaluation';
import { REQUEST_TYPES } from '../../domain/procedures';

const scope = {
  period: Type.String({ pattern: PERIOD_PATTERN, description: 'A month (2026-11), a quarter (2026-Q4) or a year (2026), in Asia/Shanghai' }),
  division: Type.Optional(
    Type.String({
      pattern: '^[1-9][0-9]{5}$',
      description: 'A division code (GB/T 2260) of the caller’s region: its organisations’, a city’s with its districts and counties',
    }),
  ),
  organisation: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'One organisation' })),
};

export const EvaluationQuery = Type.Object({
  ...scope,
  format: Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('xlsx')], { default: 'json' }),
});

export const EvaluationRequestsQuery = Type.Object({
  ...scope,
  procedure: Type.Optional(Type.Union(REQUEST_TYPES.map((t) => Type.Literal(t)))),
  // The task figures drill to the requests they count; staleEntries to the catalog entries it counts.
  figure: Type.Union([...FIGURES, STALE_ENTRIES].map((f) => Type.Literal(f))),
  basis: Type.Optional(
    Type.Union(
      [...BASIS_LEVELS, UNSTATED_BASIS].map((l) => Type.Literal(l)),
      {
        description: 'With figure=refusals: only the refusals whose first legal basis is of this level (unstated: none given)',
      },
    ),
  ),
});
