// The shipped Chats dashboard in a real n8n server, driven by real headless Chromium (Debian's
// `chromium`, through playwright-core): sign in, load the page, filter, open a chat, export CSV; and
// over plain HTTP: the role matrix, lockout, CSRF refusal, TOTP enrolment and sign-in, the analyst's
// masked export and the access log. The store is a PostgreSQL test database seeded with the week of
// chats whose metrics test/unit/costs works out, encrypted at rest (the credential's Encryption Key), so
// every view, filter and export here also proves the dashboard reads through the cipher.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { chromium, type BrowserContext, type Page } from 'playwright-core';

import { parseCsv } from '../../nodes/domain/costs';
import { totpCode } from '../../nodes/domain/security/totp';
import { closeAllSupportStores, openSupportStore } from '../../nodes/domain/store';
import { IDS, SEED_RANGE, seedChats } from '../fixtures/costs/seed';
import { DashboardClient } from '../helpers/dashboard-client';
import { createTestDatabase } from '../helpers/store-backends';
import { createTempUserFolder, importCredentials, importWorkflows, repoRoot, startN8n, type N8nServer, type WorkflowJson } from '../../scripts/lib/n8n-server';

const CHROMIUM = '/usr/bin/chromium';
const LOGIN = { username: 'ops', password: 'Dashboard-2026' };
const USERS = { agent: { username: 'alex', password: 'agent-pass-2026' }, analyst: { username: 'nina', password: 'analyst-pass-2026' } };
const ARTIFACTS = path.join(repoRoot, 'test-artifacts');
const STORE_KEY = randomBytes(32).toString('base64');

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
		// The store encrypts (the credential's Encryption Key): every view below reads through the cipher.
		const store = await openSupportStore({ backend: 'postgres', connection: database.connection, encryption: { key: STORE_KEY } });
		await seedChats(store);
		await closeAllSupportStores();

		const workflow = JSON.parse(readFileSync(path.join(repoRoot, 'workflows', 'chats-dashboard.json'), 'utf8')) as WorkflowJson;
		const build = workflow.nodes.find((node) => node.name === 'Build Page')!;
		build.parameters = { ...build.parameters, supportStore: 'postgres', options: { timeZone: 'UTC' } };
		build.credentials = { whatsAppSupportStorePostgresApi: { id: 'pgDashboardStore1', name: 'Store' } };
		build.credentials = { ...build.credentials, chatsDashboardAdminApi: { id: 'dashAdmin1', name: 'Admin' } };
		const userFolder = createTempUserFolder('n8n-e2e-dashboard-');
		await importCredentials(userFolder, [
			{ id: 'pgDashboardStore1', name: 'Store', type: 'whatsAppSupportStorePostgresApi', data: { ...database.connection, password: '', ssl: 'disable', schema: 'whatsapp_support', encryptionKey: STORE_KEY } },
			{ id: 'dashAdmin1', name: 'Admin', type: 'chatsDashboardAdminApi', data: { username: LOGIN.username, password: LOGIN.password } },
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

	it('shows the sign-in form without a session, and signs in in the browser (screenshots)', async () => {
		const response = await fetch(`${dashboardUrl}?from=${SEED_RANGE.from}`);
		expect(response.status).toBe(401);
		expect(await response.text()).not.toContain('Anna');
		mkdirSync(ARTIFACTS, { recursive: true });

		await page.goto(`${dashboardUrl}`);
		await expect(page.locator('form.login').count()).resolves.toBe(1);
		await page.screenshot({ path: path.join(ARTIFACTS, 'chats-dashboard-login.png') });
		await page.fill('input[name="username"]', LOGIN.username);
		await page.fill('input[name="password"]', 'not-the-password');
		await Promise.all([page.waitForLoadState('load'), page.click('form.login button[type="submit"]')]);
		await expect(page.locator('[role="alert"]').textContent()).resolves.toBe('Wrong user name, password or code.');
		await page.fill('input[name="username"]', LOGIN.username);
		await page.fill('input[name="password"]', LOGIN.password);
		await Promise.all([page.waitForLoadState('load'), page.click('form.login button[type="submit"]')]);
		await expect(page.locator('[data-user]').getAttribute('data-role')).resolves.toBe('admin');
		const cookie = (await context.cookies()).find((each) => each.name === 'wa_chats_session')!;
		expect([cookie.httpOnly, cookie.sameSite]).toEqual([true, 'Lax']);
		await page.screenshot({ path: path.join(ARTIFACTS, 'chats-dashboard-signed-in.png'), fullPage: true });
		expect(readFileSync(path.join(ARTIFACTS, 'chats-dashboard-signed-in.png')).subarray(1, 4).toString()).toBe('PNG');
	});

	it('loads the page with metrics, the daily chart and every chat, with user content escaped', async () => {
		// Type "All, with test chats": the seeded test chat (Tess) counts too.
		const response = await page.goto(`${dashboardUrl}?from=${SEED_RANGE.from}&to=${SEED_RANGE.to}&channel=all`);
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
		// By default the dashboard's test chats stay out of the metrics and the list; Test shows them.
		await page.goto(`${dashboardUrl}?from=${SEED_RANGE.from}&to=${SEED_RANGE.to}`);
		expect(await page.locator('select[name="channel"]').inputValue()).toBe('');
		expect(await tile('chats')).toBe('4');
		expect(await rows().count()).toBe(5);
		expect(new Set(await page.locator('tr.chat-row .badge').allTextContents())).toEqual(new Set(['WhatsApp', 'Web widget']));
		await page.selectOption('select[name="channel"]', 'test');
		await Promise.all([page.waitForLoadState('load'), page.click('form.filters button[type="submit"]')]);
		expect(await tile('chats')).toBe('1');
		expect(await page.locator('tr.chat-row').getAttribute('data-conversation')).toBe(IDS.tess);

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

	it('reads an encrypted store: psql shows ciphertext, the page the text, and a number finds its chat', async () => {
		const { host, port, user, password } = database.connection;
		const psql = (sql: string) =>
			execFileSync('psql', ['-h', host, '-p', String(port), '-U', user, '-d', database.connection.database, '-tA', '-c', sql], {
				env: { ...process.env, PGPASSWORD: password ?? '' },
				encoding: 'utf8',
			});
		const raw = psql('SELECT text FROM whatsapp_support.messages WHERE text IS NOT NULL UNION ALL SELECT customer_name FROM whatsapp_support.conversations');
		expect(raw).toMatch(/^enc:v1:/m);
		expect(raw).not.toMatch(/breakfast|refund|Anna|Müller|García/);

		// Bernd's number, typed as people do: found through its keyed hash (his customer key has no spaces).
		await page.goto(`${dashboardUrl}?from=${SEED_RANGE.from}&to=${SEED_RANGE.to}&customer=${encodeURIComponent('+49 151 1234 5678')}`);
		expect(await rows().count()).toBe(1);
		await expect(rows().first().getAttribute('data-conversation')).resolves.toBe(IDS.bernd);
		await expect(rows().first().textContent()).resolves.toContain('Bernd Müller');
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

	describe('over HTTP: users, roles, lockout, CSRF, TOTP and the access log', () => {
		const admin = () => {
			const client = new DashboardClient(dashboardUrl);
			return client;
		};
		let adminClient: DashboardClient;

		beforeAll(async () => {
			adminClient = admin();
			expect((await adminClient.login(LOGIN.username, LOGIN.password)).status).toBe(303);
			const csrf = await adminClient.csrf();
			for (const [role, user] of Object.entries(USERS)) {
				const created = await adminClient.post({ action: 'user-create', csrf, username: user.username, role, password: user.password }, { query: { view: 'users' } });
				expect(created.status).toBe(200);
				expect(created.body).toContain(`User &#34;${user.username}&#34; (${role}) added.`);
			}
		}, 60_000);

		it('applies the role matrix to pages, chats and exports', async () => {
			const range = { from: SEED_RANGE.from, to: SEED_RANGE.to };
			const clients = { admin: adminClient, agent: new DashboardClient(dashboardUrl), analyst: new DashboardClient(dashboardUrl) };
			expect((await clients.agent.login(USERS.agent.username, USERS.agent.password)).status).toBe(303);
			expect((await clients.analyst.login(USERS.analyst.username, USERS.analyst.password)).status).toBe(303);
			const expected = {
				admin: { page: 200, users: 200, log: 200, csv: 200, names: true, exportLinks: true },
				agent: { page: 200, users: 403, log: 403, csv: 403, names: true, exportLinks: false },
				analyst: { page: 200, users: 403, log: 403, csv: 200, names: false, exportLinks: true },
			};
			for (const [role, client] of Object.entries(clients) as Array<[keyof typeof expected, DashboardClient]>) {
				const main = await client.get(range);
				const users = await client.get({ view: 'users' });
				const log = await client.get({ view: 'access-log' });
				const csv = await client.get({ ...range, format: 'csv', dataset: 'messages' });
				const actual = { page: main.status, users: users.status, log: log.status, csv: csv.status, names: main.body.includes('Carmen García'), exportLinks: main.body.includes('data-export="chats-csv"') };
				expect({ role, ...actual }).toEqual({ role, ...expected[role] });
				expect(main.body).toContain('data-metric="chats"');
			}
			// The agent sees the chat with its text; the analyst sees metrics and masked chats.
			const agentChat = await clients.agent.get({ ...range, chat: IDS.carmen });
			expect(agentChat.body).toContain('Can I book parking for Friday?');
			const analystPage = await clients.analyst.get(range);
			expect(analystPage.body).not.toMatch(/3461\d{5}|Carmen|Anna|wa_id/);
			const pseudonym = /data-conversation="(chat-[0-9a-f]{16})"/.exec(analystPage.body)![1];
			const analystChat = await clients.analyst.get({ ...range, chat: pseudonym });
			expect(analystChat.status).toBe(200);
			expect(analystChat.body).toContain('class="timeline"');
			const raw = await clients.analyst.get({ ...range, chat: IDS.carmen });
			expect(raw.status).toBe(404);
		});

		it('gives an analyst an export with no raw personal data', async () => {
			const analyst = new DashboardClient(dashboardUrl);
			await analyst.login(USERS.analyst.username, USERS.analyst.password);
			const csv = await analyst.get({ from: SEED_RANGE.from, to: SEED_RANGE.to, format: 'csv', dataset: 'messages' });
			expect(csv.status).toBe(200);
			const table = parseCsv(csv.body.replace(/^\uFEFF/, ''));
			const column = (name: string) => table[0].indexOf(name);
			const adminCsv = parseCsv((await adminClient.get({ from: SEED_RANGE.from, to: SEED_RANGE.to, format: 'csv', dataset: 'messages' })).body.replace(/^\uFEFF/, ''));
			expect(table.length).toBe(adminCsv.length);
			const rawValues = new Set(
				adminCsv.slice(1).flatMap((row) => [row[adminCsv[0].indexOf('customerKey')], row[adminCsv[0].indexOf('customerName')], row[adminCsv[0].indexOf('conversationId')]]).filter(Boolean),
			);
			expect(rawValues.size).toBeGreaterThan(4);
			for (const value of rawValues) expect(csv.body).not.toContain(value);
			for (const row of table.slice(1)) {
				expect(row[column('customerKey')]).toMatch(/^customer-[0-9a-f]{12}$/);
				expect(row[column('customerName')]).toBe('');
			}
			const json = await analyst.get({ from: SEED_RANGE.from, to: SEED_RANGE.to, format: 'json' });
			for (const value of rawValues) expect(json.body).not.toContain(value);
		});

		it('refuses a form without the CSRF token or from another site', async () => {
			const noToken = await adminClient.post({ action: 'user-create', username: 'mallory', role: 'admin', password: 'mallory-pass-2026' }, { query: { view: 'users' } });
			expect(noToken.status).toBe(403);
			const csrf = await adminClient.csrf();
			const crossSite = await adminClient.post({ action: 'user-create', csrf, username: 'mallory', role: 'admin', password: 'mallory-pass-2026' }, { query: { view: 'users' }, headers: { origin: 'https://evil.example' } });
			expect(crossSite.status).toBe(403);
			const users = await adminClient.get({ view: 'users' });
			expect(users.body).not.toContain('mallory');
		});

		it('locks the account after 5 failed sign-ins, even with the right password', async () => {
			const attacker = new DashboardClient(dashboardUrl);
			const statuses: number[] = [];
			for (let attempt = 0; attempt < 5; attempt++) statuses.push((await attacker.login(USERS.agent.username, `wrong-${attempt}`)).status);
			expect(statuses).toEqual([401, 401, 401, 401, 401]);
			const locked = await attacker.login(USERS.agent.username, USERS.agent.password);
			expect(locked.status).toBe(429);
			expect(locked.body).toMatch(/Too many failed sign-ins/);
			expect(attacker.cookie).toBe('');
		});

		it('enrols an authenticator app and then asks for its code at sign-in', async () => {
			const client = new DashboardClient(dashboardUrl);
			await client.login(LOGIN.username, LOGIN.password);
			const started = await client.post({ action: 'totp-start', csrf: await client.csrf() }, { query: { view: 'security' } });
			const secret = /class="totp-secret">([A-Z2-7]+)</.exec(started.body)![1];
			const wrong = await client.post({ action: 'totp-confirm', csrf: await client.csrf(), code: '000000' }, { query: { view: 'security' } });
			expect(wrong.status).toBe(400);
			const confirmed = await client.post({ action: 'totp-confirm', csrf: await client.csrf(), code: await totpCode(secret) }, { query: { view: 'security' } });
			expect(confirmed.status).toBe(200);
			expect(confirmed.body).toContain('data-totp="enabled"');

			const fresh = new DashboardClient(dashboardUrl);
			expect((await fresh.login(LOGIN.username, LOGIN.password)).status).toBe(401);
			// The code of the next time step: the enrolment code's own step cannot be used twice.
			const next = await totpCode(secret, Math.floor(Date.now() / 1000) + 30);
			expect((await fresh.login(LOGIN.username, LOGIN.password, next)).status).toBe(303);
			expect((await fresh.get()).status).toBe(200);
			// The same code a second time is refused (replay).
			expect((await new DashboardClient(dashboardUrl).login(LOGIN.username, LOGIN.password, next)).status).toBe(401);
		});

		it('keeps an access log of sign-ins, chat views, exports and refusals for admins', async () => {
			const log = await adminClient.get({ view: 'access-log' });
			expect(log.status).toBe(200);
			const rows = [...log.body.matchAll(/<tr class="log-row" data-action="([^"]+)" data-outcome="([^"]+)">/g)].map((match) => `${match[1]}:${match[2]}`);
			for (const entry of ['login:ok', 'login:failed', 'login:locked', 'view_chat:ok', 'export:ok', 'export:denied', 'csrf:denied', 'user_created:ok', 'totp_enrolment:ok']) expect(rows).toContain(entry);
			expect(log.body).toContain(IDS.carmen);
			expect(log.body).not.toContain(USERS.agent.password);
		});
	});
});
