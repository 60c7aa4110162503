import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { conversationIdOf } from '../../nodes/domain/envelope';
import { guest, inbound, startNodeTestBed, type NodeTestBed, type StoreBackendName } from '../helpers/node-fixtures';
import { line } from '../helpers/workflow-builder';
import { runWorkflow } from '../helpers/workflow-runner';
import { sqlOf } from '../helpers/store-sql';

const WITH_HUMAN = 0;
const WITH_BOT = 1;

describe.each<StoreBackendName>(['embedded', 'postgres'])('Human Handoff in n8n (%s store)', (backend) => {
	let bed: NodeTestBed;

	beforeAll(async () => (bed = await startNodeTestBed(backend)));
	afterAll(async () => await bed.close());
	beforeEach(() => bed.sandbox.reset());

	async function handoff(parameters: INodeParameters, items: IDataObject[]) {
		return await runWorkflow(line(bed.ourNode('Handoff', 'humanHandoff', parameters)), {
			credentials: bed.credentials,
			triggerItems: items.map((json) => ({ json })),
		});
	}

	async function seedConversation(waId: string, lines: Array<['customer' | 'bot', string]>) {
		const conversation = guest(waId, 'Klaus Becker');
		const start = Date.now() - lines.length * 60_000;
		for (const [index, [author, text]] of lines.entries()) {
			const sentAt = new Date(start + index * 60_000);
			if (author === 'customer') {
				await bed.store.recordInboundMessage({ conversation, waMessageId: `wamid.${waId}.${index}`, type: 'text', text, sentAt });
			} else {
				await bed.store.recordOutboundMessage({ conversationId: conversationIdOf(conversation), waMessageId: `wamid.${waId}.${index}`, author: 'bot', type: 'text', text, sentAt });
			}
		}
		return conversation;
	}

	it('hands off with a context package, a holding message in the guest’s language, and no second handoff', async () => {
		const conversation = await seedConversation('49151000001', [
			['customer', 'Guten Abend, wir sind in Zimmer 214.'],
			['bot', 'Guten Abend! Wie kann ich helfen?'],
			['customer', 'Die Heizung ist kaputt und das Zimmer ist eiskalt. Das ist wirklich nicht akzeptabel!'],
		]);
		const item = {
			conversation,
			message: { id: 'wamid.49151000001.2', type: 'text', text: 'Die Heizung ist kaputt' },
			nlu: { intent: 'complaint', confidence: 0.91, language: 'de', sentiment: { label: 'negative', score: -0.8 } },
			route: { decision: 'human', reasons: ['intent complaint is always handled by a person', 'negative sentiment -0.80'] },
		};
		const result = await handoff({ operation: 'handOff' }, [item]);
		expect(result.status).toBe('success');
		const handed = result.json('Handoff')[0].handoff as IDataObject;
		expect(handed).toMatchObject({
			created: true,
			status: 'open',
			conversationId: conversationIdOf(conversation),
			reason: 'intent complaint is always handled by a person; negative sentiment -0.80',
			customer: { name: 'Klaus Becker', waId: '49151000001' },
			nlu: { intent: 'complaint' },
			summarySource: 'extractive',
		});
		expect(handed.summary).toMatch(/Heizung ist kaputt/);
		expect((handed.transcript as unknown[]).length).toBe(3);
		expect(handed.text).toMatch(/Handoff #\d+: Klaus Becker · \+49151000001/);
		expect(handed.text).toMatch(/Bot understood: intent complaint \(91 %\), sentiment negative, language de/);
		const holding = bed.sandbox.sentMessages();
		expect(holding).toHaveLength(1);
		expect((holding[0].body.text as { body: string }).body).toMatch(/Geduld/);
		expect((await bed.store.getConversation(conversationIdOf(conversation)))?.state).toBe('human');

		const again = await handoff({ operation: 'handOff' }, [item]);
		expect((again.json('Handoff')[0].handoff as IDataObject).created).toBe(false);
		expect(bed.sandbox.sentMessages()).toHaveLength(1);
	});

	it('masks the alert by default and, when asked, the whole package for agents, form values included', async () => {
		const conversation = await seedConversation('31655500001', [['customer', 'Ik ben Sanne Visser, mail me op sanne@example.nl of bel 06 12345678']]);
		const item = {
			conversation: { ...conversation, customer: { ...conversation.customer, name: 'Sanne Visser' } },
			message: { id: 'wamid.31655500001.0', type: 'text', text: 'mail me' },
			nlu: { language: 'nl' },
			form: { name: 'booking', status: 'handoff', values: { guest_name: 'Sanne Visser', email: 'sanne@example.nl', nights: 2, note: 'bel 06 12345678' } },
		};
		const result = await handoff({ operation: 'handOff', maskPackage: true, sendHoldingMessage: false }, [item]);
		expect(result.status).toBe('success');
		const handed = result.json('Handoff')[0].handoff as { text: string; alert: { customer: string; summary: string; masked: boolean }; form: { values: IDataObject }; transcript: Array<{ text: string }> };
		expect(handed.alert).toMatchObject({ customer: 'S. V. (+31 •••• 0001)', masked: true });
		expect(handed.alert.summary).not.toMatch(/Sanne|Visser|sanne@example|12345678/);
		expect(handed.text).not.toMatch(/Sanne|Visser|sanne@example|12345678/);
		expect(handed.text).toMatch(/nights 2/);
		expect(handed.form.values).toEqual({ guest_name: '[MASKED]', email: '[MASKED]', nights: 2, note: expect.not.stringMatching(/12345678/) });
		// The store keeps the original for the agent desk (encrypted when a key is set).
		expect((await bed.store.getOpenHandoff(conversationIdOf(conversation)))?.context).toMatchObject({ form: { values: { email: 'sanne@example.nl' } } });
	});

	it('creates one handoff when two messages arrive together', async () => {
		const conversation = await seedConversation('31620000001', [['customer', 'I want to speak to a person please']]);
		const item = { conversation, message: { id: 'x', type: 'text', text: 'human please' }, nlu: { language: 'en' } };
		const [first, second] = await Promise.all([handoff({ operation: 'handOff' }, [item]), handoff({ operation: 'handOff' }, [item])]);
		const created = [first, second].map((result) => (result.json('Handoff')[0].handoff as IDataObject).created);
		expect(created.sort()).toEqual([false, true]);
		const rows = await sqlOf(bed.store).query<{ count: number }>('SELECT count(*)::int AS count FROM handoffs WHERE conversation_id = $1', [
			conversationIdOf(conversation),
		]);
		expect(Number(rows[0].count)).toBe(1);
		expect(bed.sandbox.sentMessages()).toHaveLength(1);
	});

	it('routes messages With Human while a person has the chat, and With Bot after release', async () => {
		const conversation = await seedConversation('34600000001', [['customer', 'hola']]);
		await bed.store.openHandoff(conversationIdOf(conversation), { reason: 'test' });
		const message = { ...inbound('34600000001', '¿Siguen ahí?'), conversation };
		const during = await handoff({ operation: 'check' }, [message]);
		expect(during.json('Handoff', WITH_HUMAN)).toHaveLength(1);
		expect(during.json('Handoff', WITH_HUMAN)[0]).toMatchObject({ message: { text: '¿Siguen ahí?' }, handoff: { active: true } });
		expect(during.json('Handoff', WITH_BOT)).toHaveLength(0);

		const released = await handoff({ operation: 'release', conversationSource: 'id', conversationId: conversationIdOf(conversation), releasedBy: 'agent:maria' }, [{}]);
		expect(released.json('Handoff')[0].handoff).toMatchObject({ released: true });
		const after = await handoff({ operation: 'check' }, [message]);
		expect(after.json('Handoff', WITH_BOT)).toHaveLength(1);
	});

	it('gives the chat back to the bot after the inactivity timeout', async () => {
		const conversation = await seedConversation('33600000001', [['customer', 'bonjour']]);
		const id = conversationIdOf(conversation);
		await bed.store.openHandoff(id, { reason: 'test' });
		await sqlOf(bed.store).query('UPDATE handoffs SET last_activity_at = $2 WHERE conversation_id = $1', [id, new Date(Date.now() - 25 * 3_600_000)]);
		const result = await handoff({ operation: 'check', inactivityHours: 24 }, [{ ...inbound('33600000001', 'encore là ?'), conversation }]);
		expect(result.json('Handoff', WITH_BOT)).toHaveLength(1);
		const [row] = await sqlOf(bed.store).query<{ released_by: string }>('SELECT released_by FROM handoffs WHERE conversation_id = $1', [id]);
		expect(row.released_by).toBe('inactivity');
	});

	it('sends an agent reply from outside the chat (by conversation ID) and stores it as an agent message', async () => {
		const conversation = await seedConversation('31620000009', [['customer', 'Can someone call me back?']]);
		const id = conversationIdOf(conversation);
		await bed.store.openHandoff(id, { reason: 'callback' });
		const result = await handoff(
			{ operation: 'agentReply', conversationSource: 'id', conversationId: id, text: 'Hi, this is Maria from reception. Calling you in 5 minutes.', agentName: 'Maria' },
			[{ slack: { channel: 'C123' } }],
		);
		expect(result.status).toBe('success');
		const [sent] = bed.sandbox.sentMessages();
		expect(sent.to).toBe('31620000009');
		const stored = await bed.store.getMessageByWaId(sent.id);
		expect(stored).toMatchObject({ author: 'agent', direction: 'outbound', text: 'Hi, this is Maria from reception. Calling you in 5 minutes.' });
		expect(result.json('Handoff')[0]).toMatchObject({ slack: { channel: 'C123' }, agentReply: { agentName: 'Maria', messageIds: [sent.id] } });

		const unknown = await handoff({ operation: 'agentReply', conversationSource: 'id', conversationId: 'whatsapp:1:nobody', text: 'hi' }, [{}]);
		expect(unknown.status).toBe('error');
		expect(unknown.nodeError('Handoff')?.description).toMatch(/handoff.conversationId/);
	});
});
