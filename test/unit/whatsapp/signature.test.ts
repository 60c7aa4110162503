import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeSignature, SIGNATURE_HEADER, verifySignature } from '../../../nodes/domain/whatsapp/signature';

const appSecret = 'test-app-secret';
const body = '{"object":"whatsapp_business_account","entry":[]}';
// Computed independently: printf '%s' "$body" | openssl dgst -sha256 -hmac 'test-app-secret'
const bodySignature = 'sha256=c84a394cc475525991e78ff16e430b02e47f953877d2af0ade26956ce6f384dc';
const emptyBodySignature = 'sha256=a7dfadfa864dba471c925e814eca5ee032a7ded01574b16ac33dd477b5d6d0f7';

describe('computeSignature', () => {
	it('matches an HMAC-SHA256 computed by openssl, with the sha256= prefix', () => {
		expect(computeSignature(body, appSecret)).toBe(bodySignature);
		expect(computeSignature('', appSecret)).toBe(emptyBodySignature);
	});

	it('signs the same bytes the same way whether given a Buffer or a string', () => {
		const text = '{"text":"Tot morgen, groetjes 👋 — Zoë"}';
		expect(computeSignature(Buffer.from(text, 'utf8'), appSecret)).toBe(computeSignature(text, appSecret));
		expect(computeSignature(Buffer.from(body), appSecret)).toBe(bodySignature);
	});

	it('depends on the secret', () => {
		expect(computeSignature(body, 'another-secret')).not.toBe(bodySignature);
	});

	it('refuses an empty app secret, which would make signatures forgeable', () => {
		expect(() => computeSignature(body, '')).toThrow(/app secret is empty/);
	});

	it('names the header as Node delivers it (lower case)', () => {
		expect(SIGNATURE_HEADER).toBe('x-hub-signature-256');
	});
});

describe('verifySignature', () => {
	const rawFixture = readFileSync(join(__dirname, '../../fixtures/webhooks/text.json'));

	it('accepts the signature Meta would send for the raw bytes', () => {
		expect(verifySignature(body, bodySignature, appSecret)).toEqual({ valid: true });
		expect(verifySignature(Buffer.from(body), bodySignature, appSecret)).toEqual({ valid: true });
		expect(verifySignature(rawFixture, computeSignature(rawFixture, appSecret), appSecret)).toEqual({ valid: true });
	});

	it('accepts upper-case hex digits and surrounding whitespace', () => {
		const upper = `sha256=${bodySignature.slice('sha256='.length).toUpperCase()}`;
		expect(verifySignature(body, upper, appSecret)).toEqual({ valid: true });
		expect(verifySignature(body, ` ${bodySignature} `, appSecret)).toEqual({ valid: true });
	});

	it('reports a missing header', () => {
		expect(verifySignature(body, undefined, appSecret)).toEqual({ valid: false, reason: 'missing' });
		expect(verifySignature(body, '', appSecret)).toEqual({ valid: false, reason: 'missing' });
	});

	it.each([
		['no prefix', bodySignature.slice('sha256='.length)],
		['sha1 prefix', `sha1=${bodySignature.slice('sha256='.length)}`],
		['prefix only', 'sha256='],
		['short digest', 'sha256=abc'],
		['one hex digit short', bodySignature.slice(0, -1)],
		['one hex digit too many', `${bodySignature}0`],
		['non-hex digits', `sha256=${'zz'.repeat(32)}`],
		['base64 digest', `sha256=${Buffer.alloc(32, 7).toString('base64')}`],
		['two signatures', `${bodySignature},${bodySignature}`],
		['huge header', `sha256=${'a'.repeat(100_000)}`],
	])('reports a malformed header (%s) without throwing', (_case, header) => {
		expect(verifySignature(body, header, appSecret)).toEqual({ valid: false, reason: 'malformed' });
	});

	it('reports a malformed header when repeated headers arrive as an array at runtime', () => {
		const header = [bodySignature, bodySignature] as unknown as string;
		expect(verifySignature(body, header, appSecret)).toEqual({ valid: false, reason: 'malformed' });
	});

	it('reports a mismatch for another secret, a changed byte, or re-serialised JSON', () => {
		expect(verifySignature(body, computeSignature(body, 'wrong-secret'), appSecret)).toEqual({
			valid: false,
			reason: 'mismatch',
		});
		const tampered = Buffer.from(rawFixture);
		tampered[tampered.length - 3] ^= 0x01;
		expect(verifySignature(tampered, computeSignature(rawFixture, appSecret), appSecret)).toEqual({
			valid: false,
			reason: 'mismatch',
		});
		// Signing JSON.stringify(JSON.parse(raw)) instead of the raw bytes is the classic mistake.
		const reserialised = JSON.stringify(JSON.parse(rawFixture.toString('utf8')));
		expect(verifySignature(reserialised, computeSignature(rawFixture, appSecret), appSecret)).toEqual({
			valid: false,
			reason: 'mismatch',
		});
	});

	it('compares digests with crypto.timingSafeEqual on two 32-byte buffers', () => {
		const spy = jest.spyOn(crypto, 'timingSafeEqual');
		try {
			verifySignature(body, bodySignature, appSecret);
			verifySignature(body, computeSignature(body, 'wrong-secret'), appSecret);
			expect(spy).toHaveBeenCalledTimes(2);
			for (const [received, expected] of spy.mock.calls) {
				expect((received as Buffer).length).toBe(32);
				expect((expected as Buffer).length).toBe(32);
			}
			spy.mockClear();
			verifySignature(body, 'sha256=abc', appSecret);
			expect(spy).not.toHaveBeenCalled();
		} finally {
			spy.mockRestore();
		}
	});

	it('refuses an empty app secret instead of answering for every request', () => {
		expect(() => verifySignature(body, bodySignature, '')).toThrow(/app secret is empty/);
	});
});
