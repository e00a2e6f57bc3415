import { Type } from '@sinclair/typebox';
import { getCatalogEntry, listCatalogEntries } from '../../db/repositories/catalog';
import type { CatalogEntryRow } from '../../db/schema';
import { ATTRIBUTES } from '../../domain/types';
import { problem } from '../problem';
import { CatalogEntrySchema, Page, type CatalogEntryView } from '../schemas';
import type { ApiDeps, App } from '../types';

const Attr = Type.Optional(Type.Union(ATTRIBUTES.map((a) => Type.Literal(a))));

function entryView(e: CatalogEntryRow): CatalogEntryView {
  return {
    id: e.id,
    providerOrgId: e.provider_org_id,
    title: e.title,
    description: e.description,
    fields: e.fields,
    share: { attribute: e.share_attribute, conditions: e.share_conditions, reasons: e.share_reasons, basis: e.share_basis },
    open: { attribute: e.open_attribute, conditions: e.open_conditions, reasons: e.open_reasons, basis: e.open_basis },
    status: e.status,
    version: e.version,
    updatedAt: e.updated_at.toISOString(),
  };
}

export function catalogRoutes(app: App, { db }: ApiDeps): void {
  app.get(
    '/catalog',
    {
      schema: {
        tags: ['catalog'],
        summary: 'The public data catalog (Art. 9)',
        querystring: Type.Object({
          provider: Type.Optional(Type.String({ maxLength: 200 })),
          shareAttribute: Attr,
          openAttribute: Attr,
          cursor: Type.Optional(Type.String({ maxLength: 200 })),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
        }),
        response: { 200: Page(CatalogEntrySchema) },
      },
    },
    async (request) => {
      const { provider, shareAttribute, openAttribute, cursor, limit } = request.query;
      const rows = await listCatalogEntries(db, { provider, shareAttribute, openAttribute, after: cursor, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { items: page.map(entryView), nextCursor: rows.length > limit ? page[page.length - 1].id : null };
    },
  );

  app.get('/catalog/:id', { schema: { tags: ['catalog'], summary: 'One catalog entry', params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }), response: { 200: CatalogEntrySchema } } }, async (request) => {
    const entry = await getCatalogEntry(db, request.params.id);
    if (!entry) throw problem('EntryNotFound');
    return entryView(entry);
  });
}
