import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // A legal person acts through authorised agents (经办人, Art. 10 ¶2, Art. 29): each a natural person, named by
  // name, document type and number. The number is kept only as its keyed hash (principals.id_lookup's) and masked,
  // so the authorisation reaches whichever sign-in registers that number with that name, now or later.
  await db.schema
    .createTable('legal_person_agents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('uscc', 'text', (c) => c.notNull())
    .addColumn('agent_lookup', 'text', (c) => c.notNull())
    .addColumn('agent_masked', 'text', (c) => c.notNull())
    .addColumn('agent_document_type', 'text', (c) => c.notNull())
    .addColumn('agent_name', 'text', (c) => c.notNull())
    .addColumn('authorised_by', 'text', (c) => c.notNull())
    .addColumn('authorised_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_by', 'text')
    .addColumn('revoked_at', 'timestamptz')
    .addCheckConstraint('legal_person_agents_revoked', sql`(revoked_at is null) = (revoked_by is null)`)
    .execute();
  // One authorisation in force per legal person and number; a revoked one stays, for the trail.
  await sql`create unique index legal_person_agents_active on legal_person_agents (uscc, agent_lookup) where revoked_at is null`.execute(db);
  // Whom a person acts for: looked up on every request they make.
  await sql`create index legal_person_agents_agent on legal_person_agents (agent_lookup) where revoked_at is null`.execute(db);
  await sql`create index legal_person_agents_uscc on legal_person_agents (uscc, authorised_at desc)`.execute(db);

  // Work done in a legal person's name belongs to it, not to the sign-in that started it: a request, its agreement,
  // a task addressed to it (candidates name it as legalPerson) and notices to it.
  await db.schema.alterTable('requests').addColumn('applicant_legal_person', 'text').execute();
  await sql`create index requests_legal_person on requests (applicant_legal_person, created_at desc, id desc) where applicant_legal_person is not null`.execute(
    db,
  );
  await db.schema.alterTable('agreements').addColumn('licensee_legal_person', 'text').execute();
  await sql`create index agreements_licensee_legal_person on agreements (licensee_legal_person, id) where licensee_legal_person is not null`.execute(db);
  await db.schema.alterTable('notifications').addColumn('recipient_legal_person', 'text').execute();
  await sql`create index notifications_legal_person on notifications (recipient_legal_person, id desc) where recipient_legal_person is not null`.execute(db);
  await db.schema.alterTable('task_candidates').addColumn('legal_person', 'text').execute();
  await sql`create index task_candidates_legal_person on task_candidates (legal_person, role, status, due_at, task_id) where legal_person is not null`.execute(
    db,
  );
  await sql`
    create or replace function task_candidates_sync() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and new.candidates = old.candidates then
        update task_candidates set status = new.status, due_at = new.due_at where task_id = new.id;
      else
        delete from task_candidates where task_id = new.id;
        insert into task_candidates (task_id, n, org, role, user_sub, legal_person, status, due_at)
          select new.id, c.n, c.v->>'org', c.v->>'role', c.v->>'user', c.v->>'legalPerson', new.status, new.due_at
          from jsonb_array_elements(new.candidates) with ordinality as c(v, n);
      end if;
      return null;
    end $$`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function task_candidates_sync() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and new.candidates = old.candidates then
        update task_candidates set status = new.status, due_at = new.due_at where task_id = new.id;
      else
        delete from task_candidates where task_id = new.id;
        insert into task_candidates (task_id, n, org, role, user_sub, status, due_at)
          select new.id, c.n, c.v->>'org', c.v->>'role', c.v->>'user', new.status, new.due_at
          from jsonb_array_elements(new.candidates) with ordinality as c(v, n);
      end if;
      return null;
    end $$`.execute(db);
  await db.schema.alterTable('task_candidates').dropColumn('legal_person').execute();
  await db.schema.alterTable('notifications').dropColumn('recipient_legal_person').execute();
  await db.schema.alterTable('agreements').dropColumn('licensee_legal_person').execute();
  await db.schema.alterTable('requests').dropColumn('applicant_legal_person').execute();
  await db.schema.dropTable('legal_person_agents').execute();
}
