// The shipped Chats dashboard in a real n8n server, driven by real headless Chromium (Debian's
// `chromium`, through playwright-core): load the page, filter, open a chat, export CSV. The store is
// a PostgreSQL test database seeded with the week of chats whose metrics test/unit/costs works out.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { chromium, type BrowserContext, type Page } from 'playwright-core';

import { parseCsv } from '../../nodes/domain/costs';
import { closeAllSupportStores, openSupportStore } from '../../nodes/domain/store';
import { IDS, SEED_RANGE, seedChats } from '../fixtures/costs/seed';
import { createTestDatabase } from '../helpers/store-backends';
import { createTempUserFolder, importCredentials, importWorkflows, repoRoot, startN8n, type N8nServer, type WorkflowJson } from '../../scripts/lib/n8n-server';

const CHROMIUM = '/usr/bin/chromium';
const LOGIN = { username: 'ops', password: 'Dashboard-2026' };
const ARTIFACTS = path.join(repoRoot, 'test-artifacts');

describe('Chats dashboard in a real n8n server and a real browser', () => {
	let server: N8nServer;
	let database: Awaited<ReturnType<typeof createTestDatabase>>;
	let context: BrowserContext;
	let page: Page;
	let profile: string;
	let dashboardUrl: string;
	const dialogs: string[] = [];

	beforeAll(async () => {
		database = await createTestDatabase('wa_dashboard');
		const store = await openSupportStore({ backend: 'postgres', connection: database.connection });
		await seedChats(store);
		await closeAllSupportStores();

		const workflow = JSON.parse(readFileSync(path.join(repoRoot, 'workflows', 'chats-dashboard.json'), 'utf8')) as WorkflowJson;
		const build = workflow.nodes.find((node) => node.name === 'Build Page')!;
		build.parameters = { ...build.parameters, supportStore: 'postgres', options: { timeZone: 'UTC' } };
		build.credentials = { whatsAppSupportStorePostgresApi: { id: 'pgDashboardStore1', name: 'Store' } };
		const webhook = workflow.nodes.find((node) => node.type === 'n8n-nodes-base.webhook')!;
		const userFolder = createTempUserFolder('n8n-e2e-dashboard-');
		await importCredentials(userFolder, [
			{ id: 'pgDashboardStore1', name: 'Store', type: 'whatsAppSupportStorePostgresApi', data: { ...database.connection, password: '', ssl: 'disable', schema: 'whatsapp_support' } },
			{ id: webhook.credentials!.httpBasicAuth.id, name: webhook.credentials!.httpBasicAuth.name, type: 'httpBasicAuth', data: { user: LOGIN.username, password: LOGIN.password } },
		]);
		const [{ id }] = await importWorkflows(userFolder, [workflow]);
		server = await startN8n({ userFolder, removeUserFolderOnStop: true });
		await server.rest.ensureOwner();
		await server.rest.activateWorkflow(id);
		dashboardUrl = `${server.baseUrl}/webhook/chats`;

		profile = mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
		context = await chromium.launchPersistentContext(profile, {
			executablePath: CHROMIUM,
			headless: true,
			args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
			httpCredentials: LOGIN,
			acceptDownloads: true,
			viewport: { width: 1400, height: 1000 },
		});
		page = context.pages()[0] ?? (await context.newPage());
		page.on('dialog', async (dialog) => {
			dialogs.push(dialog.message());
			await dialog.dismiss();
		});
	}, 240_000);

	afterAll(async () => {
		await context?.close();
		if (profile) rmSync(profile, { recursive: true, force: true });
		await server?.stop();
		await database?.drop();
	}, 60_000);

	const tile = async (key: string) => (await page.locator(`[data-metric="${key}"] .value`).textContent())?.trim();
	const rows = () => page.locator('tr.chat-row');

	it('refuses the page without the login', async () => {
		const response = await fetch(`${dashboardUrl}?from=${SEED_RANGE.from}`);
		expect(response.status).toBe(401);
		expect(await response.text()).not.toContain('Anna');
	});

	it('loads the page with metrics, the daily chart and every chat, with user content escaped', async () => {
		const response = await page.goto(`${dashboardUrl}?from=${SEED_RANGE.from}&to=${SEED_RANGE.to}`);
		expect(response?.status()).toBe(200);
		expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
		await expect(page.title()).resolves.toBe('Chats');
		expect(await tile('chats')).toBe('5');
		expect(await tile('responseRate')).toBe('85.7%');
		expect(await tile('responseTimeAvg')).toBe('2 min 15 s');
		expect(await tile('automationRate')).toBe('60%');
		expect(await tile('handoffRate')).toBe('20%');
		expect(await tile('firstContactResolution')).toBe('50%');
		expect(await tile('costPerChat')).toBe('USD 0.0269');
		await expect(page.locator('svg.chart rect.bar').count()).resolves.toBe(7);
		expect(await rows().count()).toBe(6);
		const badges = await page.locator('tr.chat-row .badge').allTextContents();
		expect(new Set(badges)).toEqual(new Set(['WhatsApp', 'Web widget', 'Test']));
		// The test customer's name is HTML on purpose: it shows as text, no element is made of it.
		await expect(page.locator('tr.chat-row', { hasText: '<img src=x onerror=alert(1)>Tess' }).count()).resolves.toBe(1);
		await expect(page.locator('img').count()).resolves.toBe(0);
		expect(dialogs).toEqual([]);
	});

	it('filters by type, customer and assistant with the form', async () => {
		await page.selectOption('select[name="channel"]', 'whatsapp');
		await Promise.all([page.waitForLoadState('load'), page.click('form.filters button[type="submit"]')]);
		expect(new URL(page.url()).searchParams.get('channel')).toBe('whatsapp');
		// Anna, Bernd and Carmen are chats; Grace only got a template (activity, not a chat).
		expect(await tile('chats')).toBe('3');
		expect(await rows().count()).toBe(4);
		expect(new Set(await page.locator('tr.chat-row .badge').allTextContents())).toEqual(new Set(['WhatsApp']));

		await page.fill('input[name="customer"]', 'garcía');
		await Promise.all([page.waitForLoadState('load'), page.click('form.filters button[type="submit"]')]);
		expect(await rows().count()).toBe(1);
		expect(await tile('chats')).toBe('1');

		await page.goto(`${dashboardUrl}?from=${SEED_RANGE.from}&to=${SEED_RANGE.to}`);
		await page.selectOption('select[name="assistant"]', 'Web bot');
		await Promise.all([page.waitForLoadState('load'), page.click('form.filters button[type="submit"]')]);
		expect(await page.locator('tr.chat-row').getAttribute('data-conversation')).toBe(IDS.dirk);
		expect(await tile('responseRate')).toBe('0%');
	});

	it('opens a chat: full history with times, function calls, handoff and its cost', async () => {
		await page.goto(`${dashboardUrl}?from=${SEED_RANGE.from}&to=${SEED_RANGE.to}&channel=whatsapp`);
		await Promise.all([page.waitForLoadState('load'), page.click(`tr.chat-row[data-conversation="${IDS.anna}"] a.open-chat`)]);
		const conversation = page.locator('section.conversation');
		await expect(conversation.getAttribute('data-conversation')).resolves.toBe(IDS.anna);
		expect(await conversation.locator('.timeline li[data-author]').count()).toBe(5);
		expect(await conversation.locator('time').first().textContent()).toBe('2026-11-09 09:00:00');
		expect(await conversation.locator('details.tool summary').textContent()).toBe('Function call: lookup_booking');
		expect(await conversation.locator('.chat-cost').textContent()).toBe('Cost: USD 0.0507 (WhatsApp USD 0.0500, LLM USD 0.0007)');
		await expect(page.locator('tr.chat-row.selected').getAttribute('data-conversation')).resolves.toBe(IDS.anna);

		await page.goto(`${dashboardUrl}?from=${SEED_RANGE.from}&to=${SEED_RANGE.to}&chat=${encodeURIComponent(IDS.bernd)}`);
		const events = await page.locator('section.conversation .timeline li').evaluateAll((items) => items.map((item) => item.getAttribute('data-author') ?? item.getAttribute('data-event')));
		expect(events).toEqual(['customer', 'system', 'handoff', 'agent', 'release']);
	});

	it('downloads the filtered chats and a chat’s messages as CSV, and keeps a screenshot', async () => {
		await page.goto(`${dashboardUrl}?from=${SEED_RANGE.from}&to=${SEED_RANGE.to}&channel=whatsapp&chat=${encodeURIComponent(IDS.carmen)}`);
		const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[data-export="chats-csv"]')]);
		expect(download.suggestedFilename()).toBe(`chats-${SEED_RANGE.from}_${SEED_RANGE.to}.csv`);
		const table = parseCsv(readFileSync((await download.path())!, 'utf8'));
		const column = (name: string) => table[0].indexOf(name);
		expect(table.slice(1).map((row) => row[column('conversationId')])).toEqual([IDS.grace, IDS.carmen, IDS.bernd, IDS.anna]);
		const carmen = table.find((row) => row[0] === IDS.carmen)!;
		expect([carmen[column('customerName')], carmen[column('messages')], carmen[column('whatsappCost')], carmen[column('intents')]]).toEqual(['Carmen García', '5', '0.0615', 'parking']);

		const [chatDownload] = await Promise.all([page.waitForEvent('download'), page.click('a[data-export="chat-csv"]')]);
		const messages = parseCsv(readFileSync((await chatDownload.path())!, 'utf8'));
		expect(messages.slice(1).map((row) => row[messages[0].indexOf('text')])).toEqual([
			'Do you have parking?',
			'Yes, 20 EUR per night.',
			'Can I book parking for Friday?',
			'Booked for Friday.',
			'[template spa_offer]',
		]);

		mkdirSync(ARTIFACTS, { recursive: true });
		const screenshot = path.join(ARTIFACTS, 'chats-dashboard.png');
		await page.screenshot({ path: screenshot, fullPage: true });
		expect(readFileSync(screenshot).subarray(1, 4).toString()).toBe('PNG');
	});
});
