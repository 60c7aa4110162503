import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { conversationIdOf, type ConversationRef } from '../../nodes/domain/envelope';
import { closeAllSupportStores, openSupportStore, type SupportStore } from '../../nodes/domain/store';
import { startGraphSandbox, type GraphSandbox } from '../../sandbox/graph-sandbox';
import { line, node } from '../helpers/workflow-builder';
import { runWorkflow } from '../helpers/workflow-runner';

const PHONE_NUMBER_ID = '1065000000001';
const guest: ConversationRef = { channel: 'whatsapp', phoneNumberId: PHONE_NUMBER_ID, customer: { waId: '31612345678', name: 'Anna' } };
const envelope = { conversation: guest, message: { id: 'wamid.incoming.1', type: 'text', text: 'Hoi', timestamp: new Date().toISOString() } };

describe('WhatsApp Send in n8n against the Graph sandbox', () => {
	let sandbox: GraphSandbox;
	let folder: string;
	let store: SupportStore;

	const credentials = () => ({
		whatsAppCloudApi: {
			accessToken: 'sandbox-token',
			phoneNumberId: PHONE_NUMBER_ID,
			businessAccountId: '2000000000001',
			appSecret: 'app-secret',
			verifyToken: 'verify-me',
			apiVersion: 'v24.0',
			baseUrl: sandbox.baseUrl,
		},
	});

	const sendNode = (parameters: INodeParameters, extra = {}) =>
		node('Send', 'whatsAppSend', parameters, { credentials: { whatsAppCloudApi: { id: 'wa', name: 'WhatsApp' } }, ...extra });

	async function send(parameters: INodeParameters, items: IDataObject[] = [envelope], extra = {}) {
		return await runWorkflow(line(sendNode(parameters, extra)), {
			credentials: credentials(),
			triggerItems: items.map((json) => ({ json })),
		});
	}

	beforeAll(async () => {
		sandbox = await startGraphSandbox();
		folder = mkdtempSync(join(tmpdir(), 'wa-send-'));
		process.env.WHATSAPP_SUPPORT_STORE_DIR = join(folder, 'pglite');
		store = await openSupportStore({ backend: 'pglite', dataDir: process.env.WHATSAPP_SUPPORT_STORE_DIR });
	});

	afterAll(async () => {
		await sandbox.close();
		delete process.env.WHATSAPP_SUPPORT_STORE_DIR;
		await closeAllSupportStores();
		rmSync(folder, { recursive: true, force: true });
	});

	beforeEach(() => sandbox.reset());

	it('sends text to the customer of the conversation and stores it with callback data', async () => {
		const result = await send({ messageType: 'text', text: 'Breakfast is served *7:00–10:30*.', options: { quoteMessage: true } });
		expect(result.status).toBe('success');
		const [sent] = sandbox.sentMessages();
		expect(sent.body).toMatchObject({
			messaging_product: 'whatsapp',
			to: '31612345678',
			type: 'text',
			text: { body: 'Breakfast is served *7:00–10:30*.' },
			context: { message_id: 'wamid.incoming.1' },
			biz_opaque_callback_data: conversationIdOf(guest),
		});
		const output = result.json('Send')[0];
		expect(output.sent).toMatchObject({ messageIds: [sent.id], parts: 1, attempts: 1, fallbackTemplateUsed: null });
		expect(output.message).toEqual(envelope.message);
		const stored = await store.getMessageByWaId(sent.id);
		expect(stored).toMatchObject({ direction: 'outbound', author: 'bot', text: 'Breakfast is served *7:00–10:30*.' });
	});

	it('puts the guest’s own values back into placeholders the Consent Gate made in this execution, unless told not to', async () => {
		const written = { ...envelope, message: { ...envelope.message, id: 'wamid.incoming.masked', text: 'Mail me at anna.jansen@example.com please' } };
		// What an AI Agent would write over the masked text.
		const reply = "={{ 'I will mail ' + ($json.message.textMasked.match(/\\[EMAIL_\\d+\\]/) || ['nothing'])[0] + ' today. [EMAIL_9] is not yours.' }}";
		const run = async (options: INodeParameters) =>
			await runWorkflow(
				line(node('Gate', 'consentGate', { operation: 'maskPii' }), sendNode({ messageType: 'text', text: reply, options })),
				{ credentials: credentials(), triggerItems: [{ json: written }] },
			);
		const restored = await run({});
		expect(restored.status).toBe('success');
		expect(restored.json('Gate')[0].message).toMatchObject({ textMasked: 'Mail me at [EMAIL_1] please' });
		expect((sandbox.sentMessages().at(-1)?.body.text as { body: string }).body).toBe('I will mail anna.jansen@example.com today. [EMAIL_9] is not yours.');
		// The item keeps no raw value: only the gate's copy of the guest's own message has it.
		expect(JSON.stringify(restored.json('Send')[0].sent)).not.toContain('anna.jansen@example.com');

		const kept = await run({ restorePersonalData: false });
		expect(kept.status).toBe('success');
		expect((sandbox.sentMessages().at(-1)?.body.text as { body: string }).body).toBe('I will mail [EMAIL_1] today. [EMAIL_9] is not yours.');
	});

	it('splits text longer than 4096 characters into several messages', async () => {
		const text = `${'Our spa is open daily. '.repeat(150).trim()}\n\n${'Towels are provided. '.repeat(150).trim()}`;
		const result = await send({ messageType: 'text', text });
		expect(result.status).toBe('success');
		const bodies = sandbox.sentMessages().map((message) => (message.body.text as { body: string }).body);
		expect(bodies.length).toBe(2);
		for (const body of bodies) expect(body.length).toBeLessThanOrEqual(4096);
		expect(bodies.join('\n\n')).toBe(text);
		expect(result.json('Send')[0].sent).toMatchObject({ parts: 2 });
	});

	it('sends a template with named body parameters and a URL button', async () => {
		const result = await send({
			messageType: 'template',
			templateName: 'booking_reminder',
			templateLanguage: 'nl',
			bodyParameters: { parameter: [{ value: 'Anna', parameterName: 'guest_name', type: 'text' }] },
			buttonParameters: { button: [{ subType: 'url', index: 0, value: 'BK-123' }] },
		});
		expect(result.status).toBe('success');
		expect(sandbox.sentMessages()[0].body.template).toEqual({
			name: 'booking_reminder',
			language: { code: 'nl' },
			components: [
				{ type: 'body', parameters: [{ type: 'text', text: 'Anna', parameter_name: 'guest_name' }] },
				{ type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'BK-123' }] },
			],
		});
	});

	it('sends reply buttons and lists, and refuses ones over the limits before calling Meta', async () => {
		const buttons = await send({
			messageType: 'buttons',
			body: 'Would you like breakfast?',
			buttons: { button: [{ title: 'Yes please' }, { title: 'No thanks', id: 'no' }] },
		});
		expect(buttons.status).toBe('success');
		expect(sandbox.sentMessages()[0].body.interactive).toMatchObject({
			type: 'button',
			action: { buttons: [{ reply: { id: 'Yes please', title: 'Yes please' } }, { reply: { id: 'no', title: 'No thanks' } }] },
		});

		const list = await send({
			messageType: 'list',
			body: 'Which room?',
			buttonText: 'Rooms',
			rows: {
				row: [
					{ title: 'Double', id: 'double', section: 'Rooms' },
					{ title: 'Suite', id: 'suite', description: 'Sea view', section: 'Suites' },
				],
			},
		});
		expect(list.status).toBe('success');
		expect((sandbox.sentMessages()[1].body.interactive as { action: unknown }).action).toEqual({
			button: 'Rooms',
			sections: [
				{ title: 'Rooms', rows: [{ id: 'double', title: 'Double' }] },
				{ title: 'Suites', rows: [{ id: 'suite', title: 'Suite', description: 'Sea view' }] },
			],
		});

		const before = sandbox.requests.length;
		const tooMany = await send({
			messageType: 'buttons',
			body: 'Pick one',
			buttons: { button: [{ title: 'A' }, { title: 'B' }, { title: 'C' }, { title: 'D' }] },
		});
		expect(tooMany.status).toBe('error');
		expect(tooMany.nodeError('Send')?.message).toMatch(/4 reply buttons given/);
		expect(tooMany.nodeError('Send')?.description).toMatch(/list message/);
		expect(sandbox.requests.length).toBe(before);
	});

	it('sends media by link and by id', async () => {
		await send({ messageType: 'media', mediaType: 'image', mediaSource: 'link', media: 'https://example.com/pool.jpg', caption: 'Our pool' });
		await send({ messageType: 'media', mediaType: 'document', mediaSource: 'id', media: '1234567890', filename: 'invoice.pdf' });
		const [image, document] = sandbox.sentMessages();
		expect(image.body).toMatchObject({ type: 'image', image: { link: 'https://example.com/pool.jpg', caption: 'Our pool' } });
		expect(document.body).toMatchObject({ type: 'document', document: { id: '1234567890', filename: 'invoice.pdf' } });
	});

	it('marks as read and shows the typing indicator', async () => {
		const read = await send({ operation: 'markAsRead' });
		const typing = await send({ operation: 'typing' });
		expect(read.status).toBe('success');
		expect(typing.status).toBe('success');
		const bodies = sandbox.requests.filter((request) => request.method === 'POST').map((request) => request.body);
		expect(bodies).toEqual([
			{ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.incoming.1' },
			{ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.incoming.1', typing_indicator: { type: 'text' } },
		]);
	});

	it('sends the item\'s reply as it is: text, reply buttons or a list (Reply From Item)', async () => {
		const withReply = (reply: IDataObject) => ({ ...envelope, reply });
		const result = await send({ messageType: 'reply' }, [
			withReply({ text: 'Graag gedaan!', language: 'nl', source: 'small_talk' }),
			withReply({ text: 'Waarmee kan ik helpen?', buttons: [{ id: 'amenities', title: 'Faciliteiten' }] }),
			withReply({ text: 'Kies een onderwerp', list: { button: 'Onderwerpen', sections: [{ rows: [{ id: 'a', title: 'A' }, { id: 'b', title: 'B' }] }] } }),
		]);
		expect(result.status).toBe('success');
		const sent = sandbox.sentMessages();
		expect(sent.map((message) => message.type)).toEqual(['text', 'interactive', 'interactive']);
		expect(sent[0].body.text).toMatchObject({ body: 'Graag gedaan!' });
		expect(sent[1].body.interactive).toMatchObject({ type: 'button', action: { buttons: [{ reply: { id: 'amenities', title: 'Faciliteiten' } }] } });
		expect(sent[2].body.interactive).toMatchObject({ type: 'list', action: { button: 'Onderwerpen' } });
		// Stored as the bot's messages, with their text, for history and transcripts.
		const stored = await store.listMessages(conversationIdOf(guest), 10);
		expect(stored.filter((message) => message.direction === 'outbound').map((message) => message.text).slice(-3)).toEqual([
			'Graag gedaan!',
			'Waarmee kan ik helpen?',
			'Kies een onderwerp',
		]);
	});

	it('fails clearly when the item has no reply, or a reply WhatsApp would refuse', async () => {
		const missing = await send({ messageType: 'reply' });
		expect(missing.status).toBe('error');
		expect(missing.nodeError('Send')?.message).toMatch(/no reply to send/);
		expect(missing.nodeError('Send')?.description).toMatch(/AI Reply, Small Talk or the Conversation Form/);
		const tooLong = await send({ messageType: 'reply' }, [{ ...envelope, reply: { text: 'Pick', buttons: [{ id: 'x', title: 'A button title that is far too long' }] } }]);
		expect(tooLong.nodeError('Send')?.message).toMatch(/at most 20/);
		expect(sandbox.sentMessages()).toEqual([]);
	});

	it('sends a template in the guest\'s language when it is approved in it, else along the fallback chain', async () => {
		const conversationId = conversationIdOf(guest);
		await store.recordInboundMessage({ conversation: guest, waMessageId: 'wamid.lang.1', type: 'text', text: 'Bonjour', sentAt: new Date() });
		await store.rememberLanguage(conversationId, 'fr');
		const template = { messageType: 'template', templateName: 'follow_up', templateLanguage: 'en_US', templateLanguages: 'en_US, nl, fr_FR' };
		const codes = async (items: IDataObject[], parameters: INodeParameters = template) => {
			sandbox.reset();
			const result = await send(parameters, items);
			expect(result.status).toBe('success');
			return sandbox.sentMessages().map((message) => (message.body.template as { language: { code: string } }).language.code);
		};
		// The classified language first, then the last known one, then Language Code.
		expect(await codes([{ ...envelope, nlu: { language: 'nl' } }])).toEqual(['nl']);
		expect(await codes([envelope])).toEqual(['fr_FR']);
		expect(await codes([{ ...envelope, nlu: { language: 'de' } }])).toEqual(['fr_FR']);
		await store.rememberLanguage(conversationId, 'es');
		expect(await codes([envelope])).toEqual(['en_US']);
		// Without Approved Languages, Language Code as before.
		expect(await codes([{ ...envelope, nlu: { language: 'nl' } }], { ...template, templateLanguages: '' })).toEqual(['en_US']);
	});

	it('sends to a phone number given on the node', async () => {
		const result = await send({ messageType: 'text', text: 'Your table is ready', recipientSource: 'custom', to: '+49 151 2345 6789' }, [{}]);
		expect(result.status).toBe('success');
		expect(sandbox.sentMessages()[0].to).toBe('4915123456789');
	});

	it('falls back to the configured template when the window is closed (131047)', async () => {
		sandbox.setWindow('31612345678', false);
		const result = await send({
			messageType: 'text',
			text: 'Here is the information you asked for.',
			options: { fallbackTemplateName: 'follow_up', fallbackTemplateLanguage: 'en', fallbackTemplateParameters: 'Anna | tomorrow' },
		});
		expect(result.status).toBe('success');
		const messageRequests = sandbox.requests.filter((request) => request.path.endsWith('/messages'));
		expect(messageRequests.map((request) => request.response.status)).toEqual([400, 200]);
		const [template] = sandbox.sentMessages();
		expect(template.body.template).toEqual({
			name: 'follow_up',
			language: { code: 'en' },
			components: [{ type: 'body', parameters: [{ type: 'text', text: 'Anna' }, { type: 'text', text: 'tomorrow' }] }],
		});
		expect(result.json('Send')[0].sent).toMatchObject({ fallbackTemplateUsed: 'follow_up', messageIds: [template.id] });
	});

	it('fails clearly on 131047 when no fallback template is set', async () => {
		sandbox.setWindow('31612345678', false);
		const result = await send({ messageType: 'text', text: 'Hello again' });
		expect(result.status).toBe('error');
		const error = result.nodeError('Send');
		expect(error?.message).toMatch(/131047/);
		expect(error?.description).toMatch(/only an approved template may be sent/);
	});

	it('retries throughput (130429) and pair-rate (131056) limits with backoff, then succeeds', async () => {
		sandbox.failNext({ code: 130429, times: 2 });
		sandbox.failNext({ code: 131056, times: 1 });
		const result = await send({ messageType: 'text', text: 'Busy hour' });
		expect(result.status).toBe('success');
		expect(result.json('Send')[0].sent).toMatchObject({ attempts: 4 });
		expect(sandbox.sentMessages()).toHaveLength(1);
	});

	it('gives up after the configured retries on server errors with Meta details', async () => {
		sandbox.failNext({ code: 500, times: 5 });
		const result = await send({ messageType: 'text', text: 'Hello', options: { maxRetries: 1 } });
		expect(result.status).toBe('error');
		expect(sandbox.requests.filter((request) => request.path.endsWith('/messages'))).toHaveLength(2);
		expect(result.nodeError('Send')?.message).toMatch(/WhatsApp: .*\(#131000\)/);
		expect(sandbox.sentMessages()).toHaveLength(0);
	});

	it('records a marketing opt-out (131050) in the consent log', async () => {
		sandbox.failNext({ code: 131050 });
		const result = await send({ messageType: 'template', templateName: 'spring_offer', templateLanguage: 'en' });
		expect(result.status).toBe('error');
		expect(result.nodeError('Send')?.description).toMatch(/stopped marketing messages/);
		const log = await store.listConsentEvents('31612345678');
		expect(log.at(-1)).toMatchObject({ scope: 'marketing', action: 'opt_out', source: 'whatsapp_error_131050' });
	});

	it('reports a bad access token without leaking it, and continues on fail when asked', async () => {
		const result = await runWorkflow(line(sendNode({ messageType: 'text', text: 'Hi' }, { onError: 'continueRegularOutput' })), {
			credentials: { whatsAppCloudApi: { ...credentials().whatsAppCloudApi, accessToken: 'wrong-secret-token' } },
			triggerItems: [{ json: envelope }],
		});
		expect(result.status).toBe('success');
		const output = result.json('Send')[0];
		expect(output.error).toMatch(/\(#190\)/);
		expect(output.errorDescription).toMatch(/access token is invalid/);
		expect(JSON.stringify(result.runData)).not.toContain('wrong-secret-token');
		expect(JSON.stringify(sandbox.requests)).not.toContain('wrong-secret-token');
	});

	it('fails an item without an envelope with a fix hint', async () => {
		const result = await send({ messageType: 'text', text: 'Hi' }, [{ text: 'loose item' }]);
		expect(result.status).toBe('error');
		expect(result.nodeError('Send')?.description).toMatch(/WhatsApp AI Trigger/);
	});
});
