// The long animation frames (Chromium's Long Animation Frames API, 50 ms
// and longer) while the page opens a file, in the release build: when each
// began after the file was given, how long it took, when rendering began
// in it, and the scripts (tasks) that ran in it. It tells a frame held by
// one long task from one held by several short ones, which the sampling
// profile (profile.mjs) does not. It also lists the gaps of 50 ms and more
// between animation frames, which the bench reports the longest of, and
// the page's own User Timing measures (`tracelens:…`).
//
// usage: cargo xtask dist target/e2e-dist
//        TRACELENS_DIST=target/e2e-dist node tests/bench/frames.mjs FILE
import { launchBrowser, openPage, startServer, wholeTraceShown } from '../e2e/support.mjs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node tests/bench/frames.mjs FILE');
  process.exit(2);
}
const server = await startServer();
const browser = await launchBrowser();
try {
  // FRAMES_AFTER=OTHER: OTHER is loaded first in a page of its own, which
  // is closed, as the bench loads its files one after another.
  if (process.env.FRAMES_AFTER) {
    const { page } = await openPage(browser.context, server.url + '/');
    await page.locator('[data-testid=trace-item]').first().waitFor();
    const before = await page.locator('[data-testid=span-row]').first().getAttribute('data-span-id');
    await page.getByTestId('file-input').setInputFiles(process.env.FRAMES_AFTER);
    await wholeTraceShown(page, before);
    await page.close();
  }
  const { page } = await openPage(browser.context, server.url + '/');
  if (process.env.FRAMES_CONSOLE) page.on('console', (m) => console.log('console:', m.text()));
  await page.locator('[data-testid=trace-item]').first().waitFor();
  const before = await page.locator('[data-testid=span-row]').first().getAttribute('data-span-id');
  await page.evaluate(() => {
    window.tracelensFrames = [];
    window.tracelensGiven = performance.now();
    // The gaps between animation frames, as the bench measures them.
    window.tracelensGaps = [];
    let last = performance.now();
    const tick = (now) => {
      if (now - last >= 50) window.tracelensGaps.push([last, now - last]);
      last = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    new PerformanceObserver((list) => {
      for (const frame of list.getEntries()) window.tracelensFrames.push(frame.toJSON());
    }).observe({ type: 'long-animation-frame' });
  });
  const started = Date.now();
  await page.getByTestId('file-input').setInputFiles(file);
  await wholeTraceShown(page, before);
  console.log(`${file}: whole trace on screen after about ${Date.now() - started} ms (as the test driver sees it)`);
  // The frames that follow (the overview is drawn after the rows).
  await page.waitForTimeout(1000);
  const { frames, given, gaps } = await page.evaluate(() => ({ frames: window.tracelensFrames, given: window.tracelensGiven, gaps: window.tracelensGaps }));
  const measures = await page.evaluate((given) => performance.getEntriesByType('measure')
    .filter((m) => m.name.startsWith('tracelens:') && m.startTime >= given)
    .map((m) => `${m.name} from ${Math.round(m.startTime - given)}: ${Math.round(m.duration)}`), given);
  console.log(`the page's own measures (ms after the file was given: length): ${measures.join(', ') || 'none'}`);
  console.log('gaps of 50 ms or more between animation frames (from ms after the file was given: length)');
  console.log(gaps.map(([from, length]) => `${Math.round(from - given)}: ${Math.round(length)}`).join(', ') || 'none');
  console.log('began (ms after the file was given)  duration  rendering from  style and layout from  scripts (invoker: ms, of it forced style and layout)');
  for (const frame of frames.filter((f) => f.startTime >= given)) {
    const scripts = frame.scripts
      .map((s) => `${s.invoker}: ${Math.round(s.duration)}${s.forcedStyleAndLayoutDuration >= 1 ? ` (forced ${Math.round(s.forcedStyleAndLayoutDuration)})` : ''}`)
      .join(', ');
    const layout = frame.styleAndLayoutStart ? Math.round(frame.styleAndLayoutStart - frame.startTime) : '—';
    console.log(`${Math.round(frame.startTime - given)}\t${Math.round(frame.duration)}\t${Math.round(frame.renderStart - frame.startTime)}\t${layout}\t${scripts}`);
  }
} finally {
  await browser.close();
  await server.close();
}
