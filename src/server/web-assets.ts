/** Serves the built UI (web/dist) and builds it when missing or older than web/src. */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';

export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');
export const WEB_DIST_DIR = path.join(WEB_DIR, 'dist');

/** Our own scripts only; socket.io needs ws:. Inline styles are allowed for highlight spans set by the UI. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

async function newestMtimeMs(p: string): Promise<number> {
  const info = await stat(p);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(p)) newest = Math.max(newest, await newestMtimeMs(path.join(p, entry)));
  return newest;
}

/** True when web/dist/index.html is missing or older than any file in web/src, web/index.html or the vite config. */
export async function webBuildIsStale(webDir = WEB_DIR): Promise<boolean> {
  const index = path.join(webDir, 'dist', 'index.html');
  if (!existsSync(index)) return true;
  const built = (await stat(index)).mtimeMs;
  const sources = ['src', 'index.html', 'vite.config.ts'].map((p) => path.join(webDir, p)).filter((p) => existsSync(p));
  for (const s of sources) if ((await newestMtimeMs(s)) > built) return true;
  return false;
}

/**
 * Builds the UI with Vite when stale. Vite is a dev dependency: without it, the API still runs and `/` says how to build.
 * @returns whether a build ran.
 */
export async function ensureWebBuilt(log: (line: string) => void, webDir = WEB_DIR): Promise<boolean> {
  if (!(await webBuildIsStale(webDir))) return false;
  log('正在构建网页界面（web/ → web/dist）…');
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    log('未安装 vite（开发依赖），无法构建网页界面；请运行 npm install 后重试。');
    return false;
  }
  await vite.build({ root: webDir, configFile: path.join(webDir, 'vite.config.ts'), logLevel: 'warn' });
  log('网页界面构建完成。');
  return true;
}

/** Static files with an index.html fallback for client-side routes; /api and /socket.io are left alone. */
export function webRoutes(distDir: string): Router {
  const router = express.Router();
  router.use((req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Content-Security-Policy', CSP);
    next();
  });
  router.use(express.static(distDir, { index: 'index.html', maxAge: 0, fallthrough: true }));
  router.get('/{*splat}', (req, res, next) => {
    if (req.path.startsWith('/api/') || req.path.startsWith('/socket.io/')) {
      next();
      return;
    }
    const index = path.join(distDir, 'index.html');
    if (!existsSync(index)) {
      res
        .status(503)
        .type('html')
        .send('<!doctype html><meta charset="utf-8"><title>应急知识助手</title><p>网页界面尚未构建。请运行 <code>npm run build:web</code> 或 <code>npm start</code>。</p>');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
