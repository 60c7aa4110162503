// The web channel in-process: the shipped whatsapp-ai-support workflow started from its Web Chat Trigger
// (the same nodes after both triggers) answers, asks with buttons and hands off into the web conversation,
// sending nothing to WhatsApp; agent-desk-bridge's agent reply reaches the web conversation; and the
// trigger's webhook() answers bad requests with 4xx and no workflow data (no execution).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { WebChatTrigger } from '../../nodes/WebChatTrigger/WebChatTrigger.node';
import { acceptMessage, deliverWebMessages, issueSession, RateLimiter, readFeed, signTestChat, type WebInboundEnvelope } from '../../nodes/domain/channels/web';
import { closeAllSupportStores, openSupportStore } from '../../nodes/domain/store';
import { startNodeTestBed, type NodeTestBed } from '../helpers/node-fixtures';
import { loadWorkflowFile, runWorkflow } from '../helpers/workflow-runner';

const SECRET = 'node-web-chat-secret';
/** The desk's key, as the bridge's Check Reply Request checks it (a Webhook Keys credential). */
const DESK_KEYS = { header: 'X-Agent-Desk-Key', key: 'web-chat-desk-key-0123456789', previousKey: '' };
const workflows = path.join(__dirname, '..', '..', 'workflows');

describe('whatsapp-ai-support from the Web Chat Trigger (in-process)', () => {
	let bed: NodeTestBed;

	beforeAll(async () => {
		bed = await startNodeTestBed('embedded');
	});
	afterAll(async () => await bed.close());
	beforeEach(() => bed.sandbox.reset());

	/** Stores the message as the trigger does, then runs the workflow from the Web Chat Trigger's output. */
	async function visitorWrites(session: string, text: string) {
		const chat = { secret: SECRET, siteId: 'hotel-zonneveld', allowedOrigins: ['*'], sessionLifetimeSeconds: 3600, maxMessageLength: 2000, maxBodyBytes: 16_384, messagesPerMinutePerSession: 100, requestsPerMinutePerIp: 100, limiter: new RateLimiter() };
		const { envelope } = await acceptMessage(chat, { session, text }, bed.store);
		const result = await runWorkflow(loadWorkflowFile(path.join(workflows, 'whatsapp-ai-support.json')), {
			credentials: { ...bed.credentials, webChatApi: { sessionSecret: SECRET } },
			startNodeName: 'Web Chat Trigger',
			triggerItems: [{ json: envelope as unknown as IDataObject }],
		});
		expect(result.status).toBe('success');
		return { result, envelope: envelope as WebInboundEnvelope };
	}

	it('answers a Dutch question in the web conversation with the same nodes, and nothing goes to WhatsApp', async () => {
		const { token } = issueSession(SECRET, { lifetimeSeconds: 3600 });
		const { result, envelope } = await visitorWrites(token, 'Hoe laat is het ontbijt?');
		expect(result.json('Check Service Window', 0)[0].window).toMatchObject({ open: true, alwaysOpen: true });
		expect(result.json('Classify Intent')[0].nlu).toMatchObject({ language: 'nl' });
		expect(result.json('Send Reply')[0].sent).toMatchObject({ channel: 'web', parts: 1 });
		expect(result.runCount('Log Turn and Costs')).toBe(1);
		const feed = await readFeed(bed.store, envelope.conversation.id, 0);
		expect(feed.map((message) => [message.direction, message.author])).toEqual([['inbound', 'customer'], ['outbound', 'bot']]);
		expect(feed[1].text).toMatch(/ontbijt/i);
		expect(bed.sandbox.sentMessages()).toEqual([]);
	});

	it('hands a complaint off with the holding message in the widget, and the desk\'s agent reply reaches it too', async () => {
		const { token } = issueSession(SECRET, { lifetimeSeconds: 3600 });
		const { result, envelope } = await visitorWrites(token, 'Das Zimmer ist schmutzig und niemand hilft, ich bin sehr enttäuscht!');
		const [handed] = result.json('Hand Off to a Person');
		expect(handed.handoff).toMatchObject({ created: true, channel: 'web' });
		const bridge = await runWorkflow(loadWorkflowFile(path.join(workflows, 'agent-desk-bridge.json')), {
			credentials: { ...bed.credentials, webhookKeysApi: DESK_KEYS },
			startNodeName: 'Agent Reply From Desk',
			triggerItems: [
				{
					json: {
						headers: { 'x-agent-desk-key': DESK_KEYS.key },
						params: {},
						query: {},
						body: { conversationId: envelope.conversation.id, text: 'Wir kümmern uns sofort darum.', agent: 'Jonas' },
					},
				},
			],
		});
		expect(bridge.status).toBe('success');
		const feed = await readFeed(bed.store, envelope.conversation.id, 0);
		expect(feed.map((message) => message.author)).toEqual(['customer', 'system', 'agent']);
		expect(feed[1].text).toMatch(/Geduld/);
		expect(feed[2].text).toBe('Wir kümmern uns sofort darum.');
		// The next message tells the widget a person has the chat (no typing indicator).
		const chat = { secret: SECRET, siteId: 'hotel-zonneveld', allowedOrigins: ['*'], sessionLifetimeSeconds: 3600, maxMessageLength: 2000, maxBodyBytes: 16_384, messagesPerMinutePerSession: 100, requestsPerMinutePerIp: 100, limiter: new RateLimiter() };
		expect((await acceptMessage(chat, { session: token, text: 'Danke!' }, bed.store)).answer.body).toMatchObject({ withPerson: true });
		// Only the duty manager's alert template went to WhatsApp.
		expect(bed.sandbox.sentMessages().map((message) => message.type)).toEqual(['template']);
	});
});

describe.each([
	{ file: 'hotel-concierge', question: 'Hoe laat is het ontbijt?', answer: /ontbijt/i },
	{ file: 'restaurant-reservations', question: 'Hebben jullie vegetarische gerechten?', answer: /vegetari/i },
])('$file from its Web Chat Trigger, for a visitor and for a dashboard test chat (in-process)', ({ file, question, answer }) => {
	let bed: NodeTestBed;

	beforeAll(async () => {
		bed = await startNodeTestBed('embedded');
	});
	afterAll(async () => await bed.close());
	beforeEach(() => bed.sandbox.reset());

	async function run(body: Record<string, unknown>, botId?: string) {
		const chat = { secret: SECRET, siteId: 'site', allowedOrigins: ['*'], sessionLifetimeSeconds: 3600, maxMessageLength: 2000, maxBodyBytes: 16_384, messagesPerMinutePerSession: 100, requestsPerMinutePerIp: 100, limiter: new RateLimiter(), botId };
		const { envelope, answer: accepted } = await acceptMessage(chat, body, bed.store);
		expect(accepted.statusCode).toBe(202);
		const flow = loadWorkflowFile(path.join(workflows, `${file}.json`));
		// The same nodes follow both triggers.
		expect(flow.connections['Web Chat Trigger']).toEqual({ main: [flow.connections['WhatsApp AI Trigger'].main[0]] });
		const result = await runWorkflow(flow, {
			credentials: { ...bed.credentials, webChatApi: { sessionSecret: SECRET } },
			startNodeName: 'Web Chat Trigger',
			triggerItems: [{ json: envelope as unknown as IDataObject }],
		});
		expect(result.status).toBe('success');
		return { result, envelope: envelope as WebInboundEnvelope };
	}

	it('answers a web visitor in the web conversation, and nothing goes to WhatsApp', async () => {
		const { token } = issueSession(SECRET, { lifetimeSeconds: 3600 });
		const { result, envelope } = await run({ session: token, text: question });
		expect(result.runCount('Check Consent')).toBe(1);
		expect(result.json('Check Service Window', 0)[0].window).toMatchObject({ open: true, alwaysOpen: true });
		expect(result.json('Send Reply')[0].sent).toMatchObject({ channel: 'web' });
		const feed = await readFeed(bed.store, envelope.conversation.id, 0);
		expect(feed.map((message) => message.author)).toEqual(['customer', 'bot']);
		expect(feed[1].text).toMatch(answer);
		expect(bed.sandbox.sentMessages()).toEqual([]);
	});

	it('answers a dashboard test chat in a test conversation, always open, and nothing goes to WhatsApp', async () => {
		const bot = await bed.store.chatBots.register({ id: `wf-${file}:web-chat`, workflowId: `wf-${file}`, name: file, siteId: 'site', messageUrl: 'http://n8n.test/webhook/x/message' });
		const { result, envelope } = await run({ test: signTestChat(bot.testSecret, { bot: bot.id, user: 'ops' }), text: question }, bot.id);
		expect(envelope.conversation).toMatchObject({ channel: 'test', id: `test:wf-${file}:dashboard:ops` });
		expect(result.json('Check Service Window', 0)[0].window).toMatchObject({ open: true, alwaysOpen: true });
		expect(result.json('Send Reply')[0].sent).toMatchObject({ channel: 'test' });
		const feed = await readFeed(bed.store, envelope.conversation.id, 0);
		expect(feed.map((message) => message.author)).toEqual(['customer', 'bot']);
		expect(feed[1].text).toMatch(answer);
		expect(bed.sandbox.sentMessages()).toEqual([]);
	});
});

describe('Web Chat Trigger webhook()', () => {
	const trigger = new WebChatTrigger();
	let folder: string;

	beforeAll(() => {
		folder = mkdtempSync(path.join(tmpdir(), 'wa-web-trigger-'));
		process.env.WHATSAPP_SUPPORT_STORE_DIR = path.join(folder, 'pglite');
	});
	afterAll(async () => {
		await closeAllSupportStores();
		delete process.env.WHATSAPP_SUPPORT_STORE_DIR;
		rmSync(folder, { recursive: true, force: true });
	});

	async function call(endpoint: string, options: { body?: string; origin?: string; method?: string; limits?: IDataObject; query?: IDataObject; onWrite?: (chunk: string) => void; onClose?: (close: () => void) => void } = {}) {
		const answer: { status?: number; body?: unknown; headers: Record<string, string>; written: string[]; ended: boolean } = { headers: {}, written: [], ended: false };
		const closeListeners: Array<() => void> = [];
		options.onClose?.(() => closeListeners.forEach((listener) => listener()));
		const request: Record<string, unknown> = {
			path: `/webhook/abc/${endpoint}`,
			method: options.method ?? 'POST',
			ip: '203.0.113.7',
			headers: { ...(options.origin ? { origin: options.origin } : {}), 'content-length': String(Buffer.byteLength(options.body ?? '')) },
			readRawBody: async () => {
				request.rawBody = options.body === undefined ? undefined : Buffer.from(options.body);
			},
			on: (event: string, listener: () => void) => {
				if (event === 'close') closeListeners.push(listener);
			},
		};
		const response = {
			status(code: number) {
				answer.status = code;
				return response;
			},
			set(headers: Record<string, string> | string, value?: string) {
				if (typeof headers === 'string') answer.headers[headers] = value!;
				else Object.assign(answer.headers, headers);
				return response;
			},
			removeHeader: () => undefined,
			json(body: unknown) {
				answer.body = body;
				return response;
			},
			send(body: unknown) {
				answer.body = body;
				return response;
			},
			flushHeaders: () => undefined,
			write(chunk: string) {
				answer.written.push(chunk);
				options.onWrite?.(chunk);
				return true;
			},
			end() {
				answer.ended = true;
			},
		};
		const parameters: Record<string, unknown> = { allowedOrigins: 'https://hotel.example', siteId: 'hotel', title: 'Hotel', supportStore: 'embedded', limits: options.limits ?? {} };
		const context = {
			getWebhookName: () => (options.method === 'GET' ? 'setup' : 'default'),
			getCredentials: async () => ({ sessionSecret: SECRET }),
			getRequestObject: () => request,
			getResponseObject: () => response,
			getQueryData: () => options.query ?? {},
			getNodeParameter: (name: string, fallback?: unknown) => parameters[name] ?? fallback,
			getNode: () => ({ id: 'web-node', name: 'Web Chat Trigger', type: 'n8n-nodes-whatsapp-ai-support.webChatTrigger', typeVersion: 1, position: [0, 0], parameters: {} }),
			getWorkflow: () => ({ id: `wf-${JSON.stringify(options.limits ?? {})}` }),
			logger: { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined },
		} as unknown as IWebhookFunctions;
		const result: IWebhookResponseData = await trigger.webhook.call(context);
		return { answer, result };
	}

	const callStream = async (session: string, after: number, onWrite: (chunk: string) => void, onClose: (close: () => void) => void) =>
		await call('events', { method: 'GET', query: { session, after: String(after) }, onWrite, onClose });
	const openStoreOfTrigger = async () => await openSupportStore({ backend: 'pglite', dataDir: process.env.WHATSAPP_SUPPORT_STORE_DIR! });

	it('starts an execution for a good message only', async () => {
		const session = await call('session', { body: '{}', origin: 'https://hotel.example' });
		expect(session.answer.status).toBe(201);
		const token = (session.answer.body as { session: string }).session;
		const good = await call('message', { body: JSON.stringify({ session: token, text: 'Hallo' }), origin: 'https://hotel.example' });
		expect(good.answer.status).toBe(202);
		expect(good.result.workflowData?.[0][0].json).toMatchObject({ conversation: { channel: 'web' }, message: { text: 'Hallo' } });

		const refused = [
			await call('message', { body: JSON.stringify({ session: token, text: 'Hallo' }), origin: 'https://evil.example' }),
			await call('message', { body: '{"session":', origin: 'https://hotel.example' }),
			await call('message', { body: JSON.stringify({ session: 'v1.e30.AAAA', text: 'Hallo' }) }),
			await call('message', { body: JSON.stringify({ session: token, text: '' }) }),
			await call('message', { body: JSON.stringify({ session: token, text: 'x'.repeat(30_000) }) }),
		];
		expect(refused.map(({ answer }) => answer.status)).toEqual([403, 400, 401, 400, 413]);
		for (const { result } of refused) expect(result).toEqual({ noWebhookResponse: true });
	});

	it('answers 429 with Retry-After past the per-IP limit, starting nothing', async () => {
		const limits = { requestsPerMinutePerIp: 2 };
		expect((await call('session', { body: '{}', limits })).answer.status).toBe(201);
		expect((await call('session', { body: '{}', limits })).answer.status).toBe(201);
		const third = await call('session', { body: '{}', limits });
		expect(third.answer.status).toBe(429);
		expect(Number(third.answer.headers['Retry-After'])).toBeGreaterThan(0);
		expect(third.result.workflowData).toBeUndefined();
		// Live-feed connections are counted apart, with the same limit.
		const token = (((await call('session', { body: '{}', limits: { requestsPerMinutePerIp: 5 } })).answer.body) as { session: string }).session;
		const feedLimits = { requestsPerMinutePerIp: 1 };
		expect((await call('poll', { method: 'GET', query: { session: token, wait: '0' }, limits: feedLimits })).answer.status).toBe(200);
		expect((await call('poll', { method: 'GET', query: { session: token, wait: '0' }, limits: feedLimits })).answer.status).toBe(429);
	});

	it('serves the feed: history at once, then new messages by long poll and by server-sent events', async () => {
		const session = await call('session', { body: '{}' });
		const token = (session.answer.body as { session: string }).session;
		const accepted = await call('message', { body: JSON.stringify({ session: token, id: 'feed-test-0001', text: 'Hallo' }) });
		const conversation = (accepted.result.workflowData![0][0].json as unknown as WebInboundEnvelope).conversation;

		const history = await call('poll', { method: 'GET', query: { session: token, after: '0', wait: '0' } });
		expect(history.answer.status).toBe(200);
		const { messages, cursor } = history.answer.body as { messages: Array<{ text: string }>; cursor: number };
		expect(messages.map((message) => message.text)).toEqual(['Hallo']);

		const longPoll = call('poll', { method: 'GET', query: { session: token, after: String(cursor) } });
		await new Promise((resolve) => setTimeout(resolve, 100));
		const store = await openStoreOfTrigger();
		await deliverWebMessages(store, conversation, [{ text: 'Goedemiddag!' }], 'agent');
		const polled = (await longPoll).answer.body as { messages: Array<{ text: string; author: string }>; cursor: number };
		expect(polled.messages).toEqual([expect.objectContaining({ text: 'Goedemiddag!', author: 'agent' })]);

		// SSE: the stream opens, the next message is written as an event; the guest closing the tab ends it.
		let closeRequest: (() => void) | undefined;
		let resolveEvent: (chunk: string) => void = () => undefined;
		const event = new Promise<string>((resolve) => (resolveEvent = resolve));
		const stream = callStream(token, polled.cursor, (chunk) => chunk.startsWith('id:') && resolveEvent(chunk), (close) => (closeRequest = close));
		await new Promise((resolve) => setTimeout(resolve, 100));
		await deliverWebMessages(store, conversation, [{ text: 'Kan ik nog iets doen?', buttons: [{ id: 'no', title: 'Nee, dank je' }] }], 'bot');
		const written = await event;
		expect(JSON.parse(written.split('data: ')[1])).toEqual([expect.objectContaining({ text: 'Kan ik nog iets doen?', buttons: [{ id: 'no', title: 'Nee, dank je' }] })]);
		closeRequest!();
		const { answer } = await stream;
		expect(answer.headers['Content-Type']).toMatch(/^text\/event-stream/);
		expect(answer.ended).toBe(true);
	});

	it('serves the widget script as JavaScript', async () => {
		const { answer } = await call('widget.js', { method: 'GET' });
		expect(answer.status).toBe(200);
		expect(answer.headers['Content-Type']).toMatch(/^application\/javascript/);
		expect(String(answer.body)).toContain('"title":"Hotel"');
	});
});
