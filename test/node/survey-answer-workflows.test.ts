// Every shipped support workflow catches a survey answer before its classifier or model: the shipped
// satisfaction-survey workflow sends the CSAT list, the guest taps a score, and the support workflow stores
// and thanks it without asking the bot; in hotel-concierge-llm the model is never called for it, and the
// guest's next question goes to the model as usual.
import { conciergeResponder } from '../../sandbox/concierge-model';
import { startOpenAiServer, type OpenAiServer } from '../../sandbox/openai-server';
import type { BookingSandbox } from '../../sandbox/booking-sandbox';
import { DEMO_BOOKING_SYSTEM, DEMO_LLM, withBookingSystemUrl } from '../../scripts/demo';
import { conversationIdOf } from '../../nodes/domain/envelope';
import { startTestBookingSandbox } from '../helpers/booking-sandbox';
import { PROJECT_ROOT } from '../helpers/node-types';
import { guest, startNodeTestBed, type NodeTestBed } from '../helpers/node-fixtures';
import { loadWorkflowFile, runWorkflow } from '../helpers/workflow-runner';

const workflowFile = (name: string) => `${PROJECT_ROOT}/workflows/${name}`;
const MINUTE = 60_000;

describe('survey answers in the shipped support workflows (in-process)', () => {
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

	/** A conversation the bot answered 45 minutes ago, then the shipped survey run: returns the list rows sent. */
	async function surveyed(waId: string) {
		const conversation = guest(waId, `Guest ${waId}`);
		const id = conversationIdOf(conversation);
		const askedAt = new Date(Date.now() - 45 * MINUTE);
		await bed.store.recordInboundMessage({ conversation, waMessageId: `wamid.${waId}.ask`, type: 'text', text: 'Is breakfast included?', sentAt: askedAt });
		await bed.store.recordOutboundMessage({ conversationId: id, author: 'bot', type: 'text', text: 'Yes, 7:00–10:30.', sentAt: new Date(askedAt.getTime() + MINUTE) });
		const run = await runWorkflow(loadWorkflowFile(workflowFile('satisfaction-survey.json')), { credentials: bed.credentials });
		expect({ status: run.status, error: run.error?.message }).toEqual({ status: 'success', error: undefined });
		const sent = bed.sandbox.sentMessages().filter((message) => message.waId === waId);
		expect(sent.map((message) => message.body.type)).toEqual(['interactive']);
		bed.sandbox.reset();
		return { id, rows: (sent[0].body.interactive as { action: { sections: Array<{ rows: Array<{ id: string; title: string }> }> } }).action.sections[0].rows };
	}

	async function guestSends(file: string, waId: string, message: Record<string, unknown>) {
		const conversation = guest(waId, `Guest ${waId}`);
		const at = new Date();
		const id = `wamid.${waId}.${Math.random().toString(36).slice(2)}`;
		await bed.store.recordInboundMessage({ conversation, waMessageId: id, type: String(message.type), text: message.text as string | undefined, payload: message, sentAt: at });
		const result = await runWorkflow(withBookingSystemUrl(loadWorkflowFile(workflowFile(file)) as never, booking.baseUrl), {
			credentials: {
				...bed.credentials,
				httpHeaderAuth: { name: DEMO_BOOKING_SYSTEM.header, value: DEMO_BOOKING_SYSTEM.key },
				openAiApi: { apiKey: DEMO_LLM.apiKey, url: llm.baseUrl },
			},
			triggerItems: [{ json: { conversation: { ...conversation, id: conversationIdOf(conversation) }, message: { id, timestamp: at.toISOString(), ...message } } }],
		});
		expect({ status: result.status, failedNode: result.failedNodeName, error: result.error?.message }).toEqual({ status: 'success', failedNode: undefined, error: undefined });
		const texts = bed.sandbox.sentMessages().map((sent) => (sent.body.text as { body: string } | undefined)?.body);
		return { result, texts };
	}

	it.each([
		['whatsapp-ai-support.json', '31612000931', 'Classify Intent'],
		['hotel-concierge.json', '31612000932', 'Classify Intent'],
		['restaurant-reservations.json', '31612000933', 'Classify Intent'],
		['travel-agency.json', '31612000934', 'Classify Intent'],
	])('%s stores a tapped score and thanks the guest without the bot', async (file, waId, botNode) => {
		const { id, rows } = await surveyed(waId);
		const five = rows.find((row) => row.title.startsWith('5'))!;
		const { result, texts } = await guestSends(file, waId, { type: 'interactive', interactive: { type: 'list_reply', id: five.id, title: five.title } });
		expect(result.runCount('Catch Survey Answer')).toBe(1);
		expect(result.runCount(botNode)).toBe(0);
		expect(texts).toEqual([expect.stringMatching(/^Thank you/)]);
		expect((await bed.store.surveys.listForConversation(id)).map((survey) => [survey.status, survey.score])).toEqual([['answered', 5]]);
	});

	it('hotel-concierge-llm stores the score without calling the model, and the next question goes to the model', async () => {
		const waId = '31612000935';
		const { id, rows } = await surveyed(waId);
		const requestsBefore = llm.chatRequests().length;
		const four = rows.find((row) => row.title.startsWith('4'))!;
		const answer = await guestSends('hotel-concierge-llm.json', waId, { type: 'interactive', interactive: { type: 'list_reply', id: four.id, title: four.title } });
		expect(answer.result.runCount('Catch Survey Answer')).toBe(1);
		expect(answer.result.runCount('Answer With Tools')).toBe(0);
		expect(llm.chatRequests()).toHaveLength(requestsBefore);
		expect(answer.texts).toEqual([expect.stringMatching(/^Thank you/)]);
		expect((await bed.store.surveys.listForConversation(id)).map((survey) => [survey.status, survey.score, survey.route])).toEqual([['answered', 4, 'bot']]);

		bed.sandbox.reset();
		const question = await guestSends('hotel-concierge-llm.json', waId, { type: 'text', text: 'What time is check-out?' });
		expect(question.result.runCount('Answer With Tools')).toBe(1);
		expect(llm.chatRequests().length).toBeGreaterThan(requestsBefore);
		expect(question.texts.join(' ')).toMatch(/11:00/);

		const figures = await bed.store.analytics.surveyFigures({ from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + MINUTE), customer: waId });
		expect(figures.csat).toMatchObject({ sent: 1, answered: 1, average: 4 });
	});
});
