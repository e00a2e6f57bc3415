import type { ServerResponse } from 'node:http';
import { listen, type Db, type Listener } from '../db';
import { delegationsToAny } from '../db/repositories/delegations';
import { noticeAddressedTo, noticeRecipients } from '../db/repositories/notifications';
import { getTaskWithApplicant } from '../db/repositories/requests';
import type { RuleViolation } from '../domain/errors';
import { DEFAULT_STREAM_LIMITS, streamLimitViolation, type StreamLimits } from '../domain/notifications';
import { isCandidate } from '../domain/tasks';
import type { Actor } from '../domain/types';
import { delegationAmong, taskAccess } from './views';

/** The channel migration 039's triggers notify, in the transaction that writes the notice or task. */
export const EVENTS_CHANNEL = 'pdw_events';
/** A comment line this often keeps proxies from closing a quiet stream. */
export const HEARTBEAT_MS = 15_000;

/** What a trigger says: the row's kind and id, and the organisation and role it is for (no person, no text). */
interface Change {
  kind: 'notice' | 'task';
  id: string;
}

interface Subscriber {
  actor: Actor;
  out: ServerResponse;
}

/**
 * The API process's one listener connection (LISTEN pdw_events), opened with the first subscriber, and the console's
 * open streams. A change reaches a subscriber only when the existing read rules let them see its row: a notice when
 * their GET /notifications would list it (noticeAddressedTo), a task when they are its candidate or reach it as a
 * delegate (domain/tasks.ts isCandidate, views.ts delegationAmong: as GET /tasks/{id}). Each change costs the same few
 * statements however many streams are open, and changes are dispatched one at a time, so a burst of writes queues
 * here rather than taking the pool. The event carries no content, only what changed ("notices" or "tasks"): the
 * console refetches through those routes, which check access again.
 */
export class EventHub {
  private readonly subscribers = new Set<Subscriber>();
  /** Open streams by person (token sub). */
  private readonly perPerson = new Map<string, number>();
  private client: Listener | null = null;
  private connecting: Promise<void> | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private closed = false;
  /** The change being dispatched: the next waits for it. */
  private dispatching: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly databaseUrl: string | undefined,
    private readonly warn: (message: string) => void,
    private readonly limits: StreamLimits = DEFAULT_STREAM_LIMITS,
  ) {}

  /**
   * Whether `actor` may open one more stream: refused beyond their limit or the process's (subscribe right after, with
   * no await between, so two at once cannot both pass). The new stream is refused rather than the person's oldest
   * ended: a browser with many tabs then keeps the first ones live and the others poll with ETags as they did before
   * streams, each retrying later; ending the oldest instead would have the tabs end one another in turn as each
   * reconnects, none staying live and every reconnect refetching.
   */
  refusal(actor: Actor): RuleViolation | null {
    return streamLimitViolation({ mine: this.perPerson.get(actor.sub) ?? 0, all: this.subscribers.size }, this.limits);
  }

  /** Adds the stream on `out` for `actor` (after listen(): its headers sent). */
  subscribe(actor: Actor, out: ServerResponse): void {
    if (this.closed) {
      out.end();
      return;
    }
    const sub: Subscriber = { actor, out };
    this.subscribers.add(sub);
    this.perPerson.set(actor.sub, (this.perPerson.get(actor.sub) ?? 0) + 1);
    out.on('close', () => {
      if (!this.subscribers.delete(sub)) return;
      const left = (this.perPerson.get(actor.sub) ?? 1) - 1;
      if (left > 0) this.perPerson.set(actor.sub, left);
      else this.perPerson.delete(actor.sub);
    });
    out.write('retry: 5000\n: subscribed\n\n');
  }

  /** How many streams are open (the tests). */
  get size(): number {
    return this.subscribers.size;
  }

  /** The listener connection, opened once (again after it was lost). */
  listen(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the API is closing'));
    const databaseUrl = this.databaseUrl;
    if (!databaseUrl) return Promise.reject(new Error('no database named for the event listener'));
    this.connecting ??= (async () => {
      let client: Listener | undefined = undefined;
      client = await listen(
        databaseUrl,
        EVENTS_CHANNEL,
        (payload) => {
          this.dispatching = this.dispatching.then(() => this.dispatch(payload));
        },
        (err) => this.lost(client, err),
      );
      this.client = client;
      this.heartbeat = setInterval(() => {
        for (const s of this.subscribers) s.out.write(': heartbeat\n\n');
      }, HEARTBEAT_MS);
      this.heartbeat.unref();
    })().catch((err: unknown) => {
      this.connecting = null;
      throw err;
    });
    return this.connecting;
  }

  /** The listener's connection lost: every stream ends (the console reconnects, or falls back to polling). */
  private lost(client: Listener | undefined, err: Error): void {
    this.warn(`event listener connection lost: ${err.message}`);
    if (client === undefined || this.client === client) this.reset();
    void client?.end();
  }

  private reset(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.client = null;
    this.connecting = null;
    for (const s of this.subscribers) s.out.end();
    this.subscribers.clear();
    this.perPerson.clear();
  }

  private async dispatch(payload: string): Promise<void> {
    let change: Change;
    try {
      change = JSON.parse(payload) as Change;
    } catch {
      return;
    }
    if (this.subscribers.size === 0) return;
    try {
      const reached = change.kind === 'task' ? await this.taskReaches(change.id) : await this.noticeReaches(change.id);
      for (const s of this.subscribers) if (reached(s.actor)) s.out.write(`event: ${change.kind === 'task' ? 'tasks' : 'notices'}\ndata: {}\n\n`);
    } catch (err) {
      this.warn(`event not sent: ${(err as Error).message}`);
    }
  }

  private async taskReaches(id: string): Promise<(a: Actor) => boolean> {
    const found = await getTaskWithApplicant(this.db, id);
    if (!found) return () => false;
    const view = taskAccess(found);
    // Its candidates, and those it reaches as a delegate (代理) of one, as GET /tasks/{id} decides: the open streams'
    // delegations read in one statement.
    const now = new Date();
    const others = [...this.subscribers].map((s) => s.actor).filter((a) => !isCandidate(view, a));
    const delegations = await delegationsToAny(this.db, others, now);
    return (a) => isCandidate(view, a) || delegationAmong(delegations, a, found, found.applicant_sub, now) !== undefined;
  }

  /** The subscribers whose notices list holds notice `id`. */
  private async noticeReaches(id: string): Promise<(a: Actor) => boolean> {
    const notice = await noticeRecipients(this.db, id);
    return (a) => notice !== undefined && noticeAddressedTo(notice, a);
  }

  /** Ends every stream and the listener (the API closing: app.close must not wait on open streams). */
  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    const connecting = this.connecting;
    this.reset();
    if (connecting) await connecting.catch(() => undefined);
    const c = client ?? this.client;
    this.client = null;
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (c) await c.end();
  }
}
