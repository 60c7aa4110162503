// A booking-system sandbox on 127.0.0.1 (a small hotel PMS plus a restaurant table book), for tests and
// the `npm start` demo. The shipped workflows call it with n8n's HTTP Request node and a Header Auth
// credential, so a hotel can point them at its own PMS instead (README: "Connecting your own PMS").
//
// Every route answers JSON and needs the key (header X-Booking-Key: <key>, or Authorization: Bearer <key>),
// except GET /health.
//   GET    /room-types                                       room types with nightly rates
//   GET    /availability?checkIn&checkOut&guests[&roomType][&currency]
//                                                            per room type: available, roomsLeft, nightly rates,
//                                                            total; nearest alternative dates when unavailable
//   POST   /reservations                                     create (Idempotency-Key header honoured) → 201
//   GET    /reservations?phone=|email=                       a guest's reservations
//   GET    /reservations/{ref}                               one reservation
//   PATCH  /reservations/{ref}                               change dates, guests or room type
//   POST   /reservations/{ref}/cancel, DELETE /reservations/{ref}
//   GET    /restaurant/slots?date[&time]&partySize           is the slot free; other free times that day
//   POST   /restaurant/reservations                          book a table → 201
//   GET    /restaurant/reservations/{ref}
//   POST   /restaurant/reservations/{ref}/cancel, DELETE /restaurant/reservations/{ref}
//   PUT|POST /admin/seed   replace the whole state;   POST /admin/reset   back to the start seed
//   POST   /admin/fail     fail the next calls (timeout, delay, 5xx, garbage);   DELETE /admin/fail
//   GET    /admin/reservations   everything booked, cancelled ones included
//
// Requests are handled one at a time once their body has arrived (Node's single thread, no await between
// the availability check and the booking), so two creates for the last room never both succeed.
// Dates follow the clock: "today" is the current date in the hotel's time zone, and seed files may write
// dates as `today`, `today+14` or `today-3`.

import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

// ---- Public types -----------------------------------------------------------------------------

export interface RoomTypeSeed {
	id: string;
	name: string;
	/**
	 * The name in other languages, by language code (`nl`, `de` …). The API answers in the first language of the
	 * request's `Accept-Language` it has a name for, as many property-management systems do; `name` otherwise.
	 */
	names?: Record<string, string>;
	maxOccupancy: number;
	/** Rooms of this type; what is sellable each night unless `inventory` says otherwise. */
	rooms: number;
	/** Nightly rate per currency, e.g. { EUR: 129 }. */
	rates: Record<string, number>;
	/** Nightly rate for Friday and Saturday nights, per currency; default `rates`. */
	weekendRates?: Record<string, number>;
}

/** Rooms in total (booked ones included) for a room type on the nights from `from` up to, not including, `to`. */
export interface InventorySeed {
	roomType: string;
	from: string;
	/** Exclusive; default the night after `from`. */
	to?: string;
	rooms: number;
}

export interface ReservationSeed {
	reference?: string;
	roomType: string;
	checkIn: string;
	checkOut: string;
	guests: number;
	name: string;
	phone?: string;
	email?: string;
	notes?: string;
	status?: 'confirmed' | 'cancelled';
}

export interface OpeningPeriod {
	/** First seating, HH:MM. */
	open: string;
	/** Last seating, HH:MM. */
	lastSeating: string;
}

export interface RestaurantSeed {
	/** Table id → seats. */
	tables: Array<{ id: string; seats: number }>;
	openingHours: OpeningPeriod[];
	/** ISO weekdays (1 = Monday … 7 = Sunday) the restaurant is closed. */
	closedWeekdays?: number[];
	closedDates?: string[];
	/** Grid of seating times; default 30. */
	slotMinutes?: number;
	/** How long a table stays taken; default 120. */
	sittingMinutes?: number;
	/** Seating times fully booked (a private event, say); `time` omitted blocks the whole day. */
	blockedSlots?: Array<{ date: string; time?: string }>;
	reservations?: RestaurantReservationSeed[];
	/** How many days ahead tables can be booked; default 90. */
	horizonDays?: number;
}

export interface RestaurantReservationSeed {
	reference?: string;
	date: string;
	time: string;
	partySize: number;
	name: string;
	phone?: string;
	email?: string;
	notes?: string;
	status?: 'confirmed' | 'cancelled';
}

export interface BookingSeed {
	hotelName?: string;
	/** IANA time zone of the hotel; "today" is taken there. Default Europe/Amsterdam. */
	timeZone?: string;
	/** Default currency; default EUR. */
	currency?: string;
	/** Nights sellable from today; default 365. */
	horizonDays?: number;
	/** Longest stay; default 30 nights. */
	maxNights?: number;
	roomTypes: RoomTypeSeed[];
	inventory?: InventorySeed[];
	reservations?: ReservationSeed[];
	restaurant?: RestaurantSeed;
}

export interface NightlyRate {
	date: string;
	amount: number;
}

export interface Reservation {
	reference: string;
	status: 'confirmed' | 'cancelled';
	roomType: string;
	roomTypeName: string;
	checkIn: string;
	checkOut: string;
	nights: number;
	guests: number;
	name: string;
	phone?: string;
	email?: string;
	notes?: string;
	currency: string;
	total: number;
	nightlyRates: NightlyRate[];
	createdAt: string;
	updatedAt: string;
	cancelledAt?: string;
}

export interface RestaurantReservation {
	reference: string;
	status: 'confirmed' | 'cancelled';
	date: string;
	time: string;
	partySize: number;
	table: string;
	name: string;
	phone?: string;
	email?: string;
	notes?: string;
	createdAt: string;
	updatedAt: string;
	cancelledAt?: string;
}

export type FailureMode = 'timeout' | 'delay' | 'error' | 'garbage';

export interface BookingFailureRule {
	/** timeout: never answer; delay: handle, then answer after delayMs; error: a 5xx; garbage: 200 with an unreadable body. */
	mode: FailureMode;
	/** How many matching calls fail; default 1. */
	times?: number;
	/** Which calls: "POST /reservations", "/availability" (any method), or a path prefix; default every non-admin call. */
	route?: string;
	/** For 'error'; default 503. */
	status?: number;
	/** For 'delay'; default 10000. */
	delayMs?: number;
}

export interface BookingRequestRecord {
	method: string;
	path: string;
	status: number;
	durationMs: number;
	timestamp: string;
	/** The failure mode applied, if any. */
	failure?: FailureMode;
}

export interface BookingSandboxOptions {
	/** 0 (default) picks a free port. */
	port?: number;
	host?: '127.0.0.1';
	/** Accepted keys; default ['demo-booking-key']. */
	apiKeys?: string[];
	/** The state to start from (and to go back to on reset); default defaultBookingSeed(). */
	seed?: BookingSeed;
	/** The clock; default the system clock. */
	now?: () => Date;
	/**
	 * Keep the seeded data a constant distance ahead when the clock moves on (as `npm start` does): each
	 * whole week the clock has moved since the seed was loaded, the seed's own reservations that nobody
	 * changed or cancelled, its inventory overrides (the full weekend), blocked slots and closed dates move
	 * on by that week, so "BK-48213 in two weeks" stays two weeks ahead. Reservations made through the API
	 * never move. Default false: a seed's dates stay where they are.
	 */
	followClock?: boolean;
	/** Called after every answered request (no bodies, no keys). */
	onRequest?: (record: BookingRequestRecord) => void;
	maxBodyBytes?: number;
}

export interface BookingSandbox {
	readonly baseUrl: string;
	readonly port: number;
	/** The header the key goes in. */
	readonly keyHeader: string;
	reservations(): Reservation[];
	reservation(reference: string): Reservation | undefined;
	restaurantReservations(): RestaurantReservation[];
	/** Rooms still free of a type on one night. */
	roomsLeft(roomType: string, date: string): number;
	/** Today in the hotel's time zone (YYYY-MM-DD). */
	today(): string;
	requests(): BookingRequestRecord[];
	/** Replaces the state; throws on a bad seed. */
	seed(seed: BookingSeed): void;
	/** Back to the seed the sandbox started with; clears failures, idempotency keys and the request log. */
	reset(): void;
	failNext(rule: BookingFailureRule): void;
	close(): Promise<void>;
}

export const BOOKING_KEY_HEADER = 'X-Booking-Key';
export const DEFAULT_BOOKING_KEY = 'demo-booking-key';

// ---- Dates ------------------------------------------------------------------------------------

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const relativeDatePattern = /^today\s*(?:([+-])\s*(\d{1,4}))?$/i;
const timePattern = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DAY_MS = 86_400_000;

function isRealDate(value: string): boolean {
	const match = datePattern.exec(value);
	if (!match) return false;
	const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
	return date.toISOString().slice(0, 10) === value;
}

export function addDays(date: string, days: number): string {
	return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
	return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** ISO weekday, 1 = Monday … 7 = Sunday. */
function isoWeekday(date: string): number {
	const day = new Date(`${date}T00:00:00Z`).getUTCDay();
	return day === 0 ? 7 : day;
}

/** The calendar date and time of day at `now` in a time zone. */
export function localDateTime(now: Date, timeZone: string): { date: string; minutes: number } {
	const parts = new Intl.DateTimeFormat('en-CA', {
		timeZone,
		year: 'numeric',
		month: '2-digit',
		day: '2-digit',
		hour: '2-digit',
		minute: '2-digit',
		hourCycle: 'h23',
	}).formatToParts(now);
	const part = (type: string) => parts.find((candidate) => candidate.type === type)?.value ?? '00';
	return { date: `${part('year')}-${part('month')}-${part('day')}`, minutes: Number(part('hour')) * 60 + Number(part('minute')) };
}

function minutesOf(time: string): number {
	const [hours, minutes] = time.split(':').map(Number);
	return hours * 60 + minutes;
}

function timeOf(minutes: number): string {
	return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** A seed date: YYYY-MM-DD, `today`, `today+N` or `today-N`. */
function resolveSeedDate(value: unknown, today: string, where: string): string {
	if (typeof value !== 'string') throw new SeedError(`${where}: a date is required (YYYY-MM-DD or today+N)`);
	const relative = relativeDatePattern.exec(value.trim());
	if (relative) return addDays(today, relative[1] ? Number(`${relative[1]}${relative[2]}`) : 0);
	if (!isRealDate(value)) throw new SeedError(`${where}: '${value}' is not a date (YYYY-MM-DD or today+N)`);
	return value;
}

// ---- Default demo data ------------------------------------------------------------------------

/**
 * The demo state, relative to today in the hotel's time zone: five room types sellable for a year, one
 * fully booked weekend (the Friday and Saturday nights of the first weekend at least three weeks ahead),
 * three reservations with fixed references two to five weeks ahead (none on the full weekend), and a restaurant whose coming Saturday
 * 20:00 seating is full.
 */
export function defaultBookingSeed(now: Date = new Date(), timeZone = 'Europe/Amsterdam'): BookingSeed {
	const today = localDateTime(now, timeZone).date;
	const fullFriday = addDays(today, 21 + ((5 - isoWeekday(addDays(today, 21)) + 7) % 7));
	const comingSaturday = addDays(today, ((6 - isoWeekday(today) + 7) % 7) || 7);
	const roomTypes: RoomTypeSeed[] = [
		{ id: 'single', name: 'Single room', names: { nl: 'Eenpersoonskamer', de: 'Einzelzimmer', fr: 'Chambre simple', es: 'Habitación individual' }, maxOccupancy: 1, rooms: 6, rates: { EUR: 89 }, weekendRates: { EUR: 99 } },
		{ id: 'double', name: 'Double room', names: { nl: 'Tweepersoonskamer', de: 'Doppelzimmer', fr: 'Chambre double', es: 'Habitación doble' }, maxOccupancy: 2, rooms: 12, rates: { EUR: 129 }, weekendRates: { EUR: 149 } },
		{ id: 'twin', name: 'Twin room', names: { nl: 'Twin-kamer (twee aparte bedden)', de: 'Zweibettzimmer', fr: 'Chambre twin (deux lits)', es: 'Habitación twin (dos camas)' }, maxOccupancy: 2, rooms: 6, rates: { EUR: 129 }, weekendRates: { EUR: 149 } },
		{ id: 'family', name: 'Family room', names: { nl: 'Familiekamer', de: 'Familienzimmer', fr: 'Chambre familiale', es: 'Habitación familiar' }, maxOccupancy: 4, rooms: 4, rates: { EUR: 189 }, weekendRates: { EUR: 219 } },
		{ id: 'suite', name: 'Suite', maxOccupancy: 3, rooms: 2, rates: { EUR: 259 }, weekendRates: { EUR: 299 } },
	];
	return {
		hotelName: 'Sandbox Hotel',
		timeZone,
		currency: 'EUR',
		horizonDays: 365,
		maxNights: 30,
		roomTypes,
		inventory: roomTypes.map((roomType) => ({ roomType: roomType.id, from: fullFriday, to: addDays(fullFriday, 2), rooms: 0 })),
		reservations: [
			{ reference: 'BK-48213', roomType: 'double', checkIn: addDays(today, 14), checkOut: addDays(today, 16), guests: 2, name: 'Jonas Weber', phone: '+4915112345678', email: 'jonas.weber@example.com' },
			{ reference: 'BK-51762', roomType: 'family', checkIn: addDays(fullFriday, 7), checkOut: addDays(fullFriday, 10), guests: 4, name: 'Anneke de Vries', phone: '+31612345678', email: 'anneke@example.com' },
			{ reference: 'BK-30958', roomType: 'suite', checkIn: addDays(fullFriday, 12), checkOut: addDays(fullFriday, 14), guests: 2, name: 'Claire Dubois', phone: '+33612345678', email: 'claire.dubois@example.com' },
		],
		restaurant: {
			tables: [
				{ id: 'T1', seats: 2 },
				{ id: 'T2', seats: 2 },
				{ id: 'T3', seats: 2 },
				{ id: 'T4', seats: 4 },
				{ id: 'T5', seats: 4 },
				{ id: 'T6', seats: 4 },
				{ id: 'T7', seats: 6 },
				{ id: 'T8', seats: 8 },
			],
			openingHours: [
				{ open: '12:00', lastSeating: '14:00' },
				{ open: '18:00', lastSeating: '21:30' },
			],
			slotMinutes: 30,
			sittingMinutes: 120,
			horizonDays: 90,
			blockedSlots: [{ date: comingSaturday, time: '20:00' }],
			reservations: [{ reference: 'RT-20417', date: comingSaturday, time: '19:00', partySize: 4, name: 'Lucía García', phone: '+34612345678' }],
		},
	};
}

// ---- Errors and replies -----------------------------------------------------------------------

class SeedError extends Error {}

interface Reply {
	status: number;
	body: unknown;
	headers?: Record<string, string>;
}

function problem(status: number, code: string, message: string, extra: Record<string, unknown> = {}): Reply {
	return { status, body: { error: { status, code, message, ...extra } } };
}

class Rejection extends Error {
	constructor(readonly reply: Reply) {
		super((reply.body as { error: { message: string } }).error.message);
	}
}

function reject(status: number, code: string, message: string, extra: Record<string, unknown> = {}): never {
	throw new Rejection(problem(status, code, message, extra));
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const round2 = (value: number) => Math.round(value * 100) / 100;

// ---- Parsing request fields -------------------------------------------------------------------

function requiredDate(source: Record<string, unknown>, field: string): string {
	const value = source[field];
	if (value === undefined || value === null || value === '') reject(400, 'missing_field', `${field} is required (YYYY-MM-DD)`, { field });
	if (typeof value !== 'string' || !isRealDate(value)) reject(400, 'invalid_date', `${field} must be a date as YYYY-MM-DD, got '${String(value)}'`, { field });
	return value;
}

function requiredTime(source: Record<string, unknown>, field: string): string {
	const value = source[field];
	if (value === undefined || value === null || value === '') reject(400, 'missing_field', `${field} is required (HH:MM, 24 h)`, { field });
	if (typeof value !== 'string' || !timePattern.test(value)) reject(400, 'invalid_time', `${field} must be a time as HH:MM (24 h), got '${String(value)}'`, { field });
	return value;
}

/** A whole number; numeric strings count, because HTTP Request nodes and query strings send text. */
function integerField(source: Record<string, unknown>, field: string, required: boolean): number | undefined {
	const value = source[field];
	if (value === undefined || value === null || value === '') {
		if (required) reject(400, 'missing_field', `${field} is required (a whole number)`, { field });
		return undefined;
	}
	const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
	if (!Number.isInteger(number)) reject(400, 'invalid_number', `${field} must be a whole number, got '${String(value)}'`, { field });
	return number;
}

function optionalText(source: Record<string, unknown>, field: string, maxLength = 200): string | undefined {
	const value = source[field];
	if (value === undefined || value === null || value === '') return undefined;
	if (typeof value !== 'string') reject(400, 'invalid_field', `${field} must be text`, { field });
	const trimmed = value.trim();
	if (trimmed.length > maxLength) reject(400, 'invalid_field', `${field} is longer than ${maxLength} characters`, { field });
	return trimmed || undefined;
}

function requiredText(source: Record<string, unknown>, field: string): string {
	const value = optionalText(source, field);
	if (value === undefined) reject(400, 'missing_field', `${field} is required`, { field });
	return value;
}

function contactFields(source: Record<string, unknown>): { phone?: string; email?: string } {
	const phone = optionalText(source, 'phone', 40);
	if (phone !== undefined && !/^\+?[\d\s().-]{5,30}$/.test(phone)) reject(400, 'invalid_phone', `phone '${phone}' is not a phone number`, { field: 'phone' });
	const email = optionalText(source, 'email', 254)?.toLowerCase();
	if (email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) reject(400, 'invalid_email', `email '${email}' is not an e-mail address`, { field: 'email' });
	return { phone, email };
}

// ---- The state --------------------------------------------------------------------------------

interface NormalisedRestaurant {
	tables: Array<{ id: string; seats: number }>;
	openingHours: Array<{ open: number; lastSeating: number }>;
	closedWeekdays: Set<number>;
	closedDates: Set<string>;
	slotMinutes: number;
	sittingMinutes: number;
	horizonDays: number;
	blocked: Set<string>;
}

interface State {
	hotelName: string;
	timeZone: string;
	currency: string;
	horizonDays: number;
	maxNights: number;
	roomTypes: Map<string, RoomTypeSeed>;
	/** roomType → date → rooms in total that night (overrides `rooms`). */
	inventory: Map<string, Map<string, number>>;
	reservations: Map<string, Reservation>;
	restaurant: NormalisedRestaurant;
	tableReservations: Map<string, RestaurantReservation>;
}

const referencePattern = /^(BK|RT)-\d{5}$/;

function validTimeZone(timeZone: string): boolean {
	try {
		new Intl.DateTimeFormat('en', { timeZone });
		return true;
	} catch {
		return false;
	}
}

function positiveInteger(value: unknown, where: string, allowZero = false): number {
	if (typeof value !== 'number' || !Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
		throw new SeedError(`${where} must be a whole number${allowZero ? ' ≥ 0' : ' ≥ 1'}`);
	}
	return value;
}

function namesOf(value: unknown, where: string): Record<string, string> | undefined {
	if (value === undefined) return undefined;
	if (!isObject(value)) throw new SeedError(`${where} must map language codes to names, e.g. { "nl": "Tweepersoonskamer" }`);
	return Object.fromEntries(
		Object.entries(value).map(([code, name]) => {
			if (typeof name !== 'string' || !name.trim()) throw new SeedError(`${where}.${code} must be a name`);
			return [code.toLowerCase(), name.trim()];
		}),
	);
}

// ---- The server -------------------------------------------------------------------------------

export async function startBookingSandbox(options: BookingSandboxOptions = {}): Promise<BookingSandbox> {
	const now = options.now ?? (() => new Date());
	const keyDigests = (options.apiKeys ?? [DEFAULT_BOOKING_KEY]).map((key) => createHash('sha256').update(key).digest());
	const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
	const startSeed = options.seed ?? defaultBookingSeed(now());

	let state: State;
	/** References that came from the seed, and the day it was loaded (or last moved on): see `followClock`. */
	let seededReferences = new Set<string>();
	/** Seeded references a guest changed or cancelled: they stay where the guest put them. */
	let touchedReferences = new Set<string>();
	let anchorDay = '';
	function adopt(next: State): void {
		state = next;
		seededReferences = new Set([...next.reservations.keys(), ...next.tableReservations.keys()]);
		touchedReferences = new Set();
		anchorDay = todayOf(next.timeZone);
	}
	try {
		adopt(buildState(startSeed));
	} catch (error) {
		throw new Error(`booking sandbox seed: ${error instanceof Error ? error.message : String(error)}`);
	}
	let failures: Array<BookingFailureRule & { remaining: number }> = [];
	/** Idempotency-Key → the request it was first used for and the reply it got. */
	let idempotency = new Map<string, { fingerprint: string; reply: Reply }>();
	let records: BookingRequestRecord[] = [];
	/** Responses held open by 'timeout' failures, ended on reset and close. */
	const held = new Set<http.ServerResponse>();
	const timers = new Set<NodeJS.Timeout>();
	let closed = false;

	function todayOf(timeZone = state.timeZone): string {
		return localDateTime(now(), timeZone).date;
	}

	/** Moves the untouched seeded data on by the whole weeks the clock has moved (`followClock`). */
	function followTheClock(): void {
		if (!options.followClock) return;
		const weeks = Math.floor(daysBetween(anchorDay, todayOf()) / 7);
		if (weeks < 1) return;
		const shift = weeks * 7;
		anchorDay = addDays(anchorDay, shift);
		const untouched = (reference: string, entry: { status: string }) => seededReferences.has(reference) && !touchedReferences.has(reference) && entry.status === 'confirmed';
		for (const [reference, reservation] of state.reservations) {
			if (!untouched(reference, reservation)) continue;
			state.reservations.set(reference, {
				...reservation,
				checkIn: addDays(reservation.checkIn, shift),
				checkOut: addDays(reservation.checkOut, shift),
				// Whole weeks keep every night on its weekday, so the rates stay the same.
				nightlyRates: reservation.nightlyRates.map((rate) => ({ ...rate, date: addDays(rate.date, shift) })),
			});
		}
		for (const [reference, reservation] of state.tableReservations) {
			if (untouched(reference, reservation)) state.tableReservations.set(reference, { ...reservation, date: addDays(reservation.date, shift) });
		}
		for (const [roomType, nights] of state.inventory) {
			state.inventory.set(roomType, new Map([...nights].map(([night, rooms]) => [addDays(night, shift), rooms])));
		}
		const moved = (key: string) => `${addDays(key.slice(0, 10), shift)}${key.slice(10)}`;
		state.restaurant = { ...state.restaurant, blocked: new Set([...state.restaurant.blocked].map(moved)), closedDates: new Set([...state.restaurant.closedDates].map(moved)) };
	}

	function buildState(seed: BookingSeed): State {
		if (!isObject(seed)) throw new SeedError('the seed must be a JSON object');
		const timeZone = seed.timeZone ?? 'Europe/Amsterdam';
		if (!validTimeZone(timeZone)) throw new SeedError(`timeZone '${timeZone}' is not an IANA time zone`);
		const today = localDateTime(now(), timeZone).date;
		const currency = (seed.currency ?? 'EUR').toUpperCase();
		const next: State = {
			hotelName: seed.hotelName ?? 'Sandbox Hotel',
			timeZone,
			currency,
			horizonDays: seed.horizonDays === undefined ? 365 : positiveInteger(seed.horizonDays, 'horizonDays'),
			maxNights: seed.maxNights === undefined ? 30 : positiveInteger(seed.maxNights, 'maxNights'),
			roomTypes: new Map(),
			inventory: new Map(),
			reservations: new Map(),
			restaurant: normaliseRestaurant(seed.restaurant, today),
			tableReservations: new Map(),
		};
		if (!Array.isArray(seed.roomTypes) || seed.roomTypes.length === 0) throw new SeedError('roomTypes: at least one room type is required');
		for (const [index, roomType] of seed.roomTypes.entries()) {
			const where = `roomTypes[${index}]`;
			if (!isObject(roomType) || typeof roomType.id !== 'string' || !/^[\w-]{1,40}$/.test(roomType.id)) throw new SeedError(`${where}.id must be a short identifier`);
			if (next.roomTypes.has(roomType.id)) throw new SeedError(`${where}: room type '${roomType.id}' is listed twice`);
			positiveInteger(roomType.maxOccupancy, `${where}.maxOccupancy`);
			positiveInteger(roomType.rooms, `${where}.rooms`, true);
			if (!isObject(roomType.rates) || Object.keys(roomType.rates).length === 0) throw new SeedError(`${where}.rates must map currencies to nightly rates, e.g. { "EUR": 129 }`);
			const normaliseRates = (rates: Record<string, number>, field: string) =>
				Object.fromEntries(
					Object.entries(rates).map(([code, amount]) => {
						if (typeof amount !== 'number' || !(amount >= 0)) throw new SeedError(`${where}.${field}.${code} must be an amount ≥ 0`);
						return [code.toUpperCase(), amount];
					}),
				);
			next.roomTypes.set(roomType.id, {
				id: roomType.id,
				name: typeof roomType.name === 'string' && roomType.name ? roomType.name : roomType.id,
				names: namesOf(roomType.names, `${where}.names`),
				maxOccupancy: roomType.maxOccupancy,
				rooms: roomType.rooms,
				rates: normaliseRates(roomType.rates, 'rates'),
				weekendRates: isObject(roomType.weekendRates) ? normaliseRates(roomType.weekendRates, 'weekendRates') : undefined,
			});
			next.inventory.set(roomType.id, new Map());
		}
		for (const [index, entry] of (seed.inventory ?? []).entries()) {
			const where = `inventory[${index}]`;
			if (!isObject(entry) || !next.roomTypes.has(entry.roomType)) throw new SeedError(`${where}.roomType must be one of ${[...next.roomTypes.keys()].join(', ')}`);
			const from = resolveSeedDate(entry.from, today, `${where}.from`);
			const to = entry.to === undefined ? addDays(from, 1) : resolveSeedDate(entry.to, today, `${where}.to`);
			if (to <= from) throw new SeedError(`${where}: to must be after from`);
			const rooms = positiveInteger(entry.rooms, `${where}.rooms`, true);
			for (let night = from; night < to; night = addDays(night, 1)) next.inventory.get(entry.roomType)!.set(night, rooms);
		}
		const stamp = now().toISOString();
		for (const [index, entry] of (seed.reservations ?? []).entries()) {
			const where = `reservations[${index}]`;
			if (!isObject(entry)) throw new SeedError(`${where} must be an object`);
			const roomType = next.roomTypes.get(entry.roomType);
			if (!roomType) throw new SeedError(`${where}.roomType must be one of ${[...next.roomTypes.keys()].join(', ')}`);
			const checkIn = resolveSeedDate(entry.checkIn, today, `${where}.checkIn`);
			const checkOut = resolveSeedDate(entry.checkOut, today, `${where}.checkOut`);
			if (checkOut <= checkIn) throw new SeedError(`${where}: checkOut must be after checkIn`);
			const guests = positiveInteger(entry.guests, `${where}.guests`);
			if (guests > roomType.maxOccupancy) throw new SeedError(`${where}: ${guests} guests do not fit a ${roomType.id} (max ${roomType.maxOccupancy})`);
			if (typeof entry.name !== 'string' || !entry.name.trim()) throw new SeedError(`${where}.name is required`);
			const reference = entry.reference ?? newReference('BK', next.reservations);
			if (!referencePattern.test(reference) || !reference.startsWith('BK-')) throw new SeedError(`${where}.reference '${reference}' must look like BK-12345`);
			if (next.reservations.has(reference)) throw new SeedError(`${where}: reference ${reference} is used twice`);
			const status = entry.status ?? 'confirmed';
			if (status === 'confirmed') {
				for (let night = checkIn; night < checkOut; night = addDays(night, 1)) {
					if (freeRooms(next, roomType.id, night, today) < 1) throw new SeedError(`${where}: no ${roomType.id} left on ${night} for ${reference}`);
				}
			}
			const price = priceOf(roomType, checkIn, checkOut, next.currency);
			next.reservations.set(reference, {
				reference,
				status,
				roomType: roomType.id,
				roomTypeName: roomType.name,
				checkIn,
				checkOut,
				nights: daysBetween(checkIn, checkOut),
				guests,
				name: entry.name.trim(),
				phone: entry.phone,
				email: entry.email?.toLowerCase(),
				notes: entry.notes,
				currency: next.currency,
				total: price?.total ?? 0,
				nightlyRates: price?.nightlyRates ?? [],
				createdAt: stamp,
				updatedAt: stamp,
				...(status === 'cancelled' ? { cancelledAt: stamp } : {}),
			});
		}
		for (const [index, entry] of (seed.restaurant?.reservations ?? []).entries()) {
			const where = `restaurant.reservations[${index}]`;
			if (!isObject(entry)) throw new SeedError(`${where} must be an object`);
			const date = resolveSeedDate(entry.date, today, `${where}.date`);
			if (typeof entry.time !== 'string' || !timePattern.test(entry.time)) throw new SeedError(`${where}.time must be HH:MM`);
			const partySize = positiveInteger(entry.partySize, `${where}.partySize`);
			if (typeof entry.name !== 'string' || !entry.name.trim()) throw new SeedError(`${where}.name is required`);
			const reference = entry.reference ?? newReference('RT', next.tableReservations);
			if (!referencePattern.test(reference) || !reference.startsWith('RT-')) throw new SeedError(`${where}.reference '${reference}' must look like RT-12345`);
			if (next.tableReservations.has(reference)) throw new SeedError(`${where}: reference ${reference} is used twice`);
			const status = entry.status ?? 'confirmed';
			let table = '';
			if (status === 'confirmed') {
				const found = freeTable(next, date, minutesOf(entry.time), partySize);
				if (!found) throw new SeedError(`${where}: no table for ${partySize} free on ${date} at ${entry.time}`);
				table = found.id;
			}
			next.tableReservations.set(reference, {
				reference,
				status,
				date,
				time: entry.time,
				partySize,
				table,
				name: entry.name.trim(),
				phone: entry.phone,
				email: entry.email?.toLowerCase(),
				notes: entry.notes,
				createdAt: stamp,
				updatedAt: stamp,
				...(status === 'cancelled' ? { cancelledAt: stamp } : {}),
			});
		}
		return next;
	}

	function normaliseRestaurant(seed: RestaurantSeed | undefined, today: string): NormalisedRestaurant {
		const restaurant = seed ?? defaultBookingSeed(now()).restaurant!;
		if (!isObject(restaurant)) throw new SeedError('restaurant must be an object');
		if (!Array.isArray(restaurant.tables) || restaurant.tables.length === 0) throw new SeedError('restaurant.tables: at least one table is required');
		const tableIds = new Set<string>();
		const tables = restaurant.tables.map((table, index) => {
			if (!isObject(table) || typeof table.id !== 'string' || !table.id) throw new SeedError(`restaurant.tables[${index}].id is required`);
			if (tableIds.has(table.id)) throw new SeedError(`restaurant.tables[${index}]: table '${table.id}' is listed twice`);
			tableIds.add(table.id);
			return { id: table.id, seats: positiveInteger(table.seats, `restaurant.tables[${index}].seats`) };
		});
		tables.sort((a, b) => a.seats - b.seats || a.id.localeCompare(b.id));
		if (!Array.isArray(restaurant.openingHours) || restaurant.openingHours.length === 0) throw new SeedError('restaurant.openingHours: at least one period is required');
		const openingHours = restaurant.openingHours.map((period, index) => {
			if (!isObject(period) || typeof period.open !== 'string' || !timePattern.test(period.open) || typeof period.lastSeating !== 'string' || !timePattern.test(period.lastSeating)) {
				throw new SeedError(`restaurant.openingHours[${index}] needs open and lastSeating as HH:MM`);
			}
			if (period.lastSeating < period.open) throw new SeedError(`restaurant.openingHours[${index}]: lastSeating is before open`);
			return { open: minutesOf(period.open), lastSeating: minutesOf(period.lastSeating) };
		});
		const slotMinutes = restaurant.slotMinutes === undefined ? 30 : positiveInteger(restaurant.slotMinutes, 'restaurant.slotMinutes');
		const blocked = new Set<string>();
		for (const [index, slot] of (restaurant.blockedSlots ?? []).entries()) {
			const date = resolveSeedDate(slot?.date, today, `restaurant.blockedSlots[${index}].date`);
			if (slot.time !== undefined && !timePattern.test(slot.time)) throw new SeedError(`restaurant.blockedSlots[${index}].time must be HH:MM`);
			blocked.add(slot.time === undefined ? date : `${date} ${slot.time}`);
		}
		return {
			tables,
			openingHours,
			closedWeekdays: new Set(restaurant.closedWeekdays ?? []),
			closedDates: new Set((restaurant.closedDates ?? []).map((date, index) => resolveSeedDate(date, today, `restaurant.closedDates[${index}]`))),
			slotMinutes,
			sittingMinutes: restaurant.sittingMinutes === undefined ? 120 : positiveInteger(restaurant.sittingMinutes, 'restaurant.sittingMinutes'),
			horizonDays: restaurant.horizonDays === undefined ? 90 : positiveInteger(restaurant.horizonDays, 'restaurant.horizonDays'),
			blocked,
		};
	}

	function newReference(prefix: 'BK' | 'RT', taken: Map<string, unknown>): string {
		for (;;) {
			const reference = `${prefix}-${randomInt(10000, 100000)}`;
			if (!taken.has(reference)) return reference;
		}
	}

	// ---- Hotel arithmetic ----

	/** Rooms in total that night: the inventory override, else the room count inside the horizon, else 0. */
	function capacity(current: State, roomType: string, night: string, today: string): number {
		const override = current.inventory.get(roomType)?.get(night);
		if (override !== undefined) return override;
		const offset = daysBetween(today, night);
		return offset >= 0 && offset < current.horizonDays ? (current.roomTypes.get(roomType)?.rooms ?? 0) : 0;
	}

	function booked(current: State, roomType: string, night: string, except?: string): number {
		let count = 0;
		for (const reservation of current.reservations.values()) {
			if (reservation.status !== 'confirmed' || reservation.roomType !== roomType || reservation.reference === except) continue;
			if (reservation.checkIn <= night && night < reservation.checkOut) count++;
		}
		return count;
	}

	function freeRooms(current: State, roomType: string, night: string, today: string, except?: string): number {
		return Math.max(0, capacity(current, roomType, night, today) - booked(current, roomType, night, except));
	}

	function nightsOf(checkIn: string, checkOut: string): string[] {
		const nights: string[] = [];
		for (let night = checkIn; night < checkOut; night = addDays(night, 1)) nights.push(night);
		return nights;
	}

	function priceOf(roomType: RoomTypeSeed, checkIn: string, checkOut: string, currency: string): { nightlyRates: NightlyRate[]; total: number } | undefined {
		const base = roomType.rates[currency];
		if (base === undefined) return undefined;
		const nightlyRates = nightsOf(checkIn, checkOut).map((date) => {
			const weekday = isoWeekday(date);
			const weekend = weekday === 5 || weekday === 6;
			return { date, amount: round2(weekend ? (roomType.weekendRates?.[currency] ?? base) : base) };
		});
		return { nightlyRates, total: round2(nightlyRates.reduce((sum, night) => sum + night.amount, 0)) };
	}

	function roomsLeftFor(roomType: string, checkIn: string, checkOut: string, except?: string): number {
		const today = todayOf();
		return Math.min(...nightsOf(checkIn, checkOut).map((night) => freeRooms(state, roomType, night, today, except)));
	}

	function quote(roomType: RoomTypeSeed, checkIn: string, checkOut: string, guests: number, currency: string, except?: string) {
		const roomsLeft = roomsLeftFor(roomType.id, checkIn, checkOut, except);
		const fits = guests <= roomType.maxOccupancy;
		const price = priceOf(roomType, checkIn, checkOut, currency);
		return {
			id: roomType.id,
			name: roomType.name,
			maxOccupancy: roomType.maxOccupancy,
			available: fits && roomsLeft > 0 && price !== undefined,
			...(fits ? {} : { reason: 'occupancy' }),
			...(fits && roomsLeft === 0 ? { reason: 'sold_out' } : {}),
			roomsLeft,
			currency,
			nightlyRates: price?.nightlyRates ?? [],
			total: price?.total ?? null,
		};
	}

	/** Same-length stays starting within ±7 days, nearest first (earlier first on a tie), with what is free then. */
	function alternatives(checkIn: string, nights: number, guests: number, currency: string, roomTypeId?: string, except?: string) {
		const today = todayOf();
		const found: Array<{ checkIn: string; checkOut: string; nights: number; roomTypes: Array<{ id: string; name: string; roomsLeft: number; total: number | null; currency: string }> }> = [];
		for (let distance = 1; distance <= 7 && found.length < 3; distance++) {
			for (const offset of [-distance, distance]) {
				const start = addDays(checkIn, offset);
				if (start < today || found.length >= 3) continue;
				const end = addDays(start, nights);
				const free = [...state.roomTypes.values()]
					.map((roomType) => quote(roomType, start, end, guests, currency, except))
					.filter((candidate) => candidate.available)
					.map(({ id, name, roomsLeft, total }) => ({ id, name, roomsLeft, total, currency }));
				if (roomTypeId ? free.some((candidate) => candidate.id === roomTypeId) : free.length > 0) {
					if (roomTypeId) free.sort((a, b) => Number(b.id === roomTypeId) - Number(a.id === roomTypeId));
					found.push({ checkIn: start, checkOut: end, nights, roomTypes: free });
				}
			}
		}
		return found;
	}

	/** Checks a stay's dates and party; throws a 4xx Rejection with a message a workflow can show or log. */
	function checkStay(checkIn: string, checkOut: string, guests: number, roomType?: RoomTypeSeed): void {
		const today = todayOf();
		if (checkOut <= checkIn) reject(422, 'invalid_dates', `checkOut (${checkOut}) must be after checkIn (${checkIn})`, { field: 'checkOut' });
		if (checkIn < today) reject(422, 'date_in_past', `checkIn ${checkIn} is in the past (today is ${today} in ${state.timeZone})`, { field: 'checkIn' });
		const nights = daysBetween(checkIn, checkOut);
		if (nights > state.maxNights) reject(422, 'stay_too_long', `a stay is at most ${state.maxNights} nights, asked ${nights}`, { field: 'checkOut' });
		if (daysBetween(today, checkIn) >= state.horizonDays) reject(422, 'beyond_horizon', `bookings open ${state.horizonDays} days ahead; ${checkIn} is later`, { field: 'checkIn' });
		const largest = Math.max(...[...state.roomTypes.values()].map((candidate) => candidate.maxOccupancy));
		if (guests < 1) reject(422, 'invalid_party_size', `guests must be at least 1, got ${guests}`, { field: 'guests' });
		if (roomType && guests > roomType.maxOccupancy) {
			reject(422, 'invalid_party_size', `a ${roomType.name} sleeps at most ${roomType.maxOccupancy}, asked ${guests}`, { field: 'guests', maxOccupancy: roomType.maxOccupancy });
		}
		if (guests > largest) reject(422, 'invalid_party_size', `the largest room sleeps ${largest}, asked ${guests}; book several rooms`, { field: 'guests', maxOccupancy: largest });
	}

	function roomTypeField(source: Record<string, unknown>, required: boolean): RoomTypeSeed | undefined {
		const value = source.roomType;
		if (value === undefined || value === null || value === '') {
			if (required) reject(400, 'missing_field', `roomType is required (one of ${[...state.roomTypes.keys()].join(', ')})`, { field: 'roomType' });
			return undefined;
		}
		const roomType = typeof value === 'string' ? state.roomTypes.get(value.trim().toLowerCase()) ?? state.roomTypes.get(value.trim()) : undefined;
		if (!roomType) reject(422, 'unknown_room_type', `unknown roomType '${String(value)}'; one of ${[...state.roomTypes.keys()].join(', ')}`, { field: 'roomType' });
		return roomType;
	}

	function currencyField(source: Record<string, unknown>): string {
		const value = source.currency;
		if (value === undefined || value === '') return state.currency;
		if (typeof value !== 'string' || !/^[A-Za-z]{3}$/.test(value)) reject(400, 'invalid_currency', `currency must be a 3-letter code, got '${String(value)}'`, { field: 'currency' });
		const currency = value.toUpperCase();
		if (![...state.roomTypes.values()].some((roomType) => roomType.rates[currency] !== undefined)) {
			reject(422, 'unknown_currency', `no rates in ${currency}`, { field: 'currency' });
		}
		return currency;
	}

	// ---- Restaurant arithmetic ----

	function isOpenSlot(current: State, date: string, minutes: number): boolean {
		const restaurant = current.restaurant;
		if (restaurant.closedWeekdays.has(isoWeekday(date)) || restaurant.closedDates.has(date)) return false;
		return restaurant.openingHours.some((period) => minutes >= period.open && minutes <= period.lastSeating && (minutes - period.open) % restaurant.slotMinutes === 0);
	}

	function slotTimes(current: State, date: string): number[] {
		const times = new Set<number>();
		for (const period of current.restaurant.openingHours) {
			for (let minutes = period.open; minutes <= period.lastSeating; minutes += current.restaurant.slotMinutes) {
				if (isOpenSlot(current, date, minutes)) times.add(minutes);
			}
		}
		return [...times].sort((a, b) => a - b);
	}

	/** The smallest table that seats the party and is free for the whole sitting. */
	function freeTable(current: State, date: string, minutes: number, partySize: number, except?: string): { id: string; seats: number } | undefined {
		const restaurant = current.restaurant;
		if (restaurant.blocked.has(date) || restaurant.blocked.has(`${date} ${timeOf(minutes)}`)) return undefined;
		const taken = new Set<string>();
		for (const reservation of current.tableReservations.values()) {
			if (reservation.status !== 'confirmed' || reservation.date !== date || reservation.reference === except) continue;
			const start = minutesOf(reservation.time);
			if (start < minutes + restaurant.sittingMinutes && minutes < start + restaurant.sittingMinutes) taken.add(reservation.table);
		}
		return restaurant.tables.find((table) => table.seats >= partySize && !taken.has(table.id));
	}

	function freeTimes(date: string, partySize: number): string[] {
		const today = localDateTime(now(), state.timeZone);
		return slotTimes(state, date)
			.filter((minutes) => !(date === today.date && minutes <= today.minutes))
			.filter((minutes) => freeTable(state, date, minutes, partySize) !== undefined)
			.map(timeOf);
	}

	function checkTableRequest(date: string, time: string | undefined, partySize: number): void {
		const local = localDateTime(now(), state.timeZone);
		if (date < local.date) reject(422, 'date_in_past', `${date} is in the past (today is ${local.date} in ${state.timeZone})`, { field: 'date' });
		if (daysBetween(local.date, date) >= state.restaurant.horizonDays) reject(422, 'beyond_horizon', `tables can be booked ${state.restaurant.horizonDays} days ahead; ${date} is later`, { field: 'date' });
		if (time !== undefined && date === local.date && minutesOf(time) <= local.minutes) reject(422, 'time_in_past', `${time} today has passed`, { field: 'time' });
		const largest = Math.max(...state.restaurant.tables.map((table) => table.seats));
		if (partySize < 1) reject(422, 'invalid_party_size', `partySize must be at least 1, got ${partySize}`, { field: 'partySize' });
		if (partySize > largest) reject(422, 'invalid_party_size', `the largest table seats ${largest}, asked ${partySize}; call the restaurant for groups`, { field: 'partySize', maxPartySize: largest });
	}

	function openingHoursOf(date: string): Array<{ open: string; lastSeating: string }> {
		const restaurant = state.restaurant;
		if (restaurant.closedWeekdays.has(isoWeekday(date)) || restaurant.closedDates.has(date)) return [];
		return restaurant.openingHours.map((period) => ({ open: timeOf(period.open), lastSeating: timeOf(period.lastSeating) }));
	}

	// ---- Routes ----

	function findReservation(reference: string): Reservation {
		const found = state.reservations.get(reference.toUpperCase());
		if (!found) reject(404, 'not_found', `no reservation with reference ${reference}`);
		return found;
	}

	function findTableReservation(reference: string): RestaurantReservation {
		const found = state.tableReservations.get(reference.toUpperCase());
		if (!found) reject(404, 'not_found', `no restaurant reservation with reference ${reference}`);
		return found;
	}

	function bodyObject(body: unknown): Record<string, unknown> {
		if (!isObject(body)) reject(400, 'invalid_body', 'the request body must be a JSON object');
		return body;
	}

	function getAvailability(query: Record<string, string>): Reply {
		const checkIn = requiredDate(query, 'checkIn');
		const checkOut = requiredDate(query, 'checkOut');
		const guests = integerField(query, 'guests', false) ?? 1;
		const roomType = roomTypeField(query, false);
		const currency = currencyField(query);
		checkStay(checkIn, checkOut, guests, roomType);
		const nights = daysBetween(checkIn, checkOut);
		const quotes = (roomType ? [roomType] : [...state.roomTypes.values()]).map((candidate) => quote(candidate, checkIn, checkOut, guests, currency));
		const available = quotes.some((candidate) => candidate.available);
		const cheapest = quotes.filter((candidate) => candidate.available).sort((a, b) => (a.total ?? 0) - (b.total ?? 0))[0];
		const body: Record<string, unknown> = { checkIn, checkOut, nights, guests, currency, available, roomTypes: quotes, cheapest: cheapest ?? null };
		if (roomType && !available) {
			body.otherRoomTypes = [...state.roomTypes.values()]
				.filter((candidate) => candidate.id !== roomType.id)
				.map((candidate) => quote(candidate, checkIn, checkOut, guests, currency))
				.filter((candidate) => candidate.available);
		}
		body.alternatives = available ? [] : alternatives(checkIn, nights, guests, currency, roomType?.id);
		return { status: 200, body };
	}

	function createReservation(body: unknown): Reply {
		const input = bodyObject(body);
		const roomType = roomTypeField(input, true)!;
		const checkIn = requiredDate(input, 'checkIn');
		const checkOut = requiredDate(input, 'checkOut');
		const guests = integerField(input, 'guests', true)!;
		const name = requiredText(input, 'name');
		const contact = contactFields(input);
		const notes = optionalText(input, 'notes', 1000);
		checkStay(checkIn, checkOut, guests, roomType);
		if (roomsLeftFor(roomType.id, checkIn, checkOut) < 1) {
			const nights = daysBetween(checkIn, checkOut);
			const otherRoomTypes = [...state.roomTypes.values()]
				.filter((candidate) => candidate.id !== roomType.id)
				.map((candidate) => quote(candidate, checkIn, checkOut, guests, state.currency))
				.filter((candidate) => candidate.available)
				.map(({ id, name: typeName, roomsLeft, total }) => ({ id, name: typeName, roomsLeft, total, currency: state.currency }));
			reject(409, 'no_availability', `no ${roomType.name} free for ${checkIn} → ${checkOut}`, {
				otherRoomTypes,
				alternatives: alternatives(checkIn, nights, guests, state.currency, roomType.id),
			});
		}
		const price = priceOf(roomType, checkIn, checkOut, state.currency);
		const stamp = now().toISOString();
		const reservation: Reservation = {
			reference: newReference('BK', state.reservations),
			status: 'confirmed',
			roomType: roomType.id,
			roomTypeName: roomType.name,
			checkIn,
			checkOut,
			nights: daysBetween(checkIn, checkOut),
			guests,
			name,
			...contact,
			...(notes ? { notes } : {}),
			currency: state.currency,
			total: price?.total ?? 0,
			nightlyRates: price?.nightlyRates ?? [],
			createdAt: stamp,
			updatedAt: stamp,
		};
		state.reservations.set(reservation.reference, reservation);
		return { status: 201, body: reservation, headers: { location: `/reservations/${reservation.reference}` } };
	}

	function changeReservation(reference: string, body: unknown): Reply {
		const current = findReservation(reference);
		const input = bodyObject(body);
		if (current.status === 'cancelled') reject(409, 'cancelled', `reservation ${current.reference} is cancelled and cannot be changed`);
		const known = new Set(['checkIn', 'checkOut', 'guests', 'roomType', 'name', 'phone', 'email', 'notes']);
		const unknown = Object.keys(input).filter((key) => !known.has(key));
		if (unknown.length > 0) reject(400, 'unknown_field', `cannot change ${unknown.join(', ')}; changeable: ${[...known].join(', ')}`);
		const roomType = roomTypeField(input, false) ?? state.roomTypes.get(current.roomType)!;
		const checkIn = input.checkIn === undefined ? current.checkIn : requiredDate(input, 'checkIn');
		const checkOut = input.checkOut === undefined ? current.checkOut : requiredDate(input, 'checkOut');
		const guests = integerField(input, 'guests', false) ?? current.guests;
		const name = input.name === undefined ? current.name : requiredText(input, 'name');
		const contact = contactFields(input);
		const notes = optionalText(input, 'notes', 1000);
		const stayChanged = checkIn !== current.checkIn || checkOut !== current.checkOut || roomType.id !== current.roomType || guests !== current.guests;
		if (stayChanged) {
			// An unchanged stay already under way (check-in in the past) may still change its guest details.
			checkStay(checkIn, checkOut, guests, roomType);
			// Its own rooms count as free: moving a stay by a night needs only the new night.
			if (roomsLeftFor(roomType.id, checkIn, checkOut, current.reference) < 1) {
				reject(409, 'no_availability', `no ${roomType.name} free for ${checkIn} → ${checkOut}; the reservation is unchanged`, {
					alternatives: alternatives(checkIn, daysBetween(checkIn, checkOut), guests, current.currency, roomType.id, current.reference),
				});
			}
		}
		const price = stayChanged ? priceOf(roomType, checkIn, checkOut, current.currency) : { total: current.total, nightlyRates: current.nightlyRates };
		const updated: Reservation = {
			...current,
			roomType: roomType.id,
			roomTypeName: roomType.name,
			checkIn,
			checkOut,
			nights: daysBetween(checkIn, checkOut),
			guests,
			name,
			phone: contact.phone ?? current.phone,
			email: contact.email ?? current.email,
			notes: notes ?? current.notes,
			total: price?.total ?? current.total,
			nightlyRates: price?.nightlyRates ?? current.nightlyRates,
			updatedAt: now().toISOString(),
		};
		state.reservations.set(updated.reference, updated);
		touchedReferences.add(updated.reference);
		return { status: 200, body: updated };
	}

	function cancelReservation(reference: string): Reply {
		const current = findReservation(reference);
		if (current.status === 'cancelled') return { status: 200, body: current };
		const stamp = now().toISOString();
		const cancelled: Reservation = { ...current, status: 'cancelled', cancelledAt: stamp, updatedAt: stamp };
		state.reservations.set(cancelled.reference, cancelled);
		touchedReferences.add(cancelled.reference);
		return { status: 200, body: cancelled };
	}

	function listReservations(query: Record<string, string>): Reply {
		const phoneDigits = query.phone?.replace(/\D/g, '');
		const email = query.email?.trim().toLowerCase();
		if (!phoneDigits && !email) reject(400, 'missing_field', 'give phone or email to look reservations up (GET /admin/reservations lists all)');
		const found = [...state.reservations.values()].filter(
			(reservation) => (phoneDigits && reservation.phone?.replace(/\D/g, '') === phoneDigits) || (email && reservation.email === email),
		);
		return { status: 200, body: { reservations: found } };
	}

	function getSlots(query: Record<string, string>): Reply {
		const date = requiredDate(query, 'date');
		const time = query.time === undefined || query.time === '' ? undefined : requiredTime(query, 'time');
		const partySize = integerField(query, 'partySize', true)!;
		checkTableRequest(date, time, partySize);
		const times = freeTimes(date, partySize);
		const body: Record<string, unknown> = { date, partySize, openingHours: openingHoursOf(date), freeTimes: times };
		if (time !== undefined) {
			body.time = time;
			body.open = isOpenSlot(state, date, minutesOf(time));
			body.available = times.includes(time);
			body.otherTimes = nearestFirst(times.filter((candidate) => candidate !== time), time);
		}
		return { status: 200, body };
	}

	function nearestFirst(times: string[], around: string): string[] {
		const target = minutesOf(around);
		return [...times].sort((a, b) => Math.abs(minutesOf(a) - target) - Math.abs(minutesOf(b) - target) || a.localeCompare(b));
	}

	function createTableReservation(body: unknown): Reply {
		const input = bodyObject(body);
		const date = requiredDate(input, 'date');
		const time = requiredTime(input, 'time');
		const partySize = integerField(input, 'partySize', true)!;
		const name = requiredText(input, 'name');
		const contact = contactFields(input);
		const notes = optionalText(input, 'notes', 1000);
		checkTableRequest(date, time, partySize);
		if (!isOpenSlot(state, date, minutesOf(time))) {
			reject(422, 'closed', `no seating at ${time} on ${date}`, { field: 'time', openingHours: openingHoursOf(date), freeTimes: nearestFirst(freeTimes(date, partySize), time) });
		}
		const table = freeTable(state, date, minutesOf(time), partySize);
		if (!table) reject(409, 'slot_full', `no table for ${partySize} free on ${date} at ${time}`, { freeTimes: nearestFirst(freeTimes(date, partySize), time) });
		const stamp = now().toISOString();
		const reservation: RestaurantReservation = {
			reference: newReference('RT', state.tableReservations),
			status: 'confirmed',
			date,
			time,
			partySize,
			table: table.id,
			name,
			...contact,
			...(notes ? { notes } : {}),
			createdAt: stamp,
			updatedAt: stamp,
		};
		state.tableReservations.set(reservation.reference, reservation);
		return { status: 201, body: reservation, headers: { location: `/restaurant/reservations/${reservation.reference}` } };
	}

	function cancelTableReservation(reference: string): Reply {
		const current = findTableReservation(reference);
		if (current.status === 'cancelled') return { status: 200, body: current };
		const stamp = now().toISOString();
		const cancelled: RestaurantReservation = { ...current, status: 'cancelled', cancelledAt: stamp, updatedAt: stamp };
		state.tableReservations.set(cancelled.reference, cancelled);
		touchedReferences.add(cancelled.reference);
		return { status: 200, body: cancelled };
	}

	function roomTypesReply(query: Record<string, string>): Reply {
		const currency = currencyField(query);
		return {
			status: 200,
			body: {
				hotelName: state.hotelName,
				timeZone: state.timeZone,
				today: todayOf(),
				currency,
				roomTypes: [...state.roomTypes.values()].map((roomType) => ({
					id: roomType.id,
					name: roomType.name,
					maxOccupancy: roomType.maxOccupancy,
					rooms: roomType.rooms,
					currency,
					rate: roomType.rates[currency] ?? null,
					weekendRate: roomType.weekendRates?.[currency] ?? roomType.rates[currency] ?? null,
				})),
			},
		};
	}

	function seedFromRequest(body: unknown): Reply {
		try {
			adopt(buildState(body as BookingSeed));
		} catch (error) {
			if (error instanceof SeedError) return problem(400, 'invalid_seed', error.message);
			throw error;
		}
		idempotency = new Map();
		return { status: 200, body: summary() };
	}

	function summary() {
		return {
			today: todayOf(),
			timeZone: state.timeZone,
			roomTypes: state.roomTypes.size,
			reservations: state.reservations.size,
			restaurantReservations: state.tableReservations.size,
			tables: state.restaurant.tables.length,
		};
	}

	function addFailure(rule: unknown): BookingFailureRule & { remaining: number } {
		if (!isObject(rule)) throw new SeedError('the failure rule must be a JSON object');
		const mode = rule.mode;
		if (mode !== 'timeout' && mode !== 'delay' && mode !== 'error' && mode !== 'garbage') throw new SeedError(`mode must be timeout, delay, error or garbage, got '${String(mode)}'`);
		const times = rule.times === undefined ? 1 : rule.times;
		if (typeof times !== 'number' || !Number.isInteger(times) || times < 1) throw new SeedError('times must be a whole number ≥ 1');
		if (rule.route !== undefined && (typeof rule.route !== 'string' || !rule.route.trim())) throw new SeedError('route must be text such as "POST /reservations"');
		const status = rule.status === undefined ? 503 : rule.status;
		if (typeof status !== 'number' || status < 500 || status > 599) throw new SeedError('status must be a 5xx code');
		const delayMs = rule.delayMs === undefined ? 10_000 : rule.delayMs;
		if (typeof delayMs !== 'number' || delayMs < 0) throw new SeedError('delayMs must be ≥ 0');
		const added = { mode: mode as FailureMode, times, route: rule.route as string | undefined, status, delayMs, remaining: times };
		failures.push(added);
		return added;
	}

	function takeFailure(method: string, path: string): BookingFailureRule | undefined {
		const index = failures.findIndex((rule) => {
			if (!rule.route) return true;
			const [first, second] = rule.route.trim().split(/\s+/);
			const [routeMethod, routePath] = second === undefined ? [undefined, first] : [first.toUpperCase(), second];
			return (routeMethod === undefined || routeMethod === method) && (path === routePath || path.startsWith(routePath.endsWith('/') ? routePath : `${routePath}/`));
		});
		if (index < 0) return undefined;
		const rule = failures[index];
		rule.remaining--;
		if (rule.remaining <= 0) failures.splice(index, 1);
		return rule;
	}

	/** Runs a write with its Idempotency-Key: a repeat with the same body gets the first reply again. */
	function idempotent(key: string | undefined, method: string, path: string, body: unknown, run: () => Reply): Reply {
		if (!key) return run();
		if (key.length > 200) return problem(400, 'invalid_idempotency_key', 'Idempotency-Key is longer than 200 characters');
		const fingerprint = createHash('sha256').update(`${method} ${path} ${JSON.stringify(body ?? null)}`).digest('hex');
		const previous = idempotency.get(key);
		if (previous) {
			if (previous.fingerprint !== fingerprint) return problem(422, 'idempotency_key_reused', 'this Idempotency-Key was used for a different request');
			return { ...previous.reply, headers: { ...previous.reply.headers, 'idempotent-replayed': 'true' } };
		}
		const reply = run();
		// Only answers that changed something are remembered; a rejected call may be retried with the same key.
		if (reply.status < 300) {
			idempotency.set(key, { fingerprint, reply });
			// Bounded for a long-running demo: the oldest keys go first.
			if (idempotency.size > 20_000) idempotency.delete(idempotency.keys().next().value!);
		}
		return reply;
	}

	function route(method: string, url: URL, body: unknown, idempotencyKey: string | undefined): Reply {
		followTheClock();
		const path = url.pathname.replace(/\/+$/, '') || '/';
		const query = Object.fromEntries(url.searchParams);
		const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
		const allow = (methods: string[]) => {
			if (!methods.includes(method)) reject(405, 'method_not_allowed', `${method} is not allowed on ${path}; use ${methods.join(' or ')}`);
		};
		switch (segments[0]) {
			case 'room-types':
				if (segments.length === 1) {
					allow(['GET']);
					return roomTypesReply(query);
				}
				break;
			case 'availability':
				if (segments.length === 1) {
					allow(['GET']);
					return getAvailability(query);
				}
				break;
			case 'reservations':
				if (segments.length === 1) {
					allow(['GET', 'POST']);
					return method === 'GET' ? listReservations(query) : idempotent(idempotencyKey, method, path, body, () => createReservation(body));
				}
				if (segments.length === 2) {
					allow(['GET', 'PATCH', 'DELETE']);
					if (method === 'GET') return { status: 200, body: findReservation(segments[1]) };
					if (method === 'PATCH') return idempotent(idempotencyKey, method, path, body, () => changeReservation(segments[1], body));
					return cancelReservation(segments[1]);
				}
				if (segments.length === 3 && segments[2] === 'cancel') {
					allow(['POST']);
					return cancelReservation(segments[1]);
				}
				break;
			case 'restaurant':
				if (segments[1] === 'slots' && segments.length === 2) {
					allow(['GET']);
					return getSlots(query);
				}
				if (segments[1] === 'reservations') {
					if (segments.length === 2) {
						allow(['POST']);
						return idempotent(idempotencyKey, method, path, body, () => createTableReservation(body));
					}
					if (segments.length === 3) {
						allow(['GET', 'DELETE']);
						return method === 'GET' ? { status: 200, body: findTableReservation(segments[2]) } : cancelTableReservation(segments[2]);
					}
					if (segments.length === 4 && segments[3] === 'cancel') {
						allow(['POST']);
						return cancelTableReservation(segments[2]);
					}
				}
				break;
			case 'admin':
				if (segments[1] === 'seed' && segments.length === 2) {
					allow(['PUT', 'POST']);
					return seedFromRequest(body);
				}
				if (segments[1] === 'reset' && segments.length === 2) {
					allow(['POST']);
					sandbox.reset();
					return { status: 200, body: summary() };
				}
				if (segments[1] === 'fail' && segments.length === 2) {
					allow(['POST', 'DELETE']);
					if (method === 'DELETE') {
						failures = [];
						return { status: 200, body: { failures: [] } };
					}
					try {
						addFailure(body);
					} catch (error) {
						if (error instanceof SeedError) return problem(400, 'invalid_rule', error.message);
						throw error;
					}
					return { status: 200, body: { failures: failures.map(({ remaining, ...rule }) => ({ ...rule, remaining })) } };
				}
				if (segments[1] === 'reservations' && segments.length === 2) {
					allow(['GET']);
					return {
						status: 200,
						body: { today: todayOf(), reservations: [...state.reservations.values()], restaurantReservations: [...state.tableReservations.values()] },
					};
				}
				break;
		}
		return problem(404, 'unknown_route', `no route ${method} ${path}; see the README section "Booking system sandbox"`);
	}

	function authorised(headers: http.IncomingHttpHeaders): boolean {
		const direct = headers[BOOKING_KEY_HEADER.toLowerCase()];
		const bearer = /^bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
		const given = typeof direct === 'string' && direct ? direct : bearer;
		if (!given) return false;
		const digest = createHash('sha256').update(given.trim()).digest();
		return keyDigests.some((candidate) => timingSafeEqual(candidate, digest));
	}

	/** The first language of an `Accept-Language` header that some room type has a name in. */
	function languageOf(header: string | undefined): string | undefined {
		if (!header) return undefined;
		const known = new Set([...state.roomTypes.values()].flatMap((roomType) => Object.keys(roomType.names ?? {})));
		const ranked = header
			.split(',')
			.map((part, index) => {
				const [tag, ...params] = part.trim().split(';');
				const q = Number(/^q=([\d.]+)$/.exec(params.map((each) => each.trim()).find((each) => each.startsWith('q=')) ?? '')?.[1] ?? 1);
				return { code: tag.trim().toLowerCase().split('-')[0], q: Number.isFinite(q) ? q : 0, index };
			})
			.filter((each) => each.code && each.q > 0)
			.sort((a, b) => b.q - a.q || a.index - b.index);
		return ranked.find((each) => known.has(each.code))?.code;
	}

	/** Room type names in the answer, in `language`: catalogue entries (`id` + `name`) and reservations (`roomType` + `roomTypeName`). */
	function localised(value: unknown, language: string): unknown {
		if (Array.isArray(value)) return value.map((each) => localised(each, language));
		if (!isObject(value)) return value;
		const out: Record<string, unknown> = {};
		for (const [key, entry] of Object.entries(value)) out[key] = localised(entry, language);
		const byId = typeof out.id === 'string' ? state.roomTypes.get(out.id) : undefined;
		if (byId && out.name === byId.name && byId.names?.[language]) out.name = byId.names[language];
		const byType = typeof out.roomType === 'string' ? state.roomTypes.get(out.roomType) : undefined;
		if (byType && typeof out.roomTypeName === 'string' && byType.names?.[language]) out.roomTypeName = byType.names[language];
		return out;
	}

	function write(response: http.ServerResponse, reply: Reply): void {
		if (response.destroyed || response.headersSent) return;
		const text = JSON.stringify(reply.body);
		response.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...reply.headers });
		response.end(text);
	}

	function wait(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				timers.delete(timer);
				resolve();
			}, ms);
			timers.add(timer);
		});
	}

	async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
		const started = Date.now();
		const method = (request.method ?? 'GET').toUpperCase();
		const url = new URL(request.url ?? '/', 'http://sandbox.local');
		const path = url.pathname.replace(/\/+$/, '') || '/';
		const record: BookingRequestRecord = { method, path, status: 0, durationMs: 0, timestamp: new Date(started).toISOString() };
		const finish = (reply: Reply) => {
			write(response, reply);
			record.status = reply.status;
			record.durationMs = Date.now() - started;
			records.push(record);
			if (records.length > 5000) records = records.slice(-4000);
			try {
				options.onRequest?.(record);
			} catch {
				// Logging must never break the sandbox.
			}
		};

		const chunks: Buffer[] = [];
		let size = 0;
		for await (const chunk of request as AsyncIterable<Buffer>) {
			size += chunk.length;
			if (size > maxBodyBytes) {
				response.setHeader('connection', 'close');
				finish(problem(413, 'body_too_large', `the request body is larger than ${maxBodyBytes} bytes`));
				return;
			}
			chunks.push(chunk);
		}
		if (closed) return;

		if (path === '/health' && method === 'GET') return finish({ status: 200, body: { ok: true, today: todayOf() } });
		if (!authorised(request.headers)) {
			return finish({
				...problem(401, 'unauthorized', `missing or wrong key: send it in the ${BOOKING_KEY_HEADER} header (or Authorization: Bearer <key>)`),
				headers: { 'www-authenticate': 'Bearer realm="booking-sandbox"' },
			});
		}

		const failure = path.startsWith('/admin') ? undefined : takeFailure(method, path);
		if (failure) record.failure = failure.mode;
		if (failure?.mode === 'timeout') {
			held.add(response);
			response.on('close', () => held.delete(response));
			record.status = 0;
			records.push(record);
			return;
		}
		if (failure?.mode === 'error') return finish(problem(failure.status ?? 503, 'unavailable', 'the booking system is temporarily unavailable (scripted failure)'));
		if (failure?.mode === 'garbage') {
			if (response.destroyed) return;
			const garbage = '<html><body>502 Bad Gateway</body></html>{"reference":"BK-';
			response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
			response.end(garbage);
			record.status = 200;
			record.durationMs = Date.now() - started;
			records.push(record);
			return;
		}

		let reply: Reply;
		const raw = Buffer.concat(chunks);
		let body: unknown;
		try {
			if (raw.length > 0) {
				const contentType = request.headers['content-type'] ?? '';
				if (contentType && !/json/i.test(contentType)) reject(415, 'unsupported_media_type', `send JSON (Content-Type: application/json), got ${contentType}`);
				try {
					body = JSON.parse(raw.toString('utf8'));
				} catch {
					reject(400, 'invalid_json', 'the request body is not valid JSON');
				}
			}
			const keyHeader = request.headers['idempotency-key'] ?? request.headers['x-idempotency-key'];
			reply = route(method, url, body, typeof keyHeader === 'string' && keyHeader.trim() ? keyHeader.trim() : undefined);
			const language = languageOf(request.headers['accept-language']);
			if (language) reply = { ...reply, body: localised(reply.body, language), headers: { ...reply.headers, 'content-language': language } };
		} catch (error) {
			reply = error instanceof Rejection ? error.reply : problem(500, 'internal_error', 'the sandbox failed on this request');
		}
		if (failure?.mode === 'delay') await wait(failure.delayMs ?? 10_000);
		if (closed) return;
		finish(reply);
	}

	const server = http.createServer();
	server.on('clientError', (_error, socket) => {
		if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
		else socket.destroy();
	});
	await new Promise<void>((resolve, rejectListen) => {
		server.once('error', rejectListen);
		server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
			server.off('error', rejectListen);
			resolve();
		});
	});
	const port = (server.address() as AddressInfo).port;
	const baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;
	server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
		handle(request, response).catch(() => {
			if (!response.headersSent && !response.destroyed) {
				response.writeHead(500);
				response.end();
			}
		});
	});

	const endHeld = () => {
		for (const response of held) response.destroy();
		held.clear();
	};

	const sandbox: BookingSandbox = {
		baseUrl,
		port,
		keyHeader: BOOKING_KEY_HEADER,
		reservations: () => {
			followTheClock();
			return [...state.reservations.values()];
		},
		reservation: (reference) => {
			followTheClock();
			return state.reservations.get(reference.toUpperCase());
		},
		restaurantReservations: () => {
			followTheClock();
			return [...state.tableReservations.values()];
		},
		roomsLeft: (roomType, date) => freeRooms(state, roomType, date, todayOf()),
		today: () => todayOf(),
		requests: () => [...records],
		seed(seed) {
			try {
				adopt(buildState(seed));
			} catch (error) {
				throw new Error(`booking sandbox seed: ${error instanceof Error ? error.message : String(error)}`);
			}
			idempotency = new Map();
		},
		reset() {
			adopt(buildState(startSeed));
			failures = [];
			idempotency = new Map();
			records = [];
			endHeld();
		},
		failNext(rule) {
			try {
				addFailure(rule);
			} catch (error) {
				throw new Error(`failNext: ${error instanceof Error ? error.message : String(error)}`);
			}
		},
		async close() {
			if (closed) return;
			closed = true;
			for (const timer of timers) clearTimeout(timer);
			timers.clear();
			endHeld();
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			});
		},
	};
	return sandbox;
}

/** Parses a seed file's text; relative dates (`today+14`) are resolved when the sandbox applies it. */
export function parseBookingSeed(text: string, source = 'seed'): BookingSeed {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch (error) {
		throw new Error(`${source} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
	}
	if (!isObject(parsed) || !Array.isArray(parsed.roomTypes)) throw new Error(`${source} must be a JSON object with a roomTypes list`);
	return parsed as unknown as BookingSeed;
}
