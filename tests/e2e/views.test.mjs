// The flame graph, the spans table and the operation graph: where their
// boxes land, that they agree with each other, the timeline and the CLI.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { corpusDir, openPage, projectRoot, withAppAndBrowser } from './support.mjs';

const running = withAppAndBrowser(before, after);

const T0 = 1_700_000_000_000_000_000n;
const ms = (n) => String(T0 + BigInt(Math.round(n * 1e6)));
const id = (n) => n.toString(16).padStart(16, '0');

/** A drawn trace: handle (api) 0–10 ms; query (db) 1–5 under it, read
 * (disk) 2–4 under query; cache (api) 1.5–3, hidden by query, off the
 * critical path; render (api) 7–10. */
function drawnTrace() {
  const span = (n, name, parent, from, to) => ({
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: id(n),
    ...(parent ? { parentSpanId: id(parent) } : {}),
    name,
    kind: 1,
    startTimeUnixNano: ms(from),
    endTimeUnixNano: ms(to),
  });
  const service = (name, spans) => ({
    resource: { attributes: [{ key: 'service.name', value: { stringValue: name } }] },
    scopeSpans: [{ scope: { name: 'drawn' }, spans }],
  });
  return JSON.stringify({
    resourceSpans: [
      service('api', [span(1, 'handle', 0, 0, 10), span(5, 'cache', 1, 1.5, 3), span(4, 'render', 1, 7, 10)]),
      service('db', [span(2, 'query', 1, 1, 5)]),
      service('disk', [span(3, 'read', 2, 2, 4)]),
    ],
  });
}

function cli(file, ...args) {
  const out = execFileSync('cargo', ['run', '--quiet', '-p', 'tracelens-cli', '--', 'analyze', '--json', file, ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

async function openDrawn(page) {
  await page.locator('[data-testid=trace-item]').first().waitFor();
  await page.getByTestId('file-input').setInputFiles({ name: 'drawn.json', mimeType: 'application/json', buffer: Buffer.from(drawnTrace()) });
  await page.locator('.trace-list-panel h2', { hasText: 'drawn.json' }).waitFor();
}

async function showView(page, view) {
  await page.locator(`[data-testid=view-tab][data-view=${view}]`).click();
  await page.locator(`[data-testid=view-tab][data-view=${view}].active`).waitFor();
}

async function flameBoxes(page) {
  const flame = page.getByTestId('flamegraph');
  await page.waitForFunction(() => (document.querySelector('[data-testid=flamegraph]')?.dataset.boxes ?? '[]') !== '[]');
  return { boxes: JSON.parse(await flame.getAttribute('data-boxes')), width: (await flame.boundingBox()).width };
}

test('flame graph boxes land where the definitions put them, the critical path marked as the CLI has it; a subtree zooms and comes back', async () => {
  const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
  await page.setViewportSize({ width: 1440, height: 900 });
  await openDrawn(page);
  await showView(page, 'flame');
  const { boxes, width } = await flameBoxes(page);
  const at = (span) => boxes.find((b) => b.span === id(span));
  const expect = { 1: [0, 10, 0], 2: [1, 4, 1], 3: [2, 2, 2], 4: [7, 3, 1] };
  for (const [span, [from, length, row]] of Object.entries(expect)) {
    const b = at(Number(span));
    assert.ok(b, `span ${span} has a box`);
    assert.ok(Math.abs(b.x - (from / 10) * width) < 1, `span ${span} x ${b.x}`);
    assert.ok(Math.abs(b.width - (length / 10) * width) < 1, `span ${span} width ${b.width}`);
    assert.equal(b.y, row * 20, `span ${span} row`);
  }
  // cache lies wholly under query, off the path: not drawn (a box that
  // would show no pixel of its own is left out).
  assert.equal(at(5), undefined);
  // The path: every span but cache, as the CLI says.
  const dir = await mkdtemp(path.join(tmpdir(), 'tracelens-views-'));
  const file = path.join(dir, 'drawn.json');
  await writeFile(file, drawnTrace());
  const onPath = new Set(cli(file).traces[0].critical_path.map((s) => s.span_id));
  for (const b of boxes) assert.equal(b.critical, onPath.has(b.span), `span ${b.span}`);
  assert.equal(onPath.has(id(5)), false);
  // Double-click query: its subtree fills the width; the crumbs lead back.
  const canvas = await page.getByTestId('flamegraph').boundingBox();
  const query = at(2);
  await page.mouse.dblclick(canvas.x + query.x + query.width / 2, canvas.y + query.y + 10);
  await page.waitForFunction(() => JSON.parse(document.querySelector('[data-testid=flamegraph]').dataset.boxes)[0]?.span === '0000000000000002');
  const { boxes: zoomed, width: now } = await flameBoxes(page);
  assert.equal(zoomed.length, 2);
  assert.ok(Math.abs(zoomed[0].width - now) < 1, `${zoomed[0].width} of ${now}`);
  assert.ok(Math.abs(zoomed[1].x - now / 4) < 1 && Math.abs(zoomed[1].width - now / 2) < 1);
  assert.deepEqual(await page.getByTestId('flame-crumb').allTextContents(), ['whole trace', 'handle', 'query']);
  await page.getByTestId('flame-crumb').first().click();
  await page.waitForFunction(() => JSON.parse(document.querySelector('[data-testid=flamegraph]').dataset.boxes).length === 4);
  assert.deepEqual(errors, []);
  await page.close();
});

test('selecting in one view selects in the others; the view is in the address', async () => {
  const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
  await page.setViewportSize({ width: 1440, height: 900 });
  await openDrawn(page);
  await showView(page, 'flame');
  await page.waitForURL((url) => url.searchParams.get('view') === 'flame');
  const { boxes } = await flameBoxes(page);
  const render = boxes.find((b) => b.span === id(4));
  const canvas = await page.getByTestId('flamegraph').boundingBox();
  await page.mouse.move(canvas.x + render.x + render.width / 2, canvas.y + render.y + 10);
  assert.match(await page.getByTestId('flame-tooltip').textContent(), /render.*api.*3\.00 ms/s);
  await page.mouse.click(canvas.x + render.x + render.width / 2, canvas.y + render.y + 10);
  await page.getByTestId('span-detail').locator('h3', { hasText: 'render' }).waitFor();
  await showView(page, 'spans');
  await page.locator(`[data-testid=spans-row].selected[data-span-id="${id(4)}"]`).waitFor();
  // A row of the table selects too, and the timeline shows it.
  await page.locator(`[data-testid=spans-row][data-span-id="${id(3)}"]`).click();
  await page.getByTestId('span-detail').locator('h3', { hasText: 'read' }).waitFor();
  await showView(page, 'timeline');
  await page.locator(`[data-testid=span-row].selected[data-span-id="${id(3)}"]`).waitFor();
  // Back returns to the table.
  await page.goBack();
  await page.locator('[data-testid=view-tab][data-view=spans].active').waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test('the spans table sorts as core counts, narrows with find, and gives the top 20 by self time in one click', async () => {
  const file = 'etl-nightly/etl-nightly.otlp.json';
  const report = cli(path.join(corpusDir, file), '--top', '20');
  const { page, errors } = await openPage(running.browser.context, `${running.server.url}/?trace=${encodeURIComponent('/corpus/' + file)}`);
  await page.setViewportSize({ width: 1440, height: 900 });
  const trace = report.traces[0];
  await page.locator(`[data-testid=trace-item][data-trace-id="${trace.trace_id}"]`).click();
  await showView(page, 'spans');
  await page.getByTestId('spans-top-self').click();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=spans-row]').length === n, trace.top.length);
  const rows = await page.locator('[data-testid=spans-row]').evaluateAll((all) =>
    all.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top)).map((r) => Number(r.dataset.selfNs)));
  assert.deepEqual(rows, trace.top.map((s) => s.self_ns));
  // Sorted by critical time: never increasing down the table.
  await page.getByTestId('spans-all').click();
  await page.locator('.spans-head [data-sort=critical]').click();
  const critical = await page.locator('[data-testid=spans-row]').evaluateAll((all) =>
    all.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top)).map((r) => Number(r.dataset.criticalNs)));
  assert.ok(critical.length > 5);
  for (let i = 1; i < critical.length; i++) assert.ok(critical[i] <= critical[i - 1], `row ${i}`);
  // Find narrows the table to its matches.
  const all = critical.length;
  await page.getByTestId('span-search').fill('zstd_compress');
  await page.getByTestId('spans-count').filter({ hasText: /spans match/ }).waitFor();
  const names = await page.locator('[data-testid=spans-row] .spans-cell:first-child').allTextContents();
  assert.ok(names.includes('zstd_compress') && names.length < all, names.join());
  assert.deepEqual(errors, []);
  await page.close();
});

test('the operation graph folds spans by operation: its counts and self times are the breakdown by name', async () => {
  const file = 'etl-nightly/etl-nightly.otlp.json';
  const report = cli(path.join(corpusDir, file));
  const { page, errors } = await openPage(running.browser.context, `${running.server.url}/?trace=${encodeURIComponent('/corpus/' + file)}`);
  const trace = report.traces[0];
  await page.locator(`[data-testid=trace-item][data-trace-id="${trace.trace_id}"]`).click();
  await showView(page, 'graph');
  await page.getByTestId('op-node').first().waitFor();
  const nodes = await page.getByTestId('op-node').evaluateAll((all) =>
    all.map((n) => ({ name: n.dataset.name, count: Number(n.dataset.count), self: Number(n.dataset.selfNs), pct: Number(n.dataset.criticalPct) })));
  const byName = new Map();
  for (const n of nodes) {
    const sum = byName.get(n.name) ?? { count: 0, self: 0, pct: 0 };
    byName.set(n.name, { count: sum.count + n.count, self: sum.self + n.self, pct: sum.pct + n.pct });
  }
  assert.equal(byName.size, trace.breakdown.length);
  for (const group of trace.breakdown) {
    const sum = byName.get(group.group);
    assert.ok(sum, group.group);
    assert.equal(sum.count, group.count, group.group);
    assert.equal(sum.self, group.self_ns, group.group);
    assert.ok(Math.abs(sum.pct - group.critical_pct) < 1e-6, `${group.group}: ${sum.pct} against ${group.critical_pct}`);
  }
  // The boxes do not overlap.
  const boxes = await page.locator('[data-testid=op-node] rect').evaluateAll((all) => all.map((r) => r.getBoundingClientRect()).map((r) => [r.left, r.top, r.right, r.bottom]));
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i], boxes[j]];
      assert.ok(a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1], `boxes ${i} and ${j} overlap`);
    }
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('the average trace\'s structure in the Why slow pane is the CLI\'s --structure tree, the slow ones beside the others', async () => {
  const file = 'etl-nightly/etl-nightly.otlp.json';
  const report = cli(path.join(corpusDir, file), '--structure');
  const { page, errors } = await openPage(running.browser.context, `${running.server.url}/?trace=${encodeURIComponent('/corpus/' + file)}`);
  await page.locator('[data-testid=trace-item]').first().waitFor();
  await page.getByTestId('pane-explain').click();
  await page.getByTestId('structure-node').first().waitFor();
  const nodes = await page.getByTestId('structure-node').evaluateAll((all) =>
    all.map((n) => ({ path: n.dataset.path, traces: Number(n.dataset.traces), critical: Number(n.dataset.meanCriticalNs) })));
  assert.deepEqual(nodes, report.structure.map((n) => ({ path: n.path, traces: n.traces, critical: n.mean_critical_ns })));
  // Two icicles: the slow night, the four others.
  assert.deepEqual(await page.locator('.icicle figcaption').allTextContents(), ['The slow ones (1 traces)', 'The others (4 traces)']);
  assert.ok(await page.locator('.icicle-box').count() >= 2);
  assert.deepEqual(errors, []);
  await page.close();
});
