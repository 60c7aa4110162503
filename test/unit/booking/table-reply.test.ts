// Booking Reply's restaurant kinds: the slot check (offer, full with other times, not a seating time,
// nothing left that day) and the booking (the reference), in five languages, and what goes to a person.
import { buildBookingReply, type BookingAnswer, type BookingReplyKind } from '../../../nodes/domain/booking/reply';

const LANGUAGES = ['en', 'nl', 'de', 'fr', 'es'] as const;
const values = { date: '2027-03-12', time: '20:00', guests: 4, name: 'Marie Leroy' };
const slots = (extra: BookingAnswer): BookingAnswer => ({ date: '2027-03-12', time: '20:00', partySize: 4, ...extra });
const httpError = (status: number, body: unknown) => ({ message: `${status} - ${JSON.stringify(JSON.stringify(body))}`, name: 'AxiosError' });

function tableReply(kind: BookingReplyKind, answer: BookingAnswer, language = 'en', extra: { timeField?: string } = {}) {
	return buildBookingReply({ kind, answer, language, form: { values }, ...extra });
}

function replied(result: ReturnType<typeof tableReply>) {
	if (result.outcome !== 'reply') throw new Error(`expected a reply, got ${result.failure}: ${result.reason}`);
	return result;
}

describe('Booking Reply for restaurant tables', () => {
	it.each(LANGUAGES)('offers a free table with Confirm / Change in %s, with the day, time, people and name', (language) => {
		const result = replied(tableReply('tableOffer', slots({ available: true, otherTimes: ['19:30'] }), language));
		expect(result.state).toBe('offer');
		expect(result.reply.language).toBe(language);
		expect(result.reply.text).toContain('20:00');
		expect(result.reply.text).toContain('Marie Leroy');
		expect(result.reply.text).toMatch(/4 (people|personen|Personen|personnes|personas)/);
		expect(result.reply.text).toMatch(/12/);
		expect(result.reply.buttons?.map((button) => button.id)).toEqual(['form:confirm', 'form:change']);
		expect(result.reply.text).not.toMatch(/\{\w+\}/);
	});

	it.each(LANGUAGES)('answers a full slot in %s with the free times, the nearest three as buttons that fill the form', (language) => {
		const result = replied(tableReply('tableOffer', slots({ available: false, open: true, otherTimes: ['19:30', '20:30', '19:00', '21:00', '18:30', '18:00'] }), language));
		expect(result.state).toBe('unavailable');
		expect(result.reply.text).toContain('19:30, 20:30, 19:00, 21:00, 18:30');
		expect(result.reply.text).not.toContain('18:00');
		expect(result.reply.buttons).toEqual([
			{ id: 'form:time:19:30', title: '19:30' },
			{ id: 'form:time:20:30', title: '20:30' },
			{ id: 'form:time:19:00', title: '19:00' },
		]);
		expect(result.reply.text).not.toMatch(/\{\w+\}/);
	});

	it('names the form field the time buttons fill, and tells a time that is no seating time from a full one', () => {
		const notSeating = replied(tableReply('tableOffer', slots({ time: '16:00', available: false, open: false, otherTimes: ['14:00', '18:00'] }), 'de', { timeField: 'uhrzeit' }));
		expect(notSeating.reply.text).toMatch(/^Um 16:00 nehmen wir keine Gäste an/);
		expect(notSeating.reply.buttons?.map((button) => button.id)).toEqual(['form:uhrzeit:14:00', 'form:uhrzeit:18:00']);
		const full = replied(tableReply('tableOffer', slots({ available: false, open: true, otherTimes: ['19:30'] }), 'de'));
		expect(full.reply.text).toMatch(/^Leider ist am .* um 20:00 kein Tisch für 4 Personen frei/);
	});

	it('asks for another day when nothing is free that day, with Change / Cancel', () => {
		const result = replied(tableReply('tableOffer', slots({ available: false, open: true, otherTimes: [] }), 'nl'));
		expect(result.reply.text).toMatch(/^Helaas is er op .* geen tafel vrij voor 4 personen/);
		expect(result.reply.buttons?.map((button) => button.id)).toEqual(['form:change', 'form:cancel']);
	});

	it.each(LANGUAGES)('confirms a booked table in %s with its reference', (language) => {
		const result = replied(tableReply('tableBooked', { reference: 'RT-20417', status: 'confirmed', date: '2027-03-12', time: '20:00', partySize: 4, name: 'Marie Leroy' }, language));
		expect(result.state).toBe('booked');
		expect(result.reply.text).toContain('*RT-20417*');
		expect(result.reply.text).toContain('20:00');
		expect(result.reply.text).toContain('Marie Leroy');
		expect(result.reply.buttons).toBeUndefined();
	});

	it('sends to a person what it cannot trust: an error (also a 409 after the offer), no flag, no reference, another status', () => {
		const failures = [
			tableReply('tableOffer', { ...slots({}), error: httpError(503, { error: { code: 'unavailable' } }) }),
			tableReply('tableOffer', { ...slots({}), error: { message: 'timeout of 5000ms exceeded' } }),
			tableReply('tableOffer', slots({})),
			tableReply('tableBooked', { error: httpError(409, { error: { code: 'slot_full', freeTimes: ['20:30'] } }) }),
			tableReply('tableBooked', { date: '2027-03-12', time: '20:00', status: 'confirmed' }),
			tableReply('tableBooked', { reference: 'RT-1', date: '2027-03-12', time: '20:00', status: 'pending' }),
		];
		expect(failures.map((result) => result.outcome)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed', 'failed']);
		expect(failures.map((result) => (result.outcome === 'failed' ? result.failure : ''))).toEqual(['server_error', 'timeout', 'unreadable', 'rejected', 'unreadable', 'unreadable']);
	});

	it('takes the name and party size from the form when the slot answer has none', () => {
		const result = replied(buildBookingReply({ kind: 'tableOffer', answer: { available: true }, language: 'fr', form: { values } }));
		expect(result.reply.text).toBe('Bonne nouvelle : une table pour 4 personnes est libre le ven. 12 mars à 20:00. Je la réserve au nom de Marie Leroy ?');
	});
});
