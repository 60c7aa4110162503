/**
 * Encryption at rest for the store's personal fields: AES-256-GCM per value, with keyed hashes (HMAC)
 * for the few fields that must still be found (a customer's number, words of their name).
 *
 * A sealed value reads `enc:v1:<key id>:<iv>:<tag>:<ciphertext>` (base64url parts), so each row says
 * which key sealed it and keys can be rotated. Anything without the prefix is a plain value written
 * before a key was set, and is read as it is. JSON columns hold `{"$enc": "<sealed JSON>"}` instead of
 * the plain document; keys the database adds next to it (a message's `statusDetails`) stay readable.
 *
 * Keys are derived once, when the cipher is made: nothing is derived per row.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';

const PREFIX = 'enc:v1:';
const JSON_KEY = '$enc';
const IV_BYTES = 12;

/** A key the admin must fix; the hint says how. */
export class EncryptionKeyError extends Error {
	constructor(
		message: string,
		readonly hint: string,
	) {
		super(message);
		this.name = 'EncryptionKeyError';
	}
}

interface DerivedKey {
	id: string;
	// Key objects, made once: passing raw bytes would make Node build one on every call.
	encryption: KeyObject;
	lookup: KeyObject;
}

const KEY_HINT = 'Use 32 random bytes as base64 or hex, e.g. the output of `openssl rand -base64 32`.';

/** The 32 bytes of a configured key: base64 or hex of 32 bytes, or a passphrase of at least 32 characters. */
function keyMaterial(configured: string): Buffer {
	const value = configured.trim();
	if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
	if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
		const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
		if (bytes.length === 32) return bytes;
	}
	if (value.length >= 32) return createHash('sha256').update(value, 'utf8').digest();
	throw new EncryptionKeyError('The store encryption key is too short', KEY_HINT);
}

function derive(configured: string): DerivedKey {
	const material = keyMaterial(configured);
	const part = (info: string) => createSecretKey(Buffer.from(hkdfSync('sha256', material, 'n8n-nodes-whatsapp-ai-support', info, 32)));
	return {
		id: createHmac('sha256', material).update('key-id').digest('hex').slice(0, 8),
		encryption: part('field-encryption'),
		lookup: part('lookup-hash'),
	};
}

function base64url(buffer: Buffer): string {
	return buffer.toString('base64url');
}

/** Splits a list of older keys written one per line or separated by commas. */
export function parseKeyList(value: string | undefined): string[] {
	return (value ?? '')
		.split(/[\n,]/)
		.map((key) => key.trim())
		.filter(Boolean);
}

export function isSealed(value: unknown): value is string {
	return typeof value === 'string' && value.startsWith(PREFIX);
}

/** The key id a sealed value names, or undefined for a plain value. */
export function sealedKeyId(value: unknown): string | undefined {
	if (!isSealed(value)) return undefined;
	return value.slice(PREFIX.length, value.indexOf(':', PREFIX.length));
}

function sealedJsonToken(value: unknown): string | undefined {
	if (value && typeof value === 'object' && !Array.isArray(value)) {
		const token = (value as Record<string, unknown>)[JSON_KEY];
		if (isSealed(token)) return token;
	}
	return undefined;
}

/**
 * How the store writes and reads its personal fields. `FieldCipher` encrypts; `PLAIN_FIELDS` (no key
 * configured) writes plain values and still reads them. Both read plain values written earlier.
 */
export interface FieldCodec {
	readonly encrypting: boolean;
	/** The current key's id, or undefined without a key. */
	readonly keyId: string | undefined;
	seal(value: string | null | undefined): string | null;
	open(value: unknown): string | null;
	sealJson(value: unknown): string | null;
	openJson<T = unknown>(value: unknown): T;
	/** The lookup hash of a value under the current key, or null without a key. */
	lookupHash(value: string | null | undefined): string | null;
	/** The lookup hashes of a value under every key (current and older): a row hashed before a rotation is still found. */
	lookupHashes(value: string): string[];
	/** Whether a stored value (text or JSON column) needs sealing again under the current key. */
	isStale(value: unknown): boolean;
}

/** Lower case, words of letters and digits: what a name search matches on. */
export function nameWords(name: string | null | undefined): string[] {
	if (!name) return [];
	const words = name
		.normalize('NFKC')
		.toLowerCase()
		.split(/[^\p{L}\p{N}]+/u)
		.filter((word) => word.length > 0);
	return [...new Set(words)];
}

/** Digits only: the form a phone number is hashed in, so "+31 6 1234 5678" finds 31612345678. */
export function numberDigits(value: string | null | undefined): string {
	return (value ?? '').replace(/\D/g, '');
}

export class FieldCipher implements FieldCodec {
	readonly encrypting = true;

	private readonly current: DerivedKey;

	private readonly byId = new Map<string, DerivedKey>();

	/** `key` seals; `olderKeys` are still read (and searched) until a rotation has re-sealed their rows. */
	constructor(key: string, olderKeys: string[] = []) {
		this.current = derive(key);
		this.byId.set(this.current.id, this.current);
		for (const older of olderKeys) {
			const derived = derive(older);
			if (!this.byId.has(derived.id)) this.byId.set(derived.id, derived);
		}
	}

	get keyId(): string {
		return this.current.id;
	}

	/** Ids of every key this cipher can read, the current one first. */
	get keyIds(): string[] {
		return [...this.byId.keys()];
	}

	seal(value: string | null | undefined): string | null {
		if (value === null || value === undefined) return null;
		const iv = randomBytes(IV_BYTES);
		const cipher = createCipheriv('aes-256-gcm', this.current.encryption, iv);
		// The key id is authenticated too: a value cannot be passed off as sealed by another key.
		cipher.setAAD(Buffer.from(this.current.id));
		const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
		return `${PREFIX}${this.current.id}:${base64url(iv)}:${base64url(cipher.getAuthTag())}:${base64url(body)}`;
	}

	open(value: unknown): string | null {
		if (value === null || value === undefined) return null;
		if (!isSealed(value)) return String(value);
		const [keyId, iv, tag, body] = value.slice(PREFIX.length).split(':');
		const key = this.byId.get(keyId);
		if (!key) {
			throw new EncryptionKeyError(
				`A stored value was encrypted with key ${keyId}, which is not configured`,
				'Add the key that was used before to "Older Encryption Keys" (or WHATSAPP_SUPPORT_ENCRYPTION_KEYS_OLD) until a Rotate Encryption Key run has finished.',
			);
		}
		try {
			const decipher = createDecipheriv('aes-256-gcm', key.encryption, Buffer.from(iv, 'base64url'));
			decipher.setAAD(Buffer.from(keyId));
			decipher.setAuthTag(Buffer.from(tag, 'base64url'));
			return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
		} catch {
			throw new EncryptionKeyError(`A stored value under key ${keyId} failed its integrity check`, 'The row was altered or damaged; restore it from a backup.');
		}
	}

	sealJson(value: unknown): string | null {
		if (value === undefined || value === null) return null;
		return JSON.stringify({ [JSON_KEY]: this.seal(JSON.stringify(value)) });
	}

	openJson<T = unknown>(value: unknown): T {
		return openJsonWith(value, (token) => this.open(token) as string);
	}

	lookupHash(value: string | null | undefined): string | null {
		if (value === null || value === undefined || value === '') return null;
		return createHmac('sha256', this.current.lookup).update(value).digest('base64url');
	}

	lookupHashes(value: string): string[] {
		return [...this.byId.values()].map((key) => createHmac('sha256', key.lookup).update(value).digest('base64url'));
	}

	isStale(value: unknown): boolean {
		if (value === null || value === undefined) return false;
		const token = typeof value === 'string' ? value : sealedJsonToken(value);
		if (token === undefined) return true;
		return sealedKeyId(token) !== this.current.id;
	}

}

function openJsonWith<T>(value: unknown, open: (token: string) => string): T {
	if (typeof value === 'string' && isSealed(value)) return JSON.parse(open(value)) as T;
	const token = sealedJsonToken(value);
	if (token === undefined) return value as T;
	const inner = JSON.parse(open(token)) as unknown;
	const { [JSON_KEY]: _sealed, ...added } = value as Record<string, unknown>;
	// Keys the database merged next to the sealed document (status details) are laid over it.
	if (inner && typeof inner === 'object' && !Array.isArray(inner) && Object.keys(added).length) return { ...(inner as object), ...added } as T;
	return inner as T;
}

/** No key configured: values are written as they are; sealed ones cannot be read and say why. */
export const PLAIN_FIELDS: FieldCodec = {
	encrypting: false,
	keyId: undefined,
	seal: (value) => (value === undefined ? null : value),
	open(value) {
		if (value === null || value === undefined) return null;
		if (isSealed(value)) throw missingKey();
		return String(value);
	},
	sealJson: (value) => (value === undefined ? null : JSON.stringify(value)),
	openJson<T>(value: unknown): T {
		return openJsonWith<T>(value, () => {
			throw missingKey();
		});
	},
	lookupHash: () => null,
	lookupHashes: () => [],
	isStale: () => false,
};

function missingKey(): EncryptionKeyError {
	return new EncryptionKeyError(
		'The support store holds encrypted values but no encryption key is configured',
		'Set the same "Encryption Key" on the store credential (or WHATSAPP_SUPPORT_ENCRYPTION_KEY for the embedded store) that was used to write them.',
	);
}

/** The codec for a configured key (and older keys), or plain fields without one. */
export function fieldCodecFor(key: string | undefined, olderKeys: string[] = []): FieldCodec {
	return key?.trim() ? new FieldCipher(key, olderKeys) : PLAIN_FIELDS;
}

/** A short fingerprint of the configured keys, for caching one store per configuration (never the key itself). */
export function keyFingerprint(key: string | undefined, olderKeys: string[] = []): string {
	if (!key?.trim()) return 'plain';
	return createHash('sha256').update([key.trim(), ...olderKeys].join('\n')).digest('hex').slice(0, 16);
}
