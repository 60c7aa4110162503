// Tests of the booking-system sandbox over real HTTP on 127.0.0.1. Dates are computed from the sandbox's
// clock (the real one, or one moved on), never written as a calendar date.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { DEFAULT_BOOKING_REFERENCE } from '../../nodes/domain/privacy/pii';
import { main as serveBooking } from '../../sandbox/booking-serve';
import { addDays, type BookingSandbox, type BookingSeed, defaultBookingSeed, localDateTime } from '../../sandbox/booking-sandbox';
import { bookingClient, type BookingCall, startTestBookingSandbox, workflowsCallingBookingSandbox, writeWorkflowsCallingBookingSandbox } from '../helpers/booking-sandbox';
import { SHIPPED_BOOKING_SYSTEM_URL, withBookingSystemUrl } from '../../scripts/demo';
import { describeWorkflows, type WorkflowJson } from '../../scripts/lib/n8n-server';

const referenceShape = /^BK-\d{5}$/;

function isoWeekday(date: string): number {
	const day = new Date(`${date}T00:00:00Z`).getUTCDay();
	return day === 0 ? 7 : day;
}

function daysBetweenDates(from: string, to: string): number {
	return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The first date on or after `from` with this ISO weekday. */
function nextWeekday(from: string, weekday: number): string {
	return addDays(from, (weekday - isoWeekday(from) + 7) % 7);
}

/** A hotel with one room type in UTC, for exact arithmetic. */
function smallHotel(overrides: Partial<BookingSeed> = {}): BookingSeed {
	return {
		timeZone: 'UTC',
		roomTypes: [
			{ id: 'double', name: 'Double room', maxOccupancy: 2, rooms: 2, rates: { EUR: 100, USD: 110 }, weekendRates: { EUR: 150 } },
			{ id: 'family', name: 'Family room', maxOccupancy: 4, rooms: 1, rates: { EUR: 200 } },
		],
		restaurant: {
			tables: [
				{ id: 'A', seats: 2 },
				{ id: 'B', seats: 4 },
			],
			openingHours: [{ open: '18:00', lastSeating: '21:00' }],
			slotMinutes: 30,
			sittingMinutes: 120,
		},
		...overrides,
	};
}

describe('booking sandbox', () => {
	let sandbox: BookingSandbox;
	let call: BookingCall;
	let today: string;

	beforeAll(async () => {
		sandbox = await startTestBookingSandbox();
		call = bookingClient(sandbox);
	});
	afterAll(async () => {
		await sandbox.close();
	});
	beforeEach(() => {
		sandbox.reset();
		today = sandbox.today();
	});

	describe('authentication', () => {
		it('answers 401 without the key or with a wrong one, and accepts the header or a bearer token', async () => {
			const none = await call('GET', '/room-types', { key: null });
			expect(none.status).toBe(401);
			expect(none.json.error.code).toBe('unauthorized');
			expect(none.json.error.message).toContain('X-Booking-Key');
			expect((await call('GET', '/room-types', { key: 'guess' })).status).toBe(401);
			expect((await call('POST', '/reservations', { key: null, body: {} })).status).toBe(401);
			expect((await call('GET', '/admin/reservations', { key: null })).status).toBe(401);
			expect((await call('GET', '/room-types')).status).toBe(200);
			expect((await call('GET', '/room-types', { key: null, headers: { authorization: 'Bearer demo-booking-key' } })).status).toBe(200);
			expect(sandbox.reservations()).toHaveLength(3);
		});

		it('serves /health without a key', async () => {
			const health = await call('GET', '/health', { key: null });
			expect(health.status).toBe(200);
			expect(health.json).toEqual({ ok: true, today });
		});
	});

	describe('room types and availability', () => {
		it('lists room types with nightly and weekend rates in the default currency', async () => {
			const response = await call('GET', '/room-types');
			expect(response.status).toBe(200);
			expect(response.json.currency).toBe('EUR');
			expect(response.json.today).toBe(today);
			expect(response.json.roomTypes.map((roomType: { id: string }) => roomType.id)).toEqual(['single', 'double', 'twin', 'family', 'suite']);
			expect(response.json.roomTypes[1]).toEqual({ id: 'double', name: 'Double room', maxOccupancy: 2, rooms: 12, currency: 'EUR', rate: 129, weekendRate: 149 });
		});

		it('names room types in the language of Accept-Language, in the catalogue, offers and reservations', async () => {
			const dutch = await call('GET', '/room-types', { headers: { 'accept-language': 'nl-NL,nl;q=0.9,en;q=0.8' } });
			expect(dutch.headers.get('content-language')).toBe('nl');
			expect(dutch.json.roomTypes.map((roomType: { name: string }) => roomType.name)).toEqual(['Eenpersoonskamer', 'Tweepersoonskamer', 'Twin-kamer (twee aparte bedden)', 'Familiekamer', 'Suite']);
			// The weight decides, not the order; a language with no names falls through to the next one.
			const weighted = await call('GET', '/room-types', { headers: { 'accept-language': 'pt;q=1, fr;q=0.5, de;q=0.9' } });
			expect(weighted.json.roomTypes[1].name).toBe('Doppelzimmer');
			const unknown = await call('GET', '/room-types', { headers: { 'accept-language': 'pt-BR' } });
			expect(unknown.headers.get('content-language')).toBeNull();
			expect(unknown.json.roomTypes[1].name).toBe('Double room');

			const monday = nextWeekday(addDays(today, 40), 1);
			const offer = await call('GET', `/availability?checkIn=${monday}&checkOut=${addDays(monday, 2)}&guests=2`, { headers: { 'accept-language': 'es' } });
			expect(offer.json.roomTypes.find((roomType: { id: string }) => roomType.id === 'family').name).toBe('Habitación familiar');
			const created = await call('POST', '/reservations', {
				headers: { 'accept-language': 'de' },
				body: { roomType: 'double', checkIn: monday, checkOut: addDays(monday, 2), guests: 2, name: 'Lena Vogel' },
			});
			expect(created.status).toBe(201);
			// The guest's own name is never "translated"; the stored reservation keeps the catalogue name.
			expect({ type: created.json.roomTypeName, guest: created.json.name }).toEqual({ type: 'Doppelzimmer', guest: 'Lena Vogel' });
			const again = await call('GET', `/reservations/${created.json.reference}`, { headers: { 'accept-language': 'fr' } });
			expect(again.json.roomTypeName).toBe('Chambre double');
			expect(sandbox.reservation(created.json.reference)?.roomTypeName).toBe('Double room');
		});

		it('prices each night (Friday and Saturday at the weekend rate) and totals them', async () => {
			// Monday three weeks and more ahead, for five nights: Mon–Thu at 129, no weekend night.
			const monday = nextWeekday(addDays(today, 40), 1);
			const weekday = await call('GET', `/availability?checkIn=${monday}&checkOut=${addDays(monday, 4)}&guests=2&roomType=double`);
			expect(weekday.status).toBe(200);
			expect(weekday.json).toMatchObject({ checkIn: monday, checkOut: addDays(monday, 4), nights: 4, guests: 2, currency: 'EUR', available: true, alternatives: [] });
			expect(weekday.json.roomTypes).toHaveLength(1);
			expect(weekday.json.roomTypes[0]).toMatchObject({ id: 'double', available: true, roomsLeft: 12, maxOccupancy: 2, total: 516 });
			expect(weekday.json.roomTypes[0].nightlyRates).toEqual([0, 1, 2, 3].map((offset) => ({ date: addDays(monday, offset), amount: 129 })));
			expect(weekday.json.cheapest.id).toBe('double');

			const thursday = addDays(monday, 3);
			const weekend = await call('GET', `/availability?checkIn=${thursday}&checkOut=${addDays(thursday, 3)}&guests=1`);
			const double = weekend.json.roomTypes.find((roomType: { id: string }) => roomType.id === 'double');
			expect(double.nightlyRates.map((night: { amount: number }) => night.amount)).toEqual([129, 149, 149]);
			expect(double.total).toBe(427);
			// All five room types fit one guest; the single room is cheapest.
			expect(weekend.json.roomTypes.filter((roomType: { available: boolean }) => roomType.available)).toHaveLength(5);
			expect(weekend.json.cheapest).toMatchObject({ id: 'single', total: 89 + 99 + 99 });
		});

		it('marks room types too small for the party, and quotes in another currency when the rates have it', async () => {
			await call('PUT', '/admin/seed', { body: smallHotel() });
			const start = addDays(sandbox.today(), 10);
			const response = await call('GET', `/availability?checkIn=${start}&checkOut=${addDays(start, 1)}&guests=3`);
			expect(response.json.roomTypes).toEqual([
				expect.objectContaining({ id: 'double', available: false, reason: 'occupancy' }),
				expect.objectContaining({ id: 'family', available: true, roomsLeft: 1, total: 200 }),
			]);
			const dollars = await call('GET', `/availability?checkIn=${start}&checkOut=${addDays(start, 1)}&guests=2&roomType=double&currency=usd`);
			expect(dollars.json.currency).toBe('USD');
			expect(dollars.json.roomTypes[0].total).toBe(110);
			expect((await call('GET', `/availability?checkIn=${start}&checkOut=${addDays(start, 1)}&currency=JPY`)).status).toBe(422);
		});

		it.each([
			['no checkIn', (t: string) => `checkOut=${addDays(t, 2)}`, 400, 'missing_field'],
			['a date that does not exist', (t: string) => `checkIn=${t.slice(0, 4)}-02-31&checkOut=${addDays(t, 2)}`, 400, 'invalid_date'],
			['a date in another format', (t: string) => `checkIn=${t.split('-').reverse().join('/')}&checkOut=${addDays(t, 2)}`, 400, 'invalid_date'],
			['check-out before check-in', (t: string) => `checkIn=${addDays(t, 5)}&checkOut=${addDays(t, 3)}`, 422, 'invalid_dates'],
			['check-out on check-in', (t: string) => `checkIn=${addDays(t, 5)}&checkOut=${addDays(t, 5)}`, 422, 'invalid_dates'],
			['a past check-in', (t: string) => `checkIn=${addDays(t, -1)}&checkOut=${addDays(t, 1)}`, 422, 'date_in_past'],
			['a stay over 30 nights', (t: string) => `checkIn=${addDays(t, 1)}&checkOut=${addDays(t, 32)}`, 422, 'stay_too_long'],
			['a check-in past the 365-day horizon', (t: string) => `checkIn=${addDays(t, 365)}&checkOut=${addDays(t, 366)}`, 422, 'beyond_horizon'],
			['a party of 0', (t: string) => `checkIn=${addDays(t, 1)}&checkOut=${addDays(t, 2)}&guests=0`, 422, 'invalid_party_size'],
			['a party no room sleeps', (t: string) => `checkIn=${addDays(t, 1)}&checkOut=${addDays(t, 2)}&guests=9`, 422, 'invalid_party_size'],
			['a party too big for the room type asked', (t: string) => `checkIn=${addDays(t, 1)}&checkOut=${addDays(t, 2)}&guests=3&roomType=double`, 422, 'invalid_party_size'],
			['guests that are not a number', (t: string) => `checkIn=${addDays(t, 1)}&checkOut=${addDays(t, 2)}&guests=two`, 400, 'invalid_number'],
			['an unknown room type', (t: string) => `checkIn=${addDays(t, 1)}&checkOut=${addDays(t, 2)}&roomType=penthouse`, 422, 'unknown_room_type'],
		])('rejects %s with a clear message', async (_label, query, status, code) => {
			const response = await call('GET', `/availability?${query(today)}`);
			expect(response.status).toBe(status);
			expect(response.json.error.code).toBe(code);
			expect(response.json.error.message.length).toBeGreaterThan(10);
		});

		it('accepts today and the last night of the horizon', async () => {
			expect((await call('GET', `/availability?checkIn=${today}&checkOut=${addDays(today, 1)}`)).json.available).toBe(true);
			expect((await call('GET', `/availability?checkIn=${addDays(today, 364)}&checkOut=${addDays(today, 365)}`)).json.available).toBe(true);
		});
	});

	describe('a full house', () => {
		/** The fully booked weekend of the demo data, found by asking the sandbox, not by repeating its rule. */
		const fullFriday = () => {
			for (let offset = 0; offset < 60; offset++) {
				const date = addDays(today, offset);
				if (sandbox.roomsLeft('double', date) === 0) return date;
			}
			throw new Error('no full night in the next 60 days');
		};

		it('has one weekend, three or more weeks ahead, with every room type full on Friday and Saturday night', () => {
			const friday = fullFriday();
			expect(isoWeekday(friday)).toBe(5);
			expect(friday >= addDays(today, 21)).toBe(true);
			expect(friday <= addDays(today, 27)).toBe(true);
			for (const roomType of ['single', 'double', 'twin', 'family', 'suite']) {
				expect([sandbox.roomsLeft(roomType, friday), sandbox.roomsLeft(roomType, addDays(friday, 1)), sandbox.roomsLeft(roomType, addDays(friday, 2)) > 0]).toEqual([0, 0, true]);
			}
		});

		it('offers the nearest stays of the same length, each really bookable', async () => {
			const friday = fullFriday();
			const response = await call('GET', `/availability?checkIn=${friday}&checkOut=${addDays(friday, 2)}&guests=2&roomType=double`);
			expect(response.status).toBe(200);
			expect(response.json.available).toBe(false);
			expect(response.json.roomTypes[0]).toMatchObject({ id: 'double', available: false, reason: 'sold_out', roomsLeft: 0 });
			expect(response.json.otherRoomTypes).toEqual([]);
			const alternatives = response.json.alternatives as Array<{ checkIn: string; checkOut: string; nights: number; roomTypes: Array<{ id: string; total: number }> }>;
			// ±1 day still touches a full night; ±2 days are the nearest free two-night stays.
			expect(alternatives.map((alternative) => alternative.checkIn)).toEqual([addDays(friday, -2), addDays(friday, 2), addDays(friday, -3)]);
			for (const alternative of alternatives) {
				expect(alternative.nights).toBe(2);
				expect(alternative.checkOut).toBe(addDays(alternative.checkIn, 2));
				expect(alternative.roomTypes[0].id).toBe('double');
				const check = await call('GET', `/availability?checkIn=${alternative.checkIn}&checkOut=${alternative.checkOut}&guests=2&roomType=double`);
				expect(check.json.available).toBe(true);
				expect(check.json.roomTypes[0].total).toBe(alternative.roomTypes[0].total);
			}
		});

		it('refuses a booking into it with 409 and the alternatives, and books nothing', async () => {
			const friday = fullFriday();
			const response = await call('POST', '/reservations', { body: { roomType: 'double', checkIn: friday, checkOut: addDays(friday, 2), guests: 2, name: 'Full House' } });
			expect(response.status).toBe(409);
			expect(response.json.error.code).toBe('no_availability');
			expect(response.json.error.alternatives.length).toBeGreaterThan(0);
			expect(sandbox.reservations().some((reservation) => reservation.name === 'Full House')).toBe(false);
		});

		it('lists other room types free on the dates asked when only the one asked is full', async () => {
			await call('PUT', '/admin/seed', { body: smallHotel({ inventory: [{ roomType: 'double', from: 'today+10', to: 'today+12', rooms: 0 }] }) });
			const start = addDays(sandbox.today(), 10);
			const response = await call('GET', `/availability?checkIn=${start}&checkOut=${addDays(start, 2)}&guests=2&roomType=double`);
			expect(response.json.available).toBe(false);
			expect(response.json.otherRoomTypes.map((roomType: { id: string }) => roomType.id)).toEqual(['family']);
			expect(response.json.alternatives[0]).toMatchObject({ checkIn: addDays(start, -2), checkOut: addDays(start, 0) });
			expect(response.json.alternatives[0].roomTypes.map((roomType: { id: string }) => roomType.id)).toEqual(['double', 'family']);
		});
	});

	describe('reservations', () => {
		const stay = () => ({ roomType: 'double', checkIn: addDays(today, 50), checkOut: addDays(today, 53), guests: 2, name: 'Sophie Martin', phone: '+33 6 98 76 54 32', email: 'Sophie@Example.com' });

		it('creates one with a booking reference the privacy layer recognises, and takes a room on each night', async () => {
			const before = [0, 1, 2, 3].map((offset) => sandbox.roomsLeft('double', addDays(today, 50 + offset)));
			const response = await call('POST', '/reservations', { body: stay() });
			expect(response.status).toBe(201);
			const reference = response.json.reference as string;
			expect(reference).toMatch(referenceShape);
			expect(reference.match(new RegExp(DEFAULT_BOOKING_REFERENCE.source, 'g'))).toEqual([reference]);
			expect(response.headers.get('location')).toBe(`/reservations/${reference}`);
			expect(response.json).toMatchObject({ status: 'confirmed', roomType: 'double', nights: 3, guests: 2, name: 'Sophie Martin', email: 'sophie@example.com', currency: 'EUR' });
			expect(response.json.total).toBe(response.json.nightlyRates.reduce((sum: number, night: { amount: number }) => sum + night.amount, 0));
			const after = [0, 1, 2, 3].map((offset) => sandbox.roomsLeft('double', addDays(today, 50 + offset)));
			expect(after).toEqual([before[0] - 1, before[1] - 1, before[2] - 1, before[3]]);

			const fetched = await call('GET', `/reservations/${reference.toLowerCase()}`);
			expect(fetched.status).toBe(200);
			expect(fetched.json).toEqual(response.json);
			const byPhone = await call('GET', `/reservations?phone=${encodeURIComponent('+33698765432')}`);
			expect(byPhone.json.reservations.map((reservation: { reference: string }) => reservation.reference)).toEqual([reference]);
		});

		it('accepts numbers sent as text, as HTTP Request nodes do', async () => {
			const response = await call('POST', '/reservations', { body: { ...stay(), guests: '2' } });
			expect(response.status).toBe(201);
			expect(response.json.guests).toBe(2);
		});

		it('finds the demo reservation BK-48213 a few weeks ahead', async () => {
			const response = await call('GET', '/reservations/BK-48213');
			expect(response.status).toBe(200);
			expect(response.json).toMatchObject({ reference: 'BK-48213', status: 'confirmed', checkIn: addDays(today, 14), checkOut: addDays(today, 16) });
		});

		it.each([
			['no body', undefined, 400, 'invalid_body'],
			['no room type', { guests: 1, name: 'A' }, 400, 'missing_field'],
			['no name', { roomType: 'double', guests: 1 }, 400, 'missing_field'],
			['a bad e-mail', { roomType: 'double', guests: 1, name: 'A', email: 'not-an-address' }, 400, 'invalid_email'],
			['a bad phone', { roomType: 'double', guests: 1, name: 'A', phone: 'call me' }, 400, 'invalid_phone'],
			['too many guests for the room', { roomType: 'double', guests: 3, name: 'A' }, 422, 'invalid_party_size'],
		])('rejects a create with %s', async (_label, partial, status, code) => {
			const body = partial === undefined ? undefined : { checkIn: addDays(today, 5), checkOut: addDays(today, 6), ...partial };
			const response = await call('POST', '/reservations', { body });
			expect(response.status).toBe(status);
			expect(response.json.error.code).toBe(code);
			expect(sandbox.reservations()).toHaveLength(3);
		});

		it('rejects a body that is not JSON', async () => {
			const response = await call('POST', '/reservations', { body: '{"roomType": "double",' });
			expect(response.status).toBe(400);
			expect(response.json.error.code).toBe('invalid_json');
		});

		it('answers 404 for an unknown reference on get, change and cancel', async () => {
			for (const [method, path, body] of [
				['GET', '/reservations/BK-00000', undefined],
				['PATCH', '/reservations/BK-00000', { guests: 1 }],
				['POST', '/reservations/BK-00000/cancel', undefined],
				['DELETE', '/reservations/BK-00000', undefined],
			] as const) {
				const response = await call(method, path, { body });
				expect({ method, status: response.status, code: response.json.error.code }).toEqual({ method, status: 404, code: 'not_found' });
			}
		});

		it('cancels, giving the rooms back, and a second cancel changes nothing', async () => {
			const created = await call('POST', '/reservations', { body: stay() });
			const night = addDays(today, 50);
			const taken = sandbox.roomsLeft('double', night);
			const cancelled = await call('POST', `/reservations/${created.json.reference}/cancel`);
			expect(cancelled.status).toBe(200);
			expect(cancelled.json).toMatchObject({ reference: created.json.reference, status: 'cancelled' });
			expect(typeof cancelled.json.cancelledAt).toBe('string');
			expect(sandbox.roomsLeft('double', night)).toBe(taken + 1);
			const again = await call('DELETE', `/reservations/${created.json.reference}`);
			expect(again.status).toBe(200);
			expect(again.json.cancelledAt).toBe(cancelled.json.cancelledAt);
			expect(sandbox.roomsLeft('double', night)).toBe(taken + 1);
			const change = await call('PATCH', `/reservations/${created.json.reference}`, { body: { guests: 1 } });
			expect(change.status).toBe(409);
			expect(change.json.error.code).toBe('cancelled');
		});

		it('moves a stay: the old nights are given back, the new ones taken, the price recomputed', async () => {
			await call('PUT', '/admin/seed', { body: smallHotel() });
			const t = sandbox.today();
			const monday = nextWeekday(addDays(t, 20), 1);
			const created = await call('POST', '/reservations', { body: { roomType: 'double', checkIn: monday, checkOut: addDays(monday, 2), guests: 2, name: 'Jan Jansen' } });
			expect(created.json.total).toBe(200);
			const friday = addDays(monday, 4);
			const moved = await call('PATCH', `/reservations/${created.json.reference}`, { body: { checkIn: friday, checkOut: addDays(friday, 2) } });
			expect(moved.status).toBe(200);
			expect(moved.json).toMatchObject({ reference: created.json.reference, checkIn: friday, checkOut: addDays(friday, 2), nights: 2, total: 300, status: 'confirmed' });
			expect([sandbox.roomsLeft('double', monday), sandbox.roomsLeft('double', friday), sandbox.roomsLeft('double', addDays(friday, 1))]).toEqual([2, 1, 1]);

			const upgraded = await call('PATCH', `/reservations/${created.json.reference}`, { body: { roomType: 'family', guests: 3 } });
			expect(upgraded.json).toMatchObject({ roomType: 'family', roomTypeName: 'Family room', guests: 3, total: 400 });
			expect([sandbox.roomsLeft('double', friday), sandbox.roomsLeft('family', friday)]).toEqual([2, 0]);
		});

		it('moves a stay by one night into a night where its own room is the last one', async () => {
			await call('PUT', '/admin/seed', { body: smallHotel({ inventory: [{ roomType: 'family', from: 'today+5', to: 'today+9', rooms: 1 }] }) });
			const t = sandbox.today();
			const created = await call('POST', '/reservations', { body: { roomType: 'family', checkIn: addDays(t, 5), checkOut: addDays(t, 7), guests: 4, name: 'Big Family' } });
			const moved = await call('PATCH', `/reservations/${created.json.reference}`, { body: { checkIn: addDays(t, 6), checkOut: addDays(t, 8) } });
			expect(moved.status).toBe(200);
			expect([5, 6, 7].map((offset) => sandbox.roomsLeft('family', addDays(t, offset)))).toEqual([1, 0, 0]);
		});

		it('refuses a change into full nights with 409 and leaves the reservation as it was', async () => {
			await call('PUT', '/admin/seed', { body: smallHotel({ inventory: [{ roomType: 'double', from: 'today+30', rooms: 0 }] }) });
			const t = sandbox.today();
			const created = await call('POST', '/reservations', { body: { roomType: 'double', checkIn: addDays(t, 28), checkOut: addDays(t, 30), guests: 2, name: 'Ana López' } });
			const refused = await call('PATCH', `/reservations/${created.json.reference}`, { body: { checkOut: addDays(t, 31) } });
			expect(refused.status).toBe(409);
			expect(refused.json.error.code).toBe('no_availability');
			expect(sandbox.reservation(created.json.reference)).toMatchObject({ checkIn: addDays(t, 28), checkOut: addDays(t, 30) });
			expect(sandbox.roomsLeft('double', addDays(t, 28))).toBe(1);
			const badField = await call('PATCH', `/reservations/${created.json.reference}`, { body: { total: 1 } });
			expect(badField.status).toBe(400);
			expect(badField.json.error.message).toContain('total');
			const backwards = await call('PATCH', `/reservations/${created.json.reference}`, { body: { checkOut: addDays(t, 27) } });
			expect(backwards.status).toBe(422);
		});
	});

	describe('idempotency', () => {
		const body = () => ({ roomType: 'suite', checkIn: addDays(today, 60), checkOut: addDays(today, 61), guests: 2, name: 'Peter Müller' });

		it('answers a redelivered create with the first reply and books once', async () => {
			const first = await call('POST', '/reservations', { body: body(), headers: { 'idempotency-key': 'wamid.ABC-1' } });
			const second = await call('POST', '/reservations', { body: body(), headers: { 'idempotency-key': 'wamid.ABC-1' } });
			expect(first.status).toBe(201);
			expect(second.status).toBe(201);
			expect(second.json.reference).toBe(first.json.reference);
			expect(second.headers.get('idempotent-replayed')).toBe('true');
			expect(first.headers.get('idempotent-replayed')).toBeNull();
			expect(sandbox.reservations().filter((reservation) => reservation.name === 'Peter Müller')).toHaveLength(1);
			expect(sandbox.roomsLeft('suite', addDays(today, 60))).toBe(1);
			const other = await call('POST', '/reservations', { body: body(), headers: { 'idempotency-key': 'wamid.ABC-2' } });
			expect(other.json.reference).not.toBe(first.json.reference);
		});

		it('refuses a key reused for a different request', async () => {
			await call('POST', '/reservations', { body: body(), headers: { 'idempotency-key': 'key-1' } });
			const reused = await call('POST', '/reservations', { body: { ...body(), guests: 1 }, headers: { 'idempotency-key': 'key-1' } });
			expect(reused.status).toBe(422);
			expect(reused.json.error.code).toBe('idempotency_key_reused');
		});

		it('lets a refused call be retried with the same key once it can succeed', async () => {
			const refused = await call('POST', '/reservations', { body: { ...body(), guests: 5 }, headers: { 'idempotency-key': 'key-2' } });
			expect(refused.status).toBe(422);
			const retried = await call('POST', '/reservations', { body: { ...body(), guests: 5 }, headers: { 'idempotency-key': 'key-2' } });
			expect(retried.status).toBe(422);
			expect(sandbox.reservations()).toHaveLength(3);
		});
	});

	describe('concurrency', () => {
		it('gives the last room to exactly one of two parallel creates', async () => {
			await call('PUT', '/admin/seed', { body: smallHotel() });
			const t = sandbox.today();
			const request = (name: string) => call('POST', '/reservations', { body: { roomType: 'family', checkIn: addDays(t, 3), checkOut: addDays(t, 5), guests: 2, name } });
			const results = await Promise.all([request('First'), request('Second')]);
			expect(results.map((result) => result.status).sort()).toEqual([201, 409]);
			expect(sandbox.reservations().filter((reservation) => reservation.status === 'confirmed')).toHaveLength(1);
			expect(sandbox.roomsLeft('family', addDays(t, 3))).toBe(0);
		});

		it('sells exactly the rooms there are under a burst of creates', async () => {
			await call('PUT', '/admin/seed', { body: smallHotel() });
			const t = sandbox.today();
			const results = await Promise.all(
				Array.from({ length: 12 }, (_, index) => call('POST', '/reservations', { body: { roomType: 'double', checkIn: addDays(t, 8), checkOut: addDays(t, 9), guests: 1, name: `Guest ${index}` } })),
			);
			expect(results.filter((result) => result.status === 201)).toHaveLength(2);
			expect(results.filter((result) => result.status === 409)).toHaveLength(10);
			expect(new Set(results.filter((result) => result.status === 201).map((result) => result.json.reference)).size).toBe(2);
		});
	});

	describe('restaurant', () => {
		/** A UTC restaurant whose clock reads 10:00 today, so "tonight" is always ahead. */
		const morning = async () => {
			const date = new Date().toISOString().slice(0, 10);
			const clock = { now: new Date(`${date}T10:00:00Z`) };
			const restaurantSandbox = await startTestBookingSandbox({ seed: smallHotel(), now: () => clock.now });
			return { sandbox: restaurantSandbox, call: bookingClient(restaurantSandbox), date, clock };
		};

		it('tells whether a slot is free, lists the other free times, books a table and cancels it', async () => {
			const bed = await morning();
			try {
				const slot = await bed.call('GET', `/restaurant/slots?date=${bed.date}&time=19:00&partySize=3`);
				expect(slot.status).toBe(200);
				expect(slot.json).toMatchObject({ date: bed.date, time: '19:00', partySize: 3, open: true, available: true });
				expect(slot.json.freeTimes).toEqual(['18:00', '18:30', '19:00', '19:30', '20:00', '20:30', '21:00']);
				expect(slot.json.otherTimes.slice(0, 2)).toEqual(['18:30', '19:30']);

				const booked = await bed.call('POST', '/restaurant/reservations', { body: { date: bed.date, time: '19:00', partySize: 3, name: 'Famille Dupont' } });
				expect(booked.status).toBe(201);
				expect(booked.json.reference).toMatch(/^RT-\d{5}$/);
				expect(booked.json).toMatchObject({ status: 'confirmed', table: 'B', partySize: 3 });
				// The only four-seat table is taken for two hours: 17:30 is closed anyway, 21:00 is free again.
				const after = await bed.call('GET', `/restaurant/slots?date=${bed.date}&time=20:00&partySize=3`);
				expect(after.json.available).toBe(false);
				expect(after.json.freeTimes).toEqual(['21:00']);
				const full = await bed.call('POST', '/restaurant/reservations', { body: { date: bed.date, time: '20:30', partySize: 4, name: 'Too Late' } });
				expect(full.status).toBe(409);
				expect(full.json.error).toMatchObject({ code: 'slot_full', freeTimes: ['21:00'] });
				// A couple still gets the two-seat table.
				expect((await bed.call('GET', `/restaurant/slots?date=${bed.date}&time=20:00&partySize=2`)).json.available).toBe(true);

				expect((await bed.call('GET', `/restaurant/reservations/${booked.json.reference}`)).json.name).toBe('Famille Dupont');
				const cancelled = await bed.call('POST', `/restaurant/reservations/${booked.json.reference}/cancel`);
				expect(cancelled.json.status).toBe('cancelled');
				expect((await bed.call('GET', `/restaurant/slots?date=${bed.date}&time=20:00&partySize=3`)).json.available).toBe(true);
				expect((await bed.call('DELETE', '/restaurant/reservations/RT-00000')).status).toBe(404);
			} finally {
				await bed.sandbox.close();
			}
		});

		it('rejects closed times, past times, past dates and parties no table seats', async () => {
			const bed = await morning();
			try {
				const closed = await bed.call('POST', '/restaurant/reservations', { body: { date: bed.date, time: '17:00', partySize: 2, name: 'Early' } });
				expect(closed.status).toBe(422);
				expect(closed.json.error.code).toBe('closed');
				expect(closed.json.error.openingHours).toEqual([{ open: '18:00', lastSeating: '21:00' }]);
				const offGrid = await bed.call('GET', `/restaurant/slots?date=${bed.date}&time=19:15&partySize=2`);
				expect(offGrid.json).toMatchObject({ open: false, available: false });
				bed.clock.now = new Date(`${bed.date}T19:10:00Z`);
				const passed = await bed.call('POST', '/restaurant/reservations', { body: { date: bed.date, time: '19:00', partySize: 2, name: 'Late' } });
				expect(passed.json.error.code).toBe('time_in_past');
				expect((await bed.call('GET', `/restaurant/slots?date=${bed.date}&partySize=2`)).json.freeTimes).toEqual(['19:30', '20:00', '20:30', '21:00']);
				const yesterday = await bed.call('GET', `/restaurant/slots?date=${addDays(bed.date, -1)}&partySize=2`);
				expect(yesterday.json.error.code).toBe('date_in_past');
				const crowd = await bed.call('GET', `/restaurant/slots?date=${bed.date}&partySize=5`);
				expect(crowd.status).toBe(422);
				expect(crowd.json.error).toMatchObject({ code: 'invalid_party_size', maxPartySize: 4 });
				const badTime = await bed.call('GET', `/restaurant/slots?date=${bed.date}&time=8pm&partySize=2`);
				expect(badTime.json.error.code).toBe('invalid_time');
				expect(bed.sandbox.restaurantReservations()).toHaveLength(0);
			} finally {
				await bed.sandbox.close();
			}
		});

		it('has a full Saturday 20:00 in the demo data, with other times offered', async () => {
			const saturday = addDays(today, ((6 - isoWeekday(today) + 7) % 7) || 7);
			const slot = await call('GET', `/restaurant/slots?date=${saturday}&time=20:00&partySize=2`);
			expect(slot.json.available).toBe(false);
			expect(slot.json.otherTimes.length).toBeGreaterThan(0);
			expect(slot.json.otherTimes).not.toContain('20:00');
		});
	});

	describe('seeding and admin', () => {
		it('replaces the state through PUT /admin/seed, with relative dates, and resets to the start seed', async () => {
			const seeded = await call('PUT', '/admin/seed', {
				body: smallHotel({
					reservations: [{ reference: 'BK-11111', roomType: 'double', checkIn: 'today+3', checkOut: 'today + 5', guests: 2, name: 'Seeded Guest', phone: '+31611111111' }],
					restaurant: { ...smallHotel().restaurant!, reservations: [{ reference: 'RT-22222', date: 'today+1', time: '18:00', partySize: 2, name: 'Seeded Diner' }] },
				}),
			});
			expect(seeded.status).toBe(200);
			expect(seeded.json).toMatchObject({ roomTypes: 2, reservations: 1, restaurantReservations: 1, timeZone: 'UTC' });
			const t = sandbox.today();
			expect((await call('GET', '/reservations/BK-11111')).json).toMatchObject({ checkIn: addDays(t, 3), checkOut: addDays(t, 5), total: expect.any(Number) });
			expect(sandbox.roomsLeft('double', addDays(t, 3))).toBe(1);
			expect((await call('GET', '/reservations/BK-48213')).status).toBe(404);
			const listed = await call('GET', '/admin/reservations');
			expect(listed.json.reservations.map((reservation: { reference: string }) => reservation.reference)).toEqual(['BK-11111']);
			expect(listed.json.restaurantReservations.map((reservation: { reference: string; table: string }) => [reservation.reference, reservation.table])).toEqual([['RT-22222', 'A']]);

			const reset = await call('POST', '/admin/reset');
			expect(reset.status).toBe(200);
			expect((await call('GET', '/reservations/BK-48213')).status).toBe(200);
			expect((await call('GET', '/reservations/BK-11111')).status).toBe(404);
		});

		it.each([
			['no room types', { roomTypes: [] }, 'roomTypes'],
			['a reservation on a full night', smallHotel({ inventory: [{ roomType: 'family', from: 'today+2', rooms: 0 }], reservations: [{ roomType: 'family', checkIn: 'today+2', checkOut: 'today+3', guests: 2, name: 'X' }] }), 'no family left'],
			['a malformed reference', smallHotel({ reservations: [{ reference: 'BOOKING-1', roomType: 'double', checkIn: 'today+2', checkOut: 'today+3', guests: 2, name: 'X' }] }), 'BK-12345'],
			['a date that is not one', smallHotel({ reservations: [{ roomType: 'double', checkIn: 'next tuesday', checkOut: 'today+3', guests: 2, name: 'X' }] }), 'not a date'],
			['an unknown time zone', smallHotel({ timeZone: 'Mars/Olympus' }), 'time zone'],
		])('refuses a seed with %s and keeps the state', async (_label, seed, message) => {
			const response = await call('POST', '/admin/seed', { body: seed });
			expect(response.status).toBe(400);
			expect(response.json.error.code).toBe('invalid_seed');
			expect(response.json.error.message).toContain(message);
			expect(sandbox.reservations()).toHaveLength(3);
		});

		it('answers 404 for an unknown route and 405 for a wrong method', async () => {
			expect((await call('GET', '/bookings')).json.error.code).toBe('unknown_route');
			const wrongMethod = await call('PUT', '/reservations/BK-48213', { body: {} });
			expect(wrongMethod.status).toBe(405);
			expect(wrongMethod.json.error.message).toContain('PATCH');
		});
	});

	describe('following the clock (npm start)', () => {
		it('keeps the untouched demo data weeks ahead as the clock moves on; what guests booked or changed stays put', async () => {
			let clock = new Date();
			const moving = await startTestBookingSandbox({ now: () => clock, followClock: true });
			const ask = bookingClient(moving);
			try {
				const start = moving.today();
				const jonas = (await ask('GET', '/reservations/BK-48213')).json;
				const claire = (await ask('GET', '/reservations/BK-30958')).json;
				const saturdayTable = moving.restaurantReservations()[0];
				// A guest books, and another changes BK-51762: neither may move later.
				const own = await ask('POST', '/reservations', { body: { roomType: 'single', checkIn: addDays(start, 5), checkOut: addDays(start, 6), guests: 1, name: 'Own Guest' } });
				const anneke = await ask('PATCH', '/reservations/BK-51762', { body: { guests: 3 } });
				expect([own.status, anneke.status]).toEqual([201, 200]);
				const fullNight = (await ask('GET', `/availability?checkIn=${addDays(start, 21 + ((5 - isoWeekday(addDays(start, 21)) + 7) % 7))}&checkOut=${addDays(start, 22 + ((5 - isoWeekday(addDays(start, 21)) + 7) % 7))}&guests=1`)).json;
				expect(fullNight.available).toBe(false);

				// Six days on: nothing moves yet (whole weeks only, so every night keeps its weekday).
				clock = new Date(clock.getTime() + 6 * 86_400_000);
				expect((await ask('GET', '/reservations/BK-48213')).json.checkIn).toBe(jonas.checkIn);

				// Ten days after the start: one week on.
				clock = new Date(clock.getTime() + 4 * 86_400_000);
				const moved = (await ask('GET', '/reservations/BK-48213')).json;
				expect({ checkIn: moved.checkIn, checkOut: moved.checkOut, total: moved.total }).toEqual({ checkIn: addDays(jonas.checkIn, 7), checkOut: addDays(jonas.checkOut, 7), total: jonas.total });
				expect(moved.nightlyRates.map((rate: { date: string }) => rate.date)).toEqual(jonas.nightlyRates.map((rate: { date: string }) => addDays(rate.date, 7)));
				expect((await ask('GET', '/reservations/BK-30958')).json.checkIn).toBe(addDays(claire.checkIn, 7));
				expect(moving.restaurantReservations().find((each) => each.reference === saturdayTable.reference)?.date).toBe(addDays(saturdayTable.date, 7));
				// The full weekend moved with it: the old Friday is free again, the next one is full.
				const oldFriday = fullNight.checkIn as string;
				expect((await ask('GET', `/availability?checkIn=${oldFriday}&checkOut=${addDays(oldFriday, 1)}&guests=1`)).json.available).toBe(true);
				expect((await ask('GET', `/availability?checkIn=${addDays(oldFriday, 7)}&checkOut=${addDays(oldFriday, 8)}&guests=1`)).json.available).toBe(false);
				// What guests did stays where they put it.
				expect((await ask('GET', `/reservations/${own.json.reference}`)).json.checkIn).toBe(addDays(start, 5));
				expect((await ask('GET', '/reservations/BK-51762')).json.checkIn).toBe(anneke.json.checkIn);
				// Changing BK-48213 still works, two weeks ahead of the new today.
				expect(daysBetweenDates(moving.today(), moved.checkIn)).toBeGreaterThanOrEqual(7);
			} finally {
				await moving.close();
			}
		});

		it('leaves dates alone without followClock', async () => {
			let clock = new Date();
			const fixed = await startTestBookingSandbox({ now: () => clock });
			try {
				const before = fixed.reservation('BK-48213')!.checkIn;
				clock = new Date(clock.getTime() + 15 * 86_400_000);
				expect(fixed.reservation('BK-48213')!.checkIn).toBe(before);
			} finally {
				await fixed.close();
			}
		});
	});

	describe('scripted failures', () => {
		const create = (name: string, timeoutMs?: number) =>
			call('POST', '/reservations', { body: { roomType: 'double', checkIn: addDays(today, 70), checkOut: addDays(today, 71), guests: 2, name }, timeoutMs });

		it('answers a 5xx for the next calls, then works again; admin calls are never failed', async () => {
			const rule = await call('POST', '/admin/fail', { body: { mode: 'error', status: 502, times: 2 } });
			expect(rule.status).toBe(200);
			expect((await call('GET', '/admin/reservations')).status).toBe(200);
			const first = await create('Error One');
			const second = await call('GET', '/room-types');
			expect([first.status, second.status]).toEqual([502, 502]);
			expect(first.json.error.code).toBe('unavailable');
			expect((await create('After')).status).toBe(201);
			expect(sandbox.reservations().map((reservation) => reservation.name)).not.toContain('Error One');
		});

		it('fails only the route named', async () => {
			await call('POST', '/admin/fail', { body: { mode: 'error', route: 'POST /reservations' } });
			expect((await call('GET', `/availability?checkIn=${addDays(today, 70)}&checkOut=${addDays(today, 71)}`)).status).toBe(200);
			expect((await call('GET', '/reservations/BK-48213')).status).toBe(200);
			expect((await create('Routed')).status).toBe(503);
			expect((await create('Routed')).status).toBe(201);
		});

		it('answers an unreadable body and books nothing', async () => {
			await call('POST', '/admin/fail', { body: { mode: 'garbage' } });
			const response = await create('Garbage');
			expect(response.status).toBe(200);
			expect(response.headers.get('content-type')).toContain('application/json');
			expect(() => JSON.parse(response.text)).toThrow();
			expect(sandbox.reservations().map((reservation) => reservation.name)).not.toContain('Garbage');
		});

		it('never answers on a timeout, and books nothing', async () => {
			sandbox.failNext({ mode: 'timeout', route: '/reservations' });
			await expect(create('Timeout', 300)).rejects.toThrow();
			expect(sandbox.reservations().map((reservation) => reservation.name)).not.toContain('Timeout');
			expect(sandbox.requests().at(-1)).toMatchObject({ method: 'POST', path: '/reservations', failure: 'timeout' });
			expect((await create('Next')).status).toBe(201);
		});

		it('answers late on a delay, having done the work', async () => {
			await call('POST', '/admin/fail', { body: { mode: 'delay', delayMs: 50 } });
			const response = await create('Slow');
			expect(response.status).toBe(201);
			expect(sandbox.requests().at(-1)).toMatchObject({ status: 201, failure: 'delay' });
		});

		it('clears scripted failures with DELETE /admin/fail and refuses a bad rule', async () => {
			await call('POST', '/admin/fail', { body: { mode: 'error', times: 5 } });
			expect((await call('DELETE', '/admin/fail')).json).toEqual({ failures: [] });
			expect((await create('Cleared')).status).toBe(201);
			const bad = await call('POST', '/admin/fail', { body: { mode: 'explode' } });
			expect(bad.status).toBe(400);
			expect(bad.json.error.message).toContain('timeout, delay, error or garbage');
		});
	});
});

describe('booking sandbox dates follow the clock', () => {
	it('builds the demo data from the clock it is given', async () => {
		// A clock 400 days on: the demo reservations, the horizon and "the past" all move with it.
		const moved = new Date(Date.now() + 400 * 86_400_000);
		const sandbox = await startTestBookingSandbox({ now: () => moved });
		const call = bookingClient(sandbox);
		try {
			const today = localDateTime(moved, 'Europe/Amsterdam').date;
			expect(sandbox.today()).toBe(today);
			expect(sandbox.reservation('BK-48213')).toMatchObject({ checkIn: addDays(today, 14), checkOut: addDays(today, 16) });
			expect((await call('GET', `/availability?checkIn=${addDays(today, -1)}&checkOut=${addDays(today, 1)}`)).json.error.code).toBe('date_in_past');
			expect((await call('GET', `/availability?checkIn=${today}&checkOut=${addDays(today, 1)}`)).json.available).toBe(true);
			expect((await call('GET', `/availability?checkIn=${addDays(today, 364)}&checkOut=${addDays(today, 365)}`)).json.available).toBe(true);
		} finally {
			await sandbox.close();
		}
	});

	it('builds valid demo data whatever the weekday, with no demo reservation on the full weekend', async () => {
		for (let offset = 0; offset < 7; offset++) {
			const clock = new Date(Date.now() + offset * 86_400_000);
			const sandbox = await startTestBookingSandbox({ now: () => clock });
			try {
				expect(sandbox.reservations().map((reservation) => reservation.reference).sort()).toEqual(['BK-30958', 'BK-48213', 'BK-51762']);
				for (const reservation of sandbox.reservations()) expect(reservation.checkIn > sandbox.today()).toBe(true);
			} finally {
				await sandbox.close();
			}
		}
	});

	it('keeps selling a year ahead as the days pass', async () => {
		const clock = { now: new Date() };
		const sandbox = await startTestBookingSandbox({ now: () => clock.now });
		try {
			const start = sandbox.today();
			expect(sandbox.roomsLeft('double', addDays(start, 366))).toBe(0);
			clock.now = new Date(clock.now.getTime() + 10 * 86_400_000);
			expect(sandbox.today()).toBe(addDays(start, 10));
			expect(sandbox.roomsLeft('double', addDays(start, 366))).toBe(12);
		} finally {
			await sandbox.close();
		}
	});

	it('takes "today" in the hotel time zone', () => {
		// 23:30 UTC is already the next day in Amsterdam (UTC+1 or +2).
		const late = new Date(`${new Date().toISOString().slice(0, 10)}T23:30:00Z`);
		const seed = defaultBookingSeed(late, 'Europe/Amsterdam');
		const amsterdamToday = localDateTime(late, 'Europe/Amsterdam').date;
		expect(amsterdamToday).toBe(addDays(late.toISOString().slice(0, 10), 1));
		expect(seed.reservations?.find((reservation) => reservation.reference === 'BK-48213')?.checkIn).toBe(addDays(amsterdamToday, 14));
	});
});

describe('booking-serve CLI', () => {
	let folder: string;
	beforeAll(() => {
		folder = mkdtempSync(path.join(tmpdir(), 'booking-seed-'));
	});
	afterAll(() => {
		rmSync(folder, { recursive: true, force: true });
	});

	it('starts from a seed file with relative dates and logs no guest data or key', async () => {
		const file = path.join(folder, 'seed.json');
		writeFileSync(
			file,
			JSON.stringify(smallHotel({ reservations: [{ reference: 'BK-77777', roomType: 'double', checkIn: 'today+7', checkOut: 'today+9', guests: 2, name: 'Private Person', email: 'private@example.com' }] })),
		);
		const lines: string[] = [];
		const sandbox = await serveBooking(['--port', '0', '--seed', file, '--key', 'file-key-123'], (line) => lines.push(line));
		try {
			const call = bookingClient(sandbox);
			const found = await call('GET', '/reservations/BK-77777', { key: 'file-key-123' });
			expect(found.status).toBe(200);
			expect(found.json.checkIn).toBe(addDays(sandbox.today(), 7));
			expect((await call('GET', '/reservations/BK-77777')).status).toBe(401);
			expect(lines[0]).toContain(`listening on ${sandbox.baseUrl}`);
			expect(lines.slice(1)).toEqual([expect.stringMatching(/ GET \/reservations\/BK-77777 → 200 \d+ms$/), expect.stringMatching(/ → 401 /)]);
			const everything = lines.join('\n');
			expect(everything).not.toContain('file-key-123');
			expect(everything).not.toContain('Private Person');
		} finally {
			await sandbox.close();
		}
	});

	it('names the file when the seed is unreadable or wrong', async () => {
		const broken = path.join(folder, 'broken.json');
		writeFileSync(broken, '{ "roomTypes": [');
		await expect(serveBooking(['--port', '0', '--seed', broken, '--quiet'], () => undefined)).rejects.toThrow(`${broken} is not valid JSON`);
		const wrong = path.join(folder, 'wrong.json');
		writeFileSync(wrong, JSON.stringify({ roomTypes: [{ id: 'x', name: 'X', maxOccupancy: 0, rooms: 1, rates: { EUR: 1 } }] }));
		await expect(serveBooking(['--port', '0', '--seed', wrong, '--quiet'], () => undefined)).rejects.toThrow('maxOccupancy');
		await expect(serveBooking(['--port', '0', '--seed', path.join(folder, 'missing.json')], () => undefined)).rejects.toThrow('cannot read the seed file');
	});
});

describe('pointing workflows at a booking sandbox', () => {
	it('rewrites the booking system URL in HTTP Request nodes only', () => {
		const workflow: WorkflowJson = {
			name: 'w',
			connections: {},
			nodes: [
				{ name: 'Check', type: 'n8n-nodes-base.httpRequest', typeVersion: 4.2, position: [0, 0], parameters: { url: `=${SHIPPED_BOOKING_SYSTEM_URL}/availability?checkIn={{ $json.checkIn }}`, options: {} } },
				{ name: 'Note', type: 'n8n-nodes-base.set', typeVersion: 3.4, position: [0, 0], parameters: { value: SHIPPED_BOOKING_SYSTEM_URL } },
			],
		};
		const rewritten = withBookingSystemUrl(workflow, 'http://127.0.0.1:40001/');
		expect(rewritten.nodes[0].parameters.url).toBe('=http://127.0.0.1:40001/availability?checkIn={{ $json.checkIn }}');
		expect(rewritten.nodes[1].parameters.value).toBe(SHIPPED_BOOKING_SYSTEM_URL);
		expect(workflow.nodes[0].parameters.url).toContain(SHIPPED_BOOKING_SYSTEM_URL);
		expect(workflowsCallingBookingSandbox([], 'http://127.0.0.1:1')).toEqual([]);
	});

	it('writes shipped workflows to files with the same names and ids, calling the given URL', () => {
		const folder = mkdtempSync(path.join(tmpdir(), 'shipped-'));
		try {
			const original = path.join(folder, 'booking-flow.json');
			writeFileSync(
				original,
				JSON.stringify({
					name: 'Booking flow',
					connections: {},
					nodes: [{ name: 'Create', type: 'n8n-nodes-base.httpRequest', typeVersion: 4.2, position: [0, 0], parameters: { method: 'POST', url: `${SHIPPED_BOOKING_SYSTEM_URL}/reservations` } }],
				}),
			);
			const [written] = writeWorkflowsCallingBookingSandbox([original], 'http://127.0.0.1:40002');
			try {
				expect(path.basename(written)).toBe('booking-flow.json');
				const json = JSON.parse(readFileSync(written, 'utf8')) as WorkflowJson;
				expect(json.id).toBe(describeWorkflows([original])[0].id);
				expect(json.nodes[0].parameters.url).toBe('http://127.0.0.1:40002/reservations');
			} finally {
				rmSync(path.dirname(written), { recursive: true, force: true });
			}
		} finally {
			rmSync(folder, { recursive: true, force: true });
		}
	});
});
