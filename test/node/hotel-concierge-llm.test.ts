// workflows/hotel-concierge-llm.json as shipped, in-process in real n8n, with what `npm start` gives it: the
// local OpenAI-compatible server answering as the scripted concierge (sandbox/concierge-model.ts), the
// booking sandbox and the Graph sandbox.
import { addDays, type BookingSandbox } from '../../sandbox/booking-sandbox';
import { conciergeResponder } from '../../sandbox/concierge-model';
import { startOpenAiServer, type OpenAiServer } from '../../sandbox/openai-server';
import { DEMO_BOOKING_SYSTEM, DEMO_LLM, withBookingSystemUrl } from '../../scripts/demo';
import { buildDashboardResponse } from '../../nodes/domain/costs/dashboard';
import { conversationIdOf } from '../../nodes/domain/envelope';
import { bookingClient, startTestBookingSandbox } from '../helpers/booking-sandbox';
import { PROJECT_ROOT } from '../helpers/node-types';
import { guest, startNodeTestBed, type NodeTestBed } from '../helpers/node-fixtures';
import { loadWorkflowFile, runWorkflow } from '../helpers/workflow-runner';

const WORKFLOW = `${PROJECT_ROOT}/workflows/hotel-concierge-llm.json`;

/** The Friday and Sunday the scripted concierge takes for "next weekend". */
function nextWeekend(now: Date): { checkIn: string; checkOut: string } {
	const day = now.getUTCDay();
	let ahead = (5 - day + 7) % 7;
	if (day === 5 || day === 6 || day === 0) ahead = ahead === 0 ? 7 : ahead;
	const friday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + ahead));
	return { checkIn: friday.toISOString().slice(0, 10), checkOut: addDays(friday.toISOString().slice(0, 10), 2) };
}

describe('hotel-concierge-llm (in-process)', () => {
	let bed: NodeTestBed;
	let booking: BookingSandbox;
	let llm: OpenAiServer;

	beforeAll(async () => {
		bed = await startNodeTestBed('embedded');
		booking = await startTestBookingSandbox();
		llm = await startOpenAiServer({ apiKeys: [DEMO_LLM.apiKey], models: ['concierge-demo'], responder: conciergeResponder() });
	});
	afterAll(async () => {
		await llm.close();
		await booking.close();
		await bed.close();
	});
	beforeEach(() => bed.sandbox.reset());

	async function guestWrites(waId: string, name: string, text: string) {
		const conversation = guest(waId, name);
		const id = `wamid.${waId}.${Math.random().toString(36).slice(2)}`;
		const at = new Date();
		await bed.store.recordInboundMessage({ conversation, waMessageId: id, type: 'text', text, sentAt: at });
		const result = await runWorkflow(withBookingSystemUrl(loadWorkflowFile(WORKFLOW) as never, booking.baseUrl), {
			credentials: {
				...bed.credentials,
				httpHeaderAuth: { name: DEMO_BOOKING_SYSTEM.header, value: DEMO_BOOKING_SYSTEM.key },
				openAiApi: { apiKey: DEMO_LLM.apiKey, url: llm.baseUrl },
			},
			triggerItems: [{ json: { conversation: { ...conversation, id: conversationIdOf(conversation) }, message: { id, type: 'text', text, timestamp: at.toISOString() } } }],
		});
		expect({ status: result.status, failedNode: result.failedNodeName, error: result.error?.message }).toEqual({ status: 'success', failedNode: undefined, error: undefined });
		const texts = bed.sandbox
			.sentMessages()
			.filter((message) => message.body.type === 'text')
			.map((message) => (message.body.text as { body: string }).body);
		return { result, texts, conversationId: conversationIdOf(conversation), messageId: id };
	}

	it('answers "is a double free next weekend and what does it cost?" from a tool call to the booking sandbox, shown in the dashboard', async () => {
		const stay = nextWeekend(new Date());
		const expected = await bookingClient(booking)('GET', `/availability?checkIn=${stay.checkIn}&checkOut=${stay.checkOut}&guests=2&roomType=double`);
		const double = (expected.json.roomTypes as Array<{ id: string; total: number; available: boolean }>).find((room) => room.id === 'double')!;

		const { result, texts, conversationId } = await guestWrites('31666660001', 'Anna', 'Hi! Is a double free next weekend and what does it cost?');
		const reply = result.json('Answer With Tools')[0].reply as { toolCalls: Array<{ name: string; input: Record<string, unknown> }>; modelCalls: number };
		expect(reply.toolCalls).toEqual([expect.objectContaining({ name: 'check_availability', input: { ...stay, guests: 2, roomType: 'double' } })]);
		expect(reply.modelCalls).toBe(2);
		// The model was offered the five tools and the guest-profile tool.
		const offered = (llm.chatRequests()[0].body.tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name).sort();
		expect(offered).toEqual(['check_availability', 'hand_off_to_person', 'look_up_reservation', 'remember_guest_detail', 'schedule_callback', 'start_room_booking']);
		// Next weekend is bookable in the demo data (the full weekend is three or more weeks out).
		expect(double.available).toBe(true);
		expect(texts).toEqual([`Yes, a Double room is free from ${stay.checkIn} to ${stay.checkOut}: *${double.total} EUR* for 2 night(s). Shall I ask a colleague to book it for you?`]);

		const page = await buildDashboardResponse(bed.store, { chat: conversationId }, { currency: 'EUR' });
		expect(page.body).toContain('Function call: check_availability');
		expect(page.body).toContain(stay.checkIn);
	});

	it('hands a guest who asks for a person to the desk through Hand Off to a Person', async () => {
		const { result, conversationId } = await guestWrites('31666660002', 'Pieter', 'Can I talk to a person please?');
		expect(result.json('Answer With Tools', 1)[0].reply).toMatchObject({ reason: 'handoff', handoff: { kind: 'handoff' } });
		expect(result.runCount('Hand Off to a Person')).toBe(1);
		expect((await bed.store.getOpenHandoff(conversationId))?.reason).toMatch(/handed over by the assistant/);
	});
	it('books a room: the model starts Book a Room through Start Room Booking, the form confirms with the price, and “yes” creates the reservation in the booking sandbox', async () => {
		const stay = nextWeekend(new Date());
		const waId = '31666660003';
		const before = booking.reservations().length;
		const start = await guestWrites(waId, 'Sanne de Boer', 'I would like to book a double room for 2 next weekend');
		const started = start.result.json('Answer With Tools')[0].reply as { text: string; toolCalls: Array<{ name: string; input: Record<string, unknown> }> };
		expect(started.toolCalls).toEqual([
			expect.objectContaining({ name: 'start_room_booking', input: { values: { stay: { start: stay.checkIn, end: stay.checkOut }, guests: 2, room_type: 'double' } } }),
		]);
		// Everything was given: the form asks to confirm, and the model relays its question.
		expect((await bed.store.loadConversationForm(start.conversationId))).toMatchObject({ formName: 'book_a_room', status: 'confirming' });
		expect(start.texts).toEqual([started.text]);
		expect(started.text).toContain('2');

		const yes = await guestWrites(waId, 'Sanne de Boer', 'Yes');
		expect(yes.result.runCount('Answer With Tools')).toBe(0);
		expect(yes.result.runCount('Create Reservation')).toBe(1);
		const reservations = booking.reservations();
		expect(reservations).toHaveLength(before + 1);
		const made = reservations.at(-1)!;
		expect(made).toMatchObject({ roomType: 'double', checkIn: stay.checkIn, checkOut: stay.checkOut, guests: 2, name: 'Sanne de Boer' });
		const sent = bed.sandbox.sentMessages().at(-1)!;
		expect(JSON.stringify(sent.body)).toContain(made.reference);
		expect(await bed.store.loadConversationForm(yes.conversationId)).toBeUndefined();
	});
});
