// The Chats dashboard's Test chat in one real n8n server and a real browser (Debian's Chromium through
// playwright-core): the shipped hotel-concierge (its Web Chat Trigger registers it as a bot when published),
// agent-desk-bridge and chats-dashboard, imported with the demo credentials, sharing the embedded store.
// A signed-in admin picks the published bot and chats with it; the answer shows on the page; the test chat
// is left out of the metrics by default and shown by the Test filter; a forged test-chat token gets 401 and
// starts nothing; a complaint is handed to a person, whose desk reply shows live in the open page (as text);
// an analyst cannot chat; an unpublished bot leaves the list.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { Page } from 'playwright-core';

import { signTestChat } from '../../nodes/domain/channels/web';
import { startGraphSandbox, type GraphSandbox } from '../../sandbox/graph-sandbox';
import { DEMO_DASHBOARD_ADMIN, DEMO_HEADER_KEYS, demoCredentials } from '../../scripts/demo';
import { createTempUserFolder, importCredentials, importWorkflows, repoRoot, startN8n, type ImportedWorkflow, type N8nServer } from '../../scripts/lib/n8n-server';
import { launchHeadlessChromium, type HeadlessBrowser } from '../helpers/browser';
import { DashboardClient } from '../helpers/dashboard-client';

const ARTIFACTS = path.join(repoRoot, 'test-artifacts');
const ANALYST = { username: 'nina', password: 'analyst-pass-2026' };

describe('Test chat from the Chats dashboard in a real n8n server and a real browser', () => {
	let sandbox: GraphSandbox;
	let server: N8nServer;
	let browser: HeadlessBrowser;
	let page: Page;
	let concierge: ImportedWorkflow;
	let dashboardUrl: string;
	const dialogs: string[] = [];
	/** What the page logged and asked (shown when the live reply does not arrive). */
	const pageEvents: string[] = [];

	beforeAll(async () => {
		mkdirSync(ARTIFACTS, { recursive: true });
		sandbox = await startGraphSandbox({ templates: [{ name: 'agent_handoff_alert', category: 'utility', languages: ['en'] }, { name: 'follow_up', category: 'utility', languages: ['en'] }] });
		const credentials = demoCredentials().map((credential) =>
			credential.type === 'whatsAppCloudApi' ? { ...credential, data: { ...(credential.data as Record<string, unknown>), baseUrl: sandbox.baseUrl } } : credential,
		);
		const userFolder = createTempUserFolder('n8n-e2e-test-chats-');
		await importCredentials(userFolder, credentials);
		const imported = await importWorkflows(
			userFolder,
			['hotel-concierge.json', 'agent-desk-bridge.json', 'chats-dashboard.json'].map((file) => path.join(repoRoot, 'workflows', file)),
		);
		concierge = imported[0];
		server = await startN8n({ userFolder, removeUserFolderOnStop: true });
		await server.rest.ensureOwner();
		// The bridge first: n8n publishes a workflow only after the sub-workflows it calls.
		for (const workflow of [imported[1], imported[0], imported[2]]) await server.rest.activateWorkflow(workflow.id);
		dashboardUrl = `${server.baseUrl}/webhook/chats`;

		browser = await launchHeadlessChromium({ locale: 'nl-NL' });
		page = browser.page;
		page.on('console', (message) => pageEvents.push(`console ${message.type()}: ${message.text()}`));
		page.on('pageerror', (error) => pageEvents.push(`pageerror: ${error.message}`));
		page.on('requestfailed', (request) => pageEvents.push(`failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`));
		page.on('response', (response) => {
			if (response.request().method() === 'POST') pageEvents.push(`response: ${response.status()} ${response.url()} ${JSON.stringify(response.headers())}`);
		});
		page.on('dialog', async (dialog) => {
			dialogs.push(dialog.message());
			await dialog.dismiss();
		});
	}, 240_000);

	afterAll(async () => {
		await browser?.close();
		await server?.stop();
		await sandbox?.close();
	}, 60_000);

	// The dashboard's day is the business's (the workflow's time zone, Europe/Amsterdam), not UTC's.
	const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' }).format(new Date());
	const tile = async (key: string) => (await page.locator(`[data-metric="${key}"] .value`).textContent())?.trim();

	it('lets a signed-in admin pick the published bot and chat with it: the answer shows on the page', async () => {
		await page.goto(dashboardUrl);
		await page.fill('input[name="username"]', DEMO_DASHBOARD_ADMIN.username);
		await page.fill('input[name="password"]', DEMO_DASHBOARD_ADMIN.password);
		await Promise.all([page.waitForLoadState('load'), page.click('form.login button[type="submit"]')]);
		await Promise.all([page.waitForLoadState('load'), page.click('a[data-nav="test"]')]);

		// Only the published bot with a Web Chat Trigger is offered (not the bridge, not the dashboard).
		const options = await page.locator('form.pick-bot select[name="bot"] option').allTextContents();
		expect(options).toEqual(['Hotel Concierge']);
		await Promise.all([page.waitForLoadState('load'), page.click('form.pick-bot button[type="submit"]')]);
		await page.fill('form.send input[name="text"]', 'Is er parkeergelegenheid bij het hotel?');
		await Promise.all([page.waitForLoadState('load'), page.click('form.send button[type="submit"]')]);

		// The post waits for the answer; if it came later, the page refreshes itself until it is there.
		const answer = page.locator('.test-chat .event.bot');
		await answer.first().waitFor({ timeout: 60_000 });
		expect(await answer.first().textContent()).toMatch(/parkeer|garage/i);
		expect(await page.locator('.test-chat .event.customer .text').first().textContent()).toBe('Is er parkeergelegenheid bij het hotel?');

		// HTML typed into the test chat shows as text.
		await page.fill('form.send input[name="text"]', '<img src=x onerror=alert(1)>');
		await Promise.all([page.waitForLoadState('load'), page.click('form.send button[type="submit"]')]);
		await page.locator('.test-chat .event.customer .text', { hasText: '<img src=x onerror=alert(1)>' }).waitFor({ timeout: 30_000 });
		await expect(page.locator('img').count()).resolves.toBe(0);
		expect(dialogs).toEqual([]);
		expect(await page.locator('.test-chat').getAttribute('data-bot')).toMatch(new RegExp(`^${concierge.id}:`));
		await page.screenshot({ path: path.join(ARTIFACTS, 'web-test-chat.png'), fullPage: true });
		expect(readFileSync(path.join(ARTIFACTS, 'web-test-chat.png')).subarray(1, 4).toString()).toBe('PNG');
		// Nothing went to WhatsApp: the test chat is answered in the dashboard only.
		expect(sandbox.sentMessages().filter((message) => message.type !== 'template')).toEqual([]);
	}, 180_000);

	it('keeps the test chat out of the metrics and the list by default, and shows it with the Test and All filters', async () => {
		const conversationId = `test:${concierge.id}:dashboard:${DEMO_DASHBOARD_ADMIN.username}`;
		await page.goto(`${dashboardUrl}?from=${today()}&to=${today()}`);
		expect(await tile('chats')).toBe('0');
		await expect(page.locator('tr.chat-row').count()).resolves.toBe(0);

		await page.selectOption('select[name="channel"]', 'test');
		await Promise.all([page.waitForLoadState('load'), page.click('form.filters button[type="submit"]')]);
		expect(await tile('chats')).toBe('1');
		const row = page.locator('tr.chat-row');
		expect(await row.getAttribute('data-conversation')).toBe(conversationId);
		expect(await row.locator('.badge').textContent()).toBe('Test');

		await page.goto(`${dashboardUrl}?from=${today()}&to=${today()}&channel=all`);
		expect(await tile('chats')).toBe('1');
	}, 60_000);

	it('hands a complaint in the test chat to a person, and the agent\'s desk reply appears live in the open page, as text', async () => {
		await page.goto(`${dashboardUrl}?view=test`);
		await Promise.all([page.waitForLoadState('load'), page.click('form.pick-bot button[type="submit"]')]);
		await page.fill('form.send input[name="text"]', 'De verwarming in mijn kamer is kapot en het is ijskoud, ik ben erg teleurgesteld!');
		await Promise.all([page.waitForLoadState('load'), page.click('form.send button[type="submit"]')]);
		await page.locator('.test-chat .event.system').last().waitFor({ timeout: 60_000 });
		await expect(page.locator('.test-chat p.muted', { hasText: 'A person has this chat now' }).count()).resolves.toBe(1);
		const agentsBefore = await page.locator('.test-chat .event.agent').count();

		// A marker in the page: it survives only if the reply arrives without a reload or navigation.
		await page.evaluate(() => {
			(globalThis as { liveMarker?: string }).liveMarker = 'still the same page';
		});
		const conversationId = `test:${concierge.id}:dashboard:${DEMO_DASHBOARD_ADMIN.username}`;
		const text = 'Excuses! Sanne van de receptie komt direct. <img src=x onerror=alert(1)>';
		const postedAt = Date.now();
		const reply = await fetch(`${server.baseUrl}/webhook/agent-desk-reply`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', [DEMO_HEADER_KEYS.agentDesk.name]: DEMO_HEADER_KEYS.agentDesk.value },
			body: JSON.stringify({ conversationId, text, agent: 'Sanne' }),
		});
		expect(reply.status).toBe(200);
		const agent = page.locator('.test-chat .event.agent[data-live="true"]', { hasText: 'Sanne van de receptie' });
		await agent.waitFor({ timeout: 10_000 }).catch(async (error: Error) => {
			throw new Error(`${error.message}\npage: ${pageEvents.join('\n')}\nhtml: ${(await page.content()).slice(-3000)}`);
		});
		// A figure for the README (desk POST → on screen, including the bridge's execution), not an assertion.
		writeFileSync(path.join(ARTIFACTS, 'web-test-chat-live-delay.txt'), `agent reply in the dashboard test chat: desk POST to on screen ${Date.now() - postedAt} ms\n`);
		await expect(page.evaluate(() => (globalThis as { liveMarker?: string }).liveMarker)).resolves.toBe('still the same page');
		await expect(page.locator('.test-chat .event.agent').count()).resolves.toBe(agentsBefore + 1);
		expect(await agent.locator('.text').textContent()).toContain('<img src=x onerror=alert(1)>');
		await expect(page.locator('img').count()).resolves.toBe(0);
		expect(dialogs).toEqual([]);
		await page.screenshot({ path: path.join(ARTIFACTS, 'web-test-chat-agent-reply.png'), fullPage: true });

		// After a reload the reply is still there, rendered by the page itself.
		await page.goto(`${dashboardUrl}?view=test&bot=${encodeURIComponent((await page.locator('.test-chat').getAttribute('data-bot')) ?? '')}`);
		await page.locator('.test-chat .event.agent', { hasText: 'Sanne van de receptie' }).waitFor({ timeout: 10_000 });
		await expect(page.locator('img').count()).resolves.toBe(0);
	}, 180_000);

	it('refuses a forged test-chat token (401, no execution), an analyst (403), and drops an unpublished bot from the list', async () => {
		const admin = new DashboardClient(dashboardUrl);
		expect((await admin.login(DEMO_DASHBOARD_ADMIN.username, DEMO_DASHBOARD_ADMIN.password)).status).toBe(303);
		const view = await admin.get({ view: 'test' });
		const botId = /<option value="([^"]+)"/.exec(view.body)?.[1] ?? '';
		expect(botId.startsWith(`${concierge.id}:`)).toBe(true);
		const messageUrl = `${server.baseUrl}/webhook/${readConciergeWebhookId()}/message`;

		const executionsBefore = await server.rest.countExecutions(concierge.id);
		const forged = await fetch(messageUrl, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ test: signTestChat('not-the-bot-secret', { bot: botId, user: 'mallory' }), text: 'hallo' }),
		});
		expect(forged.status).toBe(401);
		expect(await forged.json()).toMatchObject({ error: { code: 'test_chat_forged' } });

		const csrf = await admin.csrf();
		expect((await admin.post({ action: 'user-create', csrf, username: ANALYST.username, role: 'analyst', password: ANALYST.password }, { query: { view: 'users' } })).status).toBe(200);
		const analyst = new DashboardClient(dashboardUrl);
		expect((await analyst.login(ANALYST.username, ANALYST.password)).status).toBe(303);
		expect((await analyst.get({ view: 'test' })).status).toBe(403);
		const analystCsrf = await analyst.csrf();
		const refused = await analyst.post({ action: 'test-send', csrf: analystCsrf, bot: botId, id: 'analyst-msg-01', text: 'hallo' }, { query: { view: 'test' } });
		expect(refused.status).toBe(403);
		expect(await server.rest.countExecutions(concierge.id)).toBe(executionsBefore);

		await server.rest.deactivateWorkflow(concierge.id);
		const after = await admin.get({ view: 'test' });
		expect(after.body).toContain('No bot is published yet');
		// An access log entry for each test message, and for the analyst's refusal.
		const log = await admin.get({ view: 'access-log' });
		expect(log.body).toMatch(/test_chat/);
	}, 120_000);
});

function readConciergeWebhookId(): string {
	const workflow = JSON.parse(readFileSync(path.join(repoRoot, 'workflows', 'hotel-concierge.json'), 'utf8')) as { nodes: Array<{ type: string; webhookId?: string }> };
	return workflow.nodes.find((node) => node.type === 'n8n-nodes-whatsapp-ai-support.webChatTrigger')!.webhookId!;
}
