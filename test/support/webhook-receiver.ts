// A real HTTP receiver for the tests of notices by webhook: it checks each post's signature (and its timestamp's age)
// and counts each event id it accepted; `answer` decides its status (a receiver that is down or failing).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { webhookSignature } from '../../worker/deliverer';

export interface WebhookReceiver {
  server: http.Server;
  /** Accepted posts by event id: how many times each. */
  got: Map<string, number>;
  bodies: Record<string, unknown>[];
  /** Posts whose signature, timestamp or idempotency key did not check. */
  badSignatures: string[];
  /** Its URL (path /hook). */
  url: string;
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret: () => string, port = 0, answer: () => number = () => 204): Promise<WebhookReceiver> {
  const got = new Map<string, number>();
  const bodies: Record<string, unknown>[] = [];
  const badSignatures: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const ts = String(req.headers['x-pdw-timestamp']);
      const expected = `sha256=${webhookSignature(secret(), ts, body)}`;
      const status = answer();
      const id = String(req.headers['x-pdw-event-id']);
      if (req.headers['x-pdw-signature'] !== expected || Math.abs(Date.now() / 1000 - Number(ts)) > 300 || req.headers['idempotency-key'] !== id)
        badSignatures.push(body);
      else if (status < 300) {
        got.set(id, (got.get(id) ?? 0) + 1);
        bodies.push(JSON.parse(body));
      }
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    server,
    got,
    bodies,
    badSignatures,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
