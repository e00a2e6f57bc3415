import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  entryContentOf,
  entryStateOf,
  getCatalogEntry,
  getEntryVersion,
  listCatalogEntries,
  listEntryVersions,
  similarEntries,
} from '../../db/repositories/catalog';
import { getOrganisation } from '../../db/repositories/organisations';
import type { CatalogEntryRow, CatalogEntrySnapshot } from '../../db/schema';
import { entryDiff } from '../../domain/catalog';
import { problem } from '../problem';
import { CATALOG_FILTERS, CatalogEntrySchema, CatalogVersionSchema, SimilarEntrySchema, type CatalogEntryView } from '../schemas/catalog';
import { IdParams, Page } from '../schemas/common';
import type { ApiDeps } from '../types';

/** An entry as the API shows it, from its row or from a version's snapshot of that row (dates as text there). */
function entryView(r: CatalogEntryRow | CatalogEntrySnapshot): CatalogEntryView {
  const stated = entryContentOf(r);
  return {
    id: r.id,
    providerOrgId: r.provider_org_id,
    ...stated,
    // Snapshots from before disputes have no dispute column.
    share: { ...stated.share, status: r.share_status, dispute: r.share_dispute ?? null },
    open: { ...stated.open, status: r.open_status },
    version: r.version,
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

export const catalogRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db }) => {
  app.get(
    '/catalog',
    {
      schema: {
        tags: ['catalog'],
        summary:
          "The public data catalog (Art. 9): by provider, division, attributes, status and text (`q`: in the title, description, data items' names and 信息项名称, or the provider's name)",
        querystring: Type.Object({
          ...CATALOG_FILTERS,
          cursor: Type.Optional(Type.String({ maxLength: 200 })),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
        }),
        response: { 200: Page(CatalogEntrySchema) },
      },
    },
    async (request) => {
      const { provider, division, region, shareAttribute, openAttribute, shareStatus, openStatus, q, cursor, limit } = request.query;
      const rows = await listCatalogEntries(db, {
        provider,
        division,
        region,
        shareAttribute,
        openAttribute,
        shareStatus,
        openStatus,
        text: q,
        after: cursor,
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      return {
        items: page.map((r) => ({ ...entryView(r), providerName: r.provider_name ?? undefined })),
        nextCursor: rows.length > limit ? page[page.length - 1].id : null,
      };
    },
  );

  app.get(
    '/catalog/similar',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Art. 8: entries already in the catalog that an entry with this title and these fields may duplicate',
        querystring: Type.Object({
          title: Type.String({ minLength: 1, maxLength: 500 }),
          /** Field names, comma-separated. */
          fields: Type.Optional(Type.String({ maxLength: 10_000 })),
        }),
        response: { 200: Type.Object({ items: Type.Array(SimilarEntrySchema), article: Type.String() }) },
      },
    },
    async (request) => {
      const { title, fields } = request.query;
      const fieldNames = (fields ?? '').split(',').slice(0, 500);
      // The caller's city's catalog (Art. 8: the city's platform); a member of the public's: every city's.
      const region = request.actor.org === null ? undefined : (await getOrganisation(db, request.actor.org))?.region;
      return { items: await similarEntries(db, { title, fieldNames, region }), article: 'Art. 8' };
    },
  );

  app.get(
    '/catalog/:id',
    {
      schema: {
        tags: ['catalog'],
        summary: 'One catalog entry, as it stands or as it was at a version',
        params: IdParams,
        querystring: Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })) }),
        response: { 200: CatalogEntrySchema },
      },
    },
    async (request) => {
      const { version } = request.query;
      const entry = version === undefined ? await getCatalogEntry(db, request.params.id) : (await getEntryVersion(db, request.params.id, version))?.snapshot;
      if (!entry) throw problem('EntryNotFound', version === undefined ? undefined : `Catalog entry ${request.params.id} has no version ${version}`);
      const view = entryView(entry);
      // Named, as the list names it: another city's agency is in no directory the caller reads.
      return { ...view, providerName: (await getOrganisation(db, view.providerOrgId))?.name };
    },
  );

  app.get(
    '/catalog/:id/versions',
    {
      schema: {
        tags: ['catalog'],
        summary: "An entry's versions, oldest first: who made each, why, by which request, and the entry as it became",
        params: IdParams,
        querystring: Type.Object({
          cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
        }),
        response: { 200: Page(CatalogVersionSchema) },
      },
    },
    async (request) => {
      const { cursor, limit } = request.query;
      const after = Number(cursor ?? 0);
      // With the version before the page's first: each version shows what it changed.
      const read = await listEntryVersions(db, request.params.id, Math.max(0, after - 1), limit + 2);
      const rows = read.filter((v) => v.version > after);
      if (!rows.length && !cursor && !(await getCatalogEntry(db, request.params.id))) throw problem('EntryNotFound');
      const page = rows.slice(0, limit);
      const before = (version: number) => read.find((v) => v.version === version - 1);
      return {
        items: page.map((v) => {
          const prev = before(v.version);
          return {
            version: v.version,
            changedBy: v.changed_by,
            changeRequestId: v.change_request_id,
            reason: v.reason,
            createdAt: v.created_at.toISOString(),
            changes: prev ? entryDiff(entryStateOf(prev.snapshot), entryStateOf(v.snapshot)) : [],
            entry: entryView(v.snapshot),
          };
        }),
        nextCursor: rows.length > limit ? String(page[page.length - 1].version) : null,
      };
    },
  );
};
