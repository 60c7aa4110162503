/**
 * Test chats from the Chats dashboard: a signed-in user talks to a published bot through its Web Chat
 * Trigger, in a conversation of channel `test`. The dashboard signs a short-lived token with the bot's
 * test secret (kept in the store's `chat_bots`, migration 11) and POSTs the message to the trigger's
 * `message` URL; the trigger checks the token with the same secret. No secret reaches the browser, and only
 * what can read the store can start a test chat.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

import type { ConversationRef } from '../../envelope';

export interface TestChatClaims {
	/** The chat bot's id (`<workflow id>:<trigger node id>`). */
	bot: string;
	/** The dashboard user name. */
	user: string;
	/** Expiry, seconds since the epoch. */
	exp: number;
}

export type TestChatCheck = { valid: true; claims: TestChatClaims } | { valid: false; reason: 'missing' | 'malformed' | 'forged' | 'expired' | 'other_bot' };

const TOKEN_VERSION = 't1';
/** A token is made for one message and used at once. */
export const TEST_CHAT_TOKEN_SECONDS = 120;

function sign(secret: string, value: string): Buffer {
	return createHmac('sha256', secret).update(value).digest();
}

export function signTestChat(secret: string, claims: { bot: string; user: string }, now = Date.now()): string {
	const body = Buffer.from(JSON.stringify({ bot: claims.bot, user: claims.user, exp: Math.floor(now / 1000) + TEST_CHAT_TOKEN_SECONDS })).toString('base64url');
	const signed = `${TOKEN_VERSION}.${body}`;
	return `${signed}.${sign(secret, signed).toString('base64url')}`;
}

export function verifyTestChat(secret: string, token: unknown, botId: string, now = Date.now()): TestChatCheck {
	if (typeof token !== 'string' || token === '') return { valid: false, reason: 'missing' };
	const parts = token.split('.');
	if (parts.length !== 3 || parts[0] !== TOKEN_VERSION || !/^[\w-]+$/.test(parts[1]) || !/^[\w-]+$/.test(parts[2])) return { valid: false, reason: 'malformed' };
	const given = Buffer.from(parts[2], 'base64url');
	const expected = sign(secret, `${parts[0]}.${parts[1]}`);
	if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { valid: false, reason: 'forged' };
	let claims: Partial<TestChatClaims>;
	try {
		claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
	} catch {
		return { valid: false, reason: 'malformed' };
	}
	if (typeof claims.bot !== 'string' || typeof claims.user !== 'string' || typeof claims.exp !== 'number') return { valid: false, reason: 'malformed' };
	if (claims.exp * 1000 <= now) return { valid: false, reason: 'expired' };
	if (claims.bot !== botId) return { valid: false, reason: 'other_bot' };
	return { valid: true, claims: claims as TestChatClaims };
}

/** A user's test chat with one bot: `test:<workflow id>:dashboard:<user>`. */
export function testChatConversation(workflowId: string, user: string): ConversationRef {
	return { channel: 'test', phoneNumberId: workflowId, customer: { userId: `dashboard:${user}`, name: user } };
}
