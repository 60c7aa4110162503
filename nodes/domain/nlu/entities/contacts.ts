/** E-mail addresses, booking references, phone numbers (libphonenumber-js) and names the guest gives. */
import { findPhoneNumbersInText, type CountryCode } from 'libphonenumber-js/max';

import { DEFAULT_BOOKING_REFERENCE } from '../../privacy/pii';
import type { SupportedLanguage } from '../types';
import { alternation, LEXICONS } from './lexicon';
import type { Candidate, MessageText } from './spans';

/** The pack's booking reference pattern (privacy/pii.ts keeps references out of PII masking with it too). */
export const DEFAULT_BOOKING_REFERENCE_PATTERN = DEFAULT_BOOKING_REFERENCE.source;

/** A national number ("06 12345678") is read in the country of the message's language. */
export const DEFAULT_PHONE_COUNTRY: Record<SupportedLanguage, CountryCode> = { en: 'GB', nl: 'NL', de: 'DE', fr: 'FR', es: 'ES' };

const EMAIL = /(?<![\w.+-])[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?![\w-])/giu;

export class BookingReferencePatternError extends Error {}

const referenceCache = new Map<string, RegExp>();

export function bookingReferenceRegExp(source: string | undefined): RegExp {
	const key = source?.trim() || DEFAULT_BOOKING_REFERENCE_PATTERN;
	let pattern = referenceCache.get(key);
	if (!pattern) {
		try {
			pattern = new RegExp(key, 'giu');
		} catch (error) {
			throw new BookingReferencePatternError(`The booking reference pattern is not a valid regular expression: ${(error as Error).message}`);
		}
		if (pattern.test('')) throw new BookingReferencePatternError('The booking reference pattern matches an empty text; it must match a reference such as BK-48213');
		referenceCache.set(key, pattern);
	}
	return pattern;
}

export function extractEmails(message: MessageText): Candidate[] {
	const found: Candidate[] = [];
	for (const match of message.original.matchAll(EMAIL)) {
		found.push({ type: 'email', value: match[0].toLowerCase(), start: match.index!, end: match.index! + match[0].length });
	}
	for (const candidate of found) message.take(candidate.start, candidate.end);
	return found;
}

export function extractBookingReferences(message: MessageText, patternSource: string | undefined): Candidate[] {
	const pattern = bookingReferenceRegExp(patternSource);
	const found: Candidate[] = [];
	pattern.lastIndex = 0;
	for (const match of message.original.matchAll(pattern)) {
		const start = match.index!;
		const end = start + match[0].length;
		if (!match[0] || !message.isFree(start, end)) continue;
		found.push({ type: 'booking_ref', value: match[0].toUpperCase(), start, end });
	}
	for (const candidate of found) message.take(candidate.start, candidate.end);
	return found;
}

export function extractPhones(message: MessageText, language: SupportedLanguage): Candidate[] {
	// "+31 (0)6 …": the trunk zero in brackets is written, not dialled
	const readable = message.original.replace(/(\+\d{1,3}\s*)\(0\)/g, (whole, prefix: string) => prefix + ' '.repeat(whole.length - prefix.length));
	const masked = [...readable].map((character, index) => (message.isFree(index, index + 1) ? character : ' ')).join('');
	const found: Candidate[] = [];
	for (const number of findPhoneNumbersInText(masked, { defaultCountry: DEFAULT_PHONE_COUNTRY[language] })) {
		if (!number.number.isValid()) continue;
		if (number.number.nationalNumber.length < 7) continue;
		found.push({ type: 'phone', value: number.number.number, start: number.startsAt, end: number.endsAt });
	}
	for (const candidate of found) message.take(candidate.start, candidate.end);
	return found;
}

const NAME_PARTICLES = new Set(['de', 'van', 'der', 'den', 'von', 'zu', 'du', 'del', 'la', 'le', 'da', 'di', 'dos', 'das', 'y', 'ten', 'ter', "d'", 'al', 'bin', 'el']);
const NAME_WORD = /^[\p{Lu}][\p{L}'’-]*$/u;
const nameLeadCache = new Map<SupportedLanguage, RegExp>();

/** A name after "my name is", "op naam van", "au nom de", "ich heiße", "a nombre de" …: capitalised words. */
export function extractPersonNames(message: MessageText, language: SupportedLanguage): Candidate[] {
	let leads = nameLeadCache.get(language);
	if (!leads) {
		const words = language === 'en' ? LEXICONS.en.nameLeads : [...LEXICONS[language].nameLeads, ...LEXICONS.en.nameLeads.filter((lead) => lead.includes('name'))];
		leads = new RegExp(`(?<![\\p{L}])(?:${alternation(words)})\\s*:?\\s+`, 'gu');
		nameLeadCache.set(language, leads);
	}
	const found: Candidate[] = [];
	leads.lastIndex = 0;
	let match: RegExpExecArray | null;
	while ((match = leads.exec(message.lower)) !== null) {
		// A lead with no name after it may hide a longer one that starts inside it ("reservation under the name of")
		const next = match.index + 1;
		let cursor = match.index + match[0].length;
		const words: Array<{ start: number; end: number; particle: boolean }> = [];
		while (words.length < 5) {
			const rest = message.original.slice(cursor);
			const word = /^([\p{L}'’-]+)/u.exec(rest);
			if (!word) break;
			const value = word[1];
			const particle = NAME_PARTICLES.has(value.toLowerCase()) && !NAME_WORD.test(value);
			if (!particle && !NAME_WORD.test(value)) break;
			if (words.length === 0 && particle) break;
			words.push({ start: cursor, end: cursor + value.length, particle });
			const space = /^[ \t]+/.exec(message.original.slice(cursor + value.length));
			if (!space) break;
			cursor += value.length + space[0].length;
		}
		while (words.length && words[words.length - 1].particle) words.pop();
		if (!words.length) {
			leads.lastIndex = next;
			continue;
		}
		const start = words[0].start;
		const end = words[words.length - 1].end;
		if (!message.isFree(start, end) || found.some((other) => other.start === start)) continue;
		found.push({ type: 'person_name', value: message.original.slice(start, end), start, end });
	}
	for (const candidate of found) message.take(candidate.start, candidate.end);
	return found;
}
