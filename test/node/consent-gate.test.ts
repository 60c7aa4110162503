import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { conversationIdOf } from '../../nodes/domain/envelope';
import { recallRestoreMap } from '../../nodes/domain/privacy/restore-vault';
import { guest, inbound, startNodeTestBed, type NodeTestBed, type StoreBackendName } from '../helpers/node-fixtures';
import { line } from '../helpers/workflow-builder';
import { runWorkflow } from '../helpers/workflow-runner';

const ALLOWED = 0;
const OPTED_OUT = 1;
const NEEDS_OPT_IN = 2;
const KEYWORD = 3;

describe.each<StoreBackendName>(['embedded', 'postgres'])('Consent Gate in n8n (%s store)', (backend) => {
	let bed: NodeTestBed;

	beforeAll(async () => (bed = await startNodeTestBed(backend)));
	afterAll(async () => await bed.close());
	beforeEach(() => bed.sandbox.reset());

	async function gate(parameters: INodeParameters, items: IDataObject[]) {
		return await runWorkflow(line(bed.ourNode('Gate', 'consentGate', parameters)), {
			credentials: bed.credentials,
			triggerItems: items.map((json) => ({ json })),
		});
	}

	const stops: Array<[string, string, RegExp]> = [
		['en', 'UNSUBSCRIBE', /no longer receive messages/],
		['nl', 'AFMELDEN', /geen berichten meer/],
		['de', 'STOPP', /keine Nachrichten mehr/],
		['fr', 'ARRÊT', /ne recevrez plus/],
		['es', 'BAJA', /Ya no recibirá/],
	];

	it.each(stops)('a STOP in %s (%s) silences the bot and is confirmed once in that language', async (_language, keyword, confirmation) => {
		const waId = `3190${Math.floor(Math.random() * 1e7)}`;
		const first = await gate({}, [inbound(waId, keyword)]);
		expect(first.status).toBe('success');
		const handled = first.json('Gate', KEYWORD);
		expect(handled).toHaveLength(1);
		expect(handled[0].consent).toMatchObject({ decision: 'opted_out', keyword: { keyword: 'stop', changedState: true } });
		const sent = bed.sandbox.sentMessages();
		expect(sent).toHaveLength(1);
		expect(sent[0].to).toBe(waId);
		expect((sent[0].body.text as { body: string }).body).toMatch(confirmation);

		// STOP again: recorded, but not confirmed a second time.
		const again = await gate({}, [inbound(waId, keyword)]);
		expect(again.json('Gate', KEYWORD)[0].consent).toMatchObject({ keyword: { changedState: false } });
		expect(bed.sandbox.sentMessages()).toHaveLength(1);

		// Any later message goes to Opted Out: no AI processing.
		const later = await gate({}, [inbound(waId, 'Hallo? Is het ontbijt inbegrepen?')]);
		expect(later.json('Gate', OPTED_OUT)).toHaveLength(1);
		expect(later.json('Gate', ALLOWED)).toHaveLength(0);
		expect(later.json('Gate', OPTED_OUT)[0].message).not.toHaveProperty('textMasked');

		// START brings the service back (confirmed once), and the next question is allowed.
		const start = await gate({}, [inbound(waId, 'START')]);
		expect(start.json('Gate', KEYWORD)[0].consent).toMatchObject({ keyword: { keyword: 'start', changedState: true } });
		expect(bed.sandbox.sentMessages()).toHaveLength(2);
		const resumed = await gate({}, [inbound(waId, 'Is het ontbijt inbegrepen?')]);
		expect(resumed.json('Gate', ALLOWED)).toHaveLength(1);

		const log = await bed.store.listConsentEvents(waId);
		expect(log.map((event) => [event.scope, event.action, event.source])).toEqual([
			['*', 'opt_out', 'keyword'],
			['*', 'opt_out', 'keyword'],
			['service', 'opt_in', 'keyword'],
		]);
	});

	it('confirms the delivery lease; an execution whose lease a redelivery took over stops here', async () => {
		const waId = `3191${Math.floor(Math.random() * 1e7)}`;
		const item = inbound(waId, 'Is breakfast included?');
		await bed.store.recordInboundMessage({
			conversation: item.conversation,
			waMessageId: item.message.id,
			type: 'text',
			text: item.message.text,
			sentAt: new Date(),
			deliveryToken: 'first-execution',
		});
		// n8n never started the first execution; a redelivery took the message over.
		await expect(bed.store.takeOverInboundDelivery(item.message.id, 'first-execution', 'second-execution')).resolves.toBe(true);

		const late = await gate({}, [{ ...item, delivery: { token: 'first-execution' } }]);
		expect(late.status).toBe('success');
		expect([ALLOWED, OPTED_OUT, NEEDS_OPT_IN, KEYWORD].map((output) => late.json('Gate', output).length)).toEqual([0, 0, 0, 0]);
		await expect(bed.store.getInboundDelivery(item.message.id)).resolves.toMatchObject({ token: 'second-execution', confirmedAt: null });

		const current = await gate({}, [{ ...item, delivery: { token: 'second-execution' } }]);
		expect(current.json('Gate', ALLOWED)).toHaveLength(1);
		expect(current.json('Gate', ALLOWED)[0].delivery).toEqual({ token: 'second-execution', confirmed: true });
		expect((await bed.store.getInboundDelivery(item.message.id))?.confirmedAt).not.toBeNull();
		// Items without a lease (pinned data, other sources) pass as before.
		expect((await gate({}, [inbound(waId, 'And parking?')])).json('Gate', ALLOWED)).toHaveLength(1);
	});

	it('masks personal data for AI nodes and keeps the restore map out of the item', async () => {
		const text = 'Booking BK-482913, my email is anna@example.com and card 4111 1111 1111 1111';
		const result = await gate({}, [inbound('31611112222', text, 'wamid.pii.1')]);
		const [allowed] = result.json('Gate', ALLOWED);
		const message = allowed.message as IDataObject;
		expect(message.text).toBe(text);
		expect(message.textMasked).toBe('Booking BK-482913, my email is [EMAIL_1] and card [CARD_1]');
		expect(allowed.pii).toEqual({ masked: true, found: { EMAIL: 1, CARD: 1 } });
		const outputText = JSON.stringify(result.json('Gate', ALLOWED));
		expect(outputText.match(/anna@example\.com/g)).toHaveLength(1); // only the original message.text
		expect(outputText).not.toContain('restore');
		// The map lives in this process's memory, for nodes of the same execution only.
		const keys = [...((globalThis as Record<symbol, Map<string, unknown>>)[Symbol.for('n8n-nodes-whatsapp-ai-support.restoreVault')]?.keys() ?? [])];
		const key = keys.find((each) => each.endsWith(':wamid.pii.1'));
		expect(key).toBeDefined();
		expect(recallRestoreMap(key as string)).toEqual({ '[EMAIL_1]': 'anna@example.com', '[CARD_1]': '4111 1111 1111 1111' });
	});

	it('needs an explicit opt-in for marketing, recorded from any source with evidence', async () => {
		const customer = inbound('31633334444', 'Any offers?');
		const before = await gate({ scope: 'marketing' }, [customer]);
		expect(before.json('Gate', NEEDS_OPT_IN)).toHaveLength(1);

		const recorded = await gate(
			{ operation: 'recordOptIn', scope: 'marketing', source: 'web_form', evidence: '{"form":"newsletter","ip":"203.0.113.7"}' },
			[customer],
		);
		expect(recorded.json('Gate')[0].consentEvent).toMatchObject({ scope: 'marketing', action: 'opt_in', source: 'web_form', evidence: { form: 'newsletter' } });

		const after = await gate({ scope: 'marketing' }, [customer]);
		expect(after.json('Gate', ALLOWED)).toHaveLength(1);
		expect(after.json('Gate', ALLOWED)[0].consent).toMatchObject({ decision: 'allowed', scopes: { marketing: 'granted', service: 'unknown' } });

		const withdrawn = await gate({ operation: 'recordOptOut', scope: 'marketing', customerSource: 'custom', customerKey: '+31633334444', source: 'booking_system' }, [{}]);
		expect(withdrawn.status).toBe('success');
		expect((await gate({ scope: 'marketing' }, [customer])).json('Gate', OPTED_OUT)).toHaveLength(1);

		const bad = await gate({ operation: 'recordOptIn', scope: 'marketing', evidence: '{not json' }, [customer]);
		expect(bad.status).toBe('error');
		expect(bad.nodeError('Gate')?.description).toMatch(/JSON object/);
	});

	it('exports and erases a customer (data-subject request) and purges by retention', async () => {
		const waId = '31655556666';
		await bed.store.recordInboundMessage({ conversation: guest(waId), waMessageId: 'wamid.dsar.node', type: 'text', text: 'delete me', sentAt: new Date() });
		await bed.store.appendConsentEvent({ customerKey: waId, scope: 'marketing', action: 'opt_out', source: 'keyword' });

		const exported = await gate({ operation: 'exportCustomer', customerSource: 'custom', customerKey: waId }, [{}]);
		const data = exported.json('Gate')[0].export as { conversations: Array<{ id: string }>; messages: Array<{ text: string }> };
		expect(data.conversations.map((conversation) => conversation.id)).toEqual([conversationIdOf(guest(waId))]);
		expect(data.messages.map((message) => message.text)).toEqual(['delete me']);

		const erased = await gate({ operation: 'eraseCustomer' }, [{ conversation: guest(waId) }]);
		expect(erased.json('Gate')[0].erasure).toMatchObject({ conversations: 1, messages: 1, consentEvents: 1 });
		const afterErase = await gate({ operation: 'exportCustomer', customerSource: 'custom', customerKey: waId }, [{}]);
		expect((afterErase.json('Gate')[0].export as { messages: unknown[] }).messages).toEqual([]);

		await bed.store.recordInboundMessage({
			conversation: guest('31677778888'),
			waMessageId: 'wamid.retention.old',
			type: 'text',
			text: 'old',
			sentAt: new Date(Date.now() - 45 * 86_400_000),
		});
		const purge = await gate({ operation: 'retentionPurge', messagesDays: 30, analyticsDays: 90 }, [{}, {}]);
		const purged = purge.json('Gate');
		expect(purged).toHaveLength(1);
		expect(purged[0].purge).toMatchObject({ messages: 1, anonymised: false });
	});

	it('fails an item without an envelope with a fix hint', async () => {
		const result = await gate({}, [{ text: 'STOP' }]);
		expect(result.status).toBe('error');
		expect(result.nodeError('Gate')?.description).toMatch(/WhatsApp AI Trigger/);
	});
});
