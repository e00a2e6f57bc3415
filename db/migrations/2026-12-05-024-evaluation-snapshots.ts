import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // Art. 32: each period's evaluation kept as it was computed. Figures that change later (a late decision, a changed
  // calendar) are a new revision beside the old one, never a change of it.
  await db.schema
    .createTable('evaluation_snapshots')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('period', 'text', (c) => c.notNull())
    // organisation:<id> or division:<region>:<code>
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('figures', 'jsonb', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull().check(sql`revision >= 1`))
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('evaluation_snapshots_period_scope_revision', ['period', 'scope', 'revision'])
    .execute();
  // An evaluation reads an organisation's tasks of a period, decided or not (the inbox's indexes hold open ones or candidates).
  await sql`create index tasks_org_created on tasks (candidate_org, created_at)`.execute(db);
  // Kept, not edited: a revision stands as written.
  await sql`
    create function evaluation_snapshots_keep() returns trigger language plpgsql as $$
    begin
      raise exception 'evaluation_snapshots are kept as computed (Art. 32): % refused', tg_op using errcode = 'insufficient_privilege';
    end $$`.execute(db);
  await sql`create trigger evaluation_snapshots_no_update before update on evaluation_snapshots
    for each row execute function evaluation_snapshots_keep()`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('evaluation_snapshots').execute();
  await sql`drop index if exists tasks_org_created`.execute(db);
  await sql`drop function if exists evaluation_snapshots_keep()`.execute(db);
}
