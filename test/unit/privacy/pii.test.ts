import {
	DEFAULT_BOOKING_REFERENCE,
	isValidIban,
	isValidSpanishId,
	maskPii,
	passesLuhn,
	unmaskPii,
} from '../../../nodes/domain/privacy/pii';
import { loadPiiCases, scorePiiDetection } from '../../../scripts/lib/pii-evaluation';
import path from 'node:path';

describe('checksums', () => {
	it('checks card numbers with Luhn, IBANs with mod 97 and Spanish ids with their letter', () => {
		expect(passesLuhn('4111111111111111')).toBe(true);
		expect(passesLuhn('4111111111111112')).toBe(false);
		expect(isValidIban('NL91 ABNA 0417 1643 00')).toBe(true);
		expect(isValidIban('NL91 ABNA 0417 1643 01')).toBe(false);
		expect(isValidSpanishId('12345678Z')).toBe(true);
		expect(isValidSpanishId('12345678A')).toBe(false);
		expect(isValidSpanishId('X1234567L')).toBe(true);
	});
});

describe('maskPii', () => {
	it('replaces each value with a numbered placeholder and can undo it', () => {
		const text = 'Mail anna@example.com or call +31 6 12345678; again: anna@example.com. Card 4111 1111 1111 1111.';
		const result = maskPii(text);
		expect(result.masked).toBe('Mail [EMAIL_1] or call [PHONE_1]; again: [EMAIL_1]. Card [CARD_1].');
		expect(result.restoreMap).toEqual({
			'[EMAIL_1]': 'anna@example.com',
			'[PHONE_1]': '+31 6 12345678',
			'[CARD_1]': '4111 1111 1111 1111',
		});
		expect(result.entities.map((entity) => entity.type)).toEqual(['EMAIL', 'PHONE', 'EMAIL', 'CARD']);
		expect(unmaskPii(`We will write to [EMAIL_1] and keep [CARD_9].`, result.restoreMap)).toBe(
			'We will write to anna@example.com and keep [CARD_9].',
		);
	});

	it('keeps booking references usable when asked, and masks a number that looks like one otherwise', () => {
		const text = 'Booking BK-4829135566 for passport NX1234567';
		expect(maskPii(text, { keepPatterns: [DEFAULT_BOOKING_REFERENCE] }).masked).toBe('Booking BK-4829135566 for passport [PASSPORT_1]');
		expect(maskPii(text).masked).toBe('Booking BK-[PHONE_1] for passport [PASSPORT_1]');
	});

	it('masks only the requested types', () => {
		expect(maskPii('a@b.nl, 06-12345678', { types: ['EMAIL'] }).masked).toBe('[EMAIL_1], 06-12345678');
	});
});

describe('PII detection quality', () => {
	// The development set was used while writing the patterns; the held-out set was written afterwards
	// and never tuned on. Both figures are reported in the README (npm run eval:pii).
	it('finds every labelled entity with no false alarm on the development set', () => {
		const scores = scorePiiDetection(loadPiiCases());
		expect(scores.expected).toBeGreaterThanOrEqual(40);
		expect(scores.recall).toBeGreaterThanOrEqual(0.97);
		expect(scores.precision).toBeGreaterThanOrEqual(0.97);
	});

	it('keeps recall and precision high on the held-out set', () => {
		const scores = scorePiiDetection(loadPiiCases(path.join(__dirname, '..', '..', 'fixtures', 'privacy', 'pii-heldout.json')));
		expect(scores.expected).toBeGreaterThanOrEqual(20);
		expect(scores.recall).toBeGreaterThanOrEqual(0.9);
		expect(scores.precision).toBeGreaterThanOrEqual(0.85);
		// Card numbers, IBANs and e-mail addresses must never slip through.
		for (const type of ['CARD', 'IBAN', 'EMAIL']) expect(scores.perType[type].recall).toBe(1);
	});
});
