import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // A person's delegate for a period (代理, issue 26 §3): tasks of the named kinds that reach the delegator reach the
  // delegate too, while the period runs and until it is ended early (revoked_at). Resolved when tasks are read and
  // decided; no workflow holds it.
  await db.schema
    .createTable('delegations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('delegator', 'text', (c) => c.notNull())
    .addColumn('delegate', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('kinds', sql`text[]`, (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_by', 'text')
    .addCheckConstraint('delegations_period_check', sql`ends_at > starts_at`)
    .addCheckConstraint('delegations_not_self_check', sql`delegate <> delegator`)
    .addCheckConstraint('delegations_kinds_check', sql`cardinality(kinds) > 0`)
    .execute();
  // A delegate's inbox: the delegations naming them, by when they end.
  await db.schema.createIndex('delegations_delegate').on('delegations').columns(['delegate', 'org', 'ends_at']).execute();
  await db.schema.createIndex('delegations_delegator').on('delegations').columns(['delegator', 'org', 'ends_at']).execute();
  // A supervisor's view of the delegations in force in the organisations they oversee.
  await db.schema.createIndex('delegations_org').on('delegations').columns(['org', 'ends_at']).execute();
  // A decision taken by a delegate names the person they acted for (X 代 Y); the actor stays the delegate.
  await db.schema.alterTable('tasks').addColumn('decided_on_behalf_of', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tasks').dropColumn('decided_on_behalf_of').execute();
  await db.schema.dropTable('delegations').execute();
}
