import { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // A refused share request names the dispute raised on it (《政务数据共享条例》, issue 24 §3): one dispute per refusal,
  // taken by the dispute's workflow as it starts; the request's page shows it.
  await db.schema.alterTable('requests').addColumn('refusal_dispute', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('requests').dropColumn('refusal_dispute').execute();
}
