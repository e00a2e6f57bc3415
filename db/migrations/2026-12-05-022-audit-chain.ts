import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // Art. 29: each request's trail is a hash chain. An event carries its place in its request's chain
  // (events of no request form one chain of their own), its predecessor's hash and its own, over every
  // column it holds, so an event changed or taken out is found (npm run audit -- verify). The database
  // writes them, so every path that appends an event (one row, many, INSERT … SELECT) chains it alike.
  await sql`alter table audit_events add column chain_seq integer, add column prev_hash text, add column hash text`.execute(db);
  await sql`
    create function audit_event_hash(e audit_events) returns text language sql immutable as $$
      select encode(sha256(convert_to(jsonb_build_array(
        e.prev_hash, e.chain_seq, e.event_key, e.request_id, e.task_id,
        to_char(e.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        e.actor_sub, e.actor_org, e.actor_role, e.action, e.decision, e.reason, e.article, e.old_value, e.new_value
      )::text, 'UTF8')), 'hex')
    $$`.execute(db);
  await sql`
    create function audit_events_chain() returns trigger language plpgsql as $$
    declare last record;
    begin
      -- One writer per chain at a time: the predecessor is the chain's last event, committed or this transaction's.
      perform pg_advisory_xact_lock(hashtextextended('audit-chain:' || coalesce(new.request_id, ''), 0));
      select chain_seq, hash into last from audit_events
        where coalesce(request_id, '') = coalesce(new.request_id, '') and chain_seq is not null
        order by chain_seq desc limit 1;
      new.chain_seq := coalesce(last.chain_seq, 0) + 1;
      new.prev_hash := last.hash;
      new.hash := audit_event_hash(new);
      return new;
    end $$`.execute(db);
  // An event's place in its chain is its own; the index finds a chain's last event.
  await sql`create unique index audit_events_chain_place on audit_events (coalesce(request_id, ''), chain_seq)`.execute(db);

  // The events written before: chained in the order they were written.
  await sql`alter table audit_events disable trigger audit_events_no_update_delete`.execute(db);
  await sql`
    do $$
    declare e audit_events; prev record;
    begin
      for e in select * from audit_events order by request_id nulls first, id loop
        select chain_seq, hash into prev from audit_events
          where coalesce(request_id, '') = coalesce(e.request_id, '') and chain_seq is not null order by chain_seq desc limit 1;
        e.chain_seq := coalesce(prev.chain_seq, 0) + 1;
        e.prev_hash := prev.hash;
        e.hash := audit_event_hash(e);
        update audit_events set chain_seq = e.chain_seq, prev_hash = e.prev_hash, hash = e.hash where id = e.id;
      end loop;
    end $$`.execute(db);
  await sql`alter table audit_events enable trigger audit_events_no_update_delete`.execute(db);
  await sql`alter table audit_events alter column chain_seq set not null, alter column hash set not null`.execute(db);
  await sql`create trigger audit_events_chain before insert on audit_events for each row execute function audit_events_chain()`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger audit_events_chain on audit_events`.execute(db);
  await sql`drop function audit_events_chain()`.execute(db);
  await sql`drop index audit_events_chain_place`.execute(db);
  await sql`alter table audit_events drop column chain_seq, drop column prev_hash, drop column hash`.execute(db);
  await sql`drop function audit_event_hash(audit_events)`.execute(db);
}
