// The Conversation Form as a tool: arguments, the message it makes, what the model is told, and the
// shared persistence (optimistic saves, another form active, asking again) over an in-memory store.
import { BUTTON_CANCEL, dayIn, type FormDefinition } from '../../../nodes/domain/dialog';
import { formToolAnswer, formToolArguments, formToolDescription, formToolMessage, formToolName } from '../../../nodes/domain/dialog/form-tool';
import { applyFormMessage, type FormStore } from '../../../nodes/domain/dialog/persist';
import type { ConversationFormInput, ConversationFormRecord } from '../../../nodes/domain/store/types';

const TIME_ZONE = 'Europe/Amsterdam';
const now = new Date();
const today = dayIn(now, TIME_ZONE);
const dayPlus = (days: number) => new Date(Date.parse(`${today}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

const hotel: FormDefinition = {
	name: 'Room Booking',
	fields: [
		{ name: 'dates', type: 'date_range', required: true, validation: { futureDate: true, maxNights: 14 } },
		{ name: 'guests', type: 'party_size', required: true, max: 6 },
		{ name: 'room', type: 'room_type', required: true },
	],
	startIntents: [],
	startOn: 'always',
	idleMinutes: 30,
	maxAttempts: 3,
	defaultLanguage: 'en',
	timeZone: TIME_ZONE,
	sideQuestionConfidence: 0.6,
};

const conversation = { id: 'whatsapp:1:31600000001', channel: 'whatsapp', phoneNumberId: '1', customer: { waId: '31600000001' } };

/** The SupportStore's form methods, in memory, with the same version check. */
function memoryStore(): FormStore & { record?: ConversationFormRecord; saves: number; conflictOnce: boolean } {
	const store = {
		record: undefined as ConversationFormRecord | undefined,
		saves: 0,
		conflictOnce: false,
		loadConversationForm: async () => store.record,
		saveConversationForm: async (input: ConversationFormInput, expectedVersion: number | null) => {
			store.saves += 1;
			if (store.conflictOnce) {
				// Another message saved first: the version moved on.
				store.conflictOnce = false;
				store.record = { ...(store.record ?? { ...input, version: 0 }), version: (store.record?.version ?? 0) + 1 };
				return undefined;
			}
			if ((store.record?.version ?? null) !== expectedVersion) return undefined;
			store.record = { ...input, version: (expectedVersion ?? 0) + 1 };
			return store.record;
		},
		clearConversationForm: async () => {
			store.record = undefined;
			return true;
		},
		upsertConversation: async () => undefined,
	};
	return store;
}

describe('Conversation Form as a tool', () => {
	it('names and describes the tool with every field and its format', () => {
		expect(formToolName(hotel)).toBe('start_room_booking');
		const description = formToolDescription(hotel, 'Use it when the guest wants to book a room.');
		expect(description.startsWith('Use it when the guest wants to book a room.')).toBe(true);
		expect(description).toContain('- dates: {"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}');
		expect(description).toContain('- room: one of single, double, twin, family, suite');
	});

	it('accepts values, a language and cancel; refuses other languages and types', () => {
		expect(formToolArguments.safeParse({ values: { guests: 2 }, language: 'nl' }).success).toBe(true);
		expect(formToolArguments.safeParse({}).success).toBe(true);
		expect(formToolArguments.safeParse({ language: 'it' }).success).toBe(false);
		expect(formToolArguments.safeParse({ values: 'two guests' }).success).toBe(false);
		expect(formToolArguments.safeParse({ cancel: 'yes' }).success).toBe(false);
	});

	it('turns a call into a message with no text: the model’s values, the guest’s language, a cancel button', () => {
		expect(formToolMessage({ values: { guests: 2 } }, { language: 'de', now })).toEqual({ text: '', entities: [], language: 'de', reference: now, llmValues: { guests: 2 } });
		expect(formToolMessage({ language: 'fr', cancel: true }, { language: 'de', now })).toMatchObject({ language: 'fr', buttonId: BUTTON_CANCEL, llmValues: {} });
	});

	it('starts the form with valid values only, in the guest’s language, and tells the model what to send', async () => {
		const store = memoryStore();
		const message = formToolMessage({ values: { dates: { start: dayPlus(3), end: dayPlus(5) }, guests: 9, room: 'penthouse' }, language: 'nl' }, { now });
		const result = await applyFormMessage(store, conversation, hotel, message, { forceStart: true });
		const told = formToolAnswer(hotel, result);
		expect(told).toMatchObject({ form: 'Room Booking', status: 'asking', values: { dates: { start: dayPlus(3), end: dayPlus(5) } }, missing: ['guests', 'room'], filled: ['dates'] });
		// Dutch, and about the party size (9 is over the maximum of 6, and a model's bad value is simply dropped).
		expect(told.question).toBe(result?.reply?.text);
		expect(result?.reply?.language).toBe('nl');
		expect(store.record).toMatchObject({ formName: 'Room Booking', askedField: 'guests', language: 'nl', attempts: {} });
	});

	it('goes to confirming with the summary and buttons when everything is given at once', async () => {
		const store = memoryStore();
		const message = formToolMessage({ values: { dates: { start: dayPlus(3), end: dayPlus(5) }, guests: 2, room: 'double' } }, { language: 'en', now });
		const told = formToolAnswer(hotel, await applyFormMessage(store, conversation, hotel, message, { forceStart: true }));
		expect(told).toMatchObject({ status: 'confirming', missing: [], buttons: ['Confirm', 'Change'] });
		expect(String(told.question)).toContain('2');
	});

	it('asks the same question again without counting a failure when a call brings nothing new', async () => {
		const store = memoryStore();
		const first = await applyFormMessage(store, conversation, hotel, formToolMessage({}, { language: 'en', now }), { forceStart: true });
		const again = await applyFormMessage(store, conversation, hotel, formToolMessage({}, { language: 'en', now }), { forceStart: true, repeatQuestion: true });
		expect(again?.reply?.text).toBe(first?.reply?.text);
		expect(store.record?.attempts).toEqual({});
		// Without repeatQuestion an empty answer is a failed attempt.
		await applyFormMessage(store, conversation, hotel, formToolMessage({}, { language: 'en', now }), { forceStart: true });
		expect(store.record?.attempts).toEqual({ dates: 1 });
	});

	it('re-applies the call when another message saved the form first', async () => {
		const store = memoryStore();
		await applyFormMessage(store, conversation, hotel, formToolMessage({}, { language: 'en', now }), { forceStart: true });
		store.conflictOnce = true;
		const savesBefore = store.saves;
		const result = await applyFormMessage(store, conversation, hotel, formToolMessage({ values: { guests: 2 } }, { language: 'en', now }), { forceStart: true });
		expect(store.saves - savesBefore).toBe(2);
		expect(result?.form?.values).toEqual({ guests: 2 });
		expect(store.record?.values).toEqual({ guests: 2 });
	});

	it('leaves another active form alone and says so; cancels its own form on request', async () => {
		const store = memoryStore();
		await applyFormMessage(store, conversation, { ...hotel, name: 'table_booking' }, formToolMessage({}, { language: 'en', now }), { forceStart: true });
		const blocked = await applyFormMessage(store, conversation, hotel, formToolMessage({ values: { guests: 2 } }, { now }), { forceStart: true });
		expect(formToolAnswer(hotel, blocked)).toMatchObject({ status: 'other_form_active' });
		expect(store.record?.formName).toBe('table_booking');

		const mine = memoryStore();
		await applyFormMessage(mine, conversation, hotel, formToolMessage({ values: { guests: 2 } }, { language: 'es', now }), { forceStart: true });
		const cancelled = await applyFormMessage(mine, conversation, hotel, formToolMessage({ cancel: true }, { now }), { forceStart: true });
		expect(formToolAnswer(hotel, cancelled)).toMatchObject({ status: 'cancelled' });
		expect(cancelled?.reply?.language).toBe('es');
		expect(mine.record).toBeUndefined();
		expect(formToolAnswer(hotel, undefined)).toMatchObject({ status: 'busy' });
	});
});
