import { buildBookingReply, readBookingError, type BookingAnswer, type BookingReplyKind } from '../../../nodes/domain/booking/reply';

const LANGUAGES = ['en', 'nl', 'de', 'fr', 'es'] as const;

// What n8n's HTTP Request node puts in `error` on its error output (seen in n8n 2.39).
const httpError = (status: number, body: unknown) => ({ message: `${status} - ${JSON.stringify(JSON.stringify(body))}`, name: 'AxiosError' });

const availability: BookingAnswer = {
	available: true,
	checkIn: '2027-03-12',
	checkOut: '2027-03-14',
	nights: 2,
	guests: 2,
	currency: 'EUR',
	rooms: [
		{ id: 'twin', name: 'Twin room', available: true, total: 318 },
		{ id: 'double', name: 'Double room', available: true, total: 298 },
		{ id: 'single', name: 'Single room', available: false, total: 198 },
	],
};

function reply(kind: BookingReplyKind, answer: BookingAnswer, language = 'en', values: Record<string, unknown> = {}) {
	const result = buildBookingReply({ kind, answer, language, form: { values } });
	if (result.outcome !== 'reply') throw new Error(`expected a reply, got ${result.failure}: ${result.reason}`);
	return result;
}

describe('readBookingError', () => {
	it('reads status, code and body from an HTTP error, and tells timeouts, garbage and refusals apart', () => {
		expect(readBookingError(httpError(404, { error: { status: 404, code: 'not_found' } }))).toMatchObject({ status: 404, code: 'not_found', failure: 'rejected' });
		expect(readBookingError(httpError(503, { error: { code: 'unavailable' } }))).toMatchObject({ status: 503, failure: 'server_error' });
		expect(readBookingError({ message: 'timeout of 5000ms exceeded' })).toMatchObject({ failure: 'timeout' });
		expect(readBookingError('Invalid JSON in response body')).toMatchObject({ failure: 'unreadable' });
		expect(readBookingError({ message: 'connect ECONNREFUSED 127.0.0.1:5691' })).toMatchObject({ failure: 'unreachable' });
		expect(readBookingError(undefined)).toBeUndefined();
		expect(readBookingError('')).toBeUndefined();
	});
});

describe('buildBookingReply', () => {
	it('offers the room the guest named with its total and Confirm / Change buttons, in every language', () => {
		for (const language of LANGUAGES) {
			const { reply: message, state } = reply('offer', { ...availability, rooms: [availability.rooms![1]] }, language, { room_type: 'double' });
			expect(state).toBe('offer');
			expect(message.language).toBe(language);
			expect(message.text).toMatch(/298/);
			expect(message.text).toMatch(/12/);
			expect(message.buttons?.map((button) => button.id)).toEqual(['form:confirm', 'form:change']);
			for (const button of message.buttons ?? []) expect(button.title.length).toBeLessThanOrEqual(20);
		}
		expect(reply('offer', availability, 'en', { room_type: 'double' }).reply.text).toContain('Double room is free');
	});

	it('lists the free rooms cheapest first when no room type was named, leaving out sold-out ones', () => {
		const { text } = reply('offer', availability, 'de').reply;
		expect(text.indexOf('Double room')).toBeLessThan(text.indexOf('Twin room'));
		expect(text).not.toContain('Single room');
		expect(text).toContain('Soll ich das Double room buchen');
		expect(text).toMatch(/2 Nächte, 2 Gäste/);
	});

	it('answers a full house with the nearest dates and asks for new ones (the form stays confirming)', () => {
		const full: BookingAnswer = {
			available: false,
			checkIn: '2027-03-12',
			checkOut: '2027-03-14',
			guests: 2,
			currency: 'EUR',
			rooms: [{ id: 'double', name: 'Double room', available: false, total: 298 }],
			alternatives: [{ checkIn: '2027-03-10', checkOut: '2027-03-12', nights: 2, roomTypes: [{ id: 'double', name: 'Double room', total: 258 }] }],
		};
		for (const language of LANGUAGES) {
			const result = reply('offer', full, language, { room_type: 'double' });
			expect(result.state).toBe('unavailable');
			expect(result.reply.text).toMatch(/10/);
			expect(result.reply.text).toMatch(/258/);
			expect(result.reply.buttons?.map((button) => button.id)).toEqual(['form:change', 'form:cancel']);
		}
		expect(reply('offer', { ...full, alternatives: [] }, 'nl').reply.text).toContain('ook niet in de dagen eromheen');
	});

	it('turns a 409 on create into the alternatives, not a failure', () => {
		const error = httpError(409, { error: { code: 'no_availability', alternatives: [{ checkIn: '2027-03-19', checkOut: '2027-03-21', roomTypes: [{ name: 'Twin room', total: 300 }] }], otherRoomTypes: [] } });
		const result = reply('booked', { error }, 'fr', { stay: { start: '2027-03-12', end: '2027-03-14' }, guests: 2 });
		expect(result.state).toBe('unavailable');
		expect(result.reply.text).toContain('Twin room');
		expect(result.reply.buttons).toBeUndefined();
	});

	it('confirms a booking with its reference, and reads the found reservation with the cancellation policy', () => {
		const reservation: BookingAnswer = { reference: 'BK-48213', status: 'confirmed', roomName: 'Double room', checkIn: '2027-03-12', checkOut: '2027-03-14', guests: 2, total: 298, currency: 'EUR' };
		for (const language of LANGUAGES) {
			expect(reply('booked', reservation, language).reply.text).toContain('BK-48213');
			const found = reply('cancelFound', reservation, language, { booking_ref: 'BK-48213' });
			expect(found.reply.text).toMatch(/48/);
			expect(found.reply.buttons).toHaveLength(2);
			expect(reply('cancelled', { ...reservation, status: 'cancelled' }, language).state).toBe('cancelled');
			expect(reply('changed', reservation, language).reply.text).toContain('BK-48213');
		}
		const change = reply('changeFound', reservation, 'en', { booking_ref: 'BK-48213', new_stay: { start: '2027-04-02', end: '2027-04-04' } });
		expect(change.reply.text).toMatch(/Apr/);
		expect(reply('cancelFound', { ...reservation, status: 'cancelled' }, 'en').state).toBe('already_cancelled');
	});

	it('sends a change or cancellation of a booking made with another phone number to a person', () => {
		const reservation: BookingAnswer = { reference: 'BK-48213', phone: '+4915112345678', checkIn: '2027-03-12', checkOut: '2027-03-14' };
		expect(buildBookingReply({ kind: 'cancelFound', answer: reservation, language: 'de', guestPhone: '31612345678' })).toMatchObject({ outcome: 'failed', failure: 'not_owner', language: 'de' });
		expect(buildBookingReply({ kind: 'changeFound', answer: reservation, language: 'de', guestPhone: '4915112345678' })).toMatchObject({ outcome: 'reply', state: 'found' });
	});

	it('says a reference is unknown and asks for the right one', () => {
		const result = reply('cancelFound', { error: httpError(404, { error: { code: 'not_found' } }) }, 'es', { booking_ref: 'BK-99999' });
		expect(result.state).toBe('not_found');
		expect(result.reply.text).toContain('BK-99999');
	});

	it('lists the rates per night with the weekend price', () => {
		const { text } = reply('rates', { currency: 'EUR', rooms: [{ id: 'double', name: 'Double room', rate: 129, weekendRate: 149 }] }, 'en').reply;
		expect(text).toContain('Double room: €129 (Fri–Sat €149)');
	});

	it('leaves on Failed for a timeout, a 5xx, garbage, a 422 and an answer without the fields it needs', () => {
		const failures: Array<[BookingReplyKind, BookingAnswer, string]> = [
			['offer', { error: { message: 'timeout of 5000ms exceeded' } }, 'timeout'],
			['booked', { error: httpError(503, { error: { code: 'unavailable' } }) }, 'server_error'],
			['booked', { error: 'Invalid JSON in response body' }, 'unreadable'],
			['booked', { error: httpError(422, { error: { code: 'date_in_past' } }) }, 'rejected'],
			['offer', { error: httpError(404, { error: { code: 'not_found' } }) }, 'rejected'],
			['offer', {}, 'unreadable'],
			['booked', { status: 'confirmed' }, 'unreadable'],
			['cancelled', { reference: 'BK-1', status: 'confirmed' }, 'unreadable'],
			['rates', { rooms: [] }, 'unreadable'],
		];
		for (const [kind, answer, failure] of failures) {
			const result = buildBookingReply({ kind, answer, language: 'en' });
			expect({ kind, outcome: result.outcome, failure: result.outcome === 'failed' ? result.failure : undefined }).toEqual({ kind, outcome: 'failed', failure });
		}
	});

	it('uses a text from the canvas for its language and the default elsewhere', () => {
		const overrides = { booked: { nl: 'Geboekt: {reference}' } };
		const reservation: BookingAnswer = { reference: 'BK-1', checkIn: '2027-03-12', checkOut: '2027-03-14' };
		expect(buildBookingReply({ kind: 'booked', answer: reservation, language: 'nl', overrides })).toMatchObject({ reply: { text: 'Geboekt: BK-1' } });
		expect(buildBookingReply({ kind: 'booked', answer: reservation, language: 'pt', fallbackLanguage: 'de', overrides })).toMatchObject({ reply: { language: 'de' } });
	});
});

describe('handoff package with form values', () => {
	it('shows what a form had collected, so the person does not ask again', async () => {
		const { buildHandoffPackage } = await import('../../../nodes/domain/handoff/context');
		const handoffPackage = buildHandoffPackage({
			handoffId: 7,
			conversationId: 'c1',
			channel: 'whatsapp',
			customer: { waId: '31612345678' },
			reason: 'booking system: HTTP 503',
			transcript: [],
			summary: '',
			summarySource: 'extractive',
			form: { name: 'Book a Room', status: 'complete', values: { stay: { start: '2027-03-12', end: '2027-03-14' }, guests: 2 } },
			openedAt: '2027-03-01T10:00:00Z',
			created: true,
		});
		expect(handoffPackage.text).toContain('Form "Book a Room": stay 2027-03-12 → 2027-03-14, guests 2');
	});
});
