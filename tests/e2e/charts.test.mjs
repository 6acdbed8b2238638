// The breakdown's sorting, chart, exports and group focus, and the charts
// over all loaded traces, checked against `tracelens analyze --json`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { corpusDir, openPage, projectRoot, showPane, withAppAndBrowser } from './support.mjs';

const running = withAppAndBrowser(before, after);
const ETL = path.join(corpusDir, 'etl-nightly/etl-nightly.otlp.json');

function cli(file) {
  const out = execFileSync('cargo', ['run', '--quiet', '-p', 'tracelens-cli', '--', 'analyze', '--json', file], {
    cwd: projectRoot,
    maxBuffer: 1 << 26,
  });
  return JSON.parse(out);
}

async function openEtl(page) {
  await page.locator('[data-testid=trace-item]').first().waitFor();
  await page.getByTestId('file-input').setInputFiles(ETL);
  await page.locator('.trace-list-panel h2', { hasText: 'etl-nightly.otlp.json' }).waitFor();
  await page.locator('[data-testid=breakdown-row]').first().waitFor();
}

const groups = (page) =>
  page.locator('[data-testid=breakdown-row]').evaluateAll((rows) => rows.map((r) => r.dataset.group));

test('columns sort the breakdown both ways', async () => {
  const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
  await openEtl(page);
  const expected = cli(ETL).traces[0].breakdown;
  const by = (key, descending) =>
    [...expected]
      .sort((a, b) => (descending ? b[key] - a[key] : a[key] - b[key]) || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0))
      .map((g) => g.group);
  assert.deepEqual(await groups(page), expected.map((g) => g.group), 'biggest critical share first');
  const self = page.locator('th[data-sort=self]');
  await self.click();
  assert.deepEqual(await groups(page), by('self_ns', true));
  assert.equal(await self.getAttribute('aria-sort'), 'descending');
  await self.click();
  assert.deepEqual(await groups(page), by('self_ns', false));
  await page.locator('th[data-sort=count]').click();
  assert.deepEqual(await groups(page), by('count', true));
  assert.deepEqual(errors, []);
  await page.close();
});

test('the share chart is drawn, the biggest stage in its own colour', async () => {
  const { page } = await openPage(running.browser.context, running.server.url + '/');
  await openEtl(page);
  const chart = page.getByTestId('breakdown-chart');
  await chart.scrollIntoViewIfNeeded();
  const pixels = await chart.evaluate((canvas) => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let red = 0;
    let blue = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (r === 214 && g === 69 && b === 69) red++;
      if (r === 59 && g === 111 && b === 216) blue++;
    }
    return { width: canvas.width, height: canvas.height, red, blue };
  });
  assert.ok(pixels.width >= 300 && pixels.height >= 200, JSON.stringify(pixels));
  // zstd_compress holds 74.5 %: a long highlighted bar; the others in blue.
  assert.ok(pixels.red > 1000, JSON.stringify(pixels));
  assert.ok(pixels.blue > 50, JSON.stringify(pixels));
  await page.close();
});

test('the table saves as CSV and the chart as SVG and PNG', async () => {
  const { page } = await openPage(running.browser.context, running.server.url + '/');
  await openEtl(page);
  const expected = cli(ETL).traces[0];
  const save = async (testid) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
    return { name: download.suggestedFilename(), bytes: await readFile(await download.path()) };
  };
  const csv = await save('export-csv');
  assert.equal(csv.name, `tracelens-${expected.trace_id}-by-name.csv`);
  const lines = csv.bytes.toString('utf8').trim().split('\n');
  assert.equal(lines[0], 'group,spans,critical_ns,critical_pct,self_ns,self_pct,total_ns');
  const rows = lines.slice(1).map((l) => l.split(','));
  assert.deepEqual(
    rows.map((r) => [r[0], Number(r[1]), Number(r[2]), Number(r[3]), Number(r[4]), Number(r[5])]),
    expected.breakdown.map((g) => [g.group, g.count, g.critical_ns, g.critical_pct, g.self_ns, g.self_pct]),
  );
  const svg = await save('export-svg');
  assert.match(svg.name, /\.svg$/);
  const text = svg.bytes.toString('utf8');
  assert.match(text, /^<svg/);
  assert.match(text, /Share of the critical path/);
  assert.match(text, /zstd_compress/);
  assert.match(text, /% of the root span&apos;s duration|% of the root span's duration/);
  const png = await save('export-png');
  assert.match(png.name, /\.png$/);
  assert.deepEqual([...png.bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  await page.close();
});

test('clicking a group shows only its spans in the timeline', async () => {
  const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
  await openEtl(page);
  const rows = page.locator('[data-testid=span-row]');
  const all = await rows.count();
  await page.locator('[data-testid=breakdown-row][data-group="S3.UploadPart"]').click();
  await page.getByTestId('focus-group').waitFor();
  assert.equal(await rows.count(), 9);
  const names = await rows.locator('.span-name').allTextContents();
  assert.deepEqual([...new Set(names)], ['S3.UploadPart']);
  assert.match(await page.getByTestId('focus-group').textContent(), /9 span\(s\) of S3\.UploadPart/);
  // The same click again, or the button, shows every span again.
  await page.getByRole('button', { name: 'show all spans' }).click();
  // The rows' area regains the banner's height: its slots are counted again
  // on the next frame.
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=span-row]').length === n, all, { timeout: 5000 });
  assert.equal(await page.getByTestId('focus-group').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the durations histogram and the start/duration scatter; a point opens its trace', async () => {
  const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
  await openEtl(page);
  await showPane(page, 'all-traces');
  await page.getByTestId('duration-histogram').waitFor();
  const scatter = page.getByTestId('trace-scatter');
  await scatter.scrollIntoViewIfNeeded();
  const points = (await scatter.getAttribute('data-points')).split(' ').map((p) => p.split(',').map(Number));
  assert.equal(points.length, 5);
  const ids = await page
    .locator('[data-testid=trace-item]')
    .evaluateAll((items) => items.map((i) => i.dataset.traceId));
  // The longest trace is drawn highest: dda343cd… (76.84 s).
  const highest = points.reduce((best, p, i) => (p[1] < points[best][1] ? i : best), 0);
  assert.equal(ids[highest], 'dda343cd349a95d935ce5a9732a42bf2');
  const box = await scatter.boundingBox();
  const canvasWidth = await scatter.evaluate((c) => c.width);
  const scale = box.width / canvasWidth;
  // Hovering a point names its trace: root, start, duration.
  await page.mouse.move(box.x + points[highest][0] * scale, box.y + points[highest][1] * scale);
  const tip = page.getByTestId('scatter-tooltip');
  await tip.waitFor();
  assert.match(await tip.textContent(), /76\.84 s · \d+ spans/);
  assert.ok((await tip.locator('time').getAttribute('title')).endsWith('Z UTC'));
  await page.mouse.click(box.x + points[highest][0] * scale, box.y + points[highest][1] * scale);
  await page
    .locator('[data-testid=trace-item].selected[data-trace-id="dda343cd349a95d935ce5a9732a42bf2"]')
    .waitFor();
  assert.equal(await page.getByTestId('trace-id').textContent(), 'dda343cd349a95d935ce5a9732a42bf2');
  assert.deepEqual(errors, []);
  await page.close();
});

const compareRows = (page) =>
  page
    .locator('[data-testid=compare-row]')
    .evaluateAll((rows) => rows.map((r) => [r.dataset.group, Number(r.dataset.deltaNs)]));

test('compare: two traces, by an attribute value, by file — biggest change first', async () => {
  const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
  await openEtl(page);
  const panel = page.getByTestId('compare-panel');
  await showPane(page, 'compare');
  // Two traces: the first and the second of the list.
  const report = cli(ETL).traces;
  const critical = (t) => Object.fromEntries(t.breakdown.map((g) => [g.group, g.critical_ns]));
  const [first, second] = [critical(report[0]), critical(report[1])];
  const groups = [...new Set([...Object.keys(first), ...Object.keys(second)])];
  const expected = groups
    .map((g) => [g, (second[g] ?? 0) - (first[g] ?? 0)])
    .sort((x, y) => Math.abs(y[1]) - Math.abs(x[1]) || (x[0] < y[0] ? -1 : 1));
  await page.locator('[data-testid=compare-row]').first().waitFor();
  assert.deepEqual(await compareRows(page), expected);

  // By attribute: compression level 3 against 19.
  await panel.getByTestId('compare-mode').selectOption('attribute');
  await panel.getByTestId('compare-key').selectOption('compression.level');
  await panel.getByTestId('compare-a').selectOption('3');
  await panel.getByTestId('compare-b').selectOption('19');
  const rows = await compareRows(page);
  assert.equal(rows[0][0], 'zstd_compress');
  assert.ok(rows[0][1] > 0, 'level 19 compresses slower than level 3');
  assert.match(await panel.textContent(), /A \(1 trace\(s\)\) against B \(1\)/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('compare by file gives what `tracelens compare` gives', async () => {
  const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
  await page.locator('[data-testid=trace-item]').first().waitFor();
  const before = path.join(corpusDir, 'ticket-booking/ticket-booking.otlp.json');
  await page.getByTestId('file-input').setInputFiles([before, ETL]);
  await page.getByText('2 files').waitFor();
  const panel = page.getByTestId('compare-panel');
  await showPane(page, 'compare');
  await panel.getByTestId('compare-mode').selectOption('files');
  await panel.getByTestId('compare-a').selectOption({ label: 'ticket-booking.otlp.json' });
  await panel.getByTestId('compare-b').selectOption({ label: 'etl-nightly.otlp.json' });
  const out = execFileSync('cargo', ['run', '--quiet', '-p', 'tracelens-cli', '--', 'compare', '--json', before, ETL], {
    cwd: projectRoot,
  });
  const expected = JSON.parse(out).changes.map((c) => [c.group, c.delta_ns]);
  assert.deepEqual(await compareRows(page), expected);
  assert.deepEqual(errors, []);
  await page.close();
});
