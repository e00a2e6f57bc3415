// The notification outbox (migration 034): what the deliverer claims, sends and records; a person's preferences; an
// organisation's webhooks and their dead letters; the daily digest (migration 035). The outbox rows of a notice are
// written by the database as the notice is inserted (the trigger notification_outbox_fill), never here.
import { sql } from 'kysely';
import type { Db, Executor } from '../index';
import { CHANNELS, DEFAULT_PREFERENCES, DIGEST_KIND, isNoticeEvent, type Channel, type NotificationPreferences } from '../../domain/notifications';

export type OutboxRow = Awaited<ReturnType<typeof claimDue>>[number];

/**
 * Up to `limit` deliveries of `channel` due now, leased for `leaseMs` (a deliverer that dies mid-send leaves them due
 * again when the lease lapses). SKIP LOCKED: several deliverers take disjoint rows.
 */
export async function claimDue(db: Executor, channel: 'email' | 'webhook', limit: number, leaseMs: number) {
  const r = await sql<{
    id: string;
    idempotency_key: string;
    channel: 'email' | 'webhook';
    address: string;
    subscription_id: string | null;
    secret: string | null;
    kind: string;
    message: string;
    request_id: string | null;
    task_id: string | null;
    case_number: string | null;
    attempts: number;
    created_at: Date;
  }>`
    with due as (
      select id from notification_outbox
      where status in ('pending', 'sending') and channel = ${channel} and next_attempt_at <= now()
        and (status = 'pending' or lease_until < now())
      order by next_attempt_at, id
      limit ${limit}
      for update skip locked
    )
    update notification_outbox o
    set status = 'sending', lease_until = now() + make_interval(secs => ${leaseMs / 1000}), attempts = o.attempts + 1
    from due
    where o.id = due.id
    returning o.id, o.idempotency_key, o.channel, o.address, o.subscription_id,
      (select s.secret from webhook_subscriptions s where s.id = o.subscription_id) as secret,
      o.kind, o.message, o.request_id, o.task_id, o.case_number, o.attempts, o.created_at`.execute(db);
  return r.rows;
}

/** Sent: never again (only a row this deliverer still holds, so a lapsed lease taken over is not marked twice). */
export async function markDelivered(db: Executor, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await db
    .updateTable('notification_outbox')
    .set({ status: 'delivered', delivered_at: sql`now()`, lease_until: null, last_error: null })
    .where('id', 'in', ids)
    .where('status', '=', 'sending')
    .execute();
}

/** Not sent: due again after `retryMs`, or a dead letter when null. */
export async function markFailed(db: Executor, id: string, error: string, retryMs: number | null): Promise<void> {
  await db
    .updateTable('notification_outbox')
    .set(
      retryMs === null
        ? { status: 'dead', dead_at: sql`now()`, lease_until: null, last_error: error.slice(0, 500) }
        : { status: 'pending', next_attempt_at: sql`now() + make_interval(secs => ${retryMs / 1000})`, lease_until: null, last_error: error.slice(0, 500) },
    )
    .where('id', '=', id)
    .where('status', '=', 'sending')
    .execute();
}

/** An organisation's webhook dead letters, newest first, continuing before `beforeId`. */
export function deadLetters(db: Executor, org: string, beforeId: string | null, limit: number) {
  let q = db
    .selectFrom('notification_outbox')
    .select(['id', 'idempotency_key', 'subscription_id', 'address', 'kind', 'case_number', 'request_id', 'attempts', 'last_error', 'created_at', 'dead_at'])
    .where('status', '=', 'dead')
    .where('recipient_org', '=', org)
    .where('channel', '=', 'webhook');
  if (beforeId) q = q.where('id', '<', beforeId);
  return q.orderBy('id', 'desc').limit(limit).execute();
}

/** A dead letter of `org` due again now, its attempts counted afresh; false when there is none such. */
export async function redeliver(db: Executor, org: string, id: string): Promise<boolean> {
  const r = await db
    .updateTable('notification_outbox')
    .set({ status: 'pending', attempts: 0, next_attempt_at: sql`now()`, dead_at: null })
    .where('id', '=', id)
    .where('recipient_org', '=', org)
    .where('status', '=', 'dead')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Backlog (pending or sending) and dead letters by channel, for the gauges: each count read through its partial index
 * (the outbox's delivered rows, nearly all of it, are never scanned).
 */
export async function outboxCounts(db: Executor): Promise<{ channel: string; backlog: number; dead: number }[]> {
  const r = await sql<{ channel: string; backlog: number; dead: number }>`
    select channel, sum(backlog)::int as backlog, sum(dead)::int as dead from (
      select channel, count(*) as backlog, 0 as dead from notification_outbox where status in ('pending', 'sending') group by channel
      union all
      select channel, 0, count(*) from notification_outbox where status = 'dead' group by channel
    ) c group by channel`.execute(db);
  return r.rows;
}

// ---- A person's preferences -------------------------------------------------------------------------------------

/** A person's preferences (the defaults when they set none); null when the directory does not know them. */
export async function getPreferences(db: Executor, who: { sub: string; org: string }): Promise<NotificationPreferences | null> {
  const r = await db
    .selectFrom('people as p')
    .leftJoin('notification_preferences as np', (j) => j.onRef('np.sub', '=', 'p.sub').onRef('np.org', '=', 'p.org'))
    .select(['p.email', 'np.events', 'np.channels', 'np.digest'])
    .where('p.sub', '=', who.sub)
    .where('p.org', '=', who.org)
    .executeTakeFirst();
  if (!r) return null;
  if (r.events === null) return { ...DEFAULT_PREFERENCES, email: r.email };
  return {
    email: r.email,
    events: r.events.filter(isNoticeEvent),
    channels: (r.channels ?? []).filter((c): c is Channel => (CHANNELS as readonly string[]).includes(c)),
    digest: r.digest ?? false,
  };
}

/** Sets a person's preferences and address (the directory knows them: api/auth.ts records each caller). */
export async function setPreferences(db: Db, who: { sub: string; org: string }, p: NotificationPreferences): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.updateTable('people').set({ email: p.email }).where('sub', '=', who.sub).where('org', '=', who.org).execute();
    await tx
      .insertInto('notification_preferences')
      .values({ sub: who.sub, org: who.org, events: p.events, channels: p.channels, digest: p.digest })
      .onConflict((oc) =>
        oc.columns(['sub', 'org']).doUpdateSet({
          events: (eb) => eb.ref('excluded.events'),
          channels: (eb) => eb.ref('excluded.channels'),
          digest: (eb) => eb.ref('excluded.digest'),
          updated_at: sql`now()`,
        }),
      )
      .execute();
  });
}

// ---- An organisation's webhooks ---------------------------------------------------------------------------------

export async function createWebhook(db: Executor, w: { id: string; org: string; url: string; secret: string; events: string[]; createdBy: string }) {
  return db
    .insertInto('webhook_subscriptions')
    .values({ id: w.id, org: w.org, url: w.url, secret: w.secret, events: w.events, created_by: w.createdBy })
    .returning(['id', 'org', 'url', 'events', 'created_by', 'created_at'])
    .executeTakeFirstOrThrow();
}

export function listWebhooks(db: Executor, org: string) {
  return db
    .selectFrom('webhook_subscriptions')
    .select(['id', 'org', 'url', 'events', 'created_by', 'created_at'])
    .where('org', '=', org)
    .where('revoked_at', 'is', null)
    .orderBy('created_at')
    .limit(200)
    .execute();
}

/** Ends a subscription: nothing more is written for it (what is already in the outbox is still delivered). */
export async function revokeWebhook(db: Executor, org: string, id: string): Promise<boolean> {
  const r = await db
    .updateTable('webhook_subscriptions')
    .set({ revoked_at: sql`now()` })
    .where('id', '=', id)
    .where('org', '=', org)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

// ---- The daily digest -------------------------------------------------------------------------------------------

/** People who asked for the digest, have an address and have no digest for `day` yet (a page of them). */
export function digestDue(db: Executor, day: string, limit: number) {
  return db
    .selectFrom('notification_preferences as np')
    .innerJoin('people as p', (j) => j.onRef('p.sub', '=', 'np.sub').onRef('p.org', '=', 'np.org'))
    .select(['p.sub', 'p.org', 'p.roles', 'p.email'])
    .where('np.digest', '=', true)
    .where('p.email', 'is not', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('notification_digests as d')
            .select(sql`1`.as('x'))
            .whereRef('d.sub', '=', 'p.sub')
            .whereRef('d.org', '=', 'p.org')
            .where('d.day', '=', day),
        ),
      ),
    )
    .limit(limit)
    .execute();
}

/** A person's open tasks falling due before `until` (those addressed to them, or to a role of theirs in their organisation). */
export function tasksFallingDue(db: Executor, who: { sub: string; org: string; roles: string[] }, until: Date, limit = 50) {
  return db
    .selectFrom('task_candidates as c')
    .innerJoin('tasks as t', 't.id', 'c.task_id')
    .leftJoin('requests as r', 'r.id', 't.request_id')
    .select(['t.id', 't.kind', 't.due_at', 'r.case_number'])
    .distinct()
    .where('c.status', '=', 'open')
    .where('c.org', '=', who.org)
    .where('c.role', 'in', who.roles.length ? who.roles : [''])
    .where((eb) => eb.or([eb('c.user_sub', 'is', null), eb('c.user_sub', '=', who.sub)]))
    .where('c.due_at', '<=', until)
    .where((eb) => eb.or([eb('t.excluded', 'is', null), sql<boolean>`not (${who.sub} = any(t.excluded))`]))
    .orderBy('t.due_at')
    .limit(limit)
    .execute();
}

/** Records `who`'s digest of `day` and its e-mail in one transaction; false when another deliverer already did. */
export async function writeDigest(db: Db, who: { sub: string; org: string; email: string }, day: string, tasks: number, message: string): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const r = await tx
      .insertInto('notification_digests')
      .values({ sub: who.sub, org: who.org, day, tasks })
      .onConflict((oc) => oc.columns(['sub', 'org', 'day']).doNothing())
      .returning('day')
      .executeTakeFirst();
    if (!r || tasks === 0) return false;
    await tx
      .insertInto('notification_outbox')
      .values({
        idempotency_key: `digest:${day}:email:${who.org}:${who.sub}`,
        channel: 'email',
        recipient_sub: who.sub,
        recipient_org: who.org,
        address: who.email,
        kind: DIGEST_KIND,
        message,
      })
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .execute();
    return true;
  });
}
