// The console (console/): its built files served at /console. Hashed assets are cached for good; the page
// itself is revalidated (the ETag hook), so a new build reaches browsers on their next load.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { problem } from './problem';

export const CONSOLE_DIST = path.resolve(__dirname, '../console/dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.ico': 'image/x-icon',
};

// Everything from this origin, nothing inline, nothing elsewhere: the page talks to this API only, and to the
// staff identity provider (`connect`: its origin) when staff sign in there.
const csp = (connect: string[]) =>
  `default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src ${["'self'", ...connect].join(' ')}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

export const consoleRoutes: FastifyPluginAsyncTypebox<{ dir: string; connect?: string[] }> = async (app, options) => {
  const dir = path.resolve(options.dir);
  const CSP = csp(options.connect ?? []);
  const schema = { tags: ['console'], summary: 'The console: a web page for applicants, reviewers and supervisors', security: [] };
  const send = async (file: string, reply: import('fastify').FastifyReply) => {
    const full = path.resolve(dir, file);
    if (!full.startsWith(dir + path.sep)) throw problem('ConsoleFileNotFound', `No console file ${file}`);
    const type = TYPES[path.extname(full)];
    const body = type ? await fs.readFile(full).catch(() => null) : null;
    if (body === null) {
      if (file === 'index.html') throw problem('ConsoleNotBuilt', `No console build at ${dir}: run npm run console:build (npm start builds it when missing)`);
      throw problem('ConsoleFileNotFound', `No console file ${file}`);
    }
    reply.type(type!).header('content-security-policy', CSP).header('x-content-type-options', 'nosniff');
    if (file.startsWith('assets/')) reply.header('cache-control', 'public, max-age=31536000, immutable');
    // Text as a string, so that the ETag hook gives the page a validator.
    return reply.send(type!.startsWith('text/') ? body.toString('utf8') : body);
  };
  app.get('/console', { schema }, async (_request, reply) => reply.redirect('/console/'));
  app.get('/console/', { schema }, async (_request, reply) => send('index.html', reply));
  app.get('/console/*', { schema: { ...schema, params: Type.Object({ '*': Type.String({ maxLength: 300 }) }) } }, async (request, reply) =>
    send(request.params['*'], reply),
  );
};
