import {
	BUTTON_CHANGE,
	BUTTON_CONFIRM,
	dayIn,
	FORM_TEXTS,
	FormDefinitionError,
	isFormExpired,
	parseChoices,
	stepForm,
	validateFormDefinition,
	type FormDefinition,
	type FormState,
	type MessageUnderstanding,
	type StepResult,
} from '../../../nodes/domain/dialog';
import type { Entity } from '../../../nodes/domain/nlu/entities/types';
import { SUPPORTED_LANGUAGES, type SupportedLanguage } from '../../../nodes/domain/nlu/types';

const TIME_ZONE = 'Europe/Amsterdam';
const reference = new Date();
const today = dayIn(reference, TIME_ZONE);

function dayPlus(days: number): string {
	return new Date(Date.parse(`${today}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

const hotel: FormDefinition = {
	name: 'room_booking',
	fields: [
		{ name: 'dates', type: 'date_range', required: true, validation: { futureDate: true, maxNights: 14 } },
		{ name: 'guests', type: 'party_size', required: true, max: 6 },
		{ name: 'room', type: 'room_type', required: true },
		{ name: 'name', type: 'person_name', required: true },
		{ name: 'breakfast', type: 'choice', required: false, choices: parseChoices('yes: Breakfast, ontbijt, Frühstück, petit-déjeuner, desayuno\nno: No breakfast, zonder ontbijt, ohne Frühstück, sans petit-déjeuner, sin desayuno') },
	],
	startIntents: ['booking_new'],
	startOn: 'intent',
	idleMinutes: 30,
	maxAttempts: 3,
	defaultLanguage: 'en',
	timeZone: TIME_ZONE,
	sideQuestionConfidence: 0.6,
};

const restaurant: FormDefinition = {
	...hotel,
	name: 'table',
	fields: [
		{ name: 'day', type: 'date', required: true, validation: { futureDate: true } },
		{ name: 'time', type: 'time', required: true, validation: { openingHours: '12:00-22:00' } },
		{ name: 'people', type: 'party_size', required: true, max: 8 },
		{ name: 'seating', type: 'choice', required: true, choices: parseChoices('inside: Inside, binnen, drinnen, intérieur, dentro\nterrace: Terrace, terras, Terrasse, terrasse, terraza') },
	],
	startIntents: ['booking_new'],
};

function entity(type: Entity['type'], value: Entity['value'], text = String(typeof value === 'object' ? `${value.start}/${value.end}` : value)): Entity {
	return { type, value, text, start: 0, end: text.length };
}

function msg(text: string, extra: Partial<MessageUnderstanding> = {}): MessageUnderstanding {
	return { text, entities: [], reference, language: 'en', intent: 'booking_new', confidence: 0.3, ...extra };
}

/** Runs messages through one form, carrying the state like the node does, and returns every step. */
function converse(definition: FormDefinition, messages: MessageUnderstanding[], start?: FormState): StepResult[] {
	let state = start;
	const results: StepResult[] = [];
	for (const message of messages) {
		const result = stepForm({ definition, state, message, now: new Date() });
		results.push(result);
		if (result.changed) state = result.state ?? undefined;
	}
	return results;
}

function stateAfter(definition: FormDefinition, messages: MessageUnderstanding[]): FormState {
	const last = converse(definition, messages).at(-1);
	if (!last?.state) throw new Error('no state');
	return last.state;
}

describe('Conversation Form state machine', () => {
	it('starts only on a start intent, and asks the first missing field', () => {
		const other = stepForm({ definition: hotel, state: undefined, message: msg('What time is breakfast?', { intent: 'amenities', confidence: 0.9 }), now: new Date() });
		expect(other).toMatchObject({ outcome: 'not_in_form', state: null, changed: false });
		expect(other.form).toBeUndefined();

		const started = stepForm({ definition: hotel, state: undefined, message: msg('I want to book a room', { confidence: 0.9 }), now: new Date() });
		expect(started.outcome).toBe('ask');
		expect(started.state).toMatchObject({ name: 'room_booking', status: 'asking', askedField: 'dates', values: {} });
		expect(started.reply).toEqual({ text: FORM_TEXTS.en.questions.date_range, language: 'en', source: 'form' });
		expect(started.form).toMatchObject({ status: 'asking', missing: ['dates', 'guests', 'room', 'name'], ask: { field: 'dates' } });
	});

	it('fills several fields from one message and asks what is left', () => {
		const [result] = converse(hotel, [
			msg('double room for 2 from the 12th to the 14th', {
				entities: [entity('room_type', 'double'), entity('party_size', 2), entity('date_range', { start: dayPlus(10), end: dayPlus(12) })],
			}),
		]);
		expect(result.form?.values).toEqual({ room: 'double', guests: 2, dates: { start: dayPlus(10), end: dayPlus(12) } });
		expect(result.form?.source).toEqual({ room: 'entity', guests: 'entity', dates: 'entity' });
		expect(result.form?.filled?.sort()).toEqual(['dates', 'guests', 'room']);
		expect(result.form?.ask?.field).toBe('name');
	});

	it('reads short answers itself: a bare number, a room word, a name, two written dates', () => {
		const results = converse(hotel, [
			msg('Book a room please', { confidence: 0.9 }),
			msg('12/03 - 15/03'.replace('12/03', dayPlus(3).slice(8, 10) + '/' + dayPlus(3).slice(5, 7)).replace('15/03', dayPlus(5).slice(8, 10) + '/' + dayPlus(5).slice(5, 7))),
			msg('2'),
			msg('een tweepersoonskamer graag', { language: 'nl' }),
			msg('Mijn naam is Anna de Vries', { language: 'nl' }),
		]);
		const last = results.at(-1) as StepResult;
		expect(last.form?.values).toEqual({ dates: { start: dayPlus(3), end: dayPlus(5) }, guests: 2, room: 'double', name: 'Anna de Vries' });
		expect(last.form?.source).toEqual({ dates: 'parser', guests: 'parser', room: 'parser', name: 'parser' });
		expect(last.form?.status).toBe('confirming');
		expect(last.reply?.language).toBe('nl');

		// Asked for a name, an answer that carries another value is not taken as the name.
		const askingName = converse(hotel, [msg('book', { confidence: 0.9, entities: [entity('room_type', 'double'), entity('party_size', 2), entity('date_range', { start: dayPlus(3), end: dayPlus(5) })] })])[0];
		expect(askingName.form?.ask?.field).toBe('name');
		const [correction] = converse(hotel, [msg('actually 3 people', { entities: [entity('party_size', 3)] })], askingName.state as FormState);
		expect(correction.form?.values).toMatchObject({ guests: 3 });
		expect(correction.form?.values.name).toBeUndefined();
		expect(correction.form?.ask?.field).toBe('name');
	});

	it('keeps an arrival given alone and asks until when (a date or a number of nights)', () => {
		const state = stateAfter(hotel, [msg('Ik wil een kamer boeken', { confidence: 0.9, language: 'nl' })]);
		const [arrival, byNights] = converse(hotel, [msg('we komen op de 12e', { language: 'nl', entities: [entity('date', dayPlus(5))] }), msg('3 nachten')], state);
		expect(arrival.outcome).toBe('ask');
		expect(arrival.reply?.text).toBe(FORM_TEXTS.nl.rangeEndQuestion);
		expect(arrival.state?.partialRange).toEqual({ field: 'dates', start: dayPlus(5) });
		expect(arrival.form?.values.dates).toBeUndefined();
		expect(byNights.form?.values.dates).toEqual({ start: dayPlus(5), end: dayPlus(8) });
		expect(byNights.state?.partialRange).toBeUndefined();
		expect(byNights.form?.ask?.field).toBe('guests');

		const [, byDate] = converse(hotel, [msg('x', { entities: [entity('date', dayPlus(5))] }), msg('y', { entities: [entity('date', dayPlus(7))] })], state);
		expect(byDate.form?.values.dates).toEqual({ start: dayPlus(5), end: dayPlus(7) });
		const [, backwards] = converse(hotel, [msg('x', { entities: [entity('date', dayPlus(5))] }), msg('y', { entities: [entity('date', dayPlus(2))] })], state);
		expect(backwards.form?.ask?.problem?.reason).toBe('end_before_start');
		// A party size is not a number of nights.
		const [, people] = converse(hotel, [msg('x', { entities: [entity('date', dayPlus(5))] }), msg('met 3 personen', { entities: [entity('party_size', 3)] })], state);
		expect(people.form?.values).toEqual({ guests: 3 });
		expect(people.reply?.text).toBe(FORM_TEXTS.nl.rangeEndQuestion);
	});

	it('takes corrections: "actually 3 people" and "nee, vanaf de 13e" overwrite what was there', () => {
		const state = stateAfter(hotel, [
			msg('book', { confidence: 0.9, entities: [entity('party_size', 2), entity('date_range', { start: dayPlus(3), end: dayPlus(6) })] }),
		]);
		const [people] = converse(hotel, [msg('actually 3 people', { entities: [entity('party_size', 3)] })], state);
		expect(people.form?.values.guests).toBe(3);
		expect(people.form?.filled).toEqual(['guests']);

		// "vanaf de 13e": a new arrival day, parsed by the form; the departure stays when it is still later.
		const startDay = Number(dayPlus(4).slice(8, 10));
		const [moved] = converse(hotel, [msg(`nee, vanaf de ${startDay}e`, { language: 'nl' })], people.state as FormState);
		expect(moved.form?.values.dates).toEqual({ start: dayPlus(4), end: dayPlus(6) });
		expect(moved.form?.source.dates).toBe('parser');
		expect(moved.reply?.language).toBe('nl');
	});

	it('lets a side question through without losing the form, then asks again', () => {
		const state = stateAfter(hotel, [msg('book a room', { confidence: 0.9 })]);
		const [side, next, again] = converse(hotel, [msg('Is there parking at the hotel?', { intent: 'directions_transport', confidence: 0.85 }), msg('ok thanks', { intent: 'thanks_goodbye', confidence: 0.9 }), msg('hmm')], state);
		expect(side.outcome).toBe('not_in_form');
		expect(side.state).toEqual({ ...state, resumePending: true, lastActiveAt: side.state?.lastActiveAt });
		expect(side.form).toMatchObject({ name: 'room_booking', status: 'asking', sideQuestion: true });
		expect(side.reply).toBeUndefined();
		// After the side question the form simply asks again, without counting a failure …
		expect(next.outcome).toBe('ask');
		expect(next.reply?.text).toBe(FORM_TEXTS.en.questions.date_range);
		expect(next.state?.attempts).toEqual({});
		// … and only then does an answer it cannot use count.
		expect(again.form?.ask).toMatchObject({ field: 'dates', problem: { reason: 'not_understood' } });
		expect(again.state?.attempts).toEqual({ dates: 1 });
		// A low-confidence other intent is not a side question, nor is a short answer with a confident wrong intent.
		expect(converse(hotel, [msg('blue', { intent: 'amenities', confidence: 0.3 })], state)[0].outcome).toBe('ask');
		expect(converse(hotel, [msg('purple', { intent: 'billing', confidence: 0.9 })], state)[0].form?.ask?.problem?.reason).toBe('not_understood');
	});

	it('keeps the form’s language for short answers, and switches for a real sentence', () => {
		const state = stateAfter(hotel, [msg('Ik wil een kamer boeken', { confidence: 0.9, language: 'nl', entities: [entity('date_range', { start: dayPlus(3), end: dayPlus(5) })] })]);
		const [short] = converse(hotel, [msg('2', { language: 'de' })], state);
		expect(short.reply?.language).toBe('nl');
		expect(short.reply?.text).toBe(FORM_TEXTS.nl.questions.room_type);
		const [sentence] = converse(hotel, [msg('Wir sind zwei Personen, bitte', { language: 'de', entities: [entity('party_size', 2)] })], state);
		expect(sentence.reply?.language).toBe('de');
		expect(sentence.state?.language).toBe('de');
	});

	it('keeps the form’s language when the name question gets a bare name that looks like another language', () => {
		const withName = { ...restaurant, fields: [...restaurant.fields, { name: 'name', type: 'person_name' as const, required: true }] };
		const entities = [entity('date', dayPlus(1)), entity('time', '20:00'), entity('party_size', 4)];
		const [asked] = converse(withName, [msg('Een tafel voor 4 morgen om 20:00 binnen graag', { confidence: 0.9, language: 'nl', entities })]);
		expect(asked.form?.ask?.field).toBe('name');
		const [named] = converse(withName, [msg('Sanne de Boer', { language: 'fr' })], asked.state as FormState);
		expect(named.form).toMatchObject({ status: 'confirming', values: { name: 'Sanne de Boer' } });
		expect(named.reply?.language).toBe('nl');
		// A sentence that introduces the name still tells the language.
		const [introduced] = converse(withName, [msg('Je m’appelle Sanne de Boer', { language: 'fr' })], asked.state as FormState);
		expect(introduced.reply?.language).toBe('fr');
	});

	it('reads an explicit time even when another field was asked', () => {
		const state = stateAfter(restaurant, [msg('table', { confidence: 0.9 })]);
		expect(state.askedField).toBe('day');
		const [result] = converse(restaurant, [msg('20:00', { intent: 'check_in_out', confidence: 0.94 })], state);
		expect(result.form?.values.time).toBe('20:00');
		expect(result.form?.ask?.field).toBe('day');
		// A bare number is only an hour when the time was asked.
		expect(converse(restaurant, [msg('8')], state)[0].form?.values.time).toBeUndefined();
	});

	it.each<[SupportedLanguage, string]>([
		['en', 'never mind'],
		['nl', 'laat maar'],
		['de', 'abbrechen bitte'],
		['fr', 'annuler'],
		['es', 'cancelar'],
	])('cancels on cancel words (%s: %s) with a reply in that language', (language, text) => {
		const state = stateAfter(hotel, [msg('book', { confidence: 0.9, language, entities: [entity('party_size', 2)] })]);
		const [result] = converse(hotel, [msg(text, { language })], state);
		expect(result.outcome).toBe('cancelled');
		expect(result.state).toBeNull();
		expect(result.form).toMatchObject({ status: 'cancelled', values: { guests: 2 } });
		expect(result.reply).toEqual({ text: FORM_TEXTS[language].cancelled, language, source: 'form' });
	});

	it('hands off after too many failed answers on one field, with the values so far', () => {
		const results = converse(hotel, [
			msg('book', { confidence: 0.9, entities: [entity('party_size', 2)] }),
			msg('purple'),
			msg('banana'),
			msg('what?'),
		]);
		expect(results.map((result) => result.outcome)).toEqual(['ask', 'ask', 'ask', 'handoff']);
		expect(results[1].form?.ask?.text).toBe(`${FORM_TEXTS.en.problems.not_understood} ${FORM_TEXTS.en.questions.date_range}`);
		expect(results[3].form).toMatchObject({ status: 'handoff', reason: 'too_many_attempts', values: { guests: 2 }, missing: ['dates', 'room', 'name'] });
		expect(results[3].reply?.text).toBe(FORM_TEXTS.en.handoff);
		expect(results[3].state).toBeNull();
	});

	it('asks again, clearly, after bad input: 31 February, a party of 0, check-out before check-in, the past', () => {
		const state = stateAfter(hotel, [msg('book', { confidence: 0.9 })]);
		const [february] = converse(hotel, [msg('from 31 February to 3 March')], state);
		expect(february.form?.ask).toMatchObject({ field: 'dates', problem: { reason: 'invalid_date' } });
		expect(february.reply?.text).toBe(`${FORM_TEXTS.en.problems.invalid_date} ${FORM_TEXTS.en.questions.date_range}`);

		const [zero] = converse(hotel, [msg('0 people', { entities: [entity('party_size', 0)] })], state);
		expect(zero.form?.ask).toMatchObject({ field: 'guests', problem: { reason: 'out_of_range', details: { min: 1, max: 6 } } });
		expect(zero.form?.values.guests).toBeUndefined();
		expect(zero.reply?.text).toMatch(/between 1 and 6/);

		const [backwards] = converse(hotel, [msg('Wir kommen am Fünften und fahren am Dritten', { language: 'de', entities: [entity('date_range', { start: dayPlus(5), end: dayPlus(3) })] })], state);
		expect(backwards.form?.ask?.problem?.reason).toBe('end_before_start');
		expect(backwards.reply?.text).toBe(`${FORM_TEXTS.de.problems.end_before_start} ${FORM_TEXTS.de.questions.date_range}`);

		const [past] = converse(hotel, [msg('x', { entities: [entity('date_range', { start: dayPlus(-3), end: dayPlus(-1) })] })], state);
		expect(past.form?.ask?.problem?.reason).toBe('past_date');

		const [long] = converse(hotel, [msg('x', { entities: [entity('date_range', { start: dayPlus(1), end: dayPlus(30) })] })], state);
		expect(long.reply?.text).toMatch(/at most 14 nights/);

		const table = stateAfter(restaurant, [msg('Een tafel voor morgen graag', { confidence: 0.9, language: 'nl', entities: [entity('date', dayPlus(1))] })]);
		const [late] = converse(restaurant, [msg('om 23:30', { language: 'nl' })], table);
		expect(late.form?.ask).toMatchObject({ field: 'time', problem: { reason: 'outside_hours', details: { from: '12:00', to: '22:00' } } });
		expect(late.reply?.text).toMatch(/^We zijn open van 12:00 tot 22:00\./);
		const [fine] = converse(restaurant, [msg('8pm')], table);
		expect(fine.form?.values.time).toBe('20:00');
	});

	it('confirms with buttons, completes on the button or a typed yes, reopens on change', () => {
		const filled = converse(hotel, [
			msg('book', { confidence: 0.9, entities: [entity('room_type', 'double'), entity('party_size', 2), entity('date_range', { start: dayPlus(10), end: dayPlus(12) })] }),
			msg('Anna de Vries'),
		]).at(-1) as StepResult;
		expect(filled.form?.status).toBe('confirming');
		expect(filled.reply?.buttons).toEqual([
			{ id: BUTTON_CONFIRM, title: 'Confirm' },
			{ id: BUTTON_CHANGE, title: 'Change' },
		]);
		expect(filled.form?.summary).toMatch(/• Dates: .+ \(2 nights\)\n• Guests: 2\n• Room: Double\n• Name: Anna de Vries/);
		expect(filled.reply?.text).toContain(filled.form?.summary);
		const confirming = filled.state as FormState;

		const [byButton] = converse(hotel, [msg('Confirm', { buttonId: BUTTON_CONFIRM })], confirming);
		expect(byButton.outcome).toBe('complete');
		expect(byButton.state).toBeNull();
		expect(byButton.form).toMatchObject({
			name: 'room_booking',
			status: 'complete',
			values: { room: 'double', guests: 2, name: 'Anna de Vries', dates: { start: dayPlus(10), end: dayPlus(12) } },
			missing: [],
			source: { room: 'entity', name: 'parser' },
		});
		expect(byButton.reply).toBeUndefined();
		// "yes" is also the id of the breakfast option, but while confirming it confirms.
		expect(converse(hotel, [msg('yes')], confirming)[0].outcome).toBe('complete');
		for (const [language, yes] of [['nl', 'ja klopt'], ['de', 'ja, genau'], ['fr', 'oui'], ['es', 'sí, vale']] as Array<[SupportedLanguage, string]>) {
			expect(converse(hotel, [msg(yes, { language })], confirming)[0].outcome).toBe('complete');
		}

		const [change, which, newDates] = converse(
			hotel,
			[msg('Change', { buttonId: BUTTON_CHANGE }), msg('the dates'), msg('x', { entities: [entity('date_range', { start: dayPlus(20), end: dayPlus(23) })] })],
			confirming,
		);
		expect(change.form?.ask?.field).toBe('_change');
		expect(change.reply?.text).toMatch(/^What would you like to change\? \(Dates, Guests, Room, Name, Breakfast\)/);
		expect(which.form?.ask?.field).toBe('dates');
		expect(which.form?.values.dates).toBeUndefined();
		expect(newDates.form?.status).toBe('confirming');
		expect(newDates.form?.values.dates).toEqual({ start: dayPlus(20), end: dayPlus(23) });

		// A new value while confirming updates and confirms again; "nee" asks what to change.
		const [more] = converse(hotel, [msg('actually 4 of us', { entities: [entity('party_size', 4)] })], confirming);
		expect(more.form).toMatchObject({ status: 'confirming', values: { guests: 4 } });
		expect(more.form?.summary).toMatch(/Guests: 4/);
		expect(converse(hotel, [msg('nee', { language: 'nl' })], confirming)[0].form?.ask?.field).toBe('_change');
	});

	it('confirms a cancellation form on "yes, cancel it", and still cancels on a bare cancel word', () => {
		const cancellation: FormDefinition = { ...hotel, name: 'booking_cancellation', fields: [{ name: 'reference', type: 'booking_ref', required: true }], startIntents: ['booking_cancel'] };
		const [asked] = converse(cancellation, [msg('I want to cancel my booking BK-48213', { intent: 'booking_cancel', confidence: 0.95, entities: [entity('booking_ref', 'BK-48213')] })]);
		expect(asked.form).toMatchObject({ status: 'confirming', values: { reference: 'BK-48213' } });
		for (const [language, text] of [['en', 'yes, cancel it'], ['nl', 'ja, annuleren'], ['fr', 'oui, annuler'], ['es', 'sí, cancelar']] as Array<[SupportedLanguage, string]>) {
			const [result] = converse(cancellation, [msg(text, { language })], asked.state as FormState);
			expect(result.outcome).toBe('complete');
		}
		expect(converse(cancellation, [msg('cancel')], asked.state as FormState)[0].outcome).toBe('cancelled');
	});

	it('fills choice lists from synonyms in five languages and from its own buttons', () => {
		const state = stateAfter(restaurant, [
			msg('table', { confidence: 0.9, entities: [entity('date', dayPlus(1)), entity('time', '19:30'), entity('party_size', 4)] }),
		]);
		expect(state.askedField).toBe('seating');
		const asked = converse(restaurant, [msg('hmm')], state)[0];
		expect(asked.reply?.buttons).toEqual([
			{ id: 'form:seating:inside', title: 'Inside' },
			{ id: 'form:seating:terrace', title: 'Terrace' },
		]);
		for (const [language, text] of [['en', 'on the terrace'], ['nl', 'op het terras'], ['de', 'auf der Terrasse'], ['fr', 'en terrasse'], ['es', 'en la terraza']] as Array<[SupportedLanguage, string]>) {
			const [result] = converse(restaurant, [msg(text, { language })], state);
			expect(result.form?.values.seating).toBe('terrace');
		}
		const [tapped] = converse(restaurant, [msg('Inside', { buttonId: 'form:seating:inside' })], state);
		expect(tapped.form).toMatchObject({ values: { seating: 'inside' }, source: { seating: 'button' }, status: 'confirming' });
		expect(converse(restaurant, [msg('2')], state)[0].form?.values.seating).toBe('terrace');
	});

	it('keeps model values only when they fit the field', () => {
		const state = stateAfter(hotel, [msg('book', { confidence: 0.9 })]);
		const [result] = converse(hotel, [msg('we are a couple, coming the weekend after next', { llmValues: { guests: '2', dates: { start: dayPlus(5), end: dayPlus(3) }, room: 'double' } })], state);
		expect(result.form?.values).toEqual({ guests: 2, room: 'double' });
		expect(result.form?.source).toEqual({ guests: 'llm', room: 'llm' });
		expect(result.form?.ask?.field).toBe('dates');
		expect(result.form?.ask?.problem).toBeUndefined();
	});

	it('expires after the idle time', () => {
		const now = new Date();
		expect(isFormExpired(new Date(now.getTime() - 31 * 60_000).toISOString(), 30, now)).toBe(true);
		expect(isFormExpired(new Date(now.getTime() - 29 * 60_000).toISOString(), 30, now)).toBe(false);
	});

	it('has every text in five languages, with button titles WhatsApp accepts', () => {
		const keys = (language: SupportedLanguage) => JSON.stringify(Object.keys(FORM_TEXTS[language]).concat(Object.keys(FORM_TEXTS[language].questions), Object.keys(FORM_TEXTS[language].problems)));
		for (const language of SUPPORTED_LANGUAGES) {
			expect(keys(language)).toBe(keys('en'));
			expect(FORM_TEXTS[language].confirmButton.length).toBeLessThanOrEqual(20);
			expect(FORM_TEXTS[language].changeButton.length).toBeLessThanOrEqual(20);
			for (const text of Object.values(FORM_TEXTS[language].questions)) expect(text.trim()).not.toBe('');
		}
		const questions = SUPPORTED_LANGUAGES.map((language) => converse(hotel, [msg('book', { confidence: 0.9, language })])[0].reply?.text);
		expect(new Set(questions).size).toBe(5);
		const confirmations = SUPPORTED_LANGUAGES.map(
			(language) =>
				converse(hotel, [
					msg('book', { confidence: 0.9, language, entities: [entity('room_type', 'suite'), entity('party_size', 2), entity('person_name', 'Jo'), entity('date_range', { start: dayPlus(2), end: dayPlus(4) })] }),
				])[0],
		);
		expect(confirmations.map((result) => result.reply?.buttons?.[0].title)).toEqual(['Confirm', 'Bevestigen', 'Bestätigen', 'Confirmer', 'Confirmar']);
		expect(confirmations[2].form?.summary).toMatch(/Zeitraum: \d+\. \w+/);
	});

	it('refuses bad configuration with a hint', () => {
		const bad = (change: Partial<FormDefinition>) => () => validateFormDefinition({ ...hotel, ...change });
		expect(bad({ fields: [{ name: 'x', type: 'colour' as never, required: true }] })).toThrow(/unknown type "colour"/);
		expect(bad({ fields: [{ name: 'x', type: 'choice', required: true, choices: [] }] })).toThrow(FormDefinitionError);
		expect(bad({ fields: [{ name: 'a', type: 'text', required: true }, { name: 'a', type: 'date', required: true }] })).toThrow(/Two fields are named "a"/);
		expect(bad({ fields: [] })).toThrow(/no fields/);
		expect(bad({ fields: [{ name: 't', type: 'time', required: true, validation: { openingHours: 'noon to late' } }] })).toThrow(/HH:MM-HH:MM|unknown format/);
		try {
			bad({ fields: [{ name: 'x', type: 'choice', required: true, choices: [] }] })();
		} catch (error) {
			expect((error as FormDefinitionError).hint).toMatch(/one per line/);
		}
	});
});
