/**
 * Keys other systems send with their webhook calls (the agent desk, a DSAR tool), with rotation: the
 * current key and, while a rotation runs, the previous one are both accepted. Compared in constant time;
 * only a short fingerprint of a key is ever logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface WebhookKeys {
	/** The request header that carries the key (case-insensitive). */
	header: string;
	current: string;
	/** The key being rotated out: accepted too until it is removed from the credential. */
	previous?: string;
}

export type KeyMatch = 'current' | 'previous';

function sameKey(given: string, expected: string | undefined): boolean {
	if (!expected) return false;
	// Hashing first makes the comparison constant-time whatever the lengths.
	return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}

export function keyFingerprint(key: string): string {
	return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export function headerValue(headers: Record<string, unknown>, name: string): string {
	const wanted = name.toLowerCase();
	for (const [key, value] of Object.entries(headers)) {
		if (key.toLowerCase() === wanted) return (Array.isArray(value) ? String(value[0] ?? '') : String(value ?? '')).trim();
	}
	return '';
}

/** Which key the request carries, and how to log it (never the key itself). */
export function matchWebhookKey(headers: Record<string, unknown>, keys: WebhookKeys): { match?: KeyMatch; log: Record<string, unknown> } {
	const given = headerValue(headers, keys.header);
	const match: KeyMatch | undefined = given && sameKey(given, keys.current) ? 'current' : given && sameKey(given, keys.previous) ? 'previous' : undefined;
	return { match, log: { key: match ?? (given ? 'wrong' : 'missing'), ...(given ? { keyFingerprint: keyFingerprint(given) } : {}) } };
}

/** The client address as the reverse proxy reports it. */
export function forwardedAddress(headers: Record<string, unknown>): string | undefined {
	return headerValue(headers, 'x-forwarded-for').split(',')[0]?.trim() || undefined;
}
