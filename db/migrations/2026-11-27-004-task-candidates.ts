import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // Several candidates per task (organisation + role, narrowed to a named person where given). The
  // task row keeps the list; task_candidates is the inbox's index of it, kept by the database itself
  // (the trigger below) so no write can forget it and the inbox stays one index range scan.
  await db.schema.alterTable('tasks').addColumn('candidates', 'jsonb').execute();
  await sql`update tasks set candidates = jsonb_build_array(jsonb_build_object('org', candidate_org, 'role', candidate_role, 'user', candidate_user))`.execute(
    db,
  );
  await sql`alter table tasks alter column candidates set not null`.execute(db);
  await sql`alter table tasks add constraint tasks_candidates_list check (jsonb_typeof(candidates) = 'array' and jsonb_array_length(candidates) between 1 and 20)`.execute(
    db,
  );
  // When an open task escalates (a higher-level candidate is added), and when it did.
  await db.schema.alterTable('tasks').addColumn('escalate_at', 'timestamptz').execute();
  await db.schema.alterTable('tasks').addColumn('escalated_at', 'timestamptz').execute();
  await db.schema
    .createTable('task_candidates')
    .addColumn('task_id', 'text', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('n', 'integer', (c) => c.notNull())
    .addColumn('org', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('user_sub', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('task_candidates_pk', ['task_id', 'n'])
    .execute();
  await sql`create index task_candidates_inbox on task_candidates (org, role, status, due_at, task_id) include (user_sub)`.execute(db);
  await sql`
    create function task_candidates_sync() returns trigger language plpgsql as $$
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
  // A row written without a list (as before lists existed) has its one candidate as the list.
  await sql`
    create function tasks_candidates_default() returns trigger language plpgsql as $$
    begin
      new.candidates := coalesce(new.candidates, jsonb_build_array(jsonb_build_object('org', new.candidate_org, 'role', new.candidate_role, 'user', new.candidate_user)));
      return new;
    end $$`.execute(db);
  await sql`create trigger tasks_candidates_default before insert on tasks for each row execute function tasks_candidates_default()`.execute(db);
  await sql`create trigger task_candidates_insert after insert on tasks for each row execute function task_candidates_sync()`.execute(db);
  await sql`create trigger task_candidates_update after update of candidates, status, due_at on tasks for each row
            when (old.candidates is distinct from new.candidates or old.status is distinct from new.status or old.due_at is distinct from new.due_at)
            execute function task_candidates_sync()`.execute(db);
  await sql`insert into task_candidates (task_id, n, org, role, user_sub, status, due_at)
            select id, 1, candidate_org, candidate_role, candidate_user, status, due_at from tasks`.execute(db);
  // The inbox reads task_candidates now; a supervisor's overdue list of some organisations keeps a range.
  await db.schema.dropIndex('tasks_inbox').execute();
  await db.schema.createIndex('tasks_open_org_due').on('tasks').columns(['candidate_org', 'due_at', 'id']).where(sql.ref('status'), '=', 'open').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tasks_open_org_due').execute();
  await db.schema.createIndex('tasks_inbox').on('tasks').columns(['candidate_org', 'candidate_role', 'status', 'due_at', 'id']).execute();
  await sql`drop trigger task_candidates_update on tasks`.execute(db);
  await sql`drop trigger task_candidates_insert on tasks`.execute(db);
  await sql`drop function task_candidates_sync()`.execute(db);
  await sql`drop trigger tasks_candidates_default on tasks`.execute(db);
  await sql`drop function tasks_candidates_default()`.execute(db);
  await db.schema.dropTable('task_candidates').execute();
  await db.schema.alterTable('tasks').dropColumn('escalated_at').execute();
  await db.schema.alterTable('tasks').dropColumn('escalate_at').execute();
  await db.schema.alterTable('tasks').dropColumn('candidates').execute();
}
