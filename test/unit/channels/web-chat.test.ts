// The web chat channel's domain (nodes/domain/channels/web): signed sessions and customer identities,
// request limits, what the trigger answers before an execution starts, the envelope and the store records,
// the live feed, and the widget script's size budget. Store parts run on both backends.
import { gzipSync } from 'node:zlib';

import {
	acceptMessage,
	announceWebMessage,
	conversationIdForSession,
	deliverWebMessages,
	isOriginAllowed,
	issueSession,
	parseAllowedOrigins,
	parseJsonBody,
	RateLimiter,
	readFeed,
	signCustomerIdentity,
	startSession,
	verifyCustomerIdentity,
	verifySession,
	waitForFeed,
	webMessageFromCloudPayload,
	widgetScript,
	WIDGET_STRINGS,
	WebDeliveryError,
	type WebChatConfig,
} from '../../../nodes/domain/channels/web';
import { closeAllSupportStores, openSupportStore, type SupportStore } from '../../../nodes/domain/store';
import { buildButtonsMessage, buildTemplateMessage, buildTextMessages } from '../../../nodes/domain/whatsapp/outbound';
import { storeBackendFixtures } from '../../helpers/store-backends';

const SECRET = 'unit-web-chat-secret';
const NOW = Date.parse('2026-03-14T10:00:00Z');

function config(overrides: Partial<WebChatConfig> = {}): WebChatConfig {
	return {
		secret: SECRET,
		siteId: 'hotel',
		allowedOrigins: ['https://hotel.example'],
		sessionLifetimeSeconds: 3600,
		maxMessageLength: 50,
		maxBodyBytes: 1024,
		messagesPerMinutePerSession: 3,
		requestsPerMinutePerIp: 5,
		limiter: new RateLimiter(),
		now: () => NOW,
		...overrides,
	};
}

describe('web chat sessions', () => {
	it('verifies a session it issued, and refuses one signed with another secret, tampered, expired or malformed', () => {
		const { token, session } = issueSession(SECRET, { lifetimeSeconds: 60, now: NOW });
		expect(verifySession(SECRET, token, NOW + 59_000)).toEqual({ valid: true, session });
		expect(verifySession('other-secret', token, NOW)).toEqual({ valid: false, reason: 'forged' });
		expect(verifySession(SECRET, token, NOW + 60_000)).toEqual({ valid: false, reason: 'expired' });
		const [version, body, signature] = token.split('.');
		const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
		const stretched = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp as number + 86_400 })).toString('base64url');
		expect(verifySession(SECRET, `${version}.${stretched}.${signature}`, NOW)).toEqual({ valid: false, reason: 'forged' });
		expect(verifySession(SECRET, 'not-a-token', NOW)).toEqual({ valid: false, reason: 'malformed' });
		expect(verifySession(SECRET, undefined, NOW)).toEqual({ valid: false, reason: 'missing' });
	});

	it('links a vouched-for phone to the WhatsApp customer and an e-mail to a hashed user id; a wrong signature links nothing', () => {
		const phone = { phone: '+31 6 1234 5678', signature: signCustomerIdentity(SECRET, { phone: '0031612345678'.replace(/^00/, '') }) };
		expect(verifyCustomerIdentity(SECRET, phone)).toEqual({ waId: '31612345678' });
		const email = { email: 'Anneke@Example.com ', signature: signCustomerIdentity(SECRET, { email: 'anneke@example.com' }) };
		const customer = verifyCustomerIdentity(SECRET, email);
		expect(customer?.userId).toMatch(/^email:[0-9a-f]{32}$/);
		expect(JSON.stringify(customer)).not.toContain('anneke');
		expect(verifyCustomerIdentity(SECRET, { ...email, signature: signCustomerIdentity('other', email) })).toBeUndefined();
		expect(verifyCustomerIdentity(SECRET, { email: 'anneke@example.com' })).toBeUndefined();

		const { session } = issueSession(SECRET, { lifetimeSeconds: 60, customer: { waId: '31612345678' } });
		expect(conversationIdForSession(session, 'hotel')).toBe('web:hotel:31612345678');
		const anonymous = issueSession(SECRET, { lifetimeSeconds: 60 }).session;
		expect(conversationIdForSession(anonymous, 'hotel')).toBe(`web:hotel:web:${anonymous.sessionId}`);
	});

	it('starts a session (201) only for a matching identity signature (else 401)', () => {
		const started = startSession(config(), {});
		expect(started.statusCode).toBe(201);
		expect(verifySession(SECRET, started.body.session, NOW).valid).toBe(true);
		const bad = startSession(config(), { identity: { email: 'a@b.example', signature: 'f'.repeat(64) } });
		expect(bad.statusCode).toBe(401);
	});
});

describe('web chat request checks', () => {
	it('allows listed origins, any with *, and requests without an Origin header', () => {
		const allowed = parseAllowedOrigins('https://hotel.example/, https://www.hotel.example');
		expect(allowed).toEqual(['https://hotel.example', 'https://www.hotel.example']);
		expect(isOriginAllowed('https://hotel.example', allowed)).toBe(true);
		expect(isOriginAllowed('https://evil.example', allowed)).toBe(false);
		expect(isOriginAllowed(undefined, allowed)).toBe(true);
		expect(isOriginAllowed('https://evil.example', parseAllowedOrigins(''))).toBe(true);
	});

	it('answers 400 for bodies that are not a JSON object and 413 for oversized ones', () => {
		expect(parseJsonBody(Buffer.from('{"text":"hi"}'), 100)).toEqual({ body: { text: 'hi' } });
		for (const raw of ['', 'not json', '[1,2]', 'null']) {
			expect(parseJsonBody(Buffer.from(raw), 100)).toMatchObject({ answer: { statusCode: 400 } });
		}
		expect(parseJsonBody(Buffer.from(JSON.stringify({ text: 'x'.repeat(200) })), 100)).toMatchObject({ answer: { statusCode: 413 } });
	});

	it('limits per key within a minute, with Retry-After until the window resets', () => {
		const limiter = new RateLimiter(60_000);
		expect(limiter.take('ip:1', 2, NOW).allowed).toBe(true);
		expect(limiter.take('ip:1', 2, NOW + 1_000).allowed).toBe(true);
		expect(limiter.take('ip:1', 2, NOW + 20_000)).toEqual({ allowed: false, retryAfterSeconds: 40 });
		expect(limiter.take('ip:2', 2, NOW + 20_000).allowed).toBe(true);
		expect(limiter.take('ip:1', 2, NOW + 60_000).allowed).toBe(true);
	});
});

describe.each(storeBackendFixtures())('web chat messages on $name', (backend) => {
	let store: SupportStore;

	beforeAll(async () => {
		store = await openSupportStore(await backend.create());
	});
	afterAll(async () => {
		await closeAllSupportStores();
		await backend.cleanup();
	});

	const sessionToken = (customer?: { waId?: string }) => issueSession(SECRET, { lifetimeSeconds: 3600, now: NOW, customer }).token;

	it('builds the envelope with channel web, stores the message once per id, and refuses what is empty, too long or unsigned', async () => {
		const chat = config({ messagesPerMinutePerSession: 100 });
		const session = sessionToken();
		const first = await acceptMessage(chat, { session, id: 'client-msg-0001', text: '  Hoe laat is het ontbijt?  ', language: 'nl-NL' }, store);
		expect(first.answer).toMatchObject({ statusCode: 202, body: { withPerson: false } });
		expect(first.envelope).toMatchObject({
			conversation: { channel: 'web', phoneNumberId: 'hotel', customer: { userId: expect.stringMatching(/^web:/) } },
			message: { type: 'text', text: 'Hoe laat is het ontbijt?', timestamp: new Date(NOW).toISOString() },
			web: { pageLanguage: 'nl-NL' },
		});
		const conversationId = first.envelope!.conversation.id;
		expect(conversationId).toMatch(/^web:hotel:web:/);
		const again = await acceptMessage(chat, { session, id: 'client-msg-0001', text: 'Hoe laat is het ontbijt?' }, store);
		expect(again.envelope).toBeUndefined();
		expect(again.answer).toMatchObject({ statusCode: 200, body: { duplicate: true } });
		expect((await store.listMessages(conversationId)).map((message) => message.text)).toEqual(['Hoe laat is het ontbijt?']);
		expect((await store.getConversation(conversationId))?.channel).toBe('web');

		expect((await acceptMessage(chat, { session, text: ' ' }, store)).answer.statusCode).toBe(400);
		expect((await acceptMessage(chat, { session, text: 'x'.repeat(51) }, store)).answer.statusCode).toBe(413);
		expect((await acceptMessage(chat, { session: `${session.slice(0, session.lastIndexOf('.'))}.${'A'.repeat(43)}`, text: 'hi' }, store)).answer.statusCode).toBe(401);
		expect((await acceptMessage(config({ secret: 'rotated' }), { session, text: 'hi' }, store)).answer.statusCode).toBe(401);
		expect((await acceptMessage(chat, { session, id: 'bad id!', text: 'hi' }, store)).answer.statusCode).toBe(400);
	});

	it('turns a quick-reply button into an interactive button reply', async () => {
		const outcome = await acceptMessage(config(), { session: sessionToken(), button: { id: 'confirm_yes', title: 'Ja, klopt' } }, store);
		expect(outcome.envelope?.message).toMatchObject({ type: 'interactive', text: 'Ja, klopt', interactive: { type: 'button_reply', id: 'confirm_yes', title: 'Ja, klopt' } });
	});

	it('answers 429 with Retry-After after the per-session limit', async () => {
		const chat = config({ messagesPerMinutePerSession: 2 });
		const session = sessionToken();
		for (const text of ['een', 'twee']) expect((await acceptMessage(chat, { session, text }, store)).answer.statusCode).toBe(202);
		const third = await acceptMessage(chat, { session, text: 'drie' }, store);
		expect(third.answer.statusCode).toBe(429);
		expect(Number(third.answer.headers?.['Retry-After'])).toBeGreaterThan(0);
		// Another visitor is not affected.
		expect((await acceptMessage(chat, { session: sessionToken(), text: 'hallo' }, store)).answer.statusCode).toBe(202);
	});

	it('keys a vouched-for phone on the same customer as WhatsApp, in its own web conversation', async () => {
		const outcome = await acceptMessage(config(), { session: sessionToken({ waId: '31699990000' }), text: 'Hallo' }, store);
		expect(outcome.envelope?.conversation).toMatchObject({ id: 'web:hotel:31699990000', customer: { waId: '31699990000' } });
		expect((await store.getConversation('web:hotel:31699990000'))?.customerKey).toBe('31699990000');
	});

	it('delivers replies to the feed: history first, then what comes after the cursor, woken at once in this process', async () => {
		const accepted = await acceptMessage(config(), { session: sessionToken(), text: 'Is er parkeergelegenheid?' }, store);
		const conversation = accepted.envelope!.conversation;
		const history = await readFeed(store, conversation.id, 0);
		expect(history.map((message) => [message.direction, message.text])).toEqual([['inbound', 'Is er parkeergelegenheid?']]);

		const waiting = waitForFeed(store, conversation.id, history[0].id, { timeoutMs: 30_000, pollMs: 60_000 });
		const buttons = webMessageFromCloudPayload(buildButtonsMessage({ waId: 'x' }, { body: 'Wat bedoel je?', buttons: [{ id: 'parking', title: 'Parkeren' }, { id: 'other', title: 'Iets anders' }] }));
		const { messageIds } = await deliverWebMessages(store, conversation, [buttons], 'bot');
		// pollMs is a minute: only the in-process signal can have woken it this soon.
		const arrived = await waiting;
		expect(arrived).toEqual([
			expect.objectContaining({ direction: 'outbound', author: 'bot', text: 'Wat bedoel je?', buttons: [{ id: 'parking', title: 'Parkeren' }, { id: 'other', title: 'Iets anders' }] }),
		]);
		expect(messageIds).toHaveLength(1);
		expect((await store.getMessageByWaId(messageIds[0]))?.direction).toBe('outbound');
	});

	it('finds messages written elsewhere by polling the store', async () => {
		const accepted = await acceptMessage(config(), { session: sessionToken(), text: 'Hallo' }, store);
		const conversation = accepted.envelope!.conversation;
		const [inbound] = await readFeed(store, conversation.id, 0);
		const waiting = waitForFeed(store, conversation.id, inbound.id, { timeoutMs: 10_000, pollMs: 50 });
		// Written straight to the store, as another n8n process would: no in-process signal.
		await store.recordOutboundMessage({ conversationId: conversation.id, waMessageId: 'web-out:elsewhere-1', author: 'agent', type: 'text', text: 'Goedemiddag!', payload: { text: 'Goedemiddag!' } });
		expect((await waiting).map((message) => message.text)).toEqual(['Goedemiddag!']);
		announceWebMessage(conversation.id);
	});
});

describe('web messages from WhatsApp payloads', () => {
	it('keeps text and buttons, and refuses templates with a hint', () => {
		expect(buildTextMessages({ waId: '1' }, 'Hallo').map(webMessageFromCloudPayload)).toEqual([{ text: 'Hallo' }]);
		expect(() => webMessageFromCloudPayload(buildTemplateMessage({ waId: '1' }, { name: 'follow_up', languageCode: 'en' }))).toThrow(WebDeliveryError);
	});
});

describe('widget script', () => {
	it('stays within 30 kB gzipped, carries the five languages and renders guest text with textContent only', () => {
		const script = widgetScript({ title: 'Hotel </script><b>', color: '#0b6e4f', maxMessageLength: 2000 });
		expect(gzipSync(script).length).toBeLessThanOrEqual(30 * 1024);
		expect(Object.keys(WIDGET_STRINGS).sort()).toEqual(['de', 'en', 'es', 'fr', 'nl']);
		for (const strings of Object.values(WIDGET_STRINGS)) expect(Object.keys(strings).sort()).toEqual(Object.keys(WIDGET_STRINGS.en).sort());
		expect(script).not.toContain('innerHTML');
		expect(script).not.toContain('</script>');
		expect(() => new Function(script)).not.toThrow();
	});
});
