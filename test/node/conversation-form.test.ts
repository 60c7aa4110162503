// The Conversation Form inside n8n: multi-turn conversations over several executions sharing one store,
// each output, concurrent messages of one guest, bad configuration, continue-on-fail and a chat model.
import type { IDataObject, INode, INodeParameters } from 'n8n-workflow';

import { dayIn } from '../../nodes/domain/dialog';
import { conversationIdOf } from '../../nodes/domain/envelope';
import type { Entity } from '../../nodes/domain/nlu/entities/types';
import { clearFakeChatScripts, FAKE_CHAT_MODEL_TYPE, fakeChatModelNodeTypes, registerFakeChatScript } from '../llm/fake-chat-model';
import { guest, startNodeTestBed, type NodeTestBed, type StoreBackendName } from '../helpers/node-fixtures';
import { line, node, workflow } from '../helpers/workflow-builder';
import { sqlOf } from '../helpers/store-sql';
import { runWorkflow } from '../helpers/workflow-runner';

const ASK = 0;
const COMPLETE = 1;
const CANCELLED = 2;
const HANDOFF = 3;
const NOT_IN_FORM = 4;
const OUTPUTS = [ASK, COMPLETE, CANCELLED, HANDOFF, NOT_IN_FORM];

const TIME_ZONE = 'Europe/Amsterdam';
const today = dayIn(new Date(), TIME_ZONE);
function dayPlus(days: number): string {
	return new Date(Date.parse(`${today}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

const HOTEL_FIELDS = {
	field: [
		{ name: 'dates', type: 'date_range', required: true, futureDate: true, maxNights: 14 },
		{ name: 'guests', type: 'party_size', required: true, max: 6 },
		{ name: 'room', type: 'room_type', required: true },
		{ name: 'name', type: 'person_name', required: true, questionNl: 'Op welke naam mag ik de kamer zetten?' },
	],
};

function hotelForm(extra: INodeParameters = {}): INodeParameters {
	return { formName: 'room_booking', startIntents: 'booking_new', fields: HOTEL_FIELDS, options: { timeZone: TIME_ZONE }, ...extra };
}

function entity(type: Entity['type'], value: Entity['value']): Entity {
	const text = typeof value === 'object' ? `${value.start} ${value.end}` : String(value);
	return { type, value, text, start: 0, end: text.length };
}

let messageCounter = 0;
function turn(waId: string, text: string, nlu: IDataObject = {}, message: IDataObject = {}): IDataObject {
	return {
		conversation: guest(waId, 'Anna de Vries'),
		message: { id: `wamid.form.${++messageCounter}`, type: 'text', text, timestamp: new Date().toISOString(), ...message },
		nlu: { intent: 'booking_new', confidence: 0.4, language: 'nl', entities: [], ...nlu },
	};
}

describe.each<StoreBackendName>(['embedded', 'postgres'])('Conversation Form in n8n (%s store)', (backend) => {
	let bed: NodeTestBed;

	beforeAll(async () => (bed = await startNodeTestBed(backend)));
	afterAll(async () => await bed.close());
	beforeEach(() => clearFakeChatScripts());

	async function form(parameters: INodeParameters, items: IDataObject[], extra: Partial<INode> = {}) {
		return await runWorkflow(line(bed.ourNode('Form', 'conversationForm', parameters, extra)), {
			credentials: bed.credentials,
			triggerItems: items.map((json) => ({ json })),
		});
	}

	/** The one output an item left on, and its JSON. */
	async function say(parameters: INodeParameters, item: IDataObject): Promise<{ output: number; json: IDataObject }> {
		const result = await form(parameters, [item]);
		expect(result.status).toBe('success');
		const found = OUTPUTS.flatMap((output) => result.json('Form', output).map((json) => ({ output, json })));
		expect(found).toHaveLength(1);
		return found[0];
	}

	it('books a room over six messages in Dutch, then completes on the Confirm button', async () => {
		const waId = `3161${backend === 'postgres' ? 1 : 2}000001`;
		const start = await say(hotelForm(), turn(waId, 'Ik wil graag een kamer boeken', { confidence: 0.93 }));
		expect(start.output).toBe(ASK);
		expect(start.json.form).toMatchObject({ name: 'room_booking', status: 'asking', values: {}, missing: ['dates', 'guests', 'room', 'name'], ask: { field: 'dates' } });
		expect(start.json.reply).toEqual({ text: 'Van welke datum tot welke datum?', language: 'nl', source: 'form' });
		expect(start.json.conversation).toMatchObject({ customer: { waId } });
		expect(start.json.nlu).toMatchObject({ intent: 'booking_new' });

		const both = await say(hotelForm(), turn(waId, 'van de 10e tot de 12e, met z’n tweeën', { entities: [entity('date_range', { start: dayPlus(10), end: dayPlus(12) }), entity('party_size', 2)] }));
		expect(both.json.form).toMatchObject({ values: { dates: { start: dayPlus(10), end: dayPlus(12) }, guests: 2 }, ask: { field: 'room' } });

		const room = await say(hotelForm(), turn(waId, 'een tweepersoonskamer', { intent: 'booking_new' }));
		expect(room.json.form).toMatchObject({ values: { room: 'double' }, source: { room: 'parser' }, ask: { field: 'name' } });
		expect((room.json.reply as IDataObject).text).toBe('Op welke naam mag ik de kamer zetten?');

		const invalid = await say(hotelForm(), turn(waId, 'eigenlijk met 0 personen', { entities: [entity('party_size', 0)] }));
		expect(invalid.output).toBe(ASK);
		expect((invalid.json.reply as IDataObject).text).toBe('Dat moet tussen 1 en 6 liggen. Voor hoeveel personen?');

		const name = await say(hotelForm(), turn(waId, 'Op naam van Anna de Vries', { intent: 'greeting' }));
		expect(name.output).toBe(ASK);
		// The party size was asked again; a name does not answer it.
		expect(name.json.form).toMatchObject({ status: 'asking', ask: { field: 'guests' } });
		const guests = await say(hotelForm(), turn(waId, '2'));
		expect(guests.json.form).toMatchObject({ status: 'asking', ask: { field: 'name' } });
		const named = await say(hotelForm(), turn(waId, 'Anna de Vries'));
		expect(named.json.form).toMatchObject({ status: 'confirming', values: { name: 'Anna de Vries' } });
		expect(named.json.reply).toMatchObject({ language: 'nl', buttons: [{ id: 'form:confirm', title: 'Bevestigen' }, { id: 'form:change', title: 'Wijzigen' }] });
		expect((named.json.reply as IDataObject).text).toMatch(/• Personen: 2/);

		const stored = await bed.store.loadConversationForm(conversationIdOf(guest(waId)));
		expect(stored).toMatchObject({ formName: 'room_booking', status: 'confirming', language: 'nl' });

		const done = await say(hotelForm(), turn(waId, 'Bevestigen', {}, { type: 'interactive', interactive: { type: 'button_reply', id: 'form:confirm', title: 'Bevestigen' } }));
		expect(done.output).toBe(COMPLETE);
		expect(done.json.form).toEqual({
			name: 'room_booking',
			status: 'complete',
			values: { dates: { start: dayPlus(10), end: dayPlus(12) }, guests: 2, room: 'double', name: 'Anna de Vries' },
			missing: [],
			source: { dates: 'entity', guests: 'parser', room: 'parser', name: 'parser' },
			language: 'nl',
			summary: expect.stringContaining('• Kamer: Double'),
		});
		expect(done.json.reply).toBeUndefined();
		expect(await bed.store.loadConversationForm(conversationIdOf(guest(waId)))).toBeUndefined();
	});

	it('passes other messages to Not in Form untouched, also while another form is active', async () => {
		const waId = `3162${backend === 'postgres' ? 1 : 2}000002`;
		const faq = turn(waId, 'Hoe laat is het ontbijt?', { intent: 'amenities', confidence: 0.9 });
		const none = await say(hotelForm(), faq);
		expect(none.output).toBe(NOT_IN_FORM);
		expect(none.json).toEqual(faq);

		await say(hotelForm({ formName: 'table', startIntents: 'table_booking' }), turn(waId, 'Tafel voor vanavond', { intent: 'table_booking', confidence: 0.9 }));
		const other = turn(waId, 'Ik wil een kamer boeken', { intent: 'booking_new', confidence: 0.95 });
		const blocked = await say(hotelForm(), other);
		expect(blocked.output).toBe(NOT_IN_FORM);
		expect(blocked.json).toEqual(other);
		expect((await bed.store.loadConversationForm(conversationIdOf(guest(waId))))?.formName).toBe('table');
	});

	it('lets a side question out and asks again next turn; cancels; hands off after three failed answers', async () => {
		const waId = `3163${backend === 'postgres' ? 1 : 2}000003`;
		await say(hotelForm(), turn(waId, 'I would like to book a room', { language: 'en', confidence: 0.9, entities: [entity('party_size', 2)] }));
		const side = await say(hotelForm(), turn(waId, 'Do you have parking?', { language: 'en', intent: 'directions_transport', confidence: 0.88 }));
		expect(side.output).toBe(NOT_IN_FORM);
		expect(side.json.form).toMatchObject({ name: 'room_booking', status: 'asking', sideQuestion: true, values: { guests: 2 } });
		expect(side.json.reply).toBeUndefined();
		expect((await bed.store.loadConversationForm(conversationIdOf(guest(waId))))?.resumePending).toBe(true);
		const again = await say(hotelForm(), turn(waId, 'ok', { language: 'en', intent: 'greeting', confidence: 0.7 }));
		expect(again.output).toBe(ASK);
		expect((again.json.reply as IDataObject).text).toBe('From which date to which date?');
		const failed = await say(hotelForm(), turn(waId, 'hmm', { language: 'en', intent: 'greeting', confidence: 0.7 }));
		expect((failed.json.reply as IDataObject).text).toBe('Sorry, I did not catch that. From which date to which date?');
		const cancelled = await say(hotelForm(), turn(waId, 'laisse tomber', { language: 'fr' }));
		expect(cancelled.output).toBe(CANCELLED);
		expect(cancelled.json.form).toMatchObject({ status: 'cancelled', values: { guests: 2 } });
		expect((cancelled.json.reply as IDataObject).text).toMatch(/^Pas de problème/);
		expect(await bed.store.loadConversationForm(conversationIdOf(guest(waId)))).toBeUndefined();

		await say(hotelForm(), turn(waId, 'Quiero reservar una habitación', { language: 'es', confidence: 0.9, entities: [entity('room_type', 'suite')] }));
		const outputs: number[] = [];
		for (const text of ['azul', 'mañana quizás', 'no sé']) outputs.push((await say(hotelForm(), turn(waId, text, { language: 'es' }))).output);
		expect(outputs).toEqual([ASK, ASK, HANDOFF]);
		const handoff = await say(hotelForm(), turn(waId, 'Quiero reservar', { language: 'es', confidence: 0.9 }));
		// After a handoff the form is gone: a new start intent starts a new form.
		expect(handoff.json.form).toMatchObject({ status: 'asking', values: {} });
	});

	it('hands off with the values so far on the Handoff output', async () => {
		const waId = `3164${backend === 'postgres' ? 1 : 2}000004`;
		await say(hotelForm({ options: { timeZone: TIME_ZONE, maxAttempts: 1 } }), turn(waId, 'Zimmer buchen', { language: 'de', confidence: 0.9, entities: [entity('room_type', 'double'), entity('party_size', 3)] }));
		const handoff = await say(hotelForm({ options: { timeZone: TIME_ZONE, maxAttempts: 1 } }), turn(waId, 'weiß nicht', { language: 'de' }));
		expect(handoff.output).toBe(HANDOFF);
		expect(handoff.json.form).toMatchObject({ name: 'room_booking', status: 'handoff', reason: 'too_many_attempts', values: { room: 'double', guests: 3 }, missing: ['dates', 'name'] });
		expect(handoff.json.reply).toMatchObject({ language: 'de', source: 'form' });
	});

	it('keeps an arrival given alone across executions and completes the range with a number of nights', async () => {
		const waId = `3168${backend === 'postgres' ? 1 : 2}000009`;
		await say(hotelForm(), turn(waId, 'Ich möchte ein Zimmer buchen', { language: 'de', confidence: 0.9 }));
		const arrival = await say(hotelForm(), turn(waId, 'Anreise am Zwölften', { language: 'de', entities: [entity('date', dayPlus(12))] }));
		expect((arrival.json.reply as IDataObject).text).toBe('Bis wann (oder für wie viele Nächte)?');
		expect((await bed.store.loadConversationForm(conversationIdOf(guest(waId))))?.partialRange).toEqual({ field: 'dates', start: dayPlus(12) });
		const nights = await say(hotelForm(), turn(waId, 'drei Nächte', { language: 'de' }));
		expect(nights.json.form).toMatchObject({ values: { dates: { start: dayPlus(12), end: dayPlus(15) } }, ask: { field: 'guests' } });
		expect((await bed.store.loadConversationForm(conversationIdOf(guest(waId))))?.partialRange).toBeNull();
	});

	it('drops a form after its idle time', async () => {
		const waId = `3165${backend === 'postgres' ? 1 : 2}000005`;
		const parameters = hotelForm({ options: { timeZone: TIME_ZONE, idleMinutes: 10 } });
		await say(parameters, turn(waId, 'book a room', { language: 'en', confidence: 0.9, entities: [entity('party_size', 4)] }));
		await sqlOf(bed.store).query(`UPDATE conversation_forms SET expires_at = now() - interval '1 minute', last_active_at = now() - interval '11 minutes' WHERE conversation_id = $1`, [
			conversationIdOf(guest(waId)),
		]);
		const late = await say(parameters, turn(waId, 'a double room', { language: 'en', intent: 'out_of_scope', confidence: 0.2 }));
		expect(late.output).toBe(NOT_IN_FORM);
		expect(late.json.form).toBeUndefined();
		const fresh = await say(parameters, turn(waId, 'I want to book', { language: 'en', confidence: 0.9 }));
		expect(fresh.json.form).toMatchObject({ values: {}, ask: { field: 'dates' } });
		expect((await bed.store.loadConversationForm(conversationIdOf(guest(waId))))?.version).toBe(2);
	});

	it('applies two messages sent at the same moment one after the other', async () => {
		const waId = `3166${backend === 'postgres' ? 1 : 2}000006`;
		await say(hotelForm(), turn(waId, 'kamer boeken', { confidence: 0.9 }));
		const runs = await Promise.all([
			form(hotelForm(), [turn(waId, 'met 3 personen', { entities: [entity('party_size', 3)] })]),
			form(hotelForm(), [turn(waId, 'een suite', { entities: [entity('room_type', 'suite')] })]),
			form(hotelForm(), [turn(waId, 'op naam van Jansen', { entities: [entity('person_name', 'Jansen')] })]),
		]);
		expect(runs.map((run) => run.status)).toEqual(['success', 'success', 'success']);
		const stored = await bed.store.loadConversationForm(conversationIdOf(guest(waId)));
		expect(stored?.values).toEqual({ guests: 3, room: 'suite', name: 'Jansen' });
		expect(stored?.version).toBe(4);
		// Each message was applied on top of the ones before it: the last saw all three values.
		const seen = runs.map((run) => Object.keys((run.json('Form', ASK)[0].form as IDataObject).values as IDataObject).length);
		expect(seen.sort()).toEqual([1, 2, 3]);
	});

	it('refuses bad configuration with a hint, and continues on fail when asked to', async () => {
		const duplicate = hotelForm({ fields: { field: [{ name: 'when', type: 'date' }, { name: 'when', type: 'time' }] } });
		const failed = await form(duplicate, [turn('31600000007', 'boek')]);
		expect(failed.status).toBe('error');
		expect(failed.error?.message).toBe('Two fields are named "when"');
		expect(failed.error?.description).toMatch(/unique/);

		const emptyChoice = await form(hotelForm({ fields: { field: [{ name: 'seating', type: 'choice', choices: '' }] } }), [turn('31600000007', 'boek')]);
		expect(emptyChoice.error?.description).toMatch(/one per line/);
		const unknownType = await form(hotelForm({ fields: { field: [{ name: 'colour', type: 'colour' }] } }), [turn('31600000007', 'boek')]);
		expect(unknownType.error?.message).toMatch(/unknown type "colour"/);

		// Odd input is not an error: broken entities are skipped, a WhatsApp epoch timestamp is read.
		const odd = turn('31600000017', 'kamer boeken', { confidence: 0.9, entities: [null, { type: 'party_size' }, entity('party_size', 2)] }, { timestamp: String(Math.floor(Date.now() / 1000)) });
		const tolerated = await say(hotelForm(), odd);
		expect(tolerated.json.form).toMatchObject({ values: { guests: 2 } });

		const tolerant = await form(duplicate, [turn('31600000007', 'boek'), { message: { text: 'no envelope' } }], { continueOnFail: true });
		expect(tolerant.status).toBe('success');
		const errors = tolerant.json('Form', NOT_IN_FORM);
		expect(errors).toHaveLength(2);
		expect(errors[0].error).toBe('Two fields are named "when"');
	});

	it('fills what the rules missed with a connected chat model, and validates its values', async () => {
		const waId = `3167${backend === 'postgres' ? 1 : 2}000008`;
		const script = registerFakeChatScript('form-filler', {
			replies: [JSON.stringify({ values: { guests: 2, room: 'penthouse-deluxe', dates: { start: dayPlus(30), end: dayPlus(33) } } })],
		});
		const formNode = bed.ourNode('Form', 'conversationForm', hotelForm());
		const run = async (item: IDataObject) =>
			await runWorkflow(
				workflow([node('Start', 'n8n-nodes-base.manualTrigger'), formNode, node('Chat Model', FAKE_CHAT_MODEL_TYPE, { scriptKey: 'form-filler' })], [
					['Start', 'Form'],
					['Chat Model', 'Form', 0, 'ai_languageModel'],
				]),
				{ credentials: bed.credentials, triggerItems: [{ json: item }], extraNodeTypes: fakeChatModelNodeTypes() },
			);
		const item = turn(waId, 'We komen met z’n tweetjes, over een maand, drie nachtjes, mail anna@example.nl', { confidence: 0.9 });
		(item.message as IDataObject).textMasked = 'We komen met z’n tweetjes, over een maand, drie nachtjes, mail [EMAIL_1]';
		const result = await run(item);
		expect(result.status).toBe('success');
		const output = result.json('Form', ASK)[0].form as IDataObject;
		expect(output).toMatchObject({ values: { guests: 2, dates: { start: dayPlus(30), end: dayPlus(33) } }, source: { guests: 'llm', dates: 'llm' }, ask: { field: 'room' } });
		expect((output.values as IDataObject).room).toBeUndefined();
		expect(script.calls).toHaveLength(1);
		expect(script.prompts()[0]).toContain('- room: one of single, double, twin, family, suite');
		// The model saw the masked text only.
		expect(script.prompts()[0]).toContain('[EMAIL_1]');
		expect(script.prompts()[0]).not.toContain('anna@example.nl');
	});
});
