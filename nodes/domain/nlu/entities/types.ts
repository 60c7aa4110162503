/**
 * What the entity extractor finds in a guest's message (`nlu.entities`), and how it is asked.
 * This file is the contract between the extractor (nlu/entities) and its users (the Conversation
 * Form in dialog/, the Intent Classifier node, the booking workflows).
 */
import type { SupportedLanguage } from '../types';

export type EntityType =
	| 'date'
	| 'date_range'
	| 'time'
	| 'nights'
	| 'party_size'
	| 'room_type'
	| 'email'
	| 'phone'
	| 'booking_ref'
	| 'person_name';

export const ENTITY_TYPES: readonly EntityType[] = [
	'date',
	'date_range',
	'time',
	'nights',
	'party_size',
	'room_type',
	'email',
	'phone',
	'booking_ref',
	'person_name',
];

/** `YYYY-MM-DD`, a calendar day in the business time zone. */
export type IsoDate = string;

export interface DateRangeValue {
	start: IsoDate;
	end: IsoDate;
}

/**
 * The normalised value per type:
 * date → `YYYY-MM-DD`; date_range → { start, end }; time → `HH:MM` (24 h); nights and party_size →
 * integer; room_type → a catalog id; email → lower-cased; phone → E.164; booking_ref → as configured
 * (upper-cased); person_name → the name as written.
 */
export type EntityValue = string | number | DateRangeValue;

export interface Entity {
	type: EntityType;
	value: EntityValue;
	/** The characters of the message the entity was read from. */
	text: string;
	/** Offsets into the message text: `text === message.slice(start, end)`. */
	start: number;
	end: number;
}

export interface RoomTypeDefinition {
	/** The id the booking system knows, e.g. `double`. */
	id: string;
	/** Words and phrases per language that name it ("double room", "tweepersoonskamer", "Doppelzimmer"). */
	synonyms: Partial<Record<SupportedLanguage, string[]>>;
}

export interface EntityExtractionOptions {
	/** The message language; decides date words, number words and the phone number's default country. */
	language: SupportedLanguage;
	/** When the message was written (its WhatsApp timestamp). Relative dates resolve against it. */
	reference: Date;
	/** IANA zone of the business, e.g. `Europe/Amsterdam`: "today" is the business's today. */
	timeZone: string;
	/** Room catalog; defaults to single, double, twin, family and suite. */
	roomTypes?: RoomTypeDefinition[];
	/** Booking reference pattern (a regular expression source); defaults to the pack's pattern. */
	bookingReferencePattern?: string;
	/** Only these types are returned (all when absent). */
	types?: EntityType[];
}
