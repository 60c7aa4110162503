/**
 * Password hashing with scrypt (node:crypto): `scrypt$N$r$p$salt$hash`, salt and hash in base64url.
 * The parameters travel with the hash, so they can be raised later without breaking stored ones.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const COST = 16384;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const KEY_LENGTH = 32;

/** The shortest password the dashboard accepts for a new or changed password. */
export const MIN_PASSWORD_LENGTH = 10;

async function derive(password: string, salt: Buffer, options: ScryptOptions, length: number): Promise<Buffer> {
	return await new Promise((resolve, reject) =>
		scrypt(password.normalize('NFKC'), salt, length, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key))),
	);
}

export async function hashPassword(password: string): Promise<string> {
	const salt = randomBytes(16);
	const key = await derive(password, salt, { N: COST, r: BLOCK_SIZE, p: PARALLELISM }, KEY_LENGTH);
	return ['scrypt', COST, BLOCK_SIZE, PARALLELISM, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Constant-time check of a password against a stored hash; false for any malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
	const [scheme, cost, blockSize, parallelism, salt, hash] = stored.split('$');
	if (scheme !== 'scrypt' || !salt || !hash) return false;
	const expected = Buffer.from(hash, 'base64url');
	const options = { N: Number(cost), r: Number(blockSize), p: Number(parallelism) };
	if (!expected.length || !Object.values(options).every((value) => Number.isInteger(value) && value > 0)) return false;
	const actual = await derive(password, Buffer.from(salt, 'base64url'), options, expected.length);
	return timingSafeEqual(actual, expected);
}

/** Why a new password is not acceptable, or undefined when it is. */
export function passwordProblem(password: string, username: string): string | undefined {
	if (password.length < MIN_PASSWORD_LENGTH) return `The password needs at least ${MIN_PASSWORD_LENGTH} characters.`;
	if (password.toLowerCase().includes(username.toLowerCase())) return 'The password must not contain the user name.';
	return undefined;
}
