// The Hand Off path of every shipped support workflow ends in Log Turn and Costs, so handed-off turns and
// model timeouts and errors reach the metrics and the Value view's Health figures (they used to leave
// through Notify Agents only, and the health showed 0 % however often the model failed).
import { startOpenAiServer, type OpenAiServer, type ScriptedReply } from '../../sandbox/openai-server';
import { DEMO_BOOKING_SYSTEM, DEMO_LLM, withBookingSystemUrl } from '../../scripts/demo';
import { conversationIdOf } from '../../nodes/domain/envelope';
import { startTestBookingSandbox } from '../helpers/booking-sandbox';
import type { BookingSandbox } from '../../sandbox/booking-sandbox';
import { PROJECT_ROOT } from '../helpers/node-types';
import { guest, startNodeTestBed, type NodeTestBed } from '../helpers/node-fixtures';
import { loadWorkflowFile, runWorkflow } from '../helpers/workflow-runner';

const workflowFile = (name: string) => `${PROJECT_ROOT}/workflows/${name}`;

describe('handed-off turns are logged in the shipped support workflows', () => {
	let bed: NodeTestBed;
	let booking: BookingSandbox;
	let llm: OpenAiServer;
	let modelReply: () => ScriptedReply = () => 'unused';

	beforeAll(async () => {
		bed = await startNodeTestBed('embedded');
		booking = await startTestBookingSandbox();
		llm = await startOpenAiServer({ apiKeys: [DEMO_LLM.apiKey], models: ['concierge-demo'], responder: () => modelReply() });
	});
	afterAll(async () => {
		await llm.close();
		await booking.close();
		await bed.close();
	});
	beforeEach(() => bed.sandbox.reset());

	async function guestWrites(file: string, waId: string, text: string, edit: (workflow: ReturnType<typeof loadWorkflowFile>) => void = () => {}) {
		const conversation = guest(waId, `Guest ${waId}`);
		const id = `wamid.${waId}.${Math.random().toString(36).slice(2)}`;
		const at = new Date();
		await bed.store.recordInboundMessage({ conversation, waMessageId: id, type: 'text', text, sentAt: at });
		const workflow = withBookingSystemUrl(loadWorkflowFile(workflowFile(file)) as never, booking.baseUrl) as ReturnType<typeof loadWorkflowFile>;
		edit(workflow);
		const result = await runWorkflow(workflow, {
			credentials: {
				...bed.credentials,
				httpHeaderAuth: { name: DEMO_BOOKING_SYSTEM.header, value: DEMO_BOOKING_SYSTEM.key },
				openAiApi: { apiKey: DEMO_LLM.apiKey, url: llm.baseUrl },
			},
			triggerItems: [{ json: { conversation: { ...conversation, id: conversationIdOf(conversation) }, message: { id, type: 'text', text, timestamp: at.toISOString() } } }],
		});
		expect({ status: result.status, failedNode: result.failedNodeName, error: result.error?.message }).toEqual({ status: 'success', failedNode: undefined, error: undefined });
		const detail = await bed.store.analytics.conversationDetail(conversationIdOf(conversation));
		return { result, conversationId: conversationIdOf(conversation), messageId: id, turns: detail?.turns ?? [] };
	}

	it.each([
		['whatsapp-ai-support.json', '44700910001'],
		['hotel-concierge.json', '44700910002'],
		['restaurant-reservations.json', '44700910003'],
		['travel-agency.json', '44700910004'],
	])('%s: a request for a person is handed off and logged as a human turn', async (file, waId) => {
		const { result, messageId, turns } = await guestWrites(file, waId, 'Can I talk to a real person please?');
		expect(result.json('Hand Off to a Person')).toHaveLength(1);
		expect(result.runCount('Log Turn and Costs')).toBe(1);
		expect(turns).toEqual([expect.objectContaining({ messageId, human: true, route: 'human', assistant: expect.any(String) })]);
	});

	it('hotel-concierge-llm: a model timeout and a model error are handed off and counted in Health', async () => {
		const started = new Date(Date.now() - 60_000);
		modelReply = () => ({ hang: true });
		const shortTurn = (workflow: ReturnType<typeof loadWorkflowFile>) => {
			const answer = workflow.nodes.find((node) => node.name === 'Answer With Tools')!;
			answer.parameters.toolSettings = { ...(answer.parameters.toolSettings as object), turnTimeoutMs: 1500 };
		};
		const timedOut = await guestWrites('hotel-concierge-llm.json', '31666661001', 'Do you have parking at the hotel?', shortTurn);
		expect(timedOut.result.json('Hand Off to a Person')).toHaveLength(1);
		expect((timedOut.result.json('Answer With Tools', 1)[0].reply as { reason: string }).reason).toBe('timeout');
		expect(timedOut.turns).toEqual([expect.objectContaining({ human: true, details: expect.objectContaining({ replyReason: 'timeout' }) })]);

		modelReply = () => ({ status: 400, error: { message: 'This model does not support tools', type: 'invalid_request_error' } });
		const failed = await guestWrites('hotel-concierge-llm.json', '31666661002', 'Can I bring my dog?');
		expect(failed.result.json('Hand Off to a Person')).toHaveLength(1);
		expect(failed.turns).toEqual([expect.objectContaining({ human: true, details: expect.objectContaining({ replyReason: 'model_error' }) })]);

		const health = await bed.store.analytics.health({ from: started, to: new Date(Date.now() + 60_000), customer: '3166666100' });
		expect({ turns: health.llmTurns, timeouts: health.llmTimeouts, errors: health.llmErrors }).toEqual({ turns: 2, timeouts: 1, errors: 1 });
		expect(health.llmTimeoutRate).toBe(0.5);
		expect(health.llmErrorRate).toBe(0.5);
	});
});
