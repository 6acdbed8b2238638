// The browser shows exactly the numbers `tracelens analyze --json` prints.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { corpusDir, openPage, projectRoot, showPane, withAppAndBrowser } from './support.mjs';

const running = withAppAndBrowser(before, after);

function cli(file, ...args) {
  const out = execFileSync(
    'cargo',
    ['run', '--quiet', '-p', 'tracelens-cli', '--', 'analyze', '--json', file, ...args],
    { cwd: projectRoot, encoding: 'utf8' },
  );
  return JSON.parse(out);
}

async function breakdownRows(page) {
  return page.locator('[data-testid=breakdown-row]').evaluateAll((rows) =>
    rows.map((r) => ({
      group: r.dataset.group,
      critical_pct: parseFloat(r.dataset.criticalPct),
      self_pct: parseFloat(r.dataset.selfPct),
    })),
  );
}

const expectedRows = (trace) =>
  trace.breakdown.map((g) => ({ group: g.group, critical_pct: g.critical_pct, self_pct: g.self_pct }));

for (const file of ['etl-nightly/etl-nightly.otlp.json', 'ticket-booking/ticket-booking.pb', 'edge-cases/edge-cases.zipkin.json']) {
  test(`breakdown and critical path of ${file} match the CLI`, async () => {
    const report = cli(path.join(corpusDir, file));
    const url = `${running.server.url}/?trace=${encodeURIComponent('/corpus/' + file)}`;
    const { page, errors } = await openPage(running.browser.context, url);
    const items = page.locator('[data-testid=trace-item]');
    await items.first().waitFor();
    assert.equal(await items.count(), report.traces.length);
    for (let i = 0; i < report.traces.length; i++) {
      const trace = report.traces[i];
      await page.locator(`[data-testid=trace-item][data-trace-id="${trace.trace_id}"]`).click();
      await page.locator(`[data-testid=trace-item][data-trace-id="${trace.trace_id}"].selected`).waitFor();
      await page.locator('[data-testid=breakdown-row]').first().waitFor();
      assert.deepEqual(await breakdownRows(page), expectedRows(trace), trace.trace_id);
      const critical = await page
        .locator('[data-testid=span-row][data-critical=true]')
        .evaluateAll((rows) => rows.map((r) => r.dataset.spanId).sort());
      const onPath = [...new Set(trace.critical_path.map((s) => s.span_id))].sort();
      assert.deepEqual(critical, onPath, trace.trace_id);
    }
    assert.deepEqual(errors, []);
    await page.close();
  });
}

test('grouping by service or an attribute regroups the breakdown like the CLI', async () => {
  const file = 'ticket-booking/ticket-booking.otlp.json';
  const { page } = await openPage(running.browser.context, `${running.server.url}/?trace=/corpus/${file}`);
  await page.locator('[data-testid=breakdown-row]').first().waitFor();
  for (const groupBy of ['service', 'attr:rpc.system']) {
    const report = cli(path.join(corpusDir, file), '--group-by', groupBy);
    // The attribute keys are listed once the choice has the focus.
    await page.getByTestId('group-by').focus();
    await page.getByTestId('group-by').selectOption(groupBy);
    await page.waitForFunction(
      (first) => document.querySelector('[data-testid=breakdown-row]')?.dataset.group === first,
      report.traces[0].breakdown[0].group,
    );
    assert.deepEqual(await breakdownRows(page), expectedRows(report.traces[0]), groupBy);
  }
  await page.close();
});

test('the span detail shows attributes as text, never as HTML', async () => {
  const spans = JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
      scopeSpans: [{ spans: [{
        traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'render',
        startTimeUnixNano: '1000', endTimeUnixNano: '2000',
        attributes: [{ key: 'payload', value: { stringValue: '<img src=x onerror="window.pwned=1">' } }],
      }] }],
    }],
  });
  const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
  await page.locator('[data-testid=trace-item]').first().waitFor();
  await page.getByTestId('file-input').setInputFiles({ name: 'xss.json', mimeType: 'application/json', buffer: Buffer.from(spans) });
  await page.locator('.trace-list-panel h2', { hasText: 'xss.json' }).waitFor();
  await page.locator('[data-testid=span-row]').first().click();
  const detail = page.getByTestId('span-detail');
  await detail.waitFor();
  assert.match(await detail.textContent(), /<img src=x onerror="window.pwned=1">/);
  assert.equal(await detail.locator('img').count(), 0);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the aggregate over all loaded traces matches the CLI', async () => {
  const file = 'etl-nightly/etl-nightly.otlp.json';
  const report = cli(path.join(corpusDir, file));
  const { page, errors } = await openPage(running.browser.context, `${running.server.url}/?trace=/corpus/${file}`);
  await showPane(page, 'all-traces');
  await page.locator('[data-testid=aggregate-row]').first().waitFor();
  const rows = await page.locator('[data-testid=aggregate-row]').evaluateAll((rows) =>
    rows.map((r) => ({
      group: r.dataset.group,
      critical_pct_p50: parseFloat(r.dataset.criticalPctP50),
      critical_pct_p95: parseFloat(r.dataset.criticalPctP95),
    })),
  );
  const expected = report.aggregate.map((g) => ({
    group: g.group,
    critical_pct_p50: g.critical_pct_p50,
    critical_pct_p95: g.critical_pct_p95,
  }));
  assert.deepEqual(rows, expected);
  assert.equal(rows[0].group, 'zstd_compress');
  assert.deepEqual(errors, []);
  await page.close();
});

test('finding spans highlights and counts matches, and Enter walks through them', async () => {
  const file = 'etl-nightly/etl-nightly.otlp.json';
  const { page, errors } = await openPage(running.browser.context, `${running.server.url}/?trace=/corpus/${file}`);
  await page.locator('[data-testid=span-row]').first().waitFor();
  const find = page.getByTestId('span-search');
  await find.fill('uploadpart');
  // The first trace (186537…) has nine S3.UploadPart spans.
  await page.getByTestId('span-search-count').getByText('9 matches').waitFor();
  assert.equal(await page.locator('[data-testid=span-row].match').count(), 9);
  await find.press('Enter');
  const detail = page.getByTestId('span-detail');
  await detail.waitFor();
  assert.match(await detail.locator('h3').textContent(), /S3\.UploadPart/);
  const first = await page.locator('[data-testid=span-row].selected').getAttribute('data-span-id');
  await find.press('Enter');
  const second = await page.locator('[data-testid=span-row].selected').getAttribute('data-span-id');
  assert.notEqual(first, second);
  await find.fill('');
  assert.equal(await page.locator('[data-testid=span-row].match').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('why the slow traces are slow: the page finds what `tracelens explain` finds', async () => {
  const file = 'etl-nightly/etl-nightly.otlp.json';
  const out = execFileSync(
    'cargo',
    ['run', '--quiet', '-p', 'tracelens-cli', '--', 'explain', '--json', '--slow', '40', path.join(corpusDir, file)],
    { cwd: projectRoot, encoding: 'utf8' },
  );
  const expected = JSON.parse(out);
  const { page, errors } = await openPage(running.browser.context, `${running.server.url}/?trace=/corpus/${file}`);
  await page.locator('[data-testid=trace-item]').nth(4).waitFor();
  await showPane(page, 'explain');
  await page.getByTestId('explain-rule').selectOption('40');
  const panel = page.getByTestId('explain');
  await page.waitForFunction(
    (n) => document.querySelector('[data-testid=explain] .muted')?.textContent.startsWith(`${n} trace${n === 1 ? '' : 's'} `),
    expected.slow.traces,
  );
  const findings = await panel.locator('[data-testid=explain-finding]').evaluateAll((all) =>
    all.map((f) => ({ kind: f.dataset.kind, text: f.textContent })),
  );
  assert.deepEqual(findings.map((f) => f.text), expected.findings);
  assert.ok(findings.every((f) => ['stage', 'attribute', 'correlation'].includes(f.kind)), JSON.stringify(findings));
  assert.ok(findings.some((f) => f.kind === 'stage'));
  assert.deepEqual(errors, []);
  await page.close();
});
