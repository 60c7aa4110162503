/**
 * TOTP second factor (RFC 6238: 6 digits, 30-second steps, SHA-1, as every authenticator app
 * expects), generated and verified with otplib.
 */
import { generateSecret, generateURI, verify } from 'otplib';

export function newTotpSecret(): string {
	return generateSecret();
}

/** The otpauth:// URI an authenticator app takes (typed or pasted; the page has no QR code script). */
export function totpUri(issuer: string, username: string, secret: string): string {
	return generateURI({ issuer, label: username, secret });
}

/**
 * Checks a code, allowing one step of clock drift either way. Returns the code's time step (so the
 * caller can refuse it a second time), or undefined when the code is wrong or not after `afterStep`.
 */
export async function verifyTotp(secret: string, code: string, afterStep?: number | null): Promise<number | undefined> {
	const token = code.replace(/\s+/g, '');
	if (!/^\d{6}$/.test(token)) return undefined;
	const result = await verify({ secret, token, epochTolerance: 30, ...(afterStep !== null && afterStep !== undefined ? { afterTimeStep: afterStep } : {}) });
	// TOTP results carry the matched time step; the union type also covers HOTP results without one.
	return result.valid ? (result as { timeStep?: number }).timeStep : undefined;
}
