// Memory for AI Reply in real n8n, in-process: the pack's Conversation Memory (the support store's record of
// the conversation, the same history n8n's AI Agent gets from it) and n8n's own Simple Memory.
import { NodeConnectionTypes, type INode, type INodeParameters } from 'n8n-workflow';

import { conversationIdOf } from '../../nodes/domain/envelope';
import { guest, startNodeTestBed, type NodeTestBed } from '../helpers/node-fixtures';
import { node, workflow } from '../helpers/workflow-builder';
import { runWorkflow } from '../helpers/workflow-runner';
import { clearFakeChatScripts, FAKE_CHAT_MODEL_TYPE, fakeChatModelNodeTypes, registerFakeChatScript } from '../llm/fake-chat-model';

const answer = (text: string) => JSON.stringify({ answered: true, answer: text, sources: [] });

describe('AI Reply with a memory sub-node in n8n', () => {
	let bed: NodeTestBed;

	beforeAll(async () => {
		bed = await startNodeTestBed('embedded');
	});
	afterAll(async () => {
		await bed.close();
	});
	beforeEach(() => clearFakeChatScripts());

	async function ask(waId: string, text: string, memory: INode, options: { mask?: boolean; replyParameters?: INodeParameters } = {}) {
		const conversation = guest(waId, 'Jonas Weber');
		const messageId = `wamid.${waId}.${Date.now()}.${Math.random().toString(36).slice(2, 6)}`;
		await bed.store.recordInboundMessage({ conversation, waMessageId: messageId, type: 'text', text, sentAt: new Date() });
		const nodes: INode[] = [
			node('Start', 'n8n-nodes-base.manualTrigger'),
			bed.ourNode('Reply', 'aiReply', { modelSource: 'input', historyLength: 10, ...options.replyParameters }),
			node('Model', FAKE_CHAT_MODEL_TYPE, { scriptKey: 'memory' }),
			memory,
		];
		const links: Array<[string, string, number?, string?]> = [
			['Model', 'Reply', 0, NodeConnectionTypes.AiLanguageModel],
			[memory.name, 'Reply', 0, NodeConnectionTypes.AiMemory],
		];
		if (options.mask) {
			nodes.push(bed.ourNode('Gate', 'consentGate', { operation: 'maskPii' }));
			links.unshift(['Start', 'Gate'], ['Gate', 'Reply']);
		} else {
			links.unshift(['Start', 'Reply']);
		}
		return await runWorkflow(workflow(nodes, links), {
			credentials: bed.credentials,
			triggerItems: [{ json: { conversation, message: { id: messageId, type: 'text', text, timestamp: new Date().toISOString() } } }],
			extraNodeTypes: fakeChatModelNodeTypes(),
		});
	}

	it('gives the model the stored conversation through Conversation Memory, masked when the message is', async () => {
		const waId = '31644440001';
		const conversationId = conversationIdOf(guest(waId));
		await bed.store.recordInboundMessage({ conversation: guest(waId), waMessageId: 'wamid.mem.1', type: 'text', text: 'Hi, I am in room 12, mail me at jonas@example.com', sentAt: new Date(Date.now() - 120_000) });
		await bed.store.recordOutboundMessage({ conversationId, author: 'bot', type: 'text', text: 'Welcome Jonas! How can I help?', sentAt: new Date(Date.now() - 110_000) });
		await bed.store.recordOutboundMessage({ conversationId, author: 'agent', type: 'text', text: 'Your late checkout is confirmed.', sentAt: new Date(Date.now() - 100_000) });
		const script = registerFakeChatScript('memory', { defaultReply: answer('Room 12 is yours until 13:00.') });
		const result = await ask(waId, 'Until when can I stay in my room?', bed.ourNode('Memory', 'conversationMemory', {}), { mask: true });
		expect(result.status).toBe('success');
		const messages = script.calls[0].messages;
		expect(messages.map((message) => [message.role, message.content])).toEqual(
			expect.arrayContaining([
				['user', 'Hi, I am in room 12, mail me at [EMAIL_1]'],
				['assistant', 'Welcome Jonas! How can I help?'],
				['assistant', '(a colleague wrote) Your late checkout is confirmed.'],
			]),
		);
		// The message being answered comes last, once.
		expect(messages[messages.length - 1]).toEqual({ role: 'user', content: 'Until when can I stay in my room?' });
		expect(messages.filter((message) => message.content === 'Until when can I stay in my room?')).toHaveLength(1);
		expect(JSON.stringify(messages)).not.toContain('jonas@example.com');
	});

	it('gives no history of a guest who opted out of service messages', async () => {
		const waId = '31644440002';
		await bed.store.recordInboundMessage({ conversation: guest(waId), waMessageId: 'wamid.mem.2', type: 'text', text: 'My wife is allergic to nuts', sentAt: new Date(Date.now() - 60_000) });
		await bed.store.appendConsentEvent({ customerKey: waId, scope: '*', action: 'opt_out', source: 'keyword' });
		const script = registerFakeChatScript('memory', { defaultReply: answer('Hello!') });
		const result = await ask(waId, 'Hello again', bed.ourNode('Memory', 'conversationMemory', {}));
		expect(result.status).toBe('success');
		expect(script.prompts()[0]).not.toContain('allergic');
	});

	it('works with n8n’s own Simple Memory: the next message sees the exchange before it', async () => {
		const waId = '31644440003';
		const simple = node('Simple Memory', '@n8n/n8n-nodes-langchain.memoryBufferWindow', { sessionIdType: 'customKey', sessionKey: '={{ $json.conversation.customer.waId }}', contextWindowLength: 5 }, { typeVersion: 1.3 });
		const script = registerFakeChatScript('memory', { replies: [answer('Breakfast is from 7:00.'), answer('Yes, until 11:00 on Sundays.')] });
		expect((await ask(waId, 'When is breakfast?', simple)).status).toBe('success');
		expect((await ask(waId, 'Also on Sunday?', simple)).status).toBe('success');
		const second = script.calls[1].messages.map((message) => [message.role, message.content]);
		expect(second).toEqual(expect.arrayContaining([['user', 'When is breakfast?'], ['assistant', 'Breakfast is from 7:00.']]));
	});
});
