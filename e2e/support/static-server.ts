/**
 * A small static server for dist/ with the same cross-origin isolation headers as `vite preview`, for tests that
 * need to change what the server deploys while a page is open (a new service worker version). Playwright's
 * routes do not see a service worker's own script fetches, so the change has to happen on a server.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
};

export interface StaticServer {
  origin: string;
  /** replaces the body served for a path (e.g. `/sw.js`) from now on */
  override(pathname: string, body: string): void;
  close(): Promise<void>;
}

export async function serveDist(dir = path.resolve('dist')): Promise<StaticServer> {
  const overrides = new Map<string, string>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cache-Control': 'no-cache' };
    let file = path.join(dir, path.normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, ''));
    if (!file.startsWith(dir)) file = dir;
    const type = (f: string) => TYPES[path.extname(f)] ?? 'application/octet-stream';
    const override = overrides.get(url.pathname);
    if (override !== undefined) {
      res.writeHead(200, { ...headers, 'Content-Type': type(url.pathname) }).end(override);
    } else if (existsSync(file) && statSync(file).isFile()) {
      res.writeHead(200, { ...headers, 'Content-Type': type(file), 'Content-Length': statSync(file).size });
      createReadStream(file).pipe(res);
    } else if (/text\/html|\*\/\*/.test(req.headers.accept ?? '')) {
      // like vite preview's SPA fallback
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html' });
      createReadStream(path.join(dir, 'index.html')).pipe(res);
    } else {
      res.writeHead(404, headers).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    override: (pathname, body) => void overrides.set(pathname, body),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
