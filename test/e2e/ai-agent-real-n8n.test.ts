// The pack's tools and memory in a real n8n server (not in-process), next to n8n's own AI nodes:
// 1. n8n's AI Agent (v3) with the local OpenAI-compatible server as its chat model (n8n's OpenAI Chat Model
//    node), our Booking System Tool (which the agent has the workflow engine run) and our Conversation
//    Memory, the store in PostgreSQL. Signed WhatsApp webhooks go in; what the model saw, what reached the
//    booking sandbox and what n8n kept in the execution data are checked.
// 2. Our AI Reply with n8n's HTTP Request Tool (against the booking sandbox) and Workflow Tool attached.
// Needs a build (`npx tsc -p tsconfig.json`); starts n8n once for the file.
import { Client } from 'pg';

import { startGraphSandbox, type GraphSandbox } from '../../sandbox/graph-sandbox';
import { addDays, type BookingSandbox } from '../../sandbox/booking-sandbox';
import { startOpenAiServer, type ChatRequest, type OpenAiServer } from '../../sandbox/openai-server';
import { inboundTextWebhook, postSignedWebhook } from '../../sandbox/webhook-signer';
import { DEMO_BOOKING_SYSTEM } from '../../scripts/demo';
import {
	createTempUserFolder,
	importCredentials,
	importWorkflows,
	startN8n,
	type N8nServer,
	type WorkflowJson,
	type WorkflowNodeJson,
	unflattenExecutionData,
} from '../../scripts/lib/n8n-server';
import { bookingClient, startTestBookingSandbox } from '../helpers/booking-sandbox';
import { createTestDatabase } from '../helpers/store-backends';

const PACK = 'n8n-nodes-whatsapp-ai-support';
const APP_SECRET = 'agent-e2e-app-secret';
const PHONE_NUMBER_ID = '1065000000001';
const API_KEY = 'sk-agent-e2e-0123456789';
const MODEL = 'llama3.1:8b';
const AGENT_WEBHOOK = 'b7a1c2d3-0000-4000-8000-0000000a9e01';
const REPLY_WEBHOOK = 'b7a1c2d3-0000-4000-8000-0000000a9e02';
const FORM_WEBHOOK = 'b7a1c2d3-0000-4000-8000-0000000a9e03';

const credentials = {
	whatsApp: { whatsAppCloudApi: { id: 'waAgentE2e000001', name: 'WhatsApp sandbox' } },
	store: { whatsAppSupportStorePostgresApi: { id: 'pgAgentE2e000001', name: 'Store' } },
	booking: { httpHeaderAuth: { id: DEMO_BOOKING_SYSTEM.credentialId, name: DEMO_BOOKING_SYSTEM.credentialName } },
	model: { openAiApi: { id: 'llmAgentE2e00001', name: 'Local OpenAI-compatible' } },
};

let nextId = 0;
function n8nNode(name: string, type: string, parameters: Record<string, unknown>, extra: Partial<WorkflowNodeJson> = {}): WorkflowNodeJson {
	nextId += 1;
	return { id: `node-${nextId}`, name, type, typeVersion: 1, position: [nextId * 200, 0], parameters, ...extra } as WorkflowNodeJson;
}

const main = (to: string) => ({ main: [[{ node: to, type: 'main', index: 0 }]] });
const sub = (kind: string, to: string) => ({ [kind]: [[{ node: to, type: kind, index: 0 }]] });

/** Trigger → Consent Gate (masks) → [agent or AI Reply] → envelope → WhatsApp Send, store in PostgreSQL. */
function channelNodes(webhookId: string): WorkflowNodeJson[] {
	return [
		n8nNode('WhatsApp AI Trigger', `${PACK}.whatsAppAiTrigger`, { supportStore: 'postgres' }, { webhookId, credentials: { ...credentials.whatsApp, ...credentials.store } }),
		n8nNode('Check Consent', `${PACK}.consentGate`, { operation: 'check', supportStore: 'postgres' }, { credentials: { ...credentials.whatsApp, ...credentials.store } }),
	];
}

const chatModel = () =>
	n8nNode(
		'OpenAI Chat Model',
		'@n8n/n8n-nodes-langchain.lmChatOpenAi',
		{ model: { __rl: true, mode: 'id', value: MODEL }, responsesApiEnabled: false, options: { temperature: 0 } },
		{ typeVersion: 1.3, credentials: credentials.model },
	);

function agentWorkflow(bookingUrl: string): WorkflowJson {
	return {
		name: 'AI Agent with the pack’s tools and memory',
		nodes: [
			...channelNodes(AGENT_WEBHOOK),
			n8nNode(
				'AI Agent',
				'@n8n/n8n-nodes-langchain.agent',
				{
					promptType: 'define',
					// The model sees the masked text, as AI Reply's does.
					text: '={{ $json.message.textMasked ?? $json.message.text }}',
					options: { systemMessage: 'You are the front desk of Hotel Zonneveld. Use the tools for availability, prices and reservations.', enableStreaming: false },
				},
				{ typeVersion: 3.1 },
			),
			chatModel(),
			n8nNode('Conversation Memory', `${PACK}.conversationMemory`, { historyLength: 10, supportStore: 'postgres' }, { credentials: credentials.store }),
			n8nNode('Check Availability', `${PACK}.bookingSystemTool`, { operation: 'checkAvailability', baseUrl: bookingUrl }, { credentials: credentials.booking }),
			n8nNode('Look Up Reservation', `${PACK}.bookingSystemTool`, { operation: 'lookUpReservation', baseUrl: bookingUrl }, { credentials: credentials.booking }),
			n8nNode(
				'Reply Envelope',
				'n8n-nodes-base.set',
				{ mode: 'raw', jsonOutput: "={{ JSON.stringify({ ...$('Check Consent').item.json, reply: { text: $json.output } }) }}", options: {} },
				{ typeVersion: 3.4 },
			),
			n8nNode('Send Reply', `${PACK}.whatsAppSend`, { messageType: 'text', text: '={{ $json.reply.text }}', supportStore: 'postgres' }, { credentials: { ...credentials.whatsApp, ...credentials.store } }),
		],
		connections: {
			'WhatsApp AI Trigger': main('Check Consent'),
			'Check Consent': main('AI Agent'),
			'AI Agent': main('Reply Envelope'),
			'Reply Envelope': main('Send Reply'),
			'OpenAI Chat Model': sub('ai_languageModel', 'AI Agent'),
			'Conversation Memory': sub('ai_memory', 'AI Agent'),
			'Check Availability': sub('ai_tool', 'AI Agent'),
			'Look Up Reservation': sub('ai_tool', 'AI Agent'),
		},
		settings: { executionOrder: 'v1' },
	};
}

const ROOM_FORM = {
	formName: 'room_booking',
	fields: {
		field: [
			{ name: 'dates', type: 'date_range', required: true, futureDate: true, maxNights: 14 },
			{ name: 'guests', type: 'party_size', required: true, max: 6 },
			{ name: 'room', type: 'room_type', required: true },
			{ name: 'name', type: 'person_name', required: true },
		],
	},
	options: { timeZone: 'Europe/Amsterdam' },
	supportStore: 'postgres',
};

/** The room booking form: started by n8n's AI Agent through the Conversation Form Tool, continued by the Conversation Form node. */
function formWorkflow(): WorkflowJson {
	const send = (name: string, text: string) =>
		n8nNode(name, `${PACK}.whatsAppSend`, { messageType: 'text', text, supportStore: 'postgres' }, { credentials: { ...credentials.whatsApp, ...credentials.store } });
	return {
		name: 'AI Agent starting a Conversation Form',
		nodes: [
			...channelNodes(FORM_WEBHOOK),
			n8nNode('Book a Room', `${PACK}.conversationForm`, { ...ROOM_FORM, startIntents: 'booking_new' }, { credentials: credentials.store }),
			n8nNode('Send Form Question', `${PACK}.whatsAppSend`, { messageType: 'reply', supportStore: 'postgres' }, { credentials: { ...credentials.whatsApp, ...credentials.store } }),
			n8nNode('Form Done', 'n8n-nodes-base.noOp', {}),
			n8nNode(
				'AI Agent',
				'@n8n/n8n-nodes-langchain.agent',
				{ promptType: 'define', text: '={{ $json.message.textMasked ?? $json.message.text }}', options: { systemMessage: 'You are the front desk of Hotel Zonneveld.', enableStreaming: false } },
				{ typeVersion: 3.1 },
			),
			chatModel(),
			n8nNode('Start Room Booking', `${PACK}.conversationFormTool`, ROOM_FORM, { credentials: credentials.store }),
			n8nNode(
				'Reply Envelope',
				'n8n-nodes-base.set',
				// One guest message per execution: its envelope as the gate passed it on.
				{ mode: 'raw', jsonOutput: "={{ JSON.stringify({ ...$('Check Consent').first().json, reply: { text: $json.output } }) }}", options: {} },
				{ typeVersion: 3.4 },
			),
			send('Send Reply', '={{ $json.reply.text }}'),
		],
		connections: {
			'WhatsApp AI Trigger': main('Check Consent'),
			'Check Consent': main('Book a Room'),
			'Book a Room': {
				main: [
					[{ node: 'Send Form Question', type: 'main', index: 0 }],
					[{ node: 'Form Done', type: 'main', index: 0 }],
					[{ node: 'Send Form Question', type: 'main', index: 0 }],
					[{ node: 'Form Done', type: 'main', index: 0 }],
					[{ node: 'AI Agent', type: 'main', index: 0 }],
				],
			},
			'AI Agent': main('Reply Envelope'),
			'Reply Envelope': main('Send Reply'),
			'OpenAI Chat Model': sub('ai_languageModel', 'AI Agent'),
			'Start Room Booking': sub('ai_tool', 'AI Agent'),
		},
		settings: { executionOrder: 'v1' },
	};
}

const SPA_WORKFLOW_ID = 'agentE2eSpaHours';

function spaHoursWorkflow(): WorkflowJson {
	return {
		id: SPA_WORKFLOW_ID,
		name: 'Spa hours (sub-workflow)',
		nodes: [
			n8nNode('When Called', 'n8n-nodes-base.executeWorkflowTrigger', { inputSource: 'workflowInputs', workflowInputs: { values: [{ name: 'day' }] } }, { typeVersion: 1.1 }),
			n8nNode(
				'Hours',
				'n8n-nodes-base.set',
				{ assignments: { assignments: [{ id: 'h', name: 'hours', type: 'string', value: "={{ $json.day === 'sunday' ? '10:00-18:00' : '09:00-21:00' }}" }] } },
				{ typeVersion: 3.4 },
			),
		],
		connections: { 'When Called': main('Hours') },
		settings: { executionOrder: 'v1' },
	} as WorkflowJson;
}

const fromAi = (name: string, description: string, type = 'string') => `={{ $fromAI('${name}', '${description}', '${type}') }}`;

function aiReplyWorkflow(bookingUrl: string): WorkflowJson {
	return {
		name: 'AI Reply with n8n’s HTTP Request Tool and Workflow Tool',
		nodes: [
			...channelNodes(REPLY_WEBHOOK),
			n8nNode('AI Reply', `${PACK}.aiReply`, { modelSource: 'input', businessProfile: { name: 'Hotel Zonneveld' }, supportStore: 'postgres' }, { credentials: credentials.store }),
			chatModel(),
			n8nNode(
				'Check Availability',
				'n8n-nodes-base.httpRequestTool',
				{
					toolDescription: 'Free rooms and prices for a stay. Dates are YYYY-MM-DD.',
					url: `${bookingUrl}/availability`,
					authentication: 'genericCredentialType',
					genericAuthType: 'httpHeaderAuth',
					sendQuery: true,
					queryParameters: {
						parameters: [
							{ name: 'checkIn', value: fromAi('checkIn', 'Arrival date, YYYY-MM-DD') },
							{ name: 'checkOut', value: fromAi('checkOut', 'Departure date, YYYY-MM-DD') },
							{ name: 'guests', value: fromAi('guests', 'Number of guests', 'number') },
							{ name: 'roomType', value: fromAi('roomType', 'Room type id: single, double, twin, family or suite') },
						],
					},
					options: { timeout: 5000 },
				},
				{ typeVersion: 4.2, credentials: credentials.booking },
			),
			n8nNode(
				'Spa Hours',
				'@n8n/n8n-nodes-langchain.toolWorkflow',
				{
					description: 'Opening hours of the spa on a day of the week',
					source: 'database',
					workflowId: { __rl: true, mode: 'id', value: SPA_WORKFLOW_ID },
					workflowInputs: {
						mappingMode: 'defineBelow',
						value: { day: fromAi('day', 'Day of the week in lower case, e.g. sunday') },
						schema: [{ id: 'day', displayName: 'day', type: 'string', required: false, display: true, defaultMatch: false, canBeUsedToMatch: true }],
					},
				},
				{ typeVersion: 2.2 },
			),
			n8nNode('Send Reply', `${PACK}.whatsAppSend`, { messageType: 'text', supportStore: 'postgres' }, { credentials: { ...credentials.whatsApp, ...credentials.store } }),
			n8nNode('Unanswered', 'n8n-nodes-base.noOp', {}),
		],
		connections: {
			'WhatsApp AI Trigger': main('Check Consent'),
			'Check Consent': main('AI Reply'),
			'AI Reply': { main: [[{ node: 'Send Reply', type: 'main', index: 0 }], [{ node: 'Unanswered', type: 'main', index: 0 }]] },
			'OpenAI Chat Model': sub('ai_languageModel', 'AI Reply'),
			'Check Availability': sub('ai_tool', 'AI Reply'),
			'Spa Hours': sub('ai_tool', 'AI Reply'),
		},
		settings: { executionOrder: 'v1' },
	};
}

/** The text of a sent message: a text message's body, or an interactive message's body text. */
function textOf(message: { body: Record<string, unknown> }): string {
	const text = (message.body.text as { body?: string } | undefined)?.body;
	return text ?? (message.body.interactive as { body?: { text?: string } } | undefined)?.body?.text ?? '';
}

interface ExecutionData {
	resultData: { error?: { message?: string; node?: { name?: string } }; runData: Record<string, Array<{ error?: { message?: string }; data?: Record<string, unknown> }>> };
}

const lastUserText = (request: ChatRequest) => [...request.messages].reverse().find((message) => message.role === 'user')?.content ?? '';
/** What the tools answered, as the model got it (n8n's agent wraps a tool's answer in JSON: unescaped here). */
const toolResults = (request: ChatRequest) => request.messages.filter((message) => message.role === 'tool').map((message) => message.content.replace(/\\/g, ''));

describe('the pack’s tools and memory in a real n8n server', () => {
	let graph: GraphSandbox;
	let booking: BookingSandbox;
	let models: OpenAiServer;
	let database: Awaited<ReturnType<typeof createTestDatabase>>;
	let server: N8nServer;
	const ids: Record<string, string> = {};

	const sql = async <T>(query: string, params: unknown[] = []): Promise<T[]> => {
		const client = new Client(database.connection);
		await client.connect();
		try {
			return (await client.query(query, params)).rows as T[];
		} finally {
			await client.end();
		}
	};

	/** A signed guest message to a workflow's trigger; resolves once its execution has finished. */
	const guestWrites = async (workflow: 'agent' | 'reply' | 'form', waId: string, text: string) => {
		const webhookId = { agent: AGENT_WEBHOOK, reply: REPLY_WEBHOOK, form: FORM_WEBHOOK }[workflow];
		const before = await server.rest.countExecutions(ids[workflow]);
		const sentBefore = graph.sentMessages().length;
		const response = await postSignedWebhook(
			`${server.baseUrl}/webhook/${webhookId}/webhook`,
			inboundTextWebhook({ from: waId, name: 'Anneke de Vries', text, phoneNumberId: PHONE_NUMBER_ID }),
			APP_SECRET,
			{ timeoutMs: 60_000 },
		);
		expect(response.status).toBe(200);
		const [latest] = await server.rest.waitForExecutions(ids[workflow], before + 1, 90_000);
		const execution = await server.rest.rest<{ data: string; status: string }>('GET', `/executions/${latest.id}`);
		const sent = graph.sentMessages().slice(sentBefore);
		const data = unflattenExecutionData(execution.data) as ExecutionData;
		// A failed run names its failing node and message, so the assertion says why.
		const failure = data.resultData.error;
		const status = execution.status === 'success' ? 'success' : `${execution.status}: ${failure?.node?.name ?? '?'}: ${failure?.message ?? ''}`;
		return { status, data: JSON.stringify(data.resultData.runData), runData: data.resultData.runData, sent: sent.map(textOf) };
	};

	beforeAll(async () => {
		graph = await startGraphSandbox();
		booking = await startTestBookingSandbox();
		models = await startOpenAiServer({ apiKeys: [API_KEY], models: [MODEL] });
		database = await createTestDatabase('wa_agent_e2e');
		const userFolder = createTempUserFolder('n8n-e2e-agent-');
		await importCredentials(userFolder, [
			{
				id: credentials.whatsApp.whatsAppCloudApi.id,
				name: 'WhatsApp sandbox',
				type: 'whatsAppCloudApi',
				data: { accessToken: 'sandbox-token', phoneNumberId: PHONE_NUMBER_ID, appSecret: APP_SECRET, verifyToken: 'verify', apiVersion: 'v24.0', baseUrl: graph.baseUrl },
			},
			{
				id: credentials.store.whatsAppSupportStorePostgresApi.id,
				name: 'Store',
				type: 'whatsAppSupportStorePostgresApi',
				data: { ...database.connection, password: '', ssl: 'disable', schema: 'whatsapp_support' },
			},
			{ id: DEMO_BOOKING_SYSTEM.credentialId, name: DEMO_BOOKING_SYSTEM.credentialName, type: 'httpHeaderAuth', data: { name: DEMO_BOOKING_SYSTEM.header, value: DEMO_BOOKING_SYSTEM.key } },
			{ id: credentials.model.openAiApi.id, name: 'Local OpenAI-compatible', type: 'openAiApi', data: { apiKey: API_KEY, url: models.baseUrl, organizationId: '', header: false } },
		]);
		const imported = await importWorkflows(userFolder, [agentWorkflow(booking.baseUrl), aiReplyWorkflow(booking.baseUrl), spaHoursWorkflow(), formWorkflow()]);
		[ids.agent, ids.reply, ids.spa, ids.form] = imported.map((workflow) => workflow.id);
		server = await startN8n({ userFolder, removeUserFolderOnStop: true });
		await server.rest.ensureOwner();
		await server.rest.activateWorkflow(ids.agent);
		await server.rest.activateWorkflow(ids.reply);
		// n8n runs only published sub-workflows from a production execution.
		await server.rest.activateWorkflow(ids.spa);
		await server.rest.activateWorkflow(ids.form);
	}, 420_000);

	afterAll(async () => {
		await server?.stop();
		await models?.close();
		await booking?.close();
		await graph?.close();
		await database?.drop();
	}, 60_000);

	beforeEach(() => {
		models.reset();
		booking.reset();
	});

	it('n8n’s AI Agent checks availability through the Booking System Tool and remembers the guest through Conversation Memory (PostgreSQL)', async () => {
		const waId = '31611110001';
		const email = 'anneke.devries@example.com';
		const today = booking.today();
		const stay = { checkIn: addDays(today, 30), checkOut: addDays(today, 32), guests: 2, roomType: 'double' };
		const expected = await bookingClient(booking)('GET', `/availability?checkIn=${stay.checkIn}&checkOut=${stay.checkOut}&guests=2&roomType=double`);
		const total = (expected.json.roomTypes as Array<{ id: string; total: number }>).find((room) => room.id === 'double')!.total;
		booking.reset();

		models.setResponder((request) => {
			const asked = lastUserText(request);
			if (/double/i.test(asked) && toolResults(request).length === 0) {
				return { content: '', toolCalls: [{ id: 'call_availability', name: 'check_availability', arguments: stay }] };
			}
			if (/double/i.test(asked)) {
				const found = /"total":(\d+)/.exec(toolResults(request)[0])?.[1];
				return { content: `Yes, a double room is free: ${found} EUR in total.`, usage: { promptTokens: 40, completionTokens: 9 } };
			}
			return { content: 'Thank you, I will write to [EMAIL_1].', usage: { promptTokens: 20, completionTokens: 4 } };
		});

		const first = await guestWrites('agent', waId, `Hello, my e-mail is ${email}`);
		expect(first.status).toBe('success');
		// The agent only ever saw the masked text; WhatsApp Send put the guest's own address back.
		expect(models.chatRequests()[0].messages.at(-1)).toEqual({ role: 'user', content: 'Hello, my e-mail is [EMAIL_1]' });
		expect(first.sent).toEqual([`Thank you, I will write to ${email}.`]);
		// Nothing on the model's side of n8n's execution data holds the address: the agent's output, the chat
		// model's logged prompts and answers.
		for (const name of ['AI Agent', 'OpenAI Chat Model']) {
			expect(first.runData[name]).toBeDefined();
			expect(JSON.stringify(first.runData[name])).not.toContain(email);
		}

		const second = await guestWrites('agent', waId, 'Is a double free for two of us?');
		expect({ status: second.status, sent: second.sent }).toEqual({ status: 'success', sent: [`Yes, a double room is free: ${total} EUR in total.`] });

		const requests = models.chatRequests();
		const [asking, answering] = requests.slice(-2);
		// Memory: the earlier exchange from the store (masked, as the message being answered is), then the question.
		expect(asking.messages.filter((message) => message.role !== 'system')).toEqual([
			{ role: 'user', content: 'Hello, my e-mail is [EMAIL_1]' },
			{ role: 'assistant', content: 'Thank you, I will write to [EMAIL_1].' },
			{ role: 'user', content: 'Is a double free for two of us?' },
		]);
		expect(JSON.stringify(asking.body.tools)).toContain('check_availability');
		// The tool call reached the booking sandbox, with the credential, once.
		const calls = booking.requests().filter((request) => request.path === '/availability');
		expect(calls).toHaveLength(1);
		expect(toolResults(answering)[0]).toContain(`"total":${total}`);

		// The store (PostgreSQL) holds the conversation, the raw e-mail only where the guest's own message is kept.
		const rows = await sql<{ author: string; text: string }>('SELECT author, text FROM whatsapp_support.messages ORDER BY id');
		expect(rows.map((row) => row.author)).toEqual(['customer', 'bot', 'customer', 'bot']);
		// n8n's execution data: the tool node ran for the agent, and the raw e-mail appears in neither run's
		// model input nor tool data (only in the trigger's and the gate's copy of the message).
		expect(second.runData['Check Availability']).toBeDefined();
		expect(JSON.stringify(second.runData['Check Availability'])).not.toContain(email);
	});

	it('n8n’s AI Agent looks a booking up by the e-mail the guest wrote: placeholders for the model and in n8n’s execution data, the real address only in the call to the booking system', async () => {
		const waId = '31611110002';
		const email = 'anneke@example.com';
		models.setResponder((request) =>
			toolResults(request).length === 0
				? { content: '', toolCalls: [{ id: 'call_lookup', name: 'look_up_reservation', arguments: { email: '[EMAIL_1]' } }] }
				: { content: `I found your booking ${/BK-\d+/.exec(toolResults(request)[0])?.[0] ?? 'nothing'}.` },
		);
		const turn = await guestWrites('agent', waId, `Can you find my booking? My e-mail is ${email}`);
		expect({ status: turn.status, sent: turn.sent }).toEqual({ status: 'success', sent: ['I found your booking BK-51762.'] });
		// Found by the real address: the booking system never saw the placeholder …
		expect(booking.requests().filter((request) => request.path === '/reservations')).toHaveLength(1);
		// … and the model never saw the address.
		expect(JSON.stringify(models.requests)).not.toContain(email);
		expect(JSON.stringify(models.chatRequests()[1].body.messages)).toContain('[EMAIL_1]');
		// In n8n's execution data the address is only inside the guest's own message (trigger and gate), never
		// on its own as a tool argument or in the tool's answer.
		expect(turn.data).toContain('Look Up Reservation');
		expect(turn.data).not.toContain(`"${email}"`);
	});

	it('a booking-system failure reaches n8n’s AI Agent as the tool’s answer, and the turn still ends with a reply', async () => {
		const waId = '31611110004';
		booking.failNext({ mode: 'error', route: '/availability', status: 503 });
		const today = booking.today();
		models.setResponder((request) =>
			toolResults(request).length === 0
				? { content: '', toolCalls: [{ id: 'call_fail', name: 'check_availability', arguments: { checkIn: addDays(today, 20), checkOut: addDays(today, 21), guests: 1 } }] }
				: { content: /503/.test(toolResults(request)[0]) ? 'Sorry, I cannot check that right now; a colleague will.' : 'unexpected' },
		);
		const turn = await guestWrites('agent', waId, 'Any single room next month?');
		expect({ status: turn.status, sent: turn.sent }).toEqual({ status: 'success', sent: ['Sorry, I cannot check that right now; a colleague will.'] });
	});

	it('our AI Reply calls n8n’s HTTP Request Tool against the booking sandbox and n8n’s Workflow Tool', async () => {
		const waId = '31611110003';
		const today = booking.today();
		const stay = { checkIn: addDays(today, 45), checkOut: addDays(today, 46), guests: 2, roomType: 'double' };
		const expected = await bookingClient(booking)('GET', `/availability?checkIn=${stay.checkIn}&checkOut=${stay.checkOut}&guests=2&roomType=double`);
		const total = (expected.json.roomTypes as Array<{ id: string; total: number }>).find((room) => room.id === 'double')!.total;
		booking.reset();
		models.setResponder((request) => {
			const results = toolResults(request);
			if (results.length === 0) {
				return {
					content: '',
					toolCalls: [
						{ id: 'call_rooms', name: 'Check_Availability', arguments: stay },
						{ id: 'call_spa', name: 'Spa_Hours', arguments: { day: 'sunday' } },
					],
				};
			}
			const total = /"id":"double".*?"total":(\d+)/.exec(results.join(' '))?.[1];
			const hours = /\d\d:\d\d-\d\d:\d\d/.exec(results.join(' '))?.[0];
			// When a value is missing the answer carries what the tools said, so a failure shows it.
			const text = total && hours ? `A double is ${total} EUR; the spa opens ${hours} on Sunday.` : `Tools said: ${results.join(' | ').slice(0, 600)}`;
			return { content: JSON.stringify({ answered: true, answer: text, sources: [] }) };
		});
		const turn = await guestWrites('reply', waId, 'Is a double free, and when is the spa open on Sunday?');
		expect(turn.status).toBe('success');
		expect(turn.sent).toEqual([`A double is ${total} EUR; the spa opens 10:00-18:00 on Sunday.`]);
		expect(models.chatRequests()[0].body.tools).toEqual(
			expect.arrayContaining([expect.objectContaining({ function: expect.objectContaining({ name: 'Check_Availability' }) }), expect.objectContaining({ function: expect.objectContaining({ name: 'Spa_Hours' }) })]),
		);
		expect(booking.requests().filter((request) => request.path === '/availability')).toHaveLength(1);
		// The turn log (AI Reply's output, kept by n8n) records both calls.
		expect(turn.data).toContain('Check_Availability');
		expect(turn.data).toContain('Spa_Hours');
	});
	it('n8n’s AI Agent starts the room booking form through the Conversation Form Tool; the Conversation Form node continues it', async () => {
		const waId = '31611110005';
		const today = booking.today();
		const dates = { start: addDays(today, 25), end: addDays(today, 27) };
		models.setResponder((request) => {
			const results = toolResults(request);
			if (results.length === 0) {
				return { content: '', toolCalls: [{ id: 'call_form', name: 'start_room_booking', arguments: { values: { dates, guests: 2, room: 'double' }, language: 'en' } }] };
			}
			// The agent relays the form's question as it is.
			return { content: /"question":"([^"]+)"/.exec(results[0])?.[1] ?? `no question in ${results[0].slice(0, 300)}` };
		});
		const first = await guestWrites('form', waId, 'I would like a double room for two');
		expect(first.status).toBe('success');
		expect(JSON.stringify(models.chatRequests()[0].body.tools)).toContain('start_room_booking');
		const [question] = first.sent;
		expect(question).toMatch(/name/i);
		const [form] = await sql<{ form_name: string; status: string; asked_field: string; values: Record<string, unknown> }>(
			'SELECT form_name, status, asked_field, field_values AS values FROM whatsapp_support.conversation_forms',
		);
		expect(form).toMatchObject({ form_name: 'room_booking', status: 'asking', asked_field: 'name', values: { dates, guests: 2, room: 'double' } });

		// The guest's answer never reaches the agent: the form node has the active form.
		const modelCalls = models.chatRequests().length;
		const second = await guestWrites('form', waId, 'Anna Jansen');
		expect(second.status).toBe('success');
		expect(models.chatRequests()).toHaveLength(modelCalls);
		expect(second.sent).toHaveLength(1);
		expect(second.sent[0]).toContain('Anna Jansen');
		const [confirming] = await sql<{ status: string }>('SELECT status FROM whatsapp_support.conversation_forms');
		expect(confirming.status).toBe('confirming');
		expect(graph.sentMessages().at(-1)?.body.interactive).toMatchObject({ type: 'button' });
	});
});
