// Every shipped workflow in workflows/: static checks (importable as-is: known node types and versions,
// unique ids and webhooks, valid connections, sticky notes), then in-process runs of the variants with the
// Graph sandbox and the embedded store, as test/node/pipeline.test.ts does for whatsapp-ai-support.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import type { IDataObject, INodeType } from 'n8n-workflow';

import { conversationIdOf } from '../../nodes/domain/envelope';
import { deriveConsent } from '../../nodes/domain/privacy/consent';
import { guest, startNodeTestBed, type NodeTestBed } from '../helpers/node-fixtures';
import { getTypeRegistry, PROJECT_ROOT, TestNodeTypes } from '../helpers/node-types';
import { loadWorkflowFile, runWorkflow } from '../helpers/workflow-runner';

const workflowsFolder = path.join(PROJECT_ROOT, 'workflows');
const workflowFiles = readdirSync(workflowsFolder)
	.filter((name) => name.endsWith('.json'))
	.sort();
const file = (name: string) => path.join(workflowsFolder, name);

interface WorkflowNodeJson {
	id?: string;
	name: string;
	type: string;
	typeVersion: number;
	webhookId?: string;
	parameters?: IDataObject;
}
interface WorkflowJson {
	name?: string;
	nodes: WorkflowNodeJson[];
	connections: Record<string, Record<string, Array<Array<{ node: string; type: string; index: number }> | null>>>;
	settings?: IDataObject;
	tags?: unknown[];
}

const OUR_PACKAGE = 'n8n-nodes-whatsapp-ai-support';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The demo pipeline's trigger and the dashboard's path: no other workflow may take them. */
const SUPPORT_TRIGGER_WEBHOOK_ID = '0d6f3c9a-7d1b-4c55-9a8e-3f2b6d1e7a01';
const SHIPPED = [
	'agent-desk-bridge.json',
	'chats-dashboard.json',
	'hotel-concierge-llm.json',
	'hotel-concierge.json',
	'privacy-retention.json',
	're-engagement-templates.json',
	'restaurant-reservations.json',
	'satisfaction-survey.json',
	'travel-agency.json',
	'whatsapp-ai-support.json',
];

/** Our node type names, from package.json n8n.nodes → description.name (loaded from dist/). */
function ourNodeTypes(): Set<string> {
	const packageJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { n8n: { nodes: string[] } };
	const names = new Set<string>();
	for (const relative of packageJson.n8n.nodes) {
		const className = path.basename(relative).split('.')[0];
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const TypeClass = (require(path.join(PROJECT_ROOT, relative)) as Record<string, new () => INodeType>)[className];
		names.add(`${OUR_PACKAGE}.${new TypeClass().description.name}`);
	}
	return names;
}

function baseNodeTypes(): Set<string> {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const known = require('n8n-nodes-base/dist/known/nodes.json') as Record<string, unknown>;
	return new Set(Object.keys(known).map((name) => `n8n-nodes-base.${name}`));
}

const workflows: Array<{ file: string; json: WorkflowJson }> = workflowFiles.map((name) => ({
	file: name,
	json: JSON.parse(readFileSync(file(name), 'utf8')) as WorkflowJson,
}));

const isTriggerOrWebhook = (node: WorkflowNodeJson) =>
	node.type === 'n8n-nodes-base.webhook' || node.type === `${OUR_PACKAGE}.whatsAppAiTrigger` || node.type === `${OUR_PACKAGE}.webChatTrigger`;

describe('shipped workflows (static)', () => {
	const ours = ourNodeTypes();
	const base = baseNodeTypes();
	const nodeTypes = new TestNodeTypes(getTypeRegistry());

	it('ships every workflow the README lists under Shipped workflows', () => {
		expect(workflowFiles).toEqual(SHIPPED);
	});

	it.each(workflowFiles)('%s parses as a workflow with nodes, connections and v1 execution order', (name) => {
		const json = JSON.parse(readFileSync(file(name), 'utf8')) as WorkflowJson;
		expect(typeof json.name).toBe('string');
		expect(Array.isArray(json.nodes)).toBe(true);
		expect(json.nodes.length).toBeGreaterThan(1);
		expect(typeof json.connections).toBe('object');
		expect(json.settings).toMatchObject({ executionOrder: 'v1' });
	});

	it.each(workflowFiles)('%s uses only our node types and known n8n-nodes-base types, in versions that exist', (name) => {
		const { json } = workflows.find((workflow) => workflow.file === name)!;
		for (const node of json.nodes) {
			const known = ours.has(node.type) || base.has(node.type);
			expect({ node: node.name, type: node.type, known }).toEqual({ node: node.name, type: node.type, known: true });
			// Code runs in n8n's task runner, which neither the in-process runner nor a plain import provides.
			expect(node.type).not.toBe('n8n-nodes-base.code');
			// For a versioned type this is the implementation of that version; an unknown version falls back to the latest.
			const type = nodeTypes.getByNameAndVersion(node.type, node.typeVersion) as INodeType;
			const versions = [type.description.version].flat();
			expect({ node: node.name, versions, has: versions.includes(node.typeVersion) }).toMatchObject({ has: true });
		}
	});

	it.each(workflowFiles)('%s has unique, named nodes, connections between existing nodes and a sticky note', (name) => {
		const { json } = workflows.find((workflow) => workflow.file === name)!;
		const names = json.nodes.map((node) => node.name);
		expect(new Set(names).size).toBe(names.length);
		for (const node of json.nodes) expect(node.name.trim()).not.toBe('');
		for (const [source, byType] of Object.entries(json.connections)) {
			expect(names).toContain(source);
			for (const outputs of Object.values(byType)) {
				for (const target of (outputs ?? []).flat()) {
					if (target) expect(names).toContain(target.node);
				}
			}
		}
		expect(json.nodes.filter((node) => node.type === 'n8n-nodes-base.stickyNote').length).toBeGreaterThanOrEqual(1);
	});

	it('gives every node a UUID-like id that is unique across all workflows', () => {
		const ids = workflows.flatMap(({ json }) => json.nodes.map((node) => node.id));
		for (const id of ids) expect(id).toMatch(UUID);
		expect(new Set(ids).size).toBe(ids.length);
	});

	it('gives every trigger and webhook a unique UUID webhookId and every Webhook a unique path', () => {
		const hooks = workflows.flatMap(({ file: name, json }) => json.nodes.filter(isTriggerOrWebhook).map((node) => ({ name, node })));
		expect(hooks.length).toBeGreaterThanOrEqual(SHIPPED.length);
		const webhookIds = hooks.map(({ node }) => node.webhookId);
		for (const id of webhookIds) expect(id).toMatch(UUID);
		expect(new Set(webhookIds).size).toBe(webhookIds.length);
		expect(hooks.filter(({ node }) => node.webhookId === SUPPORT_TRIGGER_WEBHOOK_ID).map(({ name }) => name)).toEqual(['whatsapp-ai-support.json']);
		const paths = hooks.filter(({ node }) => node.type === 'n8n-nodes-base.webhook').map(({ node }) => String(node.parameters?.path ?? ''));
		for (const webhookPath of paths) expect(webhookPath).not.toBe('');
		expect(new Set(paths).size).toBe(paths.length);
		expect(paths.filter((webhookPath) => webhookPath === 'chats')).toHaveLength(1);
	});

	// Only a Web Chat Trigger registers a workflow as a bot in the dashboard's Test chat (chat_bots), so every
	// support workflow (one a WhatsApp AI Trigger starts) needs one, feeding the same first node.
	const supportWorkflows = workflows.filter(({ json }) => json.nodes.some((node) => node.type === `${OUR_PACKAGE}.whatsAppAiTrigger`));
	const firstNodesAfter = (json: WorkflowJson, node: WorkflowNodeJson | undefined) =>
		node ? (json.connections[node.name]?.main?.[0] ?? []).map((target) => target.node).sort() : undefined;

	it('counts every WhatsApp support workflow among those the Test chat must reach', () => {
		expect(supportWorkflows.map(({ file: name }) => name)).toEqual([
			'hotel-concierge-llm.json',
			'hotel-concierge.json',
			'restaurant-reservations.json',
			'travel-agency.json',
			'whatsapp-ai-support.json',
		]);
	});

	it.each(supportWorkflows.map(({ file: name }) => name))('%s takes the web channel: a Web Chat Trigger into the same nodes as the WhatsApp trigger', (name) => {
		const { json } = workflows.find((workflow) => workflow.file === name)!;
		const whatsApp = json.nodes.find((node) => node.type === `${OUR_PACKAGE}.whatsAppAiTrigger`);
		const web = json.nodes.filter((node) => node.type === `${OUR_PACKAGE}.webChatTrigger`);
		expect(web).toHaveLength(1);
		const after = firstNodesAfter(json, whatsApp);
		expect(after?.length).toBeGreaterThan(0);
		expect(firstNodesAfter(json, web[0])).toEqual(after);
		expect(String(web[0].parameters?.siteId ?? '')).toMatch(/^[a-z0-9-]+$/);
		expect(String(web[0].parameters?.allowedOrigins ?? '')).toContain('http://127.0.0.1:5693');
	});

	// The Intent Classifier resolves "tomorrow" in the workflow's time zone and the forms in theirs: with n8n's
	// default (America/New_York) a French "demain" sent at 01:30 in Amsterdam became today's date.
	it.each(supportWorkflows.map(({ file: name }) => name))('%s sets the business time zone, and its forms use the same one', (name) => {
		const { json } = workflows.find((workflow) => workflow.file === name)!;
		const zone = (json.settings as { timezone?: string } | undefined)?.timezone;
		expect(zone).toBe('Europe/Amsterdam');
		const dated = json.nodes.filter((node) => [`${OUR_PACKAGE}.intentClassifier`, `${OUR_PACKAGE}.conversationForm`, `${OUR_PACKAGE}.conversationFormTool`].includes(node.type));
		for (const node of dated) {
			const own = String((node.parameters?.options as { timeZone?: string } | undefined)?.timeZone ?? '');
			expect({ node: node.name, zone: own || zone }).toEqual({ node: node.name, zone });
		}
	});

	it('gives each Web Chat Trigger its own site ID (the web conversations of two bots never mix)', () => {
		const siteIds = workflows.flatMap(({ json }) => json.nodes.filter((node) => node.type === `${OUR_PACKAGE}.webChatTrigger`).map((node) => String(node.parameters?.siteId)));
		expect(siteIds.length).toBe(supportWorkflows.length);
		expect(new Set(siteIds).size).toBe(siteIds.length);
	});

	it('tags only the demo pipeline autostart', () => {
		const tagged = workflows.filter(({ json }) => JSON.stringify(json.tags ?? []).includes('autostart')).map(({ file: name }) => name);
		expect(tagged).toEqual(['whatsapp-ai-support.json']);
	});

	it.each(['hotel-concierge.json', 'restaurant-reservations.json', 'travel-agency.json'])(
		'%s has a knowledge base of at least 4 topics in en, nl, de, fr and es',
		(name) => {
			const { json } = workflows.find((workflow) => workflow.file === name)!;
			const answer = json.nodes.find((node) => node.type === `${OUR_PACKAGE}.aiReply`)!;
			const entries = ((answer.parameters?.knowledge as IDataObject).entry as Array<{ language: string }>) ?? [];
			for (const language of ['en', 'nl', 'de', 'fr', 'es']) {
				expect(entries.filter((entry) => entry.language === language).length).toBeGreaterThanOrEqual(4);
			}
		},
	);

	it('hotel-concierge carries the sample hotel knowledge base from test/fixtures/kb/hotel-kb.json', () => {
		const kb = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/kb/hotel-kb.json'), 'utf8')) as Array<IDataObject>;
		const { json } = workflows.find((workflow) => workflow.file === 'hotel-concierge.json')!;
		const answer = json.nodes.find((node) => node.type === `${OUR_PACKAGE}.aiReply`)!;
		const entries = (answer.parameters?.knowledge as IDataObject).entry;
		expect(entries).toEqual(kb.map(({ question, answer: text, language }) => ({ question, answer: text, language })));
	});
});

describe('shipped workflows (in-process runs)', () => {
	let bed: NodeTestBed;

	beforeAll(async () => {
		bed = await startNodeTestBed('embedded');
		bed.sandbox.registerTemplate({ name: 'follow_up', category: 'utility', languages: ['en', 'nl', 'de', 'fr', 'es'] });
	});
	afterAll(async () => await bed.close());
	beforeEach(() => bed.sandbox.reset());

	/** Stores the message as the trigger does, then runs the workflow from the trigger's Messages output. */
	async function guestWrites(workflowName: string, waId: string, name: string, text: string) {
		const conversation = { ...guest(waId, name) };
		const id = `wamid.${waId}.${Math.random().toString(36).slice(2)}`;
		const at = new Date();
		await bed.store.recordInboundMessage({ conversation, waMessageId: id, type: 'text', text, sentAt: at });
		const result = await runWorkflow(loadWorkflowFile(file(workflowName)), {
			credentials: bed.credentials,
			triggerItems: [{ json: { conversation: { ...conversation, id: conversationIdOf(conversation) }, message: { id, type: 'text', text, timestamp: at.toISOString() } } }],
		});
		expect({ status: result.status, failedNode: result.failedNodeName, error: result.error?.message }).toEqual({ status: 'success', failedNode: undefined, error: undefined });
		const sent = bed.sandbox.sentMessages();
		const texts = sent.filter((message) => message.body.type === 'text').map((message) => (message.body.text as { body: string }).body);
		return { result, sent, texts };
	}

	it('hotel-concierge answers a German parking question with the German knowledge-base answer', async () => {
		const { result, sent, texts } = await guestWrites('hotel-concierge.json', '49151000311', 'Jonas', 'Gibt es bei Ihnen einen Parkplatz für mein Auto?');
		expect(texts).toEqual(['Ja, unsere Garage hat 40 Stellplätze für 18 € pro Nacht, mit Ladestationen für E-Autos. Reservierung an der Rezeption.']);
		expect(sent.map((message) => message.waId)).toEqual(['49151000311']);
		expect(result.json('Classify Intent')[0].nlu).toMatchObject({ language: 'de' });
		expect(result.json('Answer From Knowledge Base')[0].reply).toMatchObject({ language: 'de', source: 'kb', sources: [{ language: 'de' }] });
		expect(result.runCount('Hand Off to a Person')).toBe(0);
		expect(result.json('Log Turn and Costs')[0].cost).toBeDefined();
	});

	it('hotel-concierge asks for text after a voice note (no text to classify) and hands the second one to a person', async () => {
		const waId = '31612000318';
		const conversation = { ...guest(waId, 'Joost') };
		const voiceNote = async (id: string) => {
			const at = new Date();
			await bed.store.recordInboundMessage({ conversation, waMessageId: id, type: 'audio', sentAt: at });
			return await runWorkflow(loadWorkflowFile(file('hotel-concierge.json')), {
				credentials: bed.credentials,
				triggerItems: [
					{
						json: {
							conversation: { ...conversation, id: conversationIdOf(conversation) },
							message: { id, type: 'audio', timestamp: at.toISOString(), media: { kind: 'audio', id: 'media-1', mimeType: 'audio/ogg', voice: true } },
						},
					},
				],
			});
		};
		const texts = () => bed.sandbox.sentMessages().filter((message) => message.waId === waId).map((message) => (message.type === 'text' ? (message.body.text as { body: string }).body : (message.body.interactive as { body: { text: string } }).body.text));

		const first = await voiceNote(`wamid.${waId}.voice1`);
		expect({ status: first.status, error: first.error?.message }).toEqual({ status: 'success', error: undefined });
		expect(first.json('Classify Intent')[0].nlu).toMatchObject({ intent: 'out_of_scope', confidence: 0, source: 'no_text' });
		expect(first.json('Small Talk', 1)[0].smallTalk).toEqual({ kind: 'media_without_text' });
		expect(first.runCount('Hand Off to a Person')).toBe(0);
		expect(texts()).toEqual([expect.stringMatching(/^I can read text only/)]);

		bed.sandbox.reset();
		const second = await voiceNote(`wamid.${waId}.voice2`);
		expect({ status: second.status, error: second.error?.message }).toEqual({ status: 'success', error: undefined });
		expect(second.json('Hand Off to a Person')[0].handoff).toMatchObject({ created: true });
		expect(texts()).toEqual([expect.stringMatching(/colleague|collega|Kollegin|collègue|compañero/)]);
	});

	it('restaurant-reservations answers an opening-hours question from its knowledge base', async () => {
		const { result, texts } = await guestWrites('restaurant-reservations.json', '31612000412', 'Eva', 'Hoe laat zijn jullie open op zondag?');
		expect(texts).toEqual([expect.stringMatching(/dinsdag tot en met zondag.*17:30–22:00/)]);
		expect(result.json('Classify Intent')[0].nlu).toMatchObject({ intent: 'opening_hours', language: 'nl' });
		expect(result.runCount('Hand Off to a Person')).toBe(0);
	});

	it('restaurant-reservations hands a reservation change to a person (Always Human Intents)', async () => {
		const { result, texts } = await guestWrites('restaurant-reservations.json', '44700900413', 'Tom', 'I need to change my booking to a different day please');
		const [handed] = result.json('Hand Off to a Person');
		expect((handed.route as { decision: string }).decision).toBe('human');
		expect(handed.handoff).toMatchObject({ created: true });
		expect(texts).toHaveLength(1);
	});

	it('alerts the duty manager through agent-desk-bridge when a chat is handed off, once per handoff', async () => {
		bed.sandbox.registerTemplate({ name: 'agent_handoff_alert', category: 'utility', languages: ['en'] });
		const waId = '44700900419';
		const first = await guestWrites('restaurant-reservations.json', waId, 'Tom Baker', 'I need to change my booking to a different day please, mail tom.baker@example.com');
		expect(first.result.subWorkflowRuns.map((run) => run.workflowId)).toEqual(['agentDeskBridge1']);
		const [bridge] = first.result.subWorkflowRuns;
		expect(bridge.result.status).toBe('success');
		const alerts = first.sent.filter((message) => message.templateName === 'agent_handoff_alert');
		expect(alerts.map((message) => message.to)).toEqual(['15550100001']);
		const template = alerts[0].body.template as { components: Array<{ type: string; parameters: Array<{ text: string }> }> };
		const [customer, reason, summary] = template.components.find((component) => component.type === 'body')!.parameters.map((parameter) => parameter.text);
		// Masked by default: initials and a partial number, personal data in the text replaced.
		expect(customer).toBe(`T. B. (+44 •••• ${waId.slice(-4)})`);
		expect(reason).toEqual(expect.any(String));
		expect(reason.length).toBeGreaterThan(0);
		expect(summary).toContain('change my booking');
		expect(summary).toContain('[EMAIL_1]');
		expect(summary).not.toMatch(/\n|tom\.baker@example\.com|Baker/);
		// The agent's package keeps the full text (masking it is an option of the Hand Off node).
		const handed = first.result.json('Hand Off to a Person')[0].handoff as { text: string; alert: { masked: boolean } };
		expect(handed.text).toContain('tom.baker@example.com');
		expect(handed.alert.masked).toBe(true);

		// A second Hand Off on the same conversation (e.g. a second workflow) finds the open handoff: no new alert.
		bed.sandbox.reset();
		const again = await runWorkflow(loadWorkflowFile(file('agent-desk-bridge.json')), {
			credentials: bed.credentials,
			startNodeName: 'When a Chat Is Handed Off',
			triggerItems: [{ json: { handoff: { ...(first.result.json('Hand Off to a Person')[0].handoff as IDataObject), created: false } } }],
		});
		expect(again.status).toBe('success');
		expect(again.runCount('Alert Duty Manager')).toBe(0);
		expect(bed.sandbox.sentMessages()).toEqual([]);
	});

	it('travel-agency answers a luggage question in Spanish', async () => {
		const { result, texts } = await guestWrites('travel-agency.json', '34600000514', 'Marta', '¿Cuánto equipaje puedo llevar en el avión?');
		expect(texts).toEqual([expect.stringMatching(/una maleta facturada \(23 kg\)/)]);
		expect(result.json('Classify Intent')[0].nlu).toMatchObject({ intent: 'luggage_allowance', language: 'es' });
	});

	it('re-engagement-templates sends each sample row its approved template outside the service window', async () => {
		bed.sandbox.registerTemplate({ name: 'booking_reminder', category: 'utility' });
		bed.sandbox.registerTemplate({ name: 'appointment_confirmation', category: 'utility' });
		// Nobody has written in the last 24 h: free-form text would fail with 131047, templates do not.
		bed.sandbox.setWindow('*', false);
		const workflow = loadWorkflowFile(file('re-engagement-templates.json'));
		const rows = (JSON.parse(
			String((workflow.nodes.find((node) => node.name === 'Sample Reminder Rows')!.parameters as IDataObject).jsonOutput),
		) as { reminders: Array<Record<string, string>> }).reminders;
		expect(rows.length).toBeGreaterThanOrEqual(2);

		const result = await runWorkflow(workflow, { credentials: bed.credentials, startNodeName: 'Every Morning at 9' });
		expect(result.status).toBe('success');
		const sent = bed.sandbox.sentMessages();
		expect(sent.map((message) => ({ to: message.waId, type: message.type, template: message.templateName }))).toEqual(
			rows.map((row) => ({ to: row.phone, type: 'template', template: row.template })),
		);
		const first = sent[0].body.template as { language: { code: string }; components: Array<{ type: string; parameters: Array<{ text: string }> }> };
		expect(first.language.code).toBe(rows[0].language);
		expect(first.components.find((component) => component.type === 'body')!.parameters.map((parameter) => parameter.text)).toEqual([
			rows[0].name,
			rows[0].date,
			rows[0].reference,
		]);
		expect(result.json('Log Template Costs')).toHaveLength(rows.length);
	});

	it('re-engagement-templates checks a PMS booking: 202 and the template, or 400 / 403 / 409 with a message and nothing sent', async () => {
		bed.sandbox.registerTemplate({ name: 'booking_reminder', category: 'utility', languages: ['en', 'nl'] });
		const keys = { header: 'X-PMS-Key', key: 'pms-key-new-0123456789', previousKey: 'pms-key-old-0123456789' };
		const call = async (body: unknown, key: string | null) =>
			await runWorkflow(loadWorkflowFile(file('re-engagement-templates.json')), {
				credentials: { ...bed.credentials, webhookKeysApi: keys },
				startNodeName: 'Booking From PMS',
				triggerItems: [{ json: { headers: key ? { 'x-pms-key': key } : {}, params: {}, query: {}, body: body as IDataObject } }],
			});
		const optedOut = '31612000881';
		await bed.store.appendConsentEvent({ customerKey: optedOut, scope: '*', action: 'opt_out', source: 'keyword' });
		const booking = (phone: string) => ({ guest: { phone, name: 'Daan', language: 'nl' }, arrival: '2026-12-04', reference: 'HTL-48213' });
		const cases: Array<[unknown, string | null, number, RegExp]> = [
			[booking('31612000880'), 'guess-0123456789', 403, /Missing or wrong key/],
			[{ guest: { phone: 'call me', name: 'Daan' }, arrival: '2026-12-04', reference: 'X' }, keys.key, 400, /"guest.phone" must be/],
			[{ ...booking('31612000880'), arrival: '4 December' }, keys.key, 400, /"arrival" must be a date/],
			[booking(optedOut), keys.key, 409, /opted out/],
		];
		for (const [body, key, status, message] of cases) {
			const result = await call(body, key);
			expect(result.status).toBe('success');
			const response = result.responses[0] as { body: unknown; statusCode: number };
			const json = (typeof response.body === 'string' ? JSON.parse(response.body) : response.body) as { error: string };
			expect({ status: response.statusCode, error: json.error }).toEqual({ status, error: expect.stringMatching(message) });
		}
		expect(bed.sandbox.sentMessages()).toEqual([]);
		const accepted = await call({ ...booking('+31 6 1200 0880') }, keys.previousKey);
		expect(accepted.status).toBe('success');
		expect((accepted.responses[0] as { statusCode: number }).statusCode).toBe(202);
		expect(bed.sandbox.sentMessages().map((message) => ({ to: message.waId, template: message.templateName }))).toEqual([{ to: '31612000880', template: 'booking_reminder' }]);
		const log = (await bed.store.access.listAccessLog({ limit: 100 })).filter((entry) => entry.role === 'pms').slice(0, 5).reverse();
		expect(log.map((entry) => `${entry.outcome}:${String(entry.detail?.key)}`)).toEqual(['denied:wrong', 'failed:current', 'failed:current', 'failed:current', 'ok:previous']);
	});

	const DSAR_KEYS = { header: 'X-DSAR-Key', key: 'dsar-key-new-0123456789', previousKey: 'dsar-key-old-0123456789' };

	it('privacy-retention refuses DSAR calls with a wrong key (403), no customer (400) or nothing to erase (404), and logs them', async () => {
		const call = async (query: IDataObject, key: string | null) =>
			await runWorkflow(loadWorkflowFile(file('privacy-retention.json')), {
				credentials: { ...bed.credentials, webhookKeysApi: DSAR_KEYS },
				startNodeName: 'DSAR Request',
				triggerItems: [{ json: { headers: key ? { 'x-dsar-key': key } : {}, params: {}, query, body: {} } }],
			});
		const cases: Array<[IDataObject, string | null, number, RegExp]> = [
			[{ action: 'export', customer: '31612000999' }, 'guess-0123456789', 403, /Missing or wrong key/],
			[{ action: 'export', customer: '31612000999' }, null, 403, /X-DSAR-Key header/],
			[{ action: 'export' }, DSAR_KEYS.key, 400, /customer must be/],
			[{ action: 'erase', customer: '31612000999' }, DSAR_KEYS.previousKey, 404, /Nothing is stored/],
		];
		for (const [query, key, status, message] of cases) {
			const result = await call(query, key);
			expect(result.status).toBe('success');
			expect(result.runCount('Export Customer Data') + result.runCount('Erase Customer Data')).toBe(0);
			const response = result.responses[0] as { body: unknown; statusCode: number };
			const json = (typeof response.body === 'string' ? JSON.parse(response.body) : response.body) as { error: string };
			expect({ status: response.statusCode, error: json.error }).toEqual({ status, error: expect.stringMatching(message) });
		}
		// The previous key works during a rotation.
		const exported = await call({ action: 'export', customer: '31612000999' }, DSAR_KEYS.previousKey);
		expect((exported.responses[0] as { statusCode: number }).statusCode).toBe(200);
		const log = (await bed.store.access.listAccessLog({ limit: 100 })).filter((entry) => entry.role === 'dsar').slice(0, 5).reverse();
		expect(log.map((entry) => `${entry.action}:${entry.outcome}:${String(entry.detail?.key)}`)).toEqual([
			'dsar_export:denied:wrong',
			'dsar_export:denied:missing',
			'dsar_export:failed:current',
			'dsar_erase:failed:previous',
			'dsar_export:ok:previous',
		]);
		// The customer is named by the store's keyed hash, not the number.
		expect(log[4].target).toBe(await bed.store.tombstoneKeyOf('31612000999'));
		expect(JSON.stringify(log)).not.toContain('31612000999');
	});

	it('privacy-retention exports the seeded customer through the DSAR webhook branch', async () => {
		const waId = '31612000615';
		const conversation = guest(waId, 'Sanne');
		await bed.store.recordInboundMessage({ conversation, waMessageId: `wamid.${waId}.dsar`, type: 'text', text: 'Mijn kamer is 112', sentAt: new Date() });
		const result = await runWorkflow(loadWorkflowFile(file('privacy-retention.json')), {
			credentials: { ...bed.credentials, webhookKeysApi: DSAR_KEYS },
			startNodeName: 'DSAR Request',
			triggerItems: [{ json: { headers: { 'x-dsar-key': DSAR_KEYS.key }, params: {}, query: { action: 'export', customer: waId }, body: {} } }],
		});
		expect(result.status).toBe('success');
		expect(result.runCount('Erase Customer Data')).toBe(0);
		expect(result.responses).toHaveLength(1);
		const response = result.responses[0] as { body: unknown; statusCode: number };
		expect(response.statusCode).toBe(200);
		const body = (typeof response.body === 'string' ? JSON.parse(response.body) : response.body) as {
			customerKey: string;
			conversations: Array<{ waId: string }>;
			messages: Array<{ text: string }>;
		};
		expect(body.customerKey).toBe(waId);
		expect(body.conversations.map((record) => record.waId)).toEqual([waId]);
		expect(body.messages.map((message) => message.text)).toEqual(['Mijn kamer is 112']);
		// Export keeps the data.
		expect((await bed.store.exportCustomer(waId)).messages).toHaveLength(1);
	});

	it('privacy-retention erases the customer through the DSAR webhook branch and keeps the opt-out tombstone', async () => {
		const waId = '31612000616';
		const conversation = guest(waId, 'Bram');
		const conversationId = conversationIdOf(conversation);
		await bed.store.recordInboundMessage({ conversation, waMessageId: `wamid.${waId}.1`, type: 'text', text: 'Mijn IBAN is NL91ABNA0417164300', sentAt: new Date() });
		await bed.store.recordInboundMessage({ conversation, waMessageId: `wamid.${waId}.2`, type: 'text', text: 'STOP', sentAt: new Date() });
		await bed.store.appendConsentEvent({ customerKey: waId, conversationId, scope: '*', action: 'opt_out', source: 'keyword', evidence: { keyword: 'STOP' } });
		await bed.store.openHandoff(conversationId, { reason: 'complaint', summary: 'complaint', context: {} });

		const result = await runWorkflow(loadWorkflowFile(file('privacy-retention.json')), {
			credentials: { ...bed.credentials, webhookKeysApi: DSAR_KEYS },
			startNodeName: 'DSAR Request',
			triggerItems: [{ json: { headers: { 'x-dsar-key': DSAR_KEYS.key }, params: {}, query: { action: 'erase', customer: waId }, body: {} } }],
		});
		expect(result.status).toBe('success');
		expect(result.runCount('Export Customer Data')).toBe(0);
		const response = result.responses[0] as { body: unknown; statusCode: number };
		expect(response.statusCode).toBe(200);
		const counts = (typeof response.body === 'string' ? JSON.parse(response.body) : response.body) as Record<string, number>;
		expect(counts).toMatchObject({ conversations: 1, messages: 2, handoffs: 1, consentEvents: 1 });

		const left = await bed.store.exportCustomer(waId);
		expect({ conversations: left.conversations.length, messages: left.messages.length, handoffs: left.handoffs.length }).toEqual({
			conversations: 0,
			messages: 0,
			handoffs: 0,
		});
		// The tombstone keeps the opt-out: the customer is still opted out if they write again.
		expect(deriveConsent(await bed.store.listConsentEvents(waId)).service.status).toBe('revoked');
	});

	it('privacy-retention purges expired data on the nightly schedule and keeps recent data and the consent log', async () => {
		const waId = '31612000617';
		const conversation = guest(waId, 'Noor');
		const conversationId = conversationIdOf(conversation);
		const old = new Date(Date.now() - 45 * 86_400_000);
		await bed.store.recordInboundMessage({ conversation, waMessageId: `wamid.${waId}.old`, type: 'text', text: 'Oud bericht', sentAt: old });
		await bed.store.recordInboundMessage({ conversation, waMessageId: `wamid.${waId}.new`, type: 'text', text: 'Nieuw bericht', sentAt: new Date() });
		await bed.store.appendConsentEvent({ customerKey: waId, conversationId, scope: 'marketing', action: 'opt_in', source: 'form', evidence: {}, occurredAt: old });

		const result = await runWorkflow(loadWorkflowFile(file('privacy-retention.json')), { credentials: bed.credentials, startNodeName: 'Every Night at 3:00' });
		expect(result.status).toBe('success');
		expect(result.runCount('DSAR Request')).toBe(0);
		const [{ purge }] = result.json('Purge Expired Data') as Array<{ purge: Record<string, unknown> }>;
		expect(purge.messages).toBeGreaterThanOrEqual(1);
		expect(purge.anonymised).toBe(false);

		const left = await bed.store.exportCustomer(waId);
		expect(left.messages.map((message) => message.text)).toEqual(['Nieuw bericht']);
		expect(left.consentEvents.map((event) => event.action)).toEqual(['opt_in']);
	});

	it('privacy-retention rejects an unknown DSAR action with 400 and touches nothing', async () => {
		const result = await runWorkflow(loadWorkflowFile(file('privacy-retention.json')), {
			credentials: { ...bed.credentials, webhookKeysApi: DSAR_KEYS },
			startNodeName: 'DSAR Request',
			triggerItems: [{ json: { headers: { 'x-dsar-key': DSAR_KEYS.key }, params: {}, query: { action: 'delete-everything', customer: '31612000615' }, body: {} } }],
		});
		expect(result.status).toBe('success');
		expect(result.runCount('Export Customer Data') + result.runCount('Erase Customer Data')).toBe(0);
		expect((result.responses[0] as { statusCode: number }).statusCode).toBe(400);
	});

	const DESK_KEYS = { header: 'X-Agent-Desk-Key', key: 'desk-key-new-0123456789', previousKey: 'desk-key-old-0123456789' };

	async function deskCall(webhook: string, body: unknown, key: string | null = DESK_KEYS.key) {
		return await runWorkflow(loadWorkflowFile(file('agent-desk-bridge.json')), {
			credentials: { ...bed.credentials, webhookKeysApi: DESK_KEYS },
			startNodeName: webhook,
			triggerItems: [{ json: { headers: key === null ? {} : { 'x-agent-desk-key': key }, params: {}, query: {}, body: body as IDataObject } }],
		});
	}

	it('agent-desk-bridge answers bad calls with 400, 403, 404 or 409 and a message, logs every call, and takes both keys during a rotation', async () => {
		const waId = '31612000718';
		const conversation = guest(waId, 'Noor');
		const conversationId = conversationIdOf(conversation);
		await bed.store.recordInboundMessage({ conversation, waMessageId: `wamid.${waId}.bad`, type: 'text', text: 'Hallo', sentAt: new Date() });
		const cases: Array<[string, unknown, string | null, number, RegExp]> = [
			['Agent Reply From Desk', { conversationId: 42 }, DESK_KEYS.key, 400, /"conversationId" must be/],
			['Agent Reply From Desk', { conversationId, agent: 'Sofie' }, DESK_KEYS.key, 400, /"text" must be/],
			['Agent Reply From Desk', { conversationId: 'whatsapp:1:404', text: 'hi' }, DESK_KEYS.key, 404, /no conversation "whatsapp:1:404"/],
			['Agent Reply From Desk', { conversationId, text: 'hi' }, DESK_KEYS.key, 409, /not handed off/],
			['Release Request From Desk', { conversationId }, DESK_KEYS.previousKey, 409, /no open handoff/],
			['Agent Reply From Desk', { conversationId, text: 'hi' }, 'guess-0123456789', 403, /Missing or wrong key/],
			['Release Request From Desk', { conversationId }, null, 403, /X-Agent-Desk-Key header/],
		];
		for (const [webhook, body, key, status, message] of cases) {
			const result = await deskCall(webhook, body, key);
			// A refusal is an answer, not a failed execution, and nothing is sent.
			expect({ webhook, status: result.status }).toEqual({ webhook, status: 'success' });
			const response = result.responses[0] as { body: unknown; statusCode: number };
			const json = (typeof response.body === 'string' ? JSON.parse(response.body) : response.body) as { ok: boolean; error: string };
			expect({ status: response.statusCode, ok: json.ok }).toEqual({ status, ok: false });
			expect(json.error).toMatch(message);
		}
		expect(bed.sandbox.sentMessages()).toEqual([]);

		// The previous key still works during a rotation.
		await bed.store.openHandoff(conversationId, { reason: 'human_requested', summary: 'x', context: {} });
		const released = await deskCall('Release Request From Desk', { conversationId, agent: 'Ravi' }, DESK_KEYS.previousKey);
		expect((released.responses[0] as { statusCode: number }).statusCode).toBe(200);

		const log = (await bed.store.access.listAccessLog({ limit: 50 })).filter((entry) => entry.role === 'desk' && (entry.target === conversationId || entry.target === 'whatsapp:1:404' || !entry.target));
		expect(log.map((entry) => `${entry.action}:${entry.outcome}:${String(entry.detail?.key)}`).reverse()).toEqual([
			'desk_reply:failed:current',
			'desk_reply:failed:current',
			'desk_reply:failed:current',
			'desk_reply:failed:current',
			'desk_release:failed:previous',
			'desk_reply:denied:wrong',
			'desk_release:denied:missing',
			'desk_release:ok:previous',
		]);
		expect(log[0].actor).toBe('Ravi');
		expect(JSON.stringify(log)).not.toContain(DESK_KEYS.previousKey);
	});

	it('agent-desk-bridge carries an agent reply to the customer and stores it as an agent message', async () => {
		const waId = '31612000716';
		const conversation = guest(waId, 'Pieter');
		const conversationId = conversationIdOf(conversation);
		await bed.store.recordInboundMessage({ conversation, waMessageId: `wamid.${waId}.desk`, type: 'text', text: 'Ik wil iemand spreken', sentAt: new Date() });
		await bed.store.openHandoff(conversationId, { reason: 'human_requested', summary: 'wants a person', context: {} });
		const reply = 'Hoi Pieter, ik ben Sofie van de receptie. Je kamer is om 13:00 klaar.';

		const result = await deskCall('Agent Reply From Desk', { conversationId, text: reply, agent: 'Sofie' });
		expect(result.status).toBe('success');
		const sent = bed.sandbox.sentMessages();
		expect(sent.map((message) => ({ to: message.waId, text: (message.body.text as { body: string }).body }))).toEqual([{ to: waId, text: reply }]);
		const stored = await bed.store.listMessages(conversationId);
		expect(stored.filter((message) => message.author === 'agent').map((message) => ({ text: message.text, direction: message.direction }))).toEqual([
			{ text: reply, direction: 'outbound' },
		]);
		const response = result.responses[0] as { body: unknown; statusCode: number };
		expect(response.statusCode).toBe(200);
		expect(typeof response.body === 'string' ? JSON.parse(response.body) : response.body).toMatchObject({ ok: true, conversationId });
		expect(result.runCount('Give Chat Back to Bot')).toBe(0);
	});

	it('agent-desk-bridge releases the chat back to the bot', async () => {
		const waId = '31612000717';
		const conversation = guest(waId, 'Lotte');
		const conversationId = conversationIdOf(conversation);
		await bed.store.recordInboundMessage({ conversation, waMessageId: `wamid.${waId}.release`, type: 'text', text: 'Hallo', sentAt: new Date() });
		await bed.store.openHandoff(conversationId, { reason: 'complaint', summary: 'complaint', context: {} });
		expect(await bed.store.getOpenHandoff(conversationId)).toBeDefined();

		const result = await deskCall('Release Request From Desk', { conversationId, agent: 'Sofie' });
		expect(result.status).toBe('success');
		expect(await bed.store.getOpenHandoff(conversationId)).toBeUndefined();
		const response = result.responses[0] as { body: unknown };
		expect(typeof response.body === 'string' ? JSON.parse(response.body) : response.body).toMatchObject({ ok: true, released: true });
	});
});
