// The timeline as a person drives it: folding subtrees, the keyboard,
// filters, links that reopen a view, and the theme switch.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { corpusDir, openPage, withAppAndBrowser } from './support.mjs';

const running = withAppAndBrowser(before, after);
const ETL = 'etl-nightly/etl-nightly.otlp.json';
const TICKETS = 'ticket-booking/ticket-booking.otlp.json';

async function open(page, file) {
  await page.goto(`${running.server.url}/?trace=/corpus/${file}`);
  await page.locator('[data-testid=span-row]').first().waitFor();
}

const rows = (page) => page.locator('[data-testid=span-row]');
const names = (page) => rows(page).locator('.span-name').allTextContents();

/** Spans of one trace of an OTLP/JSON corpus file: name, service, duration, status. */
async function spansOf(file, traceId) {
  const data = JSON.parse(await readFile(path.join(corpusDir, file), 'utf8'));
  const spans = [];
  for (const rs of data.resourceSpans) {
    const service = rs.resource.attributes.find((a) => a.key === 'service.name').value.stringValue;
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        if (s.traceId !== traceId) continue;
        spans.push({
          service,
          ns: Number(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)),
          error: s.status?.code === 2 || s.status?.code === 'STATUS_CODE_ERROR',
        });
      }
    }
  }
  return spans;
}

test('subtrees collapse and expand, one by one, all at once, or to a depth', async () => {
  const { page, errors } = await openPage(running.browser.context, 'about:blank');
  await open(page, ETL);
  assert.equal(await rows(page).count(), 16);
  const putObject = rows(page).filter({ has: page.locator('.span-name', { hasText: /^put_object$/ }) });
  await putObject.getByTestId('span-toggle').click();
  assert.equal(await rows(page).count(), 5);
  assert.equal(await putObject.getAttribute('data-collapsed'), 'true');
  assert.equal((await putObject.getByTestId('span-toggle').textContent()).trim(), '▸ 11');
  await putObject.getByTestId('span-toggle').click();
  assert.equal(await rows(page).count(), 16);
  await page.getByTestId('collapse-all').click();
  assert.deepEqual(await names(page), ['export_partition']);
  await page.getByTestId('expand-all').click();
  assert.equal(await rows(page).count(), 16);
  await page.getByTestId('collapse-depth').selectOption('2');
  assert.deepEqual(await names(page), ['export_partition', 'read_parquet', 'to_ndjson', 'zstd_compress', 'put_object']);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the keyboard moves through rows, folds them, finds, and lists itself behind ?', async () => {
  const { page } = await openPage(running.browser.context, 'about:blank');
  await open(page, ETL);
  const ids = await rows(page).evaluateAll((all) => all.map((r) => r.dataset.spanId));
  const selected = () => page.locator('[data-testid=span-row].selected').getAttribute('data-span-id');
  await page.locator('body').press('j');
  assert.equal(await selected(), ids[0]);
  await page.keyboard.press('j');
  await page.keyboard.press('ArrowDown');
  assert.equal(await selected(), ids[2]);
  await page.keyboard.press('k');
  assert.equal(await selected(), ids[1]);
  await page.keyboard.press('End');
  assert.equal(await selected(), ids.at(-1));
  // put_object (row 5) folds with [ and unfolds with ].
  await page.keyboard.press('Home');
  for (let i = 0; i < 4; i++) await page.keyboard.press('j');
  assert.equal(await page.locator('[data-testid=span-row].selected .span-name').textContent(), 'put_object');
  await page.keyboard.press('[');
  assert.equal(await rows(page).count(), 5);
  await page.keyboard.press(']');
  assert.equal(await rows(page).count(), 16);
  await page.keyboard.press('?');
  await page.getByTestId('shortcuts').waitFor();
  assert.match(await page.getByTestId('shortcuts').textContent(), /collapse, expand/);
  await page.keyboard.press('Escape');
  assert.equal(await page.getByTestId('shortcuts').count(), 0);
  await page.keyboard.press('/');
  await page.keyboard.type('Upload');
  // 9 UploadPart, CreateMultipartUpload, CompleteMultipartUpload.
  assert.equal(await page.getByTestId('span-search-count').textContent(), '11 matches');
  await page.close();
});

test('filters by service, errors, attribute and duration count their matches', async () => {
  const { page, errors } = await openPage(running.browser.context, 'about:blank');
  await open(page, TICKETS);
  const traceId = await page.locator('[data-testid=trace-item].selected').getAttribute('data-trace-id');
  const spans = await spansOf(TICKETS, traceId);
  const count = () => page.getByTestId('span-search-count').textContent();
  const plural = (n) => `${n} match${n === 1 ? '' : 'es'}`;
  await page.getByTestId('filter-service').selectOption('seatmap-svc');
  assert.equal(await count(), plural(spans.filter((s) => s.service === 'seatmap-svc').length));
  assert.equal(await page.locator('[data-testid=span-row].match').count(), spans.filter((s) => s.service === 'seatmap-svc').length);
  await page.getByTestId('filter-service').selectOption('');
  await page.getByTestId('filter-errors').check();
  assert.equal(await count(), plural(spans.filter((s) => s.error).length));
  await page.getByTestId('filter-errors').uncheck();
  await page.getByTestId('filter-min-ms').fill('100');
  await page.getByTestId('filter-min-ms').press('Tab');
  assert.equal(await count(), plural(spans.filter((s) => s.ns >= 100e6).length));
  await page.getByTestId('filter-min-ms').fill('');
  await page.getByTestId('filter-min-ms').press('Tab');
  await page.getByTestId('filter-attribute').fill('no.such.attribute');
  await page.getByTestId('filter-attribute').press('Tab');
  assert.equal(await count(), '0 matches');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the URL keeps the span, the find text and the group; the link reopens them', async () => {
  const { page, errors } = await openPage(running.browser.context, 'about:blank');
  await open(page, ETL);
  // Pick a span of the third trace, find text and a group.
  await page.locator('[data-testid=trace-item]').nth(2).click();
  const row = rows(page).nth(3);
  const spanId = await row.getAttribute('data-span-id');
  const name = await row.locator('.span-name').textContent();
  await row.click();
  await page.getByTestId('span-search').fill('Upload');
  await page.waitForFunction((id) => location.search.includes(`span=${id}`), spanId);
  const link = page.url();
  assert.match(link, /trace=%2Fcorpus%2Fetl-nightly|trace=\/corpus\/etl-nightly/);
  assert.match(link, /find=Upload/);

  const { page: again } = await openPage(running.browser.context, link);
  await again.locator('[data-testid=span-detail] h3').waitFor();
  assert.equal(await again.locator('[data-testid=span-detail] h3').textContent(), name);
  assert.equal(
    await again.locator('[data-testid=trace-item].selected').getAttribute('data-trace-id'),
    await page.locator('[data-testid=trace-item].selected').getAttribute('data-trace-id'),
  );
  assert.equal(await again.getByTestId('span-search').inputValue(), 'Upload');
  assert.match(await again.getByTestId('span-search-count').textContent(), /matches/);
  assert.equal(await again.locator(`[data-testid=span-row].selected`).getAttribute('data-span-id'), spanId);
  assert.deepEqual(errors, []);
  await again.close();
  await page.close();
});

test('the theme switch goes light, dark, system; charts follow; the choice is kept', async () => {
  const { page } = await openPage(running.browser.context, 'about:blank');
  await open(page, ETL);
  const theme = () => page.evaluate(() => document.documentElement.dataset.theme ?? 'system');
  const corner = () =>
    page.getByTestId('breakdown-chart').evaluate((c) => [...c.getContext('2d').getImageData(2, 2, 1, 1).data.slice(0, 3)]);
  assert.equal(await theme(), 'system');
  await page.getByTestId('theme').click();
  assert.equal(await theme(), 'light');
  assert.deepEqual(await corner(), [255, 255, 255]);
  await page.getByTestId('theme').click();
  assert.equal(await theme(), 'dark');
  await page.waitForFunction(() => {
    const c = document.querySelector('[data-testid=breakdown-chart]');
    return c.getContext('2d').getImageData(2, 2, 1, 1).data[0] === 31;
  });
  assert.deepEqual(await corner(), [31, 31, 36]);
  const background = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--bg').trim());
  assert.equal(background, '#16161a');
  await page.reload();
  await page.locator('[data-testid=span-row]').first().waitFor();
  assert.equal(await theme(), 'dark');
  await page.getByTestId('theme').click();
  assert.equal(await theme(), 'system');
  await page.close();
});

test('span detail: values copy, events mark the bars, a link opens the linked span', async () => {
  await running.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: running.server.url });
  const { page, errors } = await openPage(running.browser.context, 'about:blank');
  await open(page, TICKETS);
  // The digest trace: flush_digest_batch links to spans of two other traces.
  await page.locator('[data-testid=trace-item][data-trace-id="65984e656b3a11dfce24d109577afdc5"]').click();
  const flush = rows(page).filter({ has: page.locator('.span-name', { hasText: /^flush_digest_batch$/ }) });
  await flush.click();
  const detail = page.getByTestId('span-detail');
  const jumps = detail.getByTestId('link-jump');
  assert.equal(await jumps.count(), 2);
  await detail.getByTestId('copy-value').first().click();
  const firstValue = await detail.locator('dl.attributes dd .value').first().textContent();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), firstValue);
  await jumps.first().click();
  await page.locator('[data-testid=trace-item].selected[data-trace-id="1e250c70dff6fe52c690a9c144e7cf0f"]').waitFor();
  assert.equal(await page.locator('[data-testid=span-row].selected').getAttribute('data-span-id'), '4d955eaf07cedcf1');
  // Every event of the trace's spans is a mark on its bar.
  const data = JSON.parse(await readFile(path.join(corpusDir, TICKETS), 'utf8'));
  let events = 0;
  for (const rs of data.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) {
    if (s.traceId === '1e250c70dff6fe52c690a9c144e7cf0f') events += (s.events ?? []).length;
  }
  assert.ok(events > 0);
  assert.equal(await page.getByTestId('event-mark').count(), events);
  assert.deepEqual(errors, []);
  await page.close();
});

test('zoom: drag on the ruler or the overview, buttons, Ctrl+wheel; the link keeps it', async () => {
  const { page, errors } = await openPage(running.browser.context, 'about:blank');
  await open(page, ETL);
  const view = () =>
    page.locator('.rows').evaluate((r) => [r.dataset.viewStartNs, r.dataset.viewEndNs].map((v) => (v ? Number(v) : null)));
  // The whole trace first.
  assert.deepEqual(await view(), [null, null]);
  const minimapPixels = await page.getByTestId('minimap').evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let drawn = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) drawn++;
    return drawn;
  });
  assert.ok(minimapPixels > 100, `overview drawn (${minimapPixels} pixels)`);

  const drag = async (locator, from, to) => {
    await locator.scrollIntoViewIfNeeded();
    const box = await locator.boundingBox();
    await page.mouse.move(box.x + box.width * from, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * ((from + to) / 2), box.y + box.height / 2, { steps: 3 });
    await page.mouse.move(box.x + box.width * to, box.y + box.height / 2, { steps: 3 });
    await page.mouse.up();
  };
  // The ruler spans the trace: dragging over its middle half shows that half.
  await drag(page.getByTestId('ruler'), 0.25, 0.75);
  const [from, to] = await view();
  assert.ok(from && to, 'zoomed');
  const root = await page.locator('[data-testid=span-row]').first().locator('.span-bar').getAttribute('style');
  const left = parseFloat(root.match(/left:(-?[\d.]+)%/)[1]);
  const width = parseFloat(root.match(/width:max\(([\d.]+)%/)[1]);
  // The root spans the trace: now from about -50 % to +150 % of the view.
  assert.ok(Math.abs(left + 50) < 3, `root starts at ${left}%`);
  assert.ok(Math.abs(width - 200) < 6, `root is ${width}% wide`);
  assert.match(await page.getByTestId('zoom-range').textContent(), /showing \+/);
  await page.waitForFunction(() => location.search.includes('zoom='));
  const link = page.url();

  await page.getByTestId('zoom-in').click();
  const [inFrom, inTo] = await view();
  assert.ok(Math.abs((inTo - inFrom) * 2 - (to - from)) < (to - from) * 0.01, 'zoom in halves the window');
  await page.keyboard.press('0');
  assert.deepEqual(await view(), [null, null]);
  // Ctrl+wheel over the rows zooms in around the pointer.
  await page.locator('.rows').scrollIntoViewIfNeeded();
  const rowsBox = await page.locator('.rows').boundingBox();
  await page.mouse.move(rowsBox.x + rowsBox.width * 0.7, rowsBox.y + 40);
  await page.keyboard.down('Control');
  await page.mouse.wheel(0, -100);
  await page.keyboard.up('Control');
  const [wheelFrom, wheelTo] = await view();
  assert.ok(wheelFrom && wheelTo, 'Ctrl+wheel zoomed in');
  // The overview: dragging over its first tenth shows the trace's first tenth.
  await page.getByTestId('zoom-reset').click();
  await drag(page.getByTestId('minimap'), 0.0, 0.1);
  const [mFrom, mTo] = await view();
  const [wholeFrom, wholeTo] = [from - (to - from) / 2, to + (to - from) / 2];
  assert.ok(Math.abs(mFrom - wholeFrom) < (wholeTo - wholeFrom) * 0.02, 'starts at the trace start');
  assert.ok(Math.abs((mTo - mFrom) - (wholeTo - wholeFrom) * 0.1) < (wholeTo - wholeFrom) * 0.02, 'a tenth wide');

  // The link reopens the zoomed view.
  const { page: again } = await openPage(running.browser.context, link);
  await again.locator('[data-testid=span-row]').first().waitFor();
  await again.waitForFunction(() => document.querySelector('.rows').dataset.viewStartNs);
  const reopened = await again.locator('.rows').evaluate((r) => [Number(r.dataset.viewStartNs), Number(r.dataset.viewEndNs)]);
  assert.deepEqual(reopened, [from, to]);
  assert.deepEqual(errors, []);
  await again.close();
  await page.close();
});
