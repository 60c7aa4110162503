// Metrics correctness: the duty manager who gets handoff alerts through the shipped agent-desk-bridge is staff,
// not a guest. After a real in-process run (restaurant-reservations hands off, the bridge alerts the duty phone,
// the duty manager answers on WhatsApp), the customer metrics count only the guest; the Internal filter shows
// the duty manager.
import path from 'node:path';

import { conversationIdOf } from '../../nodes/domain/envelope';
import { guest, startNodeTestBed, type NodeTestBed } from '../helpers/node-fixtures';
import { PROJECT_ROOT } from '../helpers/node-types';
import { loadWorkflowFile, runWorkflow } from '../helpers/workflow-runner';

const file = (name: string) => path.join(PROJECT_ROOT, 'workflows', name);
const DUTY_PHONE = '15550100001';

describe('internal recipients stay out of customer metrics', () => {
	let bed: NodeTestBed;

	beforeAll(async () => {
		bed = await startNodeTestBed('embedded');
		bed.sandbox.registerTemplate({ name: 'agent_handoff_alert', category: 'utility', languages: ['en'] });
	});
	afterAll(async () => await bed.close());

	it('does not count the duty manager alerted by agent-desk-bridge as a chat, and shows them under Internal', async () => {
		const started = new Date(Date.now() - 60_000);
		const waId = '44700900520';
		const conversation = guest(waId, 'Tom');
		const id = `wamid.${waId}.handoff`;
		const text = 'I need to change my booking to a different day please';
		const at = new Date();
		await bed.store.recordInboundMessage({ conversation, waMessageId: id, type: 'text', text, sentAt: at });
		const result = await runWorkflow(loadWorkflowFile(file('restaurant-reservations.json')), {
			credentials: bed.credentials,
			triggerItems: [{ json: { conversation: { ...conversation, id: conversationIdOf(conversation) }, message: { id, type: 'text', text, timestamp: at.toISOString() } } }],
		});
		expect(result.status).toBe('success');
		expect(result.subWorkflowRuns.map((run) => run.result.status)).toEqual(['success']);
		expect(bed.sandbox.sentMessages().filter((message) => message.templateName === 'agent_handoff_alert').map((message) => message.to)).toEqual([DUTY_PHONE]);

		const dutyConversationId = conversationIdOf(guest(DUTY_PHONE));
		expect((await bed.store.getConversation(dutyConversationId))?.internalRole).toBe('duty_manager');
		// The duty manager answers the alert on WhatsApp: an inbound message like any guest's.
		await bed.store.recordInboundMessage({ conversation: guest(DUTY_PHONE, 'Duty phone'), waMessageId: 'wamid.duty.ok', type: 'text', text: 'On it', sentAt: new Date() });

		const range = { from: started, to: new Date(Date.now() + 60_000) };
		const customers = await bed.store.analytics.computeMetrics(range);
		expect(customers.chats).toBe(1);
		expect(customers.messagesByAuthor.customer).toBe(1);
		const chats = await bed.store.analytics.listChats(range, { currency: 'USD' });
		expect(chats.chats.map((chat) => chat.conversationId)).toEqual([conversationIdOf(conversation)]);
		const daily = await bed.store.analytics.dailySeries(range, { currency: 'USD' });
		expect(daily.reduce((sum, day) => sum + day.customerMessages, 0)).toBe(1);

		const internal = await bed.store.analytics.computeMetrics({ ...range, audience: 'internal' });
		expect(internal.chats).toBe(1);
		expect(internal.messagesByAuthor).toMatchObject({ customer: 1, bot: 1 });
		const everyone = await bed.store.analytics.computeMetrics({ ...range, audience: 'all' });
		expect(everyone.chats).toBe(2);
	});

	it('treats a number on the internal numbers list as internal', async () => {
		const started = new Date(Date.now() - 60_000);
		const agentPhone = '31612999001';
		await bed.store.recordInboundMessage({ conversation: guest(agentPhone, 'Agent Sofie'), waMessageId: 'wamid.agent.test', type: 'text', text: 'test from the desk', sentAt: new Date() });
		const range = { from: started, to: new Date(Date.now() + 60_000), customer: agentPhone };
		expect((await bed.store.analytics.computeMetrics(range)).chats).toBe(1);
		expect((await bed.store.analytics.computeMetrics({ ...range, internalNumbers: [`+${agentPhone}`] })).chats).toBe(0);
		expect((await bed.store.analytics.computeMetrics({ ...range, internalNumbers: [agentPhone], audience: 'internal' })).chats).toBe(1);
	});
});
