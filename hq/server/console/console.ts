/**
 * The console: `hq/dashboard/dist` (built by `npm run build:dashboard`) at `/`, with any other GET
 * that is not the API answered by its index.html (the console routes in the browser). Without a
 * build, `/` is a plain page saying how to make one. Every page goes out with a strict CSP.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../dashboard/dist', import.meta.url));

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Zizhu HQ</title></head>
<body><h1>Zizhu HQ</h1><p>The console is not built. Run <code>npm run build:dashboard</code> and restart HQ.</p>
<p>The API is at <code>/api/v1/</code> and the metrics at <code>/metrics</code>.</p></body></html>
`;

export async function consoleRoutes(app: FastifyInstance, dir: string = DEFAULT_CONSOLE_DIR): Promise<{ built: boolean }> {
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html')) {
      reply.header('content-security-policy', CSP);
      reply.header('x-frame-options', 'DENY');
    }
    return payload;
  });
  const built = existsSync(join(dir, 'index.html'));
  const apiNotFound = (url: string) => url.startsWith('/api/') || url === '/metrics' || url.startsWith('/metrics?');
  if (built) {
    await app.register(fastifyStatic, { root: dir, prefix: '/', index: 'index.html', wildcard: true });
  } else {
    app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(NOT_BUILT));
  }
  app.setNotFoundHandler((req, reply) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && !apiNotFound(req.url)) {
      if (built) return reply.type('text/html; charset=utf-8').sendFile('index.html');
      return reply.code(404).type('text/html; charset=utf-8').send(NOT_BUILT);
    }
    return reply.code(404).send({ error: `no ${req.method} ${req.url.split('?')[0]}` });
  });
  return { built };
}
