/**
 * TOTP second factor (RFC 6238: 6 digits, 30-second steps, SHA-1, as every authenticator app
 * expects), generated and verified with otplib's TOTP (`@otplib/totp`) and its node:crypto plugin.
 * otplib's default bundle loads ESM-only base32 and hash packages, which a CommonJS n8n package
 * cannot require on every supported Node version; the RFC 4648 base32 codec below replaces them.
 */
import { randomBytes } from 'node:crypto';

import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { generate, verify } from '@otplib/totp';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(data: Uint8Array): string {
	let bits = 0;
	let value = 0;
	let output = '';
	for (const byte of data) {
		value = (value << 8) | byte;
		bits += 8;
		while (bits >= 5) {
			output += ALPHABET[(value >>> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0) output += ALPHABET[(value << (5 - bits)) & 31];
	return output;
}

export function base32Decode(text: string): Uint8Array {
	const clean = text.toUpperCase().replace(/[\s=-]/g, '');
	const bytes: number[] = [];
	let bits = 0;
	let value = 0;
	for (const char of clean) {
		const index = ALPHABET.indexOf(char);
		if (index < 0) throw new Error('Invalid base32 character');
		value = (value << 5) | index;
		bits += 5;
		if (bits >= 8) {
			bytes.push((value >>> (bits - 8)) & 255);
			bits -= 8;
		}
	}
	return Uint8Array.from(bytes);
}

const base32 = { name: 'rfc4648', encode: (data: Uint8Array) => base32Encode(data), decode: (text: string) => base32Decode(text) };
const crypto = new NodeCryptoPlugin();

/** A new 160-bit secret, base32 as authenticator apps take it. */
export function newTotpSecret(): string {
	return base32Encode(randomBytes(20));
}

/** The otpauth:// URI an authenticator app takes (typed or pasted; the page has no QR code script). */
export function totpUri(issuer: string, username: string, secret: string): string {
	return `otpauth://totp/${encodeURIComponent(`${issuer}:${username}`)}?secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;
}

/** The current code of a secret (tests, and the set-up page's check). */
export async function totpCode(secret: string, epochSeconds?: number): Promise<string> {
	return await generate({ secret, crypto, base32, ...(epochSeconds !== undefined ? { epoch: epochSeconds } : {}) });
}

/**
 * Checks a code, allowing one step of clock drift either way. Returns the code's time step (so the
 * caller can refuse it a second time), or undefined when the code is wrong or not after `afterStep`.
 */
export async function verifyTotp(secret: string, code: string, afterStep?: number | null): Promise<number | undefined> {
	const token = code.replace(/\s+/g, '');
	if (!/^\d{6}$/.test(token)) return undefined;
	const result = await verify({ secret, token, crypto, base32, epochTolerance: 30, ...(afterStep !== null && afterStep !== undefined ? { afterTimeStep: afterStep } : {}) });
	// TOTP results carry the matched time step; the union type also covers results without one.
	return result.valid ? (result as { timeStep?: number }).timeStep : undefined;
}
