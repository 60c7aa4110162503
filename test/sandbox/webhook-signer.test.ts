import http from 'node:http';
import type { AddressInfo } from 'node:net';

import {
	inboundButtonReplyWebhook,
	inboundListReplyWebhook,
	inboundLocationWebhook,
	inboundMediaWebhook,
	inboundReactionWebhook,
	inboundTemplateButtonWebhook,
	inboundTextWebhook,
	postSignedWebhook,
	signWebhookBody,
	statusWebhook,
	verifyWebhookSignature,
	webhookEnvelope,
	webhookTimestamp,
} from '../../sandbox/webhook-signer';

describe('signWebhookBody', () => {
	it('matches the published HMAC-SHA256 test vector', () => {
		// HMAC_SHA256("key", "The quick brown fox jumps over the lazy dog")
		expect(signWebhookBody('The quick brown fox jumps over the lazy dog', 'key')).toBe('sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8');
	});

	it('signs the raw bytes: string and Buffer agree, any byte change or other secret differs', () => {
		const body = '{"object":"whatsapp_business_account","entry":[{"text":"Olá 👋"}]}';
		expect(signWebhookBody(Buffer.from(body, 'utf8'), 's3cret')).toBe(signWebhookBody(body, 's3cret'));
		expect(signWebhookBody(body.replace(':', ': '), 's3cret')).not.toBe(signWebhookBody(body, 's3cret'));
		expect(signWebhookBody(body, 'other')).not.toBe(signWebhookBody(body, 's3cret'));
		expect(signWebhookBody(body, 's3cret')).toMatch(/^sha256=[0-9a-f]{64}$/);
	});
});

describe('verifyWebhookSignature', () => {
	const body = '{"a":1}';
	it('accepts the right signature and rejects everything else', () => {
		const signature = signWebhookBody(body, 'secret');
		expect(verifyWebhookSignature(body, signature, 'secret')).toBe(true);
		expect(verifyWebhookSignature(body, signature, 'Secret')).toBe(false);
		expect(verifyWebhookSignature('{"a":2}', signature, 'secret')).toBe(false);
		expect(verifyWebhookSignature(body, signature.slice(0, -1), 'secret')).toBe(false);
		expect(verifyWebhookSignature(body, signature.replace('sha256=', 'sha1='), 'secret')).toBe(false);
		expect(verifyWebhookSignature(body, undefined, 'secret')).toBe(false);
	});
});

describe('postSignedWebhook', () => {
	interface Seen {
		method?: string;
		url?: string;
		headers: http.IncomingHttpHeaders;
		raw: Buffer;
	}
	let server: http.Server;
	let url: string;
	let seen: Seen[];

	beforeAll(async () => {
		server = http.createServer((request, response) => {
			const chunks: Buffer[] = [];
			request.on('data', (chunk: Buffer) => chunks.push(chunk));
			request.on('end', () => {
				seen.push({ method: request.method, url: request.url, headers: request.headers, raw: Buffer.concat(chunks) });
				const status = request.headers['x-hub-signature-256'] ? 200 : 403;
				response.writeHead(status, { 'content-type': 'text/plain', 'x-receiver': 'yes' });
				response.end(status === 200 ? 'EVENT_RECEIVED' : 'missing signature');
			});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook?x=1`;
	});

	afterAll(async () => {
		await new Promise<void>((resolve) => server.close(() => resolve()));
	});

	beforeEach(() => {
		seen = [];
	});

	it('POSTs JSON with a valid X-Hub-Signature-256 and returns the answer', async () => {
		const payload = inboundTextWebhook({ from: '15551234567', text: 'Hi' });
		const result = await postSignedWebhook(url, payload, 'app-secret');
		expect(result).toMatchObject({ status: 200, body: 'EVENT_RECEIVED' });
		expect(result.headers['x-receiver']).toBe('yes');
		expect(seen).toHaveLength(1);
		expect(seen[0]).toMatchObject({ method: 'POST', url: '/webhook?x=1' });
		expect(seen[0].headers['content-type']).toBe('application/json');
		expect(JSON.parse(seen[0].raw.toString())).toEqual(payload);
		expect(verifyWebhookSignature(seen[0].raw, seen[0].headers['x-hub-signature-256'] as string, 'app-secret')).toBe(true);
	});

	it('sends a string payload byte for byte, signed over those bytes', async () => {
		const raw = '{ "object" : "whatsapp_business_account",\n  "note": "Olá — 👋" }';
		await postSignedWebhook(url, raw, 'app-secret');
		expect(seen[0].raw.toString('utf8')).toBe(raw);
		expect(seen[0].headers['content-length']).toBe(String(Buffer.byteLength(raw)));
		expect(seen[0].headers['x-hub-signature-256']).toBe(signWebhookBody(raw, 'app-secret'));
	});

	it('can forge or omit the signature, and add headers', async () => {
		await postSignedWebhook(url, { a: 1 }, 'app-secret', { signature: 'sha256=forged', headers: { 'X-Extra': 'on' } });
		expect(seen[0].headers['x-hub-signature-256']).toBe('sha256=forged');
		expect(seen[0].headers['x-extra']).toBe('on');
		const omitted = await postSignedWebhook(url, { a: 1 }, 'app-secret', { signature: null });
		expect(seen[1].headers['x-hub-signature-256']).toBeUndefined();
		expect(omitted).toMatchObject({ status: 403, body: 'missing signature' });
	});

	it('rejects when nothing listens', async () => {
		const probe = http.createServer();
		await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
		const port = (probe.address() as AddressInfo).port;
		await new Promise<void>((resolve) => probe.close(() => resolve()));
		await expect(postSignedWebhook(`http://127.0.0.1:${port}/`, {}, 's')).rejects.toThrow(/ECONNREFUSED/);
	});
});

describe('payload builders', () => {
	const business = { phoneNumberId: '1065000000001', displayPhoneNumber: '+1 555-000-0001', businessAccountId: '1065000000000' };
	const at = new Date('2026-11-21T12:00:00Z');

	it('builds an inbound text message like Meta', () => {
		expect(inboundTextWebhook({ ...business, from: '+1 555 123 4567', name: 'Ana', text: 'Is breakfast included?', messageId: 'wamid.IN1', timestamp: at })).toEqual({
			object: 'whatsapp_business_account',
			entry: [
				{
					id: '1065000000000',
					changes: [
						{
							field: 'messages',
							value: {
								messaging_product: 'whatsapp',
								metadata: { display_phone_number: '15550000001', phone_number_id: '1065000000001' },
								contacts: [{ profile: { name: 'Ana' }, wa_id: '15551234567' }],
								messages: [{ from: '15551234567', id: 'wamid.IN1', timestamp: '1795262400', type: 'text', text: { body: 'Is breakfast included?' } }],
							},
						},
					],
				},
			],
		});
	});

	it('fills defaults: sandbox number, new wamid, current time', () => {
		const payload = inboundTextWebhook({ from: '15551234567', text: 'Hi' });
		const value = payload.entry[0].changes[0].value;
		expect(value.metadata).toEqual({ display_phone_number: '15550000001', phone_number_id: '1065000000001' });
		const message = (value.messages as Array<{ id: string; timestamp: string }>)[0];
		expect(message.id).toMatch(/^wamid\.[A-Za-z0-9+/=]{20,}$/);
		expect(Math.abs(Number(message.timestamp) - Date.now() / 1000)).toBeLessThan(5);
		expect(message.id).not.toBe((inboundTextWebhook({ from: '1', text: 'x' }).entry[0].changes[0].value.messages as Array<{ id: string }>)[0].id);
	});

	it('builds a button reply with the context of the business message', () => {
		const payload = inboundButtonReplyWebhook({ from: '15551234567', buttonId: 'late_checkout', title: 'Late checkout', context: { id: 'wamid.OUT1' }, messageId: 'wamid.IN2', timestamp: 1795262400 });
		expect((payload.entry[0].changes[0].value.messages as unknown[])[0]).toEqual({
			context: { from: '15550000001', id: 'wamid.OUT1' },
			from: '15551234567',
			id: 'wamid.IN2',
			timestamp: '1795262400',
			type: 'interactive',
			interactive: { type: 'button_reply', button_reply: { id: 'late_checkout', title: 'Late checkout' } },
		});
	});

	it('builds list replies, template buttons, media, location and reactions', () => {
		const messageOf = (payload: ReturnType<typeof inboundTextWebhook>) => (payload.entry[0].changes[0].value.messages as Array<Record<string, unknown>>)[0];
		expect(messageOf(inboundListReplyWebhook({ from: '1555', rowId: 'suite', title: 'Suite', description: 'Sea view' }))).toMatchObject({
			type: 'interactive',
			interactive: { type: 'list_reply', list_reply: { id: 'suite', title: 'Suite', description: 'Sea view' } },
		});
		expect(messageOf(inboundTemplateButtonWebhook({ from: '1555', payload: 'STOP', text: 'Stop promotions' }))).toMatchObject({ type: 'button', button: { payload: 'STOP', text: 'Stop promotions' } });
		expect(messageOf(inboundMediaWebhook({ from: '1555', mediaType: 'audio', mediaId: '777', mimeType: 'audio/ogg; codecs=opus', sha256: 'abc', voice: true }))).toMatchObject({
			type: 'audio',
			audio: { id: '777', mime_type: 'audio/ogg; codecs=opus', sha256: 'abc', voice: true },
		});
		expect(messageOf(inboundLocationWebhook({ from: '1555', latitude: 41.38, longitude: 2.17, locationName: 'Plaça', address: 'Barcelona' }))).toMatchObject({
			type: 'location',
			location: { latitude: 41.38, longitude: 2.17, name: 'Plaça', address: 'Barcelona' },
		});
		expect(messageOf(inboundReactionWebhook({ from: '1555', reactedMessageId: 'wamid.OUT', emoji: '❤️' }))).toMatchObject({ type: 'reaction', reaction: { message_id: 'wamid.OUT', emoji: '❤️' } });
	});

	it('carries 2026 username fields, and works without a phone number', () => {
		const payload = inboundTextWebhook({ userId: 'US.13491208655302741918', username: 'ana.travels', name: 'Ana', text: 'Hi' });
		const value = payload.entry[0].changes[0].value;
		expect(value.contacts).toEqual([{ profile: { name: 'Ana', username: 'ana.travels' }, user_id: 'US.13491208655302741918' }]);
		const message = (value.messages as Array<Record<string, unknown>>)[0];
		expect(message.from_user_id).toBe('US.13491208655302741918');
		expect(message.from).toBeUndefined();
		expect(() => inboundTextWebhook({ text: 'nobody' })).toThrow('needs `from`');
	});

	it('adds a click-to-WhatsApp referral', () => {
		const referral = { source_type: 'ad', source_id: '120', source_url: 'https://fb.me/x', ctwa_clid: 'ARA' };
		const message = (inboundTextWebhook({ from: '1555', text: 'Offer?', referral }).entry[0].changes[0].value.messages as Array<Record<string, unknown>>)[0];
		expect(message.referral).toEqual(referral);
	});

	it('builds statuses with PMP pricing, opaque data and errors', () => {
		const pricing = { billable: true, pricing_model: 'PMP' as const, category: 'marketing', type: 'regular' as const };
		const delivered = statusWebhook({ ...business, messageId: 'wamid.OUT', status: 'delivered', recipientId: '+1 555 123 4567', pricing, bizOpaqueCallbackData: 'ticket-9', timestamp: at });
		expect(delivered.entry[0].changes[0].value.statuses).toEqual([
			{ id: 'wamid.OUT', status: 'delivered', timestamp: '1795262400', recipient_id: '15551234567', biz_opaque_callback_data: 'ticket-9', pricing },
		]);
		const failed = statusWebhook({ messageId: 'wamid.OUT', status: 'failed', recipientId: '1555', errors: [{ code: 131026, title: 'Message undeliverable' }] });
		expect((failed.entry[0].changes[0].value.statuses as Array<Record<string, unknown>>)[0].errors).toEqual([
			{ code: 131026, title: 'Message undeliverable', message: 'Message undeliverable', error_data: { details: 'Message undeliverable' }, href: expect.stringContaining('error-codes') },
		]);
		expect(failed.entry[0].changes[0].value.contacts).toBeUndefined();
		// Since the 2026 username rollout, sent/delivered/read statuses to a BSUID list the user in contacts[]; failed ones do not.
		const bsuid = 'US.13491208655302741918';
		const sentToUser = statusWebhook({ messageId: 'wamid.U', status: 'sent', recipientUserId: bsuid }).entry[0].changes[0].value;
		expect(sentToUser.contacts).toEqual([{ user_id: bsuid }]);
		const failedToUser = statusWebhook({ messageId: 'wamid.U', status: 'failed', recipientUserId: bsuid, errors: [{ code: 131026, title: 'x' }] }).entry[0].changes[0].value;
		expect(failedToUser.contacts).toBeUndefined();
		expect((failedToUser.statuses as Array<Record<string, unknown>>)[0].recipient_user_id).toBe(bsuid);
	});

	it('batches several changes in one envelope', () => {
		const a = statusWebhook({ messageId: 'wamid.A', status: 'sent', recipientId: '1' }).entry[0].changes[0].value;
		const b = statusWebhook({ messageId: 'wamid.B', status: 'read', recipientId: '1' }).entry[0].changes[0].value;
		const batch = webhookEnvelope([a, b], { businessAccountId: '42' });
		expect(batch.entry).toHaveLength(1);
		expect(batch.entry[0].id).toBe('42');
		expect(batch.entry[0].changes.map((change) => change.value)).toEqual([a, b]);
	});

	it('formats timestamps as unix seconds from Dates, seconds or milliseconds', () => {
		expect(webhookTimestamp(at)).toBe('1795262400');
		expect(webhookTimestamp(1795262400)).toBe('1795262400');
		expect(webhookTimestamp(1795262400123)).toBe('1795262400');
	});
});
