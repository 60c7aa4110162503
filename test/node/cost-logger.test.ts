// The Cost Logger inside n8n-core's WorkflowExecute, on both store backends, and the shipped Chats
// dashboard workflow run in-process (its Webhook pinned with a request's query).
import path from 'node:path';

import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { parseCsv } from '../../nodes/domain/costs';
import { conversationIdOf, type ConversationRef } from '../../nodes/domain/envelope';
import { IDS, SEED_RANGE, seedChats } from '../fixtures/costs/seed';
import { PHONE_NUMBER_ID, startNodeTestBed, type NodeTestBed, type StoreBackendName } from '../helpers/node-fixtures';
import { line } from '../helpers/workflow-builder';
import { loadWorkflowFile, runWorkflow } from '../helpers/workflow-runner';
import { PROJECT_ROOT } from '../helpers/node-types';
import { sqlOf } from '../helpers/store-sql';

const customer = (waId: string, name: string): ConversationRef => ({ channel: 'whatsapp', phoneNumberId: PHONE_NUMBER_ID, customer: { waId, name } });

describe.each<StoreBackendName>(['embedded', 'postgres'])('Cost Logger in n8n (%s store)', (backend) => {
	let bed: NodeTestBed;

	beforeAll(async () => {
		bed = await startNodeTestBed(backend);
		await seedChats(bed.store);
	});
	afterAll(async () => await bed.close());

	async function costLogger(parameters: INodeParameters, items: IDataObject[], extra: { continueOnFail?: boolean } = {}) {
		const flow = line(bed.ourNode('Cost Logger', 'costLogger', parameters, extra.continueOnFail ? { onError: 'continueRegularOutput' } : {}));
		return await runWorkflow({ ...flow, name: 'Hotel support' }, { credentials: bed.credentials, triggerItems: items.map((json) => ({ json })) });
	}

	const status = (ref: ConversationRef, messageId: string, state: string, category: string, type = 'regular') => ({
		conversation: ref,
		status: {
			messageId,
			status: state,
			timestamp: '2026-11-20T10:00:00.000Z',
			recipientId: ref.customer.waId,
			pricing: { pricingModel: 'PMP', category, type },
			callbackData: conversationIdOf(ref),
		},
	});

	it('charges each template once from the trigger’s statuses, free messages at 0', async () => {
		const guest = customer('31687654321', 'Noor');
		await bed.store.upsertConversation(guest);
		const items = [
			status(guest, 'wamid.n1', 'sent', 'marketing'),
			status(guest, 'wamid.n1', 'delivered', 'marketing'),
			status(guest, 'wamid.n1', 'read', 'marketing'),
			status(guest, 'wamid.n2', 'delivered', 'service', 'free_customer_service'),
			status(guest, 'wamid.n3', 'delivered', 'utility', 'free_entry_point'),
		];
		const first = await costLogger({ operation: 'log' }, items);
		expect(first.status).toBe('success');
		const costs = first.json('Cost Logger').map((json) => (json.cost as { whatsapp: IDataObject }).whatsapp);
		expect(costs.map((cost) => [cost.messageId, cost.charged, cost.amount, cost.reason ?? null])).toEqual([
			['wamid.n1', false, 0, 'not_delivered_yet'],
			['wamid.n1', true, 0.1597, null],
			['wamid.n1', false, 0, 'already_charged'],
			['wamid.n2', true, 0, null],
			['wamid.n3', true, 0, null],
		]);
		expect(costs[1]).toMatchObject({ currency: 'USD', category: 'marketing', pricingType: 'regular', country: 'NL', free: false, conversationId: conversationIdOf(guest) });
		// The envelope keeps what it had, and every item is paired with its input.
		expect(first.json('Cost Logger')[1]).toMatchObject({ conversation: { customer: { name: 'Noor' } }, status: { status: 'delivered' } });
		expect(first.output('Cost Logger').map((item: INodeExecutionData) => item.pairedItem)).toEqual([0, 1, 2, 3, 4].map((item) => ({ item })));

		// Meta redelivers: nothing is charged again.
		const again = await costLogger({ operation: 'log' }, items);
		expect(again.json('Cost Logger').filter((json) => (json.cost as { whatsapp: { charged: boolean } }).whatsapp.charged)).toHaveLength(0);
		const rows = await sqlOf(bed.store).query<{ source_key: string; amount: string }>(
			`SELECT source_key, amount::text FROM costs WHERE conversation_id = $1 ORDER BY source_key`,
			[conversationIdOf(guest)],
		);
		expect(rows).toEqual([
			{ source_key: 'wamid.n1', amount: '0.159700' },
			{ source_key: 'wamid.n2', amount: '0.000000' },
			{ source_key: 'wamid.n3', amount: '0.000000' },
		]);
	});

	it('logs LLM tokens and the turn at the end of the pipeline, with the user’s prices and rate card', async () => {
		const guest = customer('4917600000001', 'Jonas');
		await bed.store.recordInboundMessage({ conversation: guest, waMessageId: 'wamid.j1', type: 'text', text: 'Late check-out?', sentAt: new Date('2026-11-20T07:00:00Z') });
		const envelope = {
			conversation: guest,
			message: { id: 'wamid.j1', type: 'text', text: 'Late check-out?', timestamp: '2026-11-20T07:00:00.000Z' },
			nlu: { intent: 'checkout', confidence: 0.84, language: 'en', usage: { inputTokens: 400, outputTokens: 8, model: 'house-classifier' } },
			route: { decision: 'automate', reasons: [] },
			reply: { text: 'Yes, until 12:00.', source: 'llm', usage: { inputTokens: 2000, outputTokens: 100, model: 'gpt-4.1-mini' }, toolCalls: [{ name: 'check_availability', input: { date: '2026-11-21' } }] },
		};
		const result = await costLogger(
			{
				operation: 'log',
				currency: 'EUR',
				assistantName: 'Front desk bot',
				modelPrices: '{"house-classifier": {"input": 1, "output": 1}}',
				rateCardOverride: '{"exchangeRates": {"EUR": 0.9}}',
			},
			[envelope],
		);
		expect(result.status).toBe('success');
		const cost = result.json('Cost Logger')[0].cost as { currency: string; total: number; llm: { calls: IDataObject[]; amount: number } };
		// reply: (2000 × 0.40 + 100 × 1.60) / 1e6 = 0.00096 USD → × 0.9 = 0.000864 EUR; nlu: 408 / 1e6 × 0.9 = 0.000367 EUR.
		expect(cost.currency).toBe('EUR');
		expect(cost.llm.calls.map((call) => [call.source, call.model, call.amount, call.priced])).toEqual([
			['reply', 'gpt-4.1-mini', 0.000864, true],
			['nlu', 'house-classifier', 0.000367, true],
		]);
		expect(cost.total).toBeCloseTo(0.001231, 9);
		const [turn] = await sqlOf(bed.store).query<Record<string, unknown>>(
			`SELECT intent, route, assistant, workflow_name, answered, human, tool_calls FROM turns WHERE message_id = 'wamid.j1'`,
		);
		expect(turn).toEqual({
			intent: 'checkout',
			route: 'automate',
			assistant: 'Front desk bot',
			workflow_name: 'Hotel support',
			answered: true,
			human: false,
			tool_calls: [{ name: 'check_availability', input: { date: '2026-11-21' } }],
		});

		const costs = await costLogger({ operation: 'conversationCosts' }, [envelope]);
		expect(costs.json('Cost Logger')[0].conversationCosts).toMatchObject({
			conversationId: conversationIdOf(guest),
			totals: [{ currency: 'EUR', whatsapp: 0, llm: 0.001231, total: 0.001231 }],
			llm: { calls: 2 },
		});
	});

	it('records no turn for a customer who withdrew analytics, but keeps the costs billing needs', async () => {
		const guest = customer('4917600000002', 'Mila');
		await bed.store.recordInboundMessage({ conversation: guest, waMessageId: 'wamid.m1', type: 'text', text: 'Parking?', sentAt: new Date('2026-11-20T08:00:00Z') });
		const envelope = (id: string) => ({
			conversation: guest,
			message: { id, type: 'text', text: 'Parking?', timestamp: '2026-11-20T08:00:00.000Z' },
			nlu: { intent: 'parking', confidence: 0.9, language: 'en', sentiment: { label: 'neutral' } },
			route: { decision: 'automate', reasons: [] },
			reply: { text: 'Yes, 15 EUR a night.', source: 'llm', usage: { inputTokens: 1000, outputTokens: 50, model: 'gpt-4.1-mini' } },
		});
		// Withdrawn analytics only: replies go on (service), the turn does not reach the metrics.
		await bed.store.appendConsentEvent({ customerKey: '4917600000002', scope: 'analytics', action: 'opt_out', source: 'web_form', occurredAt: new Date('2026-11-19T00:00:00Z') });
		const result = await costLogger({ operation: 'log', currency: 'USD' }, [envelope('wamid.m1')]);
		expect(result.status).toBe('success');
		const cost = result.json('Cost Logger')[0].cost as { turnSkipped?: string; llm: { amount: number; charged: boolean } };
		expect(cost.turnSkipped).toBe('analytics_opt_out');
		// (1000 × 0.40 + 50 × 1.60) / 1e6 USD.
		expect(cost.llm).toMatchObject({ charged: true, amount: 0.00048 });
		const turns = await sqlOf(bed.store).query(`SELECT 1 FROM turns WHERE conversation_id = $1`, [conversationIdOf(guest)]);
		expect(turns).toHaveLength(0);
		const [charge] = await sqlOf(bed.store).query<Record<string, unknown>>(`SELECT kind, model, input_tokens, output_tokens FROM costs WHERE source_key = 'wamid.m1:reply'`);
		expect(charge).toEqual({ kind: 'llm', model: 'gpt-4.1-mini', input_tokens: 1000, output_tokens: 50 });

		// Given again: turns are recorded from then on.
		await bed.store.appendConsentEvent({ customerKey: '4917600000002', scope: 'analytics', action: 'opt_in', source: 'web_form', occurredAt: new Date('2026-11-20T09:00:00Z') });
		const again = await costLogger({ operation: 'log', currency: 'USD' }, [envelope('wamid.m2')]);
		expect((again.json('Cost Logger')[0].cost as IDataObject).turnSkipped).toBeUndefined();
		expect(await sqlOf(bed.store).query(`SELECT intent FROM turns WHERE message_id = 'wamid.m2'`)).toEqual([{ intent: 'parking' }]);
	});

	it('explains a bad rate card override, and with continue-on-fail outputs the error on the item', async () => {
		const envelope = status(customer('31611110000', 'X'), 'wamid.bad', 'delivered', 'marketing');
		const failed = await costLogger({ operation: 'log', rateCardOverride: '{"markets": {"NL": {"rates": {"USD": {"marketing": "expensive"}}}}}' }, [envelope]);
		expect(failed.status).toBe('error');
		expect(failed.nodeError('Cost Logger')?.message).toMatch(/not a non-negative number/);
		expect((failed.nodeError('Cost Logger') as { description?: string }).description).toMatch(/Give a JSON object/);

		const notAnEnvelope = await costLogger({ operation: 'log' }, [{ hello: 'world' }], { continueOnFail: true });
		expect(notAnEnvelope.status).toBe('success');
		expect(notAnEnvelope.json('Cost Logger')[0]).toMatchObject({ hello: 'world', error: expect.stringMatching(/neither a WhatsApp status/), errorDescription: expect.stringMatching(/Statuses output/) });
	});

	it('computes metrics over a date range with filters', async () => {
		// All channels, the seeded test chat included (by default test chats stay out: checked below).
		const result = await costLogger({ operation: 'metrics', dateFrom: SEED_RANGE.from, dateTo: SEED_RANGE.to, channels: ['all'], options: { timeZone: 'UTC' } }, [{}]);
		const metrics = result.json('Cost Logger')[0].metrics as IDataObject;
		expect(metrics).toMatchObject({ chats: 5, turns: 7, answeredTurns: 6, automatedChats: 3, handoffChats: 1, contacts: 6, resolvedFirstContacts: 3, responseTimeP90Seconds: 600 });
		expect(metrics.range).toMatchObject({ from: SEED_RANGE.from, to: SEED_RANGE.to, timeZone: 'UTC' });
		expect((metrics.cost as IDataObject).perChat).toBeCloseTo(0.026924, 9);
		const withoutTests = await costLogger({ operation: 'metrics', dateFrom: SEED_RANGE.from, dateTo: SEED_RANGE.to, options: { timeZone: 'UTC' } }, [{}]);
		expect(withoutTests.json('Cost Logger')[0].metrics).toMatchObject({ chats: 4 });
		const web = await costLogger({ operation: 'metrics', dateFrom: SEED_RANGE.from, dateTo: SEED_RANGE.to, channels: ['web'], options: { timeZone: 'UTC' } }, [{}]);
		expect(web.json('Cost Logger')[0].metrics).toMatchObject({ chats: 1, answeredTurns: 0, topIntents: [{ intent: 'location', turns: 1 }] });
		const badZone = await costLogger({ operation: 'metrics', options: { timeZone: 'Nowhere/Land' } }, [{}]);
		expect((badZone.nodeError('Cost Logger') as { description?: string }).description).toMatch(/IANA time zone/);
	});

	it('exports chats and messages as CSV files, and as JSON', async () => {
		const chats = await costLogger({ operation: 'export', dateFrom: SEED_RANGE.from, dateTo: SEED_RANGE.to, channels: ['all'], options: { timeZone: 'UTC' } }, [{}]);
		const [item] = chats.output('Cost Logger');
		expect(item.json.export).toMatchObject({ format: 'csv', dataset: 'chats', rows: 6, fileName: `chats-${SEED_RANGE.from}_${SEED_RANGE.to}.csv` });
		expect(item.binary?.data).toMatchObject({ mimeType: 'text/csv', fileName: `chats-${SEED_RANGE.from}_${SEED_RANGE.to}.csv` });
		const table = parseCsv(Buffer.from(item.binary!.data.data, 'base64').toString('utf8'));
		expect(table[0].slice(0, 4)).toEqual(['conversationId', 'channel', 'customerKey', 'customerName']);
		expect(table.slice(1).map((row) => row[0]).sort()).toEqual(Object.values(IDS).filter((id) => id !== IDS.francois).sort());
		// The test customer's name starts with '<' (not a formula character): kept as it is.
		expect(table.find((row) => row[0] === IDS.tess)?.[3]).toBe('<img src=x onerror=alert(1)>Tess');

		const messages = await costLogger(
			{ operation: 'export', dataset: 'messages', dateFrom: SEED_RANGE.from, dateTo: SEED_RANGE.to, channels: ['test'], binaryPropertyName: 'file', options: { timeZone: 'UTC' } },
			[{}],
		);
		const [file] = messages.output('Cost Logger');
		const rows = parseCsv(Buffer.from(file.binary!.file.data, 'base64').toString('utf8'));
		expect(rows).toHaveLength(3);
		const text = rows[1][rows[0].indexOf('text')];
		expect(text).toBe('\'=HYPERLINK("http://evil.example","click") "quoted", comma\nsecond line');

		const json = await costLogger({ operation: 'export', format: 'json', dateFrom: SEED_RANGE.from, dateTo: SEED_RANGE.to, customer: 'carmen', options: { timeZone: 'UTC' } }, [{}]);
		const data = (json.json('Cost Logger')[0].export as { data: { chats: IDataObject[]; messages: IDataObject[] } }).data;
		expect(data.chats.map((chat) => chat.conversationId)).toEqual([IDS.carmen]);
		expect(data.messages).toHaveLength(5);
	});

	describe('the shipped Chats dashboard workflow', () => {
		let cookie = '';

		async function request(query: IDataObject, body: IDataObject = {}, headers: IDataObject = {}) {
			const flow = loadWorkflowFile(path.join(PROJECT_ROOT, 'workflows', 'chats-dashboard.json'));
			const build = flow.nodes.find((each) => each.name === 'Build Page')!;
			build.parameters = { ...build.parameters, supportStore: backend === 'postgres' ? 'postgres' : 'embedded', options: { timeZone: 'UTC' } };
			build.credentials = { ...build.credentials, whatsAppSupportStorePostgresApi: { id: 'pg', name: 'Store' } };
			const result = await runWorkflow(flow, {
				credentials: { ...bed.credentials, chatsDashboardAdminApi: { username: 'ops', password: 'ops-secret-2026' } },
				triggerItems: [{ json: { headers: { 'x-forwarded-for': '198.51.100.7', ...headers }, params: {}, query, body } }],
			});
			expect(result.status).toBe('success');
			expect(result.responses).toHaveLength(1);
			return result.responses[0] as { body: string; headers: Record<string, string>; statusCode: number };
		}

		async function dashboard(query: IDataObject) {
			if (!cookie) {
				const login = await request({}, { action: 'login', username: 'ops', password: 'ops-secret-2026' });
				expect(login.statusCode).toBe(303);
				expect(login.headers['set-cookie']).toMatch(/^wa_chats_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=28800$/);
				cookie = login.headers['set-cookie'].split(';')[0];
			}
			return await request(query, {}, { cookie });
		}

		it('asks for a sign-in without a session, and keeps no request data in the node output', async () => {
			const anonymous = await request({ from: SEED_RANGE.from });
			expect(anonymous.statusCode).toBe(401);
			expect(anonymous.body).toContain('form class="card login"');
			expect(anonymous.body).not.toContain('Anna');
			const wrong = await request({}, { action: 'login', username: 'ops', password: 'nope' });
			expect(wrong.statusCode).toBe(401);
			expect(wrong.body).toContain('Wrong user name, password or code.');
		});

		it('answers with the HTML page: tiles, chart, chat list, the selected chat, escaped', async () => {
			const response = await dashboard({ from: SEED_RANGE.from, to: SEED_RANGE.to, channel: 'all', chat: IDS.bernd });
			expect(response.statusCode).toBe(200);
			expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
			expect(response.headers['cache-control']).toBe('no-store');
			const html = response.body;
			const tile = (key: string) => new RegExp(`data-metric="${key}"[^>]*><div class="value">([^<]*)<`).exec(html)?.[1];
			expect([tile('chats'), tile('responseRate'), tile('responseTimeP90'), tile('automationRate'), tile('firstContactResolution'), tile('costPerChat')]).toEqual([
				'5',
				'85.7%',
				'10 min 0 s',
				'60%',
				'50%',
				'USD 0.0269',
			]);
			expect(html).toContain('<svg class="chart"');
			expect((html.match(/class="chat-row/g) ?? []).length).toBe(6);
			expect(html).toContain('class="badge ch-web" data-channel="web">Web widget<');
			expect(html).toContain('Handed off to a person');
			expect(html).toContain('I am sorry. I have refunded your stay.');
			expect(html).not.toContain('<img src=x');
			expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;Tess');
			expect(html).not.toMatch(/<script/i);
			expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
		});

		it('answers an export link with a CSV download, and a bad date with the page and a notice', async () => {
			const csv = await dashboard({ from: SEED_RANGE.from, to: SEED_RANGE.to, format: 'csv', dataset: 'messages', chat: IDS.anna });
			expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
			expect(csv.headers['content-disposition']).toBe(`attachment; filename="chat-messages-${SEED_RANGE.from}_${SEED_RANGE.to}.csv"`);
			const rows = parseCsv(csv.body);
			expect(rows.slice(1).map((row) => row[4])).toEqual(['wamid.A1', 'wamid.A1r', 'wamid.A2', 'wamid.A2r', 'wamid.A3t']);
			const bad = await dashboard({ from: '2026-13-45' });
			expect(bad.statusCode).toBe(400);
			expect(bad.body).toMatch(/is not a date/);
		});
	});
});
