// The Chats dashboard's Value view in real headless Chromium (Debian's `chromium`, through playwright-core):
// the page is served over HTTP by the dashboard's own request handler from a store seeded with the 120 days
// of test/fixtures/value/seed.ts, whose figures test/unit/costs/value.test.ts works out by hand. Checks the
// tiles, that every chart renders as inline SVG with its data, a CSV export, that the page makes no external
// request, and keeps screenshots in test-artifacts/.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { buildDashboardResponse, parseCsv } from '../../nodes/domain/costs';
import { closeAllSupportStores, openSupportStore, type SupportStore } from '../../nodes/domain/store';
import { seedValue, SETTINGS } from '../fixtures/value/seed';
import { launchHeadlessChromium, type HeadlessBrowser } from '../helpers/browser';

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');

describe('Value view of the Chats dashboard in headless Chromium', () => {
	let store: SupportStore;
	let folder: string;
	let server: Server;
	let baseUrl: string;
	let browser: HeadlessBrowser;
	const external: string[] = [];

	beforeAll(async () => {
		folder = mkdtempSync(path.join(os.tmpdir(), 'value-dashboard-'));
		store = await openSupportStore({ backend: 'pglite', dataDir: folder });
		await seedValue(store);
		server = createServer((request, response) => {
			const url = new URL(request.url ?? '/', 'http://127.0.0.1');
			buildDashboardResponse(store, Object.fromEntries(url.searchParams), { currency: 'USD', timeZone: 'UTC', value: SETTINGS, now: new Date('2026-09-01T00:00:00Z') })
				.then((answer) => {
					response.writeHead(answer.statusCode, { 'Content-Type': answer.contentType, 'Content-Disposition': answer.contentDisposition });
					response.end(answer.body);
				})
				.catch((error: Error) => {
					response.writeHead(500);
					response.end(error.message);
				});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
		browser = await launchHeadlessChromium({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
		await browser.page.route('**/*', async (route) => {
			const url = route.request().url();
			if (url.startsWith(baseUrl)) return await route.continue();
			external.push(url);
			return await route.abort();
		});
		mkdirSync(ARTIFACTS, { recursive: true });
	}, 120_000);

	afterAll(async () => {
		await browser?.close();
		await new Promise((resolve) => server?.close(resolve));
		await closeAllSupportStores();
		if (folder) rmSync(folder, { recursive: true, force: true });
	}, 60_000);

	const tile = async (key: string) => (await browser.page.locator(`[data-metric="${key}"] .value`).textContent())?.trim();

	it('reaches the Value view from the Chats view and shows the hand-computed figures', async () => {
		const { page } = browser;
		await page.goto(`${baseUrl}?from=2026-06-01&to=2026-08-29`);
		await page.click('nav.views a[data-view="value"]');
		await page.waitForSelector('[data-metric="roi"]');
		expect(new URL(page.url()).searchParams.get('view')).toBe('value');
		// 820 / 7 s ≈ 2.0 min, median 40 s, p90 600 s; 1/3 h a month; ROI −22.32 %; CSAT 3.5; NPS +100; 1 of 10 failed.
		expect(await tile('firstResponseAvg')).toBe('2.0 min');
		expect(await tile('firstResponseMedian')).toBe('40 s');
		expect(await tile('firstResponseP90')).toBe('10.0 min');
		expect(await tile('hoursSavedMonth')).toBe('0.3');
		expect(await tile('savingsYear')).toBe('USD 120.00');
		expect(await tile('runningYear')).toBe('USD 1,236.00');
		expect(await tile('roi')).toBe('-22.3%');
		expect(await tile('csat')).toBe('3.50');
		expect(await tile('csatResponseRate')).toBe('80.0%');
		expect(await tile('nps')).toBe('100');
		expect(await tile('failedDelivery')).toBe('10.0%');

		// Baseline against days 1–30 / 31–60 / 61–90.
		const baseline = page.locator('[data-table="baseline"] tbody tr');
		expect(await baseline.count()).toBe(4);
		expect((await baseline.nth(0).locator('td').allTextContents()).slice(0, 3)).toEqual(['Baseline (30 days before)', '2', '2700']);
		expect((await baseline.nth(1).locator('td').allTextContents()).slice(0, 4)).toEqual(['Days 1–30', '3', '210', '-92.2']);

		// Charts: inline SVG with the data.
		const bars = page.locator('svg[data-chart="csat-distribution"] rect.bar');
		expect(await bars.count()).toBe(5);
		expect(await bars.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-value')))).toEqual(['0', '1', '1', '1', '1']);
		expect(await page.locator('svg[data-chart="csat-trend"] circle.point').count()).toBe(4);
		expect(await page.locator('svg[data-chart="baseline-response"] rect.bar').count()).toBe(4);
		expect(await page.locator('svg[data-chart="sentiment-trend"] circle.point').count()).toBe(5);
		const box = await page.locator('svg[data-chart="csat-distribution"]').boundingBox();
		expect(box?.width).toBeGreaterThan(100);
		expect(external).toEqual([]);
		await page.screenshot({ path: path.join(ARTIFACTS, 'value-dashboard.png'), fullPage: true });
		expect(readFileSync(path.join(ARTIFACTS, 'value-dashboard.png')).subarray(1, 4).toString()).toBe('PNG');
	});

	it('exports a table as CSV', async () => {
		const { page } = browser;
		const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-export="value-intents"]')]);
		const csv = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
		expect(parseCsv(csv)).toEqual([
			['intent', 'chats', 'bot_resolved', 'automation_rate_pct', 'csat_answers', 'csat'],
			['breakfast', '3', '3', '100', '2', '4.5'],
			['complaint', '2', '0', '0', '1', '2'],
			['parking', '2', '2', '100', '1', '3'],
		]);
	});

	it('shows the duty manager only under Who → Internal', async () => {
		const { page } = browser;
		await page.goto(`${baseUrl}?from=2026-06-01&to=2026-08-29`);
		expect(await page.locator('[data-metric="chats"] .value').textContent()).toBe('7');
		await page.selectOption('select[name="audience"]', 'internal');
		await page.click('form.filters button[type="submit"]');
		await page.waitForURL(/audience=internal/);
		expect(await page.locator('[data-metric="chats"] .value').textContent()).toBe('1');
		await page.screenshot({ path: path.join(ARTIFACTS, 'value-dashboard-internal.png'), fullPage: true });
	});
});
