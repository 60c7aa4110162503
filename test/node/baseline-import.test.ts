// Cost Logger → Import Messages inside n8n, on both store backends: messages from before go-live (an export
// of the old WhatsApp Business app, answered by people) become the measured baseline of the Value view, next
// to the days after go-live; importing the same rows again changes nothing; bad rows fail with the fix.
import type { IDataObject } from 'n8n-workflow';

import { conversationIdOf } from '../../nodes/domain/envelope';
import { PHONE_NUMBER_ID, startNodeTestBed, type NodeTestBed, type StoreBackendName } from '../helpers/node-fixtures';
import { line } from '../helpers/workflow-builder';
import { runWorkflow } from '../helpers/workflow-runner';

const DAY = 86_400_000;
const MINUTE = 60_000;

describe.each<StoreBackendName>(['embedded', 'postgres'])('Cost Logger: Import Messages (%s store)', (backend) => {
	let bed: NodeTestBed;

	beforeAll(async () => {
		bed = await startNodeTestBed(backend);
	});
	afterAll(async () => await bed.close());

	async function importRows(rows: IDataObject[], options: { continueOnFail?: boolean } = {}) {
		const flow = line(bed.ourNode('Import Old Chats', 'costLogger', { operation: 'importMessages', phoneNumberId: PHONE_NUMBER_ID }, options.continueOnFail ? { onError: 'continueRegularOutput' } : {}));
		return await runWorkflow(flow, { credentials: bed.credentials, triggerItems: rows.map((json) => ({ json })) });
	}

	it('stores old messages answered by people as the baseline before go-live, once however often imported', async () => {
		// Go-live 10 days ago; the baseline is the 30 days before it. Two guests asked in that period and a person
		// answered after 30 and 60 minutes; a third conversation (45 days before go-live) is outside it.
		const goLive = new Date(Math.floor((Date.now() - 10 * DAY) / DAY) * DAY);
		const at = (daysBefore: number, minutes = 0) => new Date(goLive.getTime() - daysBefore * DAY + minutes * MINUTE);
		const rows = [
			{ customer: '+31 6 1200 0701', name: 'Els', author: 'customer', text: 'Is breakfast included?', sentAt: at(20).toISOString() },
			{ customer: '+31 6 1200 0701', name: 'Els', author: 'agent', text: 'Yes, from 7 to 10:30.', sentAt: at(20, 30).toISOString() },
			{ customer: '4915112340702', author: 'guest', text: 'Kann ich mein Auto parken?', sentAt: String(Math.floor(at(5).getTime() / 1000)) },
			{ customer: '4915112340702', author: 'staff', text: 'Ja, in der Garage.', sentAt: at(5, 60).toISOString() },
			{ customer: '33612340703', author: 'customer', text: 'Wifi?', sentAt: at(45).toISOString() },
			{ customer: '33612340703', author: 'agent', text: 'Zonneveld-Guest', sentAt: at(45, 10).toISOString() },
		];
		const first = await importRows(rows);
		expect({ status: first.status, error: first.error?.message }).toEqual({ status: 'success', error: undefined });
		const imported = first.json('Import Old Chats').map((json) => json.imported as { conversationId: string; author: string; inserted: boolean; sentAt: string });
		expect(imported.map((row) => [row.author, row.inserted])).toEqual([
			['customer', true],
			['agent', true],
			['customer', true],
			['agent', true],
			['customer', true],
			['agent', true],
		]);
		const els = conversationIdOf({ channel: 'whatsapp', phoneNumberId: PHONE_NUMBER_ID, customer: { waId: '31612000701' } });
		expect(imported[0].conversationId).toBe(els);
		expect(imported[2].sentAt).toBe(new Date(Math.floor(at(5).getTime() / 1000) * 1000).toISOString());

		// Imported again (a second run of the same export): nothing new.
		const again = await importRows(rows);
		expect(again.json('Import Old Chats').map((json) => (json.imported as { inserted: boolean }).inserted)).toEqual([false, false, false, false, false, false]);
		const timeline = await bed.store.analytics.conversationDetail(els);
		expect(timeline?.messages.map((message) => [message.author, message.text])).toEqual([
			['customer', 'Is breakfast included?'],
			['agent', 'Yes, from 7 to 10:30.'],
		]);
		// Old messages do not open the service window.
		expect(Date.parse((await bed.store.getConversation(els))!.lastInboundAt!)).toBe(at(20).getTime());

		// The Value view's baseline: first meaningful response (1800 + 3600) / 2 = 2700 s; two chats worked by a
		// person × 12 min = 0.4 agent hours in 30 days.
		const comparison = await bed.store.analytics.baselineComparison({}, { goLive: goLive.toISOString(), agentHourlyCost: 30, handlingMinutes: 12, monthlyRunningCost: 0, initialInvestment: 0, currency: 'USD' });
		expect(comparison!.periods[0]).toMatchObject({ label: 'Baseline (30 days before)', manual: false, chats: 2, firstResponseSeconds: 2700, automationRate: 0 });
		expect(comparison!.periods[0].agentHoursPerMonth).toBeCloseTo(0.4, 9);
	});

	it('refuses rows it cannot read, saying what to map', async () => {
		const future = new Date(Date.now() + DAY).toISOString();
		const cases: Array<[IDataObject, RegExp, RegExp]> = [
			[{ customer: '31612000711', author: 'manager', text: 'Hi', sentAt: new Date().toISOString() }, /Unknown author "manager"/, /customer .* agent .* or bot/],
			[{ customer: '31612000711', author: 'customer', text: 'Hi', sentAt: 'last Tuesday' }, /not a date and time/, /ISO timestamp/],
			[{ customer: '31612000711', author: 'customer', text: 'Hi', sentAt: future }, /in the future/, /time zone/],
			[{ customer: 'Els', author: 'customer', text: 'Hi', sentAt: new Date().toISOString() }, /not a phone number/, /country code/],
			[{ customer: '31612000711', author: 'customer', text: ' ', sentAt: new Date().toISOString() }, /no text/, /Map Text/],
		];
		for (const [row, message, hint] of cases) {
			const result = await importRows([row]);
			expect(result.status).toBe('error');
			expect(result.error?.message).toMatch(message);
			expect((result.error as { description?: string }).description).toMatch(hint);
		}
		// With continue on fail, the bad row leaves with its error and the good one is stored.
		const mixed = await importRows(
			[
				{ customer: '31612000712', author: 'customer', text: 'Hi', sentAt: 'soon' },
				{ customer: '31612000712', author: 'customer', text: 'Hello', sentAt: new Date(Date.now() - DAY).toISOString() },
			],
			{ continueOnFail: true },
		);
		const out = mixed.json('Import Old Chats');
		expect(out[0].error).toMatch(/not a date and time/);
		expect((out[1].imported as { inserted: boolean }).inserted).toBe(true);
		// Nothing of the refused rows was stored.
		expect(await bed.store.getConversation(conversationIdOf({ channel: 'whatsapp', phoneNumberId: PHONE_NUMBER_ID, customer: { waId: '31612000711' } }))).toBeUndefined();
	});
});
