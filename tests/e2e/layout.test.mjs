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
  await page.locator('.trace-list-panel h2', { hasText: 'etl-nightly.otlp.json' }).waitFor();
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

test('at 1024×700 and 1440×900 a clicked span is read without scrolling; bars keep room, the ruler\'s labels do not collide', async () => {
  const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
  await page.locator('[data-testid=trace-item]').first().waitFor();
  await page.getByTestId('file-input').setInputFiles(path.join(corpusDir, 'ticket-booking/ticket-booking.otlp.json'));
  await page.locator('.trace-list-panel h2', { hasText: 'ticket-booking.otlp.json' }).waitFor();
  for (const [width, height] of [[1024, 700], [1440, 900]]) {
    await page.setViewportSize({ width, height });
    // The slowest trace, picked by sorting on duration.
    await page.getByTestId('trace-sort').selectOption('duration');
    if ((await page.getByTestId('trace-sort-direction').textContent()) === '↑') await page.getByTestId('trace-sort-direction').click();
    await page.locator('[data-testid=trace-item]').first().click();
    const row = page.locator('[data-testid=span-row][data-row="3"]');
    await row.click();
    const detail = page.getByTestId('span-detail');
    await detail.locator('h3').waitFor();
    const box = await detail.boundingBox();
    assert.ok(box.y >= 0 && box.y + 60 < height, `${width}: the detail starts at ${box.y}`);
    assert.ok(box.x >= 0 && box.x + box.width <= width + 1, `${width}: the detail spans ${box.x}–${box.x + box.width}`);
    assert.equal(await page.evaluate(() => document.scrollingElement.scrollTop), 0);
    // The detail's name is the clicked row's, and it reads in full.
    assert.equal(await detail.locator('h3').textContent(), await row.locator('.span-name').textContent());
    // The bars keep room beside the names.
    const track = await row.locator('.span-track').boundingBox();
    assert.ok(track.width >= 200, `${width}: the bars have ${track.width} px`);
    // The ruler's labels never overlap.
    const labels = await page.locator('.ruler-track .tick').evaluateAll((ticks) =>
      ticks.map((t) => t.getBoundingClientRect()).filter((r) => r.width > 0).map((r) => [r.left, r.right]));
    for (let i = 1; i < labels.length; i++) {
      assert.ok(labels[i][0] >= labels[i - 1][1], `${width}: ruler labels ${i - 1} and ${i} overlap`);
    }
    // The find row stays on one line.
    const find = await page.locator('.find').boundingBox();
    assert.ok(find.height < 48, `${width}: the find row is ${find.height} px high`);
    await detail.getByTestId('span-detail-close').click();
    await detail.waitFor({ state: 'detached' });
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('the rows fill their box as the window grows and shrinks, the last row in view drawn', async () => {
  const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
  await page.setViewportSize({ width: 1400, height: 700 });
  await page.getByTestId('file-input').setInputFiles(path.join(corpusDir, 'deep-chain/deep-chain.otlp.json'));
  await page.locator('.trace-list-panel h2', { hasText: 'deep-chain.otlp.json' }).waitFor();
  await page.locator('[data-testid=span-row][data-row="0"]').waitFor();
  // The rows drawn reach the box's bottom: a row is drawn at every
  // height the box shows, however tall the window makes it.
  const filled = () => page.evaluate(() => {
    const box = document.querySelector('.rows').getBoundingClientRect();
    const bottoms = [...document.querySelectorAll('[data-testid=span-row]')]
      .map((row) => row.getBoundingClientRect())
      .filter((row) => row.height > 0 && row.bottom > box.top && row.top < box.bottom)
      .map((row) => row.bottom);
    return { box: box.height, reached: Math.max(...bottoms) - box.top };
  });
  for (const height of [700, 1400, 2100, 800]) {
    await page.setViewportSize({ width: 1400, height });
    // The box is measured after the page's layout, a frame or so on.
    let seen;
    for (let tries = 0; tries < 40; tries++) {
      seen = await filled();
      if (seen.reached >= seen.box - 1) break;
      await page.waitForTimeout(50);
    }
    assert.ok(seen.box > 200, `at ${height} px the rows' box is ${seen.box} px`);
    assert.ok(seen.reached >= seen.box - 1, `at ${height} px rows are drawn to ${seen.reached} of ${seen.box} px`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('opening files does not move the page down: the header keeps to one line', async () => {
  for (const width of [1400, 1280, 1100]) {
    const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
    await page.setViewportSize({ width, height: 800 });
    await page.locator('[data-testid=span-row][data-row="0"]').waitFor();
    const header = page.locator('header.header');
    const before = await header.boundingBox();
    // Two files with long names, opened one after the other.
    await page.getByTestId('file-input').setInputFiles(path.join(corpusDir, 'etl-nightly/etl-nightly.protojson.json'));
    await page.getByTestId('opened-file').waitFor();
    await page.getByTestId('file-input').setInputFiles(path.join(corpusDir, 'ticket-booking/ticket-booking.otlp.json'));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=opened-file]').length === 2);
    assert.deepEqual(await header.boundingBox(), before, `at ${width} px`);
    // The files can still be closed, however far across they scroll.
    await page.getByTestId('close-file').last().click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=opened-file]').length === 1);
    assert.deepEqual(errors, []);
    await page.close();
  }
});
