import {
	NodeConnectionTypes,
	type IDataObject,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { getSupportStore, supportStoreConnectionTest, supportStoreProperty } from '../glue/store';
import type { ChatBotRegistration } from '../domain/store';
import {
	acceptMessage,
	authenticate,
	conversationIdForSession,
	checkIpLimit,
	feedCursor,
	isOriginAllowed,
	originRefused,
	parseAllowedOrigins,
	parseJsonBody,
	RateLimiter,
	readFeed,
	startSession,
	waitForFeed,
	widgetScript,
	type WebAnswer,
	type WebChatConfig,
} from '../domain/channels/web';

type RawRequest = ReturnType<IWebhookFunctions['getRequestObject']> & {
	rawBody?: Buffer;
	readRawBody?: () => Promise<void>;
};

const WEB_CHAT_CREDENTIAL = 'webChatApi';
/** A live stream is ended after this long (the widget reconnects from its cursor), so no request is held for ever. */
const STREAM_MS = 25_000;
const LONG_POLL_MS = 20_000;
const MAX_BODY_BYTES = 16 * 1024;

/** Request counters per trigger node, in this process (nodes/domain/channels/web/limits.ts). */
const limiters = new Map<string, RateLimiter>();

interface LimitOptions {
	sessionLifetimeHours?: number;
	maxMessageLength?: number;
	messagesPerMinutePerSession?: number;
	requestsPerMinutePerIp?: number;
}

export class WebChatTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Web Chat Trigger',
		name: 'webChatTrigger',
		icon: 'file:webChat.svg',
		group: ['trigger'],
		version: 1,
		subtitle: '={{"Chat on " + ($parameter["allowedOrigins"] || "*")}}',
		description: 'A chat widget for your website: one script tag, signed sessions, live replies. One item per guest message, in the same envelope as WhatsApp.',
		defaults: { name: 'Web Chat Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		outputNames: ['Messages'],
		credentials: [
			{ name: WEB_CHAT_CREDENTIAL, required: true },
			{
				name: 'whatsAppSupportStorePostgresApi',
				required: true,
				displayOptions: { show: { supportStore: ['postgres'] } },
				testedBy: 'supportStoreConnectionTest',
			},
		],
		webhooks: [
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', path: 'widget.js' },
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'session', ndvHideUrl: true },
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'message', ndvHideUrl: true },
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', path: 'events', ndvHideUrl: true },
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', path: 'poll', ndvHideUrl: true },
		],
		properties: [
			{
				displayName:
					'Publish the workflow, then put the <b>widget.js</b> Production URL on your site: <code>&lt;script src="…/widget.js" defer&gt;&lt;/script&gt;</code>. Replies from WhatsApp Send, Human Handoff and agent replies reach the open widget live.',
				name: 'embedNotice',
				type: 'notice',
				default: '',
			},
			// The raw body is ours to read: bad JSON must get our 400, not n8n's 422, and start nothing.
			{ displayName: 'Request Body Handling', name: 'options', type: 'hidden', default: { binaryData: true } },
			{
				displayName: 'Allowed Origins',
				name: 'allowedOrigins',
				type: 'string',
				default: '*',
				placeholder: 'https://www.hotel-zonneveld.nl, https://hotel-zonneveld.nl',
				description: 'Comma-separated sites that may use this chat (scheme, host and port). Browsers on other sites get 403. * allows any.',
			},
			{
				displayName: 'Chat Title',
				name: 'title',
				type: 'string',
				default: 'Chat',
				description: 'Shown in the widget header',
			},
			{
				displayName: 'Colour',
				name: 'color',
				type: 'color',
				default: '#0b6e4f',
			},
			{
				displayName: 'Site ID',
				name: 'siteId',
				type: 'string',
				default: 'website',
				description: 'Names this chat in conversation IDs (web:&lt;site&gt;:&lt;customer&gt;), like the phone number ID does for WhatsApp',
			},
			supportStoreProperty,
			{
				displayName: 'Limits',
				name: 'limits',
				type: 'collection',
				placeholder: 'Add Limit',
				default: {},
				options: [
					{ displayName: 'Max Message Length', name: 'maxMessageLength', type: 'number', typeOptions: { minValue: 1 }, default: 2000, description: 'Longer messages get 413' },
					{ displayName: 'Messages per Minute per Session', name: 'messagesPerMinutePerSession', type: 'number', typeOptions: { minValue: 1 }, default: 12, description: 'More get 429 with Retry-After' },
					{
						displayName: 'Requests per Minute per IP',
						name: 'requestsPerMinutePerIp',
						type: 'number',
						typeOptions: { minValue: 1 },
						default: 60,
						description: 'New sessions and messages from one IP address; more get 429 with Retry-After',
					},
					{ displayName: 'Session Lifetime (Hours)', name: 'sessionLifetimeHours', type: 'number', typeOptions: { minValue: 1 }, default: 168, description: 'After this a visitor starts a new session (and chat)' },
				],
			},
		],
	};

	methods = { credentialTest: { supportStoreConnectionTest } };

	webhookMethods = {
		default: {
			// Publishing registers the chat as a bot the Chats dashboard can test (the store's chat_bots);
			// unpublishing takes it off the list. A failure here only delays that: the chat itself still works.
			async checkExists(this: IHookFunctions): Promise<boolean> {
				try {
					const store = await getSupportStore(this);
					if (this.getActivationMode() !== 'manual') await store.chatBots.register(chatBotOf(this));
				} catch (error) {
					this.logger.warn(`Web Chat Trigger could not open the support store yet: ${error.message}`);
				}
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				try {
					if (this.getActivationMode() !== 'manual') await (await getSupportStore(this)).chatBots.deactivate(chatBotOf(this).id);
				} catch (error) {
					this.logger.warn(`Web Chat Trigger could not take its chat off the dashboard's test list: ${error.message}`);
				}
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const request = this.getRequestObject() as RawRequest;
		const response = this.getResponseObject();
		const answer = (result: WebAnswer): IWebhookResponseData => {
			response.status(result.statusCode).set({ 'Cache-Control': 'no-store', ...result.headers }).json(result.body);
			return { noWebhookResponse: true };
		};
		// n8n names webhooks only `default` and `setup`, so the endpoint is told by the last path segment.
		const name = endpointOf(request.path);
		const origin = typeof request.headers.origin === 'string' ? request.headers.origin : undefined;
		const allowedOrigins = parseAllowedOrigins(String(this.getNodeParameter('allowedOrigins', '*')));
		if (!isOriginAllowed(origin, allowedOrigins)) {
			response.removeHeader('Access-Control-Allow-Origin');
			this.logger.warn(`Web Chat Trigger refused a request from origin ${origin}`);
			return answer(originRefused(origin!));
		}
		if (origin) response.set('Vary', 'Origin');

		if (name === 'widget.js') {
			const maxMessageLength = ((this.getNodeParameter('limits', {}) as LimitOptions).maxMessageLength ?? 2000);
			response
				.status(200)
				.set({ 'Content-Type': 'application/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=300' })
				.send(widgetScript({ title: String(this.getNodeParameter('title', 'Chat')), color: safeColor(this.getNodeParameter('color', '#0b6e4f')), maxMessageLength }));
			return { noWebhookResponse: true };
		}

		if (!name) return answer({ statusCode: 404, body: { error: { code: 'not_found', message: 'Unknown web chat endpoint' } } });
		const config = await chatConfig(this);
		const ip = request.ip ?? request.socket?.remoteAddress ?? 'unknown';

		if (name === 'events' || name === 'poll') {
			const feedLimit = checkIpLimit(config, ip, 'feed');
			if (feedLimit) return answer(feedLimit);
			const query = this.getQueryData() as IDataObject;
			const auth = authenticate(config, query.session);
			if ('answer' in auth) return answer(auth.answer);
			let store;
			try {
				store = await getSupportStore(this);
			} catch (error) {
				this.logger.error(`Web Chat Trigger could not open the support store: ${error.message}`);
				return answer({ statusCode: 503, body: { error: { code: 'unavailable', message: 'Temporarily unavailable; try again' } }, headers: { 'Retry-After': '2' } });
			}
			const conversationId = conversationIdForSession(auth.session, config.siteId);
			const cursor = feedCursor(query.after);
			if (name === 'poll') {
				const waitMs = query.wait === '0' ? 0 : LONG_POLL_MS;
				const messages = waitMs ? await waitForFeed(store, conversationId, cursor, { timeoutMs: waitMs, signal: closedSignal(request) }) : await readFeed(store, conversationId, cursor);
				return answer({ statusCode: 200, body: { messages, cursor: messages.length ? messages[messages.length - 1].id : cursor } });
			}
			await streamFeed(request, response, store, conversationId, cursor);
			return { noWebhookResponse: true };
		}

		// session and message: POSTs with a JSON body, limited per IP.
		const ipLimit = checkIpLimit(config, ip);
		if (ipLimit) return answer(ipLimit);
		if (Number(request.headers['content-length'] ?? 0) > config.maxBodyBytes) {
			return answer({ statusCode: 413, body: { error: { code: 'body_too_large', message: `The request body is larger than ${config.maxBodyBytes} bytes` } } });
		}
		try {
			if (!request.rawBody && request.readRawBody) await request.readRawBody();
		} catch {
			return answer({ statusCode: 400, body: { error: { code: 'unreadable_body', message: 'The request body could not be read' } } });
		}
		const parsed = parseJsonBody(request.rawBody, config.maxBodyBytes);
		if ('answer' in parsed) return answer(parsed.answer);
		if (name === 'session') return answer(startSession(config, parsed.body));

		let outcome;
		try {
			outcome = await acceptMessage(config, parsed.body, await getSupportStore(this));
		} catch (error) {
			this.logger.error(`Web Chat Trigger could not store a message: ${error.message}`);
			return answer({ statusCode: 503, body: { error: { code: 'unavailable', message: 'Temporarily unable to take the message; send it again' } }, headers: { 'Retry-After': '2' } });
		}
		if (!outcome.envelope) return answer(outcome.answer);
		response.status(outcome.answer.statusCode).set('Cache-Control', 'no-store').json(outcome.answer.body);
		return { noWebhookResponse: true, workflowData: [[{ json: outcome.envelope as unknown as IDataObject }]] };
	}
}

/** This trigger as a bot of the dashboard's test chat: its id, the workflow's name and its `message` URL. */
function chatBotOf(context: IHookFunctions): ChatBotRegistration {
	const workflow = context.getWorkflow();
	const node = context.getNode();
	const sessionUrl = context.getNodeWebhookUrl('default') ?? '';
	return {
		id: chatBotIdOf(workflow.id, node.id),
		workflowId: String(workflow.id ?? ''),
		name: workflow.name || node.name,
		siteId: String(context.getNodeParameter('siteId', 'website') || 'website'),
		messageUrl: sessionUrl.replace(/\/session$/, '/message'),
	};
}

function chatBotIdOf(workflowId: string | undefined, nodeId: string): string {
	return `${workflowId ?? ''}:${nodeId}`;
}

async function chatConfig(context: IWebhookFunctions): Promise<WebChatConfig> {
	const credentials = await context.getCredentials(WEB_CHAT_CREDENTIAL);
	const secret = String(credentials.sessionSecret ?? '');
	const limits = context.getNodeParameter('limits', {}) as LimitOptions;
	const key = `${context.getWorkflow().id}:${context.getNode().id}`;
	let limiter = limiters.get(key);
	if (!limiter) limiters.set(key, (limiter = new RateLimiter()));
	return {
		secret,
		siteId: String(context.getNodeParameter('siteId', 'website') || 'website'),
		allowedOrigins: parseAllowedOrigins(String(context.getNodeParameter('allowedOrigins', '*'))),
		sessionLifetimeSeconds: (limits.sessionLifetimeHours ?? 168) * 3600,
		maxMessageLength: limits.maxMessageLength ?? 2000,
		maxBodyBytes: MAX_BODY_BYTES,
		messagesPerMinutePerSession: limits.messagesPerMinutePerSession ?? 12,
		requestsPerMinutePerIp: limits.requestsPerMinutePerIp ?? 60,
		limiter,
		botId: chatBotIdOf(context.getWorkflow().id, context.getNode().id),
	};
}

function closedSignal(request: RawRequest): AbortSignal {
	const controller = new AbortController();
	request.on('close', () => controller.abort());
	return controller.signal;
}

/** Server-sent events: new messages as they are stored, for STREAM_MS, then the widget reconnects from its cursor. */
async function streamFeed(
	request: RawRequest,
	response: ReturnType<IWebhookFunctions['getResponseObject']>,
	store: Awaited<ReturnType<typeof getSupportStore>>,
	conversationId: string,
	after: number,
): Promise<void> {
	// no-transform keeps n8n's compression from holding events back.
	response.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' });
	response.flushHeaders();
	const flush = () => (response as unknown as { flush?: () => void }).flush?.();
	const signal = closedSignal(request);
	const endAt = Date.now() + STREAM_MS;
	let cursor = after;
	response.write('retry: 1000\n\n');
	flush();
	try {
		while (!signal.aborted && Date.now() < endAt) {
			const messages = await waitForFeed(store, conversationId, cursor, { timeoutMs: Math.min(10_000, endAt - Date.now()), signal });
			if (signal.aborted) break;
			if (messages.length > 0) {
				cursor = messages[messages.length - 1].id;
				response.write(`id: ${cursor}\ndata: ${JSON.stringify(messages)}\n\n`);
			} else {
				response.write(': keep-alive\n\n');
			}
			flush();
		}
	} catch {
		// The store went away mid-stream: end it; the widget reconnects (and falls back to long polling).
	} finally {
		response.end();
	}
}

function endpointOf(path: string | undefined): 'widget.js' | 'session' | 'message' | 'events' | 'poll' | undefined {
	const last = (path ?? '').replace(/\/$/, '').split('/').pop();
	return last === 'widget.js' || last === 'session' || last === 'message' || last === 'events' || last === 'poll' ? last : undefined;
}

function safeColor(value: unknown): string {
	return typeof value === 'string' && /^#[0-9a-fA-F]{3,8}$/.test(value) ? value : '#0b6e4f';
}
