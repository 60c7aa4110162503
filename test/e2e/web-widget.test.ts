// The web chat channel in one real n8n server and a real browser (Debian's Chromium through
// playwright-core): the shipped whatsapp-ai-support workflow (its Web Chat Trigger) and agent-desk-bridge,
// imported with the demo credentials, and the demo hotel page from its own origin embedding the widget
// with one script tag, on a phone-sized screen. A Dutch guest asks and sees the answer, reloads and keeps
// the history, complains, is handed to a person and sees the agent's desk reply arrive live; HTML in a
// message shows as text; forged sessions, foreign origins and bad bodies get 4xx and start nothing; the
// Chats dashboard (chats-dashboard, same store) lists the web chat with its Web widget badge.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { Page } from 'playwright-core';

import { signCustomerIdentity } from '../../nodes/domain/channels/web';
import { startGraphSandbox, type GraphSandbox } from '../../sandbox/graph-sandbox';
import { startHotelPage, type HotelPage } from '../../sandbox/hotel-page';
import { DEMO_DASHBOARD_ADMIN, DEMO_HEADER_KEYS, DEMO_WEB_CHAT, demoCredentials, demoWidgetUrl } from '../../scripts/demo';
import {
	createTempUserFolder,
	importCredentials,
	importWorkflows,
	repoRoot,
	startN8n,
	type ImportedWorkflow,
	type N8nServer,
	type WorkflowJson,
} from '../../scripts/lib/n8n-server';
import { launchHeadlessChromium, type HeadlessBrowser } from '../helpers/browser';

const ARTIFACTS = path.join(repoRoot, 'test-artifacts');
const FOREIGN_ORIGIN = 'https://evil.example';

describe('web chat widget in a real n8n server and a real browser', () => {
	let sandbox: GraphSandbox;
	let server: N8nServer;
	let hotelPage: HotelPage;
	let browser: HeadlessBrowser;
	let page: Page;
	let support: ImportedWorkflow;
	let chatBase: string;
	const dialogs: string[] = [];
	/** Content types of the widget's live-feed responses. */
	const streams: string[] = [];

	beforeAll(async () => {
		mkdirSync(ARTIFACTS, { recursive: true });
		sandbox = await startGraphSandbox({ templates: [{ name: 'agent_handoff_alert', category: 'utility', languages: ['en'] }, { name: 'follow_up', category: 'utility', languages: ['en'] }] });
		let widgetUrl = '';
		hotelPage = await startHotelPage({ widgetUrl: () => widgetUrl });
		const credentials = demoCredentials().map((credential) =>
			credential.type === 'whatsAppCloudApi' ? { ...credential, data: { ...(credential.data as Record<string, unknown>), baseUrl: sandbox.baseUrl } } : credential,
		);
		// As shipped, but allowing the origin this test's hotel page got.
		const shipped = JSON.parse(readFileSync(path.join(repoRoot, 'workflows', 'whatsapp-ai-support.json'), 'utf8')) as WorkflowJson;
		const trigger = shipped.nodes.find((node) => node.type === 'n8n-nodes-whatsapp-ai-support.webChatTrigger')!;
		trigger.parameters = { ...trigger.parameters, allowedOrigins: hotelPage.origin };
		const userFolder = createTempUserFolder('n8n-e2e-widget-');
		await importCredentials(userFolder, credentials);
		const imported = await importWorkflows(userFolder, [
			shipped,
			path.join(repoRoot, 'workflows', 'agent-desk-bridge.json'),
			path.join(repoRoot, 'workflows', 'chats-dashboard.json'),
		]);
		support = imported[0];
		server = await startN8n({ userFolder, removeUserFolderOnStop: true });
		await server.rest.ensureOwner();
		// The bridge first: n8n publishes a workflow only after the sub-workflows it calls.
		for (const workflow of [imported[1], imported[0], imported[2]]) await server.rest.activateWorkflow(workflow.id);
		widgetUrl = demoWidgetUrl(server.baseUrl);
		chatBase = widgetUrl.replace(/\/widget\.js$/, '');

		browser = await launchHeadlessChromium({ locale: 'nl-NL', viewport: { width: 390, height: 844 } });
		page = browser.page;
		page.on('response', (response) => {
			if (new URL(response.url()).pathname.endsWith('/events')) streams.push(response.headers()['content-type'] ?? '');
		});
		page.on('dialog', async (dialog) => {
			dialogs.push(dialog.message());
			await dialog.dismiss();
		});
	}, 240_000);

	afterAll(async () => {
		await browser?.close();
		await server?.stop();
		await hotelPage?.close();
		await sandbox?.close();
	}, 60_000);

	/** The Dutch guest's web conversation, for the dashboard check. */
	let webConversation = '';
	const bubbles = (selector: string) => page.locator(`[data-web-chat] ${selector}`);
	const ask = async (text: string) => {
		const answered = page.waitForResponse((response) => response.url().endsWith('/message') && response.request().method() === 'POST');
		await page.fill('[data-web-chat] textarea', text);
		await page.press('[data-web-chat] textarea', 'Enter');
		return (await (await answered).json()) as { ok: boolean; id: number; conversationId: string };
	};

	it('serves the widget script small, and a Dutch guest on the hotel page asks and sees the answer', async () => {
		const script = await fetch(`${chatBase}/widget.js`);
		expect(script.status).toBe(200);
		expect(script.headers.get('content-type')).toMatch(/^application\/javascript/);

		await page.goto(hotelPage.url);
		const launcher = page.locator('[data-web-chat] .wc-launch');
		await expect(launcher.textContent()).resolves.toBe('Chat met ons');
		await launcher.click();
		const sent = await ask('Is er parkeergelegenheid bij het hotel?');
		webConversation = sent.conversationId;
		expect(sent).toMatchObject({ ok: true, conversationId: expect.stringMatching(/^web:hotel-zonneveld:web:/) });
		const answer = bubbles('.wc-out').filter({ hasText: 'garage' });
		await answer.waitFor({ timeout: 60_000 });
		expect(await answer.first().textContent()).toMatch(/onze garage heeft 40 plekken/);
		// The phone-sized screen: the open chat fills it.
		const box = await page.locator('[data-web-chat] .wc-panel').boundingBox();
		expect(box?.width).toBe(390);
		await page.screenshot({ path: path.join(ARTIFACTS, 'web-widget-answer-nl.png') });
	}, 120_000);

	it('keeps the history after a reload', async () => {
		await page.reload();
		await bubbles('.wc-out').filter({ hasText: 'garage' }).waitFor({ timeout: 30_000 });
		const texts = await bubbles('.wc-msg').allTextContents();
		expect(texts[0]).toBe('Is er parkeergelegenheid bij het hotel?');
		expect(texts.some((text) => /onze garage/.test(text))).toBe(true);
	}, 60_000);

	it('hands a complaint to a person, and the agent\'s desk reply appears live in the open widget', async () => {
		const sent = await ask('De verwarming in mijn kamer is kapot en het is ijskoud, ik ben erg teleurgesteld!');
		const holding = bubbles('.wc-out[data-author="system"]');
		await holding.waitFor({ timeout: 60_000 });
		await page.screenshot({ path: path.join(ARTIFACTS, 'web-widget-handoff.png') });

		const postedAt = Date.now();
		const reply = await fetch(`${server.baseUrl}/webhook/agent-desk-reply`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', [DEMO_HEADER_KEYS.agentDesk.name]: DEMO_HEADER_KEYS.agentDesk.value },
			body: JSON.stringify({ conversationId: sent.conversationId, text: 'Excuses! Sanne van de receptie komt direct met een kachel.', agent: 'Sanne' }),
		});
		expect(reply.status).toBe(200);
		// No reload: the SSE stream the widget holds delivers it.
		expect(streams.length).toBeGreaterThan(0);
		expect(streams.every((type) => type.startsWith('text/event-stream'))).toBe(true);
		const agent = bubbles('.wc-agent').filter({ hasText: 'Sanne van de receptie' });
		await agent.waitFor({ timeout: 10_000 });
		// A figure for the README (desk POST → on screen, including the bridge's execution), not an assertion.
		writeFileSync(path.join(ARTIFACTS, 'web-widget-live-delay.txt'), `agent reply: desk POST to on screen ${Date.now() - postedAt} ms\n`);
		expect(await agent.textContent()).toContain('Medewerker');
		await page.screenshot({ path: path.join(ARTIFACTS, 'web-widget-agent-reply.png') });
		// Nothing of the web chat went to WhatsApp, except the duty manager's alert template.
		expect(sandbox.sentMessages().filter((message) => message.type !== 'template')).toEqual([]);
	}, 120_000);

	it('lists the web chat in the Chats dashboard with its Web widget badge, handed to a person', async () => {
		const dashboard = await browser.context.newPage();
		try {
			await dashboard.goto(`${server.baseUrl}/webhook/chats`);
			await dashboard.fill('input[name="username"]', DEMO_DASHBOARD_ADMIN.username);
			await dashboard.fill('input[name="password"]', DEMO_DASHBOARD_ADMIN.password);
			await Promise.all([dashboard.waitForLoadState('load'), dashboard.click('form.login button[type="submit"]')]);
			// The dashboard's day is the business's (the workflow's time zone, Europe/Amsterdam), not UTC's.
			const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' }).format(new Date());
			await dashboard.goto(`${server.baseUrl}/webhook/chats?from=${day}&to=${day}`);
			const row = dashboard.locator(`tr.chat-row[data-conversation="${webConversation}"]`);
			await row.waitFor({ timeout: 30_000 });
			expect(await row.locator('.badge').textContent()).toBe('Web widget');
			await dashboard.screenshot({ path: path.join(ARTIFACTS, 'web-widget-in-dashboard.png'), fullPage: true });
		} finally {
			await dashboard.close();
		}
	}, 60_000);

	it('shows a message made of HTML as text', async () => {
		const xss = '<img src=x onerror=alert(1)>';
		await ask(xss);
		await bubbles('.wc-in[data-id]').filter({ hasText: xss }).waitFor({ timeout: 30_000 });
		// A person has the chat (the complaint above): no typing indicator for a bot that stays silent.
		await expect(page.locator('[data-web-chat] .wc-typing').isVisible()).resolves.toBe(false);
		await expect(page.locator('img').count()).resolves.toBe(0);
		expect(dialogs).toEqual([]);
		await page.screenshot({ path: path.join(ARTIFACTS, 'web-widget-xss-as-text.png') });
	}, 60_000);

	it('refuses forged sessions (401), foreign origins (403) and bad bodies (400, 413) without starting an execution', async () => {
		const before = await server.rest.countExecutions(support.id);
		const post = async (endpoint: string, body: string, origin = hotelPage.origin) =>
			await fetch(`${chatBase}/${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body });

		const started = await post('session', '{}');
		expect(started.status).toBe(201);
		const { session } = (await started.json()) as { session: string };
		const forged = `${session.slice(0, session.lastIndexOf('.'))}.${'A'.repeat(43)}`;
		const forgedAnswer = await post('message', JSON.stringify({ session: forged, text: 'hallo' }));
		expect(forgedAnswer.status).toBe(401);
		expect(await forgedAnswer.json()).toMatchObject({ error: { code: 'session_forged' } });
		expect((await fetch(`${chatBase}/events?session=${encodeURIComponent(forged)}`)).status).toBe(401);

		const foreign = await post('session', '{}', FOREIGN_ORIGIN);
		expect(foreign.status).toBe(403);
		expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
		expect((await post('message', JSON.stringify({ session, text: 'hallo' }), FOREIGN_ORIGIN)).status).toBe(403);

		expect((await post('message', 'not json')).status).toBe(400);
		expect((await post('message', JSON.stringify({ session, text: '   ' }))).status).toBe(400);
		expect((await post('message', JSON.stringify({ session, text: 'x'.repeat(2001) }))).status).toBe(413);
		expect((await post('message', JSON.stringify({ session, text: 'x'.repeat(20_000) }))).status).toBe(413);
		// A site vouching for a guest with a wrong signature gets no session.
		const identity = { email: 'anneke@example.com', signature: signCustomerIdentity('not-the-secret', { email: 'anneke@example.com' }) };
		expect((await post('session', JSON.stringify({ identity }))).status).toBe(401);
		const vouched = await post('session', JSON.stringify({ identity: { ...identity, signature: signCustomerIdentity(DEMO_WEB_CHAT.secret, identity) } }));
		expect(vouched.status).toBe(201);

		await new Promise((resolve) => setTimeout(resolve, 1000));
		expect(await server.rest.countExecutions(support.id)).toBe(before);
	}, 60_000);
});
