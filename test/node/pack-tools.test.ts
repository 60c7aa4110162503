// The pack's own tools (Booking System Tool, Front Desk Tool) in real n8n, in-process: from AI Reply with a
// scripted model against the booking sandbox, and from n8n's own AI Agent.
import { NodeConnectionTypes, type IDataObject, type INode, type INodeParameters } from 'n8n-workflow';

import { addDays, type BookingSandbox } from '../../sandbox/booking-sandbox';
import { DEMO_BOOKING_SYSTEM } from '../../scripts/demo';
import { conversationIdOf } from '../../nodes/domain/envelope';
import { bookingClient, startTestBookingSandbox } from '../helpers/booking-sandbox';
import { guest, startNodeTestBed, type NodeTestBed } from '../helpers/node-fixtures';
import { sqlOf } from '../helpers/store-sql';
import { node, workflow } from '../helpers/workflow-builder';
import { runWorkflow } from '../helpers/workflow-runner';
import { clearFakeChatScripts, FAKE_CHAT_MODEL_TYPE, fakeChatModelNodeTypes, registerFakeChatScript, type FakeCall } from '../llm/fake-chat-model';

const ANSWERED = 0;
const UNANSWERED = 1;
const credentialRef = { httpHeaderAuth: { id: DEMO_BOOKING_SYSTEM.credentialId, name: DEMO_BOOKING_SYSTEM.credentialName } };
const toolMessages = (call: FakeCall) => call.messages.filter((message) => message.role === 'tool').map((message) => message.content);
const answer = (text: string, answered = true) => JSON.stringify({ answered, answer: text, sources: [] });

describe('the pack’s tools in n8n', () => {
	let bed: NodeTestBed;
	let booking: BookingSandbox;

	beforeAll(async () => {
		bed = await startNodeTestBed('embedded');
		booking = await startTestBookingSandbox();
	});
	afterAll(async () => {
		await booking.close();
		await bed.close();
	});
	beforeEach(() => {
		booking.reset();
		clearFakeChatScripts();
	});

	const bookingTool = (name: string, operation: string) =>
		bed.ourNode(name, 'bookingSystemTool', { operation, baseUrl: booking.baseUrl }, { credentials: credentialRef });
	const deskTool = (name: string, parameters: INodeParameters) => bed.ourNode(name, 'frontDeskTool', parameters);

	async function ask(waId: string, text: string, tools: INode[], options: { mask?: boolean; handoff?: boolean } = {}) {
		const conversation = guest(waId, 'Anna Jansen');
		const messageId = `wamid.${waId}.${Date.now()}`;
		await bed.store.recordInboundMessage({ conversation, waMessageId: messageId, type: 'text', text, sentAt: new Date() });
		const nodes: INode[] = [
			node('Start', 'n8n-nodes-base.manualTrigger'),
			bed.ourNode('Reply', 'aiReply', { modelSource: 'input' }),
			node('Model', FAKE_CHAT_MODEL_TYPE, { scriptKey: 'pack' }),
			...tools,
		];
		const links: Array<[string, string, number?, string?]> = [
			['Model', 'Reply', 0, NodeConnectionTypes.AiLanguageModel],
			...tools.map((tool): [string, string, number, string] => [tool.name, 'Reply', 0, NodeConnectionTypes.AiTool]),
		];
		if (options.mask) {
			nodes.push(bed.ourNode('Gate', 'consentGate', { operation: 'maskPii' }));
			links.unshift(['Start', 'Gate'], ['Gate', 'Reply']);
		} else {
			links.unshift(['Start', 'Reply']);
		}
		if (options.handoff) {
			nodes.push(bed.ourNode('Handoff', 'humanHandoff', { operation: 'handOff' }));
		}
		const built = workflow(nodes, links);
		if (options.handoff) built.connections.Reply = { main: [[], [{ node: 'Handoff', type: 'main', index: 0 }]] };
		const result = await runWorkflow(built, {
			credentials: { ...bed.credentials, httpHeaderAuth: { name: DEMO_BOOKING_SYSTEM.header, value: DEMO_BOOKING_SYSTEM.key } },
			triggerItems: [{ json: { conversation, message: { id: messageId, type: 'text', text, timestamp: new Date().toISOString() } } }],
			extraNodeTypes: fakeChatModelNodeTypes(),
		});
		return { result, conversationId: conversationIdOf(conversation), messageId };
	}

	it('checks availability and price; arguments failing the schema go back to the model, never to the booking system', async () => {
		const today = booking.today();
		const stay = { checkIn: addDays(today, 40), checkOut: addDays(today, 43), guests: 2, roomType: 'double' };
		const script = registerFakeChatScript('pack', {
			responder: (call, index) => {
				if (index === 0) return { content: '', toolCalls: [{ name: 'check_availability', args: { checkIn: 'next friday', checkOut: addDays(today, 43), guests: 2 } }] };
				if (index === 1) return { content: '', toolCalls: [{ name: 'check_availability', args: stay }] };
				const result = JSON.parse(toolMessages(call)[1]) as { roomTypes: Array<{ id: string; total: number }> };
				return answer(`A double is free: €${result.roomTypes.find((room) => room.id === 'double')?.total} for three nights.`);
			},
		});
		const { result } = await ask('31633330001', 'Is a double free in six weeks for three nights?', [bookingTool('Check Availability', 'checkAvailability')]);
		expect(result.status).toBe('success');
		expect(toolMessages(script.calls[1])[0]).toMatch(/^Error: .*schema/is);
		// Only the valid call reached the booking system.
		expect(booking.requests().filter((request) => request.path.startsWith('/availability'))).toHaveLength(1);
		const expected = await bookingClient(booking)('GET', `/availability?checkIn=${stay.checkIn}&checkOut=${stay.checkOut}&guests=2&roomType=double`);
		const [item] = result.json('Reply', ANSWERED);
		expect((item.reply as { text: string }).text).toBe(`A double is free: €${expected.json.roomTypes[0].total} for three nights.`);
		expect((item.reply as { toolCalls: Array<{ error?: string }> }).toolCalls.map((call) => Boolean(call.error))).toEqual([true, false]);
		// The tool's own run shows on the canvas.
		expect(result.runData['Check Availability']?.length).toBeGreaterThan(0);
	});

	it('looks up a reservation by the e-mail the guest wrote: the real address only goes to the booking system', async () => {
		const email = 'marie.leroy@example.com';
		const created = await bookingClient(booking)('POST', '/reservations', {
			body: { roomType: 'twin', checkIn: addDays(booking.today(), 60), checkOut: addDays(booking.today(), 62), guests: 2, name: 'Marie Leroy', email, phone: '+33612345678' },
		});
		const reference = created.json.reference as string;
		const script = registerFakeChatScript('pack', {
			responder: (call, index) => {
				if (index === 0) return { content: '', toolCalls: [{ name: 'look_up_reservation', args: { email: '[EMAIL_1]' } }] };
				const found = JSON.parse(toolMessages(call)[0]) as { reservations: Array<{ reference: string; checkIn: string }> };
				return answer(`Your booking ${found.reservations[0].reference} starts on ${found.reservations[0].checkIn}; confirmation goes to [EMAIL_1].`);
			},
		});
		const { result, messageId } = await ask('31633330002', `When is my stay? I booked with ${email}`, [bookingTool('Look Up Reservation', 'lookUpReservation')], { mask: true });
		expect(result.status).toBe('success');
		const [item] = result.json('Reply', ANSWERED);
		expect((item.reply as { text: string }).text).toBe(`Your booking ${reference} starts on ${addDays(booking.today(), 60)}; confirmation goes to ${email}.`);
		expect(script.prompts().join('\n')).not.toContain(email);
		// The tool answer carries no phone number or e-mail at all.
		expect(toolMessages(script.calls[1])[0]).not.toMatch(/PHONE|EMAIL|\+336/);
		// The tool's run on the canvas shows the placeholder (the inbound message itself is the trigger's data).
		expect(JSON.stringify(result.runData['Look Up Reservation'])).not.toContain(email);
		expect(JSON.stringify(result.runData['Look Up Reservation'])).toContain('[EMAIL_1]');
		expect(JSON.stringify((item.reply as { toolCalls: unknown }).toolCalls)).not.toContain(email);
		const [turnless] = await sqlOf(bed.store).query(`SELECT count(*)::int AS n FROM turns WHERE message_id = $1`, [messageId]);
		expect(turnless).toEqual({ n: 0 });
	});

	it('hands off to a person: Unanswered with the reason, and the Human Handoff node opens the handoff', async () => {
		registerFakeChatScript('pack', { replies: [{ content: '', toolCalls: [{ name: 'hand_off_to_person', args: { reason: 'guest wants to discuss a refund', urgent: true } }] }] });
		const { result, conversationId } = await ask('31633330003', 'I want to talk to someone about a refund', [deskTool('Hand Off', { operation: 'handOff' })], { handoff: true });
		expect(result.status).toBe('success');
		const [item] = result.json('Reply', UNANSWERED);
		expect(item.reply).toMatchObject({ answered: false, reason: 'handoff', handoff: { kind: 'handoff', reason: 'guest wants to discuss a refund', urgent: true } });
		expect((item.route as { reasons: string[] }).reasons).toEqual(['handed over by the assistant: guest wants to discuss a refund']);
		const open = await bed.store.getOpenHandoff(conversationId);
		expect(open?.reason).toBe('handed over by the assistant: guest wants to discuss a refund');
	});

	it('schedules a callback: a time outside the desk’s hours goes back to the model, a good one ends the turn for the desk', async () => {
		const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
		const script = registerFakeChatScript('pack', {
			replies: [
				{ content: '', toolCalls: [{ name: 'schedule_callback', args: { time: `${tomorrow}T22:30`, topic: 'group booking' } }] },
				{ content: '', toolCalls: [{ name: 'schedule_callback', args: { time: `${tomorrow}T10:30`, topic: 'group booking' } }] },
			],
		});
		const tool = deskTool('Callback', { operation: 'scheduleCallback', timeZone: 'Europe/Amsterdam', opensAt: '09:00', closesAt: '18:00' });
		const { result } = await ask('31633330004', 'Can someone call me tomorrow about a group booking?', [tool]);
		expect(result.status).toBe('success');
		expect(toolMessages(script.calls[1])[0]).toMatch(/between 09:00 and 18:00/);
		const [item] = result.json('Reply', UNANSWERED);
		const handoff = (item.reply as { handoff: IDataObject }).handoff;
		expect(handoff).toMatchObject({ kind: 'callback', local: `${tomorrow} 10:30`, timeZone: 'Europe/Amsterdam', topic: 'group booking' });
		expect(new Date(handoff.at as string).toLocaleString('en-GB', { timeZone: 'Europe/Amsterdam', hour: '2-digit', minute: '2-digit' })).toBe('10:30');
		expect((item.route as { reasons: string[] }).reasons[0]).toMatch(/^callback requested: call back at .* 10:30/);
	});

	// n8n's AI Agent takes ai_tool sub-nodes through the same getInputConnectionData contract; loading its
	// module crashes Node in this test environment, so n8n's Tool Executor (which runs connected tools
	// without an agent) stands in for it here.
	it('serves n8n’s own nodes outside AI Reply (Tool Executor), with the schema enforced', async () => {
		const today = booking.today();
		const stay = { checkIn: addDays(today, 70), checkOut: addDays(today, 71), guests: 1, roomType: 'single' };
		const run = async (query: IDataObject) =>
			await runWorkflow(
				workflow(
					[
						node('Start', 'n8n-nodes-base.manualTrigger'),
						node('Run Tool', '@n8n/n8n-nodes-langchain.toolExecutor', { query: JSON.stringify(query), toolName: 'check_availability' }),
						bookingTool('Check Availability', 'checkAvailability'),
					],
					[
						['Start', 'Run Tool'],
						['Check Availability', 'Run Tool', 0, NodeConnectionTypes.AiTool],
					],
				),
				{ credentials: { httpHeaderAuth: { name: DEMO_BOOKING_SYSTEM.header, value: DEMO_BOOKING_SYSTEM.key } } },
			);
		const result = await run({ check_availability: stay });
		expect(result.error).toBeUndefined();
		const expected = await bookingClient(booking)('GET', `/availability?checkIn=${stay.checkIn}&checkOut=${stay.checkOut}&guests=1&roomType=single`);
		const output = result.json('Run Tool')[0];
		expect(JSON.stringify(output)).toContain(`"total\\":${expected.json.roomTypes[0].total}`);

		const before = booking.requests().length;
		const invalid = await run({ check_availability: { ...stay, checkOut: stay.checkIn } });
		expect(invalid.status).toBe('error');
		expect(booking.requests().length).toBe(before);
	});
});
