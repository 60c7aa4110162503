// A completed Conversation Form as a guest profile update: name, language, booking references and the
// marked preference fields; never contact details; nothing for a guest who opted out.
import type { FormDefinition } from '../../../nodes/domain/dialog';
import { mayRememberGuest, profileFromForm } from '../../../nodes/domain/reply/profile-from-form';

const form: FormDefinition = {
	name: 'room_booking',
	fields: [
		{ name: 'dates', type: 'date_range', required: true },
		{ name: 'room', type: 'room_type', required: true },
		{ name: 'diet', type: 'choice', required: false, choices: [{ id: 'vegetarian', label: 'Vegetarian', synonyms: [] }, { id: 'none', label: 'No wishes', synonyms: [] }] },
		{ name: 'wish', type: 'text', required: false, label: 'Room wish' },
		{ name: 'guest_name', type: 'person_name', required: true },
		{ name: 'email', type: 'email', required: true },
		{ name: 'reference', type: 'booking_ref', required: false },
	],
	startIntents: [],
	startOn: 'always',
	idleMinutes: 30,
	maxAttempts: 3,
	defaultLanguage: 'en',
	timeZone: 'Europe/Amsterdam',
	sideQuestionConfidence: 0.6,
};

const values = {
	dates: { start: '2027-03-12', end: '2027-03-14' },
	room: 'double',
	diet: 'vegetarian',
	wish: 'a quiet room, high floor',
	guest_name: '  Anna Jansen ',
	email: 'anna@example.com',
	reference: 'bk-48213',
};

describe('profile from a completed form', () => {
	it('keeps the name, the form’s language, booking references and the marked preferences', () => {
		expect(profileFromForm(form, { values, language: 'nl' }, ['diet', ' wish', 'room'])).toEqual({
			name: 'Anna Jansen',
			language: 'nl',
			bookings: ['BK-48213'],
			// In the form's field order, with the field's label.
			preferences: ['Room: Double', 'Diet: Vegetarian', 'Room wish: a quiet room, high floor'],
		});
	});

	it('never keeps an e-mail or phone field, even when marked, and no preferences unless marked', () => {
		const update = profileFromForm(form, { values, language: 'en' }, ['email']);
		expect(update).toEqual({ name: 'Anna Jansen', language: 'en', bookings: ['BK-48213'] });
		expect(JSON.stringify(update)).not.toContain('anna@example.com');
	});

	it('leaves out an unsupported language, an over-long name and empty values; nothing at all gives undefined', () => {
		expect(profileFromForm(form, { values: { ...values, guest_name: 'x'.repeat(81), reference: undefined as unknown as string, wish: '' }, language: 'it' }, ['wish'])).toBeUndefined();
		expect(profileFromForm(form, { values: {} }, ['diet'])).toBeUndefined();
	});

	it('remembers a guest unless the last service event is an opt-out', () => {
		expect(mayRememberGuest([])).toBe(true);
		expect(mayRememberGuest([{ scope: 'service', action: 'opt_out', occurredAt: '2026-11-01T10:00:00Z' }])).toBe(false);
		expect(
			mayRememberGuest([
				{ scope: 'service', action: 'opt_out', occurredAt: '2026-11-01T10:00:00Z' },
				{ scope: 'service', action: 'opt_in', occurredAt: '2026-11-02T10:00:00Z' },
			]),
		).toBe(true);
		expect(mayRememberGuest([{ scope: 'marketing', action: 'opt_out', occurredAt: '2026-11-01T10:00:00Z' }])).toBe(true);
	});
});
