// The shipped workflows/whatsapp-ai-support.json, run in-process: what the trigger emits goes through
// consent, handoff, window, intent, router, AI reply (knowledge base, no LLM), send and cost logging,
// against the Graph sandbox and the embedded store.
import path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { conversationIdOf } from '../../nodes/domain/envelope';
import { guest, startNodeTestBed, type NodeTestBed } from '../helpers/node-fixtures';
import { loadWorkflowFile, runWorkflow } from '../helpers/workflow-runner';

const workflowFile = path.join(__dirname, '..', '..', 'workflows', 'whatsapp-ai-support.json');

describe('whatsapp-ai-support pipeline (in-process)', () => {
	let bed: NodeTestBed;

	beforeAll(async () => {
		bed = await startNodeTestBed('embedded');
		bed.sandbox.registerTemplate({ name: 'follow_up', category: 'utility', languages: ['en', 'nl', 'de', 'fr', 'es'] });
	});
	afterAll(async () => await bed.close());
	beforeEach(() => bed.sandbox.reset());

	/** Stores the message as the trigger does, then runs the workflow from the trigger's Messages output. */
	async function guestWrites(waId: string, name: string, text: string) {
		const conversation = { ...guest(waId, name) };
		const id = `wamid.${waId}.${Math.random().toString(36).slice(2)}`;
		const at = new Date();
		await bed.store.recordInboundMessage({ conversation, waMessageId: id, type: 'text', text, sentAt: at });
		const result = await runWorkflow(loadWorkflowFile(workflowFile), {
			credentials: bed.credentials,
			triggerItems: [{ json: { conversation: { ...conversation, id: conversationIdOf(conversation) }, message: { id, type: 'text', text, timestamp: at.toISOString() } } }],
		});
		expect(result.status).toBe('success');
		const sent = bed.sandbox.sentMessages().map((message) => message.body);
		const texts = sent.filter((body) => body.type === 'text').map((body) => (body.text as { body: string }).body);
		return { result, sent, texts };
	}

	it('answers a routine Dutch question from the knowledge base with no LLM', async () => {
		const { result, texts } = await guestWrites('31612340001', 'Anna', 'Is er parkeergelegenheid bij het hotel?');
		expect(texts).toEqual([expect.stringMatching(/onze garage heeft 40 plekken voor €18 per nacht/)]);
		const classified = result.json('Classify Intent')[0].nlu as IDataObject;
		expect(classified).toMatchObject({ intent: 'amenities', language: 'nl' });
		expect(result.json('Route by Confidence', 0)).toHaveLength(1);
		const logged = result.json('Log Turn and Costs')[0];
		expect(logged.cost).toBeDefined();
	});

	it('hands a German complaint to a person with reasons and a holding message in German', async () => {
		const { result, texts } = await guestWrites('49151000099', 'Klaus', 'Die Heizung in Zimmer 214 ist kaputt und das Zimmer ist eiskalt, das ist eine Frechheit!');
		const [handed] = result.json('Hand Off to a Person');
		expect((handed.route as { decision: string; reasons: string[] }).decision).toBe('human');
		expect((handed.route as { reasons: string[] }).reasons.join(' ')).toMatch(/complaint|negative sentiment/);
		expect(handed.handoff).toMatchObject({ created: true, customer: { waId: '49151000099' } });
		expect(texts).toEqual([expect.stringMatching(/Geduld/)]);
		// While a person has the chat, the bot stays silent.
		bed.sandbox.reset();
		const followUp = await guestWrites('49151000099', 'Klaus', 'Hallo? Ist da jemand?');
		expect(followUp.result.json('Forward to Agent')).toHaveLength(1);
		expect(followUp.sent).toEqual([]);
	});

	it('silences the bot after BAJA in Spanish, confirming once in Spanish', async () => {
		const stop = await guestWrites('34600000077', 'Lucía', 'BAJA');
		expect(stop.texts).toEqual([expect.stringMatching(/Ya no recibirá mensajes/)]);
		bed.sandbox.reset();
		const later = await guestWrites('34600000077', 'Lucía', '¿A qué hora es el desayuno?');
		expect(later.result.json('Opted Out (Stay Silent)')).toHaveLength(1);
		expect(later.sent).toEqual([]);
	});

	it('sends a request for a person to Human', async () => {
		const { result } = await guestWrites('44700900001', 'Sam', 'Can I talk to a real person please?');
		expect(result.json('Hand Off to a Person')).toHaveLength(1);
		expect((result.json('Hand Off to a Person')[0].route as { rules: string[] }).rules).toContain('human_requested');
	});
});
