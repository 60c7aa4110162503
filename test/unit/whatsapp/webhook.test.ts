import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { conversationIdOf } from '../../../nodes/domain/envelope';
import {
	MAX_WEBHOOK_DEPTH,
	messageEventKey,
	normaliseJson,
	parseWebhookBody,
	parseWebhookPayload,
	statusEventKey,
	storableText,
	WebhookPayloadError,
	type InboundMessageEvent,
	type ParsedWebhook,
	type StatusEvent,
} from '../../../nodes/domain/whatsapp/webhook';

const FIXTURE_DIR = join(__dirname, '../../fixtures/webhooks');
const usedFixtures = new Set<string>();

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function fixtureBytes(name: string): Buffer {
	usedFixtures.add(name);
	return readFileSync(join(FIXTURE_DIR, name));
}

function fixtureJson(name: string): Json {
	return JSON.parse(fixtureBytes(name).toString('utf8')) as Json;
}

function parseFixture(name: string): ParsedWebhook {
	return parseWebhookBody(fixtureBytes(name));
}

/** The raw `messages[]` / `statuses[]` of the fixture's first change, to compare ids against. */
function rawValue(name: string): Json {
	return fixtureJson(name).entry[0].changes[0].value as Json;
}

function onlyMessage(name: string): InboundMessageEvent {
	const parsed = parseFixture(name);
	expect(parsed.statuses).toEqual([]);
	expect(parsed.errors).toEqual([]);
	expect(parsed.messages).toHaveLength(1);
	return parsed.messages[0];
}

function onlyStatus(name: string): StatusEvent {
	const parsed = parseFixture(name);
	expect(parsed.messages).toEqual([]);
	expect(parsed.errors).toEqual([]);
	expect(parsed.statuses).toHaveLength(1);
	return parsed.statuses[0];
}

function payloadError(run: () => unknown): WebhookPayloadError {
	try {
		run();
	} catch (error) {
		expect(error).toBeInstanceOf(WebhookPayloadError);
		return error as WebhookPayloadError;
	}
	throw new Error('Expected a WebhookPayloadError, but parsing succeeded');
}

const ANNA = '31612345678';
const ANNA_BSUID = 'NL.1183728490137263';
const SOFIA_BSUID = 'US.13491208655302741918';
const T0 = '2026-11-21T12:00:00.000Z';

const annaConversation = {
	id: `whatsapp:1065000000001:${ANNA}`,
	channel: 'whatsapp',
	phoneNumberId: '1065000000001',
	displayPhoneNumber: '15550000001',
	wabaId: '1098000000001',
	customer: { waId: ANNA, name: 'Anna de Vries' },
};

describe('parseWebhookBody: inbound messages', () => {
	it('turns a text message into one envelope with conversation and message', () => {
		const raw = rawValue('text.json');
		expect(parseFixture('text.json')).toEqual({
			messages: [
				{
					conversation: annaConversation,
					message: {
						id: raw.messages[0].id,
						type: 'text',
						text: 'Hi! Can I still check in after 22:00 tonight?',
						timestamp: T0,
						from: ANNA,
					},
				},
			],
			statuses: [],
			errors: [],
		});
	});

	it('builds conversation.id with conversationIdOf from the envelope module', () => {
		const event = onlyMessage('text.json');
		expect(event.conversation.id).toBe(conversationIdOf(event.conversation));
	});

	it('keeps reply-to and forwarded context', () => {
		const raw = rawValue('text-reply.json');
		const [reply, forwarded] = parseFixture('text-reply.json').messages;
		expect(reply.message).toMatchObject({
			text: 'Yes, that booking is mine',
			context: { replyToMessageId: raw.messages[0].context.id, from: '15550000001' },
		});
		expect(reply.message.context).not.toHaveProperty('forwarded');
		expect(forwarded.message.context).toEqual({ forwarded: true, frequentlyForwarded: true });
		expect(forwarded.message.timestamp).toBe('2026-11-21T12:00:05.000Z');
	});

	it('keeps the referred product of a product inquiry', () => {
		const event = onlyMessage('product-inquiry.json');
		expect(event.message.text).toBe('Does the family room have a cot?');
		expect(event.message.context?.referredProduct).toEqual({
			catalogId: '2300000000000001',
			productRetailerId: 'room-family-deluxe',
		});
	});

	it.each([
		['image.json', 'image', 'The shower in room 214 is leaking', { mimeType: 'image/jpeg', id: '1480000000000010' }],
		['video.json', 'video', 'Noise from the room next door, every night', { mimeType: 'video/mp4' }],
		[
			'document.json',
			'document',
			'My booking confirmation',
			{ filename: 'booking-confirmation.pdf', mimeType: 'application/pdf' },
		],
		['audio.json', 'audio', undefined, { voice: true, mimeType: 'audio/ogg; codecs=opus' }],
		['sticker.json', 'sticker', undefined, { animated: false, mimeType: 'image/webp' }],
	])('reads %s media with its caption as text', (name, kind, text, media) => {
		const raw = rawValue(name).messages[0][kind];
		const { message } = onlyMessage(name);
		expect(message.type).toBe(kind);
		expect(message.text).toBe(text);
		expect(message.media).toMatchObject({ kind, id: raw.id, sha256: raw.sha256, ...media });
		expect(message.media?.caption).toBe(text);
	});

	it('keeps the short-lived media URL when Meta includes one', () => {
		expect(onlyMessage('image.json').message.media?.url).toMatch(/^https:\/\/lookaside\.fbsbx\.com\//);
		expect(onlyMessage('video.json').message.media).not.toHaveProperty('url');
	});

	it('reads a location, describing it by name and address', () => {
		const { message } = onlyMessage('location.json');
		expect(message.text).toBe('Amsterdam Centraal, Stationsplein, 1012 AB Amsterdam');
		expect(message.location).toEqual({
			latitude: 52.378901,
			longitude: 4.900272,
			name: 'Amsterdam Centraal',
			address: 'Stationsplein, 1012 AB Amsterdam',
			url: 'https://www.ns.nl',
		});
	});

	it('reads shared contact cards and keeps the full card', () => {
		const raw = rawValue('contacts.json').messages[0].contacts[0];
		const { message } = onlyMessage('contacts.json');
		expect(message.text).toBeUndefined();
		expect(message.contacts).toEqual([
			{
				formattedName: 'Bram Jansen',
				organization: 'Jansen Reizen',
				phones: [
					{ phone: '+31 6 12345679', waId: '31612345679', type: 'CELL' },
					{ phone: '+31 30 1234567', type: 'WORK' },
				],
				emails: [{ email: 'bram.jansen@example.com', type: 'WORK' }],
				raw,
			},
		]);
	});

	it('uses the reply button title as text and keeps its id', () => {
		const raw = rawValue('interactive-button-reply.json').messages[0];
		const { message } = onlyMessage('interactive-button-reply.json');
		expect(message.text).toBe('Yes, please');
		expect(message.interactive).toEqual({ type: 'button_reply', id: 'late_checkin_yes', title: 'Yes, please' });
		expect(message.context?.replyToMessageId).toBe(raw.context.id);
	});

	it('uses the list row title as text and keeps id and description', () => {
		const { message } = onlyMessage('interactive-list-reply.json');
		expect(message.text).toBe('Breakfast in room');
		expect(message.interactive).toEqual({
			type: 'list_reply',
			id: 'room_service_breakfast',
			title: 'Breakfast in room',
			description: 'Served 07:00–10:30, €18.50 per person',
		});
	});

	it('keeps a Flow (nfm_reply) response both as sent and parsed', () => {
		const raw = rawValue('interactive-nfm-reply.json').messages[0].interactive.nfm_reply;
		const { message } = onlyMessage('interactive-nfm-reply.json');
		expect(message.text).toBe('Sent');
		expect(message.interactive).toEqual({
			type: 'nfm_reply',
			name: 'flow',
			body: 'Sent',
			responseJson: raw.response_json,
			response: {
				flow_token: 'late-checkin-BK-20261121-0042',
				arrival_time: '23:30',
				guests: '2',
				needs_parking: true,
			},
		});
	});

	it('uses a template quick-reply button text as text and keeps its payload', () => {
		const { message } = onlyMessage('button.json');
		expect(message.text).toBe('Talk to a person');
		expect(message.button).toEqual({ text: 'Talk to a person', payload: 'TALK_TO_A_PERSON' });
		expect(message.context?.from).toBe('15550000001');
	});

	it('reads reactions, and a removed reaction without an emoji', () => {
		const raw = rawValue('reaction.json');
		const [added, removed] = parseFixture('reaction.json').messages;
		expect(added.message.text).toBe('👍');
		expect(added.message.reaction).toEqual({ messageId: raw.messages[0].reaction.message_id, emoji: '👍' });
		expect(removed.message.text).toBeUndefined();
		expect(removed.message.reaction).toEqual({ messageId: raw.messages[1].reaction.message_id });
	});

	it('reads an order with its note as text', () => {
		const { message } = onlyMessage('order.json');
		expect(message.text).toBe('Please bring it to room 214 at 8');
		expect(message.order).toEqual({
			catalogId: '2300000000000001',
			text: 'Please bring it to room 214 at 8',
			productItems: [
				{ productRetailerId: 'breakfast-continental', quantity: 2, itemPrice: 18.5, currency: 'EUR' },
				{ productRetailerId: 'fresh-orange-juice', quantity: 1, itemPrice: 4.75, currency: 'EUR' },
			],
		});
	});

	it('reads system notices (number change, identity change) without a contacts list', () => {
		const [numberChange, identityChange] = parseFixture('system.json').messages;
		expect(numberChange.conversation.customer).toEqual({ waId: ANNA });
		expect(numberChange.message).toMatchObject({
			type: 'system',
			text: 'Anna de Vries changed their phone number to a new number 31687654321',
			system: { type: 'user_changed_number', newWaId: '31687654321' },
		});
		expect(identityChange.message.system).toEqual({
			type: 'customer_identity_changed',
			body: "Anna de Vries's security code changed",
			identity: 'Rk9vQmFySWRlbnRpdHlIYXNo',
			customer: ANNA,
		});
	});

	it('reads unsupported messages with their errors and the identity key hash', () => {
		const { message } = onlyMessage('unsupported.json');
		expect(message.type).toBe('unsupported');
		expect(message.text).toBeUndefined();
		expect(message.unsupported).toEqual({ type: 'poll_creation' });
		expect(message.errors).toEqual([
			{
				code: 131051,
				title: 'Message type unknown',
				message: 'Message type unknown',
				details: 'Message type is currently not supported.',
			},
		]);
		expect(message.identityKeyHash).toBe('Qm9va2luZ0lkZW50aXR5');
	});

	it('keeps messages of unknown (future) types whole, under their own type', () => {
		const raw = rawValue('unknown-type.json');
		const [welcome, poll] = parseFixture('unknown-type.json').messages;
		expect(welcome.message).toEqual({
			id: raw.messages[0].id,
			type: 'request_welcome',
			timestamp: T0,
			from: ANNA,
			raw: raw.messages[0],
		});
		expect(poll.message.type).toBe('poll_vote');
		expect(poll.message.raw).toEqual(raw.messages[1]);
		expect(poll.conversation).toEqual(annaConversation);
	});

	it('keeps the click-to-WhatsApp ad referral', () => {
		const event = onlyMessage('referral-ctwa.json');
		expect(event.conversation.customer).toEqual({ waId: '4915112345678', name: 'Jonas Weber' });
		expect(event.message.text).toBe('Hi, is the weekend offer still available for 2 people?');
		expect(event.message.referral).toEqual({
			sourceUrl: 'https://fb.me/3cr4Wqqkv',
			sourceId: '120210000000000001',
			sourceType: 'ad',
			headline: 'Weekend in Amsterdam – 20% off',
			body: 'Two nights in Amsterdam, breakfast included',
			mediaType: 'image',
			imageUrl: 'https://scontent.xx.fbcdn.net/v/t45.1600-4/fake_ad_image.jpg',
			ctwaClid: 'ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-GABDLOPaOdRMv',
			welcomeMessage: 'Hi! Ask us anything about the weekend offer.',
		});
	});

	it('keys a username-only customer (no phone number) on the user id', () => {
		const [first, second] = parseFixture('username-only.json').messages;
		const expectedConversation = {
			id: `whatsapp:1065000000001:${SOFIA_BSUID}`,
			channel: 'whatsapp',
			phoneNumberId: '1065000000001',
			displayPhoneNumber: '15550000001',
			wabaId: '1098000000001',
			customer: { userId: SOFIA_BSUID, name: 'Sofia', username: 'sofia.travels' },
		};
		expect(first.conversation).toEqual(expectedConversation);
		expect(first.message).not.toHaveProperty('from');
		expect(first.message.fromUserId).toBe(SOFIA_BSUID);
		// An empty `from` counts as absent; `user_id` on the message is read like `from_user_id`.
		expect(second.conversation).toEqual(expectedConversation);
		expect(second.message).not.toHaveProperty('from');
		expect(second.message).toMatchObject({ fromUserId: SOFIA_BSUID, text: 'And is it free for guests?' });
	});

	it('prefers the user id over the phone number when both are present', () => {
		const event = onlyMessage('bsuid-with-phone.json');
		expect(event.conversation.id).toBe(`whatsapp:1065000000001:${ANNA_BSUID}`);
		expect(event.conversation.customer).toEqual({ waId: ANNA, userId: ANNA_BSUID, name: 'Anna de Vries' });
		expect(event.message).toMatchObject({ from: ANNA, fromUserId: ANNA_BSUID });
	});

	it('takes the sender from the single contact when a message carries no sender id at all', () => {
		const body = textPayload();
		delete body.entry[0].changes[0].value.messages[0].from;
		const [event] = parseWebhookPayload(body).messages;
		expect(event.conversation).toEqual(annaConversation);
		expect(event.message).not.toHaveProperty('from');
		// With two contacts there is no telling who sent it.
		body.entry[0].changes[0].value.contacts.push({ profile: { name: 'Jonas Weber' }, wa_id: '4915112345678' });
		expect(payloadError(() => parseWebhookPayload(body)).message).toMatch(/has no customer id/);
	});

	it('does not join a contact whose ids differ from the sender', () => {
		const body = textPayload();
		body.entry[0].changes[0].value.contacts[0].wa_id = '4915112345678';
		const [event] = parseWebhookPayload(body).messages;
		expect(event.conversation.customer).toEqual({ waId: ANNA });
	});

	it('gives every inbound type the NLU text a person would read', () => {
		const texts = Object.fromEntries(
			[
				'text.json',
				'image.json',
				'video.json',
				'document.json',
				'location.json',
				'interactive-button-reply.json',
				'interactive-list-reply.json',
				'button.json',
				'order.json',
			].map((name) => [name, onlyMessage(name).message.text]),
		);
		expect(Object.values(texts).every((text) => typeof text === 'string' && text.length > 0)).toBe(true);
		expect(new Set(Object.values(texts)).size).toBe(Object.keys(texts).length);
	});
});

describe('parseWebhookBody: statuses', () => {
	it('reads a sent status with conversation, PMP pricing and callback data', () => {
		const raw = rawValue('status-sent.json').statuses[0];
		expect(onlyStatus('status-sent.json')).toEqual({
			conversation: { ...annaConversation, customer: { waId: ANNA } },
			status: {
				messageId: raw.id,
				status: 'sent',
				timestamp: T0,
				recipientId: ANNA,
				conversation: {
					id: 'c5d7e1f0a2b3c4d5e6f708192a3b4c5d',
					expiresAt: '2026-11-22T12:00:00.000Z',
					originType: 'utility',
				},
				pricing: { pricingModel: 'PMP', category: 'utility', type: 'regular', billable: true },
				callbackData: 'booking:BK-20261121-0042',
			},
		});
	});

	it('reads a delivered status in the free customer service window', () => {
		const { status } = onlyStatus('status-delivered.json');
		expect(status.status).toBe('delivered');
		expect(status.timestamp).toBe('2026-11-21T12:00:03.000Z');
		expect(status.pricing).toEqual({ pricingModel: 'PMP', category: 'service', type: 'free_customer_service' });
		expect(status).not.toHaveProperty('conversation');
		expect(status).not.toHaveProperty('callbackData');
	});

	it('joins a read status to its contact by user id (2026 payloads)', () => {
		const event = onlyStatus('status-read.json');
		expect(event.conversation.id).toBe(`whatsapp:1065000000001:${ANNA_BSUID}`);
		expect(event.conversation.customer).toEqual({ waId: ANNA, userId: ANNA_BSUID, name: 'Anna de Vries' });
		expect(event.status).toMatchObject({
			status: 'read',
			recipientId: ANNA,
			recipientUserId: ANNA_BSUID,
			pricing: { pricingModel: 'PMP', category: 'marketing', type: 'regular' },
			callbackData: 'campaign:autumn-weekend',
		});
	});

	it('joins a status contact by wa_id, but never guesses one for a status without recipient', () => {
		const body = fixtureJson('status-read.json');
		const value = body.entry[0].changes[0].value;
		delete value.statuses[0].recipient_user_id;
		delete value.contacts[0].user_id;
		expect(parseWebhookPayload(body).statuses[0].conversation.customer).toEqual({ waId: ANNA, name: 'Anna de Vries' });
		delete value.statuses[0].recipient_id;
		expect(payloadError(() => parseWebhookPayload(body)).path).toBe('entry[0].changes[0].value.statuses[0]');
	});

	it('reads a free entry-point status from a click-to-WhatsApp conversation', () => {
		const event = onlyStatus('status-free-entry-point.json');
		expect(event.conversation.customer).toEqual({ waId: '4915112345678' });
		expect(event.status.pricing).toEqual({ pricingModel: 'PMP', category: 'service', type: 'free_entry_point' });
		expect(event.status.conversation).toEqual({
			id: 'e1f2a3b4c5d6e7f8091a2b3c4d5e6f70',
			expiresAt: '2026-11-24T12:00:00.000Z',
			originType: 'referral_conversion',
		});
	});

	it.each([
		['status-failed-131047.json', 131047, 'Re-engagement message', /more than 24 hours/],
		['status-failed-131026.json', 131026, 'Message undeliverable', /Unable to deliver message/],
	])('reads a failed status with its error (%s)', (name, code, title, details) => {
		const { status } = onlyStatus(name);
		expect(status.status).toBe('failed');
		expect(status.errors).toHaveLength(1);
		expect(status.errors?.[0]).toMatchObject({ code, title, message: title });
		expect(status.errors?.[0].details).toMatch(details);
		expect(status).not.toHaveProperty('pricing');
	});

	it('keeps the error code reference link', () => {
		expect(onlyStatus('status-failed-131047.json').status.errors?.[0].href).toBe(
			'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
		);
		expect(onlyStatus('status-failed-131026.json').status.errors?.[0]).not.toHaveProperty('href');
	});

	it('reads a played status (voice message)', () => {
		const raw = rawValue('status-played.json').statuses[0];
		expect(onlyStatus('status-played.json').status).toEqual({
			messageId: raw.id,
			status: 'played',
			timestamp: '2026-11-21T12:02:00.000Z',
			recipientId: ANNA,
		});
	});
});

describe('parseWebhookBody: batches, other fields and account errors', () => {
	it('reads every entry and change of a batched POST, in order', () => {
		const parsed = parseFixture('batched.json');
		const summary = parsed.messages.map(({ conversation, message }) => [
			conversation.wabaId,
			conversation.phoneNumberId,
			message.text,
		]);
		expect(summary).toEqual([
			['1098000000001', '1065000000001', 'Is breakfast included?'],
			['1098000000001', '1065000000001', undefined],
			['1098000000001', '1065000000001', 'Also, where can I park?'],
			['1098000000002', '1065000000002', 'Talk to a person'],
			['1098000000002', '1065000000002', 'Duomo di Milano'],
			['1098000000002', '1065000000002', 'Grazie!'],
		]);
		expect(parsed.messages.map((event) => event.conversation.customer.name)).toEqual([
			'Anna de Vries',
			'Jonas Weber',
			'Anna de Vries',
			'Luca Rossi',
			'Luca Rossi',
			'Luca Rossi',
		]);
		expect(parsed.messages[1].conversation.id).toBe('whatsapp:1065000000001:4915112345678');
		expect(parsed.messages[3].conversation.displayPhoneNumber).toBe('15550000002');
		expect(parsed.statuses.map((event) => [event.conversation.wabaId, event.status.status])).toEqual([
			['1098000000001', 'read'],
			['1098000000001', 'delivered'],
			['1098000000002', 'sent'],
		]);
		expect(parsed.errors).toEqual([
			{
				channel: 'whatsapp',
				wabaId: '1098000000002',
				phoneNumberId: '1065000000002',
				displayPhoneNumber: '15550000002',
				error: {
					code: 130429,
					title: 'Rate limit hit',
					message: 'Rate limit hit',
					details: 'Cloud API message throughput has been reached.',
				},
			},
		]);
	});

	it('gives dedupe keys: the message id, and message id + status', () => {
		const parsed = parseFixture('batched.json');
		const messageKeys = parsed.messages.map(messageEventKey);
		expect(messageKeys).toEqual(parsed.messages.map((event) => event.message.id));
		expect(new Set(messageKeys).size).toBe(6);
		const [read, delivered] = parsed.statuses;
		expect(read.status.messageId).toBe(delivered.status.messageId);
		expect(statusEventKey(read)).toBe(`${read.status.messageId}:read`);
		expect(statusEventKey(delivered)).toBe(`${read.status.messageId}:delivered`);
	});

	it('produces the same keys when Meta delivers the same POST again', () => {
		const first = parseFixture('batched.json');
		const again = parseFixture('batched.json');
		expect(again.messages.map(messageEventKey)).toEqual(first.messages.map(messageEventKey));
		expect(again.statuses.map(statusEventKey)).toEqual(first.statuses.map(statusEventKey));
	});

	it('ignores changes of other fields (account_update, template status)', () => {
		expect(parseFixture('non-messages-field.json')).toEqual({ messages: [], statuses: [], errors: [] });
	});

	it('turns value-level errors into error events', () => {
		expect(parseFixture('value-errors.json')).toEqual({
			messages: [],
			statuses: [],
			errors: [
				{
					channel: 'whatsapp',
					wabaId: '1098000000001',
					phoneNumberId: '1065000000001',
					displayPhoneNumber: '15550000001',
					error: {
						code: 131000,
						title: 'Something went wrong',
						message: 'Something went wrong',
						details: 'The phone number could not process the webhook event.',
						href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
					},
				},
			],
		});
	});

	it('accepts an empty entry list and a change without messages', () => {
		expect(parseWebhookPayload({ object: 'whatsapp_business_account', entry: [] })).toEqual({
			messages: [],
			statuses: [],
			errors: [],
		});
		const body = fixtureJson('text.json');
		delete body.entry[0].changes[0].value.messages;
		expect(parseWebhookPayload(body).messages).toEqual([]);
	});

	it('gives parseWebhookPayload and parseWebhookBody the same result', () => {
		expect(parseWebhookPayload(fixtureJson('batched.json'))).toEqual(parseFixture('batched.json'));
		expect(parseWebhookBody(fixtureBytes('text.json').toString('utf8'))).toEqual(parseFixture('text.json'));
	});
});

/** A valid one-message payload to break in one place per test. */
function textPayload(): Json {
	return fixtureJson('text.json');
}
function statusPayload(): Json {
	return fixtureJson('status-sent.json');
}

describe('parseWebhookBody: payloads that are not WhatsApp webhooks', () => {
	it.each([
		['invalid-messenger-object.json', undefined, /"object" must be "whatsapp_business_account", got "page"/],
		['invalid-entry-not-array.json', 'entry', /entry must be an array, got an object/],
		['invalid-change-without-value.json', 'entry[0].changes[0].value', /value is missing/],
		[
			'invalid-message-without-id.json',
			'entry[0].changes[0].value.messages[0].id',
			/must be a non-empty string, got nothing/,
		],
		[
			'invalid-bad-timestamp.json',
			'entry[0].changes[0].value.messages[0].timestamp',
			/must be a unix timestamp in seconds, got "yesterday"/,
		],
		['invalid-no-sender.json', 'entry[0].changes[0].value.messages[0]', /has no customer id/],
		['invalid-wrong-types.json', 'entry[0].changes[0].value.messages[0].text.body', /must be a string, got a number/],
	])('rejects %s with a 400 naming the problem', (name, path, message) => {
		const error = payloadError(() => parseFixture(name));
		expect(error.statusCode).toBe(400);
		expect(error.name).toBe('WebhookPayloadError');
		expect(error.message).toMatch(message);
		if (path) expect(error.path).toBe(path);
		else expect(error.path).toBe('object');
	});

	it.each([
		['empty body', ''],
		['truncated JSON', '{"object":"whatsapp_business_account","entry":['],
		['not JSON', 'hub.mode=subscribe&hub.challenge=1'],
		['trailing garbage', '{"object":"whatsapp_business_account","entry":[]} x'],
	])('rejects malformed JSON (%s)', (_case, raw) => {
		const error = payloadError(() => parseWebhookBody(raw));
		expect(error.statusCode).toBe(400);
		expect(error.message).toMatch(/^Malformed JSON: /);
	});

	it('rejects bytes that are not UTF-8 JSON', () => {
		const error = payloadError(() => parseWebhookBody(Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00])));
		expect(error.message).toMatch(/^Malformed JSON: /);
	});

	it('rejects a body that is neither bytes nor a string', () => {
		const error = payloadError(() => parseWebhookBody({ object: 'whatsapp_business_account' } as unknown as string));
		expect(error.message).toMatch(/must be raw bytes or a string, got an object/);
	});

	it.each([
		['null', null, /must be a JSON object, got null/],
		['an array', [], /must be a JSON object, got an array/],
		['a string', 'whatsapp_business_account', /must be a JSON object, got a string/],
		['a number', 42, /must be a JSON object, got a number/],
		['no object field', { entry: [] }, /"object" must be "whatsapp_business_account", got nothing/],
		['a non-string object field', { object: 7, entry: [] }, /got a number/],
	])('rejects a body that is %s', (_case, body, message) => {
		expect(payloadError(() => parseWebhookPayload(body)).message).toMatch(message);
	});

	type Breakage = [string, (body: Json) => void, string, RegExp];
	const breakMessage = (change: (message: Json) => void) => (body: Json) =>
		change(body.entry[0].changes[0].value.messages[0]);
	const breakStatus = (change: (status: Json) => void) => (body: Json) =>
		change(body.entry[0].changes[0].value.statuses[0]);
	const message = 'entry[0].changes[0].value.messages[0]';
	const status = 'entry[0].changes[0].value.statuses[0]';

	it.each<Breakage>([
		['entry missing', (body) => delete body.entry, 'entry', /must be an array, got nothing/],
		['entry item not an object', (body) => (body.entry = ['x']), 'entry[0]', /must be an object, got a string/],
		['entry id missing', (body) => delete body.entry[0].id, 'entry[0].id', /non-empty string/],
		['entry id a number', (body) => (body.entry[0].id = 1098000000001), 'entry[0].id', /got a number/],
		['changes missing', (body) => delete body.entry[0].changes, 'entry[0].changes', /must be an array/],
		['change not an object', (body) => (body.entry[0].changes = [null]), 'entry[0].changes[0]', /got null/],
		['field missing', (body) => delete body.entry[0].changes[0].field, 'entry[0].changes[0].field', /non-empty string/],
		['value null', (body) => (body.entry[0].changes[0].value = null), 'entry[0].changes[0].value', /is missing/],
		[
			'value not an object',
			(body) => (body.entry[0].changes[0].value = 'messages'),
			'entry[0].changes[0].value',
			/must be an object, got a string/,
		],
		[
			'metadata missing',
			(body) => delete body.entry[0].changes[0].value.metadata,
			'entry[0].changes[0].value.metadata',
			/must be an object/,
		],
		[
			'phone_number_id empty',
			(body) => (body.entry[0].changes[0].value.metadata.phone_number_id = ''),
			'entry[0].changes[0].value.metadata.phone_number_id',
			/got an empty string/,
		],
		[
			'display_phone_number a number',
			(body) => (body.entry[0].changes[0].value.metadata.display_phone_number = 15550000001),
			'entry[0].changes[0].value.metadata.display_phone_number',
			/must be a string/,
		],
		[
			'contacts not an array',
			(body) => (body.entry[0].changes[0].value.contacts = { wa_id: ANNA }),
			'entry[0].changes[0].value.contacts',
			/must be an array/,
		],
		[
			'contact profile not an object',
			(body) => (body.entry[0].changes[0].value.contacts[0].profile = 'Anna'),
			'entry[0].changes[0].value.contacts[0].profile',
			/must be an object/,
		],
		[
			'messages not an array',
			(body) => (body.entry[0].changes[0].value.messages = {}),
			'entry[0].changes[0].value.messages',
			/must be an array, got an object/,
		],
		['message not an object', (body) => (body.entry[0].changes[0].value.messages = [[]]), message, /got an array/],
		['message type missing', breakMessage((m) => delete m.type), `${message}.type`, /non-empty string/],
		['timestamp missing', breakMessage((m) => delete m.timestamp), `${message}.timestamp`, /got nothing/],
		['timestamp out of range', breakMessage((m) => (m.timestamp = '1e20')), `${message}.timestamp`, /unix timestamp/],
		[
			'timestamp beyond the Date range',
			breakMessage((m) => (m.timestamp = 9e12)),
			`${message}.timestamp`,
			/unix timestamp in seconds, got a number/,
		],
		['from a number', breakMessage((m) => (m.from = 31612345678)), `${message}.from`, /must be a string/],
		['text object missing', breakMessage((m) => delete m.text), `${message}.text`, /must be an object/],
		[
			'image without an id',
			breakMessage((m) => {
				m.type = 'image';
				m.image = { mime_type: 'image/jpeg' };
			}),
			`${message}.image.id`,
			/non-empty string/,
		],
		[
			'audio voice flag a string',
			breakMessage((m) => {
				m.type = 'audio';
				m.audio = { id: '1', voice: 'yes' };
			}),
			`${message}.audio.voice`,
			/must be a boolean/,
		],
		[
			'location without latitude',
			breakMessage((m) => {
				m.type = 'location';
				m.location = { longitude: 4.9 };
			}),
			`${message}.location.latitude`,
			/must be a number, got nothing/,
		],
		[
			'contacts not an array',
			breakMessage((m) => {
				m.type = 'contacts';
				m.contacts = {};
			}),
			`${message}.contacts`,
			/must be an array/,
		],
		[
			'interactive without a type',
			breakMessage((m) => {
				m.type = 'interactive';
				m.interactive = { button_reply: { id: 'a', title: 'A' } };
			}),
			`${message}.interactive.type`,
			/non-empty string/,
		],
		[
			'button reply without an id',
			breakMessage((m) => {
				m.type = 'interactive';
				m.interactive = { type: 'button_reply', button_reply: { title: 'A' } };
			}),
			`${message}.interactive.button_reply.id`,
			/non-empty string/,
		],
		[
			'list reply without its object',
			breakMessage((m) => {
				m.type = 'interactive';
				m.interactive = { type: 'list_reply' };
			}),
			`${message}.interactive.list_reply`,
			/must be an object/,
		],
		[
			'button without text',
			breakMessage((m) => {
				m.type = 'button';
				m.button = { payload: 'X' };
			}),
			`${message}.button.text`,
			/non-empty string/,
		],
		[
			'reaction without message id',
			breakMessage((m) => {
				m.type = 'reaction';
				m.reaction = { emoji: '👍' };
			}),
			`${message}.reaction.message_id`,
			/non-empty string/,
		],
		[
			'order item without a retailer id',
			breakMessage((m) => {
				m.type = 'order';
				m.order = { product_items: [{ quantity: 1 }] };
			}),
			`${message}.order.product_items[0].product_retailer_id`,
			/non-empty string/,
		],
		[
			'order quantity not numeric',
			breakMessage((m) => {
				m.type = 'order';
				m.order = { product_items: [{ product_retailer_id: 'a', quantity: 'two' }] };
			}),
			`${message}.order.product_items[0].quantity`,
			/must be a number, got a string/,
		],
		[
			'system body not a string',
			breakMessage((m) => {
				m.type = 'system';
				m.system = { body: ['x'] };
			}),
			`${message}.system.body`,
			/must be a string, got an array/,
		],
		[
			'unsupported details not an object',
			breakMessage((m) => {
				m.type = 'unsupported';
				m.unsupported = 'poll';
			}),
			`${message}.unsupported`,
			/must be an object/,
		],
		['context not an object', breakMessage((m) => (m.context = 'reply')), `${message}.context`, /must be an object/],
		[
			'forwarded not a boolean',
			breakMessage((m) => (m.context = { forwarded: 'true' })),
			`${message}.context.forwarded`,
			/must be a boolean/,
		],
		[
			'referred product without catalog id',
			breakMessage((m) => (m.context = { referred_product: { product_retailer_id: 'x' } })),
			`${message}.context.referred_product.catalog_id`,
			/non-empty string/,
		],
		[
			'referral field a number',
			breakMessage((m) => (m.referral = { source_id: 120210000000000001 })),
			`${message}.referral.source_id`,
			/must be a string/,
		],
		[
			'message error without code',
			breakMessage((m) => (m.errors = [{ title: 'x' }])),
			`${message}.errors[0].code`,
			/must be a number, got nothing/,
		],
		[
			'value errors not an array',
			(body) => (body.entry[0].changes[0].value.errors = { code: 1 }),
			'entry[0].changes[0].value.errors',
			/must be an array/,
		],
	])('rejects %s', (_case, breakIt, path, problem) => {
		const body = textPayload();
		breakIt(body);
		const error = payloadError(() => parseWebhookPayload(body));
		expect(error.path).toBe(path);
		expect(error.message).toMatch(problem);
		expect(error.message).toContain(path);
		// The same body arriving as raw bytes fails the same way.
		expect(payloadError(() => parseWebhookBody(Buffer.from(JSON.stringify(body)))).message).toBe(error.message);
	});

	it.each<Breakage>([
		['status id missing', breakStatus((s) => delete s.id), `${status}.id`, /non-empty string/],
		['status missing', breakStatus((s) => delete s.status), `${status}.status`, /non-empty string/],
		['status timestamp bad', breakStatus((s) => (s.timestamp = 'now')), `${status}.timestamp`, /unix timestamp/],
		[
			'no recipient at all',
			breakStatus((s) => delete s.recipient_id),
			status,
			/has no customer id \(neither a wa_id \/ phone number nor a user_id\)/,
		],
		['conversation id missing', breakStatus((s) => delete s.conversation.id), `${status}.conversation.id`, /non-empty/],
		[
			'conversation expiry bad',
			breakStatus((s) => (s.conversation.expiration_timestamp = 'tomorrow')),
			`${status}.conversation.expiration_timestamp`,
			/unix timestamp/,
		],
		['pricing not an object', breakStatus((s) => (s.pricing = 'PMP')), `${status}.pricing`, /must be an object/],
		[
			'billable not a boolean',
			breakStatus((s) => (s.pricing.billable = 'true')),
			`${status}.pricing.billable`,
			/must be a boolean/,
		],
		['errors not an array', breakStatus((s) => (s.errors = {})), `${status}.errors`, /must be an array/],
		[
			'error code not numeric',
			breakStatus((s) => (s.errors = [{ code: 'outside window' }])),
			`${status}.errors[0].code`,
			/must be a number/,
		],
		[
			'error data not an object',
			breakStatus((s) => (s.errors = [{ code: 131047, error_data: 'x' }])),
			`${status}.errors[0].error_data`,
			/must be an object/,
		],
		[
			'callback data not a string',
			breakStatus((s) => (s.biz_opaque_callback_data = { booking: 1 })),
			`${status}.biz_opaque_callback_data`,
			/must be a string/,
		],
	])('rejects a status with %s', (_case, breakIt, path, problem) => {
		const body = statusPayload();
		breakIt(body);
		const error = payloadError(() => parseWebhookPayload(body));
		expect(error.path).toBe(path);
		expect(error.message).toMatch(problem);
	});

	it('still requires `value` on changes of other fields, but ignores its contents', () => {
		const body = fixtureJson('non-messages-field.json');
		body.entry[0].changes[0].value = 'anything';
		expect(parseWebhookPayload(body).messages).toEqual([]);
		delete body.entry[0].changes[1].value;
		expect(payloadError(() => parseWebhookPayload(body)).path).toBe('entry[0].changes[1].value');
	});

	it('treats prototype names as ordinary unknown types and ignores inherited properties', () => {
		for (const type of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
			const unknownMessage = { id: 'm', from: '3', timestamp: '1', type };
			const value = { metadata: { phone_number_id: '2' }, messages: [unknownMessage] };
			const raw = JSON.stringify({
				object: 'whatsapp_business_account',
				entry: [{ id: '1', changes: [{ field: 'messages', value }] }],
			});
			const [event] = parseWebhookBody(raw).messages;
			expect(event.message.type).toBe(type);
			expect(event.message.raw).toEqual(JSON.parse(raw).entry[0].changes[0].value.messages[0]);
		}
		// A polluted Object.prototype must not stand in for a missing field.
		const prototype = Object.prototype as Json;
		prototype.text = { body: 'from the prototype' };
		try {
			const body = textPayload();
			delete body.entry[0].changes[0].value.messages[0].text;
			expect(payloadError(() => parseWebhookPayload(body)).path).toBe('entry[0].changes[0].value.messages[0].text');
		} finally {
			delete prototype.text;
		}
	});

	it('accepts numeric timestamps and numeric strings where Meta sends numbers', () => {
		const body = textPayload();
		body.entry[0].changes[0].value.messages[0].timestamp = 1795262400;
		expect(parseWebhookPayload(body).messages[0].message.timestamp).toBe(T0);
		const order = fixtureJson('order.json');
		order.entry[0].changes[0].value.messages[0].order.product_items[0].quantity = '3';
		expect(parseWebhookPayload(order).messages[0].message.order?.productItems[0].quantity).toBe(3);
	});

	it('wraps anything unforeseen (here a throwing getter) in a WebhookPayloadError', () => {
		const hostile = {
			object: 'whatsapp_business_account',
			get entry(): unknown {
				throw new RangeError('boom');
			},
		};
		const error = payloadError(() => parseWebhookPayload(hostile));
		expect(error.message).toBe('Unreadable webhook payload: boom');
		expect(error.cause).toBeInstanceOf(RangeError);
		expect(error.statusCode).toBe(400);
	});
});

// ---------------------------------------------------------------------------------------------------------
// Storable text and bounded nesting: what the store (PostgreSQL text and jsonb) and n8n can keep.

describe('storableText and normaliseJson', () => {
	it('removes NUL characters and replaces lone surrogates, keeping surrogate pairs (emoji) intact', () => {
		expect(storableText('a\u0000b\u0000')).toBe('ab');
		expect(storableText('x\ud800y')).toBe('x\ufffdy');
		expect(storableText('\udc00 at the start, high at the end \ud83d')).toBe('\ufffd at the start, high at the end \ufffd');
		expect(storableText('👍🏽 مرحبا \u200f\u200b ok')).toBe('👍🏽 مرحبا \u200f\u200b ok');
		expect(storableText('\ude00\ud83d')).toBe('\ufffd\ufffd');
	});

	it('copies JSON with clean strings and keys, keeping __proto__ an ordinary property', () => {
		const parsed = JSON.parse('{"a\\u0000":["\\ud800",{"__proto__":{"polluted":true}}],"n":1,"t":true,"z":null}') as unknown;
		const copy = normaliseJson(parsed) as Record<string, unknown>;
		expect(Object.keys(copy)).toEqual(['a', 'n', 't', 'z']);
		const [text, holder] = copy.a as [string, Record<string, unknown>];
		expect(text).toBe('\ufffd');
		expect(Object.getPrototypeOf(holder)).toBe(Object.prototype);
		expect(Object.prototype.hasOwnProperty.call(holder, '__proto__')).toBe(true);
		expect((holder as { polluted?: boolean }).polluted).toBeUndefined();
		expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
	});

	it(`refuses nesting deeper than ${MAX_WEBHOOK_DEPTH} levels without overflowing the stack`, () => {
		const nested = (depth: number) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;
		expect(() => normaliseJson(nested(MAX_WEBHOOK_DEPTH))).not.toThrow();
		expect(() => normaliseJson(nested(MAX_WEBHOOK_DEPTH + 1))).toThrow(WebhookPayloadError);
		expect(() => normaliseJson(nested(500_000))).toThrow(/nests deeper than 64 levels/);
	});

	it('gives events storable text, and a 400 for a deep body hiding in an unknown field', () => {
		const body = (text: string, extra = '') =>
			`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1065000000001"},` +
			`"contacts":[{"wa_id":"31600000001","profile":{"name":"Ann\\u0000a"}}],"messages":[{"from":"31600000001","id":"wamid.n","timestamp":"1795262400","type":"text","text":{"body":${text}}${extra}}]}}]}]}`;
		const [event] = parseWebhookBody(body('"hi\\u0000 \\udfff"')).messages;
		expect(event.message.text).toBe('hi \ufffd');
		expect(event.conversation.customer.name).toBe('Anna');
		const deep = `,"x":${'{"y":'.repeat(100)}1${'}'.repeat(100)}`;
		expect(payloadError(() => parseWebhookBody(body('"hi"', deep))).message).toMatch(/nests deeper than 64 levels/);
	});

	it('refuses a sender or contact id that is not a phone number, since no reply could reach it', () => {
		const payload = (from: string, waId = '31600000001') =>
			`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1065000000001"},` +
			`"contacts":[{"wa_id":${JSON.stringify(waId)}}],"messages":[{"from":${JSON.stringify(from)},"id":"wamid.f","timestamp":"1795262400","type":"text","text":{"body":"hi"}}]}}]}]}`;
		expect(parseWebhookBody(payload('31600000001')).messages[0].conversation.customer.waId).toBe('31600000001');
		expect(parseWebhookBody(payload('+31600000001', '+31600000001')).messages).toHaveLength(1);
		// Empty means "no phone number" (username customers): the single contact's id is used.
		expect(parseWebhookBody(payload('')).messages[0].conversation.customer.waId).toBe('31600000001');
		for (const from of ['4912000}3274', '491\ufffd10005155', '4912\u007f0003274', 'US.1349120865']) {
			expect(payloadError(() => parseWebhookBody(payload(from))).path).toBe('entry[0].changes[0].value.messages[0].from');
		}
		expect(payloadError(() => parseWebhookBody(payload('31600000001', 'abc'))).path).toBe('entry[0].changes[0].value.contacts[0].wa_id');
	});

	it('keeps a Flow response only when it is storable and shallow enough', () => {
		const flow = (responseJson: string) =>
			parseWebhookPayload({
				object: 'whatsapp_business_account',
				entry: [
					{
						id: '1',
						changes: [
							{
								field: 'messages',
								value: {
									metadata: { phone_number_id: '1065000000001' },
									messages: [
										{
											from: '31600000001',
											id: 'wamid.flow',
											timestamp: '1795262400',
											type: 'interactive',
											interactive: { type: 'nfm_reply', nfm_reply: { name: 'flow', body: 'Sent', response_json: responseJson } },
										},
									],
								},
							},
						],
					},
				],
			}).messages[0].message.interactive;
		expect(flow('{"date":"2026-12-24\\u0000"}')?.response).toEqual({ date: '2026-12-24' });
		const deep = flow(`{"a":${'['.repeat(1000)}${']'.repeat(1000)}}`);
		expect(deep?.response).toBeUndefined();
		expect(deep?.responseJson).toMatch(/^\{"a":\[\[/);
	});
});

// ---------------------------------------------------------------------------------------------------------
// Property-style: thousands of random and mutated bodies, from a fixed seed so failures reproduce.

function mulberry32(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const KEYS = [
	'object', 'entry', 'id', 'changes', 'field', 'value', 'metadata', 'phone_number_id', 'display_phone_number',
	'contacts', 'profile', 'name', 'wa_id', 'user_id', 'from_user_id', 'messages', 'statuses', 'errors', 'from',
	'timestamp', 'type', 'text', 'body', 'image', 'interactive', 'button_reply', 'title', 'context', 'referral',
	'recipient_id', 'status', 'pricing', 'conversation', 'code', '__proto__', 'constructor', 'toString',
];
const STRINGS = [
	'', 'whatsapp_business_account', 'messages', 'text', 'image', 'interactive', 'button_reply', 'unsupported',
	'1795262400', '-1', '1e400', '9'.repeat(30), 'NaN', 'wamid.HBgL', '31612345678', 'US.134912', '👍', '\u0000',
	'x'.repeat(10_000), '__proto__',
];
const FIXTURES_TO_MUTATE = [
	'text.json', 'batched.json', 'status-sent.json', 'status-read.json', 'interactive-nfm-reply.json', 'order.json',
	'contacts.json', 'username-only.json', 'unsupported.json', 'referral-ctwa.json', 'system.json', 'location.json',
];

describe('parseWebhookBody: property check on random and mutated bodies', () => {
	const random = mulberry32(0x5eed_2026);
	const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

	function randomValue(depth: number): unknown {
		const roll = random();
		if (depth <= 0 || roll < 0.35) {
			return pick<unknown>([
				null,
				true,
				false,
				0,
				-1,
				1795262400,
				1e308,
				-1e308,
				0.5,
				Number.MAX_SAFE_INTEGER,
				pick(STRINGS),
				Math.floor(random() * 1e12),
			]);
		}
		if (roll < 0.6) return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(depth - 1));
		const object: Json = {};
		for (let index = Math.floor(random() * 5); index > 0; index--) object[pick(KEYS)] = randomValue(depth - 1);
		if (random() < 0.3) object.object = 'whatsapp_business_account';
		return object;
	}

	/** Replaces, deletes or wraps one randomly chosen node of a valid payload. */
	function mutate(body: Json): unknown {
		const containers: Array<Json | unknown[]> = [];
		const walk = (node: unknown) => {
			if (node && typeof node === 'object') {
				containers.push(node as Json);
				for (const child of Object.values(node)) walk(child);
			}
		};
		walk(body);
		for (let count = random() < 0.7 ? 1 : 2; count > 0; count--) {
			const container = pick(containers) as Json;
			const keys = Object.keys(container);
			if (keys.length === 0) continue;
			const key = pick(keys);
			const action = random();
			if (action < 0.3) delete container[key];
			else if (action < 0.8) container[key] = randomValue(3);
			else if (action < 0.9) container[key] = [container[key]];
			else container[key] = String(container[key]);
		}
		return body;
	}

	function randomRawBody(): Buffer | string {
		const roll = random();
		if (roll < 0.25) {
			const text = fixtureBytes(pick(FIXTURES_TO_MUTATE)).toString('utf8');
			return text.slice(0, Math.floor(random() * text.length));
		}
		if (roll < 0.45) {
			const bytes = Buffer.from(fixtureBytes(pick(FIXTURES_TO_MUTATE)));
			for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) {
				bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
			}
			return bytes;
		}
		if (roll < 0.5) {
			// Mostly moderate nesting, sometimes very deep (JSON.parse must not overflow the stack, nor may we).
			const depth = random() < 0.05 ? 200_000 : 1 + Math.floor(random() * 5_000);
			return random() < 0.5 ? '['.repeat(depth) + ']'.repeat(depth) : '{"object":'.repeat(depth) + '1' + '}'.repeat(depth);
		}
		if (roll < 0.6) return JSON.stringify(randomValue(6));
		return JSON.stringify(mutate(fixtureJson(pick(FIXTURES_TO_MUTATE))));
	}

	function expectWellFormed(parsed: ParsedWebhook): void {
		expect(Array.isArray(parsed.messages) && Array.isArray(parsed.statuses) && Array.isArray(parsed.errors)).toBe(true);
		const isoDate = /^[-+]?\d{4,6}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
		for (const event of [...parsed.messages, ...parsed.statuses]) {
			expect(event.conversation.channel).toBe('whatsapp');
			expect(event.conversation.id).toBe(conversationIdOf(event.conversation));
		}
		for (const { message } of parsed.messages) {
			expect(typeof message.id === 'string' && message.id.length > 0).toBe(true);
			expect(typeof message.type === 'string' && message.type.length > 0).toBe(true);
			expect(message.timestamp).toMatch(isoDate);
			if (message.text !== undefined) expect(typeof message.text).toBe('string');
		}
		for (const { status } of parsed.statuses) {
			expect(status.timestamp).toMatch(isoDate);
			expect(statusEventKey({ status } as StatusEvent)).toBe(`${status.messageId}:${status.status}`);
		}
		for (const { error } of parsed.errors) expect(Number.isFinite(error.code)).toBe(true);
	}

	it('only ever returns a ParsedWebhook or throws WebhookPayloadError (4000 bodies)', () => {
		let accepted = 0;
		let rejected = 0;
		let acceptedEvents = 0;
		for (let iteration = 0; iteration < 4000; iteration++) {
			const raw = randomRawBody();
			let parsed: ParsedWebhook | undefined;
			try {
				parsed = parseWebhookBody(raw);
			} catch (error) {
				if (!(error instanceof WebhookPayloadError)) {
					throw new Error(`Iteration ${iteration} threw ${String(error)} for ${String(raw).slice(0, 300)}`);
				}
				expect(error.statusCode).toBe(400);
				// Only JSON.parse failures carry a cause; any other cause means the safety net caught a bug.
				if (error.cause !== undefined) expect(error.message).toMatch(/^Malformed JSON: /);
				rejected++;
				continue;
			}
			expectWellFormed(parsed);
			accepted++;
			acceptedEvents += parsed.messages.length + parsed.statuses.length + parsed.errors.length;
		}
		// The generator must exercise both outcomes, or the loop proves little.
		expect(accepted).toBeGreaterThan(300);
		expect(rejected).toBeGreaterThan(1000);
		expect(acceptedEvents).toBeGreaterThan(300);
	});
});

describe('fixtures', () => {
	it('are all exercised by this suite', () => {
		const files = readdirSync(FIXTURE_DIR).filter((name) => name.endsWith('.json'));
		expect(files.length).toBeGreaterThan(30);
		expect(files.filter((name) => !usedFixtures.has(name))).toEqual([]);
	});
});
