import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // 政务部门 (《政务数据共享条例》 Art. 2: government departments, and organisations authorised by law or regulation to
  // administer public affairs): sharing between two of them is bound by the 条例 as well as the Measures.
  await db.schema
    .alterTable('organisations')
    .addColumn('government_department', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  // An organisation registered as a 机关 (its unified social credit code begins 11: 机构编制, 机关) is one; a 事业单位
  // (12) or an enterprise is not unless marked, which an organisation authorised to administer public affairs is.
  await sql`update organisations set government_department = true where uscc like '11%'`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('organisations').dropColumn('government_department').execute();
}
