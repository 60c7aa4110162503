import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header Meta signs webhook POSTs with (Node lower-cases header names). */
export const SIGNATURE_HEADER = 'x-hub-signature-256';

const SIGNATURE_PATTERN = /^sha256=([0-9a-f]{64})$/i;

export type SignatureFailureReason = 'missing' | 'malformed' | 'mismatch';

export interface SignatureCheck {
	valid: boolean;
	reason?: SignatureFailureReason;
}

function requireAppSecret(appSecret: string): void {
	if (typeof appSecret !== 'string' || appSecret.length === 0) {
		// An empty key would make every signature forgeable, so this is a configuration error, not a bad request.
		throw new Error('The WhatsApp app secret is empty: set it in the credential to verify webhook signatures');
	}
}

function hmacSha256(rawBody: Buffer | string, appSecret: string): Buffer {
	return createHmac('sha256', appSecret).update(rawBody).digest();
}

/**
 * The `X-Hub-Signature-256` value Meta sends for this body: `sha256=<hex HMAC-SHA256>`.
 * Sign the raw bytes as received; re-serialised JSON will not match.
 */
export function computeSignature(rawBody: Buffer | string, appSecret: string): string {
	requireAppSecret(appSecret);
	return `sha256=${hmacSha256(rawBody, appSecret).toString('hex')}`;
}

/** Checks the `X-Hub-Signature-256` header against the raw body in constant time. Never throws for a bad header. */
export function verifySignature(
	rawBody: Buffer | string,
	headerValue: string | undefined,
	appSecret: string,
): SignatureCheck {
	requireAppSecret(appSecret);
	if (headerValue === undefined || headerValue === null || headerValue === '') {
		return { valid: false, reason: 'missing' };
	}
	// Repeated headers can arrive as an array at runtime despite the type.
	if (typeof headerValue !== 'string') return { valid: false, reason: 'malformed' };
	const match = SIGNATURE_PATTERN.exec(headerValue.trim());
	if (!match) return { valid: false, reason: 'malformed' };

	const expected = hmacSha256(rawBody, appSecret);
	const received = Buffer.from(match[1], 'hex');
	// Both are 32 bytes here (64 hex digits), so timingSafeEqual cannot throw on a length mismatch.
	if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
		return { valid: false, reason: 'mismatch' };
	}
	return { valid: true };
}
