// The catalog spreadsheets' schemas (routes/catalog-sheets.ts): an import into an adjustment.
import { Type } from '@sinclair/typebox';
import { ADJUSTMENT_GROUNDS } from '../../domain/catalog';

/** The largest spreadsheet an import takes (base64 in the JSON body). */
export const MAX_SHEET_BYTES = 8 * 1024 * 1024;

export const ImportBody = Type.Object(
  {
    ground: Type.Union(Object.keys(ADJUSTMENT_GROUNDS).map((g) => Type.Literal(g))),
    justification: Type.String({ maxLength: 8000 }),
    format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')]),
    /** The file, base64-encoded. */
    file: Type.String({ minLength: 1, maxLength: Math.ceil((MAX_SHEET_BYTES * 4) / 3) + 4, contentEncoding: 'base64' }),
    /** Check and count the changes without applying for them. */
    dryRun: Type.Optional(Type.Boolean()),
    /** Read and check every row without applying: the changes of the rows that pass, and the problems of those that do not (the console's import). */
    preview: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** What a dry run answers: the changes the import would apply for, by kind. */
export const ImportCountsSchema = Type.Object({
  changes: Type.Integer(),
  added: Type.Integer(),
  changed: Type.Integer(),
  removed: Type.Integer(),
  unchanged: Type.Integer(),
});

/**
 * What a preview answers: each row that reads and passes as its change (the row's number in the sheet, the
 * header being row 1), each problem against its row, and the counts of a dry run over the rows that pass.
 */
export const ImportPreviewSchema = Type.Object({
  rows: Type.Array(Type.Object({ row: Type.Integer(), change: Type.Unknown() })),
  errors: Type.Array(
    Type.Object({
      row: Type.Integer(),
      /** The row's title, as it reads. */
      title: Type.Optional(Type.String()),
      column: Type.Optional(Type.String()),
      field: Type.String(),
      rule: Type.String(),
      message: Type.String(),
      article: Type.Optional(Type.String()),
    }),
  ),
  unchanged: Type.Integer(),
});
