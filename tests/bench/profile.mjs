// Where the page's time goes while it opens a file: a Chromium CPU profile
// (the DevTools protocol's sampling profiler) from the file input's change
// event to the frame showing the whole trace analysed, summed by function:
// self time and time including callees, the 30 biggest of each (PROFILE_TOP=N
// for N); then the
// longest gaps between two animation frames (how long the tab froze), and
// what ran in them.
//
// usage: cargo xtask profile-dist target/profile-dist
//        TRACELENS_DIST=target/profile-dist node tests/bench/profile.mjs FILE
// (that build keeps the wasm's function names; the release build drops them.)
// PROFILE_FOR_MS=N profiles only the first N ms after the file is given.
import { launchBrowser, openPage, startServer, wholeTraceShown } from '../e2e/support.mjs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node tests/bench/profile.mjs FILE');
  process.exit(2);
}

/** Rust's legacy mangling (`_ZN4core3ptr…17h…E`) as a path. */
function demangle(name) {
  const match = /^_ZN(.*)E$/.exec(name);
  if (!match) return name;
  const parts = [];
  let rest = match[1];
  while (rest.length) {
    const length = /^\d+/.exec(rest);
    if (!length) break;
    const at = length[0].length;
    parts.push(rest.slice(at, at + Number(length[0])));
    rest = rest.slice(at + Number(length[0]));
  }
  if (/^h[0-9a-f]{16}$/.test(parts.at(-1) ?? '')) parts.pop();
  return parts.join('::').replaceAll('$LT$', '<').replaceAll('$GT$', '>').replaceAll('$u20$', ' ')
    .replaceAll('$RF$', '&').replaceAll('$C$', ',').replaceAll('..', '::');
}

const server = await startServer();
const browser = await launchBrowser();
try {
  const { page, errors } = await openPage(browser.context, server.url + '/');
  await page.locator('[data-testid=trace-item]').first().waitFor();
  let before = await page.locator('[data-testid=span-row]').first().getAttribute('data-span-id');
  // PROFILE_AFTER=OTHER: OTHER is opened and forgotten first, so the file
  // profiled is read into memory the page has used before.
  if (process.env.PROFILE_AFTER) {
    await page.getByTestId('file-input').setInputFiles(process.env.PROFILE_AFTER);
    await wholeTraceShown(page, before);
    await page.getByTestId('forget-files').click();
    await page.waitForFunction((id) => document.querySelector('[data-testid=span-row]')?.dataset.spanId === id, before);
  }
  // A frame callback that spins a little, so that the sampler sees each
  // frame: the stretches between two of them are the tab's frame gaps.
  await page.evaluate(() => {
    const tracelensFrameTick = () => {
      const until = performance.now() + 0.4;
      while (performance.now() < until);
      requestAnimationFrame(tracelensFrameTick);
    };
    requestAnimationFrame(tracelensFrameTick);
  });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  const started = Date.now();
  await page.getByTestId('file-input').setInputFiles(file);
  // PROFILE_FOR_MS=N: only the first N ms after the file is given (the
  // first view of a big file, say), the rest of the load unprofiled.
  if (process.env.PROFILE_FOR_MS) await page.waitForTimeout(Number(process.env.PROFILE_FOR_MS));
  else await wholeTraceShown(page, before);
  const { profile } = await cdp.send('Profiler.stop');
  if (process.env.PROFILE_FOR_MS) await wholeTraceShown(page, before);
  console.log(`${file}: whole trace on screen after about ${Date.now() - started} ms (as the test driver sees it)`);

  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const name = (id) => demangle(byId.get(id).callFrame.functionName || '(anonymous)');
  // Each sample's time: the gap to the next sample.
  const own = new Map();
  const within = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i + 1] ?? 0;
    total += micros;
    own.set(name(id), (own.get(name(id)) ?? 0) + micros);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const n = name(at);
      if (!seen.has(n)) {
        seen.add(n);
        within.set(n, (within.get(n) ?? 0) + micros);
      }
    }
  });
  const table = (title, map) => {
    console.log(`\n${title} (ms, share of ${(total / 1000).toFixed(0)} ms sampled)`);
    for (const [n, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.PROFILE_TOP ?? 30))) {
      console.log(`${(micros / 1000).toFixed(1).padStart(8)} ${((micros / total) * 100).toFixed(1).padStart(5)} %  ${n.slice(0, 150)}`);
    }
  };
  table('self time', own);
  table('with callees', within);

  // The longest gaps between two frames (samples in the frame callback),
  // and what ran in each, callees included.
  const gaps = [];
  let gap = null;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    const micros = profile.timeDeltas[i + 1] ?? 0;
    let frame = false;
    for (let node = id; node !== undefined; node = parent.get(node)) {
      if (name(node) === 'tracelensFrameTick') frame = true;
    }
    if (frame) {
      if (gap) gaps.push({ ...gap, micros: at - gap.from });
      gap = { from: at, samples: [] };
      return;
    }
    gap?.samples.push([id, micros]);
  });
  for (const stretch of gaps.sort((a, b) => b.micros - a.micros).slice(0, 4)) {
    const inside = new Map();
    for (const [id, micros] of stretch.samples) {
      const seen = new Set();
      for (let node = id; node !== undefined; node = parent.get(node)) {
        const n = name(node);
        if (!seen.has(n)) {
          seen.add(n);
          inside.set(n, (inside.get(n) ?? 0) + micros);
        }
      }
    }
    console.log(`\na frame gap of ${(stretch.micros / 1000).toFixed(1)} ms; inside it, with callees:`);
    const plumbing = /^(\(root\)|real|js-to-wasm::|wasm-to-js|.*wasm_bindgen.*|js_sys::futures.*|<core::pin::Pin<P>.*)$/;
    for (const [n, micros] of [...inside].filter(([n]) => !plumbing.test(n)).sort((a, b) => b[1] - a[1]).slice(0, 16)) {
      console.log(`${(micros / 1000).toFixed(1).padStart(8)}  ${n.slice(0, 150)}`);
    }
  }
  if (errors.length) console.log('\npage errors:', errors.slice(0, 3));
} finally {
  await browser.close();
  await server.close();
}
