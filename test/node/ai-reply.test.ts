import { readFileSync } from 'node:fs';
import path from 'node:path';

import { NodeConnectionTypes, type IDataObject, type IExecuteFunctions, type INode, type INodeParameters, type INodeType, type INodeTypeDescription } from 'n8n-workflow';

import { conversationIdOf } from '../../nodes/domain/envelope';
import { rememberRestoreMap, restoreVaultKey } from '../../nodes/domain/privacy/restore-vault';
import type { KnowledgeEntry } from '../../nodes/domain/reply/knowledge-base';
import { guest, startNodeTestBed, type NodeTestBed } from '../helpers/node-fixtures';
import { node, workflow } from '../helpers/workflow-builder';
import { runWorkflow } from '../helpers/workflow-runner';
import { clearFakeChatScripts, FAKE_CHAT_MODEL_TYPE, fakeChatModelNodeTypes, registerFakeChatScript } from '../llm/fake-chat-model';
import { startOpenAiServer, type OpenAiServer } from '../../sandbox/openai-server';

const ANSWERED = 0;
const UNANSWERED = 1;
const API_KEY = 'sk-reply-test-0001';

const hotelKb = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'kb', 'hotel-kb.json'), 'utf8')) as KnowledgeEntry[];
const kbParameter = { entry: hotelKb.map(({ question, answer, language }) => ({ question, answer, language })) };
const kbId = (topic: string, language: string) => `KB${hotelKb.findIndex((entry) => entry.id === `${topic}-${language}`) + 1}`;

/** A test-only node that emits knowledge rows, standing in for Google Sheets / Notion on the Knowledge Base input. */
class KnowledgeRows implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Knowledge Rows',
		name: 'knowledgeRows',
		group: ['input'],
		version: 1,
		description: 'Emits rows',
		defaults: { name: 'Knowledge Rows' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Rows', name: 'rows', type: 'json', default: '[]' }],
	};

	async execute(this: IExecuteFunctions) {
		const rows = JSON.parse(this.getNodeParameter('rows', 0) as string) as IDataObject[];
		return [rows.map((json) => ({ json }))];
	}
}

const extraNodeTypes = { ...fakeChatModelNodeTypes(), 'test.knowledgeRows': new KnowledgeRows() };

describe('AI Reply in n8n', () => {
	let bed: NodeTestBed;
	let server: OpenAiServer;

	beforeAll(async () => {
		bed = await startNodeTestBed('embedded');
		server = await startOpenAiServer({ apiKeys: [API_KEY], models: ['gpt-4.1-mini'] });
	});
	afterAll(async () => {
		await server.close();
		await bed.close();
	});
	beforeEach(() => {
		server.reset();
		clearFakeChatScripts();
	});

	function replyWorkflow(parameters: INodeParameters, options: { model?: INode; knowledgeRows?: IDataObject[] } = {}) {
		const reply = bed.ourNode('Reply', 'aiReply', { knowledge: kbParameter, businessProfile: { name: 'Hotel Zonneveld' }, ...parameters }, {
			credentials: { openAiApi: { id: 'oa', name: 'Local LLM' } },
		});
		const nodes: INode[] = [node('Start', 'n8n-nodes-base.manualTrigger'), reply];
		const links: Array<[string, string, number?, string?]> = [['Start', 'Reply']];
		if (options.model) {
			nodes.push(options.model);
			links.push([options.model.name, 'Reply', 0, NodeConnectionTypes.AiLanguageModel]);
		}
		if (options.knowledgeRows) {
			nodes.push(node('Sheet', 'test.knowledgeRows', { rows: JSON.stringify(options.knowledgeRows) }));
			links.push(['Start', 'Sheet']);
		}
		const built = workflow(nodes, links);
		if (options.knowledgeRows) {
			// Knowledge rows go to the AI Reply's second main input.
			(built.connections.Sheet = { main: [[{ node: 'Reply', type: 'main', index: 1 }]] });
		}
		return built;
	}

	async function ask(waId: string, text: string, parameters: INodeParameters = {}, options: { model?: INode; knowledgeRows?: IDataObject[]; item?: IDataObject } = {}) {
		const conversation = guest(waId);
		const messageId = `wamid.${waId}.${Date.now()}`;
		await bed.store.recordInboundMessage({ conversation, waMessageId: messageId, type: 'text', text, sentAt: new Date() });
		const item = { conversation, message: { id: messageId, type: 'text', text, timestamp: new Date().toISOString() }, ...options.item };
		return await runWorkflow(replyWorkflow(parameters, options), {
			credentials: { ...bed.credentials, openAiApi: { apiKey: API_KEY, url: server.baseUrl } },
			triggerItems: [{ json: item }],
			extraNodeTypes,
		});
	}

	it('answers a routine question from the knowledge base with no LLM, in the guest’s language', async () => {
		const result = await ask('31611110001', 'Hoe laat is het ontbijt morgen?');
		expect(result.status).toBe('success');
		const [answered] = result.json('Reply', ANSWERED);
		expect(answered.reply).toMatchObject({ answered: true, source: 'kb', language: 'nl', model: null });
		expect((answered.reply as { text: string }).text).toMatch(/7:00 tot 10:30/);
		expect((answered.reply as { sources: Array<{ id: string }> }).sources.map((source) => source.id)).toEqual([kbId('breakfast', 'nl')]);
	});

	it('sends what the knowledge base cannot answer to Unanswered and counts the streak', async () => {
		const first = await ask('31611110002', 'Can you book me a table at a Thai restaurant tonight?');
		expect(first.json('Reply', UNANSWERED)[0].reply).toMatchObject({ answered: false, reason: 'no_match', source: 'kb' });
		await ask('31611110002', 'And a taxi to the station at 6?');
		expect((await bed.store.getConversation(conversationIdOf(guest('31611110002'))))?.unansweredStreak).toBe(2);
		await ask('31611110002', 'ok, is there parking?');
		expect((await bed.store.getConversation(conversationIdOf(guest('31611110002'))))?.unansweredStreak).toBe(0);
	});

	it('uses the knowledge rows on its second input', async () => {
		const result = await ask('31611110003', 'Do you have a sauna?', {}, {
			knowledgeRows: [{ id: 'spa-1', vraag: 'Is there a sauna or spa?', antwoord: 'Our spa with sauna is open 9:00–21:00.', taal: 'en' }],
		});
		expect(result.status).toBe('success');
		// Field names differ from the default: the unmapped rows are ignored …
		expect(result.json('Reply', UNANSWERED)).toHaveLength(1);
		const mapped = await ask('31611110003', 'Do you have a sauna?', { knowledgeFields: { question: 'vraag', answer: 'antwoord', language: 'taal' } }, {
			knowledgeRows: [{ id: 'spa-1', vraag: 'Is there a sauna or spa?', antwoord: 'Our spa with sauna is open 9:00–21:00.', taal: 'en' }],
		});
		const [answered] = mapped.json('Reply', ANSWERED);
		expect((answered.reply as { text: string }).text).toMatch(/spa with sauna/);
		expect((answered.reply as { sources: Array<{ id: string }> }).sources[0].id).toBe('spa-1');
	});

	it('with an OpenAI-compatible server: history, cited entries and the guest’s language reach the model', async () => {
		const waId = '49170000001';
		const conversation = guest(waId);
		await bed.store.recordInboundMessage({ conversation, waMessageId: 'wamid.hist.1', type: 'text', text: 'Wir kommen mit dem Auto.', sentAt: new Date(Date.now() - 120_000) });
		await bed.store.recordOutboundMessage({ conversationId: conversationIdOf(conversation), waMessageId: 'wamid.hist.2', author: 'bot', type: 'text', text: 'Gute Fahrt!', sentAt: new Date(Date.now() - 60_000) });
		server.enqueue({
			content: JSON.stringify({ answered: true, answer: 'Ja, wir haben eine **Garage** mit 40 Plätzen für 18 € pro Nacht.', sources: [kbId('parking', 'de')] }),
			usage: { promptTokens: 812, completionTokens: 41 },
		});
		const result = await ask(waId, 'Gibt es bei euch Parkplätze?', { modelSource: 'credential', modelName: 'gpt-4.1-mini' });
		expect(result.status).toBe('success');
		const [answered] = result.json('Reply', ANSWERED);
		expect(answered.reply).toMatchObject({
			answered: true,
			source: 'llm',
			language: 'de',
			model: 'gpt-4.1-mini',
			text: 'Ja, wir haben eine *Garage* mit 40 Plätzen für 18 € pro Nacht.',
			usage: { inputTokens: 812, outputTokens: 41 },
			sources: [{ id: kbId('parking', 'de') }],
		});
		const request = server.lastChatRequest();
		const system = request?.messages[0].content ?? '';
		expect(system).toMatch(/Reply in German/);
		expect(system).toMatch(/Hotel Zonneveld/);
		expect(system).toContain(`[${kbId('parking', 'de')}] (de) Q: Gibt es Parkplätze am Hotel?`);
		expect(system).toMatch(/Never promise refunds/);
		expect(request?.messages.slice(1).map((message) => [message.role, message.content])).toEqual([
			['user', 'Wir kommen mit dem Auto.'],
			['assistant', 'Gute Fahrt!'],
			['user', 'Gibt es bei euch Parkplätze?'],
		]);
	});

	it('with a chat model on the ai_languageModel input; the model’s “I don’t know” goes to Unanswered', async () => {
		const script = registerFakeChatScript('concierge', {
			replies: [
				JSON.stringify({ answered: true, answer: 'Le petit-déjeuner est servi de 7h00 à 10h30.', sources: [kbId('breakfast', 'fr')] }),
				JSON.stringify({ answered: false, answer: '', sources: [] }),
			],
		});
		const model = node('Chat Model', FAKE_CHAT_MODEL_TYPE, { scriptKey: 'concierge' });
		const yes = await ask('33600000001', 'Le petit déj est à quelle heure ?', { modelSource: 'input' }, { model });
		expect(yes.json('Reply', ANSWERED)[0].reply).toMatchObject({ source: 'llm', language: 'fr', sources: [{ id: kbId('breakfast', 'fr') }] });
		const no = await ask('33600000001', 'Pouvez-vous réserver un spectacle ?', { modelSource: 'input' }, { model });
		expect(no.json('Reply', UNANSWERED)[0].reply).toMatchObject({ answered: false, reason: 'no_answer' });
		expect(script.prompts()[1]).toMatch(/Le petit déj est à quelle heure/);
	});

	it('never ends in silence: a timeout or broken output goes to Unanswered with the error', async () => {
		server.setTimeoutMode(true);
		const slow = await ask('31611110004', 'What is the wifi password?', { modelSource: 'credential', modelName: 'gpt-4.1-mini', modelTimeoutMs: 800 });
		expect(slow.status).toBe('success');
		expect(slow.json('Reply', UNANSWERED)[0].reply).toMatchObject({ answered: false, reason: 'timeout', error: { kind: 'timeout' } });
		server.setTimeoutMode(false);

		const before = server.chatRequests().length;
		server.enqueue('Sure! The password is on your key card.', 'still not JSON');
		const broken = await ask('31611110004', 'What is the wifi password?', { modelSource: 'credential', modelName: 'gpt-4.1-mini' });
		expect(broken.json('Reply', UNANSWERED)[0].reply).toMatchObject({ reason: 'invalid_output', error: { kind: 'invalid_output' } });
		expect(server.chatRequests().length - before).toBe(2); // one repair attempt, then give up
	});

	it('shows the model only masked text, and puts the guest’s own data back into the reply', async () => {
		const waId = '31611110005';
		const conversation = guest(waId);
		await bed.store.recordInboundMessage({ conversation, waMessageId: 'wamid.pii.old', type: 'text', text: 'I am anna@example.com', sentAt: new Date(Date.now() - 60_000) });
		const messageId = 'wamid.pii.now';
		await bed.store.recordInboundMessage({ conversation, waMessageId: messageId, type: 'text', text: 'Send the invoice to anna@example.com', sentAt: new Date() });
		server.enqueue(JSON.stringify({ answered: true, answer: 'We will send it to [EMAIL_1] today.', sources: [] }));

		// Stands in for the Consent Gate of the same execution, which keeps the restore map in memory.
		const rememberMap: INodeType = {
			description: { displayName: 'Remember', name: 'rememberMap', group: ['transform'], version: 1, description: 'test', defaults: { name: 'Remember' }, inputs: [NodeConnectionTypes.Main], outputs: [NodeConnectionTypes.Main], properties: [] },
			async execute(this: IExecuteFunctions) {
				rememberRestoreMap(restoreVaultKey(this.getExecutionId(), messageId), { '[EMAIL_1]': 'anna@example.com' });
				return [this.getInputData()];
			},
		};
		const reply = replyWorkflow({ modelSource: 'credential', modelName: 'gpt-4.1-mini' });
		const built = workflow(
			[node('Start', 'n8n-nodes-base.manualTrigger'), node('Gate', 'test.rememberMap'), ...reply.nodes.filter((each) => each.name === 'Reply')],
			[
				['Start', 'Gate'],
				['Gate', 'Reply'],
			],
		);
		const result = await runWorkflow(built, {
			credentials: { ...bed.credentials, openAiApi: { apiKey: API_KEY, url: server.baseUrl } },
			triggerItems: [
				{ json: { conversation, message: { id: messageId, type: 'text', text: 'Send the invoice to anna@example.com', textMasked: 'Send the invoice to [EMAIL_1]' } } },
			],
			extraNodeTypes: { ...extraNodeTypes, 'test.rememberMap': rememberMap },
		});
		expect(result.status).toBe('success');
		const prompt = server.lastChatRequest()?.messages.map((message) => message.content).join('\n') ?? '';
		expect(prompt).not.toContain('anna@example.com');
		expect(prompt).toContain('Send the invoice to [EMAIL_1]');
		expect(prompt).toContain('I am [EMAIL_1]');
		expect((result.json('Reply', ANSWERED)[0].reply as { text: string }).text).toBe('We will send it to anna@example.com today.');
	});

	it('fails a message without text with a hint', async () => {
		const result = await runWorkflow(replyWorkflow({}), {
			credentials: bed.credentials,
			triggerItems: [{ json: { conversation: guest('31611110006'), message: { id: 'x', type: 'image' } } }],
			extraNodeTypes,
		});
		expect(result.status).toBe('error');
		expect(result.nodeError('Reply')?.description).toMatch(/answers text messages/);
	});
});
