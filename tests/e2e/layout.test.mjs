// The trace first: at 1400×900 the timeline's rows start above the fold
// under a header that says what the trace is and where its time goes; the
// other views are one click away in panes that never push it down; charts
// fit their boxes at every width from 1024 px up.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { corpusDir, openPage, showPane, withAppAndBrowser } from './support.mjs';

const running = withAppAndBrowser(before, after);

test('the sample opens with its timeline above the fold and a header that tells the story', async () => {
  const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
  await page.setViewportSize({ width: 1400, height: 900 });
  const firstRow = page.locator('[data-testid=span-row][data-row="0"]');
  await firstRow.waitFor();
  const box = await firstRow.boundingBox();
  assert.ok(box.y + box.height < 450, `the first row ends at ${box.y + box.height} px`);
  // What the trace is and where its time goes.
  assert.equal(await page.getByTestId('trace-title').locator('.trace-service').textContent(), 'batch-worker');
  await page.waitForFunction(() => /compress_zstd: \d+\.\d% of the critical path/.test(
    document.querySelector('[data-testid=biggest-stage]')?.textContent ?? ''));
  assert.match(await page.getByTestId('trace-id').textContent(), /^[0-9a-f]{32}$/);
  assert.ok((await page.getByTestId('trace-start').getAttribute('title')).endsWith('Z UTC'));
  // Opening a pane does not move the timeline.
  await showPane(page, 'logs');
  assert.deepEqual(await firstRow.boundingBox(), box);
  await showPane(page, 'breakdown');
  assert.deepEqual(await firstRow.boundingBox(), box);
  // Selecting a span does not scroll the page (the page does not scroll):
  // the row stays where it was, and the detail is on screen at once.
  await firstRow.click();
  const detail = page.getByTestId('span-detail');
  await detail.locator('h3').waitFor();
  assert.equal(await page.evaluate(() => document.scrollingElement.scrollTop), 0);
  const after = await firstRow.boundingBox();
  assert.ok(Math.abs(after.y - box.y) < 30, `the row moved from ${box.y} to ${after.y}`);
  const shown = await detail.boundingBox();
  assert.ok(shown.y < 900 && shown.y + 40 < 900, `the detail starts at ${shown.y}`);
  await detail.getByTestId('span-detail-close').click();
  await detail.waitFor({ state: 'detached' });
  assert.deepEqual(errors, []);
  await page.close();
});

/** Canvases in the pane that stick out of it, by test id. */
async function clippedCanvases(page, pane) {
  return page.locator(`.pane[data-pane="${pane}"]`).evaluate((box) => {
    const outer = box.getBoundingClientRect();
    return [...box.querySelectorAll('canvas')]
      .filter((c) => c.getBoundingClientRect().width > 0)
      .filter((c) => {
        const r = c.getBoundingClientRect();
        // Inside the pane across; its whole height within what scrolls.
        return r.left < outer.left - 1 || r.right > outer.right + 1 || box.scrollWidth > box.clientWidth + 1;
      })
      .map((c) => c.dataset.testid);
  });
}

test('charts fit their panes at every width, with a span selected or not', async () => {
  const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
  await page.locator('[data-testid=trace-item]').first().waitFor();
  await page.getByTestId('file-input').setInputFiles(path.join(corpusDir, 'etl-nightly/etl-nightly.otlp.json'));
  await page.getByText('etl-nightly.otlp.json').waitFor();
  for (const width of [1024, 1440, 1920]) {
    await page.setViewportSize({ width, height: 900 });
    for (const selected of [false, true]) {
      if (selected) await page.locator('[data-testid=span-row]').first().click();
      for (const pane of ['breakdown', 'all-traces']) {
        await showPane(page, pane);
        await page.locator(`.pane[data-pane="${pane}"] canvas`).first().waitFor();
        assert.deepEqual(await clippedCanvases(page, pane), [], `${pane} at ${width} px, selected: ${selected}`);
      }
    }
  }
  assert.deepEqual(errors, []);
  await page.close();
});
