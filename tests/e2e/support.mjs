// Shared set-up of the browser tests: a static server for the built app
// (and the shared corpus, read-only, under /corpus/), and Debian's Chromium
// driven by playwright-core with a fresh profile.
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const projectRoot = path.resolve(here, '../..');
export const corpusDir = path.resolve(projectRoot, '../shared/corpus');
const distDir = path.resolve(process.env.TRACELENS_DIST ?? path.join(projectRoot, 'target/e2e-dist'));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.json': 'application/json',
  '.png': 'image/png',
};

async function resolveFile(urlPath) {
  const decoded = decodeURIComponent(urlPath.split('?')[0]);
  const [base, rest] = decoded.startsWith('/corpus/')
    ? [corpusDir, decoded.slice('/corpus/'.length)]
    : [distDir, decoded.slice(1) || 'index.html'];
  const file = path.resolve(base, rest);
  if (!file.startsWith(base + path.sep)) return null;
  try {
    return (await stat(file)).isFile() ? file : null;
  } catch {
    return null;
  }
}

/** Serves the app on a free loopback port; resolves to { url, close }. */
export async function startServer() {
  const server = createServer(async (req, res) => {
    const file = await resolveFile(req.url);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, { 'content-type': type }).end(await readFile(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Launches headless Chromium with a fresh profile; resolves to { context, close }. */
export async function launchBrowser() {
  const profile = await mkdtemp(path.join(tmpdir(), 'tracelens-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 860 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Opens a page and records uncaught errors (a Rust panic shows up here). */
export async function openPage(context, url) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(url);
  return { page, errors };
}
