import { Kysely, sql } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  // Notifications that reach people (issue 26 §2). A notice stays a row the console shows; beside it, an outbox row per
  // channel its recipients asked for (a person's e-mail, an organisation's webhook subscriptions), written by a trigger
  // on the notice's insert: in the same transaction as the notice and its audit event, whatever statement writes it
  // (notices are written by many, some as INSERT … SELECT from a statement's own rows). The worker's deliverer sends
  // what is due and records the outcome (worker/deliverer.ts).

  // A person's e-mail address, as they gave it (GET/PUT /me/notification-preferences).
  await db.schema.alterTable('people').addColumn('email', 'text').execute();

  // What a person wants beyond the console (which always shows every notice): the kinds of notice, the channels
  // (e-mail), and the daily digest of their tasks falling due. No row: the console only.
  await db.schema
    .createTable('notification_preferences')
    .addColumn('sub', 'text', (c) => c.notNull())
    .addColumn('org', 'text', (c) => c.notNull())
    .addColumn('events', sql`text[]`, (c) => c.notNull())
    .addColumn('channels', sql`text[]`, (c) => c.notNull())
    .addColumn('digest', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('notification_preferences_pkey', ['sub', 'org'])
    .addForeignKeyConstraint('notification_preferences_person', ['sub', 'org'], 'people', ['sub', 'org'], (c) => c.onDelete('cascade'))
    .execute();

  // An organisation's webhook: where its notices of some kinds are posted, signed with its secret.
  await db.schema
    .createTable('webhook_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('events', sql`text[]`, (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .addCheckConstraint('webhook_subscriptions_events_check', sql`cardinality(events) > 0`)
    .execute();
  await db.schema.createIndex('webhook_subscriptions_org').on('webhook_subscriptions').columns(['org']).where(sql.ref('revoked_at'), 'is', null).execute();

  // One delivery: a notice (or a digest) to one address over one channel, at most once (idempotency_key: the notice's id,
  // the channel, and the person or subscription). pending → sending (leased) → delivered, or back to pending with the
  // next attempt's time, or dead after the policy's attempts (a dead letter, redelivered on demand).
  await sql`
    create table notification_outbox (
      id bigserial primary key,
      idempotency_key text not null unique,
      notification_id bigint references notifications(id),
      channel text not null check (channel in ('email', 'webhook')),
      recipient_sub text,
      recipient_org text,
      subscription_id text references webhook_subscriptions(id),
      address text not null,
      kind text not null,
      message text not null,
      request_id text,
      task_id text,
      case_number text,
      status text not null default 'pending' check (status in ('pending', 'sending', 'delivered', 'dead')),
      attempts integer not null default 0,
      next_attempt_at timestamptz not null default now(),
      lease_until timestamptz,
      last_error text,
      created_at timestamptz not null default now(),
      delivered_at timestamptz,
      dead_at timestamptz
    )`.execute(db);
  // The deliverer's queue: what is due, by time; a lapsed lease is due again.
  await sql`create index notification_outbox_due on notification_outbox (next_attempt_at) where status in ('pending', 'sending')`.execute(db);
  // An organisation's dead letters.
  await sql`create index notification_outbox_dead on notification_outbox (recipient_org, id) where status = 'dead'`.execute(db);

  // A notice's deliveries, as it is inserted: e-mail to each person it reaches (by name, or by the organisation and role
  // it is for) who asked for its kind by e-mail and gave an address; a webhook post to each subscription of the
  // organisation it is for (or, addressed to a person, of their organisation) that names its kind.
  await sql`
    create function notification_outbox_fill() returns trigger language plpgsql as $$
    declare cn text;
    begin
      select r.case_number into cn from requests r where r.id = new.request_id;
      insert into notification_outbox (idempotency_key, notification_id, channel, recipient_sub, recipient_org, address, kind, message, request_id, task_id, case_number)
      select new.id || ':email:' || p.sub, new.id, 'email', p.sub, p.org, p.email, new.kind, new.message, new.request_id, new.task_id, cn
      from people p join notification_preferences np on np.sub = p.sub and np.org = p.org
      where p.email is not null and 'email' = any(np.channels) and new.kind = any(np.events)
        and ((new.recipient_user is not null and p.sub = new.recipient_user and (new.recipient_org is null or p.org = new.recipient_org))
          or (new.recipient_user is null and p.org = new.recipient_org and new.recipient_role = any(p.roles)))
      on conflict (idempotency_key) do nothing;
      insert into notification_outbox (idempotency_key, notification_id, channel, recipient_org, subscription_id, address, kind, message, request_id, task_id, case_number)
      select new.id || ':webhook:' || s.id, new.id, 'webhook', s.org, s.id, s.url, new.kind, new.message, new.request_id, new.task_id, cn
      from webhook_subscriptions s
      where s.revoked_at is null and new.kind = any(s.events)
        and (s.org = new.recipient_org
          or (new.recipient_org is null and new.recipient_user is not null
            and exists (select 1 from people p where p.sub = new.recipient_user and p.org = s.org)))
      on conflict (idempotency_key) do nothing;
      return null;
    end $$`.execute(db);
  await sql`create trigger notification_outbox_fill after insert on notifications for each row execute function notification_outbox_fill()`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists notification_outbox_fill on notifications`.execute(db);
  await sql`drop function if exists notification_outbox_fill()`.execute(db);
  await db.schema.dropTable('notification_outbox').execute();
  await db.schema.dropTable('webhook_subscriptions').execute();
  await db.schema.dropTable('notification_preferences').execute();
  await db.schema.alterTable('people').dropColumn('email').execute();
}
