// `tracelens serve` with real senders: the OpenTelemetry Python SDK's
// OTLP/HTTP and gRPC exporters (target/otel-venv, installed by
// `cargo xtask test`) and the sample workload's OTLP/HTTP exporter; the app
// it serves searches, opens and follows what arrived.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { launchBrowser, openPage, projectRoot, showPane, startTracelensServe } from './support.mjs';

const python = path.join(projectRoot, 'target/otel-venv/bin/python');

let where;
let browser;

before(async () => {
  where = await startTracelensServe();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await where?.stop();
});

/** Sends `orders` traces with the Python SDK; their ids. */
function sendWithPython(protocol, service, orders = 2) {
  const endpoint = protocol === 'http' ? where.http : where.grpc;
  const out = execFileSync(python, [path.join(projectRoot, 'tests/serve/send.py'), '--protocol', protocol,
    '--endpoint', endpoint, '--service', service, '--orders', String(orders)], { encoding: 'utf8' });
  return out.trim().split('\n').map((line) => JSON.parse(line).trace_id);
}

test("the Python SDK's HTTP and gRPC traces and logs are searched, opened and their logs fetched", async () => {
  const overHttp = sendWithPython('http', 'shop-http');
  const overGrpc = sendWithPython('grpc', 'shop-grpc');

  const { page, errors } = await openPage(browser.context, where.app + '/');
  // Served: the search is open, asks this origin, lists what arrived
  // newest first, and the newest trace is opened.
  const hits = page.getByTestId('tempo-results').locator('.tempo-hit');
  await page.locator(`.tempo-hit[data-trace-id="${overGrpc[1]}"]`).waitFor();
  assert.equal(await page.getByTestId('tempo-url').inputValue(), where.app);
  const listed = await hits.evaluateAll((buttons) => buttons.map((b) => b.dataset.traceId));
  assert.deepEqual(listed, [...overGrpc].reverse().concat([...overHttp].reverse()));
  await page.locator(`[data-testid=trace-item][data-trace-id="${overGrpc[1]}"]`).waitFor();
  assert.equal(await page.locator('[data-testid=span-row]').count(), 4);

  // A TraceQL search: only the failed orders (the second of each run).
  await page.getByTestId('tempo-search').fill('{ status = error && resource.service.name = "shop-http" }');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByTestId('tempo-status').filter({ hasText: '1 trace found' }).waitFor();
  assert.deepEqual(await hits.evaluateAll((b) => b.map((x) => x.dataset.traceId)), [overHttp[1]]);

  // Opening it, and its log line from this server's Loki answer.
  await hits.first().click();
  await page.locator(`[data-testid=trace-item][data-trace-id="${overHttp[1]}"]`).waitFor();
  await page.locator(`[data-testid=trace-item][data-trace-id="${overHttp[1]}"]`).click();
  await showPane(page, 'logs');
  const panel = page.getByTestId('logs-panel');
  await panel.locator('.loki summary').click();
  assert.equal(await panel.getByTestId('loki-url').inputValue(), where.app);
  await panel.getByTestId('loki-fetch').click();
  await panel.getByTestId('loki-status').filter({ hasText: '1 line(s) from Loki' }).waitFor();
  const line = panel.locator('[data-testid=log-line]');
  assert.equal(await line.count(), 1);
  assert.match(await line.textContent(), /charging order 1/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('following the search shows the workload\'s batches as they arrive', async () => {
  const { page, errors } = await openPage(browser.context, where.app + '/');
  await page.getByTestId('tempo-results').locator('.tempo-hit').first().waitFor();
  const before = await page.getByTestId('tempo-results').locator('.tempo-hit').count();
  await page.getByTestId('tempo-follow').check();
  await page.getByTestId('tempo-status').filter({ hasText: /^following:/ }).waitFor();
  // The sample workload, sending over OTLP/HTTP protobuf as it does.
  execFileSync('cargo', ['run', '--quiet', '-p', 'tracelens-workload', '--', '--batches', '2', '--messages', '500',
    '--level', '1', '--quiet', '--out', path.join(where.dataDir, 'workload.json'),
    '--bucket', `file://${path.join(where.dataDir, 'bucket')}`, '--otlp-endpoint', where.http],
  { cwd: projectRoot, stdio: 'inherit' });
  // No reload, no click: the two batches appear, marked new.
  const fresh = page.locator('.tempo-hit.new');
  await page.waitForFunction(() => document.querySelectorAll('.tempo-hit.new').length === 2, null, { timeout: 20_000 });
  assert.equal(await page.getByTestId('tempo-results').locator('.tempo-hit').count(), before + 2);
  for (const text of await fresh.allTextContents()) assert.match(text, /batch-worker · process_batch/);
  assert.match(await page.getByTestId('tempo-status').textContent(), /^following: \d+ traces?, \d new at/);
  await page.getByTestId('tempo-follow').uncheck();
  assert.deepEqual(errors, []);
  await page.close();
});
