// Browser measurements for `cargo xtask bench`: headless Chromium (as the
// tests run it) opens generated files through the file input and reports,
// per file, the time from handing over the file to the first painted
// timeline row and to the whole trace shown analysed (traces), or to the
// end of loading (logs), the longest gap
// between animation frames meanwhile (how long the tab froze), whether a
// determinate progress bar showed, and the JS heap after loading (live,
// after a garbage collection).
//
// For a night of many traces (night), the time from opening the *Why
// slow* pane to the frame showing its findings, and to the frame showing
// the average trace's structure.
//
// usage: node tests/bench/browser.mjs traces FILE… [-- logs FILE…] [-- night FILE…] [-- tall FILE…]
//
// A tall trace (tall: millions of spans, more rows than a browser lays
// out) is loaded and its last row scrolled to, selected and checked.
// Prints one JSON object per file.
import { statSync } from 'node:fs';
import { launchBrowser, openPage, startServer } from '../e2e/support.mjs';

// The files of each kind: `KIND FILE…`, kinds separated by `--`.
const groups = { traces: [], logs: [], night: [], tall: [] };
let group = null;
for (const arg of process.argv.slice(2)) {
  if (arg === '--') group = null;
  else if (group === null && arg in groups) group = arg;
  else groups[group ?? 'traces'].push(arg);
}
const { traces, logs, night, tall } = groups;

const server = await startServer();
const browser = await launchBrowser();
// Trunk's loader hands the wasm exports (its memory among them) to this event.
await browser.context.addInitScript(() => {
  addEventListener('TrunkApplicationStarted', (event) => { window.tracelensWasm = event.detail.wasm; });
});

/** Loads of a file under 100 MB measured; the figures of a load are
 * those of the load with the median whole trace (end of loading, for
 * logs), its longest frame gap the longest of them all. A bigger file is
 * loaded once (a load takes seconds). */
const LOADS = 3;
const SMALL_BYTES = 100e6;

async function measure(file, kind) {
  const count = statSync(file).size < SMALL_BYTES ? LOADS : 1;
  const loads = [];
  for (let i = 0; i < count; i++) {
    const last = i === count - 1;
    const one = await load(file, kind);
    loads.push(one);
    // The page of the last load is measured further; the others are
    // closed at once, so that nothing of them runs in the next.
    if (!last) await one.page.close();
  }
  const { page } = loads.at(-1);
  const key = (l) => (kind === 'logs' ? l.loaded : l.whole);
  const { painted, whole, loaded, ingest, progress } = loads.toSorted((a, b) => key(a) - key(b))[count >> 1];
  const { worstGap, worstGapAt } = loads.reduce((a, b) => (b.worstGap > a.worstGap ? b : a));
  return { ...await after(page, kind), file, kind, painted_s: painted, whole_s: whole, loaded_s: loaded,
    worst_frame_gap_ms: Math.round(worstGap), worst_frame_gap_at_s: Math.round(worstGapAt * 100) / 100,
    progress, ingest_ms: ingest && Math.round(ingest),
    loads: count, errors: loads.flatMap((l) => l.errors).slice(0, 3) };
}

/** Opens the page and gives it `file`: its times, when it is loaded. */
async function load(file, kind) {
  const { page, errors } = await openPage(browser.context, server.url + '/');
  await page.locator('[data-testid=trace-item]').first().waitFor();
  await page.evaluate(() => {
    // Each gap and when it ended, by the page's clock.
    window.frameGaps = [];
    let last = performance.now();
    const tick = (now) => {
      window.frameGaps.push([now - last, now]);
      last = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  // The page notes the times itself, from the file input's change event:
  // the frame that first shows a row of the new file (the sample's rows are
  // on screen before), perhaps of a partial view, and the frame that shows
  // the whole trace analysed (rows, no pending analysis, breakdown rows).
  await page.evaluate(() => {
    const before = document.querySelector('[data-testid=span-row]')?.dataset.spanId;
    window.times = {};
    const frame = (name) => requestAnimationFrame(() => { window.times[name] = performance.now() - window.times.given; });
    document.addEventListener('change', () => { window.times.given = performance.now(); }, true);
    let painted = false;
    const observer = new MutationObserver(() => {
      if (document.querySelector('[data-testid=load-progress] progress[value]')) window.times.progress = true;
      const row = document.querySelector('[data-testid=span-row]');
      if (!row || row.dataset.spanId === before) return;
      if (!painted) { painted = true; frame('painted'); }
      const whole = !document.querySelector('[data-testid=analysis-pending]')
        && document.querySelector('[data-testid=breakdown-row]');
      if (whole) { observer.disconnect(); frame('whole'); }
    });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  const started = Date.now();
  await page.getByTestId('file-input').setInputFiles(file);
  // Each look is a task on the page's thread: traces are looked at every
  // 100 ms (their times are the page's own), logs every 20 ms (their time
  // is when a look finds them loaded).
  const every = kind === 'logs' ? 20 : 100;
  for (;;) {
    const busy = await page.getByTestId('load-progress').count();
    const whole = await page.evaluate(() => window.times.whole !== undefined);
    if (!busy && (kind === 'logs' || whole) && Date.now() - started > 500) break;
    if (Date.now() - started > 300_000) throw new Error(`${file}: not loaded after 300 s`);
    await page.waitForTimeout(every);
  }
  // Whether a progress bar showed, as the page noted it (one shown
  // between two looks counts too).
  const progress = await page.evaluate(() => window.times.progress === true);
  const loaded = (Date.now() - started) / 1000;
  const times = await page.evaluate(() => window.times);
  const painted = kind === 'logs' ? null : times.painted / 1000;
  const whole = kind === 'logs' ? null : times.whole / 1000;
  // The longest gap, and when it began, in seconds after the file was
  // given (before it, a gap is the page settling or the browser's own
  // work, such as letting go of the page before).
  const [worstGap, worstGapAt] = await page.evaluate(() => {
    const [gap, ended] = window.frameGaps.reduce((a, b) => (b[0] > a[0] ? b : a), [0, 0]);
    return [gap, (ended - gap - window.times.given) / 1000];
  });
  // The app's own User Timing measure: the file read and its traces
  // joined, as the page does it.
  const ingest = await page.evaluate(() => performance.getEntriesByName('tracelens:ingest').at(-1)?.duration ?? null);
  return { page, errors, progress, loaded, painted, whole, worstGap, worstGapAt, ingest };
}

/** What is measured of a page once a file is loaded in it: memory,
 * scrolling, clicks, the other views; the page is closed after. */
async function after(page, kind) {
  // The JS heap the page holds: measured after a garbage collection, so
  // that the slices of the file already read and let go do not count
  // (before one, the figure moved between 9 and 230 MB from run to run).
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize: heap } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  const wasm = await page.evaluate(() => window.tracelensWasm?.memory?.buffer.byteLength ?? 0);
  // Scrolling the timeline to the end in 60 jumps, a frame each. The
  // frames: the times requestAnimationFrame hands its callbacks, the start
  // of each frame, on the display's beat (16.7 ms at 60 Hz). A frame whose
  // work ran over its beat shows as an interval of two beats or more. The
  // step: from one callback's continuation to the next, by the clock; it
  // also counts when the continuation got to run (noisy by a few ms).
  let scrollGap = null;
  if (kind === 'traces') {
    scrollGap = await page.evaluate(async () => {
      const rows = document.querySelector('.rows');
      const beats = [];
      const steps = [];
      let last = performance.now();
      for (let i = 0; i < 60; i++) {
        rows.scrollTop = (rows.scrollHeight * i) / 60;
        beats.push(await new Promise((r) => requestAnimationFrame(r)));
        const now = performance.now();
        steps.push(now - last);
        last = now;
      }
      const intervals = beats.slice(1).map((t, i) => t - beats[i]);
      const beat = intervals.toSorted((a, b) => a - b)[intervals.length >> 1];
      return {
        worst: Math.max(...intervals),
        dropped: intervals.filter((g) => g > 1.5 * beat).length,
        frames: intervals.length,
        step: Math.max(...steps.slice(1)),
      };
    });
  }
  // Zooming in four times, back to the whole trace, collapsing and
  // expanding all: the longest frame interval around each click.
  let actions = null;
  if (kind === 'traces') {
    actions = await page.evaluate(async () => {
      const frame = () => new Promise((r) => requestAnimationFrame(r));
      const longest = async (testid) => {
        const button = document.querySelector(`[data-testid=${testid}]`);
        let last = await frame();
        button.click();
        let worst = 0;
        for (let i = 0; i < 2; i++) {
          const now = await frame();
          worst = Math.max(worst, now - last);
          last = now;
        }
        return worst;
      };
      const zoom = [];
      for (let i = 0; i < 4; i++) zoom.push(await longest('zoom-in'));
      zoom.push(await longest('zoom-reset'));
      const collapse = await longest('collapse-all');
      const expand = await longest('expand-all');
      return { zoom: Math.max(...zoom), collapse, expand };
    });
  }
  // The other views of the trace: the flame graph's first paint (from the
  // tab's click to the frame after its boxes are drawn), the longest frame
  // while zooming it to the root's first child and back, and the spans
  // table's sort by duration (click to the frame after its rows change).
  let views = null;
  if (kind === 'traces') {
    await page.locator('[data-testid=span-row][data-row="1"]').click();
    views = await page.evaluate(async () => {
      const frame = () => new Promise((r) => requestAnimationFrame(r));
      const until = async (done) => {
        for (let i = 0; i < 2000 && !done(); i++) await frame();
        return frame();
      };
      const flame = () => document.querySelector('[data-testid=flamegraph]');
      let start = performance.now();
      document.querySelector('[data-testid=view-tab][data-view=flame]').click();
      const painted = (await until(() => (flame()?.dataset.boxes ?? '[]') !== '[]')) - start;
      const longest = async (act, done) => {
        let last = await frame();
        act();
        let worst = 0;
        for (let i = 0; i < 200 && !done(); i++) {
          const now = await frame();
          worst = Math.max(worst, now - last);
          last = now;
        }
        const now = await frame();
        return Math.max(worst, now - last);
      };
      const before = flame().dataset.boxes;
      const zoomIn = await longest(
        () => flame().dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })),
        () => flame().dataset.boxes !== before,
      );
      const zoomOut = await longest(
        () => document.querySelector('[data-testid=flame-crumb]').click(),
        () => flame().dataset.boxes === before,
      );
      document.querySelector('[data-testid=view-tab][data-view=spans]').click();
      await until(() => document.querySelector('[data-testid=spans-row]'));
      // Sorted once the heading says so: the rows are sorted and drawn in
      // the same turn, and where every span lasts as long (a million that
      // each end before they start, shown with zero length) the first row
      // does not change.
      const heading = document.querySelector('.spans-head [data-sort=duration]');
      start = performance.now();
      heading.click();
      const sorted = (await until(() => heading.getAttribute('aria-sort') === 'descending')) - start;
      document.querySelector('[data-testid=view-tab][data-view=timeline]').click();
      return { painted, zoom: Math.max(zoomIn, zoomOut), sorted };
    });
  }
  // A trace taller than the browser lays out: the scroll range's end shows
  // the last row, which a click selects.
  let lastRow = null;
  if (kind === 'tall') {
    const total = Number(await page.locator('.rows').getAttribute('aria-rowcount'));
    await page.evaluate(() => { const rows = document.querySelector('.rows'); rows.scrollTop = rows.scrollHeight; });
    const last = page.locator(`[data-testid=span-row][data-row="${total - 1}"]`);
    await last.waitFor({ timeout: 10_000 });
    await last.click();
    await page.locator(`[data-testid=span-row].selected[data-row="${total - 1}"]`).waitFor({ timeout: 10_000 });
    const inView = await last.evaluate((row) => {
      const box = row.getBoundingClientRect();
      const view = document.querySelector('.rows').getBoundingClientRect();
      return box.top >= view.top && box.bottom <= view.bottom + 1;
    });
    lastRow = { total, inView, height: await page.evaluate(() => document.querySelector('.rows').scrollHeight) };
  }
  // The Why slow pane over every trace of a night.
  let explain = null;
  if (kind === 'night') {
    explain = await page.evaluate(async () => {
      const frame = () => new Promise((r) => requestAnimationFrame(r));
      const until = async (done) => {
        for (let i = 0; i < 20000 && !done(); i++) await frame();
        return frame();
      };
      const start = performance.now();
      document.querySelector('[data-testid=pane-explain]').click();
      const findings = (await until(() => /against \d+ other/.test(document.querySelector('[data-testid=explain] p.muted')?.textContent ?? ''))) - start;
      const structure = (await until(() => document.querySelector('[data-testid=structure-node]'))) - start;
      return { findings, structure, traces: document.querySelectorAll('[data-testid=trace-item]').length };
    });
  }
  await page.close();
  return {
    explain_findings_ms: explain && Math.round(explain.findings),
    explain_structure_ms: explain && Math.round(explain.structure),
    flame_first_paint_ms: views && Math.round(views.painted),
    flame_zoom_worst_frame_ms: views && Math.round(views.zoom),
    spans_sort_ms: views && Math.round(views.sorted),
    zoom_worst_frame_ms: actions && Math.round(actions.zoom),
    collapse_all_frame_ms: actions && Math.round(actions.collapse),
    expand_all_frame_ms: actions && Math.round(actions.expand),
    scroll_worst_frame_ms: scrollGap && Math.round(scrollGap.worst),
    scroll_late_frames: scrollGap && `${scrollGap.dropped} of ${scrollGap.frames}`,
    scroll_longest_step_ms: scrollGap && Math.round(scrollGap.step),
    js_heap_mb: Math.round(heap / 1e6), wasm_memory_mb: Math.round(wasm / 1e6),
    last_row: lastRow,
  };
}

try {
  for (const file of traces) console.log(JSON.stringify(await measure(file, 'traces')));
  for (const file of logs) console.log(JSON.stringify(await measure(file, 'logs')));
  for (const file of night) console.log(JSON.stringify(await measure(file, 'night')));
  for (const file of tall) console.log(JSON.stringify(await measure(file, 'tall')));
} finally {
  await browser.close();
  await server.close();
}
