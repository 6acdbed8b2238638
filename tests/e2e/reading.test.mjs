// Reading one trace as a Jaeger UI user expects: Back, reload and a
// second file lose nothing; the name column resizes; rows carry chips.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { corpusDir, openPage, withAppAndBrowser } from './support.mjs';

const running = withAppAndBrowser(before, after);

const items = (page) => page.locator('[data-testid=trace-item]');
const selectedId = (page) => page.locator('[data-testid=trace-item].selected').getAttribute('data-trace-id');
const TICKETS = path.join(corpusDir, 'ticket-booking/ticket-booking.otlp.json');
const EDGES = path.join(corpusDir, 'edge-cases/edge-cases.otlp.json');

test('Back returns to the trace and pane opened before, and a reload brings back the files and the trace', async () => {
  const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
  await items(page).first().waitFor();
  await page.getByTestId('file-input').setInputFiles(TICKETS);
  await page.getByTestId('opened-file').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=trace-item]').length === 4);
  const ids = await items(page).evaluateAll((all) => all.map((i) => i.dataset.traceId));
  await items(page).nth(1).click();
  await page.waitForURL((url) => url.searchParams.get('id') === ids[1]);
  await items(page).nth(2).click();
  await page.waitForURL((url) => url.searchParams.get('id') === ids[2]);
  await page.getByTestId('pane-logs').click();
  await page.waitForURL((url) => url.searchParams.get('pane') === 'logs');
  // Back: the pane, then the trace before.
  await page.goBack();
  await page.locator('.pane[data-pane="breakdown"]:not([hidden])').waitFor();
  assert.equal(await selectedId(page), ids[2]);
  await page.goBack();
  await page.waitForFunction((id) => document.querySelector('[data-testid=trace-item].selected')?.dataset.traceId === id, ids[1]);
  assert.equal(await items(page).count(), 4, 'the files are still loaded');
  // A span opened, then a reload: the file, the trace and the span are back.
  await page.locator('[data-testid=span-row][data-row="2"]').click();
  const span = await page.locator('[data-testid=span-row][data-row="2"]').getAttribute('data-span-id');
  await page.waitForURL((url) => url.searchParams.get('span') === span);
  await page.reload();
  await page.getByTestId('opened-file').waitFor();
  await page.waitForFunction((id) => document.querySelector('[data-testid=trace-item].selected')?.dataset.traceId === id, ids[1]);
  assert.equal(await items(page).count(), 4);
  assert.equal(await page.getByTestId('opened-file').textContent(), 'ticket-booking.otlp.json');
  await page.locator(`[data-testid=span-row].selected[data-span-id="${span}"]`).waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test('a second file adds to the first, each trace says its file, a file closes, and forget brings back the sample', async () => {
  const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
  await items(page).first().waitFor();
  await page.getByTestId('file-input').setInputFiles(TICKETS);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=trace-item]').length === 4);
  await page.getByTestId('file-input').setInputFiles(EDGES);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=trace-item]').length === 11);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=opened-file]').length === 2);
  assert.deepEqual(await page.getByTestId('opened-file').allTextContents(), ['ticket-booking.otlp.json', 'edge-cases.otlp.json']);
  const files = new Set(await page.getByTestId('trace-file').allTextContents());
  assert.deepEqual([...files].sort(), ['edge-cases.otlp.json', 'ticket-booking.otlp.json']);
  // The same file again is not read twice.
  await page.getByTestId('file-input').setInputFiles(EDGES);
  await page.waitForTimeout(300);
  assert.equal(await items(page).count(), 11);
  // Closing the first leaves the second.
  await page.getByTestId('close-file').first().click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=trace-item]').length === 7);
  assert.deepEqual(await page.getByTestId('opened-file').allTextContents(), ['edge-cases.otlp.json']);
  // Forget: the sample again, and after a reload too.
  await page.getByTestId('forget-files').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=trace-item]').length === 5);
  assert.equal(await page.getByTestId('opened-file').count(), 0);
  await page.reload();
  await items(page).first().waitFor();
  await page.waitForTimeout(300);
  assert.equal(await items(page).count(), 5);
  assert.equal(await page.getByTestId('opened-file').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the name column widens by its divider and stays so; names show whole on hover; rows carry status chips', async () => {
  const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
  await page.setViewportSize({ width: 1440, height: 900 });
  const label = page.locator('[data-testid=span-row][data-row="1"] .span-label');
  await label.waitFor();
  const before = (await label.boundingBox()).width;
  const divider = page.getByTestId('name-divider');
  const at = await divider.boundingBox();
  await page.mouse.move(at.x + at.width / 2, at.y + at.height / 2);
  await page.mouse.down();
  await page.mouse.move(at.x + 150, at.y + at.height / 2, { steps: 5 });
  await page.mouse.up();
  const wider = (await label.boundingBox()).width;
  assert.ok(Math.abs(wider - before - 150) < 12, `from ${before} to ${wider}`);
  // The keyboard moves it too.
  await divider.focus();
  await page.keyboard.press('ArrowLeft');
  assert.ok(Math.abs((await label.boundingBox()).width - (wider - 16)) < 3);
  await page.reload();
  await label.waitFor();
  assert.ok(Math.abs((await label.boundingBox()).width - (wider - 16)) < 3, 'remembered');
  const name = page.locator('[data-testid=span-row][data-row="1"] .span-name');
  assert.equal(await name.getAttribute('title'), await name.textContent());
  // An HTTP span of the edge cases carries its status code.
  await page.getByTestId('file-input').setInputFiles(EDGES);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=trace-item]').length === 7);
  let chip = null;
  for (let i = 0; i < 7 && !chip; i++) {
    await items(page).nth(i).click();
    await page.locator('[data-testid=span-row]').first().waitFor();
    if (await page.getByTestId('status-chip').count()) chip = page.getByTestId('status-chip').first();
  }
  assert.ok(chip, 'no trace showed a status chip');
  const text = await chip.textContent();
  assert.ok(/^\d{3}$/.test(text) || text === 'error', text);
  if (text !== 'error') assert.equal(await chip.getAttribute('title'), `HTTP status ${text}`);
  assert.deepEqual(errors, []);
  await page.close();
});
