/**
 * Web chat sessions: a visitor's session is a token signed with the channel's secret (HMAC-SHA256), so the
 * trigger needs no session table and any n8n process can check it. A site may vouch for who the visitor
 * is by passing an e-mail or phone number with its HMAC under the same secret: then the web conversation
 * is keyed on the same customer as the guest's WhatsApp chats (consent, profile, DSAR).
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

import { conversationIdOf, type ConversationRef, type Customer } from '../../envelope';

export interface WebSession {
	/** Random per visitor (per browser, kept in its localStorage). */
	sessionId: string;
	/** The customer key vouched for by the site (see `verifyCustomerIdentity`), if any. */
	customer?: Customer;
	issuedAt: number;
	expiresAt: number;
}

export interface CustomerIdentity {
	email?: string;
	phone?: string;
	/** Hex HMAC-SHA256 of the normalised e-mail (lower case) or phone number (digits only), with the channel secret. */
	signature?: string;
}

export type SessionCheck = { valid: true; session: WebSession } | { valid: false; reason: 'missing' | 'malformed' | 'forged' | 'expired' };

const TOKEN_VERSION = 'v1';

function sign(secret: string, value: string): Buffer {
	return createHmac('sha256', secret).update(value).digest();
}

function sameBytes(given: Buffer, expected: Buffer): boolean {
	return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The value a site signs for a customer identity: the e-mail in lower case, or the phone number's digits. */
export function normaliseIdentity(identity: CustomerIdentity): { kind: 'email' | 'phone'; value: string } | undefined {
	if (identity.email?.trim()) return { kind: 'email', value: identity.email.trim().toLowerCase() };
	const digits = identity.phone?.replace(/\D/g, '') ?? '';
	return digits.length >= 6 ? { kind: 'phone', value: digits } : undefined;
}

/** What a site computes on its server to vouch for a logged-in guest (documented in the README). */
export function signCustomerIdentity(secret: string, identity: CustomerIdentity): string {
	const normalised = normaliseIdentity(identity);
	if (!normalised) throw new Error('Give an e-mail address or a phone number with at least 6 digits');
	return sign(secret, normalised.value).toString('hex');
}

/**
 * The customer a signed identity stands for, or `undefined` when the signature does not match. A phone
 * number becomes the WhatsApp id (the same key as the guest's WhatsApp chats); an e-mail a hashed user id,
 * so the address itself is not a key in the store.
 */
export function verifyCustomerIdentity(secret: string, identity: CustomerIdentity): Customer | undefined {
	const normalised = normaliseIdentity(identity);
	if (!normalised || typeof identity.signature !== 'string' || !/^[0-9a-f]{64}$/i.test(identity.signature)) return undefined;
	if (!sameBytes(Buffer.from(identity.signature, 'hex'), sign(secret, normalised.value))) return undefined;
	if (normalised.kind === 'phone') return { waId: normalised.value };
	return { userId: `email:${createHash('sha256').update(normalised.value).digest('hex').slice(0, 32)}` };
}

export function issueSession(
	secret: string,
	options: { lifetimeSeconds: number; customer?: Customer; now?: number; sessionId?: string },
): { token: string; session: WebSession } {
	const issuedAt = Math.floor((options.now ?? Date.now()) / 1000);
	const session: WebSession = {
		sessionId: options.sessionId ?? randomUUID(),
		customer: options.customer,
		issuedAt,
		expiresAt: issuedAt + options.lifetimeSeconds,
	};
	const body = Buffer.from(
		JSON.stringify({ sid: session.sessionId, iat: session.issuedAt, exp: session.expiresAt, ...(session.customer ? { cus: session.customer } : {}) }),
	).toString('base64url');
	const signed = `${TOKEN_VERSION}.${body}`;
	return { token: `${signed}.${sign(secret, signed).toString('base64url')}`, session };
}

export function verifySession(secret: string, token: unknown, now = Date.now()): SessionCheck {
	if (typeof token !== 'string' || token === '') return { valid: false, reason: 'missing' };
	const parts = token.split('.');
	if (parts.length !== 3 || parts[0] !== TOKEN_VERSION || !/^[\w-]+$/.test(parts[1]) || !/^[\w-]+$/.test(parts[2])) {
		return { valid: false, reason: 'malformed' };
	}
	if (!sameBytes(Buffer.from(parts[2], 'base64url'), sign(secret, `${parts[0]}.${parts[1]}`))) return { valid: false, reason: 'forged' };
	let claims: { sid?: unknown; iat?: unknown; exp?: unknown; cus?: Customer };
	try {
		claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
	} catch {
		return { valid: false, reason: 'malformed' };
	}
	if (typeof claims.sid !== 'string' || typeof claims.iat !== 'number' || typeof claims.exp !== 'number') return { valid: false, reason: 'malformed' };
	if (claims.exp * 1000 <= now) return { valid: false, reason: 'expired' };
	return { valid: true, session: { sessionId: claims.sid, issuedAt: claims.iat, expiresAt: claims.exp, customer: claims.cus } };
}

/** The conversation a session writes in: keyed on the vouched-for customer, else on the session. */
export function conversationForSession(session: WebSession, siteId: string, name?: string): ConversationRef {
	const customer: Customer = session.customer ? { ...session.customer } : { userId: `web:${session.sessionId}` };
	if (name) customer.name = name;
	return { channel: 'web', phoneNumberId: siteId, customer };
}

export function conversationIdForSession(session: WebSession, siteId: string): string {
	return conversationIdOf(conversationForSession(session, siteId));
}
