// Tests of the WhatsApp Cloud (Graph) API sandbox over real HTTP on 127.0.0.1.
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { type GraphSandbox, type RecordedRequest, startGraphSandbox } from '../../sandbox/graph-sandbox';
import { limits } from '../../sandbox/message-validation';

const token = 'sandbox-token';
const phoneNumberId = '1065000000001';
const customer = '15551234567';

interface GraphErrorBody {
	error: {
		message: string;
		type: string;
		code: number;
		error_subcode?: number;
		error_data?: { messaging_product: string; details: string };
		fbtrace_id: string;
	};
}

interface SendResponse {
	messaging_product: string;
	contacts: Array<{ input: string; wa_id?: string; user_id?: string }>;
	messages: Array<{ id: string; message_status?: string }>;
}

interface HttpResult {
	status: number;
	headers: Headers;
	text: string;
	json: unknown;
}

let sandbox: GraphSandbox;

async function request(
	method: string,
	path: string,
	options: { body?: unknown; token?: string | null; contentType?: string; headers?: Record<string, string>; base?: string } = {},
): Promise<HttpResult> {
	const headers: Record<string, string> = { ...(options.headers ?? {}) };
	const bearer = options.token === undefined ? token : options.token;
	if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
	let body: string | FormData | undefined;
	if (options.body instanceof FormData) body = options.body;
	else if (typeof options.body === 'string') body = options.body;
	else if (options.body !== undefined) body = JSON.stringify(options.body);
	if (body !== undefined && !(body instanceof FormData)) headers['content-type'] = options.contentType ?? 'application/json';
	const response = await fetch(`${options.base ?? sandbox.baseUrl}${path}`, { method, headers, body });
	const text = await response.text();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: response.status, headers: response.headers, text, json };
}

const messagesPath = `/v24.0/${phoneNumberId}/messages`;
const send = (body: unknown, options: Parameters<typeof request>[2] = {}) => request('POST', messagesPath, { body, ...options });

function errorOf(result: HttpResult): GraphErrorBody['error'] {
	const body = result.json as GraphErrorBody;
	expect(body?.error).toBeDefined();
	return body.error;
}

function sendResponse(result: HttpResult): SendResponse {
	expect(result.status).toBe(200);
	return result.json as SendResponse;
}

/** Expects Meta's "(#100) Invalid parameter" answer whose details mention `details`. */
function expectInvalidParameter(result: HttpResult, details: string): void {
	expect(result.status).toBe(400);
	const error = errorOf(result);
	expect(error).toMatchObject({ message: '(#100) Invalid parameter', type: 'OAuthException', code: 100, error_data: { messaging_product: 'whatsapp' } });
	expect(error.error_data?.details).toContain(details);
	expect(error.fbtrace_id).toMatch(/^A[\w-]{10,}$/);
}

// ---------------------------------------------------------------------------------------------
// Body builders

const text = (extra: Record<string, unknown> = {}) => ({ messaging_product: 'whatsapp', recipient_type: 'individual', to: customer, type: 'text', text: { body: 'Hello' }, ...extra });
const replyButton = (id: string, title: string) => ({ type: 'reply', reply: { id, title } });
const buttons = (list: unknown[], extra: Record<string, unknown> = {}) => ({
	messaging_product: 'whatsapp',
	to: customer,
	type: 'interactive',
	interactive: { type: 'button', body: { text: 'Choose one' }, action: { buttons: list }, ...extra },
});
const row = (id: string, title = `Row ${id}`, description?: string) => (description === undefined ? { id, title } : { id, title, description });
const rows = (count: number, prefix: string) => Array.from({ length: count }, (_, index) => row(`${prefix}${index}`));
const list = (sections: unknown[], extra: Record<string, unknown> = {}, button = 'Options') => ({
	messaging_product: 'whatsapp',
	to: customer,
	type: 'interactive',
	interactive: { type: 'list', body: { text: 'Pick a room' }, action: { button, sections }, ...extra },
});
const ctaUrl = (parameters: Record<string, unknown>, name = 'cta_url') => ({
	messaging_product: 'whatsapp',
	to: customer,
	type: 'interactive',
	interactive: { type: 'cta_url', body: { text: 'See your booking' }, action: { name, parameters } },
});
const template = (components?: unknown[], name = 'booking_confirmation', language: Record<string, unknown> = { code: 'en_US' }) => ({
	messaging_product: 'whatsapp',
	to: customer,
	type: 'template',
	template: components === undefined ? { name, language } : { name, language, components },
});
const textParameter = (value: string, name?: string) => (name === undefined ? { type: 'text', text: value } : { type: 'text', text: value, parameter_name: name });
const media = (type: string, object: Record<string, unknown>) => ({ messaging_product: 'whatsapp', to: customer, type, [type]: object });

beforeAll(async () => {
	sandbox = await startGraphSandbox({
		templates: [
			{ name: 'booking_confirmation', category: 'utility' },
			{ name: 'spring_offer', category: 'marketing', languages: ['en_US'] },
			{ name: 'login_code', category: 'authentication' },
		],
	});
});

afterAll(async () => {
	await sandbox.close();
});

beforeEach(() => {
	sandbox.reset();
});

describe('start-up', () => {
	it('listens on 127.0.0.1 on a random port', () => {
		expect(sandbox.baseUrl).toBe(`http://127.0.0.1:${sandbox.port}`);
		expect(sandbox.port).toBeGreaterThan(0);
	});

	it('listens on the port it is given', async () => {
		const probe = http.createServer();
		await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
		const free = (probe.address() as AddressInfo).port;
		await new Promise<void>((resolve) => probe.close(() => resolve()));
		const fixed = await startGraphSandbox({ port: free });
		try {
			expect(fixed.baseUrl).toBe(`http://127.0.0.1:${free}`);
			expect((await request('GET', `/v24.0/${phoneNumberId}`, { base: fixed.baseUrl })).status).toBe(200);
		} finally {
			await fixed.close();
		}
	});
});

describe('auth', () => {
	it('answers a request without a token with 401 and Graph error 190', async () => {
		const result = await send(text(), { token: null });
		expect(result.status).toBe(401);
		expect(errorOf(result)).toMatchObject({ code: 190, type: 'OAuthException', message: 'An access token is required to request this resource.' });
		expect(errorOf(result).error_data).toBeUndefined();
		expect(result.headers.get('www-authenticate')).toContain('invalid_token');
		expect(sandbox.sentMessages()).toHaveLength(0);
	});

	it('answers a wrong token with 401 / 190 "Invalid OAuth access token"', async () => {
		const result = await send(text(), { token: 'not-the-token' });
		expect(result.status).toBe(401);
		expect(errorOf(result)).toMatchObject({ code: 190, message: 'Invalid OAuth access token - Cannot parse access token' });
		expect(sandbox.sentMessages()).toHaveLength(0);
	});

	it('rejects an Authorization header that is not a bearer token', async () => {
		const result = await send(text(), { token: null, headers: { authorization: `Basic ${Buffer.from(`user:${token}`).toString('base64')}` } });
		expect(result.status).toBe(401);
		expect(errorOf(result).code).toBe(190);
	});

	it('accepts the token as an access_token query parameter, and redacts it from the record', async () => {
		const result = await request('GET', `/v24.0/${phoneNumberId}?access_token=${token}`, { token: null });
		expect(result.status).toBe(200);
		expect(sandbox.requests[0].query).toEqual({ access_token: '***' });
	});

	it('accepts only the configured tokens', async () => {
		const custom = await startGraphSandbox({ accessTokens: ['token-a', 'token-b'] });
		try {
			expect((await request('GET', `/v24.0/${phoneNumberId}`, { base: custom.baseUrl, token: 'token-b' })).status).toBe(200);
			expect((await request('GET', `/v24.0/${phoneNumberId}`, { base: custom.baseUrl, token: 'token-a' })).status).toBe(200);
			expect((await request('GET', `/v24.0/${phoneNumberId}`, { base: custom.baseUrl, token })).status).toBe(401);
		} finally {
			await custom.close();
		}
	});

	it('never stores the bearer token: Authorization is recorded as "Bearer ***"', async () => {
		const secret = 'EAAG-very-secret-token-123';
		const custom = await startGraphSandbox({ accessTokens: [secret] });
		const seen: RecordedRequest[] = [];
		try {
			await send(text(), { base: custom.baseUrl, token: secret });
			await send(text(), { base: custom.baseUrl, token: 'wrong-secret-456' });
			expect(custom.requests.map((record) => record.headers.authorization)).toEqual(['Bearer ***', 'Bearer ***']);
			expect(custom.requests.map((record) => record.response.status)).toEqual([200, 401]);
			seen.push(...custom.requests);
			const everything = JSON.stringify([custom.requests, custom.sentMessages()]);
			expect(everything).not.toContain(secret);
			expect(everything).not.toContain('wrong-secret-456');
		} finally {
			await custom.close();
		}
		expect(seen).toHaveLength(2);
	});
});

describe('routing', () => {
	it.each(['v24', 'latest', '24.0', 'v24.0.1'])('rejects the version segment %s', async (version) => {
		const result = await request('GET', `/${version}/${phoneNumberId}`);
		expect(result.status).toBe(400);
		expect(errorOf(result)).toMatchObject({ code: 2500, type: 'OAuthException' });
		expect(errorOf(result).message).toContain('Unknown path components');
	});

	it('accepts any vN.N version', async () => {
		expect((await request('GET', `/v19.0/${phoneNumberId}`)).status).toBe(200);
		expect((await request('GET', `/v25.0/${phoneNumberId}`)).status).toBe(200);
	});

	it('returns phone number info like Meta', async () => {
		const result = await request('GET', `/v24.0/${phoneNumberId}`);
		expect(result.status).toBe(200);
		expect(result.json).toEqual({
			verified_name: 'Sandbox Hotel',
			code_verification_status: 'VERIFIED',
			display_phone_number: '+1 555-000-0001',
			quality_rating: 'GREEN',
			platform_type: 'CLOUD_API',
			throughput: { level: 'STANDARD' },
			id: phoneNumberId,
		});
	});

	it('honours ?fields= and rejects a field the node does not have', async () => {
		const result = await request('GET', `/v24.0/${phoneNumberId}?fields=verified_name,messaging_limit_tier`);
		expect(result.json).toEqual({ verified_name: 'Sandbox Hotel', messaging_limit_tier: 'TIER_1K', id: phoneNumberId });
		const bad = await request('GET', `/v24.0/${phoneNumberId}?fields=verified_name,colour`);
		expect(bad.status).toBe(400);
		expect(errorOf(bad)).toMatchObject({ code: 100, message: '(#100) Tried accessing nonexisting field (colour) on node type (WhatsAppBusinessPhoneNumber)' });
	});

	it('serves the configured phone numbers', async () => {
		const custom = await startGraphSandbox({
			phoneNumbers: [
				{ id: '111', displayPhoneNumber: '+44 20 0000 0000', verifiedName: 'London Inn', qualityRating: 'YELLOW' },
				{ id: '222', displayPhoneNumber: '+34 600 000 000', verifiedName: 'Hostal Madrid' },
			],
		});
		try {
			const london = await request('GET', '/v24.0/111', { base: custom.baseUrl });
			expect(london.json).toMatchObject({ id: '111', verified_name: 'London Inn', quality_rating: 'YELLOW', display_phone_number: '+44 20 0000 0000' });
			expect((await request('GET', '/v24.0/222', { base: custom.baseUrl })).json).toMatchObject({ verified_name: 'Hostal Madrid' });
			expect((await request('GET', `/v24.0/${phoneNumberId}`, { base: custom.baseUrl })).status).toBe(400);
			expect((await send(text(), { base: custom.baseUrl })).status).toBe(400);
			expect((await request('POST', '/v24.0/222/messages', { base: custom.baseUrl, body: text() })).status).toBe(200);
			expect(custom.sentMessages().map((message) => message.phoneNumberId)).toEqual(['222']);
		} finally {
			await custom.close();
		}
	});

	it('answers an unknown id with Graph error 100, subcode 33', async () => {
		const get = await request('GET', '/v24.0/999999');
		expect(get.status).toBe(400);
		expect(errorOf(get)).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException' });
		expect(errorOf(get).message).toMatch(/^Unsupported get request\. Object with ID '999999' does not exist/);
		const post = await request('POST', '/v24.0/999999/messages', { body: text() });
		expect(errorOf(post)).toMatchObject({ code: 100, error_subcode: 33 });
		expect(errorOf(post).message).toMatch(/^Unsupported post request\. Object with ID '999999'/);
		expect(sandbox.sentMessages()).toHaveLength(0);
	});

	it('answers unknown edges and methods with Graph errors', async () => {
		expect(errorOf(await request('POST', `/v24.0/${phoneNumberId}/whatever`, { body: {} })).code).toBe(2500);
		expect(errorOf(await request('GET', messagesPath)).code).toBe(2500);
		expect(errorOf(await request('GET', `/v24.0/${phoneNumberId}/messages/extra`)).code).toBe(2500);
		expect((await request('GET', '/')).status).toBe(400);
	});
});

describe('request bodies', () => {
	it('requires Content-Type: application/json', async () => {
		const result = await send(JSON.stringify(text()), { contentType: 'text/plain' });
		expectInvalidParameter(result, 'Content-Type: application/json');
		expect((await send(JSON.stringify(text()), { contentType: 'application/json; charset=utf-8' })).status).toBe(200);
	});

	it('rejects a body that is not JSON', async () => {
		expectInvalidParameter(await send('{"messaging_product": "whatsapp",'), 'not valid JSON');
		expectInvalidParameter(await send('[1, 2]'), 'must be a JSON object');
	});

	it('answers 413 for bodies over the limit, and keeps serving', async () => {
		const small = await startGraphSandbox({ maxBodyBytes: 1024 });
		try {
			const result = await send(text({ text: { body: 'x'.repeat(2000) } }), { base: small.baseUrl });
			expect(result.status).toBe(413);
			expect(errorOf(result).code).toBe(100);
			expect((await send(text(), { base: small.baseUrl })).status).toBe(200);
		} finally {
			await small.close();
		}
	});
});

describe('sending', () => {
	it('accepts a text message and answers like Meta', async () => {
		const result = await send(text({ to: '+1 (555) 123-4567' }));
		const body = sendResponse(result);
		expect(body.messaging_product).toBe('whatsapp');
		expect(body.contacts).toEqual([{ input: '+1 (555) 123-4567', wa_id: customer }]);
		expect(body.messages).toHaveLength(1);
		expect(body.messages[0].id).toMatch(/^wamid\.SANDBOX[A-Z0-9]+$/);
		expect(body.messages[0].message_status).toBeUndefined();
		expect(result.headers.get('content-type')).toBe('application/json; charset=UTF-8');
	});

	it('records accepted sends with the wamid it assigned', async () => {
		const first = sendResponse(await send(text({ biz_opaque_callback_data: 'ticket-42' })));
		const second = sendResponse(await send(template()));
		const sent = sandbox.sentMessages();
		expect(sent.map((message) => message.id)).toEqual([first.messages[0].id, second.messages[0].id]);
		expect(sent[0]).toMatchObject({ phoneNumberId, to: customer, waId: customer, type: 'text', bizOpaqueCallbackData: 'ticket-42', body: text({ biz_opaque_callback_data: 'ticket-42' }) });
		expect(sent[1]).toMatchObject({ type: 'template', templateName: 'booking_confirmation', category: 'utility' });
		expect(Number.isNaN(Date.parse(sent[0].timestamp))).toBe(false);
	});

	it('gives every message a unique wamid', async () => {
		const results = await Promise.all(Array.from({ length: 25 }, () => send(text())));
		const ids = results.map((result) => sendResponse(result).messages[0].id);
		expect(new Set(ids).size).toBe(25);
	});

	it('marks template sends as accepted', async () => {
		expect(sendResponse(await send(template())).messages[0].message_status).toBe('accepted');
	});

	it('treats a body without type as text', async () => {
		const body = text();
		delete (body as Record<string, unknown>).type;
		expect((await send(body)).status).toBe(200);
		expect(sandbox.sentMessages()[0].type).toBe('text');
	});

	it('sends to a business-scoped user id via `recipient` (2026 usernames)', async () => {
		const bsuid = 'US.13491208655302741918';
		const body = sendResponse(await send({ messaging_product: 'whatsapp', recipient: bsuid, type: 'text', text: { body: 'Hi' } }));
		expect(body.contacts).toEqual([{ input: bsuid, user_id: bsuid }]);
		expect(sandbox.sentMessages()[0]).toMatchObject({ recipient: bsuid, waId: undefined });
	});

	it('lets `to` win when both `to` and `recipient` are present', async () => {
		const body = sendResponse(await send(text({ recipient: 'US.13491208655302741918' })));
		expect(body.contacts).toEqual([{ input: customer, wa_id: customer }]);
	});

	it('refuses to send to the business number itself (131021)', async () => {
		const result = await send(text({ to: '+1 555-000-0001' }));
		expect(result.status).toBe(400);
		expect(errorOf(result)).toMatchObject({ code: 131021, message: '(#131021) Recipient cannot be sender' });
	});

	it('records every request with its response', async () => {
		await send(text());
		await request('GET', `/v24.0/${phoneNumberId}`);
		await send(text(), { token: 'bad' });
		expect(sandbox.requests.map((record) => [record.method, record.path, record.response.status])).toEqual([
			['POST', messagesPath, 200],
			['GET', `/v24.0/${phoneNumberId}`, 200],
			['POST', messagesPath, 401],
		]);
		expect(sandbox.requests[0].body).toEqual(text());
		expect(sandbox.requests[0].headers['content-type']).toBe('application/json');
		expect((sandbox.requests[0].response.body as SendResponse).messages[0].id).toBe(sandbox.sentMessages()[0].id);
		expect(sandbox.requests.map((record) => record.seq)).toEqual([...sandbox.requests.map((record) => record.seq)].sort((a, b) => a - b));
	});

	it('keeps at most maxRecorded requests', async () => {
		const small = await startGraphSandbox({ maxRecorded: 3 });
		try {
			for (let index = 0; index < 5; index++) await send(text({ text: { body: `message ${index}` } }), { base: small.baseUrl });
			expect(small.requests.map((record) => (record.body as { text: { body: string } }).text.body)).toEqual(['message 2', 'message 3', 'message 4']);
			expect(small.sentMessages()).toHaveLength(3);
		} finally {
			await small.close();
		}
	});

	it('waits for sent messages', async () => {
		const waiting = sandbox.waitForSentMessages(2, 2000);
		await send(text());
		await send(text());
		expect(await waiting).toHaveLength(2);
		await expect(sandbox.waitForSentMessages(3, 50)).rejects.toThrow('waited 50 ms for 3 sent messages, have 2');
	});
});

describe('validation: rejected bodies', () => {
	const cases: Array<[string, unknown, string]> = [
		['messaging_product missing', { to: customer, type: 'text', text: { body: 'x' } }, 'The parameter messaging_product is required.'],
		['messaging_product not whatsapp', text({ messaging_product: 'sms' }), "Param messaging_product must be 'whatsapp'."],
		['neither to nor recipient', { messaging_product: 'whatsapp', type: 'text', text: { body: 'x' } }, 'The parameter to is required.'],
		['to is not a phone number', text({ to: 'john' }), 'Param to must be a phone number'],
		['to is too short', text({ to: '12345' }), 'Param to must be a phone number'],
		['to is a number, not a string', text({ to: 15551234567 }), 'Param to must be a string.'],
		['recipient is not a BSUID', { messaging_product: 'whatsapp', recipient: 'john', text: { body: 'x' } }, 'Param recipient must be a business-scoped user id'],
		['recipient_type unknown', text({ recipient_type: 'broadcast' }), 'Param recipient_type'],
		['type unknown', text({ type: 'carrier_pigeon' }), 'Param type must be one of'],
		['text object missing', { messaging_product: 'whatsapp', to: customer, type: 'text' }, 'The parameter text is required.'],
		['text body empty', text({ text: { body: '' } }), "Param text['body'] must not be empty."],
		['text body too long', text({ text: { body: 'x'.repeat(limits.textBody + 1) } }), "Param text['body'] must be at most 4096 characters long."],
		['preview_url not boolean', text({ text: { body: 'x', preview_url: 'yes' } }), "Param text['preview_url'] must be a boolean."],
		['biz_opaque_callback_data too long', text({ biz_opaque_callback_data: 'x'.repeat(513) }), 'Param biz_opaque_callback_data must be at most 512 characters long.'],
		['context without message_id', text({ context: {} }), "The parameter context['message_id'] is required."],
		['template name missing', { messaging_product: 'whatsapp', to: customer, type: 'template', template: { language: { code: 'en_US' } } }, "The parameter template['name'] is required."],
		['template language code missing', template(undefined, 'booking_confirmation', {}), "The parameter template['language']['code'] is required."],
		['template language policy unknown', template(undefined, 'booking_confirmation', { code: 'en', policy: 'fallback' }), "template['language']['policy']"],
		['template component type unknown', template([{ type: 'footerz' }]), "Param template['components'][0]['type'] must be one of"],
		[
			'named and positional parameters mixed',
			template([{ type: 'body', parameters: [textParameter('Ana', 'first_name'), textParameter('12')] }]),
			"Param template['components'][0]['parameters'] must either name every parameter",
		],
		['parameter_name not lower snake case', template([{ type: 'body', parameters: [textParameter('Ana', 'FirstName')] }]), "['parameter_name'] may only contain lowercase"],
		[
			'parameter names repeated',
			template([{ type: 'body', parameters: [textParameter('Ana', 'name'), textParameter('Bo', 'name')] }]),
			"must have unique parameter names; 'name' is repeated",
		],
		['text parameter empty', template([{ type: 'body', parameters: [textParameter('')] }]), "['parameters'][0]['text'] must not be empty."],
		['parameter type unknown', template([{ type: 'body', parameters: [{ type: 'hologram' }] }]), "['parameters'][0]['type'] must be one of"],
		['body parameter is an image', template([{ type: 'body', parameters: [{ type: 'image', image: { id: '1' } }] }]), 'must be text, currency or date_time in a body component'],
		['header text parameter too long', template([{ type: 'header', parameters: [textParameter('h'.repeat(61))] }]), "['parameters'][0]['text'] must be at most 60 characters long."],
		['header has two parameters', template([{ type: 'header', parameters: [textParameter('a'), textParameter('b')] }]), 'must have at most 1 parameters'],
		['header image with id and link', template([{ type: 'header', parameters: [{ type: 'image', image: { id: '1', link: 'https://example.com/a.png' } }] }]), "exactly one of the parameters 'id' or 'link'"],
		[
			'currency code not ISO 4217',
			template([{ type: 'body', parameters: [{ type: 'currency', currency: { fallback_value: '$10', code: 'usd', amount_1000: 10000 } }] }]),
			'must be an ISO 4217 currency code',
		],
		[
			'currency amount not an integer',
			template([{ type: 'body', parameters: [{ type: 'currency', currency: { fallback_value: '$10', code: 'USD', amount_1000: 10.5 } }] }]),
			"['amount_1000'] must be an integer.",
		],
		['date_time without fallback', template([{ type: 'body', parameters: [{ type: 'date_time', date_time: {} }] }]), "['date_time']['fallback_value'] is required."],
		['button without sub_type', template([{ type: 'button', index: 0, parameters: [{ type: 'payload', payload: 'x' }] }]), "template['components'][0]['sub_type'] is required."],
		['button sub_type unknown', template([{ type: 'button', sub_type: 'teleport', index: 0 }]), "['sub_type'] must be one of"],
		['button without index', template([{ type: 'button', sub_type: 'quick_reply', parameters: [{ type: 'payload', payload: 'x' }] }]), "template['components'][0]['index'] is required."],
		['button index out of range', template([{ type: 'button', sub_type: 'quick_reply', index: 10, parameters: [{ type: 'payload', payload: 'x' }] }]), "['index'] must be an integer between 0 and 9."],
		['button index not a number', template([{ type: 'button', sub_type: 'quick_reply', index: 'first', parameters: [{ type: 'payload', payload: 'x' }] }]), "['index'] must be an integer"],
		[
			'button index repeated',
			template([
				{ type: 'button', sub_type: 'quick_reply', index: 0, parameters: [{ type: 'payload', payload: 'a' }] },
				{ type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'b' }] },
			]),
			'button index 0 is repeated',
		],
		['quick_reply parameter not a payload', template([{ type: 'button', sub_type: 'quick_reply', index: 0, parameters: [textParameter('x')] }]), "must be 'payload' for a quick_reply button."],
		['url button without parameter', template([{ type: 'button', sub_type: 'url', index: 0, parameters: [] }]), 'must have exactly 1 parameter for a url button.'],
		['copy_code coupon too long', template([{ type: 'button', sub_type: 'copy_code', index: 0, parameters: [{ type: 'coupon_code', coupon_code: 'C'.repeat(16) }] }]), "['coupon_code'] must be at most 15 characters long."],
		['interactive type unknown', { messaging_product: 'whatsapp', to: customer, type: 'interactive', interactive: { type: 'carousel_of_doom' } }, "Param interactive['type'] must be one of"],
		['reply buttons: none', buttons([]), "Param interactive['action']['buttons'] must have at least 1 buttons."],
		['reply buttons: four', buttons([replyButton('a', 'A'), replyButton('b', 'B'), replyButton('c', 'C'), replyButton('d', 'D')]), "Param interactive['action']['buttons'] must have at most 3 buttons."],
		['reply button title too long', buttons([replyButton('a', 't'.repeat(21))]), "Param interactive['action']['buttons'][0]['reply']['title'] must be at most 20 characters long."],
		['reply button title empty', buttons([replyButton('a', ' ')]), "['reply']['title'] must not be empty."],
		['reply button id too long', buttons([replyButton('i'.repeat(257), 'A')]), "Param interactive['action']['buttons'][0]['reply']['id'] must be at most 256 characters long."],
		['reply button id with spaces around it', buttons([replyButton(' yes', 'Yes')]), "['reply']['id'] must not have leading or trailing spaces."],
		['reply button ids repeated', buttons([replyButton('same', 'One'), replyButton('same', 'Two')]), "must have unique ids; 'same' is repeated."],
		['reply button titles repeated', buttons([replyButton('a', 'Same'), replyButton('b', 'Same')]), "must have unique titles; 'Same' is repeated."],
		['reply button type not reply', buttons([{ type: 'url', reply: { id: 'a', title: 'A' } }]), "['buttons'][0]['type'] must be 'reply'."],
		[
			'interactive body missing',
			{ messaging_product: 'whatsapp', to: customer, type: 'interactive', interactive: { type: 'button', action: { buttons: [replyButton('a', 'A')] } } },
			"The parameter interactive['body'] is required.",
		],
		['button message body too long', buttons([replyButton('a', 'A')], { body: { text: 'b'.repeat(1025) } }), "Param interactive['body']['text'] must be at most 1024 characters long."],
		['interactive header text too long', buttons([replyButton('a', 'A')], { header: { type: 'text', text: 'h'.repeat(61) } }), "Param interactive['header']['text'] must be at most 60 characters long."],
		['interactive header type unknown', buttons([replyButton('a', 'A')], { header: { type: 'gif', gif: {} } }), "Param interactive['header']['type'] must be one of"],
		['interactive footer too long', buttons([replyButton('a', 'A')], { footer: { text: 'f'.repeat(61) } }), "Param interactive['footer']['text'] must be at most 60 characters long."],
		['list button text too long', list([{ rows: rows(1, 'r') }], {}, 'b'.repeat(21)), "Param interactive['action']['button'] must be at most 20 characters long."],
		['list without sections', list([]), "Param interactive['action']['sections'] must have at least 1 sections."],
		['list with 11 sections', list(Array.from({ length: 11 }, (_, index) => ({ title: `S${index}`, rows: [row(`r${index}`)] }))), 'must have at most 10 sections.'],
		['list with 11 rows across sections', list([{ title: 'A', rows: rows(6, 'a') }, { title: 'B', rows: rows(5, 'b') }]), 'must have at most 10 rows in total.'],
		['list section with 11 rows', list([{ rows: rows(11, 'a') }]), "Param interactive['action']['sections'][0]['rows'] must have at most 10 rows."],
		['list section without rows', list([{ title: 'Empty', rows: [] }]), "['sections'][0]['rows'] must have at least 1 rows."],
		['list row title too long', list([{ rows: [row('a', 't'.repeat(25))] }]), "Param interactive['action']['sections'][0]['rows'][0]['title'] must be at most 24 characters long."],
		['list row description too long', list([{ rows: [row('a', 'A', 'd'.repeat(73))] }]), "['rows'][0]['description'] must be at most 72 characters long."],
		['list row id too long', list([{ rows: [row('i'.repeat(201))] }]), "['rows'][0]['id'] must be at most 200 characters long."],
		['list row ids repeated', list([{ title: 'A', rows: [row('dup')] }, { title: 'B', rows: [row('dup')] }]), "must have unique row ids; 'dup' is repeated."],
		['list: second section without title', list([{ title: 'A', rows: [row('a')] }, { rows: [row('b')] }]), "The parameter interactive['action']['sections'][1]['title'] is required."],
		['list section title too long', list([{ title: 's'.repeat(25), rows: [row('a')] }]), "['sections'][0]['title'] must be at most 24 characters long."],
		['list header is an image', list([{ rows: [row('a')] }], { header: { type: 'image', image: { id: '1' } } }), "Param interactive['header']['type'] must be 'text'"],
		['list body too long', list([{ rows: [row('a')] }], { body: { text: 'b'.repeat(4097) } }), "Param interactive['body']['text'] must be at most 4096 characters long."],
		['cta_url display text too long', ctaUrl({ display_text: 'd'.repeat(21), url: 'https://example.com' }), "['parameters']['display_text'] must be at most 20 characters long."],
		['cta_url url not http', ctaUrl({ display_text: 'Open', url: 'ftp://example.com/x' }), "['parameters']['url'] must be an http or https URL."],
		['cta_url url not a URL', ctaUrl({ display_text: 'Open', url: 'example dot com' }), "['parameters']['url'] must be a valid URL."],
		['cta_url action name wrong', ctaUrl({ display_text: 'Open', url: 'https://example.com' }, 'url'), "Param interactive['action']['name'] must be 'cta_url'."],
		['image with id and link', media('image', { id: '123', link: 'https://example.com/a.jpg' }), "Param image must contain exactly one of the parameters 'id' or 'link'."],
		['image with neither id nor link', media('image', { caption: 'x' }), "Param image must contain exactly one of the parameters 'id' or 'link'."],
		['image link not a URL', media('image', { link: 'not a url' }), "Param image['link'] must be a valid URL."],
		['image object missing', { messaging_product: 'whatsapp', to: customer, type: 'image' }, 'The parameter image is required.'],
		['audio with a caption', media('audio', { id: '1', caption: 'listen' }), "Param audio['caption'] is not supported for audio messages."],
		['sticker with a caption', media('sticker', { id: '1', caption: 'x' }), "Param sticker['caption'] is not supported"],
		['caption too long', media('video', { id: '1', caption: 'c'.repeat(1025) }), "Param video['caption'] must be at most 1024 characters long."],
		['filename on an image', media('image', { id: '1', filename: 'a.jpg' }), "Param image['filename'] is only supported for document messages."],
		['latitude out of range', media('location', { latitude: 91, longitude: 0 }), "Param location['latitude'] must be between -90 and 90."],
		['longitude missing', media('location', { latitude: 40 }), "The parameter location['longitude'] is required."],
		['latitude as a string', media('location', { latitude: '40.1', longitude: 2 }), "Param location['latitude'] must be a number."],
		['contacts empty', { messaging_product: 'whatsapp', to: customer, type: 'contacts', contacts: [] }, 'Param contacts must have at least 1 contacts.'],
		['contact without formatted_name', { messaging_product: 'whatsapp', to: customer, type: 'contacts', contacts: [{ name: { first_name: 'Ana' } }] }, "The parameter contacts[0]['name']['formatted_name'] is required."],
		['reaction without message_id', media('reaction', { emoji: '👍' }), "The parameter reaction['message_id'] is required."],
		['reaction without emoji', media('reaction', { message_id: 'wamid.X' }), "The parameter reaction['emoji'] is required."],
		['read receipt with another status', { messaging_product: 'whatsapp', status: 'delivered', message_id: 'wamid.X' }, "Param status must be 'read'."],
		['read receipt without message_id', { messaging_product: 'whatsapp', status: 'read' }, 'The parameter message_id is required.'],
		['typing indicator of another type', { messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.X', typing_indicator: { type: 'audio' } }, "Param typing_indicator['type'] must be 'text'."],
		['typing indicator without status', { messaging_product: 'whatsapp', message_id: 'wamid.X', typing_indicator: { type: 'text' } }, "Param status must be 'read'."],
	];

	it.each(cases)('rejects: %s', async (_name, body, details) => {
		expectInvalidParameter(await send(body), details);
		expect(sandbox.sentMessages()).toHaveLength(0);
		expect(sandbox.readReceipts()).toHaveLength(0);
	});
});

describe('validation: accepted bodies', () => {
	const fourThousandEmoji = '🙂'.repeat(limits.textBody);
	const cases: Array<[string, unknown]> = [
		['text at the 4096 character limit', text({ text: { body: 'x'.repeat(limits.textBody) } })],
		['4096 emoji (characters, not UTF-16 units)', text({ text: { body: fourThousandEmoji } })],
		['text with preview_url', text({ text: { body: 'https://example.com', preview_url: true } })],
		['a reply (context.message_id)', text({ context: { message_id: 'wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQzQUI0' } })],
		['biz_opaque_callback_data at 512 characters', text({ biz_opaque_callback_data: 'x'.repeat(512) })],
		['a group message', { messaging_product: 'whatsapp', recipient_type: 'group', to: 'Y2FwaV9ncm91cDoxNTU1', type: 'text', text: { body: 'Hi all' } }],
		['a template without components', template()],
		[
			'a template with named parameters, currency, date_time and buttons',
			template([
				{ type: 'header', parameters: [{ type: 'image', image: { id: '1037543291543636' } }] },
				{
					type: 'body',
					parameters: [
						textParameter('Ana', 'first_name'),
						{ type: 'currency', parameter_name: 'total', currency: { fallback_value: '€120.00', code: 'EUR', amount_1000: 120000 } },
						{ type: 'date_time', parameter_name: 'check_in', date_time: { fallback_value: '21 November 2026' } },
					],
				},
				{ type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'CONFIRM' }] },
				{ type: 'button', sub_type: 'url', index: 1, parameters: [{ type: 'text', text: 'booking/42' }] },
				{ type: 'button', sub_type: 'copy_code', index: 2, parameters: [{ type: 'coupon_code', coupon_code: 'SPRING25' }] },
			]),
		],
		['a template with a 60 character text header', template([{ type: 'header', parameters: [textParameter('h'.repeat(60))] }, { type: 'body', parameters: [textParameter('1')] }])],
		['a deterministic language policy', template(undefined, 'booking_confirmation', { code: 'es', policy: 'deterministic' })],
		[
			'three reply buttons at the limits, with media header and footer',
			buttons([replyButton('i'.repeat(256), 't'.repeat(20)), replyButton('b', 'Two'), replyButton('c', 'Three')], {
				header: { type: 'image', image: { link: 'https://example.com/room.jpg' } },
				body: { text: 'b'.repeat(1024) },
				footer: { text: 'f'.repeat(60) },
			}),
		],
		['one reply button with a text header', buttons([replyButton('yes', 'Yes')], { header: { type: 'text', text: 'h'.repeat(60) } })],
		[
			'a list with 10 rows across two titled sections, at every length limit',
			list(
				[
					{ title: 's'.repeat(24), rows: [row('i'.repeat(200), 't'.repeat(24), 'd'.repeat(72)), ...rows(4, 'a')] },
					{ title: 'Suites', rows: rows(5, 'b') },
				],
				{ header: { type: 'text', text: 'Rooms' }, body: { text: 'b'.repeat(4096) }, footer: { text: 'Sandbox Hotel' } },
				'b'.repeat(20),
			),
		],
		['a one-section list without a section title', list([{ rows: rows(3, 'r') }])],
		['a CTA URL button', ctaUrl({ display_text: 'd'.repeat(20), url: 'https://hotel.example/booking?id=42' })],
		['an image by id with a caption at the limit', media('image', { id: '1037543291543636', caption: 'c'.repeat(1024) })],
		['an image by link', media('image', { link: 'https://example.com/room.jpg' })],
		['audio by id', media('audio', { id: '1037543291543636' })],
		['video by link with a caption', media('video', { link: 'http://example.com/tour.mp4', caption: 'Tour' })],
		['a document with a filename', media('document', { id: '1', filename: 'invoice.pdf', caption: 'Your invoice' })],
		['a sticker', media('sticker', { id: '1' })],
		['a location', media('location', { latitude: -33.8688, longitude: 151.2093, name: 'Sandbox Hotel', address: '1 Harbour St' })],
		['contacts', { messaging_product: 'whatsapp', to: customer, type: 'contacts', contacts: [{ name: { formatted_name: 'Front Desk' }, phones: [{ phone: '+15550000001' }] }] }],
		['a reaction', media('reaction', { message_id: 'wamid.X', emoji: '👍' })],
		['removing a reaction (empty emoji)', media('reaction', { message_id: 'wamid.X', emoji: '' })],
	];

	it.each(cases)('accepts %s', async (_name, body) => {
		const result = await send(body);
		expect(result.json).toMatchObject({ messaging_product: 'whatsapp' });
		expect(result.status).toBe(200);
		expect(sandbox.sentMessages()).toHaveLength(1);
	});
});

describe('read receipts and typing indicator', () => {
	it('marks a message as read', async () => {
		const result = await send({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.INBOUND1' });
		expect(result.status).toBe(200);
		expect(result.json).toEqual({ success: true });
		expect(sandbox.readReceipts()).toEqual([{ phoneNumberId, messageId: 'wamid.INBOUND1', typingIndicator: false, timestamp: expect.any(String) }]);
		expect(sandbox.sentMessages()).toHaveLength(0);
	});

	it('shows the typing indicator', async () => {
		const result = await send({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.INBOUND2', typing_indicator: { type: 'text' } });
		expect(result.json).toEqual({ success: true });
		expect(sandbox.readReceipts()[0]).toMatchObject({ messageId: 'wamid.INBOUND2', typingIndicator: true });
	});

	it('is not blocked by a closed window', async () => {
		sandbox.setWindow('*', false);
		expect((await send({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.INBOUND3' })).status).toBe(200);
	});
});

describe('scripted failures (failNext)', () => {
	const codes: Array<[number, number, number, string]> = [
		// [failNext code, HTTP status, error.code in the body, message]
		[131047, 400, 131047, '(#131047) Re-engagement message'],
		[130429, 400, 130429, '(#130429) Rate limit hit'],
		[131056, 400, 131056, '(#131056) (Business Account, Consumer Account) pair rate limit hit'],
		[131026, 400, 131026, '(#131026) Message undeliverable'],
		[131049, 400, 131049, '(#131049) This message was not delivered to maintain healthy ecosystem engagement.'],
		[131050, 400, 131050, '(#131050) User has stopped receipt of marketing messages'],
		[100, 400, 100, '(#100) Invalid parameter'],
		[500, 500, 131000, '(#131000) Something went wrong'],
		[503, 503, 131016, '(#131016) Service unavailable'],
	];

	it.each(codes)('failNext(%i) answers HTTP %i with code %i in Meta\'s envelope', async (code, status, bodyCode, message) => {
		sandbox.failNext({ code });
		const result = await send(text());
		expect(result.status).toBe(status);
		const error = errorOf(result);
		expect(error).toEqual({
			message,
			type: 'OAuthException',
			code: bodyCode,
			error_data: { messaging_product: 'whatsapp', details: expect.stringMatching(/\w+/) },
			fbtrace_id: expect.stringMatching(/^A[\w-]{22}$/),
		});
		expect(result.headers.get('x-fb-trace-id')).toBe(error.fbtrace_id);
		expect(sandbox.sentMessages()).toHaveLength(0);
		expect((await send(text())).status).toBe(200);
	});

	it('failNext(190) answers 401 with an expired-token error (subcode 463, no error_data)', async () => {
		sandbox.failNext({ code: 190 });
		const result = await send(text());
		expect(result.status).toBe(401);
		expect(errorOf(result)).toEqual({ message: 'Error validating access token: Session has expired.', type: 'OAuthException', code: 190, error_subcode: 463, fbtrace_id: expect.any(String) });
	});

	it('fails only `times` requests, then recovers', async () => {
		sandbox.failNext({ code: 130429, times: 2 });
		expect((await send(text())).status).toBe(400);
		expect((await send(text())).status).toBe(400);
		expect((await send(text())).status).toBe(200);
		expect(sandbox.sentMessages()).toHaveLength(1);
	});

	it('fails until reset() with times: Infinity', async () => {
		sandbox.failNext({ code: 503, times: Infinity });
		for (let index = 0; index < 4; index++) expect((await send(text())).status).toBe(503);
		sandbox.reset();
		expect((await send(text())).status).toBe(200);
	});

	it('refuses times below 1', () => {
		expect(() => sandbox.failNext({ code: 500, times: 0 })).toThrow('times must be at least 1');
	});

	it('applies `when` to choose the requests that fail', async () => {
		sandbox.failNext({ code: 131056, when: (request) => request.to === '15550009999' });
		expect((await send(text())).status).toBe(200);
		const other = await send(text({ to: '+1 555 000 9999' }));
		expect(errorOf(other).code).toBe(131056);
		expect((await send(text({ to: '+1 555 000 9999' }))).status).toBe(200);
	});

	it('lets `when` see the message type', async () => {
		sandbox.failNext({ code: 131049, when: (request) => request.type === 'template' });
		expect((await send(text())).status).toBe(200);
		expect(errorOf(await send(template())).code).toBe(131049);
	});

	it('does not fail read receipts by default, but can', async () => {
		sandbox.failNext({ code: 130429 });
		expect((await send({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.A' })).status).toBe(200);
		expect(errorOf(await send(text())).code).toBe(130429);
		sandbox.failNext({ code: 131000, when: (request) => request.kind === 'read' });
		expect((await send(text())).status).toBe(200);
		expect((await send({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.A' })).status).toBe(500);
	});

	it('can fail other endpoints through `when`', async () => {
		sandbox.failNext({ code: 503, when: (request) => request.kind === 'phone-number' });
		expect((await send(text())).status).toBe(200);
		expect((await request('GET', `/v24.0/${phoneNumberId}`)).status).toBe(503);
		expect((await request('GET', `/v24.0/${phoneNumberId}`)).status).toBe(200);
	});

	it('applies queued rules in order', async () => {
		sandbox.failNext({ code: 130429 });
		sandbox.failNext({ code: 131026 });
		expect(errorOf(await send(text())).code).toBe(130429);
		expect(errorOf(await send(text())).code).toBe(131026);
		expect((await send(text())).status).toBe(200);
	});

	it('uses the given details and HTTP status', async () => {
		sandbox.failNext({ code: 130429, details: 'Slow down, sandbox', httpStatus: 429 });
		const result = await send(text());
		expect(result.status).toBe(429);
		expect(errorOf(result).error_data?.details).toBe('Slow down, sandbox');
	});

	it('answers with a raw body (a proxy error page)', async () => {
		sandbox.failNext({ code: 502, rawBody: '<html><body>502 Bad Gateway</body></html>' });
		const result = await send(text());
		expect(result.status).toBe(502);
		expect(result.headers.get('content-type')).toContain('text/html');
		expect(result.text).toBe('<html><body>502 Bad Gateway</body></html>');
	});

	it('delays the answer by delayMs', async () => {
		sandbox.failNext({ code: 503, delayMs: 250 });
		const started = Date.now();
		const result = await send(text());
		expect(result.status).toBe(503);
		expect(Date.now() - started).toBeGreaterThanOrEqual(240);
	});

	it('scripted failures win over body validation', async () => {
		sandbox.failNext({ code: 131047 });
		expect(errorOf(await send(text({ text: { body: '' } }))).code).toBe(131047);
	});

	it('is driven by the control endpoint of a standalone sandbox', async () => {
		const control = await fetch(`${sandbox.baseUrl}/__sandbox/fail-next`, { method: 'POST', body: JSON.stringify({ code: 131026, times: 2 }) });
		expect(control.status).toBe(200);
		expect(errorOf(await send(text())).code).toBe(131026);
		expect(errorOf(await send(text())).code).toBe(131026);
		expect((await send(text())).status).toBe(200);
	});
});

describe('customer service window', () => {
	it('answers 131047 for free-form messages to a recipient whose window is closed, but lets templates through', async () => {
		sandbox.setWindow('+1 555-123-4567', false);
		const result = await send(text());
		expect(result.status).toBe(400);
		expect(errorOf(result)).toMatchObject({
			code: 131047,
			message: '(#131047) Re-engagement message',
			error_data: { messaging_product: 'whatsapp', details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' },
		});
		expect(errorOf(await send(buttons([replyButton('a', 'A')])))).toMatchObject({ code: 131047 });
		expect(errorOf(await send(media('reaction', { message_id: 'wamid.X', emoji: '👍' })))).toMatchObject({ code: 131047 });
		expect(errorOf(await send(media('image', { id: '1' })))).toMatchObject({ code: 131047 });
		expect((await send(template())).status).toBe(200);
		expect(sandbox.sentMessages().map((message) => message.type)).toEqual(['template']);
	});

	it('leaves other recipients open, and reopens', async () => {
		sandbox.setWindow(customer, false);
		expect((await send(text({ to: '15557654321' }))).status).toBe(200);
		sandbox.setWindow(customer, true);
		expect((await send(text())).status).toBe(200);
	});

	it("'*' sets the default for everyone; a recipient's own setting wins", async () => {
		sandbox.setWindow('*', false);
		expect(errorOf(await send(text({ to: '15557654321' }))).code).toBe(131047);
		sandbox.setWindow(customer, true);
		expect((await send(text())).status).toBe(200);
	});

	it('applies to business-scoped user ids', async () => {
		sandbox.setWindow('US.13491208655302741918', false);
		expect(errorOf(await send({ messaging_product: 'whatsapp', recipient: 'US.13491208655302741918', text: { body: 'Hi' } })).code).toBe(131047);
	});

	it('is open for everyone after reset()', async () => {
		sandbox.setWindow('*', false);
		sandbox.reset();
		expect((await send(text())).status).toBe(200);
	});

	it('is set through the control endpoint too', async () => {
		await fetch(`${sandbox.baseUrl}/__sandbox/window`, { method: 'POST', body: JSON.stringify({ recipient: customer, open: false }) });
		expect(errorOf(await send(text())).code).toBe(131047);
	});
});

describe('templates and pricing', () => {
	it('prices service messages and templates the PMP way', async () => {
		await send(text());
		await send(template(undefined, 'spring_offer'));
		await send(template(undefined, 'booking_confirmation'));
		sandbox.setWindow(customer, false);
		await send(template(undefined, 'booking_confirmation'));
		sandbox.setWindow('15557654321', true, 'entry_point');
		await send({ ...template(undefined, 'spring_offer'), to: '15557654321' });
		await send(template(undefined, 'never_registered'));
		expect(sandbox.sentMessages().map((message) => [message.category, message.pricing])).toEqual([
			['service', { billable: false, pricing_model: 'PMP', category: 'service', type: 'free_customer_service' }],
			['marketing', { billable: true, pricing_model: 'PMP', category: 'marketing', type: 'regular' }],
			['utility', { billable: false, pricing_model: 'PMP', category: 'utility', type: 'free_customer_service' }],
			['utility', { billable: true, pricing_model: 'PMP', category: 'utility', type: 'regular' }],
			['marketing', { billable: false, pricing_model: 'PMP', category: 'marketing', type: 'free_entry_point' }],
			['utility', { billable: true, pricing_model: 'PMP', category: 'utility', type: 'regular' }],
		]);
	});

	it('answers 132001 (HTTP 404) for unknown templates when asked to', async () => {
		const strict = await startGraphSandbox({ rejectUnknownTemplates: true, templates: [{ name: 'spring_offer', category: 'marketing', languages: ['en_US'] }] });
		try {
			const unknown = await send(template(undefined, 'nope'), { base: strict.baseUrl });
			expect(unknown.status).toBe(404);
			expect(errorOf(unknown)).toMatchObject({ code: 132001, error_data: { details: 'template name (nope) does not exist in en_US' } });
			const wrongLanguage = await send(template(undefined, 'spring_offer', { code: 'de' }), { base: strict.baseUrl });
			expect(errorOf(wrongLanguage).code).toBe(132001);
			expect((await send(template(undefined, 'spring_offer'), { base: strict.baseUrl })).status).toBe(200);
			strict.registerTemplate({ name: 'nope', category: 'utility' });
			expect((await send(template(undefined, 'nope'), { base: strict.baseUrl })).status).toBe(200);
		} finally {
			await strict.close();
		}
	});

	it('refuses authentication templates to a business-scoped user id (131062)', async () => {
		const body = { ...template(undefined, 'login_code'), to: undefined, recipient: 'US.13491208655302741918' };
		const result = await send(body);
		expect(result.status).toBe(400);
		expect(errorOf(result).code).toBe(131062);
		expect((await send(template(undefined, 'login_code'))).status).toBe(200);
	});
});

describe('media', () => {
	const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

	function uploadForm(fields: Record<string, string>, file?: { bytes: Buffer; type: string; name: string }): FormData {
		const form = new FormData();
		for (const [key, value] of Object.entries(fields)) form.append(key, value);
		if (file) form.append('file', new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.name);
		return form;
	}

	it('uploads, describes, downloads and deletes media', async () => {
		const upload = await request('POST', `/v24.0/${phoneNumberId}/media`, {
			body: uploadForm({ messaging_product: 'whatsapp', type: 'image/png' }, { bytes: png, type: 'image/png', name: 'room.png' }),
		});
		expect(upload.status).toBe(200);
		const { id } = upload.json as { id: string };
		expect(id).toMatch(/^\d{16}$/);
		expect(sandbox.requests[0].body).toEqual({
			fields: { messaging_product: 'whatsapp', type: 'image/png' },
			files: [{ name: 'file', filename: 'room.png', contentType: 'image/png', size: png.length }],
		});

		const info = await request('GET', `/v24.0/${id}`);
		expect(info.status).toBe(200);
		const description = info.json as Record<string, unknown>;
		expect(Object.keys(description)).toEqual(['url', 'mime_type', 'sha256', 'file_size', 'id', 'messaging_product']);
		expect(description).toMatchObject({ mime_type: 'image/png', sha256: createHash('sha256').update(png).digest('hex'), file_size: png.length, id, messaging_product: 'whatsapp' });
		const url = description.url as string;
		expect(url.startsWith(`${sandbox.baseUrl}/whatsapp_business/attachments/?mid=${id}&ext=`)).toBe(true);

		const download = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
		expect(download.status).toBe(200);
		expect(download.headers.get('content-type')).toBe('image/png');
		expect(Buffer.from(await download.arrayBuffer()).equals(png)).toBe(true);

		const deleted = await request('DELETE', `/v24.0/${id}`);
		expect(deleted.json).toEqual({ success: true });
		expect(errorOf(await request('GET', `/v24.0/${id}`))).toMatchObject({ code: 100, error_subcode: 33 });
	});

	it('checks the bearer token and the signature of the download URL', async () => {
		const stored = sandbox.addMedia({ bytes: 'voice note', mimeType: 'audio/ogg' });
		const url = ((await request('GET', `/v24.0/${stored.id}`)).json as { url: string }).url;
		expect((await fetch(url)).status).toBe(401);
		expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
		const tampered = url.replace(/hash=[0-9a-f]{4}/, 'hash=0000');
		expect((await fetch(tampered, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
		const otherMedia = sandbox.addMedia({ bytes: 'other', mimeType: 'audio/ogg' });
		expect((await fetch(url.replace(`mid=${stored.id}`, `mid=${otherMedia.id}`), { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
		const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
		expect(await ok.text()).toBe('voice note');
	});

	it('lets download URLs expire', async () => {
		const expiring = await startGraphSandbox({ mediaUrlTtlMs: -2000 });
		try {
			const stored = expiring.addMedia({ bytes: 'x', mimeType: 'image/jpeg', id: '1234567890' });
			expect(stored).toMatchObject({ id: '1234567890', mimeType: 'image/jpeg', fileSize: 1, sha256: createHash('sha256').update('x').digest('hex') });
			const url = ((await request('GET', '/v24.0/1234567890', { base: expiring.baseUrl })).json as { url: string }).url;
			expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
		} finally {
			await expiring.close();
		}
	});

	it('rejects bad uploads', async () => {
		const path = `/v24.0/${phoneNumberId}/media`;
		expectInvalidParameter(await request('POST', path, { body: uploadForm({}, { bytes: png, type: 'image/png', name: 'a.png' }) }), 'messaging_product is required');
		expectInvalidParameter(await request('POST', path, { body: uploadForm({ messaging_product: 'whatsapp' }) }), 'The parameter file is required.');
		expectInvalidParameter(await request('POST', path, { body: { messaging_product: 'whatsapp' } }), 'multipart/form-data');
		const exe = await request('POST', path, { body: uploadForm({ messaging_product: 'whatsapp' }, { bytes: Buffer.from('MZ'), type: 'application/x-msdownload', name: 'a.exe' }) });
		expect(errorOf(exe)).toMatchObject({ code: 131053, error_data: { details: 'Unsupported media type: application/x-msdownload' } });
		const big = await request('POST', path, {
			body: uploadForm({ messaging_product: 'whatsapp' }, { bytes: Buffer.alloc(5 * 1024 * 1024 + 1), type: 'image/jpeg', name: 'big.jpg' }),
		});
		expect(errorOf(big).code).toBe(131053);
		expect(errorOf(big).error_data?.details).toContain('the limit is 5242880');
		const exactlyFiveMegabytes = await request('POST', path, {
			body: uploadForm({ messaging_product: 'whatsapp' }, { bytes: Buffer.alloc(5 * 1024 * 1024, 1), type: 'image/jpeg', name: 'ok.jpg' }),
		});
		expect(exactlyFiveMegabytes.status).toBe(200);
	});

	it('answers unknown media ids with 100 / 33', async () => {
		expect(errorOf(await request('GET', '/v24.0/9000000000000000'))).toMatchObject({ code: 100, error_subcode: 33 });
		expect(errorOf(await request('DELETE', '/v24.0/9000000000000000'))).toMatchObject({ code: 100, error_subcode: 33 });
	});
});

describe('status webhooks', () => {
	interface Received {
		headers: http.IncomingHttpHeaders;
		raw: Buffer;
		json: {
			object: string;
			entry: Array<{ id: string; changes: Array<{ field: string; value: { metadata: Record<string, string>; statuses: Array<Record<string, unknown>>; contacts?: unknown[] } }> }>;
		};
		at: number;
	}
	const appSecret = 'test-app-secret';
	let receiver: http.Server;
	let receiverUrl: string;
	let received: Received[];
	let answerStatus: number;
	/** Answers for the next requests, before falling back to answerStatus. */
	let nextAnswers: number[];
	let answerDelayMs: number;

	beforeAll(async () => {
		receiver = http.createServer((request, response) => {
			const chunks: Buffer[] = [];
			request.on('data', (chunk: Buffer) => chunks.push(chunk));
			request.on('end', () => {
				const raw = Buffer.concat(chunks);
				received.push({ headers: request.headers, raw, json: JSON.parse(raw.toString('utf8')) as Received['json'], at: Date.now() });
				const status = nextAnswers.shift() ?? answerStatus;
				setTimeout(() => {
					response.writeHead(status);
					response.end();
				}, answerDelayMs);
			});
		});
		await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
		receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhook`;
	});

	afterAll(async () => {
		await new Promise<void>((resolve) => receiver.close(() => resolve()));
	});

	beforeEach(() => {
		received = [];
		answerStatus = 200;
		nextAnswers = [];
		answerDelayMs = 0;
	});

	const statusOf = (item: Received) => item.json.entry[0].changes[0].value.statuses[0];

	it('posts signed sent and delivered statuses after an accepted send', async () => {
		sandbox.configureWebhook({ url: receiverUrl, appSecret });
		const wamid = sendResponse(await send(text({ biz_opaque_callback_data: 'ticket-42' }))).messages[0].id;
		await sandbox.waitForWebhooks();
		expect(received).toHaveLength(2);
		for (const item of received) {
			const expected = `sha256=${createHmac('sha256', appSecret).update(item.raw).digest('hex')}`;
			expect(item.headers['x-hub-signature-256']).toBe(expected);
			expect(item.headers['content-type']).toBe('application/json');
		}
		expect(received[0].json).toEqual({
			object: 'whatsapp_business_account',
			entry: [
				{
					id: '1065000000000',
					changes: [
						{
							field: 'messages',
							value: {
								messaging_product: 'whatsapp',
								metadata: { display_phone_number: '15550000001', phone_number_id: phoneNumberId },
								statuses: [
									{
										id: wamid,
										status: 'sent',
										timestamp: expect.stringMatching(/^\d{10}$/),
										recipient_id: customer,
										biz_opaque_callback_data: 'ticket-42',
										pricing: { billable: false, pricing_model: 'PMP', category: 'service', type: 'free_customer_service' },
									},
								],
							},
						},
					],
				},
			],
		});
		expect(statusOf(received[1])).toMatchObject({ id: wamid, status: 'delivered', biz_opaque_callback_data: 'ticket-42', pricing: { category: 'service' } });
		expect(sandbox.webhookDeliveries().map((delivery) => [delivery.status, delivery.ok, delivery.httpStatus])).toEqual([
			['sent', true, 200],
			['delivered', true, 200],
		]);
	});

	it('does not accept a signature made with another secret', async () => {
		sandbox.configureWebhook({ url: receiverUrl, appSecret });
		await send(text());
		await sandbox.waitForWebhooks();
		const forged = `sha256=${createHmac('sha256', 'another-secret').update(received[0].raw).digest('hex')}`;
		expect(received[0].headers['x-hub-signature-256']).not.toBe(forged);
	});

	it('posts the configured statuses in lifecycle order; read carries no pricing', async () => {
		sandbox.configureWebhook({ url: receiverUrl, appSecret, statuses: ['read', 'sent', 'delivered'] });
		await send(template(undefined, 'spring_offer'));
		await sandbox.waitForWebhooks();
		expect(received.map((item) => statusOf(item).status)).toEqual(['sent', 'delivered', 'read']);
		expect(statusOf(received[0]).pricing).toEqual({ billable: true, pricing_model: 'PMP', category: 'marketing', type: 'regular' });
		expect(statusOf(received[2]).pricing).toBeUndefined();
	});

	it('posts each status `duplicates` times, like Meta retries', async () => {
		sandbox.configureWebhook({ url: receiverUrl, appSecret, duplicates: 3 });
		const wamid = sendResponse(await send(text())).messages[0].id;
		await sandbox.waitForWebhooks();
		expect(received.map((item) => statusOf(item).status)).toEqual(['sent', 'sent', 'sent', 'delivered', 'delivered', 'delivered']);
		expect(new Set(received.slice(0, 3).map((item) => item.raw.toString())).size).toBe(1);
		expect(received.every((item) => statusOf(item).id === wamid)).toBe(true);
		expect(sandbox.webhookDeliveries().map((delivery) => delivery.copy)).toEqual([1, 2, 3, 1, 2, 3]);
	});

	it('waits delayMs before each status', async () => {
		sandbox.configureWebhook({ url: receiverUrl, appSecret, delayMs: 150 });
		const sentAt = Date.now();
		await send(text());
		expect(received).toHaveLength(0);
		await sandbox.waitForWebhooks();
		expect(received[0].at - sentAt).toBeGreaterThanOrEqual(140);
		expect(received[1].at - received[0].at).toBeGreaterThanOrEqual(140);
	});

	it('records failed deliveries (HTTP errors) and keeps working', async () => {
		answerStatus = 500;
		sandbox.configureWebhook({ url: receiverUrl, appSecret });
		await send(text());
		await sandbox.waitForWebhooks();
		expect(sandbox.webhookDeliveries().map((delivery) => [delivery.ok, delivery.httpStatus])).toEqual([
			[false, 500],
			[false, 500],
		]);
		expect((await send(text())).status).toBe(200);
	});

	it('delivers a refused status again with growing pauses, like Meta, until it is taken', async () => {
		nextAnswers = [503, 503];
		const started = Date.now();
		sandbox.configureWebhook({ url: receiverUrl, appSecret, statuses: ['sent'], redeliver: { forMs: 5000, firstPauseMs: 40 } });
		await send(text());
		await sandbox.waitForWebhooks();
		const deliveries = sandbox.webhookDeliveries();
		expect(deliveries.map((delivery) => [delivery.httpStatus, delivery.redelivery ?? 0])).toEqual([
			[503, 0],
			[503, 1],
			[200, 2],
		]);
		expect(new Set(received.map((item) => item.raw.toString())).size).toBe(1);
		// 40 ms then 80 ms, each ±20 %.
		expect(received[1].at - received[0].at).toBeGreaterThanOrEqual(30);
		expect(received[2].at - received[1].at).toBeGreaterThanOrEqual(60);
		expect(Date.now() - started).toBeLessThan(4000);
	});

	it('gives up redelivering once the next try would fall outside forMs', async () => {
		answerStatus = 503;
		sandbox.configureWebhook({ url: receiverUrl, appSecret, statuses: ['sent'], redeliver: { forMs: 100, firstPauseMs: 40 } });
		await send(text());
		await sandbox.waitForWebhooks();
		const deliveries = sandbox.webhookDeliveries();
		// Tries at ~0, ~40 and (maybe) ~120 ms: the third pause (~160 ms) is past 100 ms in any case.
		expect(deliveries.length).toBeGreaterThanOrEqual(2);
		expect(deliveries.length).toBeLessThanOrEqual(3);
		expect(deliveries.every((delivery) => delivery.ok === false && delivery.httpStatus === 503)).toBe(true);
	});

	it('stops the pauses growing at maxPauseMs', async () => {
		nextAnswers = [503, 503, 503];
		sandbox.configureWebhook({ url: receiverUrl, appSecret, statuses: ['sent'], redeliver: { forMs: 5000, firstPauseMs: 40, maxPauseMs: 50 } });
		await send(text());
		await sandbox.waitForWebhooks();
		expect(received).toHaveLength(4);
		// 40, then 50 and 50 (not 80 and 160), each ±20 %.
		expect(received[3].at - received[1].at).toBeLessThan(140);
	});

	it('refuses a redelivery setting without a positive first pause', () => {
		expect(() => sandbox.configureWebhook({ url: receiverUrl, appSecret, redeliver: { forMs: 1000, firstPauseMs: 0 } })).toThrow(/firstPauseMs/);
	});

	it('records receivers that drop the connection without crashing', async () => {
		const net = await import('node:net');
		const rude = net.createServer((socket) => socket.destroy());
		await new Promise<void>((resolve) => rude.listen(0, '127.0.0.1', resolve));
		try {
			sandbox.configureWebhook({ url: `http://127.0.0.1:${(rude.address() as AddressInfo).port}/gone`, appSecret, timeoutMs: 1000 });
			await send(text());
			await sandbox.waitForWebhooks();
			const deliveries = sandbox.webhookDeliveries();
			expect(deliveries.map((delivery) => delivery.status)).toEqual(['sent', 'delivered']);
			for (const delivery of deliveries) {
				expect(delivery.ok).toBe(false);
				expect(delivery.httpStatus).toBeUndefined();
				expect(delivery.error).toMatch(/socket hang up|ECONNRESET/);
			}
			sandbox.configureWebhook(null);
			expect((await send(text())).status).toBe(200);
		} finally {
			await new Promise<void>((resolve) => rude.close(() => resolve()));
		}
	});

	it('drops deliveries that reset() interrupts, so they cannot leak into the next test', async () => {
		answerDelayMs = 300;
		sandbox.configureWebhook({ url: receiverUrl, appSecret, statuses: ['sent'] });
		await send(text());
		while (received.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
		sandbox.reset();
		await sandbox.waitForWebhooks();
		await new Promise((resolve) => setTimeout(resolve, 350));
		expect(received).toHaveLength(1);
		expect(sandbox.webhookDeliveries()).toEqual([]);
	});

	it('sends a failed status with errors[] for failures scripted as webhook deliveries', async () => {
		sandbox.configureWebhook({ url: receiverUrl, appSecret });
		sandbox.failNext({ code: 131049, delivery: 'webhook' });
		const result = await send(template(undefined, 'spring_offer'));
		const wamid = sendResponse(result).messages[0].id;
		await sandbox.waitForWebhooks();
		expect(received).toHaveLength(1);
		const status = statusOf(received[0]);
		expect(status).toMatchObject({ id: wamid, status: 'failed', recipient_id: customer });
		expect(status.pricing).toBeUndefined();
		expect(status.errors).toEqual([
			{
				code: 131049,
				title: 'This message was not delivered to maintain healthy ecosystem engagement.',
				message: 'This message was not delivered to maintain healthy ecosystem engagement.',
				error_data: { details: 'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.' },
				href: expect.stringContaining('error-codes'),
			},
		]);
		received = [];
		await send(text());
		await sandbox.waitForWebhooks();
		expect(received.map((item) => statusOf(item).status)).toEqual(['sent', 'delivered']);
	});

	it('identifies BSUID recipients with recipient_user_id and contacts[].user_id', async () => {
		sandbox.configureWebhook({ url: receiverUrl, appSecret, statuses: ['sent'] });
		await send({ messaging_product: 'whatsapp', recipient: 'US.13491208655302741918', text: { body: 'Hi' } });
		await sandbox.waitForWebhooks();
		const value = received[0].json.entry[0].changes[0].value;
		expect(value.statuses[0]).toMatchObject({ recipient_user_id: 'US.13491208655302741918' });
		expect(value.statuses[0].recipient_id).toBeUndefined();
		expect(value.contacts).toEqual([{ user_id: 'US.13491208655302741918' }]);
	});

	it('posts nothing for rejected sends or read receipts, nor after configureWebhook(null) or reset()', async () => {
		sandbox.configureWebhook({ url: receiverUrl, appSecret });
		await send(text({ text: { body: '' } }));
		await send({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.A' });
		sandbox.configureWebhook(null);
		await send(text());
		sandbox.configureWebhook({ url: receiverUrl, appSecret });
		sandbox.reset();
		await send(text());
		await sandbox.waitForWebhooks();
		expect(received).toHaveLength(0);
	});

	it('refuses a webhook without a secret or with a non-http url', () => {
		expect(() => sandbox.configureWebhook({ url: receiverUrl, appSecret: '' })).toThrow('appSecret is required');
		expect(() => sandbox.configureWebhook({ url: 'ftp://127.0.0.1/x', appSecret })).toThrow('url must be http(s)');
	});

	it('closes promptly with status webhooks still scheduled', async () => {
		const other = await startGraphSandbox();
		other.configureWebhook({ url: receiverUrl, appSecret, delayMs: 60_000 });
		await send(text(), { base: other.baseUrl });
		const started = Date.now();
		await other.close();
		expect(Date.now() - started).toBeLessThan(2000);
		expect(received).toHaveLength(0);
		await expect(fetch(`${other.baseUrl}/__sandbox/health`)).rejects.toThrow();
	});
});

describe('robustness', () => {
	it('survives a throwing onRequest callback', async () => {
		const noisy = await startGraphSandbox({
			onRequest: () => {
				throw new Error('logger broke');
			},
		});
		try {
			expect((await send(text(), { base: noisy.baseUrl })).status).toBe(200);
			expect((await send(text(), { base: noisy.baseUrl })).status).toBe(200);
		} finally {
			await noisy.close();
		}
	});

	it('reports health and sent messages on control endpoints', async () => {
		await send(text());
		const health = await fetch(`${sandbox.baseUrl}/__sandbox/health`);
		expect(await health.json()).toEqual({ ok: true, phoneNumberIds: [phoneNumberId] });
		const sent = (await (await fetch(`${sandbox.baseUrl}/__sandbox/sent`)).json()) as { messages: Array<{ id: string }> };
		expect(sent.messages.map((message) => message.id)).toEqual(sandbox.sentMessages().map((message) => message.id));
		await fetch(`${sandbox.baseUrl}/__sandbox/reset`, { method: 'POST' });
		expect(sandbox.sentMessages()).toHaveLength(0);
		expect((await fetch(`${sandbox.baseUrl}/__sandbox/nope`)).status).toBe(404);
	});

	it('answers malformed HTTP with 400 and keeps serving', async () => {
		const net = await import('node:net');
		const reply = await new Promise<string>((resolve) => {
			const socket = net.connect(sandbox.port, '127.0.0.1', () => socket.write('THIS IS NOT HTTP\r\n\r\n'));
			let data = '';
			socket.on('data', (chunk) => (data += chunk.toString()));
			socket.on('close', () => resolve(data));
		});
		expect(reply).toContain('400 Bad Request');
		expect((await send(text())).status).toBe(200);
	});
});
