// invokeWithTimeout and createOpenAiCompatibleModel against the local OpenAI-compatible server, over real HTTP.
import { ChatOpenAI } from '@langchain/openai';

import { createOpenAiCompatibleModel, invokeWithTimeout, LlmError, type ChatModelLike, type LlmMessage } from '../../../nodes/domain/llm';
import { startOpenAiServer, type OpenAiServer } from '../../../sandbox/openai-server';

const API_KEY = 'sk-test-0123456789abcdef';
const messages: LlmMessage[] = [
	{ role: 'system', content: 'You are the front desk of Hotel Test.' },
	{ role: 'user', content: 'What time is breakfast?' },
];

let server: OpenAiServer;

beforeAll(async () => {
	server = await startOpenAiServer({ apiKeys: [API_KEY], models: ['gpt-4.1-mini', 'gpt-5-mini'], rejectUnknownModels: true });
});

afterEach(() => server.reset());

afterAll(async () => {
	await server.close();
});

function modelFor(overrides: Partial<Parameters<typeof createOpenAiCompatibleModel>[0]> = {}) {
	return createOpenAiCompatibleModel({ apiKey: API_KEY, baseUrl: server.baseUrl, model: 'gpt-4.1-mini', temperature: 0.2, maxRetries: 0, ...overrides });
}

async function failure(promise: Promise<unknown>): Promise<LlmError> {
	const error = await promise.then(
		() => undefined,
		(caught: unknown) => caught,
	);
	expect(error).toBeInstanceOf(LlmError);
	return error as LlmError;
}

describe('invokeWithTimeout with createOpenAiCompatibleModel', () => {
	it('returns the text, the server’s token usage and model, and the latency; the server saw the prompt', async () => {
		server.enqueue({ content: 'Breakfast is served from 7:00 to 10:30.', usage: { promptTokens: 321, completionTokens: 45 }, model: 'gpt-4.1-mini-2025-04-14' });
		const result = await invokeWithTimeout(modelFor(), messages, { timeoutMs: 5000 });
		expect(result.text).toBe('Breakfast is served from 7:00 to 10:30.');
		expect(result.usage).toEqual({ inputTokens: 321, outputTokens: 45, model: 'gpt-4.1-mini-2025-04-14', estimated: false });
		expect(result.latencyMs).toBeGreaterThanOrEqual(0);
		expect(result.latencyMs).toBeLessThan(5000);

		const [request] = server.chatRequests();
		expect(request.model).toBe('gpt-4.1-mini');
		expect(request.temperature).toBe(0.2);
		expect(request.stream).toBe(false);
		expect(request.messages).toEqual(messages);
		expect(request.headers.authorization).toBe('Bearer ***');
		expect(JSON.stringify(server.requests)).not.toContain(API_KEY);
	});

	it('estimates usage when the server reports none', async () => {
		server.enqueue({ content: 'x'.repeat(40), usage: null });
		const result = await invokeWithTimeout(modelFor(), messages, { timeoutMs: 5000 });
		const promptChars = messages.reduce((sum, message) => sum + message.content.length, 0);
		expect(result.usage).toEqual({ inputTokens: Math.ceil(promptChars / 4), outputTokens: 10, model: 'gpt-4.1-mini', estimated: true });
	});

	it('times out against a server that never answers, within bounds, and aborts the HTTP request', async () => {
		server.setTimeoutMode(true);
		const started = Date.now();
		const error = await failure(invokeWithTimeout(modelFor(), messages, { timeoutMs: 300 }));
		const elapsed = Date.now() - started;
		expect(error.kind).toBe('timeout');
		expect(error.message).toBe('The model did not answer in time after 300 ms');
		expect(error.hint).toMatch(/Raise the timeout/);
		expect(elapsed).toBeGreaterThanOrEqual(280);
		expect(elapsed).toBeLessThan(2000);
		expect(server.chatRequests()).toHaveLength(1);
		// The abort reached the socket: the server sees the held request closed.
		const deadline = Date.now() + 2000;
		while (server.openRequestCount() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
		expect(server.openRequestCount()).toBe(0);
	});

	it('still times out when the model ignores the abort signal', async () => {
		const deaf: ChatModelLike = { invoke: () => new Promise(() => undefined) };
		const error = await failure(invokeWithTimeout(deaf, messages, { timeoutMs: 50 }));
		expect(error.kind).toBe('timeout');
	});

	it('cancels on the caller’s signal, and does not call the model when it is already aborted', async () => {
		server.setTimeoutMode(true);
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 50);
		const started = Date.now();
		const error = await failure(invokeWithTimeout(modelFor(), messages, { timeoutMs: 5000, signal: controller.signal }));
		expect(error).toMatchObject({ kind: 'other', code: 'cancelled' });
		expect(Date.now() - started).toBeLessThan(1000);

		let called = false;
		const model: ChatModelLike = {
			invoke: async () => {
				called = true;
				return 'x';
			},
		};
		const aborted = new AbortController();
		aborted.abort();
		await expect(invokeWithTimeout(model, messages, { signal: aborted.signal })).rejects.toMatchObject({ code: 'cancelled' });
		expect(called).toBe(false);
	});

	it('maps a wrong API key to http 401 without showing the key', async () => {
		const wrongKey = 'sk-wrong-9876543210fedcba';
		const error = await failure(invokeWithTimeout(modelFor({ apiKey: wrongKey }), messages, { timeoutMs: 5000 }));
		expect(error).toMatchObject({ kind: 'http', status: 401, code: 'authentication' });
		expect(error.message).toMatch(/^The model server answered HTTP 401: Incorrect API key provided/);
		expect(error.message).not.toContain(wrongKey);
		expect(error.hint).toMatch(/API key/);
	});

	it('maps an unknown model and a base URL without /v1 to http 404', async () => {
		const unknown = await failure(invokeWithTimeout(modelFor({ model: 'gpt-imaginary' }), messages, { timeoutMs: 5000 }));
		expect(unknown).toMatchObject({ kind: 'http', status: 404, code: 'model_not_found' });
		expect(unknown.message).toContain('gpt-imaginary');

		const wrongRoot = await failure(invokeWithTimeout(modelFor({ baseUrl: server.origin }), messages, { timeoutMs: 5000 }));
		expect(wrongRoot).toMatchObject({ kind: 'http', status: 404 });
		expect(wrongRoot.message).toContain('Invalid URL (POST /chat/completions)');
		expect(wrongRoot.hint).toMatch(/ends in \/v1/);
	});

	it('maps 429, 500 and an HTML 502 page', async () => {
		server.enqueue({ status: 429, error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } });
		expect(await failure(invokeWithTimeout(modelFor(), messages, { timeoutMs: 5000 }))).toMatchObject({ kind: 'http', status: 429, code: 'rate_limit' });
		server.enqueue({ status: 500, error: { message: 'The server had an error while processing your request.' } });
		expect(await failure(invokeWithTimeout(modelFor(), messages, { timeoutMs: 5000 }))).toMatchObject({ kind: 'http', status: 500, code: 'server' });
		server.enqueue({ status: 502, rawBody: '<html><body>Bad Gateway</body></html>' });
		expect(await failure(invokeWithTimeout(modelFor(), messages, { timeoutMs: 5000 }))).toMatchObject({ kind: 'http', status: 502 });
	});

	it('retries a 500 when maxRetries allows it', async () => {
		server.enqueue({ status: 500, error: { message: 'temporary' } }, 'Recovered');
		const result = await invokeWithTimeout(modelFor({ maxRetries: 1 }), messages, { timeoutMs: 10_000 });
		expect(result.text).toBe('Recovered');
		expect(server.chatRequests()).toHaveLength(2);
	});

	it('maps an unreachable server to http / connection', async () => {
		const closed = await startOpenAiServer();
		const baseUrl = closed.baseUrl;
		await closed.close();
		const error = await failure(invokeWithTimeout(modelFor({ baseUrl }), messages, { timeoutMs: 5000 }));
		expect(error).toMatchObject({ kind: 'http', code: 'connection' });
		expect(error.hint).toMatch(/base URL/);
	});

	it('keeps the API key and custom header values out of error messages the server echoes', async () => {
		const headerSecret = 'gateway-secret-value';
		server.setResponder((request) => ({
			status: 400,
			error: { message: `Rejected key ${API_KEY} with header ${headerSecret} for ${request.model}` },
		}));
		const error = await failure(invokeWithTimeout(modelFor({ headers: { 'api-key': headerSecret } }), messages, { timeoutMs: 5000 }));
		expect(error.message).toContain('Rejected key');
		expect(error.message).not.toContain(API_KEY);
		expect(error.message).not.toContain(headerSecret);
		expect(error.message).toContain('gpt-4.1-mini');
	});

	it('reads the content blocks a ChatOpenAI on the Responses API returns', async () => {
		server.enqueue({ content: 'Parking is free for guests.', usage: { promptTokens: 17, completionTokens: 6 } });
		const model = new ChatOpenAI({ apiKey: API_KEY, model: 'gpt-4.1-mini', maxRetries: 0, useResponsesApi: true, configuration: { baseURL: server.baseUrl } });
		const result = await invokeWithTimeout(model, messages, { timeoutMs: 5000 });
		expect(result.text).toBe('Parking is free for guests.');
		expect(result.usage).toEqual({ inputTokens: 17, outputTokens: 6, model: 'gpt-4.1-mini', estimated: false });
		expect(server.lastChatRequest()?.api).toBe('responses');
	});

	it('fails with invalid_output when the model returns no message', async () => {
		const broken = { invoke: async () => 42 } as unknown as ChatModelLike;
		expect(await failure(invokeWithTimeout(broken, messages))).toMatchObject({ kind: 'invalid_output' });
	});
});

describe('createOpenAiCompatibleModel', () => {
	it('sends the organization and custom headers; secret-looking headers are redacted in the record', async () => {
		server.enqueue('ok');
		await invokeWithTimeout(modelFor({ organizationId: 'org-hotel', headers: { 'api-key': 'gateway-key', 'x-tenant': 'hotel-42' } }), messages, { timeoutMs: 5000 });
		const { headers } = server.lastChatRequest()!;
		expect(headers['openai-organization']).toBe('org-hotel');
		expect(headers['x-tenant']).toBe('hotel-42');
		expect(headers['api-key']).toBe('***');
	});

	it('accepts a base URL with a trailing slash', async () => {
		server.enqueue('ok');
		const result = await invokeWithTimeout(modelFor({ baseUrl: `${server.baseUrl}/` }), messages, { timeoutMs: 5000 });
		expect(result.text).toBe('ok');
		expect(server.requests.at(-1)?.path).toBe('/v1/chat/completions');
	});

	it('does not send a temperature to reasoning models (which reject it)', async () => {
		server.enqueue('ok');
		await invokeWithTimeout(modelFor({ model: 'gpt-5-mini', temperature: 0.2 }), messages, { timeoutMs: 5000 });
		const request = server.lastChatRequest()!;
		expect(request.model).toBe('gpt-5-mini');
		expect(request.temperature).toBeUndefined();
		expect('temperature' in request.body).toBe(false);
		// LangChain sends the system prompt as a 'developer' message to reasoning models.
		expect(request.messages[0]).toEqual({ role: 'developer', content: messages[0].content });
	});

	it('sends a placeholder key when none is set, never the host’s OPENAI_API_KEY', async () => {
		const keyless = await startOpenAiServer({ apiKeys: ['no-key'], defaultReply: 'keyless ok' });
		const previous = process.env.OPENAI_API_KEY;
		process.env.OPENAI_API_KEY = 'sk-host-environment-key';
		try {
			const model = createOpenAiCompatibleModel({ apiKey: '', baseUrl: keyless.baseUrl, model: 'llama3.1:8b', maxRetries: 0 });
			const result = await invokeWithTimeout(model, messages, { timeoutMs: 5000 });
			expect(result.text).toBe('keyless ok');
		} finally {
			if (previous === undefined) delete process.env.OPENAI_API_KEY;
			else process.env.OPENAI_API_KEY = previous;
			await keyless.close();
		}
	});
});
