// Parameters whose default is an expression over the item (Text of the Intent Classifier and WhatsApp
// Send, Message ID of mark-as-read, Reason of a handoff) are computed natively while they hold that
// default (nodes/glue/parameters.ts), and the AI Reply indexes a knowledge base once per process. These
// tests pin that the shortcut gives what the expression gives, and that a changed parameter still wins.
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { knowledgeIndexFor } from '../../nodes/domain/reply/knowledge-base';
import { guest, startNodeTestBed, type NodeTestBed } from '../helpers/node-fixtures';
import { line } from '../helpers/workflow-builder';
import { runWorkflow } from '../helpers/workflow-runner';

describe('item parameters with expression defaults', () => {
	let bed: NodeTestBed;

	beforeAll(async () => {
		bed = await startNodeTestBed('embedded');
	});
	afterAll(async () => await bed.close());
	beforeEach(() => bed.sandbox.reset());

	const envelope = (extra: IDataObject = {}): IDataObject => ({
		conversation: guest('31655500001', 'Anna'),
		message: { id: 'wamid.item.1', type: 'text', text: 'Is breakfast included?', timestamp: new Date().toISOString() },
		...extra,
	});

	async function run(type: string, parameters: INodeParameters, json: IDataObject) {
		const result = await runWorkflow(line(bed.ourNode('Node', type, parameters)), { credentials: bed.credentials, triggerItems: [{ json }] });
		expect(result.status).toBe('success');
		return result;
	}

	it('classifies the masked text by default, and what a changed Text says otherwise', async () => {
		const masked = await run('intentClassifier', {}, envelope({ message: { id: 'wamid.item.2', type: 'text', text: 'x', textMasked: 'Is there parking at the hotel?' } }));
		expect((masked.json('Node')[0].nlu as IDataObject).intent).toBe('amenities');
		const custom = await run('intentClassifier', { text: '={{ $json.question }}' }, envelope({ question: 'I want to cancel my booking' }));
		expect((custom.json('Node')[0].nlu as IDataObject).intent).toBe('booking_cancel');
	});

	it('sends reply.text by default and a changed Text when given', async () => {
		await run('whatsAppSend', { messageType: 'text' }, envelope({ reply: { text: 'Breakfast is from 7:00.' } }));
		await run('whatsAppSend', { messageType: 'text', text: '=Dear {{ $json.conversation.customer.name }}' }, envelope({ reply: { text: 'not this' } }));
		expect(bed.sandbox.sentMessages().map((message) => (message.body.text as { body: string }).body)).toEqual(['Breakfast is from 7:00.', 'Dear Anna']);
	});

	it('marks the trigger’s message as read by default, and another message when Message ID says so', async () => {
		await run('whatsAppSend', { operation: 'markAsRead' }, envelope());
		await run('whatsAppSend', { operation: 'markAsRead', messageId: '={{ $json.quoted }}' }, envelope({ quoted: 'wamid.item.quoted' }));
		expect(bed.sandbox.readReceipts().map((receipt) => receipt.messageId)).toEqual(['wamid.item.1', 'wamid.item.quoted']);
	});

	it('gives a handoff the router’s reasons by default, the fallback without them, and a changed Reason as is', async () => {
		const byRouter = await run('humanHandoff', { operation: 'handOff', sendHoldingMessage: false }, envelope({ route: { reasons: ['complaint', 'negative sentiment'] } }));
		expect((byRouter.json('Node')[0].handoff as IDataObject).reason).toBe('complaint; negative sentiment');
		const fallback = await run('humanHandoff', { operation: 'handOff', sendHoldingMessage: false }, { ...envelope(), conversation: guest('31655500002') });
		expect((fallback.json('Node')[0].handoff as IDataObject).reason).toBe('handed off by workflow');
		const custom = await run('humanHandoff', { operation: 'handOff', sendHoldingMessage: false, reason: '=VIP {{ $json.conversation.customer.name }}' }, { ...envelope(), conversation: guest('31655500003', 'Bo') });
		expect((custom.json('Node')[0].handoff as IDataObject).reason).toBe('VIP Bo');
	});

	it('indexes a knowledge base once and again when its content changes', () => {
		const entries = [{ id: 'KB1', question: 'Is there parking?', answer: 'Yes, 40 spaces.', language: 'en' }];
		const first = knowledgeIndexFor(entries);
		expect(knowledgeIndexFor(entries.map((entry) => ({ ...entry })))).toBe(first);
		const changed = knowledgeIndexFor([{ ...entries[0], answer: 'Yes, 50 spaces.' }]);
		expect(changed).not.toBe(first);
		expect(changed.documents[0].entry.answer).toBe('Yes, 50 spaces.');
	});
});
