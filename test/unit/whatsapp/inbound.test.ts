import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { closeAllSupportStores, openSupportStore, type SupportStore } from '../../../nodes/domain/store';
import { answerVerification, describeUnreadableBody, handleInboundWebhook } from '../../../nodes/domain/whatsapp/inbound';
import { computeSignature } from '../../../nodes/domain/whatsapp/signature';
import {
	inboundMessageWebhook,
	inboundTextWebhook,
	statusWebhook,
	webhookEnvelope,
	type WebhookChangeValue,
} from '../../../sandbox/webhook-signer';

const SECRET = 'unit-app-secret';
const config = { appSecret: SECRET, phoneNumberIds: ['1065000000001'] };

function signed(payload: unknown): [Buffer, string] {
	const body = Buffer.from(JSON.stringify(payload));
	return [body, computeSignature(body, SECRET)];
}

/** A fresh embedded store for one describe block, in a temporary folder removed afterwards. */
function useTempStore(prefix: string, opened: (store: SupportStore) => void): void {
	let folder: string;
	beforeAll(async () => {
		folder = mkdtempSync(join(tmpdir(), prefix));
		opened(await openSupportStore({ backend: 'pglite', dataDir: join(folder, 'pglite') }));
	});
	afterAll(async () => {
		await closeAllSupportStores();
		rmSync(folder, { recursive: true, force: true });
	});
}

describe('handleInboundWebhook', () => {
	let store: SupportStore;
	useTempStore('wa-inbound-', (opened) => (store = opened));

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

describe('handleInboundWebhook when the store fails part-way', () => {
	let store: SupportStore;
	useTempStore('wa-inbound-faults-', (opened) => (store = opened));

	/** The store, except that the chosen method throws (like a dropped connection) for the chosen calls. */
	function failing(method: 'recordInboundMessage' | 'recordStatus' | 'claimEvent', failOnCalls: number[]): SupportStore {
		let calls = 0;
		return new Proxy(store, {
			get(target, property, receiver) {
				const value = Reflect.get(target, property, receiver);
				if (property !== method) return typeof value === 'function' ? value.bind(target) : value;
				return async (...args: unknown[]) => {
					calls++;
					if (failOnCalls.includes(calls)) throw new Error('Connection terminated unexpectedly');
					return await (value as (...parameters: unknown[]) => Promise<unknown>).apply(target, args);
				};
			},
		});
	}

	const value = (from: string, text: string): WebhookChangeValue => ({
		messaging_product: 'whatsapp',
		metadata: { display_phone_number: '15550000001', phone_number_id: '1065000000001' },
		contacts: [{ profile: { name: from }, wa_id: from }],
		messages: [{ from, id: `wamid.partial.${from}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }],
	});

	it('hands on what it stored before the failure and reports the failure; a redelivery brings the rest', async () => {
		const [body, signature] = signed(webhookEnvelope([value('31600000021', 'one'), value('31600000022', 'two'), value('31600000023', 'three')]));
		const first = await handleInboundWebhook(body, signature, config, failing('recordInboundMessage', [2]));
		if (!first.accepted) throw new Error('expected acceptance');
		expect(first.messages.map((event) => event.message.text)).toEqual(['one']);
		expect(first.storeError?.message).toBe('Connection terminated unexpectedly');

		// Meta delivers the same POST again after the 5xx: the stored message is a duplicate, the others are new.
		const again = await handleInboundWebhook(body, signature, config, store);
		if (!again.accepted) throw new Error('expected acceptance');
		expect(again.storeError).toBeUndefined();
		expect(again.messages.map((event) => event.message.text)).toEqual(['two', 'three']);
		expect(again.duplicates).toBe(1);
	});

	it('applies and claims a status in one statement, so a failed one is redone by the redelivery', async () => {
		const conversation = await store.upsertConversation({ channel: 'whatsapp', phoneNumberId: '1065000000001', customer: { waId: '31600000024' } });
		await store.recordOutboundMessage({ conversationId: conversation.id, waMessageId: 'wamid.out.partial', author: 'bot', type: 'text', text: 'x' });
		const [body, signature] = signed(
			statusWebhook({ messageId: 'wamid.out.partial', status: 'delivered', recipientId: '31600000024', phoneNumberId: '1065000000001' }),
		);
		const broken = await handleInboundWebhook(body, signature, config, failing('recordStatus', [1]));
		expect(broken).toMatchObject({ accepted: true, statuses: [], storeError: expect.any(Error) });
		expect((await store.getMessageByWaId('wamid.out.partial'))?.status).not.toBe('delivered');

		const again = await handleInboundWebhook(body, signature, config, store);
		expect(again).toMatchObject({ accepted: true, statuses: [expect.anything()], duplicates: 0 });
		expect((await store.getMessageByWaId('wamid.out.partial'))?.status).toBe('delivered');
	});

	it('stores text with NUL characters and lone surrogates instead of failing on them', async () => {
		const raw = JSON.stringify(inboundTextWebhook({ from: '31600000025', text: 'PLACEHOLDER', phoneNumberId: '1065000000001' })).replace(
			'"PLACEHOLDER"',
			'"a\\u0000b \\ud800 c 😀"',
		);
		const body = Buffer.from(raw);
		const outcome = await handleInboundWebhook(body, computeSignature(body, SECRET), config, store);
		if (!outcome.accepted) throw new Error(`expected acceptance, got ${outcome.message}`);
		expect(outcome.storeError).toBeUndefined();
		expect(outcome.messages[0].message.text).toBe('ab \ufffd c 😀');
		const [stored] = (await store.listMessages(outcome.messages[0].conversation.id)).filter((message) => message.direction === 'inbound');
		expect(stored.text).toBe('ab \ufffd c 😀');
	});

	it('answers 400 for a signed body nested deeper than any WhatsApp payload', async () => {
		const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
		const raw = JSON.stringify(inboundTextWebhook({ from: '31600000026', text: 'hi', phoneNumberId: '1065000000001' })).replace('"hi"', `"hi","extra":${deep}`);
		const body = Buffer.from(raw);
		await expect(handleInboundWebhook(body, computeSignature(body, SECRET), config, store)).resolves.toMatchObject({
			accepted: false,
			statusCode: 400,
			message: expect.stringMatching(/nests deeper than 64 levels/),
		});
	});
});

describe('handleInboundWebhook with a redelivery of a stored message', () => {
	let store: SupportStore;
	useTempStore('wa-inbound-redelivery-', (opened) => (store = opened));

	const delivery = (from: string) => signed(inboundTextWebhook({ from, text: 'Is there parking?', messageId: `wamid.redelivery.${from}`, phoneNumberId: '1065000000001' }));
	/** The config, as if `seconds` had passed since now. */
	const later = (seconds: number) => ({ ...config, now: () => Date.now() + seconds * 1000 });

	it('treats a copy of an unanswered message as a duplicate at first, then as in progress, then starts it again once', async () => {
		const [body, signature] = delivery('31600000031');
		await expect(handleInboundWebhook(body, signature, config, store)).resolves.toMatchObject({ messages: [expect.anything()] });
		// Meta's at-least-once copies, arriving together with the first delivery.
		await expect(handleInboundWebhook(body, signature, later(2), store)).resolves.toMatchObject({ messages: [], duplicates: 1, inProgress: 0 });
		// Later, still no reply: the first run may be busy, or may never have started. Come back later.
		await expect(handleInboundWebhook(body, signature, later(30), store)).resolves.toMatchObject({ messages: [], duplicates: 0, inProgress: 1 });
		// Past the lease: started again, by exactly one of two simultaneous copies, and never a third time.
		const [first, second] = await Promise.all([
			handleInboundWebhook(body, signature, later(130), store),
			handleInboundWebhook(body, signature, later(130), store),
		]);
		const started = [first, second].map((outcome) => (outcome.accepted ? outcome.messages.length : -1));
		expect(started.sort()).toEqual([0, 1]);
		await expect(handleInboundWebhook(body, signature, later(400), store)).resolves.toMatchObject({ messages: [], duplicates: 1, inProgress: 0 });
	});

	it('treats a copy as a duplicate once anything was sent in the conversation after the message, or a person has the chat', async () => {
		const [answeredBody, answeredSignature] = delivery('31600000032');
		const first = await handleInboundWebhook(answeredBody, answeredSignature, config, store);
		if (!first.accepted) throw new Error('expected acceptance');
		const conversationId = first.messages[0].conversation.id;
		await store.recordOutboundMessage({ conversationId, waMessageId: 'wamid.out.redelivery.32', author: 'bot', type: 'text', text: 'Yes, 40 places.' });
		await expect(handleInboundWebhook(answeredBody, answeredSignature, later(30), store)).resolves.toMatchObject({ messages: [], duplicates: 1, inProgress: 0 });
		await expect(handleInboundWebhook(answeredBody, answeredSignature, later(300), store)).resolves.toMatchObject({ messages: [], duplicates: 1, inProgress: 0 });

		const [handedBody, handedSignature] = delivery('31600000033');
		const handed = await handleInboundWebhook(handedBody, handedSignature, config, store);
		if (!handed.accepted) throw new Error('expected acceptance');
		await store.openHandoff(handed.messages[0].conversation.id, { reason: 'complaint' });
		await expect(handleInboundWebhook(handedBody, handedSignature, later(300), store)).resolves.toMatchObject({ messages: [], duplicates: 1, inProgress: 0 });
	});
});

describe('describeUnreadableBody', () => {
	it('answers 413 for a body over the size limit and 400 for one that cannot be read', () => {
		expect(describeUnreadableBody(Object.assign(new Error('request entity too large'), { status: 413, type: 'entity.too.large' }))).toMatchObject({
			statusCode: 413,
		});
		expect(describeUnreadableBody(Object.assign(new Error('incorrect header check'), { code: 'Z_DATA_ERROR' }))).toEqual({
			statusCode: 400,
			message: 'The webhook body was refused: its Content-Encoding does not match the bytes',
		});
		expect(describeUnreadableBody(new Error('Request body stream was aborted mid-read'))).toMatchObject({ statusCode: 400 });
		expect(describeUnreadableBody(undefined)).toMatchObject({ statusCode: 400 });
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

describe('handleInboundWebhook with delivery leases (a workflow whose first pack node confirms them)', () => {
	let store: SupportStore;
	useTempStore('wa-inbound-lease-', (opened) => (store = opened));

	const leased = { ...config, deliveryLeases: true, confirmationWaitMs: 50 };
	const later = (seconds: number, extra: object = {}) => ({ ...leased, ...extra, now: () => Date.now() + seconds * 1000 });
	const delivery = (from: string) => signed(inboundTextWebhook({ from, text: 'Is there parking?', messageId: `wamid.lease.${from}`, phoneNumberId: '1065000000001' }));
	const tokenOf = (outcome: Awaited<ReturnType<typeof handleInboundWebhook>>): string | undefined =>
		outcome.accepted ? outcome.messages[0]?.delivery?.token : undefined;

	it('gives each new message a lease token, and none without a confirming node', async () => {
		const [body, signature] = delivery('31600000041');
		const first = await handleInboundWebhook(body, signature, leased, store);
		expect(tokenOf(first)).toMatch(/^[0-9a-f-]{36}$/);
		const [plainBody, plainSignature] = delivery('31600000042');
		const plain = await handleInboundWebhook(plainBody, plainSignature, config, store);
		expect(plain.accepted && plain.messages[0].delivery).toBeUndefined();
		await expect(store.getInboundDelivery('wamid.lease.31600000042')).resolves.toEqual({ token: null, startedAt: null, confirmedAt: null });
		await expect(store.getInboundDelivery('wamid.lease.nobody')).resolves.toBeUndefined();
		await expect(store.confirmInboundDelivery('wamid.lease.nobody', 'any')).resolves.toBe('unknown');
	});

	it('answers a copy 503 while the lease is unconfirmed, and a duplicate once the execution confirms it', async () => {
		const [body, signature] = delivery('31600000043');
		const token = tokenOf(await handleInboundWebhook(body, signature, leased, store));
		if (!token) throw new Error('expected a lease token');
		// n8n has not started the execution yet: come back later (not a 200 that would lose the message).
		await expect(handleInboundWebhook(body, signature, later(1), store)).resolves.toMatchObject({ messages: [], inProgress: 1, duplicates: 0 });
		// The copy waits for the confirmation: the execution confirms while it waits.
		const copy = handleInboundWebhook(body, signature, later(1, { confirmationWaitMs: 2_000 }), store);
		await new Promise((resolve) => setTimeout(resolve, 150));
		await expect(store.confirmInboundDelivery('wamid.lease.31600000043', token)).resolves.toBe('confirmed');
		await expect(copy).resolves.toMatchObject({ messages: [], inProgress: 0, duplicates: 1 });
		// Confirming again (a re-run of the same execution) is fine.
		await expect(store.confirmInboundDelivery('wamid.lease.31600000043', token)).resolves.toBe('confirmed');
	});

	it('hands a lease nobody confirmed to exactly one later copy; the first execution, should it still run, is superseded', async () => {
		const [body, signature] = delivery('31600000044');
		const first = tokenOf(await handleInboundWebhook(body, signature, leased, store));
		// n8n failed to create the first execution: past the grace time, a copy takes the lease over.
		const taken = tokenOf(await handleInboundWebhook(body, signature, later(15), store));
		expect(taken).toBeDefined();
		expect(taken).not.toBe(first);
		// A copy right after finds the new lease young and unconfirmed: come back later.
		await expect(handleInboundWebhook(body, signature, later(1), store)).resolves.toMatchObject({ messages: [], inProgress: 1 });
		// Of simultaneous take-overs of the same lease, exactly one wins.
		const race = await Promise.all(['a', 'b', 'c'].map(async (token) => await store.takeOverInboundDelivery('wamid.lease.31600000044', taken as string, token)));
		expect(race.filter(Boolean)).toHaveLength(1);
		const current = (await store.getInboundDelivery('wamid.lease.31600000044'))?.token as string;
		expect(['a', 'b', 'c']).toContain(current);
		await expect(store.confirmInboundDelivery('wamid.lease.31600000044', first as string)).resolves.toBe('superseded');
		await expect(store.confirmInboundDelivery('wamid.lease.31600000044', taken as string)).resolves.toBe('superseded');
		await expect(store.confirmInboundDelivery('wamid.lease.31600000044', current)).resolves.toBe('confirmed');
		// Now confirmed and young: copies are duplicates again.
		await expect(handleInboundWebhook(body, signature, later(2), store)).resolves.toMatchObject({ messages: [], duplicates: 1 });
	});

	it('judges a confirmed lease by time: duplicate, then in progress, then one restart under a new lease', async () => {
		const [body, signature] = delivery('31600000045');
		const first = tokenOf(await handleInboundWebhook(body, signature, leased, store)) as string;
		await store.confirmInboundDelivery('wamid.lease.31600000045', first);
		await expect(handleInboundWebhook(body, signature, later(2), store)).resolves.toMatchObject({ messages: [], duplicates: 1, inProgress: 0 });
		await expect(handleInboundWebhook(body, signature, later(30), store)).resolves.toMatchObject({ messages: [], duplicates: 0, inProgress: 1 });
		const restarted = tokenOf(await handleInboundWebhook(body, signature, later(130), store));
		expect(restarted).toBeDefined();
		expect(restarted).not.toBe(first);
		await expect(store.confirmInboundDelivery('wamid.lease.31600000045', first)).resolves.toBe('superseded');
		await expect(store.confirmInboundDelivery('wamid.lease.31600000045', restarted as string)).resolves.toBe('confirmed');
		await expect(handleInboundWebhook(body, signature, later(400), store)).resolves.toMatchObject({ messages: [], duplicates: 1, inProgress: 0 });
	});

	it('treats a copy of an unconfirmed message that was answered anyway (or handed to a person) as a duplicate', async () => {
		const [body, signature] = delivery('31600000046');
		const outcome = await handleInboundWebhook(body, signature, leased, store);
		if (!outcome.accepted) throw new Error('expected acceptance');
		await store.recordOutboundMessage({ conversationId: outcome.messages[0].conversation.id, waMessageId: 'wamid.out.lease.46', author: 'bot', type: 'text', text: 'Yes.' });
		await expect(handleInboundWebhook(body, signature, later(60), store)).resolves.toMatchObject({ messages: [], duplicates: 1, inProgress: 0 });
	});
});
