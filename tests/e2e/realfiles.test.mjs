// Real files from other projects, dropped on the page as a user would:
// Zipkin's shared client/server span ids, and a Loki answer whose ids are
// stream labels rather than fields of its lines.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { corpusDir, openPage, projectRoot, showPane, withAppAndBrowser } from './support.mjs';

const running = withAppAndBrowser(before, after);
const DATA = path.join(projectRoot, 'tests/data');

test('a Zipkin trace with shared span ids credits each service its own time', async () => {
  const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
  await page.locator('[data-testid=trace-item]').first().waitFor();
  await page.getByTestId('file-input').setInputFiles([path.join(DATA, 'zipkin/yelp.json')]);
  await page.locator('[data-testid=trace-item][data-trace-id="0000000000000000a03ee8fff1dcd9b9"]').waitFor();
  await page.locator('[data-testid=trace-item]').first().click();
  await page.getByTestId('group-by').selectOption('service');
  await page.waitForFunction(
    () => document.querySelector('[data-testid=breakdown-row]')?.dataset.group === 'yelp_main/api_proxy',
  );
  const rows = await page.locator('[data-testid=breakdown-row]').evaluateAll((all) =>
    all.map((r) => [r.dataset.group, Math.round(parseFloat(r.dataset.criticalPct) * 10) / 10]),
  );
  // 88.935 ms of the root's 131.848 ms, as the core test works out by hand.
  assert.deepEqual(rows.slice(0, 3), [
    ['yelp_main/api_proxy', 67.5],
    ['unknown', 27.4],
    ['routing', 5.2],
  ]);
  // The server side sits one level under the client side of its call.
  const levels = await page
    .locator('[data-testid=span-row][data-span-id="668ed78ad94b35a1"]')
    .evaluateAll((all) => all.map((r) => Number(r.getAttribute('aria-level'))).sort());
  assert.equal(levels.length, 2);
  assert.equal(levels[1], levels[0] + 1);
  // Sharing an id is Zipkin's design, not a problem to warn of.
  assert.equal(await page.getByTestId('load-warnings').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a Loki answer with the ids in its stream labels joins line for line', async () => {
  const ETL = path.join(corpusDir, 'etl-nightly');
  const answer = JSON.parse(await readFile(path.join(ETL, 'logs/loki-query_range.json'), 'utf8'));
  // Each line's ids moved into the labels of a stream of its own, as a
  // Loki fed by the OpenTelemetry Collector labels them.
  const counts = {};
  const streams = [];
  for (const stream of answer.data.result) {
    for (const [time, text] of stream.values) {
      const line = JSON.parse(text);
      const { trace_id, span_id } = line;
      delete line.trace_id;
      delete line.span_id;
      counts[span_id] = (counts[span_id] ?? 0) + 1;
      streams.push({ stream: { ...stream.stream, trace_id, span_id }, values: [[time, JSON.stringify(line)]] });
    }
  }
  answer.data.result = streams;
  const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
  await page.locator('[data-testid=trace-item]').first().waitFor();
  // Playwright takes paths or buffers, not both at once.
  await page.getByTestId('file-input').setInputFiles([
    {
      name: 'etl-nightly.otlp.json',
      mimeType: 'application/json',
      buffer: await readFile(path.join(ETL, 'etl-nightly.otlp.json')),
    },
    { name: 'loki-labels.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(answer)) },
  ]);
  await page.getByText('2 files').waitFor();
  await page.locator('[data-testid=trace-item][data-trace-id="772649cd9c3c0e1b546e4dd54815baad"]').click();
  await showPane(page, 'logs');
  const panel = page.getByTestId('logs-panel').locator('[data-testid=log-line]');
  await panel.first().waitFor();
  assert.equal(await panel.count(), 21);
  const bySpan = await panel.evaluateAll((all) => {
    const found = {};
    for (const line of all) found[line.dataset.spanId] = (found[line.dataset.spanId] ?? 0) + 1;
    return found;
  });
  assert.deepEqual(bySpan, counts);
  assert.deepEqual(errors, []);
  await page.close();
});
