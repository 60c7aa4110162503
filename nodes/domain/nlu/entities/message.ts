/** Entities for one envelope message: which language, which reference time, which settings. */
import { SUPPORTED_LANGUAGES, type SupportedLanguage } from '../types';
import { extractEntities } from './extract';
import type { Entity, RoomTypeDefinition } from './types';

/**
 * When the message was written: `message.timestamp` as ISO text, or unix seconds (WhatsApp's raw
 * webhook) or milliseconds, as a number or a string of digits. Anything else (or nothing) is `now`.
 */
export function messageReferenceTime(timestamp: unknown, now: Date = new Date()): Date {
	if (typeof timestamp === 'number' || (typeof timestamp === 'string' && /^\s*\d+(?:\.\d+)?\s*$/.test(timestamp))) {
		const value = Number(timestamp);
		// Ten digits are seconds (until 2286); thirteen are milliseconds.
		const date = new Date(value < 1e11 ? value * 1000 : value);
		return Number.isNaN(date.getTime()) ? now : date;
	}
	if (typeof timestamp === 'string' && timestamp.trim()) {
		const date = new Date(timestamp);
		return Number.isNaN(date.getTime()) ? now : date;
	}
	if (timestamp instanceof Date && !Number.isNaN(timestamp.getTime())) return timestamp;
	return now;
}

export interface MessageEntityOptions {
	/** The detected language (`nlu.language`); the default language when it is not one of the five. */
	language: string;
	defaultLanguage: string;
	timestamp?: unknown;
	timeZone: string;
	roomTypes?: RoomTypeDefinition[];
	bookingReferencePattern?: string;
	now?: Date;
}

export function extractMessageEntities(text: string | undefined, options: MessageEntityOptions): Entity[] {
	if (typeof text !== 'string' || !text.trim()) return [];
	const isSupported = (value: string): value is SupportedLanguage => (SUPPORTED_LANGUAGES as readonly string[]).includes(value);
	const language = isSupported(options.language) ? options.language : isSupported(options.defaultLanguage) ? options.defaultLanguage : 'en';
	return extractEntities(text, {
		language,
		reference: messageReferenceTime(options.timestamp, options.now),
		timeZone: options.timeZone,
		roomTypes: options.roomTypes,
		bookingReferencePattern: options.bookingReferencePattern,
	});
}
