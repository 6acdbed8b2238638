// Writes the README's screenshots into docs/: node tests/docs/screenshots.mjs
// (after `cargo xtask dist target/e2e-dist`). Each view as a user reaches it.
// `node tests/docs/screenshots.mjs partial-view` retakes that one alone.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { corpusDir, launchBrowser, openPage, projectRoot, showPane, startServer, startTracelensServe } from '../e2e/support.mjs';

const docs = path.join(projectRoot, 'docs');
const ETL = path.join(corpusDir, 'etl-nightly');
const server = await startServer();
const browser = await launchBrowser();
try {
  if (process.argv[2] !== 'partial-view') await traceScreenshots(browser, server);
  await partialViewScreenshot(browser, server);
  if (process.argv[2] !== 'partial-view') await serveScreenshot(browser);
  console.log('screenshots written to docs/');
} finally {
  await browser.close();
  await server.close();
}

/** The trace views, the panes and the sample's story. */
async function traceScreenshots(browser, server) {
  const { page } = await openPage(browser.context, server.url + '/');
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.locator('[data-testid=trace-item]').first().waitFor();
  await page.getByTestId('file-input').setInputFiles([
    path.join(ETL, 'etl-nightly.otlp.json'),
    path.join(ETL, 'logs/etl-nightly.zerolog.jsonl'),
  ]);
  await page.getByText('2 files').waitFor();
  await page.locator('[data-testid=trace-item][data-trace-id="772649cd9c3c0e1b546e4dd54815baad"]').click();
  await page.locator('[data-testid=span-row][data-critical=true]').nth(3).click();
  await page.waitForTimeout(300);
  // The page as it opens: the trace first, the breakdown under it.
  await page.screenshot({ path: path.join(docs, 'screenshot.png') });
  // A narrow window: the detail lies over the timeline's right edge.
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(docs, 'screenshot-1024.png') });
  await page.setViewportSize({ width: 1440, height: 900 });
  // The other ways to see the trace.
  for (const view of ['flame', 'spans', 'graph']) {
    await page.locator(`[data-testid=view-tab][data-view=${view}]`).click();
    await page.waitForTimeout(400);
    await page.locator('.trace-main').screenshot({ path: path.join(docs, `view-${view}.png`) });
  }
  await page.locator('[data-testid=view-tab][data-view=timeline]').click();

  // Tall enough that no pane scrolls inside itself.
  await page.setViewportSize({ width: 1400, height: 2600 });
  await page.waitForTimeout(300);
  await page.locator('.breakdown-panel').screenshot({ path: path.join(docs, 'breakdown.png') });
  await page.getByTestId('breakdown-chart').screenshot({ path: path.join(docs, 'breakdown-chart.png') });
  await showPane(page, 'all-traces');
  await page.locator('.aggregate-panel .charts').screenshot({ path: path.join(docs, 'all-traces.png') });

  await showPane(page, 'compare');
  await page.getByTestId('compare-mode').selectOption('attribute');
  await page.getByTestId('compare-key').selectOption('compression.level');
  await page.getByTestId('compare-a').selectOption('3');
  await page.getByTestId('compare-b').selectOption('19');
  await page.getByTestId('compare-panel').screenshot({ path: path.join(docs, 'compare.png') });

  await page.locator('[data-testid=span-row] .log-marker.error').first().click();
  await showPane(page, 'logs');
  await page.getByTestId('logs-panel').screenshot({ path: path.join(docs, 'logs.png') });
  await page.getByTestId('span-detail').screenshot({ path: path.join(docs, 'span-logs.png') });

  // The sample's story: the big batches, picked on the histogram.
  const sample = (await openPage(browser.context, server.url + '/')).page;
  await sample.setViewportSize({ width: 1400, height: 3600 });
  await sample.locator('[data-testid=trace-item]').first().waitFor();
  await showPane(sample, 'explain');
  const histogram = sample.getByTestId('explain-histogram');
  await histogram.waitFor();
  await sample.waitForTimeout(300);
  const box = await histogram.boundingBox();
  await sample.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2);
  await sample.mouse.down();
  await sample.mouse.move(box.x + box.width - 2, box.y + box.height / 2, { steps: 5 });
  await sample.mouse.up();
  const choice = sample.getByTestId('explain-fit-choice');
  const inputBytes = await choice.evaluate((select) =>
    [...select.options].find((o) => o.text.includes('by compression.input_bytes')).value);
  await choice.selectOption(inputBytes);
  await sample.waitForTimeout(400);
  const panel = sample.getByTestId('explain');
  const top = await panel.boundingBox();
  const fit = await sample.getByTestId('explain-fit').boundingBox();
  await sample.screenshot({ path: path.join(docs, 'why-slow.png'), clip: { x: top.x, y: top.y, width: top.width, height: fit.y + fit.height + 30 - top.y } });
}

/**
 * A big file's first spans on screen while the rest is read (the corpus'
 * 15 MB file, the page's processor slowed twentyfold so that the partial
 * view stays long enough to be taken).
 */
async function partialViewScreenshot(browser, server) {
  const plain = path.join(projectRoot, 'target/e2e/large.otlp.json');
  await mkdir(path.dirname(plain), { recursive: true });
  await writeFile(plain, gunzipSync(await readFile(path.join(corpusDir, 'large/large.otlp.json.gz'))));
  const { page } = await openPage(browser.context, server.url + '/');
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.locator('[data-testid=trace-item]').first().waitFor();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 20 });
  await page.getByTestId('file-input').setInputFiles(plain);
  await page.getByTestId('analysis-pending').waitFor();
  await page.locator('[data-testid=load-progress] progress[value]').waitFor();
  await page.screenshot({ path: path.join(docs, 'partial-view.png') });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  await page.close();
}

/** `tracelens serve` receiving the workload's batches, following them. */
async function serveScreenshot(browser) {
  const serve = await startTracelensServe();
  try {
    const workload = (batches, seed) => execFileSync('cargo', ['run', '--quiet', '--release', '-p', 'tracelens-workload', '--',
      '--batches', String(batches), '--messages', '4000', '--level', '9', '--seed', String(seed), '--quiet',
      '--out', path.join(serve.dataDir, 'w.json'), '--bucket', `file://${path.join(serve.dataDir, 'bucket')}`,
      '--otlp-endpoint', serve.http], { cwd: projectRoot, stdio: 'inherit' });
    workload(4, 1);
    const { page } = await openPage(browser.context, serve.app + '/');
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.locator('[data-testid=span-row]').first().waitFor();
    await page.getByTestId('tempo-follow').check();
    workload(2, 2);
    await page.waitForFunction(() => document.querySelectorAll('.tempo-hit.new').length === 2);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(docs, 'serve.png') });
    await page.close();
  } finally {
    await serve.stop();
  }
}
