// Shared set-up of the browser tests: a static server for the built app
// (and the shared corpus, read-only, under /corpus/), and Debian's Chromium
// driven by playwright-core with a fresh profile.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const projectRoot = path.resolve(here, '../..');
export const corpusDir = path.resolve(projectRoot, '../shared/corpus');
const distDir = path.resolve(process.env.TRACELENS_DIST ?? path.join(projectRoot, 'target/e2e-dist'));

/** Content types the test server gives, by file extension. */
export const TYPES = {
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

/**
 * A stand-in for Grafana Tempo under /tempo/, answering with the corpus's
 * Tempo files: trace by id (v2, then v1), search (by the query each file
 * answers, from the manifest), echo and buildinfo. Requests are recorded.
 */
export const tempoRequests = [];
/** The stand-in answers PARTIAL for this trace. */
export const PARTIAL_TRACE = 'a2879a59d34de364299de071285c67e3';
let manifest;

async function tempo(req, res) {
  const url = new URL(req.url, 'http://localhost');
  const path = url.pathname.slice('/tempo'.length);
  tempoRequests.push({ path, headers: req.headers, query: url.searchParams });
  manifest ??= JSON.parse(await readFile(`${corpusDir}/manifest.json`, 'utf8'));
  const send = (status, body, type = 'application/json') =>
    res.writeHead(status, { 'content-type': type }).end(body);
  if (path === '/api/echo') return send(200, 'echo', 'text/plain');
  if (path === '/api/status/buildinfo') return send(200, JSON.stringify({ version: '2.6.1', branch: 'test' }));
  let match = path.match(/^\/api\/(v2\/)?traces\/([0-9a-f]+)$/);
  // Trace ids 0000…0dead0NNN make the stand-in fail with status NNN.
  // …0dead0999 answers nothing for 35 s, longer than the app waits.
  if (match && match[2].endsWith('dead0999')) {
    setTimeout(() => send(504, 'too late', 'text/plain'), 35_000);
    return undefined;
  }
  const failure = match && match[2].match(/dead0([0-9]{3})$/);
  if (failure) return send(Number(failure[1]), `stand-in failure ${failure[1]}`, 'text/plain');
  if (match) {
    const name = `api-${match[1] ? 'v2-' : ''}traces-${match[2]}.json`;
    const file = manifest.files.find((f) => f.path.endsWith(`/tempo/${name}`));
    if (!file) return send(404, 'trace not found', 'text/plain');
    // Where the scenario is this one trace, answer protobuf when asked, as
    // Tempo does: TraceByIDResponse { Trace trace = 1 }, Trace ≡ TracesData.
    const scenario = file.path.split('/')[0];
    const single = manifest.files.find((f) => f.path === `${scenario}/${scenario}.pb` && f.traces.length === 1);
    if (match[1] && single && (req.headers.accept ?? '').includes('application/protobuf')) {
      const trace = await readFile(`${corpusDir}/${single.path}`);
      const envelope = Buffer.concat([Buffer.from([0x0a]), varint(trace.length), trace]);
      tempoRequests.at(-1).answered = 'protobuf';
      return send(200, envelope, 'application/protobuf');
    }
    const body = await readFile(`${corpusDir}/${file.path}`, 'utf8');
    if (match[2] === PARTIAL_TRACE) {
      // As Tempo answers when a trace is larger than it will return whole.
      const answer = JSON.parse(body);
      answer.status = 'PARTIAL';
      answer.message = 'trace exceeds max size (max bytes: 5000000), partial trace returned';
      return send(200, JSON.stringify(answer));
    }
    return send(200, body);
  }
  const tags = { '/api/v2/search/tags': 'api-v2-search-tags.json',
    '/api/v2/search/tag/resource.service.name/values': 'api-v2-search-tag-resource.service.name-values.json' };
  if (tags[path]) return send(200, await readFile(`${corpusDir}/ticket-booking/tempo/${tags[path]}`));
  if (path === '/api/search') {
    const q = url.searchParams.get('q');
    if (q.includes('syntax error')) return send(400, 'parse error at line 1, col 3: syntax error', 'text/plain');
    const file = manifest.files.find((f) => f.format === 'tempo-search' && f.answers.includes(`q=${q}&`));
    if (!file) return send(200, JSON.stringify({ traces: [], metrics: {} }));
    return send(200, await readFile(`${corpusDir}/${file.path}`));
  }
  return send(404, 'not found', 'text/plain');
}

/**
 * A stand-in for Grafana Loki under /loki/: `query_range` answers with the
 * corpus's Loki file when asked exactly what that file answers (its
 * manifest entry's `answers`), with no lines for any other query. A query
 * holding `syntax error` gets Loki's 400, one holding `too many` its 429.
 */
export const lokiRequests = [];

async function loki(req, res) {
  const url = new URL(req.url, 'http://localhost');
  lokiRequests.push({ path: url.pathname, headers: req.headers, query: url.searchParams });
  manifest ??= JSON.parse(await readFile(`${corpusDir}/manifest.json`, 'utf8'));
  const send = (status, body, type = 'application/json') =>
    res.writeHead(status, { 'content-type': type }).end(body);
  if (url.pathname !== '/loki/api/v1/query_range') return send(404, '404 page not found', 'text/plain');
  const query = url.searchParams.get('query') ?? '';
  if (query.includes('syntax error')) {
    return send(400, 'parse error at line 1, col 1: syntax error: unexpected IDENTIFIER', 'text/plain');
  }
  if (query.includes('too many')) return send(429, 'too many outstanding requests', 'text/plain');
  const file = manifest.files.find((f) => f.format === 'loki-query-range');
  const asked = new URL(file.answers.replace(/^GET /, ''), 'http://localhost').searchParams;
  const same = ['query', 'start', 'end', 'direction'].every((k) => asked.get(k) === url.searchParams.get(k));
  if (same) return send(200, await readFile(`${corpusDir}/${file.path}`));
  return send(200, JSON.stringify({ status: 'success', data: { resultType: 'streams', result: [] } }));
}

function varint(value) {
  const bytes = [];
  while (value >= 0x80) {
    bytes.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  bytes.push(value);
  return Buffer.from(bytes);
}

/** Serves the app on a free loopback port; resolves to { url, close }. */
export async function startServer() {
  const server = createServer(async (req, res) => {
    if (req.url.startsWith('/tempo/')) return tempo(req, res);
    // A web server's own 404 page, as nginx writes it: what a Tempo URL
    // missing its proxy path reaches.
    if (req.url.startsWith('/not-tempo/')) {
      return res
        .writeHead(404, { 'content-type': 'text/html' })
        .end('<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n');
    }
    if (req.url.startsWith('/loki/')) return loki(req, res);
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

/**
 * Starts `tracelens serve` on free loopback ports with an empty data
 * folder, serving the built app; resolves, once it serves, to its
 * addresses `{ app, http, grpc }`, the `dataDir`, and `stop()`.
 */
export async function startTracelensServe() {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tracelens-serve-'));
  const serve = spawn(
    'cargo',
    ['run', '--quiet', '-p', 'tracelens-cli', '--', 'serve', '--listen', '127.0.0.1:0', '--otlp-http', '127.0.0.1:0',
      '--otlp-grpc', '127.0.0.1:0', '--data', dataDir, '--app', distDir],
    { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const where = {};
  await new Promise((resolve, reject) => {
    serve.on('exit', (code) => reject(new Error(`tracelens serve exited with ${code}`)));
    createInterface({ input: serve.stdout }).on('line', (line) => {
      const [label, url] = line.trim().split(/\s{2,}/);
      if (label === 'app, Tempo and Loki API') where.app = url;
      if (label === 'OTLP/HTTP') where.http = url;
      if (label === 'OTLP/gRPC') where.grpc = url;
      if (label === 'data') resolve();
    });
  });
  return {
    ...where,
    dataDir,
    stop: async () => {
      serve.kill('SIGTERM');
      await rm(dataDir, { recursive: true, force: true });
    },
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

/** Shows one of the panes under the timeline: `breakdown`, `all-traces`,
 * `compare` or `logs`. */
export async function showPane(page, name) {
  await page.getByTestId(`pane-${name}`).click();
  await page.locator(`.pane[data-pane="${name}"]:not([hidden])`).waitFor();
}

/**
 * Waits until a file given to the page is on screen whole: a row other
 * than `before` (the first row's span id before it was given), its
 * analysis no longer pending, nothing loading, the breakdown filled.
 */
export async function wholeTraceShown(page, before) {
  await page.waitForFunction((was) => {
    const row = document.querySelector('[data-testid=span-row]');
    return row && row.dataset.spanId !== was && !document.querySelector('[data-testid=analysis-pending]')
      && !document.querySelector('[data-testid=load-progress]') && document.querySelector('[data-testid=breakdown-row]');
  }, before, { timeout: 300_000, polling: 'raf' });
}

/** Opens a page and records uncaught errors (a Rust panic shows up here). */
export async function openPage(context, url) {
  const page = await context.newPage();
  // Each test's page starts as a first visit: what an earlier test opened
  // (kept in this browser) or resized is forgotten; a reload of the same
  // page keeps it, as a user's would.
  await page.addInitScript(() => {
    try {
      if (!sessionStorage.getItem('tracelens-test-started')) {
        sessionStorage.setItem('tracelens-test-started', '1');
        localStorage.removeItem('tracelens.files');
        localStorage.removeItem('tracelens.nameColumn');
      }
    } catch {
      // A document without storage (about:blank, data:): nothing kept.
    }
  });
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(url);
  return { page, errors };
}

/**
 * Starts the server and the browser before the tests of a file and stops
 * them after; the returned object's `server` and `browser` are set by then.
 */
export function withAppAndBrowser(before, after) {
  const running = {};
  before(async () => {
    running.server = await startServer();
    running.browser = await launchBrowser();
  });
  after(async () => {
    await running.browser?.close();
    await running.server?.close();
  });
  return running;
}
