import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // 《政务数据共享条例》 (使用记录): the grantee's usage records, filed per period through its SHARE_USAGE_REPORT task; one
  // filing per task (the workflow's step), so a retried write adds nothing. The provider and the authority read them.
  await db.schema
    .createTable('grant_usage_records')
    .addColumn('grant_id', 'text', (c) => c.notNull().references('grants.id'))
    .addColumn('task_id', 'text', (c) => c.notNull().references('tasks.id'))
    .addColumn('request_id', 'text', (c) => c.notNull().references('requests.id'))
    .addColumn('period_from', 'timestamptz', (c) => c.notNull())
    .addColumn('period_to', 'timestamptz', (c) => c.notNull())
    .addColumn('period_label', 'text')
    // [{user, usedAt, purpose}], empty when no_use.
    .addColumn('records', 'jsonb', (c) => c.notNull())
    .addColumn('no_use', 'boolean', (c) => c.notNull())
    .addColumn('filed_by_sub', 'text', (c) => c.notNull())
    .addColumn('filed_by_org', 'text')
    .addColumn('filed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('grant_usage_records_pk', ['grant_id', 'task_id'])
    .addCheckConstraint('grant_usage_records_some', sql`no_use = (jsonb_array_length(records) = 0)`)
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('grant_usage_records').execute();
}
