// AI Reply with tools, in-process in real n8n: n8n's own HTTP Request node used as a tool
// (`n8n-nodes-base.httpRequestTool`, what n8n's canvas offers) against the booking sandbox with the demo
// Header Auth credential, a scripted chat model that calls it, the Cost Logger recording the turn, and the
// Chats dashboard showing the call.
import { NodeConnectionTypes, type IDataObject, type INode, type INodeParameters } from 'n8n-workflow';

import { addDays, type BookingSandbox } from '../../sandbox/booking-sandbox';
import { DEMO_BOOKING_SYSTEM } from '../../scripts/demo';
import { conversationIdOf } from '../../nodes/domain/envelope';
import { buildDashboardResponse } from '../../nodes/domain/costs/dashboard';
import { bookingClient, startTestBookingSandbox } from '../helpers/booking-sandbox';
import { guest, startNodeTestBed, type NodeTestBed } from '../helpers/node-fixtures';
import { sqlOf } from '../helpers/store-sql';
import { node, workflow } from '../helpers/workflow-builder';
import { runWorkflow, type WorkflowInput } from '../helpers/workflow-runner';
import { clearFakeChatScripts, FAKE_CHAT_MODEL_TYPE, fakeChatModelNodeTypes, registerFakeChatScript, type FakeCall } from '../llm/fake-chat-model';

const ANSWERED = 0;
const UNANSWERED = 1;
const credentialRef = { httpHeaderAuth: { id: DEMO_BOOKING_SYSTEM.credentialId, name: DEMO_BOOKING_SYSTEM.credentialName } };

const fromAi = (name: string, description: string, type = 'string') => `={{ $fromAI('${name}', '${description}', '${type}') }}`;

function httpTool(name: string, description: string, url: string, query: Record<string, string>): INode {
	return node(
		name,
		'n8n-nodes-base.httpRequestTool',
		{
			toolDescription: description,
			url,
			authentication: 'genericCredentialType',
			genericAuthType: 'httpHeaderAuth',
			sendQuery: true,
			queryParameters: { parameters: Object.entries(query).map(([key, value]) => ({ name: key, value })) },
			options: { timeout: 3000 },
		} as INodeParameters,
		{ typeVersion: 4.2, credentials: credentialRef },
	);
}

const toolMessages = (call: FakeCall) => call.messages.filter((message) => message.role === 'tool').map((message) => message.content);
const answer = (text: string) => JSON.stringify({ answered: true, answer: text, sources: [] });

describe('AI Reply with tools in n8n', () => {
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

	function toolWorkflow(tools: INode[], replyParameters: INodeParameters = {}, options: { mask?: boolean } = {}) {
		const reply = bed.ourNode('Reply', 'aiReply', { modelSource: 'input', businessProfile: { name: 'Hotel Zonneveld' }, ...replyParameters });
		const nodes: INode[] = [
			node('Start', 'n8n-nodes-base.manualTrigger'),
			reply,
			node('Model', FAKE_CHAT_MODEL_TYPE, { scriptKey: 'tools' }),
			bed.ourNode('Log', 'costLogger', { operation: 'log' }),
			...tools,
		];
		const links: Array<[string, string, number?, string?]> = [
			['Model', 'Reply', 0, NodeConnectionTypes.AiLanguageModel],
			['Reply', 'Log'],
			...tools.map((tool): [string, string, number, string] => [tool.name, 'Reply', 0, NodeConnectionTypes.AiTool]),
		];
		if (options.mask) {
			nodes.push(bed.ourNode('Gate', 'consentGate', { operation: 'maskPii' }));
			links.unshift(['Start', 'Gate'], ['Gate', 'Reply']);
		} else {
			links.unshift(['Start', 'Reply']);
		}
		const built = workflow(nodes, links);
		// Unanswered goes to the Cost Logger too, so every turn is recorded.
		built.connections.Reply.main[1] = [{ node: 'Log', type: 'main', index: 0 }];
		return built;
	}

	async function ask(
		waId: string,
		text: string,
		tools: INode[],
		replyParameters: INodeParameters = {},
		options: { mask?: boolean; subWorkflows?: Record<string, WorkflowInput> } = {},
	) {
		const conversation = guest(waId, 'Anna Jansen');
		const messageId = `wamid.${waId}.${Date.now()}`;
		await bed.store.recordInboundMessage({ conversation, waMessageId: messageId, type: 'text', text, sentAt: new Date() });
		const result = await runWorkflow(toolWorkflow(tools, replyParameters, options), {
			credentials: { ...bed.credentials, httpHeaderAuth: { name: DEMO_BOOKING_SYSTEM.header, value: DEMO_BOOKING_SYSTEM.key } },
			triggerItems: [{ json: { conversation, message: { id: messageId, type: 'text', text, timestamp: new Date().toISOString() } } }],
			extraNodeTypes: fakeChatModelNodeTypes(),
			subWorkflows: options.subWorkflows,
		});
		return { result, conversationId: conversationIdOf(conversation), messageId };
	}

	const availabilityTool = () =>
		httpTool('Check Availability', 'Free rooms and prices for a stay. Dates are YYYY-MM-DD.', `${booking.baseUrl}/availability`, {
			checkIn: fromAi('checkIn', 'Arrival date, YYYY-MM-DD'),
			checkOut: fromAi('checkOut', 'Departure date, YYYY-MM-DD'),
			guests: fromAi('guests', 'Number of guests', 'number'),
			roomType: fromAi('roomType', 'Room type id: single, double, twin, family or suite'),
		});

	it('answers "is a double free and what does it cost?" from a call to the booking sandbox, logged and shown in the dashboard', async () => {
		const today = booking.today();
		const stay = { checkIn: addDays(today, 40), checkOut: addDays(today, 42) };
		const expected = await bookingClient(booking)('GET', `/availability?checkIn=${stay.checkIn}&checkOut=${stay.checkOut}&guests=2&roomType=double`);
		const total = (expected.json.roomTypes as Array<{ id: string; total: number }>).find((room) => room.id === 'double')!.total;

		const script = registerFakeChatScript('tools', {
			responder: (call, index) => {
				if (index === 0) return { content: '', toolCalls: [{ name: 'Check_Availability', args: { ...stay, guests: 2, roomType: 'double' } }], usage: { inputTokens: 900, outputTokens: 30 } };
				const result = JSON.parse(toolMessages(call)[0]) as { roomTypes?: Array<{ id: string; total: number; available: boolean }> } | Array<{ roomTypes: Array<{ id: string; total: number }> }>;
				const body = Array.isArray(result) ? result[0] : result;
				const double = body.roomTypes?.find((room) => room.id === 'double');
				return { content: answer(`Yes, a double is free: €${double?.total} for the two nights.`), usage: { inputTokens: 1400, outputTokens: 40 } };
			},
		});
		const { result, conversationId, messageId } = await ask('31622220001', 'Is a double free next weekend and what does it cost?', [availabilityTool()]);
		expect(result.status).toBe('success');
		expect(script.calls[0].tools).toEqual(['Check_Availability']);
		const [item] = result.json('Reply', ANSWERED);
		const reply = item.reply as IDataObject & { toolCalls: Array<Record<string, unknown>> };
		expect(reply.text).toBe(`Yes, a double is free: €${total} for the two nights.`);
		expect(reply.modelCalls).toBe(2);
		expect(reply.usage).toMatchObject({ inputTokens: 2300, outputTokens: 70 });
		expect(reply.toolCalls).toHaveLength(1);
		expect(reply.toolCalls[0]).toMatchObject({ name: 'Check_Availability', input: { ...stay, guests: 2, roomType: 'double' } });
		expect(reply.toolCalls[0].resultSize).toBeGreaterThan(50);
		expect(reply.toolCalls[0].error).toBeUndefined();
		expect(booking.requests().some((request) => request.method === 'GET' && request.path.startsWith('/availability') && request.status === 200)).toBe(true);

		// The Cost Logger counted both model calls and recorded the call in the turn.
		const [logged] = result.json('Log');
		const replyCall = (logged.cost as { llm: { calls: IDataObject[] } }).llm.calls.find((call) => call.source === 'reply');
		expect(replyCall).toMatchObject({ inputTokens: 2300, outputTokens: 70 });
		const turns = await sqlOf(bed.store).query<{ tool_calls: Array<Record<string, unknown>> }>(`SELECT tool_calls FROM turns WHERE message_id = $1`, [messageId]);
		expect(turns[0].tool_calls[0]).toMatchObject({ name: 'Check_Availability', input: { checkIn: stay.checkIn }, resultSize: reply.toolCalls[0].resultSize });

		const page = await buildDashboardResponse(bed.store, { chat: conversationId }, { currency: 'EUR' });
		const html = page.body;
		expect(html).toContain('Function call: Check_Availability');
		expect(html).toContain(stay.checkIn);
	});

	it('sends the message to Unanswered when the model keeps calling tools past the limit', async () => {
		const today = booking.today();
		registerFakeChatScript('tools', {
			defaultReply: { content: '', toolCalls: [{ name: 'Check_Availability', args: { checkIn: addDays(today, 30), checkOut: addDays(today, 31), guests: 2, roomType: 'double' } }] },
		});
		const { result, messageId } = await ask('31622220002', 'Any room at all next month?', [availabilityTool()], { toolSettings: { maxToolCalls: 2 } });
		expect(result.status).toBe('success');
		expect(result.json('Reply', ANSWERED)).toHaveLength(0);
		const [item] = result.json('Reply', UNANSWERED);
		expect(item.reply).toMatchObject({ answered: false, reason: 'tool_limit', modelCalls: 3 });
		expect((item.reply as { toolCalls: unknown[] }).toolCalls).toHaveLength(2);
		const turns = await sqlOf(bed.store).query<{ tool_calls: unknown[] }>(`SELECT tool_calls FROM turns WHERE message_id = $1`, [messageId]);
		expect(turns[0].tool_calls).toHaveLength(2);
	});

	it('gives a booking system error back to the model, which then says it cannot check', async () => {
		const today = booking.today();
		await bookingClient(booking)('POST', '/admin/fail', { body: { mode: 'error', status: 503, times: 5 } });
		const script = registerFakeChatScript('tools', {
			replies: [
				{ content: '', toolCalls: [{ name: 'Check_Availability', args: { checkIn: addDays(today, 30), checkOut: addDays(today, 31), guests: 2, roomType: 'double' } }] },
				JSON.stringify({ answered: false, answer: '', sources: [] }),
			],
		});
		const { result } = await ask('31622220003', 'Is a double free next month?', [availabilityTool()]);
		expect(result.status).toBe('success');
		const [item] = result.json('Reply', UNANSWERED);
		expect(item.reply).toMatchObject({ reason: 'no_answer' });
		expect(toolMessages(script.calls[1])[0]).toMatch(/503|error/i);
	});

	it('shows the model and the turn log placeholders, and sends the raw e-mail only in the outgoing tool call', async () => {
		const email = 'anna.jansen@example.com';
		const created = await bookingClient(booking)('POST', '/reservations', {
			body: { roomType: 'double', checkIn: addDays(booking.today(), 50), checkOut: addDays(booking.today(), 52), guests: 2, name: 'Anna Jansen', email },
		});
		expect(created.status).toBe(201);
		const reference = created.json.reference as string;
		const findTool = httpTool('Find Reservations', 'Reservations made with an e-mail address', `${booking.baseUrl}/reservations`, {
			email: fromAi('email', 'The guest’s e-mail address'),
		});
		const script = registerFakeChatScript('tools', {
			responder: (call, index) => {
				if (index === 0) return { content: '', toolCalls: [{ name: 'Find_Reservations', args: { email: '[EMAIL_1]' } }] };
				const found = toolMessages(call)[0];
				const reference = /BK-\d+/.exec(found)?.[0] ?? 'none';
				return answer(`I found ${reference} for [EMAIL_1].`);
			},
		});
		const { result, messageId } = await ask('31622220004', `Which bookings do I have? My e-mail is ${email}`, [findTool], { toolSettings: { personalDataTools: 'Find_Reservations' } }, { mask: true });
		expect(result.status).toBe('success');
		const [item] = result.json('Reply', ANSWERED);
		expect((item.reply as { text: string }).text).toBe(`I found ${reference} for ${email}.`);
		// The model never saw the address, in the message nor in what the booking system answered.
		expect(script.prompts().join('\n')).not.toContain(email);
		expect(toolMessages(script.calls[1])[0]).toContain('[EMAIL_1]');
		// The turn log and AI Reply's own output keep the placeholder.
		expect((item.reply as { toolCalls: Array<{ input: unknown }> }).toolCalls[0].input).toEqual({ email: '[EMAIL_1]' });
		const turns = await sqlOf(bed.store).query<{ tool_calls: unknown }>(`SELECT tool_calls FROM turns WHERE message_id = $1`, [messageId]);
		expect(JSON.stringify(turns[0].tool_calls)).not.toContain(email);
		expect(JSON.stringify(turns[0].tool_calls)).toContain('[EMAIL_1]');
	});

	it('calls a sub-workflow through n8n’s Workflow Tool', async () => {
		const spaHours = workflow(
			[
				node('When Called', 'n8n-nodes-base.executeWorkflowTrigger', { inputSource: 'workflowInputs', workflowInputs: { values: [{ name: 'day' }] } }, { typeVersion: 1.1 }),
				node(
					'Hours',
					'n8n-nodes-base.set',
					{ assignments: { assignments: [{ id: 'h', name: 'hours', type: 'string', value: "={{ $json.day === 'sunday' ? '10:00-18:00' : '09:00-21:00' }}" }] } },
					{ typeVersion: 3.4 },
				),
			],
			[['When Called', 'Hours']],
		);
		const spaTool = node(
			'Spa Hours',
			'@n8n/n8n-nodes-langchain.toolWorkflow',
			{
				description: 'Opening hours of the spa on a day of the week',
				source: 'database',
				workflowId: { __rl: true, mode: 'id', value: 'spaHours01' },
				workflowInputs: {
					mappingMode: 'defineBelow',
					value: { day: "={{ $fromAI('day', 'Day of the week in lower case, e.g. sunday', 'string') }}" },
					schema: [{ id: 'day', displayName: 'day', type: 'string', required: false, display: true, defaultMatch: false, canBeUsedToMatch: true }],
				},
			},
			{ typeVersion: 2.2 },
		);
		const script = registerFakeChatScript('tools', {
			responder: (call, index) => {
				if (index === 0) return { content: '', toolCalls: [{ name: 'Spa_Hours', args: { day: 'sunday' } }] };
				const hours = /\d\d:\d\d-\d\d:\d\d/.exec(toolMessages(call)[0])?.[0];
				return answer(`On Sunday the spa is open ${hours}.`);
			},
		});
		const { result } = await ask('31622220005', 'When is the spa open on Sunday?', [spaTool], {}, { subWorkflows: { spaHours01: spaHours } });
		expect(result.status).toBe('success');
		expect(script.calls[0].tools).toEqual(['Spa_Hours']);
		const [item] = result.json('Reply', ANSWERED);
		expect((item.reply as { text: string }).text).toBe('On Sunday the spa is open 10:00-18:00.');
		expect((item.reply as { toolCalls: unknown[] }).toolCalls).toEqual([expect.objectContaining({ name: 'Spa_Hours', input: { day: 'sunday' } })]);
	});
});
