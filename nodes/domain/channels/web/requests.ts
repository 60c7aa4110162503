/**
 * Everything the Web Chat Trigger decides before n8n starts an execution: the origin allow-list, the
 * body, the session, the limits, and storing the message once. Bad input is answered 4xx here and starts
 * nothing.
 */
import { randomUUID } from 'node:crypto';

import { conversationIdOf, type ConversationRef, type Envelope } from '../../envelope';
import type { SupportStore } from '../../store';
import type { RateLimiter } from './limits';
import { conversationForSession, issueSession, verifyCustomerIdentity, verifySession, type CustomerIdentity, type WebSession } from './session';
import { testChatConversation, verifyTestChat } from './test-chat';

export interface WebChatConfig {
	secret: string;
	/** Stands in for the phone number id in web conversations (`web:<siteId>:<customer>`). */
	siteId: string;
	/** Origins allowed to use the chat; `*` allows any. */
	allowedOrigins: string[];
	sessionLifetimeSeconds: number;
	maxMessageLength: number;
	maxBodyBytes: number;
	messagesPerMinutePerSession: number;
	requestsPerMinutePerIp: number;
	limiter: RateLimiter;
	/** This trigger's chat bot id (`<workflow id>:<node id>`): test chats from the dashboard name it. */
	botId?: string;
	now?: () => number;
}

export interface WebAnswer {
	statusCode: number;
	body: Record<string, unknown>;
	headers?: Record<string, string>;
}

export interface WebInboundEnvelope extends Envelope {
	conversation: ConversationRef & { id: string };
	message: { id: string; type: string; text: string; timestamp: string; interactive?: { type: 'button_reply'; id: string; title: string } };
	web: { sessionId: string; pageLanguage?: string; testBy?: string };
}

const fail = (statusCode: number, code: string, message: string, headers?: Record<string, string>): WebAnswer => ({
	statusCode,
	body: { error: { code, message } },
	headers,
});

export function parseAllowedOrigins(value: string): string[] {
	const origins = value
		.split(/[\s,]+/)
		.map((origin) => origin.trim().replace(/\/$/, ''))
		.filter(Boolean);
	return origins.length ? origins : ['*'];
}

/** A request without an Origin header (a script tag, a server) passes: CORS is about browsers. */
export function isOriginAllowed(origin: string | undefined, allowed: string[]): boolean {
	if (!origin || allowed.includes('*')) return true;
	return allowed.includes(origin.replace(/\/$/, ''));
}

export function originRefused(origin: string): WebAnswer {
	return fail(403, 'origin_not_allowed', `This chat does not accept requests from ${origin}`);
}

/** The JSON object in a request body, or the 4xx for it. */
export function parseJsonBody(raw: Buffer | undefined, maxBytes: number): { body: Record<string, unknown> } | { answer: WebAnswer } {
	if (raw && raw.length > maxBytes) return { answer: fail(413, 'body_too_large', `The request body is larger than ${maxBytes} bytes`) };
	if (!raw || raw.length === 0) return { answer: fail(400, 'empty_body', 'The request has no body; send a JSON object') };
	try {
		const body = JSON.parse(raw.toString('utf8')) as unknown;
		if (typeof body !== 'object' || body === null || Array.isArray(body)) return { answer: fail(400, 'not_an_object', 'The body must be a JSON object') };
		return { body: body as Record<string, unknown> };
	} catch {
		return { answer: fail(400, 'invalid_json', 'The body is not valid JSON') };
	}
}

function limited(config: WebChatConfig, key: string, limit: number): WebAnswer | undefined {
	const verdict = config.limiter.take(key, limit, config.now?.());
	if (verdict.allowed) return undefined;
	return fail(429, 'too_many_requests', 'Too many messages; wait a moment', { 'Retry-After': String(verdict.retryAfterSeconds) });
}

/** New sessions and messages per IP; live-feed connections (SSE reconnects every 25 s, long polls) count apart. */
export function checkIpLimit(config: WebChatConfig, ip: string, kind: 'post' | 'feed' = 'post'): WebAnswer | undefined {
	return limited(config, `${kind}-ip:${ip}`, config.requestsPerMinutePerIp);
}

/** POST session: a new signed session, tied to the customer the site vouches for when its signature matches. */
export function startSession(config: WebChatConfig, body: Record<string, unknown>): WebAnswer {
	let customer;
	const identity = body.identity as CustomerIdentity | undefined;
	if (identity !== undefined && identity !== null) {
		if (typeof identity !== 'object') return fail(400, 'invalid_identity', 'identity must be an object { email or phone, signature }');
		customer = verifyCustomerIdentity(config.secret, identity);
		if (!customer) return fail(401, 'identity_not_verified', 'The customer identity signature does not match');
	}
	const { token, session } = issueSession(config.secret, {
		lifetimeSeconds: config.sessionLifetimeSeconds,
		customer,
		now: config.now?.(),
	});
	const conversation = conversationForSession(session, config.siteId);
	return {
		statusCode: 201,
		body: { session: token, conversationId: conversationIdOf(conversation), expiresAt: new Date(session.expiresAt * 1000).toISOString() },
	};
}

export function authenticate(config: WebChatConfig, token: unknown): { session: WebSession } | { answer: WebAnswer } {
	const check = verifySession(config.secret, token, config.now?.());
	if (check.valid) return { session: check.session };
	const why = { missing: 'is missing', malformed: 'is malformed', forged: 'is not signed by this chat', expired: 'has expired' }[check.reason];
	return { answer: fail(401, `session_${check.reason}`, `The session ${why}; start a new one`) };
}

const CLIENT_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** Who sends a message: a visitor's signed session, or a dashboard user's test-chat token (channel `test`). */
async function senderOf(
	config: WebChatConfig,
	body: Record<string, unknown>,
	store: SupportStore,
): Promise<{ sessionId: string; ref: ConversationRef; testBy?: string } | { answer: WebAnswer }> {
	if (body.test === undefined) {
		const auth = authenticate(config, body.session);
		if ('answer' in auth) return auth;
		return { sessionId: auth.session.sessionId, ref: conversationForSession(auth.session, config.siteId) };
	}
	const bot = config.botId ? await store.chatBots.get(config.botId) : undefined;
	if (!bot?.active) return { answer: fail(401, 'test_chat_not_published', 'This chat is not published, so it cannot be tested from the dashboard; publish its workflow') };
	const check = verifyTestChat(bot.testSecret, body.test, bot.id, config.now?.());
	if (!check.valid) return { answer: fail(401, `test_chat_${check.reason}`, 'The test-chat token is not valid for this chat; send the message again from the dashboard') };
	return { sessionId: `dashboard:${check.claims.user}`, ref: testChatConversation(bot.workflowId, check.claims.user), testBy: check.claims.user };
}

/**
 * POST message: checks and stores the guest's message once (the widget's own message id, so a retried POST
 * is a duplicate), and returns the envelope to start the workflow with. A body with `test` instead of
 * `session` is a test chat from the Chats dashboard (test-chat.ts).
 */
export async function acceptMessage(
	config: WebChatConfig,
	body: Record<string, unknown>,
	store: SupportStore,
): Promise<{ answer: WebAnswer; envelope?: WebInboundEnvelope }> {
	const sender = await senderOf(config, body, store);
	if ('answer' in sender) return { answer: sender.answer };
	const tooMany = limited(config, `session:${sender.sessionId}`, config.messagesPerMinutePerSession);
	if (tooMany) return { answer: tooMany };

	const button = body.button as { id?: unknown; title?: unknown } | undefined;
	const buttonReply =
		button && typeof button === 'object' && typeof button.id === 'string' && typeof button.title === 'string' && button.title.trim()
			? { type: 'button_reply' as const, id: button.id.slice(0, 256), title: button.title.trim().slice(0, 256) }
			: undefined;
	const text = buttonReply ? buttonReply.title : typeof body.text === 'string' ? body.text.trim() : '';
	if (!text) return { answer: fail(400, 'empty_message', 'The message has no text') };
	if (text.length > config.maxMessageLength) {
		return { answer: fail(413, 'message_too_long', `Messages can be at most ${config.maxMessageLength} characters`) };
	}
	const clientId = typeof body.id === 'string' && CLIENT_ID.test(body.id) ? body.id : undefined;
	if (body.id !== undefined && !clientId) return { answer: fail(400, 'invalid_message_id', 'id must be 8 to 64 letters, digits, - or _') };

	const conversation = { ...sender.ref, id: conversationIdOf(sender.ref) };
	// Scoped to the session, so one visitor cannot take another's message ids.
	const messageId = `${sender.ref.channel}:${sender.sessionId}:${clientId ?? randomUUID()}`;
	const sentAt = new Date(config.now?.() ?? Date.now());
	const message: WebInboundEnvelope['message'] = {
		id: messageId,
		type: buttonReply ? 'interactive' : 'text',
		text,
		timestamp: sentAt.toISOString(),
		...(buttonReply ? { interactive: buttonReply } : {}),
	};
	const { inserted, message: stored } = await store.recordInboundMessage({
		conversation,
		waMessageId: messageId,
		type: message.type,
		text,
		payload: message,
		sentAt,
	});
	if (!inserted) {
		const existing = await store.getMessageByWaId(messageId);
		return { answer: { statusCode: 200, body: { ok: true, duplicate: true, id: existing?.id ?? null } } };
	}
	// While a person has the chat the bot stays silent: the widget then shows no typing indicator.
	const withPerson = Boolean(await store.getOpenHandoff(conversation.id));
	const pageLanguage = typeof body.language === 'string' && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(body.language) ? body.language : undefined;
	return {
		answer: { statusCode: 202, body: { ok: true, id: stored?.id ?? null, conversationId: conversation.id, withPerson } },
		envelope: { conversation, message, web: { sessionId: sender.sessionId, ...(pageLanguage ? { pageLanguage } : {}), ...(sender.testBy ? { testBy: sender.testBy } : {}) } },
	};
}

/** The feed cursor from the query (`after`): the store id of the last message the widget has. */
export function feedCursor(value: unknown): number {
	const cursor = Number(value);
	return Number.isSafeInteger(cursor) && cursor > 0 ? cursor : 0;
}
