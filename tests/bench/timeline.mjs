// The page's main thread while it opens a file, from a DevTools timeline
// trace (Chromium's tracing): each task of TIMELINE_MIN_TASK_MS or more
// (8 by default) in the first TIMELINE_FOR_MS ms (400 by default) after
// the file is given, with what it held (script, style, layout, paint,
// garbage collection), and each garbage collection of 2 ms or more with
// why V8 began it. It tells a frame held by a collection from one held by
// the page's own work, which neither the sampling profile (profile.mjs)
// nor the long animation frames (frames.mjs) do.
//
// usage: cargo xtask dist target/e2e-dist
//        TRACELENS_DIST=target/e2e-dist node tests/bench/timeline.mjs FILE
import { launchBrowser, openPage, startServer, wholeTraceShown } from '../e2e/support.mjs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node tests/bench/timeline.mjs FILE');
  process.exit(2);
}
const forMs = Number(process.env.TIMELINE_FOR_MS ?? 400);
const minTaskMs = Number(process.env.TIMELINE_MIN_TASK_MS ?? 8);
// What a task's time is told as: the trace's own event names.
const PARTS = [
  'FunctionCall', 'RunMicrotasks', 'EventDispatch', 'TimerFire', 'FireAnimationFrame',
  'ResizeObserverController::DeliverObservations', 'UpdateLayoutTree', 'Layout', 'PrePaint',
  'Paint', 'Layerize', 'Commit', 'MinorGC', 'MajorGC',
];

const server = await startServer();
const browser = await launchBrowser();
try {
  const { page } = await openPage(browser.context, server.url + '/');
  await page.locator('[data-testid=trace-item]').first().waitFor();
  const before = await page.locator('[data-testid=span-row]').first().getAttribute('data-span-id');
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', {
    categories: 'devtools.timeline,disabled-by-default-devtools.timeline,blink.user_timing,v8,disabled-by-default-v8.gc',
    transferMode: 'ReportEvents',
  });
  // A mark on the page's thread: where the file was given, and which
  // thread is the page's.
  await page.evaluate(() => performance.mark('tracelens-timeline:given'));
  await page.getByTestId('file-input').setInputFiles(file);
  await page.waitForTimeout(forMs);
  await cdp.send('Tracing.end');
  await complete;
  await wholeTraceShown(page, before);

  const given = events.find((e) => e.name === 'tracelens-timeline:given');
  if (!given) throw new Error('the mark was not in the trace');
  const main = events.filter((e) => e.pid === given.pid && e.tid === given.tid && e.ph === 'X');
  const ms = (micros) => (micros / 1000).toFixed(1);
  const at = (e) => Math.round((e.ts - given.ts) / 1000);
  console.log(`${file}: tasks of ${minTaskMs} ms or more in the first ${forMs} ms`);
  console.log('began (ms after the file was given)  length  what it held (ms, nested parts counted in each)');
  for (const task of main.filter((e) => e.name === 'RunTask' && e.dur >= minTaskMs * 1000).sort((a, b) => a.ts - b.ts)) {
    const held = new Map();
    for (const e of main) {
      if (e !== task && PARTS.includes(e.name) && e.ts >= task.ts && e.ts + e.dur <= task.ts + task.dur) {
        held.set(e.name, (held.get(e.name) ?? 0) + e.dur);
      }
    }
    const parts = [...held].sort((a, b) => b[1] - a[1]).map(([name, micros]) => `${name} ${ms(micros)}`);
    console.log(`${at(task)}\t${ms(task.dur)}\t${parts.join(', ')}`);
  }
  console.log('\ngarbage collections of 2 ms or more: began, length, kind, why');
  for (const e of main.filter((e) => ['MajorGC', 'MinorGC', 'V8.GCIncrementalMarkingStart'].includes(e.name) && e.dur >= 2000)) {
    const why = e.args?.type ?? e.args?.value?.reason ?? '';
    const external = e.args?.value?.global_consumed_bytes;
    const consumed = external ? ` (${Math.round(external / 1e6)} MB held against a limit of ${Math.round(e.args.value.global_allocation_limit / 1e6)} MB)` : '';
    console.log(`${at(e)}\t${ms(e.dur)}\t${e.name}\t${why}${consumed}`);
  }
} finally {
  await browser.close();
  await server.close();
}
