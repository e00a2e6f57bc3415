// Data refreshes of a catalog entry (Art. 10: the agency updates its data on the platform 及时、动态, as often as the
// entry's 更新频率 declares, Art. 9 ¶1): its providing agency's staff record each, by the day the data was updated;
// anyone who reads the catalog reads them. A write the API makes itself (no procedure of the Measures runs on it):
// the row and its audit event are one transaction, a retry with the same Idempotency-Key (or a second record of the
// same day) adds nothing. The evaluation counts the entries whose last update is older than their frequency allows.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { getCatalogEntry } from '../../db/repositories/catalog';
import { overseenOrgIds } from '../../db/repositories/organisations';
import { firstPublishedOn, listRefreshes, recordRefresh, type RefreshRow } from '../../db/repositories/catalog-refresh';
import { isCalendarDay, shanghaiDay } from '../../domain/calendar';
import { MAX_REFRESH_NOTE, refreshViolations } from '../../domain/catalog-refresh';
import type { Actor, Role } from '../../domain/types';
import { invalid, problem } from '../problem';
import { IdParams, Instant, Nullable, Page } from '../schemas/common';
import { StartHeaders } from '../schemas/requests';
import { requestIdFor } from '../start-request';
import type { ApiDeps } from '../types';
import { overseenBy } from '../views';

/** The providing agency's staff who record its refreshes: those who keep its catalog, review its data's use, head its sharing work. */
export const REFRESH_RECORDERS: readonly Role[] = ['agency_applicant', 'provider_reviewer', 'sharing_head'];

const RefreshSchema = Type.Object({
  id: Type.String(),
  entryId: Type.String(),
  dataUpdatedOn: Type.String({ format: 'date', description: 'The day (Asia/Shanghai) the data on the platform was updated' }),
  note: Nullable(Type.String()),
  recordedAt: Instant,
  recordedByOrg: Type.String(),
  /** Who recorded it: shown to the providing agency and the authorities over it; null to anyone else. */
  recordedBy: Nullable(Type.String()),
});

const RefreshBody = Type.Object(
  {
    dataUpdatedOn: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD: the day the data was updated, not after today' }),
    note: Type.Optional(Nullable(Type.String({ maxLength: MAX_REFRESH_NOTE, description: 'What was updated (optional)' }))),
  },
  { additionalProperties: false },
);

export const catalogRefreshRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { db } = deps;
  /** Whether `actor` sees who recorded an entry's refreshes: its agency, and those overseeing it. */
  const seesRecorders = async (actor: Actor, providerOrg: string) => {
    if (actor.org === null) return false;
    if (actor.org === providerOrg) return true;
    const overseen = await overseenBy(deps, actor);
    if (overseen === undefined || overseen.includes(providerOrg)) return true;
    return actor.roles.includes('authority_reviewer') && (await overseenOrgIds(db, actor.org)).includes(providerOrg);
  };
  const view = (r: RefreshRow, recorders: boolean) => ({
    id: r.id,
    entryId: r.entry_id,
    dataUpdatedOn: r.data_updated_on,
    note: r.note,
    recordedAt: r.recorded_at.toISOString(),
    recordedByOrg: r.recorded_by_org,
    recordedBy: recorders ? r.recorded_by_sub : null,
  });

  app.post(
    '/catalog/:id/refreshes',
    {
      schema: {
        tags: ['catalog'],
        summary:
          'Record that an entry’s data was updated on the platform (Art. 10), by the day: its providing agency’s staff only; one record per entry and day, a retry with the same Idempotency-Key adds nothing (201 new, 200 as it stands)',
        params: IdParams,
        headers: StartHeaders,
        body: RefreshBody,
        response: { 200: RefreshSchema, 201: RefreshSchema },
      },
      config: { articles: { dataUpdatedOn: 'Art. 10', note: 'Art. 10' } },
    },
    async (request, reply) => {
      const { actor } = request;
      const entry = await getCatalogEntry(db, request.params.id);
      if (!entry) throw problem('EntryNotFound');
      const role = REFRESH_RECORDERS.find((r) => actor.roles.includes(r));
      if (actor.org !== entry.provider_org_id || !role)
        throw problem('Forbidden', 'An entry’s data refreshes are recorded by its providing agency’s staff (Art. 10)', 'Art. 10');
      const { dataUpdatedOn } = request.body;
      const note = request.body.note?.trim() || null;
      const first = (await firstPublishedOn(db, entry.id)) ?? shanghaiDay(new Date());
      const violations = refreshViolations({ dataUpdatedOn, note: request.body.note }, shanghaiDay(new Date()), first);
      if (violations.length) throw invalid(violations);
      const key = request.headers['idempotency-key'];
      const { row, created, reused } = await recordRefresh(db, {
        id: key ? requestIdFor(`${actor.sub}\ncatalog-refresh`, key) : randomUUID(),
        entryId: entry.id,
        providerOrg: entry.provider_org_id,
        dataUpdatedOn,
        note,
        actor: { sub: actor.sub, org: actor.org, role },
      });
      if (reused) throw problem('IdempotencyKeyReused', 'This Idempotency-Key was already used to record another refresh');
      return reply.code(created ? 201 : 200).send(view(row, true));
    },
  );

  app.get(
    '/catalog/:id/refreshes',
    {
      schema: {
        tags: ['catalog'],
        summary:
          'An entry’s recorded data refreshes, the latest day first (Art. 10): anyone who reads the catalog; who recorded each, for its agency and the authorities over it',
        params: IdParams,
        querystring: Type.Object({
          cursor: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' })),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
        }),
        response: { 200: Page(RefreshSchema) },
      },
    },
    async (request) => {
      const { cursor, limit } = request.query;
      if (cursor !== undefined && !isCalendarDay(cursor))
        throw invalid(
          [{ code: 'InvalidInput', field: 'cursor', rule: 'cursor', detail: `${cursor} is not a day of the calendar`, article: 'Art. 10' }],
          'querystring',
        );
      const entry = await getCatalogEntry(db, request.params.id);
      if (!entry) throw problem('EntryNotFound');
      const [rows, recorders] = await Promise.all([
        listRefreshes(db, entry.id, cursor ?? null, limit + 1),
        seesRecorders(request.actor, entry.provider_org_id),
      ]);
      const page = rows.slice(0, limit);
      return { items: page.map((r) => view(r, recorders)), nextCursor: rows.length > limit ? page[page.length - 1].data_updated_on : null };
    },
  );
};
