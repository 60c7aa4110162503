/**
 * Booking Reply: turns what a booking system answered (availability, a reservation, room types, or an
 * error) into the guest's message, or says that the answer cannot be trusted (Failed → a person).
 * Pure: the node maps the booking system's fields to `BookingAnswer` and sends the result on.
 */
import {
	ANY_ROOM,
	BOOKING_LANGUAGES,
	COUNT_WORDS,
	DEFAULT_BOOKING_TEXTS,
	type BookingLanguage,
	type BookingTextKind,
} from './texts';

export * from './texts';

export type BookingReplyKind = 'offer' | 'booked' | 'changeFound' | 'cancelFound' | 'changed' | 'cancelled' | 'rates' | 'tableOffer' | 'tableBooked';

export interface BookingRoom {
	id?: string;
	name?: string;
	available?: boolean;
	total?: number;
	rate?: number;
	weekendRate?: number;
	currency?: string;
}

export interface BookingAlternative {
	checkIn: string;
	checkOut: string;
	nights?: number;
	roomTypes?: BookingRoom[];
}

/** The booking system's answer, mapped to these names by the node's field parameters. */
export interface BookingAnswer {
	/** What the HTTP Request node's error output carried (`booking.error`), if the call failed. */
	error?: unknown;
	reference?: string;
	status?: string;
	/** The phone number the reservation was made with, to check it is the guest's own. */
	phone?: string;
	roomName?: string;
	checkIn?: string;
	checkOut?: string;
	nights?: number;
	guests?: number;
	total?: number;
	currency?: string;
	available?: boolean;
	rooms?: BookingRoom[];
	alternatives?: BookingAlternative[];
	/** Restaurant tables: the day (YYYY-MM-DD), the time (HH:MM), how many people, and in whose name. */
	date?: string;
	time?: string;
	partySize?: number;
	name?: string;
	/** Tables: false when the time is not a seating time at all (outside the opening hours). */
	open?: boolean;
	/** Tables: other free times that day, nearest first. */
	otherTimes?: string[];
}

export interface BookingReplyInput {
	kind: BookingReplyKind;
	answer: BookingAnswer;
	language: string;
	fallbackLanguage?: string;
	/** The form's values: the reference and new dates the guest gave, the room type asked. */
	form?: { values?: Record<string, unknown> };
	overrides?: BookingOverrides;
	/** The guest's phone number (WhatsApp id): a reservation made with another number goes to a person. */
	guestPhone?: string;
	/** How many alternatives to list (default 3); for tables, how many free times to list (default 5). */
	maxAlternatives?: number;
	/** Tables: the form field a tapped free time fills (buttons `form:<field>:<HH:MM>`); default `time`. */
	timeField?: string;
}

export type BookingOverrides = Partial<Record<BookingTextKind, Partial<Record<string, string>>>>;

export interface BookingGuestReply {
	text: string;
	language: BookingLanguage;
	source: 'booking';
	buttons?: Array<{ id: string; title: string }>;
}

/** What the reply is about, for the workflow and the tests. */
export type BookingReplyState =
	| 'offer'
	| 'unavailable'
	| 'booked'
	| 'found'
	| 'already_cancelled'
	| 'changed'
	| 'cancelled'
	| 'not_found'
	| 'rates';

export type BookingFailure = 'timeout' | 'server_error' | 'unreadable' | 'rejected' | 'unreachable' | 'not_owner';

export type BookingReplyResult =
	| { outcome: 'reply'; state: BookingReplyState; reply: BookingGuestReply }
	| { outcome: 'failed'; failure: BookingFailure; reason: string; language?: BookingLanguage };

export interface BookingError {
	failure: BookingFailure;
	status?: number;
	code?: string;
	body?: Record<string, unknown>;
	message: string;
}

const HTTP_ERROR = /^(\d{3}) - ([\s\S]*)$/;

function parseJsonish(text: string): unknown {
	try {
		let value: unknown = JSON.parse(text);
		// n8n writes the body as a JSON string inside the message: unwrap once more.
		if (typeof value === 'string') value = JSON.parse(value);
		return value;
	} catch {
		return undefined;
	}
}

/**
 * Reads what n8n's HTTP Request node puts in `error` on its error output: an object with `message`
 * ("404 - \"{…body…}\"", "timeout of 5000ms exceeded") or a plain string ("Invalid JSON in response body").
 */
export function readBookingError(error: unknown): BookingError | undefined {
	if (error === undefined || error === null || error === '' || error === false) return undefined;
	const record = typeof error === 'object' ? (error as Record<string, unknown>) : undefined;
	const message = String(record ? (record.message ?? record.description ?? JSON.stringify(record)) : error);
	const httpCode = record && typeof record.httpCode === 'string' ? Number(record.httpCode) : undefined;
	const match = HTTP_ERROR.exec(message);
	const status = match ? Number(match[1]) : httpCode;
	if (status !== undefined && !Number.isNaN(status)) {
		const parsed = match ? parseJsonish(match[2]) : undefined;
		const body = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
		const inner = body && typeof body.error === 'object' && body.error ? (body.error as Record<string, unknown>) : body;
		const code = typeof inner?.code === 'string' ? inner.code : undefined;
		return { failure: status >= 500 ? 'server_error' : 'rejected', status, code, body: inner, message: `HTTP ${status}${code ? ` ${code}` : ''}` };
	}
	if (/timeout|timed out|ETIMEDOUT|ESOCKETTIMEDOUT|ECONNABORTED/i.test(message)) return { failure: 'timeout', message: 'the booking system did not answer in time' };
	if (/JSON|unexpected token|parse/i.test(message)) return { failure: 'unreadable', message: 'the booking system sent an answer that could not be read' };
	if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|socket hang up/i.test(message)) return { failure: 'unreachable', message: 'the booking system could not be reached' };
	return { failure: 'unreachable', message: 'the booking system call failed' };
}

export function isBookingLanguage(language: string | undefined | null): language is BookingLanguage {
	return !!language && (BOOKING_LANGUAGES as readonly string[]).includes(language);
}

export function bookingText(kind: BookingTextKind, language: BookingLanguage, overrides: BookingOverrides = {}): string {
	const own = overrides[kind]?.[language];
	return own && own.trim() ? own : DEFAULT_BOOKING_TEXTS[kind][language];
}

function fill(template: string, values: Record<string, string>): string {
	return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? values[key] : whole));
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function formatStayDate(date: string | undefined, language: BookingLanguage): string {
	if (!date || !ISO_DATE.test(date)) return date ?? '?';
	return new Intl.DateTimeFormat(language, { weekday: 'short', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(new Date(`${date}T12:00:00Z`));
}

export function formatMoney(amount: number | undefined, currency: string | undefined, language: BookingLanguage): string {
	if (amount === undefined || !Number.isFinite(amount)) return '?';
	try {
		return new Intl.NumberFormat(language, { style: 'currency', currency: currency || 'EUR', maximumFractionDigits: Number.isInteger(amount) ? 0 : 2 }).format(amount);
	} catch {
		return `${amount} ${currency ?? ''}`.trim();
	}
}

function count(value: number | undefined, words: [string, string]): string {
	if (value === undefined || !Number.isFinite(value)) return '';
	return `${value} ${value === 1 ? words[0] : words[1]}`;
}

function nightsBetween(checkIn?: string, checkOut?: string): number | undefined {
	if (!checkIn || !checkOut || !ISO_DATE.test(checkIn) || !ISO_DATE.test(checkOut)) return undefined;
	return Math.round((Date.parse(checkOut) - Date.parse(checkIn)) / 86_400_000);
}

function range(value: unknown): { start?: string; end?: string } {
	return value && typeof value === 'object' ? (value as { start?: string; end?: string }) : {};
}

function buttons(language: BookingLanguage, overrides: BookingOverrides, ids: Array<'confirm' | 'change' | 'cancel'>) {
	return ids.map((id) => ({ id: `form:${id}`, title: bookingText(`${id}Button`, language, overrides).slice(0, 20) }));
}

function roomLine(room: BookingRoom, currency: string | undefined, language: BookingLanguage): string {
	return `• ${room.name ?? room.id ?? '?'}: ${formatMoney(room.total, room.currency ?? currency, language)}`;
}

function rateLine(room: BookingRoom, currency: string | undefined, language: BookingLanguage): string {
	const weekday = formatMoney(room.rate, room.currency ?? currency, language);
	const weekend =
		room.weekendRate !== undefined && room.weekendRate !== room.rate
			? ` (${COUNT_WORDS[language].weekend} ${formatMoney(room.weekendRate, room.currency ?? currency, language)})`
			: '';
	return `• ${room.name ?? room.id ?? '?'}: ${weekday}${weekend}`;
}

function alternativeLines(alternatives: BookingAlternative[], currency: string | undefined, language: BookingLanguage, limit: number): string {
	return alternatives
		.slice(0, limit)
		.map((alternative) => {
			const cheapest = [...(alternative.roomTypes ?? [])].filter((room) => room.total !== undefined).sort((a, b) => (a.total ?? 0) - (b.total ?? 0))[0];
			const price = cheapest ? `: ${cheapest.name ?? cheapest.id} ${formatMoney(cheapest.total, cheapest.currency ?? currency, language)}` : '';
			return `• ${formatStayDate(alternative.checkIn, language)} – ${formatStayDate(alternative.checkOut, language)}${price}`;
		})
		.join('\n');
}

/** Unknown on either side counts as the same: only a clear mismatch stops a change or cancellation. */
function samePhone(booked: string | undefined, guest: string | undefined): boolean {
	const digits = (value: string | undefined) => (value ?? '').replace(/\D/g, '');
	return !digits(booked) || !digits(guest) || digits(booked) === digits(guest);
}

function failedIn(language: BookingLanguage | undefined) {
	return (failure: BookingFailure, reason: string): BookingReplyResult => ({ outcome: 'failed', failure, reason, ...(language ? { language } : {}) });
}

/** Builds the guest's message for one booking-system answer, or Failed when a person must take over. */
export function buildBookingReply(input: BookingReplyInput): BookingReplyResult {
	const language: BookingLanguage = isBookingLanguage(input.language)
		? input.language
		: isBookingLanguage(input.fallbackLanguage)
			? input.fallbackLanguage
			: 'en';
	const overrides = input.overrides ?? {};
	const { answer, kind } = input;
	// Only a language the guest is known to speak goes to the handoff; not the fallback.
	const failed = failedIn(isBookingLanguage(input.language) ? input.language : undefined);
	const values = input.form?.values ?? {};
	const words = COUNT_WORDS[language];
	const text = (textKind: BookingTextKind, extra: Record<string, string> = {}, facts: BookingAnswer = answer) => {
		const nights = facts.nights ?? nightsBetween(facts.checkIn, facts.checkOut);
		return fill(bookingText(textKind, language, overrides), {
			reference: facts.reference ?? String(values.booking_ref ?? ''),
			room: facts.roomName ?? ANY_ROOM[language],
			checkIn: formatStayDate(facts.checkIn, language),
			checkOut: formatStayDate(facts.checkOut, language),
			nights: count(nights, words.night),
			guests: count(facts.guests, words.guest),
			total: formatMoney(facts.total, facts.currency, language),
			policy: bookingText('cancellationPolicy', language, overrides),
			...extra,
		});
	};
	const reply = (state: BookingReplyState, body: string, withButtons?: Array<'confirm' | 'change' | 'cancel'>): BookingReplyResult => ({
		outcome: 'reply',
		state,
		reply: { text: body, language, source: 'booking', ...(withButtons ? { buttons: buttons(language, overrides, withButtons) } : {}) },
	});
	const unavailable = (alternatives: BookingAlternative[], fromError?: Record<string, unknown>) => {
		const requested = range(values.stay ?? values.new_stay);
		const askedRoom = (answer.rooms ?? []).find((room) => room.id === values.room_type);
		const asked: BookingAnswer = {
			...answer,
			roomName: answer.roomName ?? askedRoom?.name,
			checkIn: answer.checkIn ?? requested.start,
			checkOut: answer.checkOut ?? requested.end,
			guests: answer.guests ?? (typeof values.guests === 'number' ? values.guests : undefined),
		};
		const others = (fromError?.otherRoomTypes as BookingRoom[] | undefined) ?? [];
		const lines = [
			alternativeLines(alternatives, answer.currency, language, input.maxAlternatives ?? 3),
			...others.filter((room) => room.name).map((room) => roomLine(room, answer.currency, language)),
		]
			.filter(Boolean)
			.join('\n');
		// Buttons only while a form is still confirming (an offer); after a create or change the form is over.
		return reply('unavailable', text(lines ? 'unavailable' : 'noAlternatives', { alternatives: lines }, asked), kind === 'offer' ? ['change', 'cancel'] : undefined);
	};

	const error = readBookingError(answer.error);
	if (kind === 'tableOffer' || kind === 'tableBooked') {
		// A table taken between the offer and the booking (409), or anything else refused, goes to a person.
		return error ? failed(error.failure, error.message) : buildTableReply(input, language, failed);
	}
	if (error) {
		if (error.status === 404 && kind !== 'offer' && kind !== 'rates' && kind !== 'booked') {
			return reply('not_found', text('notFound', { reference: String(values.booking_ref ?? answer.reference ?? '') }));
		}
		if (error.status === 409 && (kind === 'offer' || kind === 'booked' || kind === 'changed') && Array.isArray(error.body?.alternatives)) {
			return unavailable(error.body.alternatives as BookingAlternative[], error.body);
		}
		return failed(error.failure, error.message);
	}

	switch (kind) {
		case 'offer': {
			if (typeof answer.available !== 'boolean') return failed('unreadable', 'the availability answer has no "available" flag');
			if (!answer.available) return unavailable(Array.isArray(answer.alternatives) ? answer.alternatives : []);
			const free = (answer.rooms ?? []).filter((room) => room.available !== false && room.total !== undefined);
			if (!free.length) return failed('unreadable', 'the availability answer lists no free room with a price');
			const asked = typeof values.room_type === 'string' ? values.room_type : undefined;
			const chosen = free.find((room) => room.id === asked) ?? (free.length === 1 ? free[0] : undefined);
			if (chosen) {
				return reply('offer', text('offer', { room: chosen.name ?? chosen.id ?? ANY_ROOM[language], total: formatMoney(chosen.total, chosen.currency ?? answer.currency, language) }), ['confirm', 'change']);
			}
			const sorted = [...free].sort((a, b) => (a.total ?? 0) - (b.total ?? 0));
			const rooms = sorted.map((room) => roomLine(room, answer.currency, language)).join('\n');
			return reply('offer', text('offerChoice', { rooms, cheapest: sorted[0].name ?? sorted[0].id ?? ANY_ROOM[language] }), ['confirm', 'change']);
		}
		case 'booked':
		case 'changed': {
			if (!answer.reference || !answer.checkIn || !answer.checkOut) return failed('unreadable', 'the reservation answer has no reference or dates');
			return reply(kind, text(kind));
		}
		case 'changeFound':
		case 'cancelFound': {
			if (!answer.reference || !answer.checkIn) return failed('unreadable', 'the reservation answer has no reference or dates');
			if (!samePhone(answer.phone, input.guestPhone)) {
				return failed('not_owner', `booking ${answer.reference} was made with another phone number: check who is asking`);
			}
			if (answer.status === 'cancelled') return reply('already_cancelled', text('alreadyCancelled'));
			const next = range(values.new_stay ?? values.stay);
			return reply(
				'found',
				text(kind, { newCheckIn: formatStayDate(next.start, language), newCheckOut: formatStayDate(next.end, language) }),
				['confirm', 'change'],
			);
		}
		case 'cancelled': {
			if (!answer.reference) return failed('unreadable', 'the cancellation answer has no reference');
			if (answer.status && answer.status !== 'cancelled') return failed('unreadable', `the booking system answered status "${answer.status}" to a cancellation`);
			return reply('cancelled', text('cancelled'));
		}
		case 'rates': {
			const rooms = (answer.rooms ?? []).filter((room) => room.rate !== undefined);
			if (!rooms.length) return failed('unreadable', 'the room types answer lists no rates');
			return reply('rates', text('rates', { rooms: rooms.map((room) => rateLine(room, answer.currency, language)).join('\n') }));
		}
	}
	return failed('unreadable', `unknown reply kind "${String(kind)}"`);
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
/** WhatsApp allows three reply buttons. */
const MAX_TIME_BUTTONS = 3;

/**
 * Restaurant tables: the slot check (an offer with Confirm / Change, or the free times of that day as buttons
 * that fill the form's time field) and the booking (the confirmation with its reference).
 */
function buildTableReply(input: BookingReplyInput, language: BookingLanguage, failed: ReturnType<typeof failedIn>): BookingReplyResult {
	const overrides = input.overrides ?? {};
	const { answer, kind } = input;
	const values = input.form?.values ?? {};
	const valueText = (key: string) => (typeof values[key] === 'string' || typeof values[key] === 'number' ? String(values[key]) : undefined);
	const date = answer.date ?? valueText('date');
	const time = answer.time ?? valueText('time');
	const partySize = answer.partySize ?? (typeof values.guests === 'number' ? values.guests : undefined);
	const name = answer.name ?? valueText('name') ?? '';
	const text = (textKind: BookingTextKind, extra: Record<string, string> = {}) =>
		fill(bookingText(textKind, language, overrides), {
			date: formatStayDate(date, language),
			time: time ?? '?',
			people: count(partySize, COUNT_WORDS[language].person),
			name,
			reference: answer.reference ?? '',
			...extra,
		});
	const reply = (state: BookingReplyState, body: string, buttons?: Array<{ id: string; title: string }>): BookingReplyResult => ({
		outcome: 'reply',
		state,
		reply: { text: body, language, source: 'booking', ...(buttons?.length ? { buttons } : {}) },
	});

	if (kind === 'tableBooked') {
		if (!answer.reference || !answer.date || !answer.time) return failed('unreadable', 'the table reservation answer has no reference, date or time');
		if (answer.status && answer.status !== 'confirmed') return failed('unreadable', `the booking system answered status "${answer.status}" to a table booking`);
		return reply('booked', text('tableBooked'));
	}
	if (typeof answer.available !== 'boolean') return failed('unreadable', 'the table answer has no "available" flag');
	if (!date || !time || partySize === undefined) return failed('unreadable', 'the table answer and the form give no date, time or party size');
	if (answer.available) return reply('offer', text('tableOffer'), buttons(language, overrides, ['confirm', 'change']));
	const others = (answer.otherTimes ?? []).filter((each) => typeof each === 'string' && TIME.test(each));
	if (!others.length) return reply('unavailable', text('tableNoTimes'), buttons(language, overrides, ['change', 'cancel']));
	const field = input.timeField?.trim() || 'time';
	const times = others.slice(0, input.maxAlternatives ?? 5).join(', ');
	return reply(
		'unavailable',
		text(answer.open === false ? 'tableNotSeating' : 'tableFull', { times }),
		others.slice(0, MAX_TIME_BUTTONS).map((each) => ({ id: `form:${field}:${each}`, title: each })),
	);
}
