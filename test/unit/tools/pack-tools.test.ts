import { availabilityArguments, checkCallbackTime, reservationLookupArguments, zonedTimeToUtc } from '../../../nodes/domain/tools/pack-tools';

const hours = { timeZone: 'Europe/Amsterdam', opensAt: '09:00', closesAt: '18:00', maxDaysAhead: 14 };
const day = (from: Date, days: number) => new Date(from.getTime() + days * 86_400_000).toISOString().slice(0, 10);

describe('pack tool arguments', () => {
	it('accepts a stay and refuses what the booking system would refuse', () => {
		expect(availabilityArguments.safeParse({ checkIn: '2027-03-12', checkOut: '2027-03-14', guests: 2 }).success).toBe(true);
		expect(availabilityArguments.safeParse({ checkIn: 'next friday', checkOut: '2027-03-14', guests: 2 }).success).toBe(false);
		expect(availabilityArguments.safeParse({ checkIn: '2027-03-14', checkOut: '2027-03-12', guests: 2 }).success).toBe(false);
		expect(availabilityArguments.safeParse({ checkIn: '2027-03-12', checkOut: '2027-03-14', guests: 0 }).success).toBe(false);
	});

	it('needs a booking reference or an e-mail to look a reservation up', () => {
		expect(reservationLookupArguments.safeParse({ reference: 'BK-48213' }).success).toBe(true);
		expect(reservationLookupArguments.safeParse({ email: 'anna@example.com' }).success).toBe(true);
		expect(reservationLookupArguments.safeParse({}).success).toBe(false);
		expect(reservationLookupArguments.safeParse({ reference: 'my booking' }).success).toBe(false);
	});
});

describe('callback times', () => {
	it('reads a local time in the desk’s time zone, summer and winter', () => {
		expect(zonedTimeToUtc('2027-07-01', '10:30', 'Europe/Amsterdam').toISOString()).toBe('2027-07-01T08:30:00.000Z');
		expect(zonedTimeToUtc('2027-01-15', '10:30', 'Europe/Amsterdam').toISOString()).toBe('2027-01-15T09:30:00.000Z');
		expect(zonedTimeToUtc('2027-01-15', '10:30', 'America/New_York').toISOString()).toBe('2027-01-15T15:30:00.000Z');
	});

	it('takes a time in the desk’s hours and refuses the past, the night and the far future', () => {
		const now = new Date();
		expect(checkCallbackTime(`${day(now, 2)}T10:00`, hours, now)).toMatchObject({ ok: true, local: `${day(now, 2)} 10:00` });
		expect(checkCallbackTime(`${day(now, -1)}T10:00`, hours, now)).toMatchObject({ ok: false, problem: expect.stringMatching(/not in the future/) });
		expect(checkCallbackTime(`${day(now, 2)}T20:00`, hours, now)).toMatchObject({ ok: false, problem: expect.stringMatching(/between 09:00 and 18:00/) });
		expect(checkCallbackTime(`${day(now, 30)}T10:00`, hours, now)).toMatchObject({ ok: false, problem: expect.stringMatching(/more than 14 days/) });
	});
});
