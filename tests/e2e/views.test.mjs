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
  assert.deepEqual(await page.locator('.icicle figcaption').allTextContents(), ['The slow ones (1 trace)', 'The others (4 traces)']);
  assert.ok(await page.locator('.icicle-box').count() >= 2);
  assert.deepEqual(errors, []);
  await page.close();
});

test('brushing a range of durations in the Why slow pane compares those traces with the rest, as tracelens explain does', async () => {
  const { page, errors } = await openSampleWhySlow();
  const histogram = page.getByTestId('explain-histogram');
  await histogram.waitFor();
  const box = await histogram.boundingBox();
  // From the middle of the axis to its right end: the long batches.
  await page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction(() => document.querySelector('[data-testid=explain-histogram]').dataset.picked);
  const [from] = (await histogram.getAttribute('data-picked')).split('-');
  await page.locator('.explain-panel .muted', { hasText: /lasting/ }).first().waitFor();
  const report = cliExplain('--slow-over', `${from}ns`);
  assert.ok(report.slow.traces >= 1 && report.rest.traces >= 1, JSON.stringify(report.slow));
  const findings = await page.getByTestId('explain-finding').allTextContents();
  assert.deepEqual(findings, report.findings);
  // The sample's story: the slow batches are the big ones.
  assert.ok(findings.some((f) => /^messaging\.batch\.message_count is .*× larger in the slow traces/.test(f)), findings.join('\n'));
  assert.deepEqual(errors, []);
  await page.close();
});

test('a box drawn on the start/duration scatter picks the traces inside it; the fitted line is the CLI\'s correlation', async () => {
  const { page, errors } = await openSampleWhySlow();
  const scatter = page.getByTestId('explain-scatter');
  await page.waitForFunction(() => document.querySelector('[data-testid=explain-scatter]')?.dataset.points);
  const box = await scatter.boundingBox();
  const canvasWidth = await scatter.evaluate((c) => c.width);
  const scale = box.width / canvasWidth;
  // Every start (from left of the axis to the right edge), durations from
  // 40 % of the way down to the top: the long batches.
  const top = box.y + 2;
  const bottom = box.y + box.height * 0.4;
  await page.mouse.move(box.x + 2, bottom);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width - 2, top, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction(() => document.querySelector('[data-testid=explain-scatter]').dataset.picked);
  const picked = await scatter.getAttribute('data-picked');
  const [, durations] = picked.split(':');
  const [shortest] = durations.split('-').map(Number);
  // The points drawn inside the box are the slow set.
  const inside = (await scatter.getAttribute('data-points')).split(' ')
    .map((p) => Number(p.split(',')[1]) * scale + box.y)
    .filter((y) => y >= top && y <= bottom).length;
  assert.ok(inside >= 1, picked);
  await page.locator('.explain-panel .muted', { hasText: new RegExp(`^${inside} traces? starting`) }).first().waitFor();
  // All starts are inside, so the box is "longer than its lower edge".
  const report = cliExplain('--slow-over', `${shortest - 1}ns`);
  assert.equal(report.slow.traces, inside);
  assert.deepEqual(await page.getByTestId('explain-finding').allTextContents(), report.findings);
  // The strongest correlation, drawn with its line: the CLI's numbers.
  const fit = page.getByTestId('explain-fit');
  await fit.waitFor();
  const top1 = report.correlations[0];
  assert.deepEqual([await fit.getAttribute('data-group'), await fit.getAttribute('data-attribute')], [top1.group, top1.attribute]);
  const close = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
  assert.ok(close(Number(await fit.getAttribute('data-slope-ns-per-unit')), top1.slope_ns_per_unit));
  assert.ok(close(Number(await fit.getAttribute('data-r')), top1.r));
  // Choosing another redraws it as that one.
  await page.getByTestId('explain-fit-choice').selectOption('1');
  await page.waitForFunction((attribute) => document.querySelector('[data-testid=explain-fit]').dataset.attribute === attribute, report.correlations[1].attribute);
  assert.match(await page.locator('.fit figcaption').textContent(), /≈ .* per .* r = /);
  assert.deepEqual(errors, []);
  await page.close();
});

/** The sample at 1440×900 with its Why slow pane open. */
async function openSampleWhySlow() {
  const opened = await openPage(running.browser.context, running.server.url + '/');
  await opened.page.setViewportSize({ width: 1440, height: 900 });
  await opened.page.locator('[data-testid=trace-item]').first().waitFor();
  await opened.page.getByTestId('pane-explain').click();
  return opened;
}

/** `tracelens explain` on the sample with `args`, as JSON. */
function cliExplain(...args) {
  const out = execFileSync('cargo', ['run', '--quiet', '-p', 'tracelens-cli', '--', 'explain', path.join(projectRoot, 'public/sample.otlp.json'), ...args, '--json'], {
    cwd: projectRoot,
    encoding: 'utf8',
  });
  return JSON.parse(out);
}
