// Querying Tempo from the page, against a stand-in that answers with the
// corpus's Tempo files over HTTP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, showPane, tempoRequests, withAppAndBrowser } from './support.mjs';

const running = withAppAndBrowser(before, after);

async function openTempo(page, tenant = '') {
  await page.locator('[data-testid=trace-item]').first().waitFor();
  await page.locator('.tempo-panel summary').click();
  await page.getByTestId('tempo-url').fill(`${running.server.url}/tempo`);
  if (tenant) await page.getByRole('textbox', { name: 'Tenant (X-Scope-OrgID)' }).fill(tenant);
}

test('a trace id typed as a person would opens the trace from Tempo', async () => {
  const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
  await openTempo(page, 'team-a');
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByText('connected: Tempo 2.6.1').waitFor();
  // Leading zeros trimmed, upper case, spaces: still the trace 003f9c5e….
  await page.getByTestId('tempo-trace-id').fill('  3F9C5E2A71B8D4E6F00C1D2B3A4958 ');
  await page.getByRole('button', { name: 'Open trace' }).click();
  const item = page.locator('[data-testid=trace-item][data-trace-id="003f9c5e2a71b8d4e6f00c1d2b3a4958"]');
  await item.waitFor();
  assert.equal(await page.locator('[data-testid=trace-item]').count(), 1);
  assert.match(await item.textContent(), /15 spans/);
  const request = tempoRequests.findLast((r) => r.path.startsWith('/api/v2/traces/'));
  assert.equal(request.path, '/api/v2/traces/003f9c5e2a71b8d4e6f00c1d2b3a4958');
  assert.equal(request.headers['x-scope-orgid'], 'team-a');
  // The link reopens the trace; the tenant (like any credential) stays out of it.
  assert.match(page.url(), /traceid=003f9c5e2a71b8d4e6f00c1d2b3a4958/);
  assert.ok(!page.url().includes('team-a'));
  assert.deepEqual(errors.filter((e) => !e.includes('404')), []);
  await page.close();
});

test('a trace only the v1 API has is fetched from there; a missing one says so', async () => {
  const { page } = await openPage(running.browser.context, running.server.url + '/');
  await openTempo(page);
  await page.getByTestId('tempo-trace-id').fill('4460be7fc4d34a6c40aa704163fd2147');
  await page.getByRole('button', { name: 'Open trace' }).click();
  await page.locator('[data-testid=trace-item][data-trace-id="4460be7fc4d34a6c40aa704163fd2147"]').waitFor();
  await page.getByTestId('tempo-trace-id').fill('0123456789abcdef0123456789abcdef');
  await page.getByRole('button', { name: 'Open trace' }).click();
  const error = page.getByTestId('tempo-error');
  await error.waitFor();
  assert.match(await error.textContent(), /0123456789abcdef0123456789abcdef was not found: Tempo looked anywhere/);
  // The next try clears it: one place, the latest answer.
  await page.getByTestId('tempo-trace-id').fill('4460be7fc4d34a6c40aa704163fd2147');
  await page.getByRole('button', { name: 'Open trace' }).click();
  await page.getByTestId('tempo-status').filter({ hasText: 'opened 1 trace' }).waitFor();
  assert.equal(await page.getByTestId('tempo-error').count(), 0);
  assert.equal(await page.getByTestId('load-error').count(), 0);
  await page.close();
});

test('TraceQL search lists the results and opens one', async () => {
  const { page } = await openPage(running.browser.context, running.server.url + '/');
  await openTempo(page);
  await page.getByTestId('tempo-search').fill('{ resource.service.name = "seatmap-svc" }');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const results = page.getByTestId('tempo-results').locator('.tempo-hit');
  await results.first().waitFor();
  assert.equal(await results.count(), 3);
  const ids = await results.evaluateAll((hits) => hits.map((h) => h.dataset.traceId));
  assert.ok(ids.includes('003f9c5e2a71b8d4e6f00c1d2b3a4958'), ids.join());
  assert.match(await results.first().textContent(), /box-office-web · POST \/api\/bookings/);
  await results.nth(1).click();
  await page.locator(`[data-testid=trace-item][data-trace-id="${ids[1]}"]`).waitFor();
  await page.close();
});

test('Tempo errors and an unreachable Tempo give readable messages', async () => {
  const { page } = await openPage(running.browser.context, running.server.url + '/');
  await openTempo(page);
  await page.getByTestId('tempo-search').fill('{ syntax error');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByText(/400: Tempo could not run the query: parse error/).waitFor();
  await page.getByTestId('tempo-url').fill('http://127.0.0.1:9');
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByText(/could not reach http:\/\/127\.0\.0\.1:9\/api\/echo/).waitFor();
  await page.getByTestId('tempo-url').fill('localhost:3200');
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByText(/must start with http:\/\//).waitFor();
  // A server that is not Tempo (its own HTML 404 page) is named as such,
  // with what the URL should look like, and its page is not pasted in.
  await page.getByTestId('tempo-url').fill(`${running.server.url}/not-tempo`);
  await page.getByRole('button', { name: 'Test connection' }).click();
  const said = page.getByText(/this is not Tempo's API/);
  await said.waitFor();
  assert.match(await said.textContent(), /http:\/\/localhost:3200.*http:\/\/your-host:8080\/tempo/);
  assert.doesNotMatch(await said.textContent(), /<h1>|nginx/);
  await page.close();
});

test('a PARTIAL answer is shown as a warning; all results open at once', async () => {
  const { page } = await openPage(running.browser.context, running.server.url + '/');
  await openTempo(page);
  await page.getByTestId('tempo-trace-id').fill('a2879a59d34de364299de071285c67e3');
  await page.getByRole('button', { name: 'Open trace' }).click();
  const warnings = page.getByTestId('load-warnings');
  await warnings.waitFor();
  assert.match(await warnings.textContent(), /PARTIAL.*trace exceeds max size/);

  await page.getByTestId('tempo-search').fill('{ resource.service.name = "tile-renderer" }');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('button', { name: /Open all 7 results/ }).click();
  // Tempo has v1 or v2 answers for three of them; the others are reported.
  await page.getByText(/3 traces|traces from Tempo/).first().waitFor();
  assert.equal(await page.locator('[data-testid=trace-item]').count(), 3);
  assert.match(await page.getByTestId('tempo-error').textContent(), /was not found/);
  // The Why slow pane reads what Open all loaded like any file.
  await showPane(page, 'explain');
  await page.locator('.explain-panel .muted', { hasText: /^1 trace the slowest 10% by duration against 2 others$/ }).waitFor();
  assert.ok(await page.getByTestId('structure-node').count() >= 1);
  await page.close();
});

test('the query box suggests tags and services once connected', async () => {
  const { page } = await openPage(running.browser.context, running.server.url + '/');
  await openTempo(page);
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByText('connected: Tempo 2.6.1').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('#traceql-suggestions option').length > 10);
  const options = await page.locator('#traceql-suggestions option').evaluateAll((o) => o.map((x) => x.value));
  assert.ok(options.includes('{ resource.service.name = "seatmap-svc" }'), options.slice(0, 5).join());
  assert.ok(options.includes('{ span.http.route = }'), options.join());
  await page.close();
});

for (const [status, advice] of [
  [401, /401: Tempo wants credentials: check the Authorization header/],
  [403, /403: Tempo refused these credentials/],
  [429, /429: Tempo is rate-limiting this tenant: wait a little and try again/],
  [500, /500: Tempo failed: try again, and check Tempo's logs/],
  [503, /503: Tempo failed/],
]) {
  test(`a ${status} from Tempo says what to do`, async () => {
    const { page } = await openPage(running.browser.context, running.server.url + '/');
    await openTempo(page);
    await page.getByTestId('tempo-trace-id').fill(`dead0${status}`);
    await page.getByRole('button', { name: 'Open trace' }).click();
    const error = page.getByTestId('tempo-error');
    await error.waitFor();
    assert.match(await error.textContent(), advice);
    await page.close();
  });
}

test('deep links reopen a trace by id and a search', async () => {
  const base = encodeURIComponent(`${running.server.url}/tempo`);
  const { page } = await openPage(running.browser.context, `${running.server.url}/?tempo=${base}&traceid=1E250C70DFF6FE52C690A9C144E7CF0F`);
  await page.locator('[data-testid=trace-item][data-trace-id="1e250c70dff6fe52c690a9c144e7cf0f"]').waitFor();
  assert.equal(await page.locator('[data-testid=trace-item]').count(), 1, 'the sample is not opened');
  // Searching writes the link that reopens the search.
  await page.getByTestId('tempo-search').fill('{ resource.service.name = "seatmap-svc" }');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByTestId('tempo-results').locator('.tempo-hit').first().waitFor();
  const link = page.url();
  assert.match(link, /[?&]q=/);
  assert.ok(!/authorization|orgid/i.test(link));
  const again = await running.browser.context.newPage();
  await again.goto(link);
  await again.getByTestId('tempo-results').locator('.tempo-hit').nth(2).waitFor();
  assert.equal(await again.getByTestId('tempo-search').inputValue(), '{ resource.service.name = "seatmap-svc" }');
  await again.close();
  await page.close();
});

test('Tempo answers protobuf when asked, and the trace is read from it', async () => {
  const { page, errors } = await openPage(running.browser.context, running.server.url + '/');
  await openTempo(page);
  await page.getByTestId('tempo-trace-id').fill('3b864080752ee3a3572e9508098c3eb2');
  await page.getByRole('button', { name: 'Open trace' }).click();
  const item = page.locator('[data-testid=trace-item][data-trace-id="3b864080752ee3a3572e9508098c3eb2"]');
  await item.waitFor();
  assert.match(await item.textContent(), /2000 spans/);
  const request = tempoRequests.findLast((r) => r.path.startsWith('/api/v2/traces/3b86'));
  assert.match(request.headers.accept, /^application\/protobuf/);
  assert.equal(request.answered, 'protobuf');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a Tempo that does not answer times out with advice', async () => {
  const { page } = await openPage(running.browser.context, running.server.url + '/');
  await openTempo(page);
  await page.getByTestId('tempo-trace-id').fill('dead0999');
  await page.getByRole('button', { name: 'Open trace' }).click();
  const error = page.getByTestId('tempo-error');
  await error.waitFor({ timeout: 45_000 });
  assert.match(await error.textContent(), /did not answer within 30 s: .*narrow the time range/);
  await page.close();
});

test('typing a comparison suggests that tag\'s values; a custom range is sent', async () => {
  const { page } = await openPage(running.browser.context, running.server.url + '/');
  await openTempo(page);
  await page.getByTestId('tempo-search').fill('');
  await page.getByTestId('tempo-search').pressSequentially('{ resource.service.name = "pa');
  await page.waitForFunction(() =>
    [...document.querySelectorAll('#traceql-suggestions option')].some((o) => o.value === '{ resource.service.name = "payments-gw" }'),
  );
  await page.getByTestId('tempo-search').fill('{ resource.service.name = "seatmap-svc" }');
  await page.locator('.tempo-row select').selectOption({ label: 'custom' });
  await page.getByLabel('from', { exact: true }).fill('2025-03-14T00:00');
  await page.getByLabel('to', { exact: true }).fill('2025-03-15T00:00');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByTestId('tempo-results').locator('.tempo-hit').first().waitFor();
  const search = tempoRequests.findLast((r) => r.path === '/api/search');
  const from = Number(search.query.get('start'));
  const to = Number(search.query.get('end'));
  assert.equal(to - from, 86_400);
  assert.ok(Math.abs(from - Date.parse('2025-03-14T00:00') / 1000) < 1);
  await page.close();
});
