import fs from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';
import type { Config } from '../core/config';

/**
 * Where `npm run build:console` wrote the operator console: dist/console, seen from api/ when run from the sources
 * and from dist/api/ when run compiled (the image). The first of the two that holds a build.
 */
export const CONSOLE_DIST =
  [path.resolve(__dirname, '../dist/console'), path.resolve(__dirname, '../console')].find((dir) =>
    fs.existsSync(path.join(dir, 'assets')),
  ) ?? path.resolve(__dirname, '../dist/console');

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Console not built</title></head>
<body><h1>The console is not built</h1><p>Run <code>npm run build:console</code> (npm start does) and reload.</p>
</body></html>`;

const escapeJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/**
 * The operator console at /console: a static page whose every call for data goes to the services with the
 * signed-in user's token, so the page itself (like the API's documents) is open, and holds no data. The services'
 * addresses are written into the page; its Content-Security-Policy lets it call exactly those.
 */
export function consoleRoutes(config: Config, dist = CONSOLE_DIST): Router {
  const router = Router();
  const settings = {
    api: config.api.publicUrl,
    notifications: config.notifications.publicUrl,
    analytics: config.analytics.publicUrl,
    temporalUi: config.temporal.uiUrl,
    namespace: config.temporal.namespace,
  };
  const origins = [...new Set([settings.notifications, settings.analytics].map((u) => new URL(u).origin))];
  const policy = [
    "default-src 'self'",
    `connect-src 'self' ${origins.join(' ')}`,
    "img-src 'self' data:",
    "style-src 'self' 'unsafe-inline'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
  const page = (): string | undefined => {
    const index = path.join(dist, 'index.html');
    if (!fs.existsSync(index)) return undefined;
    return fs
      .readFileSync(index, 'utf8')
      .replace(
        '</head>',
        `<script id="console-config" type="application/json">${escapeJson(settings)}</script></head>`,
      );
  };

  router.use((_req, res, next) => {
    res.set('Content-Security-Policy', policy);
    next();
  });
  router.get('/', (req, res) => {
    // Relative asset paths need the trailing slash.
    if (!req.originalUrl.split('?')[0]!.endsWith('/')) {
      res.redirect(301, `${req.baseUrl}/`);
      return;
    }
    const html = page();
    res
      .status(html ? 200 : 503)
      .type('html')
      .set('Cache-Control', 'no-store')
      .send(html ?? NOT_BUILT);
  });
  router.use(
    '/assets',
    express.static(path.join(dist, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }),
  );
  return router;
}
