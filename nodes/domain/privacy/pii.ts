/**
 * Masks personal data before any AI sees a message: e-mail addresses, phone numbers, IBANs (mod-97
 * checked), payment card numbers (Luhn checked), passport numbers and national ids (with a keyword
 * nearby, or a valid Spanish DNI/NIE check letter). The map that undoes the masking is returned to the
 * caller and never stored.
 */
export type PiiType = 'EMAIL' | 'PHONE' | 'IBAN' | 'CARD' | 'PASSPORT' | 'ID';

export interface PiiEntity {
	type: PiiType;
	start: number;
	end: number;
	value: string;
	placeholder: string;
}

export interface MaskOptions {
	/** Text matching any of these is never masked (e.g. booking references like BK-482913). */
	keepPatterns?: RegExp[];
	/** Which types to mask; default all. */
	types?: PiiType[];
}

export interface MaskResult {
	masked: string;
	entities: PiiEntity[];
	/** placeholder → original value; keep it in memory only. */
	restoreMap: Record<string, string>;
}

export const DEFAULT_BOOKING_REFERENCE = /\b(?:[A-Z]{2,4}-\d{4,10}|(?:BK|RES|BKG|BOOK|REF)\d{4,10})\b/g;

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const IBAN = /\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b/gi;
const CARD = /\b\d(?:[ -]?\d){12,18}\b/g;
const PHONE = /(?<![\w+])(?:\+|00|0)?\d(?:[\d ().\-/]{5,}\d)/g;
// Shaped like an IBAN (checksum or not): digits inside are never phone numbers.
const IBAN_SHAPED = /\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}/g;
const PASSPORT_CANDIDATE = /\b(?=[A-Z0-9]{6,9}\b)(?=[A-Z0-9]*\d)[A-Z0-9]{6,9}\b/gi;
const SPANISH_ID = /\b(?:\d{8}|[XYZ]\d{7})-?[A-Z]\b/gi;
const ID_CONTEXT =
	/(passport|paspoort|reisepass|pass-?nr|passeport|pasaporte|identity|id card|id-?kaart|ausweis|personalausweis|carte d.identite|identiteitsbewijs|dni|nie|documento|legitimatie|id number|id nr|bsn)/i;

const DATE_LIKE = /^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$/;

export function passesLuhn(digits: string): boolean {
	let sum = 0;
	let double = false;
	for (let index = digits.length - 1; index >= 0; index--) {
		let digit = digits.charCodeAt(index) - 48;
		if (double) {
			digit *= 2;
			if (digit > 9) digit -= 9;
		}
		sum += digit;
		double = !double;
	}
	return digits.length >= 13 && sum % 10 === 0;
}

export function isValidIban(candidate: string): boolean {
	const iban = candidate.replace(/\s+/g, '').toUpperCase();
	if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
	const rearranged = iban.slice(4) + iban.slice(0, 4);
	let remainder = 0;
	for (const character of rearranged) {
		const value = /[A-Z]/.test(character) ? String(character.charCodeAt(0) - 55) : character;
		for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
	}
	return remainder === 1;
}

export function isValidSpanishId(candidate: string): boolean {
	const id = candidate.replace('-', '').toUpperCase();
	const letters = 'TRWAGMYFPDXBNJZSQVHLCKE';
	const prefix = { X: '0', Y: '1', Z: '2' }[id[0]] ?? id[0];
	const number = Number(prefix + id.slice(1, -1));
	return Number.isInteger(number) && letters[number % 23] === id.at(-1);
}

function digitsOf(value: string): string {
	return value.replace(/\D/g, '');
}

interface Candidate {
	type: PiiType;
	start: number;
	end: number;
}

function findAll(text: string, pattern: RegExp, type: PiiType, accept: (value: string, start: number) => boolean): Candidate[] {
	const found: Candidate[] = [];
	for (const match of text.matchAll(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`))) {
		const start = match.index ?? 0;
		let value = match[0];
		// Trailing separators are not part of the number.
		value = value.replace(/[ ().\-/]+$/, '');
		if (accept(value, start)) found.push({ type, start, end: start + value.length });
	}
	return found;
}

/** IBANs are written in groups of four; the match may run into following words, so try shorter prefixes. */
function findIbans(text: string): Candidate[] {
	const found: Candidate[] = [];
	for (const match of text.matchAll(IBAN)) {
		const start = match.index ?? 0;
		const groups = match[0].split(' ');
		for (let count = groups.length; count >= 1; count--) {
			const value = groups.slice(0, count).join(' ');
			if (value.replace(/ /g, '').length < 15) break;
			if (isValidIban(value)) {
				found.push({ type: 'IBAN', start, end: start + value.length });
				break;
			}
		}
	}
	return found;
}

function nearContext(text: string, start: number, end: number): boolean {
	return ID_CONTEXT.test(text.slice(Math.max(0, start - 40), Math.min(text.length, end + 15)));
}

/** Finds personal data in the text; overlapping finds are resolved in favour of the earlier, stronger type. */
export function findPii(text: string, options: MaskOptions = {}): Candidate[] {
	const wanted = new Set<PiiType>(options.types ?? ['EMAIL', 'IBAN', 'CARD', 'PHONE', 'PASSPORT', 'ID']);
	const kept: Array<[number, number]> = [];
	for (const pattern of options.keepPatterns ?? []) {
		for (const match of text.matchAll(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`))) {
			kept.push([match.index ?? 0, (match.index ?? 0) + match[0].length]);
		}
	}

	const ibanShaped = [...text.matchAll(IBAN_SHAPED)].map((match): [number, number] => [match.index ?? 0, (match.index ?? 0) + match[0].length]);

	// Order matters: stronger, checksummed types claim their text first.
	const candidates: Candidate[] = [
		...(wanted.has('EMAIL') ? findAll(text, EMAIL, 'EMAIL', () => true) : []),
		...(wanted.has('IBAN') ? findIbans(text) : []),
		...(wanted.has('CARD') ? findAll(text, CARD, 'CARD', (value) => passesLuhn(digitsOf(value))) : []),
		...(wanted.has('ID') ? findAll(text, SPANISH_ID, 'ID', (value) => isValidSpanishId(value)) : []),
		...(wanted.has('PASSPORT')
			? findAll(text, PASSPORT_CANDIDATE, 'PASSPORT', (value, start) => /[A-Z]/i.test(value) && nearContext(text, start, start + value.length))
			: []),
		...(wanted.has('ID')
			? findAll(text, /\b\d{8,9}\b/g, 'ID', (value, start) => nearContext(text, start, start + value.length))
			: []),
		...(wanted.has('PHONE')
			? findAll(text, PHONE, 'PHONE', (value, start) => {
					const digits = digitsOf(value);
					if (digits.length < 8 || digits.length > 15) return false;
					if (DATE_LIKE.test(value.trim())) return false;
					if (ibanShaped.some(([from, to]) => start < to && from < start + value.length)) return false;
					const international = /^(\+|00)/.test(value);
					const national = /^0\d/.test(value) && digits.length >= 9;
					// Spanish mobiles: nine digits starting with 6 or 7, written in groups.
					const spanishMobile = digits.length === 9 && /^[67]/.test(digits) && /[ .-]/.test(value);
					return international || national || spanishMobile || digits.length >= 10;
				})
			: []),
	];

	const accepted: Candidate[] = [];
	for (const candidate of candidates) {
		const overlapsKept = kept.some(([start, end]) => candidate.start < end && start < candidate.end);
		const overlapsAccepted = accepted.some((other) => candidate.start < other.end && other.start < candidate.end);
		if (!overlapsKept && !overlapsAccepted) accepted.push(candidate);
	}
	return accepted.sort((a, b) => a.start - b.start);
}

/** Replaces personal data with numbered placeholders ([EMAIL_1], [PHONE_1] …); the same value keeps its number. */
export function maskPii(text: string, options: MaskOptions = {}): MaskResult {
	const found = findPii(text, options);
	const counters: Partial<Record<PiiType, number>> = {};
	const byValue = new Map<string, string>();
	const entities: PiiEntity[] = [];
	const restoreMap: Record<string, string> = {};
	let masked = '';
	let cursor = 0;
	for (const candidate of found) {
		const value = text.slice(candidate.start, candidate.end);
		const key = `${candidate.type}:${value}`;
		let placeholder = byValue.get(key);
		if (!placeholder) {
			counters[candidate.type] = (counters[candidate.type] ?? 0) + 1;
			placeholder = `[${candidate.type}_${counters[candidate.type]}]`;
			byValue.set(key, placeholder);
			restoreMap[placeholder] = value;
		}
		masked += text.slice(cursor, candidate.start) + placeholder;
		cursor = candidate.end;
		entities.push({ ...candidate, value, placeholder });
	}
	masked += text.slice(cursor);
	return { masked, entities, restoreMap };
}

/** Puts the original values back (e.g. into a reply before it is sent to the customer). */
export function unmaskPii(text: string, restoreMap: Record<string, string>): string {
	return text.replace(/\[(EMAIL|PHONE|IBAN|CARD|PASSPORT|ID)_\d+\]/g, (placeholder) => restoreMap[placeholder] ?? placeholder);
}
