import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // Public principals, one per sign-in subject: a natural person (their resident ID number sealed, Art. 29:
  // AES-256-GCM under a rotatable key, and a keyed hash to look it up by) or a legal person by its USCC.
  await db.schema
    .createTable('principals')
    .addColumn('sub', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('natural','legal')`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('uscc', 'text')
    .addColumn('id_sealed', 'text')
    .addColumn('id_lookup', 'text')
    .addColumn('id_masked', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'principals_number',
      sql`(kind = 'natural' and id_sealed is not null and id_lookup is not null and uscc is null) or (kind = 'legal' and uscc is not null and id_sealed is null)`,
    )
    .execute();
  // One registration per number.
  await db.schema.createIndex('principals_id_lookup').on('principals').column('id_lookup').unique().execute();
  await db.schema.createIndex('principals_uscc').on('principals').column('uscc').unique().execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('principals').execute();
}
