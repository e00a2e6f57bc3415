import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // A supervisor's urgings (督办, Art. 32) of a task: how many, and the last (the interval between two counts from it).
  await db.schema
    .alterTable('tasks')
    .addColumn('urge_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('urged_at', 'timestamptz')
    .execute();
  await sql`alter table tasks add constraint tasks_urge_count_check check (urge_count >= 0)`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tasks').dropColumn('urged_at').dropColumn('urge_count').execute();
}
