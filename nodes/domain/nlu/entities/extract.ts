/** The extractor itself; index.ts is the module's public face. */
import type { SupportedLanguage } from '../types';
import { assertTimeZone } from './calendar';
import { extractBookingReferences, extractEmails, extractPersonNames, extractPhones } from './contacts';
import { dateContext, extractDatesAndTimes, extractTimes } from './dates';
import { extractPartySize } from './party';
import { DEFAULT_ROOM_TYPES, extractRoomTypes } from './rooms';
import { MessageText, toEntity, type Candidate } from './spans';
import type { Entity, EntityExtractionOptions, EntityType } from './types';

const SUPPORTED = new Set<SupportedLanguage>(['en', 'nl', 'de', 'fr', 'es']);

/**
 * Reads the entities of one message. Throws only on bad options (an unknown time zone, an invalid
 * booking reference pattern); any text gives a list, `[]` when nothing is found.
 */
export function extractEntities(text: string, options: EntityExtractionOptions): Entity[] {
	if (typeof text !== 'string' || !text.trim()) return [];
	const language: SupportedLanguage = SUPPORTED.has(options.language) ? options.language : 'en';
	assertTimeZone(options.timeZone);
	const reference = Number.isNaN(options.reference?.getTime()) ? new Date() : options.reference;
	const wanted = options.types ? new Set<EntityType>(options.types) : undefined;
	const message = new MessageText(text);
	const dates = dateContext(language, reference, options.timeZone);

	// Order is the claim on the text: an e-mail's digits are not a phone, a phone's digits are not a date.
	const candidates: Candidate[] = [
		...extractEmails(message),
		...extractBookingReferences(message, options.bookingReferencePattern),
		...extractPhones(message, language),
		...extractPersonNames(message, language),
		...extractTimes(message, dates),
		...extractPartySize(message, language),
		...extractDatesAndTimes(message, dates),
		...extractRoomTypes(message, language, options.roomTypes ?? DEFAULT_ROOM_TYPES),
	];
	return candidates
		.filter((candidate) => !wanted || wanted.has(candidate.type))
		.sort((a, b) => a.start - b.start)
		.map((candidate) => toEntity(message, candidate));
}
