import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { closeAllSupportStores, openSupportStore, type SupportStore } from '../../../nodes/shared/store';
import { answerVerification, handleInboundWebhook } from '../../../nodes/shared/whatsapp/inbound';
import { computeSignature } from '../../../nodes/shared/whatsapp/signature';
import {
	inboundMessageWebhook,
	inboundTextWebhook,
	statusWebhook,
	webhookEnvelope,
	type WebhookChangeValue,
} from '../../sandbox/webhook-signer';

const SECRET = 'unit-app-secret';
const config = { appSecret: SECRET, phoneNumberIds: ['1065000000001'] };

function signed(payload: unknown): [Buffer, string] {
	const body = Buffer.from(JSON.stringify(payload));
	return [body, computeSignature(body, SECRET)];
}

describe('handleInboundWebhook', () => {
	let folder: string;
	let store: SupportStore;

	beforeAll(async () => {
		folder = mkdtempSync(join(tmpdir(), 'wa-inbound-'));
		store = await openSupportStore({ backend: 'pglite', dataDir: join(folder, 'pglite') });
	});

	afterAll(async () => {
		await closeAllSupportStores();
		rmSync(folder, { recursive: true, force: true });
	});

	it('refuses bad signatures (401), unreadable bodies (400) and a missing app secret (500)', async () => {
		const [body, signature] = signed(inboundTextWebhook({ from: '31600000009', text: 'hi', phoneNumberId: '1065000000001' }));
		await expect(handleInboundWebhook(body, undefined, config, store)).resolves.toMatchObject({ accepted: false, statusCode: 401, message: expect.stringMatching(/missing/) });
		await expect(handleInboundWebhook(body, 'sha256=abc', config, store)).resolves.toMatchObject({ statusCode: 401, message: expect.stringMatching(/malformed/) });
		await expect(handleInboundWebhook(body, computeSignature(body, 'other'), config, store)).resolves.toMatchObject({ statusCode: 401, message: expect.stringMatching(/does not match/) });
		const broken = Buffer.from('{"object":');
		await expect(handleInboundWebhook(broken, computeSignature(broken, SECRET), config, store)).resolves.toMatchObject({ statusCode: 400 });
		await expect(handleInboundWebhook(body, signature, { appSecret: '' }, store)).resolves.toMatchObject({ statusCode: 500 });
		expect(await store.countRows('messages')).toBe(0);
	});

	it('stores new messages once, counts duplicates and ignores other phone numbers', async () => {
		const mine = inboundTextWebhook({ from: '31600000001', text: 'Kamer 12 heeft geen warm water', phoneNumberId: '1065000000001' });
		const [body, signature] = signed(mine);
		const first = await handleInboundWebhook(body, signature, config, store);
		expect(first).toMatchObject({ accepted: true, duplicates: 0, ignored: 0 });
		if (!first.accepted) throw new Error('expected acceptance');
		expect(first.messages.map((event) => event.message.text)).toEqual(['Kamer 12 heeft geen warm water']);
		const again = await handleInboundWebhook(body, signature, config, store);
		expect(again).toMatchObject({ accepted: true, messages: [], duplicates: 1 });

		const other = signed(inboundTextWebhook({ from: '31600000002', text: 'hello', phoneNumberId: '1065000000999' }));
		await expect(handleInboundWebhook(other[0], other[1], config, store)).resolves.toMatchObject({ messages: [], ignored: 1 });
		await expect(handleInboundWebhook(other[0], other[1], { appSecret: SECRET }, store)).resolves.toMatchObject({ ignored: 0, duplicates: 0 });
	});

	it('opens the 72 h entry-point window for a click-to-WhatsApp referral', async () => {
		const payload = inboundMessageWebhook({
			from: '31600000003',
			phoneNumberId: '1065000000001',
			message: {
				type: 'text',
				text: { body: 'I saw your ad' },
				referral: { source_url: 'https://fb.me/ad', source_type: 'ad', source_id: '120210', headline: 'Winter deal', ctwa_clid: 'ARA' },
			},
		});
		const [body, signature] = signed(payload);
		const outcome = await handleInboundWebhook(body, signature, config, store);
		if (!outcome.accepted) throw new Error('expected acceptance');
		const conversation = await store.getConversation(outcome.messages[0].conversation.id);
		expect(conversation?.entryPointAt).toBe(conversation?.lastInboundAt);
		expect(conversation?.referral).toMatchObject({ sourceType: 'ad' });
	});

	it('passes each status once and never moves a message back from read to delivered', async () => {
		const conversationRef = { channel: 'whatsapp', phoneNumberId: '1065000000001', customer: { waId: '31600000001' } };
		const conversation = await store.upsertConversation(conversationRef);
		await store.recordOutboundMessage({ conversationId: conversation.id, waMessageId: 'wamid.out.status', author: 'bot', type: 'text', text: 'x' });
		const status = (name: 'sent' | 'delivered' | 'read') =>
			signed(statusWebhook({ messageId: 'wamid.out.status', status: name, recipientId: '31600000001', phoneNumberId: '1065000000001' }));

		const read = status('read');
		await expect(handleInboundWebhook(read[0], read[1], config, store)).resolves.toMatchObject({ statuses: [expect.anything()] });
		const lateDelivered = status('delivered');
		await expect(handleInboundWebhook(lateDelivered[0], lateDelivered[1], config, store)).resolves.toMatchObject({ statuses: [expect.anything()] });
		await expect(handleInboundWebhook(lateDelivered[0], lateDelivered[1], config, store)).resolves.toMatchObject({ statuses: [], duplicates: 1 });
		expect((await store.getMessageByWaId('wamid.out.status'))?.status).toBe('read');
	});

	it('handles a batch of several changes in one POST', async () => {
		const value = (from: string, text: string): WebhookChangeValue => ({
			messaging_product: 'whatsapp',
			metadata: { display_phone_number: '15550000001', phone_number_id: '1065000000001' },
			contacts: [{ profile: { name: from }, wa_id: from }],
			messages: [{ from, id: `wamid.batch.${from}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }],
		});
		const [body, signature] = signed(webhookEnvelope([value('31600000011', 'one'), value('31600000012', 'two')]));
		const outcome = await handleInboundWebhook(body, signature, config, store);
		if (!outcome.accepted) throw new Error('expected acceptance');
		expect(outcome.messages.map((event) => [event.conversation.customer.waId, event.message.text])).toEqual([
			['31600000011', 'one'],
			['31600000012', 'two'],
		]);
	});
});

describe('answerVerification', () => {
	it('answers the challenge only for subscribe with the right token', () => {
		const query = { 'hub.mode': 'subscribe', 'hub.verify_token': 'tok', 'hub.challenge': '42' };
		expect(answerVerification(query, 'tok')).toEqual({ statusCode: 200, body: '42' });
		expect(answerVerification(query, 'other')).toEqual({ statusCode: 403, body: 'Forbidden' });
		expect(answerVerification({ ...query, 'hub.mode': 'unsubscribe' }, 'tok').statusCode).toBe(403);
		expect(answerVerification(query, '').statusCode).toBe(403);
		expect(answerVerification({ ...query, 'hub.verify_token': ['tok'] }, 'tok').statusCode).toBe(403);
	});
});
