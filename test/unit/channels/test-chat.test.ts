// The dashboard's Test chat: bots registered in the store (migration 11), test-chat tokens checked by the
// trigger's request logic, the `test` conversation, and the dashboard's send-and-wait with a transport that
// stands in for the HTTP call to the trigger. Store parts run on both backends.
import {
	acceptMessage,
	deliverWebMessages,
	RateLimiter,
	signTestChat,
	verifyTestChat,
	type WebChatConfig,
} from '../../../nodes/domain/channels/web';
import { renderTestChat, sendTestChatMessage, TEST_CHAT_LIVE_SCRIPT, testChatConversationId, type TestChatTransport } from '../../../nodes/domain/costs/dashboard-test-chat';
import { handleDashboardRequest } from '../../../nodes/domain/security/dashboard-auth';
import { closeAllSupportStores, openSupportStore, type ChatBot, type SupportStore } from '../../../nodes/domain/store';
import { storeBackendFixtures } from '../../helpers/store-backends';

const NOW = Date.parse('2026-03-14T10:00:00Z');

function config(botId: string, overrides: Partial<WebChatConfig> = {}): WebChatConfig {
	return {
		secret: 'site-secret',
		siteId: 'hotel',
		allowedOrigins: ['*'],
		sessionLifetimeSeconds: 3600,
		maxMessageLength: 200,
		maxBodyBytes: 1024,
		messagesPerMinutePerSession: 10,
		requestsPerMinutePerIp: 10,
		limiter: new RateLimiter(),
		botId,
		...overrides,
	};
}

describe('test-chat tokens', () => {
	it('verify for the bot they name, and are refused forged, expired, for another bot or malformed', () => {
		const token = signTestChat('bot-secret', { bot: 'wf1:node1', user: 'ops' }, NOW);
		expect(verifyTestChat('bot-secret', token, 'wf1:node1', NOW)).toEqual({ valid: true, claims: { bot: 'wf1:node1', user: 'ops', exp: NOW / 1000 + 120 } });
		expect(verifyTestChat('other-secret', token, 'wf1:node1', NOW)).toEqual({ valid: false, reason: 'forged' });
		expect(verifyTestChat('bot-secret', token, 'wf1:node1', NOW + 121_000)).toEqual({ valid: false, reason: 'expired' });
		expect(verifyTestChat('bot-secret', token, 'wf2:node1', NOW)).toEqual({ valid: false, reason: 'other_bot' });
		expect(verifyTestChat('bot-secret', 'v1.abc', 'wf1:node1', NOW)).toEqual({ valid: false, reason: 'malformed' });
		expect(verifyTestChat('bot-secret', undefined, 'wf1:node1', NOW)).toEqual({ valid: false, reason: 'missing' });
	});
});

describe.each(storeBackendFixtures())('test chats on $name', (backend) => {
	let store: SupportStore;
	let bot: ChatBot;

	beforeAll(async () => {
		store = await openSupportStore(await backend.create());
		bot = await store.chatBots.register({ id: 'wf-hotel:trigger-1', workflowId: 'wf-hotel', name: 'Hotel concierge', siteId: 'hotel', messageUrl: 'http://n8n.test/webhook/abc/message' });
	});
	afterAll(async () => {
		await closeAllSupportStores();
		await backend.cleanup();
	});

	it('registers a bot once with a lasting secret, and lists only the published ones', async () => {
		const again = await store.chatBots.register({ id: bot.id, workflowId: 'wf-hotel', name: 'Hotel concierge (renamed)', siteId: 'hotel', messageUrl: bot.messageUrl });
		expect(again.testSecret).toBe(bot.testSecret);
		expect(again.name).toBe('Hotel concierge (renamed)');
		await store.chatBots.register({ id: 'wf-old:trigger-1', workflowId: 'wf-old', name: 'Old bot', siteId: 'old', messageUrl: 'http://n8n.test/webhook/old/message' });
		expect(await store.chatBots.deactivate('wf-old:trigger-1')).toBe(true);
		expect((await store.chatBots.listActive()).map((each) => each.id)).toEqual([bot.id]);
		expect((await store.chatBots.get('wf-old:trigger-1'))?.active).toBe(false);
	});

	it('takes a test-chat message into a test conversation, once per id, and refuses bad tokens and unpublished bots with 401', async () => {
		const token = signTestChat(bot.testSecret, { bot: bot.id, user: 'ops' });
		const first = await acceptMessage(config(bot.id), { test: token, id: 'dashboard-msg-1', text: 'Is er parkeergelegenheid?' }, store);
		expect(first.answer.statusCode).toBe(202);
		expect(first.envelope).toMatchObject({
			conversation: { id: 'test:wf-hotel:dashboard:ops', channel: 'test', phoneNumberId: 'wf-hotel', customer: { userId: 'dashboard:ops', name: 'ops' } },
			message: { id: 'test:dashboard:ops:dashboard-msg-1', text: 'Is er parkeergelegenheid?' },
			web: { testBy: 'ops' },
		});
		expect((await store.getConversation('test:wf-hotel:dashboard:ops'))?.channel).toBe('test');
		expect((await acceptMessage(config(bot.id), { test: token, id: 'dashboard-msg-1', text: 'Is er parkeergelegenheid?' }, store)).answer).toMatchObject({ statusCode: 200, body: { duplicate: true } });

		const forged = signTestChat('not-the-bot-secret', { bot: bot.id, user: 'ops' });
		expect((await acceptMessage(config(bot.id), { test: forged, text: 'hi' }, store)).answer).toMatchObject({ statusCode: 401, body: { error: { code: 'test_chat_forged' } } });
		// A token for this bot does not open another (unpublished) one.
		expect((await acceptMessage(config('wf-old:trigger-1'), { test: token, text: 'hi' }, store)).answer).toMatchObject({ statusCode: 401, body: { error: { code: 'test_chat_not_published' } } });
		expect((await acceptMessage(config(bot.id), { test: signTestChat(bot.testSecret, { bot: bot.id, user: 'ops' }, Date.now() - 200_000), text: 'hi' }, store)).answer.statusCode).toBe(401);
	});

	it('sends from the dashboard through the transport and waits for the answer, which the page shows escaped', async () => {
		const sent: Array<{ url: string; body: Record<string, unknown> }> = [];
		// Stands in for n8n: the trigger's logic answers the POST, and the "workflow" replies a moment later.
		const transport: TestChatTransport = async (url, body) => {
			sent.push({ url, body });
			const outcome = await acceptMessage(config(bot.id), body, store);
			if (outcome.envelope) {
				const { conversation } = outcome.envelope;
				setTimeout(() => void deliverWebMessages(store, conversation, [{ text: 'Ja, <b>gratis</b> parkeren.', buttons: [{ id: 'more', title: 'Meer info' }] }], 'bot'), 300);
			}
			return { statusCode: outcome.answer.statusCode, body: outcome.answer.body };
		};
		const result = await sendTestChatMessage(store, bot, { user: 'agent1', text: 'Kan ik parkeren? <img src=x onerror=alert(1)>', clientId: 'client-0001' }, { transport, waitMs: 5_000 });
		expect(result).toEqual({ ok: true });
		expect(sent).toHaveLength(1);
		expect(sent[0].url).toBe(bot.messageUrl);
		expect(sent[0].body).toMatchObject({ id: 'client-0001', text: 'Kan ik parkeren? <img src=x onerror=alert(1)>', test: expect.stringMatching(/^t1\./) });
		// The wait ended with the answer stored.
		const messages = await store.listMessages(testChatConversationId(bot, 'agent1'));
		expect(messages.map((message) => [message.author, message.text])).toEqual([
			['customer', 'Kan ik parkeren? <img src=x onerror=alert(1)>'],
			['bot', 'Ja, <b>gratis</b> parkeren.'],
		]);

		const feed = messages.map((message) => ({ id: message.id, direction: message.direction, author: message.author, text: message.text ?? '', at: message.sentAt, ...(message.author === 'bot' ? { buttons: [{ id: 'more', title: 'Meer info' }] } : {}) }));
		const html = renderTestChat({ bots: [bot], bot, messages: feed, csrfField: '<input type="hidden" name="csrf" value="x">', clientId: 'next-0001', withPerson: false });
		expect(html).toContain('Kan ik parkeren? &#60;img src=x onerror=alert(1)&#62;');
		expect(html).not.toContain('<img');
		expect(html).toContain('data-choice="more"');

		const refused: TestChatTransport = async () => ({ statusCode: 401, body: { error: { message: 'The test-chat token is not valid for this chat' } } });
		expect(await sendTestChatMessage(store, bot, { user: 'agent1', text: 'hi', clientId: 'client-0002' }, { transport: refused })).toEqual({
			ok: false,
			problem: 'The bot refused the message: The test-chat token is not valid for this chat',
		});
	});

	it('feeds the open Test chat page live: a person\'s later reply comes back from test-feed, for the form token only', async () => {
		const admin = { username: 'ops-admin', password: 'a-long-admin-pass-2026' };
		const options = { admin, currency: 'USD', testChatFeedWaitMs: 3_000 };
		const login = await handleDashboardRequest(store, { body: { action: 'login', username: admin.username, password: admin.password }, headers: { host: 'n8n.test' } }, options);
		expect(login.statusCode).toBe(303);
		const cookie = login.setCookie.split(';')[0];
		const conversation = { channel: 'test' as const, phoneNumberId: 'wf-hotel', customer: { userId: `dashboard:${admin.username}`, name: admin.username } };
		await deliverWebMessages(store, conversation, [{ text: 'Welkom!' }], 'bot');
		const view = await handleDashboardRequest(store, { query: { view: 'test', bot: bot.id }, headers: { host: 'n8n.test', cookie } }, options);
		expect(view.statusCode).toBe(200);
		expect(view.body).toContain(`<script>${TEST_CHAT_LIVE_SCRIPT}</script>`);
		// The script adds text nodes only.
		expect(TEST_CHAT_LIVE_SCRIPT).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
		const csrf = /name="csrf" value="([^"]+)"/.exec(view.body)?.[1] ?? '';
		const lastId = Number([...view.body.matchAll(/data-id="(\d+)"/g)].pop()?.[1]);
		expect(lastId).toBeGreaterThan(0);

		// The page's request comes from n8n's sandboxed page: Origin null, no cookie, the form token.
		const feedRequest = (after: number, token = csrf) =>
			handleDashboardRequest(store, { body: { action: 'test-feed', csrf: token, bot: bot.id, after: String(after) }, headers: { host: 'n8n.test', origin: 'null' } }, options);
		const started = Date.now();
		const pending = feedRequest(lastId);
		setTimeout(() => void deliverWebMessages(store, conversation, [{ text: 'Hallo, <b>Sanne</b> van de receptie hier.' }], 'agent'), 400);
		const live = await pending;
		expect(Date.now() - started).toBeLessThan(2_000);
		expect(live.statusCode).toBe(200);
		expect(live.contentType).toMatch(/^application\/json/);
		const payload = JSON.parse(live.body) as { messages: Array<{ id: number; author: string; text: string }>; withPerson: boolean };
		expect(payload.messages.map(({ author, text }) => [author, text])).toEqual([['agent', 'Hallo, <b>Sanne</b> van de receptie hier.']]);
		expect(payload.messages[0].id).toBeGreaterThan(lastId);

		// Nothing new: an empty answer after the wait. A wrong token, a bad cursor and an unknown bot are refused.
		const quiet = JSON.parse((await feedRequest(payload.messages[0].id)).body) as { messages: unknown[] };
		expect(quiet.messages).toEqual([]);
		expect((await feedRequest(0, 'not-the-form-token')).statusCode).toBe(403);
		expect((await feedRequest(-1)).statusCode).toBe(400);
		const unknownBot = await handleDashboardRequest(store, { body: { action: 'test-feed', csrf, bot: 'wf-old:trigger-1', after: '0' }, headers: { host: 'n8n.test' } }, options);
		expect(unknownBot.statusCode).toBe(404);
	}, 20_000);
});
