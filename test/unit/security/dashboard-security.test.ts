// The dashboard's security building blocks on both store backends: scrypt passwords, TOTP (RFC 6238
// test vector), the login throttle's lockout and its window, the access log's 90-day retention, the
// analyst mask, and the Postgres SSL modes against the real local server (which has no TLS).
import { createHmac } from 'node:crypto';

import { PersonalDataMask } from '../../../nodes/domain/security/masking';
import { hashPassword, passwordProblem, verifyPassword } from '../../../nodes/domain/security/passwords';
import { base32Decode, base32Encode, totpCode, verifyTotp } from '../../../nodes/domain/security/totp';
import { checkPostgresConnection, openSupportStore, resolveSslMode, sslOptionFor, type SupportStore } from '../../../nodes/domain/store';
import { storeBackendFixtures, createTestDatabase } from '../../helpers/store-backends';

describe('passwords', () => {
	it('hashes with scrypt and a random salt, and verifies in constant time', async () => {
		const hash = await hashPassword('correct horse battery');
		expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
		expect(await hashPassword('correct horse battery')).not.toBe(hash);
		await expect(verifyPassword('correct horse battery', hash)).resolves.toBe(true);
		await expect(verifyPassword('correct horse batterY', hash)).resolves.toBe(false);
		await expect(verifyPassword('x', 'md5$abc')).resolves.toBe(false);
		expect(passwordProblem('short', 'anna')).toMatch(/at least 10/);
		expect(passwordProblem('anna-is-great-2026', 'anna')).toMatch(/user name/);
		expect(passwordProblem('a long enough one', 'anna')).toBeUndefined();
	});
});

describe('TOTP', () => {
	// RFC 6238 appendix B, SHA-1: secret "12345678901234567890", T = 59 s → 94287082 (8 digits); the
	// 6-digit code is its last six digits.
	it('matches the RFC 6238 test vector and round-trips base32', async () => {
		const secret = base32Encode(Buffer.from('12345678901234567890'));
		expect(secret).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
		expect(Buffer.from(base32Decode(secret)).toString()).toBe('12345678901234567890');
		expect(await totpCode(secret, 59)).toBe('287082');
		expect(await totpCode(secret, 1111111109)).toBe('081804');
	});

	it('accepts the current code once per time step and refuses wrong ones', async () => {
		const secret = base32Encode(createHmac('sha256', 'k').update('s').digest().subarray(0, 20));
		const now = Math.floor(Date.now() / 1000);
		const code = await totpCode(secret, now);
		const step = await verifyTotp(secret, code);
		// Within one step of the code's own (the check allows one step of clock drift).
		expect(Math.abs((step ?? 0) - Math.floor(now / 30))).toBeLessThanOrEqual(1);
		await expect(verifyTotp(secret, code, step)).resolves.toBeUndefined();
		await expect(verifyTotp(secret, '12345')).resolves.toBeUndefined();
	});
});

describe('Postgres SSL modes', () => {
	it('requires TLS for any host but localhost unless told otherwise, and maps the older values', () => {
		expect(resolveSslMode('', 'db.example.com')).toBe('require');
		expect(resolveSslMode('auto', '127.0.0.1')).toBe('disable');
		expect(resolveSslMode(undefined, 'localhost')).toBe('disable');
		expect(resolveSslMode('verify', 'db.example.com')).toBe('verify-full');
		expect(resolveSslMode('allow-self-signed', 'db.example.com')).toBe('require');
		expect(sslOptionFor('verify-full', 'db.example.com', 'PEM')).toEqual({ rejectUnauthorized: true, servername: 'db.example.com', ca: 'PEM' });
		expect(sslOptionFor('require', 'db.example.com')).toEqual({ rejectUnauthorized: false });
		expect(sslOptionFor('disable', 'db.example.com')).toBe(false);
	});

	it('refuses to talk in plain text when TLS is required (the local server has none)', async () => {
		const database = await createTestDatabase('wa_ssl');
		try {
			const plain = await checkPostgresConnection({ ...database.connection, ssl: sslOptionFor('disable', '127.0.0.1') }, 'whatsapp_support');
			expect(plain.ok).toBe(true);
			const required = await checkPostgresConnection({ ...database.connection, ssl: sslOptionFor('require', '127.0.0.1') }, 'whatsapp_support');
			expect(required.ok).toBe(false);
			expect(required.message).toMatch(/does not support SSL/i);
		} finally {
			await database.drop();
		}
	});
});

describe.each(storeBackendFixtures())('dashboard access store ($name)', (backend) => {
	let store: SupportStore;

	beforeAll(async () => {
		store = await openSupportStore(await backend.create());
	});
	afterAll(async () => {
		await store?.close();
		await backend.cleanup();
	});

	it('locks an account and an address after 5 failures within 15 minutes, for 15 minutes', async () => {
		const t0 = new Date('2026-11-20T10:00:00Z');
		const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
		const keys = [
			{ kind: 'user' as const, subject: 'anna' },
			{ kind: 'ip' as const, subject: '203.0.113.9' },
		];
		// Failures spread beyond the window do not add up.
		for (const minute of [0, 1, 2, 3]) expect(await store.access.recordLoginFailure(keys, undefined, at(minute))).toBeUndefined();
		expect(await store.access.recordLoginFailure(keys, undefined, at(20))).toBeUndefined();
		// Five quick ones (concurrently: every one counts) lock both.
		await Promise.all([22, 22, 22, 22].map(async (minute) => await store.access.recordLoginFailure(keys, undefined, at(minute))));
		expect(await store.access.lockedUntil(keys, at(23))).toEqual(at(37));
		expect(await store.access.lockedUntil([{ kind: 'ip', subject: '203.0.113.9' }], at(23))).toEqual(at(37));
		expect(await store.access.lockedUntil([{ kind: 'user', subject: 'bob' }], at(23))).toBeUndefined();
		expect(await store.access.lockedUntil(keys, at(38))).toBeUndefined();
	});

	it('keeps the access log for 90 days and never removes the last admin', async () => {
		const now = new Date('2026-11-20T10:00:00Z');
		await store.access.logAccess({ actor: 'old', action: 'login', at: new Date(now.getTime() - 91 * 86_400_000) });
		await store.access.logAccess({ actor: 'recent', action: 'login', at: new Date(now.getTime() - 89 * 86_400_000) });
		const purged = await store.purgeExpired({ messagesDays: 30, analyticsDays: 90, now });
		expect(purged.accessLog).toBe(1);
		expect((await store.access.listAccessLog()).map((entry) => entry.actor)).toEqual(['recent']);

		expect(await store.access.createUser({ username: 'root', role: 'admin', passwordHash: await hashPassword('root-password-1') })).toBe(true);
		expect(await store.access.createUser({ username: 'ROOT', role: 'agent', passwordHash: 'x' })).toBe(false);
		expect(await store.access.deleteUser('root')).toBe('last_admin');
		await store.access.createUser({ username: 'second', role: 'admin', passwordHash: 'x' });
		expect(await store.access.deleteUser('root')).toBe('deleted');
		expect(await store.access.deleteUser('nobody')).toBe('not_found');
	});
});

describe('analyst mask', () => {
	it('pseudonymises ids, drops names and numbers, and masks personal data in text', () => {
		const mask = new PersonalDataMask('secret');
		const row = mask.message({
			conversationId: 'whatsapp:1065000000001:31612345678',
			channel: 'whatsapp',
			customerKey: '31612345678',
			customerName: 'Anna de Vries',
			messageId: 'wamid.X',
			sentAt: '2026-11-20T10:00:00Z',
			direction: 'in',
			author: 'customer',
			type: 'text',
			text: 'This is Anna, call me on +31 6 12345678 or anna@example.com',
			status: null,
			intent: 'contact',
			route: 'automate',
		});
		expect(row.conversationId).toBe(mask.conversationId('whatsapp:1065000000001:31612345678'));
		expect(row.conversationId).toMatch(/^chat-[0-9a-f]{16}$/);
		expect(row.customerKey).toMatch(/^customer-[0-9a-f]{12}$/);
		expect(row.customerName).toBeNull();
		expect(JSON.stringify(row)).not.toMatch(/Anna|31612345678|12345678|anna@example/);
		expect(row.text).toContain('[NAME]');
		expect(new PersonalDataMask('other').conversationId('whatsapp:1065000000001:31612345678')).not.toBe(row.conversationId);
	});
});
