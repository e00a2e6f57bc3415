import { Kysely, sql } from 'kysely';

/**
 * The console's server-sent events (api/events.ts): a notice written, a task opened, decided, cancelled or handed to
 * other candidates tells the API's listeners on channel `pdw_events`, in the transaction that writes it (so a rolled
 * back write tells no one). The payload names only the row (kind and id) and the organisation and role it is for:
 * never a person, never its text (and far under pg_notify's 8000 bytes).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create function pdw_notify_notice() returns trigger language plpgsql as $$
    begin
      perform pg_notify('pdw_events', json_build_object('kind', 'notice', 'id', new.id::text, 'org', new.recipient_org, 'role', new.recipient_role)::text);
      return null;
    end $$`.execute(db);
  await sql`create trigger notifications_event after insert on notifications for each row execute function pdw_notify_notice()`.execute(db);
  await sql`create function pdw_notify_task() returns trigger language plpgsql as $$
    begin
      perform pg_notify('pdw_events', json_build_object('kind', 'task', 'id', new.id::text, 'org', new.candidate_org, 'role', new.candidate_role)::text);
      return null;
    end $$`.execute(db);
  await sql`create trigger tasks_event_insert after insert on tasks for each row execute function pdw_notify_task()`.execute(db);
  await sql`create trigger tasks_event_update after update of status, candidates on tasks for each row
    when (old.status is distinct from new.status or old.candidates is distinct from new.candidates)
    execute function pdw_notify_task()`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists tasks_event_update on tasks`.execute(db);
  await sql`drop trigger if exists tasks_event_insert on tasks`.execute(db);
  await sql`drop function if exists pdw_notify_task()`.execute(db);
  await sql`drop trigger if exists notifications_event on notifications`.execute(db);
  await sql`drop function if exists pdw_notify_notice()`.execute(db);
}
