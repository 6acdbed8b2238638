// Log lines beside traces: dropped files joined to spans by id, the logs
// panel, and Loki (a stand-in answering with the corpus's Loki file).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { corpusDir, lokiRequests, openPage, showPane, withAppAndBrowser } from './support.mjs';

const running = withAppAndBrowser(before, after);
const ETL = path.join(corpusDir, 'etl-nightly');
const NIGHT = '772649cd9c3c0e1b546e4dd54815baad';

/** Lines per span id of one trace, counted from a zerolog file. */
async function zerologCounts(traceId) {
  const text = await readFile(path.join(ETL, 'logs/etl-nightly.zerolog.jsonl'), 'utf8');
  const counts = {};
  for (const line of text.split('\n').filter(Boolean)) {
    const record = JSON.parse(line);
    if (record.trace_id === traceId) counts[record.span_id] = (counts[record.span_id] ?? 0) + 1;
  }
  return counts;
}

async function openEtlWithLogs(page, logs) {
  await page.locator('[data-testid=trace-item]').first().waitFor();
  await page.getByTestId('file-input').setInputFiles([path.join(ETL, 'etl-nightly.otlp.json'), ...logs]);
  await page.getByText('2 files').waitFor();
  await page.locator(`[data-testid=trace-item][data-trace-id="${NIGHT}"]`).click();
  await showPane(page, 'logs');
  await page.locator('[data-testid=logs-panel] [data-testid=log-line]').first().waitFor();
}

test('a trace and its logs dropped together: each span lists its own lines', async () => {
  const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
  await openEtlWithLogs(page, [path.join(ETL, 'logs/etl-nightly.zerolog.jsonl')]);
  const expected = await zerologCounts(NIGHT);
  const rows = page.locator('[data-testid=span-row]');
  const spanIds = await rows.evaluateAll((all) => all.map((r) => r.dataset.spanId));
  let joined = 0;
  for (const spanId of spanIds) {
    const row = page.locator(`[data-testid=span-row][data-span-id="${spanId}"]`);
    await row.click();
    await page.getByTestId('span-detail').locator('h4', { hasText: 'Logs' }).waitFor();
    const lines = page.getByTestId('span-detail').locator('[data-testid=log-line]');
    assert.equal(await lines.count(), expected[spanId] ?? 0, `span ${spanId}`);
    if (expected[spanId]) {
      joined += expected[spanId];
      assert.deepEqual(await lines.evaluateAll((all) => [...new Set(all.map((l) => l.dataset.spanId))]), [spanId]);
      // The row shows where the span logged, and how much.
      assert.equal(await row.locator('.log-marker').getAttribute('data-logs'), String(expected[spanId]));
    } else {
      assert.equal(await row.locator('.log-marker').count(), 0);
    }
  }
  // 21 lines name the trace; one names a span that was never exported.
  const panel = page.getByTestId('logs-panel').locator('[data-testid=log-line]');
  assert.equal(await panel.count(), 21);
  assert.equal(joined, 20);
  assert.equal(await panel.filter({ hasText: 'span not in trace' }).count(), 1);
  await page.getByTestId('load-warnings').locator('summary').click();
  assert.match(await page.getByTestId('load-warnings').textContent(), /17d671e852e7c422/);
  // The error stands out on its span's row.
  assert.equal(await page.locator('[data-testid=span-row] .log-marker.error').count(), 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the logs panel filters by level and text, and a click selects the span', async () => {
  const { page } = await openPage(running.browser.context, running.server.url + '/');
  await openEtlWithLogs(page, [path.join(ETL, 'logs/etl-nightly.otlp-logs.json')]);
  const panel = page.getByTestId('logs-panel');
  const lines = panel.locator('[data-testid=log-line]');
  await panel.getByTestId('log-level').selectOption('error');
  assert.equal(await lines.count(), 1);
  assert.equal(await lines.first().getAttribute('data-level'), 'error');
  await panel.getByTestId('log-level').selectOption('warn');
  assert.equal(await lines.count(), 3);
  await panel.getByTestId('log-level').selectOption('unknown');
  await panel.getByTestId('log-filter').fill('part 7/7');
  assert.equal(await lines.count(), 1);
  const spanId = await lines.first().getAttribute('data-span-id');
  await lines.first().click();
  await page.locator(`[data-testid=span-row][data-span-id="${spanId}"].selected`).waitFor();
  assert.equal(await page.getByTestId('span-detail').locator('[data-testid=log-line]').count(), 1);
  await page.close();
});

test('the bundled sample opens with its workload logs joined', async () => {
  const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
  await page.locator('[data-testid=span-row] .log-marker').first().waitFor();
  const text = await readFile(path.join(import.meta.dirname, '../../public/sample.logs.jsonl'), 'utf8');
  const traceId = await page.locator('[data-testid=trace-item]').first().getAttribute('data-trace-id');
  const ofTrace = text.split('\n').filter(Boolean).map(JSON.parse).filter((r) => r.trace_id === traceId);
  await showPane(page, 'logs');
  const panel = page.getByTestId('logs-panel').locator('[data-testid=log-line]');
  assert.equal(await panel.count(), ofTrace.length);
  assert.equal(await panel.filter({ hasText: 'span not in trace' }).count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test("Loki answers the selected trace's lines; its errors read as such", async () => {
  const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
  await page.locator('[data-testid=trace-item]').first().waitFor();
  await page.getByTestId('file-input').setInputFiles(path.join(ETL, 'etl-nightly.otlp.json'));
  await page.locator('.trace-list-panel h2', { hasText: 'etl-nightly.otlp.json' }).waitFor();
  await page.locator(`[data-testid=trace-item][data-trace-id="${NIGHT}"]`).click();
  await showPane(page, 'logs');
  const panel = page.getByTestId('logs-panel');
  await panel.locator('.loki summary').click();
  await panel.getByTestId('loki-url').fill(running.server.url);
  await panel.getByRole('textbox', { name: 'Loki tenant (X-Scope-OrgID)' }).fill('finance');
  await panel.getByTestId('loki-fetch').click();
  const status = panel.getByTestId('loki-status');
  await status.waitFor();
  assert.equal(await status.textContent(), '21 line(s) from Loki');
  // Asked as the corpus file answers: the default query over the trace ± 1 min.
  const request = lokiRequests.at(-1);
  assert.equal(request.query.get('query'), `{service_name="ledger-export"} |= "${NIGHT}"`);
  assert.equal(request.query.get('start'), '1741831140072103000');
  assert.equal(request.query.get('end'), '1741831306566377000');
  assert.equal(request.headers['x-scope-orgid'], 'finance');
  assert.equal(await panel.locator('[data-testid=log-line]').count(), 21);
  assert.equal(await panel.locator('[data-testid=log-line][data-level=error]').count(), 1);
  // The same range fetched again lists its lines once.
  await panel.getByTestId('loki-fetch').click();
  await page.waitForFunction(
    () => document.querySelector('[data-testid=loki-status]')?.textContent === '0 line(s) from Loki',
  );
  assert.equal(await panel.locator('[data-testid=log-line]').count(), 21);

  await panel.getByTestId('loki-query').fill('{service_name="x"} syntax error');
  await panel.getByTestId('loki-fetch').click();
  await panel.locator('[data-testid=loki-status].error').waitFor();
  assert.match(await status.textContent(), /400: Loki could not run the query: parse error at line 1/);

  await panel.getByTestId('loki-query').fill('{service_name="x"} |= "too many"');
  await panel.getByTestId('loki-fetch').click();
  await page.getByText(/429: Loki is rate-limiting/).waitFor();

  await panel.getByTestId('loki-url').fill('http://127.0.0.1:9');
  await panel.getByTestId('loki-fetch').click();
  await page.getByText(/could not reach http:\/\/127\.0\.0\.1:9\/loki\/api\/v1\/query_range/).waitFor();
  // Lines already fetched stay.
  assert.equal(await panel.locator('[data-testid=log-line]').count(), 21);
  assert.deepEqual(errors.filter((e) => !/40\d|429|ERR_CONNECTION_REFUSED|Failed to load/.test(e)), []);
  await page.close();
});
