import { randomBytes } from 'node:crypto';

import { EncryptionKeyError, FieldCipher, fieldCodecFor, isSealed, PLAIN_FIELDS, sealedKeyId } from '../../../nodes/domain/store';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('hex');

describe('FieldCipher (AES-256-GCM per value)', () => {
	it('seals text so that only the same key reads it, with a fresh IV each time and the key id in the value', () => {
		const cipher = new FieldCipher(keyA);
		const first = cipher.seal('Kamer 12, mijn nummer is +31 6 1234 5678') as string;
		const second = cipher.seal('Kamer 12, mijn nummer is +31 6 1234 5678') as string;
		expect(isSealed(first)).toBe(true);
		expect(first).not.toContain('Kamer');
		expect(first).not.toBe(second);
		expect(sealedKeyId(first)).toBe(cipher.keyId);
		expect(cipher.open(first)).toBe('Kamer 12, mijn nummer is +31 6 1234 5678');
		expect(cipher.seal(null)).toBeNull();
		expect(cipher.open(null)).toBeNull();
		// Another key cannot read it and says which key is missing.
		expect(() => new FieldCipher(keyB).open(first)).toThrow(EncryptionKeyError);
		expect(() => new FieldCipher(keyB).open(first)).toThrow(new RegExp(`key ${cipher.keyId}`));
	});

	it('refuses a value whose ciphertext or key id was altered', () => {
		const cipher = new FieldCipher(keyA);
		const sealed = cipher.seal('Anna de Vries') as string;
		const parts = sealed.split(':');
		const body = Buffer.from(parts[5], 'base64url');
		body[0] ^= 1;
		const tampered = [...parts.slice(0, 5), body.toString('base64url')].join(':');
		expect(() => cipher.open(tampered)).toThrow(/integrity check/);
	});

	it('reads plain values written before a key was set, and JSON documents with keys added next to the sealed one', () => {
		const cipher = new FieldCipher(keyA);
		expect(cipher.open('written before encryption')).toBe('written before encryption');
		expect(cipher.openJson({ text: { body: 'plain' } })).toEqual({ text: { body: 'plain' } });
		const stored = JSON.parse(cipher.sealJson({ type: 'text', text: { body: 'Hoi' } }) as string);
		expect(JSON.stringify(stored)).not.toContain('Hoi');
		// The database merges status details next to the sealed document (payload || jsonb_build_object(...)).
		expect(cipher.openJson({ ...stored, statusDetails: { errors: [131047] } })).toEqual({ type: 'text', text: { body: 'Hoi' }, statusDetails: { errors: [131047] } });
		expect(cipher.openJson(JSON.parse(cipher.sealJson(['late check-out']) as string))).toEqual(['late check-out']);
	});

	it('rotates: an older key still reads and finds its rows, new values are sealed with the current key only', () => {
		const before = new FieldCipher(keyA);
		const sealedBefore = before.seal('Jan Jansen') as string;
		const during = new FieldCipher(keyB, [keyA]);
		expect(during.open(sealedBefore)).toBe('Jan Jansen');
		expect(during.isStale(sealedBefore)).toBe(true);
		expect(during.isStale(during.seal('x'))).toBe(false);
		expect(during.isStale('plain legacy text')).toBe(true);
		expect(during.isStale(JSON.parse(during.sealJson({ a: 1 }) as string))).toBe(false);
		expect(during.keyIds).toEqual([during.keyId, before.keyId]);
		// Lookup hashes: stable per key, one per configured key, never the value itself.
		expect(during.lookupHashes('31612345678')).toEqual([during.lookupHash('31612345678'), before.lookupHash('31612345678')]);
		expect(during.lookupHash('31612345678')).not.toContain('31612345678');
		expect(before.lookupHash('31612345678')).toBe(new FieldCipher(keyA).lookupHash('31612345678'));
	});

	it('takes base64, hex or a long passphrase; refuses a short key; without a key the fields stay plain', () => {
		expect(() => new FieldCipher('too short')).toThrow(/too short/);
		expect(new FieldCipher(keyA).keyId).toBe(new FieldCipher(Buffer.from(keyA, 'base64').toString('hex')).keyId);
		expect(new FieldCipher('a passphrase of at least thirty-two characters').open(new FieldCipher('a passphrase of at least thirty-two characters').seal('ok'))).toBe('ok');
		expect(fieldCodecFor(undefined)).toBe(PLAIN_FIELDS);
		expect(fieldCodecFor('  ')).toBe(PLAIN_FIELDS);
		expect(PLAIN_FIELDS.seal('hello')).toBe('hello');
		expect(PLAIN_FIELDS.lookupHash('31612345678')).toBeNull();
		// A store without its key meets an encrypted value: it says so instead of showing ciphertext.
		expect(() => PLAIN_FIELDS.open(new FieldCipher(keyA).seal('secret'))).toThrow(/no encryption key is configured/);
	});
});
