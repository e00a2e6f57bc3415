// GET /events (issue 26 §2): the console's new tasks and notices as server-sent events, over real HTTP, fed by
// PostgreSQL LISTEN/NOTIFY (migration 039's triggers), each person getting only what they may see.
import type net from 'node:net';
import { randomUUID } from 'node:crypto';
import { seedCity, type SeededCity } from '../db/seed';
import { ERROR_MESSAGES_ZH, RULE_MESSAGES_ZH } from '../domain/errors';
import { DEFAULT_STREAM_LIMITS } from '../domain/notifications';
import type { Actor } from '../domain/types';
import { startApi, validShareBody, type Api } from './api-helpers';
import { eventually, startHarness, type Harness } from './helpers';

let h: Harness;
let api: Api;
let far: SeededCity;
let base: string;
beforeAll(async () => {
  h = await startHarness('events');
  far = await seedCity(h.db, `${h.city.region}-far`, `${h.city.region}-far`);
  api = await startApi(h);
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(api.app.server.address() as net.AddressInfo).port}`;
});
afterAll(async () => {
  await api.app.close();
  await h.close();
});

/** A stream read as the console reads it (fetch with the Authorization header): the event names as they come. */
interface Stream {
  events: string[];
  comments: string[];
  ended: Promise<void>;
  abort(): void;
}
async function subscribe(a: Api, url: string, actor: Actor): Promise<Stream> {
  const ctl = new AbortController();
  const res = await fetch(url, { headers: a.as(actor), signal: ctl.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const s: Stream = { events: [], comments: [], ended: Promise.resolve(), abort: () => ctl.abort() };
  s.ended = (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let at: number;
        while ((at = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, at);
          buf = buf.slice(at + 2);
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) s.events.push(line.slice(7));
            else if (line.startsWith(':')) s.comments.push(line.slice(1).trim());
          }
        }
      }
    } catch {
      // aborted
    }
  })();
  return s;
}

const reviewer = (org: string): Actor => ({ sub: `carol-${randomUUID().slice(0, 6)}`, org, roles: ['provider_reviewer'] });
const applicant = (org: string): Actor => ({ sub: `alice-${randomUUID().slice(0, 6)}`, org, roles: ['agency_applicant'] });

test("20 concurrent subscribers: a task for one city's reviewers reaches them, not the other city's", async () => {
  const here = Array.from({ length: 10 }, () => reviewer(h.city.agencies.health));
  const there = Array.from({ length: 10 }, () => reviewer(far.agencies.health));
  const streams = await Promise.all([...here, ...there].map((a) => subscribe(api, `${base}/events`, a)));
  const [mine, theirs] = [streams.slice(0, 10), streams.slice(10)];
  try {
    const created = await api.app.inject({
      method: 'POST',
      url: '/share-requests',
      payload: validShareBody(h.city.entries.conditional),
      headers: api.as(applicant(h.city.agencies.market)),
    });
    expect(created.statusCode).toBe(201);
    // The provider's opinion task and its notice reach each of this city's health reviewers.
    await eventually(async () => mine.every((s) => s.events.includes('tasks') && s.events.includes('notices')));
    await new Promise((r) => setTimeout(r, 500));
    expect(theirs.map((s) => s.events)).toEqual(theirs.map(() => []));

    const farCreated = await api.app.inject({
      method: 'POST',
      url: '/share-requests',
      payload: validShareBody(far.entries.conditional),
      headers: api.as(applicant(far.agencies.market)),
    });
    expect(farCreated.statusCode).toBe(201);
    await eventually(async () => theirs.every((s) => s.events.includes('tasks') && s.events.includes('notices')));
    await new Promise((r) => setTimeout(r, 1000));
    expect(mine.every((s) => s.comments.includes('subscribed'))).toBe(true);

    // A notice to one person by name reaches that person alone.
    const before = streams.map((s) => s.events.length);
    await h.db
      .insertInto('notifications')
      .values({ notification_key: `events-${randomUUID()}`, recipient_user: here[3].sub, kind: 'test', message: '测试' })
      .execute();
    await eventually(async () => streams[3].events.length > before[3]);
    await new Promise((r) => setTimeout(r, 500));
    expect(streams.map((s, i) => s.events.length - before[i])).toEqual(streams.map((_, i) => (i === 3 ? 1 : 0)));
  } finally {
    for (const s of streams) s.abort();
  }
}, 120_000);

test("a delegate (代理) gets the delegator's new task too; a colleague who is no delegate does not", async () => {
  const delegator = reviewer(h.city.agencies.health);
  const delegate = applicant(h.city.agencies.health);
  const colleague = applicant(h.city.agencies.health);
  // Known to the directory of people, as after a first sign-in.
  for (const a of [delegator, delegate, colleague]) expect((await api.app.inject({ method: 'GET', url: '/tasks', headers: api.as(a) })).statusCode).toBe(200);
  const made = await api.app.inject({
    method: 'POST',
    url: '/delegations',
    payload: { delegate: delegate.sub, endsAt: new Date(Date.now() + 3_600_000).toISOString(), kinds: ['SHARE_PROVIDER_OPINION'], reason: '休假' },
    headers: api.as(delegator),
  });
  expect(made.statusCode).toBe(201);
  const [toDelegate, toColleague] = await Promise.all([subscribe(api, `${base}/events`, delegate), subscribe(api, `${base}/events`, colleague)]);
  try {
    const created = await api.app.inject({
      method: 'POST',
      url: '/share-requests',
      payload: validShareBody(h.city.entries.conditional),
      headers: api.as(applicant(h.city.agencies.market)),
    });
    expect(created.statusCode).toBe(201);
    await eventually(async () => toDelegate.events.includes('tasks'));
    await new Promise((r) => setTimeout(r, 500));
    expect(toColleague.events).toEqual([]);
  } finally {
    toDelegate.abort();
    toColleague.abort();
  }
});

test('no token, or a bad one: problem+json 401, no stream', async () => {
  for (const headers of [{}, { authorization: 'Bearer not-a-token' }] as Record<string, string>[]) {
    const res = await fetch(`${base}/events`, { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await res.json()) as { status: number }).status).toBe(401);
  }
});

test('a stream ends after its seconds; app.close ends the open ones and does not hang', async () => {
  const actor = reviewer(h.city.agencies.health);
  const short = await subscribe(api, `${base}/events?seconds=1`, actor);
  await short.ended;

  const other = await startApi(h);
  await other.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(other.app.server.address() as net.AddressInfo).port}/events`;
  const streams = await Promise.all([subscribe(other, url, actor), subscribe(other, url, actor)]);
  const started = Date.now();
  await other.app.close();
  await Promise.all(streams.map((s) => s.ended));
  expect(Date.now() - started).toBeLessThan(5_000);
});

/** A stream refused: its problem+json (English, or Chinese under Accept-Language: zh) and Retry-After. */
async function refused(a: Api, url: string, actor: Actor, language?: string) {
  const res = await fetch(url, { headers: { ...a.as(actor), ...(language ? { 'accept-language': language } : {}) } });
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.headers.get('retry-after')).toBe('60');
  return (await res.json()) as { code: string; title: string; field: string; rule: string; errors: { message: string }[] };
}

test("beyond five streams a person (a browser's tabs), the next is refused 429 naming the rule; the open ones stay live", async () => {
  expect(DEFAULT_STREAM_LIMITS.perPerson).toBe(5);
  const many = reviewer(h.city.agencies.health);
  const five = await Promise.all(Array.from({ length: 5 }, () => subscribe(api, `${base}/events`, many)));
  try {
    expect(await refused(api, `${base}/events`, many)).toMatchObject({ code: 'TooManyRequests', field: 'streams', rule: 'open streams per person' });
    const zh = await refused(api, `${base}/events`, many, 'zh-CN,zh;q=0.9');
    expect(zh).toMatchObject({ title: ERROR_MESSAGES_ZH.TooManyRequests, rule: 'open streams per person' });
    expect(zh.errors[0].message).toBe(RULE_MESSAGES_ZH['open streams per person']);
    // Someone else is not held to this person's streams.
    const colleague = await subscribe(api, `${base}/events`, reviewer(h.city.agencies.health));
    colleague.abort();
    // The five still get what is theirs.
    await h.db
      .insertInto('notifications')
      .values({ notification_key: `events-${randomUUID()}`, recipient_user: many.sub, kind: 'test', message: '测试' })
      .execute();
    await eventually(async () => five.every((s) => s.events.includes('notices')));
    // A tab closed: its slot is free again.
    five[0].abort();
    await eventually(async () => {
      const res = await fetch(`${base}/events?seconds=1`, { headers: api.as(many) });
      await res.body?.cancel();
      return res.status === 200;
    });
  } finally {
    for (const s of five) s.abort();
  }
});

test("beyond the process's streams, the next is refused 429 whoever asks", async () => {
  const small = await startApi(h, { eventStreams: { perPerson: 5, total: 3 } });
  await small.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(small.app.server.address() as net.AddressInfo).port}/events`;
  try {
    const three = await Promise.all(Array.from({ length: 3 }, () => subscribe(small, url, reviewer(h.city.agencies.health))));
    expect(await refused(small, url, reviewer(h.city.agencies.health))).toMatchObject({
      code: 'TooManyRequests',
      field: 'streams',
      rule: 'open streams in all',
    });
    for (const s of three) s.abort();
  } finally {
    await small.app.close();
  }
});
