/**
 * The pack's own actions as tools a model can call: check availability and price, look up a reservation
 * (both against a booking system with the sandbox's API shape), hand the chat to a person, and schedule a
 * callback. Each has a zod schema the arguments must pass before anything is called, and a compact answer
 * (the model needs facts, not the booking system's whole record).
 */
import { z } from 'zod';

/** The booking system, as the node gives it: an authenticated GET returning parsed JSON, throwing on errors. */
export interface BookingSystemClient {
	get(path: string, query?: Record<string, string | number>): Promise<unknown>;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export const availabilityArguments = z
	.object({
		checkIn: z.string().regex(ISO_DATE, 'use YYYY-MM-DD').describe('Arrival date, YYYY-MM-DD'),
		checkOut: z.string().regex(ISO_DATE, 'use YYYY-MM-DD').describe('Departure date, YYYY-MM-DD (after checkIn)'),
		guests: z.number().int().min(1).max(12).describe('Number of guests'),
		roomType: z.string().min(1).max(40).optional().describe('Room type id if the guest asked for one, e.g. double'),
	})
	.refine((args) => args.checkOut > args.checkIn, { message: 'checkOut must be after checkIn', path: ['checkOut'] });

export type AvailabilityArguments = z.infer<typeof availabilityArguments>;

export const BOOKING_REFERENCE = /^[A-Za-z]{2,4}-?\d{4,10}$/;

export const reservationLookupArguments = z
	.object({
		reference: z.string().regex(BOOKING_REFERENCE, 'a booking reference looks like BK-48213').optional().describe('The booking reference, e.g. BK-48213'),
		email: z.string().email().optional().describe('The e-mail address the booking was made with (may be a placeholder like [EMAIL_1])'),
	})
	.refine((args) => Boolean(args.reference || args.email), { message: 'give the booking reference or the e-mail address' });

export type ReservationLookupArguments = z.infer<typeof reservationLookupArguments>;

export const handoffArguments = z.object({
	reason: z.string().min(3).max(300).describe('Why a colleague should take over, in a few words'),
	urgent: z.boolean().optional().describe('True when it cannot wait (a complaint, an emergency, a guest at the door)'),
});

export const callbackArguments = z.object({
	time: z
		.string()
		.regex(/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}$/, 'use YYYY-MM-DDTHH:mm in the business’s local time')
		.describe('When to call, YYYY-MM-DDTHH:mm, local time of the business'),
	topic: z.string().min(3).max(300).describe('What the call is about'),
});

function record(value: unknown): Record<string, unknown> {
	return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Free rooms and prices for a stay, or the nearest alternatives when nothing fits. */
export async function checkAvailability(client: BookingSystemClient, args: AvailabilityArguments): Promise<Record<string, unknown>> {
	const query: Record<string, string | number> = { checkIn: args.checkIn, checkOut: args.checkOut, guests: args.guests };
	if (args.roomType) query.roomType = args.roomType.toLowerCase();
	const answer = record(await client.get('/availability', query));
	const rooms = Array.isArray(answer.roomTypes) ? answer.roomTypes.map(record) : [];
	return {
		checkIn: answer.checkIn ?? args.checkIn,
		checkOut: answer.checkOut ?? args.checkOut,
		nights: answer.nights,
		guests: answer.guests ?? args.guests,
		currency: answer.currency,
		available: answer.available === true,
		roomTypes: rooms.map((room) => ({
			id: room.id,
			name: room.name,
			available: room.available,
			...(room.reason ? { reason: room.reason } : {}),
			roomsLeft: room.roomsLeft,
			total: room.total,
		})),
		...(Array.isArray(answer.alternatives) && answer.alternatives.length ? { alternatives: answer.alternatives } : {}),
		...(Array.isArray(answer.otherRoomTypes) && answer.otherRoomTypes.length ? { otherRoomTypes: answer.otherRoomTypes } : {}),
	};
}

const RESERVATION_FIELDS = ['reference', 'status', 'roomType', 'roomTypeName', 'checkIn', 'checkOut', 'nights', 'guests', 'name', 'currency', 'total'] as const;

function reservationSummary(reservation: Record<string, unknown>): Record<string, unknown> {
	return Object.fromEntries(RESERVATION_FIELDS.filter((field) => reservation[field] !== undefined).map((field) => [field, reservation[field]]));
}

/** A reservation by reference, or the reservations made with an e-mail address; no phone or e-mail in the answer. */
export async function lookUpReservation(client: BookingSystemClient, args: ReservationLookupArguments): Promise<Record<string, unknown>> {
	if (args.reference) {
		const reference = args.reference.toUpperCase().replace(/^([A-Z]+)(\d)/, '$1-$2');
		return { reservations: [reservationSummary(record(await client.get(`/reservations/${encodeURIComponent(reference)}`)))] };
	}
	const answer = record(await client.get('/reservations', { email: args.email as string }));
	const reservations = Array.isArray(answer.reservations) ? answer.reservations.map(record) : [];
	return { reservations: reservations.map(reservationSummary) };
}

export interface CallbackHours {
	timeZone: string;
	/** 'HH:mm', local. */
	opensAt: string;
	closesAt: string;
	/** How far ahead a callback may be booked. */
	maxDaysAhead: number;
}

/** The UTC instant of a local date and time in a time zone. */
export function zonedTimeToUtc(date: string, time: string, timeZone: string): Date {
	const [year, month, day] = date.split('-').map(Number);
	const [hour, minute] = time.split(':').map(Number);
	const asUtc = Date.UTC(year, month - 1, day, hour, minute);
	const offsetAt = (instant: number) => {
		const parts = Object.fromEntries(
			new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
				.formatToParts(new Date(instant))
				.map((part) => [part.type, part.value]),
		);
		return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute)) - instant;
	};
	let instant = asUtc - offsetAt(asUtc);
	instant = asUtc - offsetAt(instant);
	return new Date(instant);
}

export type CallbackCheck = { ok: true; at: Date; local: string } | { ok: false; problem: string };

/** A callback time must be in the future, within the desk's hours and not too far ahead. */
export function checkCallbackTime(time: string, hours: CallbackHours, now: Date): CallbackCheck {
	const [date, clock] = time.replace(' ', 'T').split('T');
	const at = zonedTimeToUtc(date, clock, hours.timeZone);
	if (Number.isNaN(at.getTime())) return { ok: false, problem: `"${time}" is not a valid date and time` };
	const local = `${date} ${clock}`;
	if (at.getTime() <= now.getTime() + 5 * 60_000) return { ok: false, problem: `${local} is not in the future; ask the guest for a later time` };
	if (at.getTime() > now.getTime() + hours.maxDaysAhead * 86_400_000) {
		return { ok: false, problem: `${local} is more than ${hours.maxDaysAhead} days ahead; ask for a nearer time` };
	}
	if (clock < hours.opensAt || clock >= hours.closesAt) {
		return { ok: false, problem: `the desk calls back between ${hours.opensAt} and ${hours.closesAt} (${hours.timeZone}); ask for a time in those hours` };
	}
	return { ok: true, at, local };
}
