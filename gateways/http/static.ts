// The dashboard's files (dashboard/dist, built by Vite) served by the HTTP gateway: read into memory
// once at start (a few megabytes), hashed assets cached for a year, `index.html` for every other
// page path of the single-page app, and the headers that keep a browser from being tricked into
// anything (no sniffing, no framing). Without a build, `/` says how to make one.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

interface StaticFile {
  body: Buffer;
  type: string;
  immutable: boolean;
}

/** The repository's dashboard/dist, found from this module whether it runs from source or from dist/. */
export function dashboardDirectory(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    if (existsSync(join(directory, 'package.json')) && existsSync(join(directory, 'dashboard'))) return join(directory, 'dashboard', 'dist');
    directory = dirname(directory);
  }
  return join(process.cwd(), 'dashboard', 'dist');
}

function readTree(root: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!existsSync(root)) return files;
  const walk = (directory: string): void => {
    for (const name of readdirSync(directory)) {
      const path = join(directory, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const url = `/${relative(root, path).split(sep).join('/')}`;
        files.set(url, { body: readFileSync(path), type: contentTypes[extname(path)] ?? 'application/octet-stream', immutable: url.startsWith('/assets/') });
      }
    }
  };
  walk(root);
  return files;
}

function send(res: HttpResponse, file: StaticFile): void {
  res.cork(() => {
    res.writeHeader('Content-Type', file.type);
    res.writeHeader('Cache-Control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    res.writeHeader('X-Content-Type-Options', 'nosniff');
    res.writeHeader('X-Frame-Options', 'DENY');
    res.writeHeader('Referrer-Policy', 'same-origin');
    res.end(file.body);
  });
}

/** Serves the dashboard on every GET that is not the API, the streams or a health endpoint. */
export function serveDashboard(app: TemplatedApp, root: string = dashboardDirectory()): { files: number } {
  const files = readTree(root);
  const index = files.get('/index.html');
  app.get('/*', (res, req) => {
    const url = req.getUrl();
    if (url.startsWith('/api/') || url === '/ws') {
      res.cork(() => res.writeStatus('404 Not Found').writeHeader('Content-Type', 'application/json').end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no such endpoint' } })));
      return;
    }
    const file = files.get(url) ?? (url.startsWith('/assets/') ? undefined : index);
    if (file === undefined) {
      res.cork(() =>
        res
          .writeStatus('404 Not Found')
          .writeHeader('Content-Type', 'text/plain; charset=utf-8')
          .end(index === undefined ? 'The dashboard is not built: run `npm run build` (or `npm run dashboard:build`).' : 'not found'),
      );
      return;
    }
    send(res, file);
  });
  return { files: files.size };
}
