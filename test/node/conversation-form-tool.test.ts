// The Conversation Form Tool in real n8n, in-process: a scripted model on AI Reply starts the room booking
// form with the values the guest already gave, relays the form's question, and the Conversation Form node
// continues the same form (same store, same definition) with the guest's next messages, to Complete.
// Both store backends.
import { NodeConnectionTypes, type IDataObject, type INode, type INodeParameters } from 'n8n-workflow';

import { dayIn } from '../../nodes/domain/dialog';
import { conversationIdOf } from '../../nodes/domain/envelope';
import { guest, startNodeTestBed, type NodeTestBed, type StoreBackendName } from '../helpers/node-fixtures';
import { line, node, workflow } from '../helpers/workflow-builder';
import { runWorkflow } from '../helpers/workflow-runner';
import { clearFakeChatScripts, FAKE_CHAT_MODEL_TYPE, fakeChatModelNodeTypes, registerFakeChatScript, type FakeCall } from '../llm/fake-chat-model';

const ANSWERED = 0;
const ASK = 0;
const COMPLETE = 1;
const TIME_ZONE = 'Europe/Amsterdam';
const today = dayIn(new Date(), TIME_ZONE);
const dayPlus = (days: number) => new Date(Date.parse(`${today}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

const FORM: INodeParameters = {
	formName: 'room_booking',
	fields: {
		field: [
			{ name: 'dates', type: 'date_range', required: true, futureDate: true, maxNights: 14 },
			{ name: 'guests', type: 'party_size', required: true, max: 6 },
			{ name: 'room', type: 'room_type', required: true },
			{ name: 'name', type: 'person_name', required: true },
		],
	},
	options: { timeZone: TIME_ZONE },
};

const toolAnswers = (call: FakeCall) => call.messages.filter((message) => message.role === 'tool').map((message) => JSON.parse(message.content) as IDataObject);
const answer = (text: string) => JSON.stringify({ answered: true, answer: text, sources: [] });

let counter = 0;
function item(waId: string, text: string, nlu: IDataObject = {}, message: IDataObject = {}): IDataObject {
	return {
		conversation: guest(waId, 'Anna Jansen'),
		message: { id: `wamid.formtool.${++counter}`, type: 'text', text, timestamp: new Date().toISOString(), ...message },
		nlu: { language: 'en', entities: [], ...nlu },
	};
}

describe.each<StoreBackendName>(['embedded', 'postgres'])('Conversation Form Tool in n8n (%s store)', (backend) => {
	let bed: NodeTestBed;

	beforeAll(async () => (bed = await startNodeTestBed(backend)));
	afterAll(async () => await bed.close());
	beforeEach(() => clearFakeChatScripts());

	async function replyWithTool(json: IDataObject, toolParameters: INodeParameters = {}) {
		const nodes: INode[] = [
			node('Start', 'n8n-nodes-base.manualTrigger'),
			bed.ourNode('Reply', 'aiReply', { modelSource: 'input' }),
			node('Model', FAKE_CHAT_MODEL_TYPE, { scriptKey: 'form-tool' }),
			bed.ourNode('Start Room Booking', 'conversationFormTool', { ...FORM, ...toolParameters }),
		];
		const built = workflow(nodes, [
			['Start', 'Reply'],
			['Model', 'Reply', 0, NodeConnectionTypes.AiLanguageModel],
			['Start Room Booking', 'Reply', 0, NodeConnectionTypes.AiTool],
		]);
		return await runWorkflow(built, { credentials: bed.credentials, triggerItems: [{ json }], extraNodeTypes: fakeChatModelNodeTypes() });
	}

	async function formNode(json: IDataObject) {
		const result = await runWorkflow(line(bed.ourNode('Form', 'conversationForm', { ...FORM, startIntents: 'booking_new' })), {
			credentials: bed.credentials,
			triggerItems: [{ json }],
		});
		expect(result.status).toBe('success');
		return result;
	}

	it('starts the form with the values the guest gave, and the Conversation Form node takes it to Complete', async () => {
		const waId = `3163${backend === 'postgres' ? 1 : 2}000001`;
		const script = registerFakeChatScript('form-tool', {
			responder: (call, index) => {
				if (index === 0) {
					return {
						content: '',
						toolCalls: [{ name: 'start_room_booking', args: { values: { dates: { start: dayPlus(20), end: dayPlus(22) }, guests: 2 }, language: 'en' } }],
					};
				}
				return answer(String(toolAnswers(call)[0].question));
			},
		});
		const result = await replyWithTool(item(waId, 'I would like to book a room for two from the 20th to the 22nd'));
		expect(result.status).toBe('success');
		// The model saw the tool, with the fields and their formats in its description.
		expect(script.calls[0].tools).toEqual(['start_room_booking']);
		const told = toolAnswers(script.calls[1])[0];
		expect(told).toMatchObject({
			form: 'room_booking',
			status: 'asking',
			values: { dates: { start: dayPlus(20), end: dayPlus(22) }, guests: 2 },
			missing: ['room', 'name'],
			filled: ['dates', 'guests'],
		});
		const [replied] = result.json('Reply', ANSWERED);
		expect((replied.reply as IDataObject).text).toBe(told.question);
		expect((replied.reply as IDataObject).toolCalls).toEqual([expect.objectContaining({ name: 'start_room_booking' })]);

		const stored = await bed.store.loadConversationForm(conversationIdOf(guest(waId)));
		expect(stored).toMatchObject({ formName: 'room_booking', status: 'asking', askedField: 'room', values: { guests: 2 }, sources: { dates: 'llm', guests: 'llm' } });

		// The guest's next messages: the form node continues the form the tool started (no start intent needed).
		const room = await formNode(item(waId, 'a double room please', { intent: 'room_types', confidence: 0.3 }));
		expect(room.json('Form', ASK)[0].form).toMatchObject({ values: { room: 'double' }, ask: { field: 'name' } });
		const named = await formNode(item(waId, 'Anna Jansen'));
		expect(named.json('Form', ASK)[0].form).toMatchObject({ status: 'confirming' });
		const done = await formNode(item(waId, 'Confirm', {}, { type: 'interactive', interactive: { type: 'button_reply', id: 'form:confirm', title: 'Confirm' } }));
		expect(done.json('Form', COMPLETE)[0].form).toMatchObject({
			status: 'complete',
			values: { dates: { start: dayPlus(20), end: dayPlus(22) }, guests: 2, room: 'double', name: 'Anna Jansen' },
		});
	});

	it('drops a value that fails the form’s validation, asks the question again without counting a failure, and cancels on request', async () => {
		const waId = `3163${backend === 'postgres' ? 1 : 2}000002`;
		const calls: IDataObject[] = [
			{ values: { dates: { start: dayPlus(-5), end: dayPlus(-3) }, guests: 40 } },
			{},
			{ cancel: true },
		];
		let turnIndex = 0;
		const script = registerFakeChatScript('form-tool', {
			responder: (call) => {
				const answers = toolAnswers(call);
				if (answers.length === 0) return { content: '', toolCalls: [{ name: 'start_room_booking', args: calls[turnIndex] }] };
				return answer(String(answers[0].question ?? answers[0].message));
			},
		});
		const first = await replyWithTool(item(waId, 'Book for 40 people last week'));
		expect(first.status).toBe('success');
		const firstAnswer = toolAnswers(script.calls[1])[0];
		// A past date and 40 people are not taken from a model: the form asks for the dates.
		expect(firstAnswer).toMatchObject({ status: 'asking', values: {}, missing: ['dates', 'guests', 'room', 'name'] });

		turnIndex = 1;
		await replyWithTool(item(waId, 'What was the question?'));
		const again = toolAnswers(script.calls[3])[0];
		expect(again.question).toBe(firstAnswer.question);
		expect((await bed.store.loadConversationForm(conversationIdOf(guest(waId))))?.attempts).toEqual({});

		turnIndex = 2;
		const cancelled = await replyWithTool(item(waId, 'Forget it'));
		expect(toolAnswers(script.calls[5])[0]).toMatchObject({ status: 'cancelled' });
		expect(String((cancelled.json('Reply', ANSWERED)[0].reply as IDataObject).text).length).toBeGreaterThan(0);
		expect(await bed.store.loadConversationForm(conversationIdOf(guest(waId)))).toBeUndefined();
	});

	it('refuses a start while another form is active, and leaves that form alone', async () => {
		const waId = `3163${backend === 'postgres' ? 1 : 2}000003`;
		await runWorkflow(line(bed.ourNode('Form', 'conversationForm', { ...FORM, formName: 'table_booking', startOn: 'always' })), {
			credentials: bed.credentials,
			triggerItems: [{ json: item(waId, 'A table tonight') }],
		});
		const script = registerFakeChatScript('form-tool', {
			responder: (call) =>
				toolAnswers(call).length === 0
					? { content: '', toolCalls: [{ name: 'start_room_booking', args: { values: { guests: 2 } } }] }
					: answer('Let us finish your table booking first.'),
		});
		const result = await replyWithTool(item(waId, 'And a room for two'));
		expect(result.status).toBe('success');
		expect(toolAnswers(script.calls[1])[0]).toMatchObject({ status: 'other_form_active' });
		expect((await bed.store.loadConversationForm(conversationIdOf(guest(waId))))?.formName).toBe('table_booking');
	});
	it('with Remember in Guest Profile, a completed form gives the guest profile the name, language and marked preferences; not for a guest who opted out', async () => {
		const remembering = { ...FORM, startOn: 'always', options: { timeZone: TIME_ZONE, rememberInProfile: true, profilePreferenceFields: 'room' } };
		const complete = async (waId: string) => {
			registerFakeChatScript('form-tool', {
				responder: (call) =>
					toolAnswers(call).length === 0
						? { content: '', toolCalls: [{ name: 'start_room_booking', args: { values: { dates: { start: dayPlus(30), end: dayPlus(31) }, guests: 1, room: 'single', name: 'Joris Bakker' }, language: 'nl' } }] }
						: answer(String(toolAnswers(call)[0].question)),
			});
			await replyWithTool(item(waId, 'Een eenpersoonskamer voor Joris Bakker', { language: 'nl' }));
			const result = await runWorkflow(line(bed.ourNode('Form', 'conversationForm', remembering)), {
				credentials: bed.credentials,
				triggerItems: [{ json: item(waId, 'Bevestigen', { language: 'nl' }, { type: 'interactive', interactive: { type: 'button_reply', id: 'form:confirm', title: 'Bevestigen' } }) }],
			});
			expect(result.status).toBe('success');
			return result.json('Form', COMPLETE)[0];
		};

		const waId = `3163${backend === 'postgres' ? 1 : 2}000004`;
		const done = await complete(waId);
		expect(done.profile).toEqual({ name: 'Joris Bakker', language: 'nl', preferences: ['Room: Single'], bookings: [] });
		expect(await bed.store.getGuestProfile(waId)).toMatchObject({ name: 'Joris Bakker', language: 'nl', preferences: ['Room: Single'] });

		const optedOut = `3163${backend === 'postgres' ? 1 : 2}000005`;
		await bed.store.appendConsentEvent({ customerKey: optedOut, scope: 'service', action: 'opt_out', source: 'keyword' });
		const notKept = await complete(optedOut);
		expect(notKept.form).toMatchObject({ status: 'complete' });
		expect(notKept.profile).toBeUndefined();
		expect(await bed.store.getGuestProfile(optedOut)).toBeUndefined();
	});
});
