// core's ingest alone, built for the browser (crates/wasm-ingest), timed
// in Chromium on bytes in memory, as criterion times `tracelens_ingest`
// natively: two runs to warm up (the first grows the wasm memory and
// compiles the hot code), then ROUNDS runs, each set dropped outside the
// timing. Prints one JSON line a file: { file, spans, mean_ms,
// median_ms, min_ms }.
//
// usage: node tests/bench/wasm_ingest.mjs MODULE_DIR FILE... (MODULE_DIR
// holds wasm-bindgen's `--target web` output; `cargo xtask bench` makes it)
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TYPES, launchBrowser, startServer } from '../e2e/support.mjs';

const [moduleDir, ...files] = process.argv.slice(2);
if (!moduleDir || !files.length) {
  console.error('usage: node tests/bench/wasm_ingest.mjs MODULE_DIR FILE...');
  process.exit(2);
}
const ROUNDS = Number(process.env.ROUNDS ?? 10);

const server = await startServer();
const browser = await launchBrowser();
try {
  for (const file of files) {
    const page = await browser.context.newPage();
    // The module, a blank page to run it in, and the input, all from the
    // test server's origin.
    await page.route('**/wasm-ingest/**', async (route) => {
      const name = new URL(route.request().url()).pathname.split('/').pop();
      if (name === 'index.html') return route.fulfill({ contentType: TYPES['.html'], body: '<!doctype html><title>ingest</title>' });
      if (name === 'input') return route.fulfill({ body: await readFile(file) });
      return route.fulfill({
        contentType: TYPES[path.extname(name)] ?? 'application/octet-stream',
        body: await readFile(path.join(moduleDir, name)),
      });
    });
    await page.goto(server.url + '/wasm-ingest/index.html');
    const result = await page.evaluate(async (rounds) => {
      const module = await import('/wasm-ingest/tracelens_wasm_ingest.js');
      await module.default();
      module.load(new Uint8Array(await (await fetch('/wasm-ingest/input')).arrayBuffer()));
      const times = [];
      let spans = 0;
      for (let round = 0; round < rounds + 2; round++) {
        const start = performance.now();
        spans = module.ingest();
        const took = performance.now() - start;
        module.drop_set();
        if (round >= 2) times.push(took);
      }
      return { spans, times };
    }, ROUNDS);
    const sorted = [...result.times].sort((a, b) => a - b);
    const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
    console.log(JSON.stringify({
      file,
      spans: result.spans,
      mean_ms: mean,
      median_ms: sorted[Math.floor(sorted.length / 2)],
      min_ms: sorted[0],
    }));
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}
