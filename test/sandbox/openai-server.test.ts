// The local OpenAI-compatible server itself, over raw HTTP and through @langchain/openai's streaming.
import { ChatOpenAI } from '@langchain/openai';

import { startOpenAiServer, type OpenAiServer } from '../../sandbox/openai-server';

const KEY = 'test-key';

async function post(server: OpenAiServer, body: unknown, options: { key?: string | null; path?: string } = {}) {
	const headers: Record<string, string> = { 'content-type': 'application/json' };
	const key = options.key === undefined ? KEY : options.key;
	if (key !== null) headers.authorization = `Bearer ${key}`;
	const response = await fetch(`${server.origin}${options.path ?? '/v1/chat/completions'}`, { method: 'POST', headers, body: JSON.stringify(body) });
	const text = await response.text();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests walk arbitrary response JSON
	return { status: response.status, contentType: response.headers.get('content-type'), text, json: json as Record<string, any> };
}

const chat = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'test-model', messages: [{ role: 'user', content }], ...extra });

describe('OpenAI-compatible test server', () => {
	let server: OpenAiServer;

	beforeEach(async () => {
		server = await startOpenAiServer();
	});

	afterEach(async () => {
		await server.close();
	});

	it('answers queued replies in order, in OpenAI’s response shape with usage', async () => {
		server.enqueue('First', { content: 'Second', usage: { promptTokens: 12, completionTokens: 3 }, model: 'served-model', finishReason: 'length' });
		const first = await post(server, chat('a'.repeat(8)));
		expect(first.status).toBe(200);
		expect(first.json.object).toBe('chat.completion');
		expect(first.json.choices[0]).toMatchObject({ index: 0, message: { role: 'assistant', content: 'First' }, finish_reason: 'stop' });
		expect(first.json.model).toBe('test-model');
		// Default usage: characters / 4 of the prompt and the reply.
		expect(first.json.usage).toEqual({ prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 });

		const second = await post(server, chat('b'));
		expect(second.json.choices[0].message.content).toBe('Second');
		expect(second.json.choices[0].finish_reason).toBe('length');
		expect(second.json.model).toBe('served-model');
		expect(second.json.usage).toEqual({ prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 });
	});

	it('fails loudly with 500 when nothing is scripted, then uses the responder, then the default reply', async () => {
		const unscripted = await post(server, chat('x'));
		expect(unscripted.status).toBe(500);
		expect(unscripted.json.error.message).toMatch(/no scripted reply/);

		server.setResponder((request) => `echo: ${request.messages.at(-1)?.content} at ${request.temperature}`);
		expect((await post(server, chat('hello', { temperature: 0.4 }))).json.choices[0].message.content).toBe('echo: hello at 0.4');

		server.setResponder(undefined);
		server.setDefaultReply('fallback');
		expect((await post(server, chat('x'))).json.choices[0].message.content).toBe('fallback');
	});

	it('records what the model saw, content parts flattened, with the key redacted', async () => {
		server.setDefaultReply('ok');
		await post(server, {
			model: 'test-model',
			temperature: 0,
			messages: [
				{ role: 'system', content: 'Be brief.' },
				{ role: 'user', content: [{ type: 'text', text: 'Part one, ' }, { type: 'image_url', image_url: { url: 'x' } }, { type: 'text', text: 'part two' }] },
			],
		});
		const request = server.lastChatRequest()!;
		expect(request.messages).toEqual([
			{ role: 'system', content: 'Be brief.' },
			{ role: 'user', content: 'Part one, part two' },
		]);
		expect(request.temperature).toBe(0);
		expect(request.stream).toBe(false);
		expect(request.headers.authorization).toBe('Bearer ***');
		expect(JSON.stringify(server.requests)).not.toContain(KEY);
		expect(server.requests[0].response).toEqual({ status: 200, kind: 'json', content: 'ok' });
	});

	it('checks the bearer token, and can run without one', async () => {
		const missing = await post(server, chat('x'), { key: null });
		expect(missing.status).toBe(401);
		expect(missing.json.error.message).toMatch(/didn't provide an API key/);
		const wrong = await post(server, chat('x'), { key: 'sk-wrong-key-123456' });
		expect(wrong.status).toBe(401);
		expect(wrong.json.error.code).toBe('invalid_api_key');
		expect(wrong.text).not.toContain('sk-wrong-key-123456');

		const open = await startOpenAiServer({ apiKeys: [], defaultReply: 'no auth needed' });
		try {
			expect((await post(open, chat('x'), { key: null })).json.choices[0].message.content).toBe('no auth needed');
		} finally {
			await open.close();
		}
	});

	it('lists models, rejects unknown ones when asked, and 404s other paths', async () => {
		const strict = await startOpenAiServer({ models: ['m1', 'm2'], rejectUnknownModels: true, defaultReply: 'ok' });
		try {
			const models = await fetch(`${strict.baseUrl}/models`, { headers: { authorization: `Bearer ${KEY}` } });
			expect(((await models.json()) as { data: Array<{ id: string }> }).data.map((model) => model.id)).toEqual(['m1', 'm2']);
			const unknown = await post(strict, chat('x'));
			expect(unknown.status).toBe(404);
			expect(unknown.json.error.code).toBe('model_not_found');
			expect((await post(strict, { ...chat('x'), model: 'm2' })).status).toBe(200);
		} finally {
			await strict.close();
		}
		const wrongPath = await post(server, chat('x'), { path: '/chat/completions' });
		expect(wrongPath.status).toBe(404);
		expect(wrongPath.json.error.message).toBe('Invalid URL (POST /chat/completions)');
		expect((await post(server, { model: 'test-model' })).status).toBe(400);
	});

	it('answers scripted errors with OpenAI’s error body, or a raw page', async () => {
		server.enqueue({ status: 429, error: { message: 'Slow down', type: 'requests', code: 'rate_limit_exceeded' } }, { status: 502, rawBody: '<html>Bad Gateway</html>' });
		const limited = await post(server, chat('x'));
		expect(limited.status).toBe(429);
		expect(limited.json).toEqual({ error: { message: 'Slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } });
		const gateway = await post(server, chat('x'));
		expect(gateway.status).toBe(502);
		expect(gateway.text).toBe('<html>Bad Gateway</html>');
	});

	it('delays replies: { delayMs } alone waits and then takes the next rule', async () => {
		server.enqueue({ delayMs: 150 }, 'after the wait');
		const started = Date.now();
		const reply = await post(server, chat('x'));
		expect(Date.now() - started).toBeGreaterThanOrEqual(140);
		expect(reply.json.choices[0].message.content).toBe('after the wait');

		server.setResponder(() => ({ delayMs: 100, then: { status: 503, error: { message: 'overloaded' } } }));
		const delayedError = await post(server, chat('x'));
		expect(delayedError.status).toBe(503);
	});

	it('streams server-sent events, with a usage chunk when stream_options asks for it', async () => {
		server.enqueue({ content: 'Hello dear guest', usage: { promptTokens: 9, completionTokens: 4 } });
		const streamed = await post(server, chat('hi', { stream: true, stream_options: { include_usage: true } }));
		expect(streamed.contentType).toBe('text/event-stream');
		const events = streamed.text.split('\n\n').filter(Boolean).map((event) => event.replace(/^data: /, ''));
		expect(events.at(-1)).toBe('[DONE]');
		const chunks = events.slice(0, -1).map((event) => JSON.parse(event));
		expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
		expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe('Hello dear guest');
		expect(chunks.filter((chunk) => chunk.choices[0]?.delta?.content).length).toBeGreaterThan(1);
		expect(chunks.at(-2).choices[0].finish_reason).toBe('stop');
		expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } });
		expect(server.requests.at(-1)?.response.kind).toBe('stream');

		server.enqueue('No usage please');
		const plain = await post(server, chat('hi', { stream: true }));
		expect(plain.text).not.toContain('"usage"');
	});

	it('streams to @langchain/openai’s ChatOpenAI.stream(), which reassembles text and usage', async () => {
		server.enqueue({ content: 'Check-in is from 15:00.', usage: { promptTokens: 20, completionTokens: 7 } });
		const model = new ChatOpenAI({ apiKey: KEY, model: 'test-model', maxRetries: 0, configuration: { baseURL: server.baseUrl } });
		let text = '';
		let inputTokens = 0;
		let outputTokens = 0;
		for await (const chunk of await model.stream([{ role: 'user', content: 'When is check-in?' }])) {
			text += typeof chunk.content === 'string' ? chunk.content : '';
			inputTokens += chunk.usage_metadata?.input_tokens ?? 0;
			outputTokens += chunk.usage_metadata?.output_tokens ?? 0;
		}
		expect(text).toBe('Check-in is from 15:00.');
		expect({ inputTokens, outputTokens }).toEqual({ inputTokens: 20, outputTokens: 7 });
		expect(server.lastChatRequest()?.stream).toBe(true);
	});

	it('speaks the Responses API too: instructions and input recorded as messages, output_text and usage returned', async () => {
		server.enqueue({ content: 'Late check-out costs 20 EUR.', usage: { promptTokens: 15, completionTokens: 6 } });
		const reply = await post(
			server,
			{
				model: 'test-model',
				instructions: 'You are the front desk.',
				input: [{ role: 'user', content: [{ type: 'input_text', text: 'Late check-out?' }] }],
				temperature: 0.5,
			},
			{ path: '/v1/responses' },
		);
		expect(reply.status).toBe(200);
		expect(reply.json).toMatchObject({
			object: 'response',
			status: 'completed',
			model: 'test-model',
			output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Late check-out costs 20 EUR.', annotations: [] }] }],
			usage: { input_tokens: 15, output_tokens: 6, total_tokens: 21 },
		});
		expect(server.lastChatRequest()).toMatchObject({
			api: 'responses',
			temperature: 0.5,
			messages: [
				{ role: 'system', content: 'You are the front desk.' },
				{ role: 'user', content: 'Late check-out?' },
			],
		});
		expect((await post(server, { model: 'test-model' }, { path: '/v1/responses' })).status).toBe(400);
	});

	it('streams Responses API events that ChatOpenAI (useResponsesApi) reassembles', async () => {
		server.enqueue({ content: 'The spa opens at nine.', usage: { promptTokens: 11, completionTokens: 5 } });
		const model = new ChatOpenAI({ apiKey: KEY, model: 'test-model', maxRetries: 0, useResponsesApi: true, configuration: { baseURL: server.baseUrl } });
		let text = '';
		let outputTokens = 0;
		for await (const chunk of await model.stream([{ role: 'user', content: 'Spa hours?' }])) {
			for (const block of Array.isArray(chunk.content) ? chunk.content : [chunk.content]) {
				text += typeof block === 'string' ? block : ((block as { text?: string }).text ?? '');
			}
			outputTokens += chunk.usage_metadata?.output_tokens ?? 0;
		}
		expect(text).toBe('The spa opens at nine.');
		expect(outputTokens).toBe(5);
		expect(server.lastChatRequest()).toMatchObject({ api: 'responses', stream: true });
		expect(server.requests.at(-1)?.path).toBe('/v1/responses');
	});

	it('holds requests in timeout mode; close() ends them and closes cleanly', async () => {
		server.setTimeoutMode(true);
		const pending = fetch(`${server.baseUrl}/chat/completions`, {
			method: 'POST',
			headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
			body: JSON.stringify(chat('anyone there?')),
		}).then(
			() => 'answered',
			() => 'connection closed',
		);
		await server.waitForChatRequests(1);
		expect(server.openRequestCount()).toBe(1);
		const settledEarly = await Promise.race([pending, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 200))]);
		expect(settledEarly).toBe('still waiting');
		await server.close();
		expect(await pending).toBe('connection closed');
		expect(server.openRequestCount()).toBe(0);
		await server.close(); // idempotent
	});

	it('holds a single { hang: true } reply while others are answered, and reset() clears everything', async () => {
		server.enqueue({ hang: true });
		const controller = new AbortController();
		const hanging = fetch(`${server.baseUrl}/chat/completions`, {
			method: 'POST',
			headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
			body: JSON.stringify(chat('first')),
			signal: controller.signal,
		}).catch(() => 'aborted');
		await server.waitForChatRequests(1);
		server.enqueue('second answered');
		expect((await post(server, chat('second'))).json.choices[0].message.content).toBe('second answered');
		controller.abort();
		expect(await hanging).toBe('aborted');

		server.enqueue('leftover');
		server.reset();
		expect(server.requests).toHaveLength(0);
		expect((await post(server, chat('x'))).status).toBe(500);
	});
});
