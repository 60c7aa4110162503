// A local OpenAI-compatible HTTP server on 127.0.0.1 for tests of LLM paths (@langchain/openai's
// ChatOpenAI, n8n's OpenAI chat model node, our credential path), and for the `npm start` demo of the
// LLM workflow (with the scripted concierge of sandbox/concierge-model.ts). node:http only.
//
// Endpoints (bearer-checked unless `apiKeys: []`):
//   POST /v1/chat/completions   JSON, or server-sent events when the body has `stream: true`
//   POST /v1/responses          the Responses API, which n8n's OpenAI Chat Model node (v1.3) uses by
//                               default; JSON or server-sent events; same scripted replies
//   GET  /v1/models             the configured model ids
// Anything else answers 404 the way OpenAI does ("Invalid URL"), so a base URL without /v1 fails visibly.
//
// What a chat request gets, in this order: the timeout mode (no answer until the mode is turned off or
// the server closes) → the next queued reply → the responder → the default reply → HTTP 500 "no
// scripted reply" (so a test that forgot to script fails loudly).
//
// Every request is recorded (API key and other secret headers redacted) so a test can assert what the
// model saw: messages (content flattened to text), model, temperature, stream, the raw body.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

export interface ScriptedUsage {
	promptTokens?: number;
	completionTokens?: number;
}

/** A normal answer. `usage: null` leaves usage out of the response (as some servers do). */
export interface ScriptedMessage {
	content: string;
	usage?: ScriptedUsage | null;
	/** The model the response names; default: the requested one. */
	model?: string;
	finishReason?: 'stop' | 'length' | 'content_filter';
	delayMs?: number;
	/** Streaming only: wait this long between chunks. */
	chunkDelayMs?: number;
	/** Chat completions (not streamed): the reply asks for these tool calls (finish_reason `tool_calls`). */
	toolCalls?: Array<{ id?: string; name: string; arguments: Record<string, unknown> | string }>;
}

/** An HTTP error with OpenAI's error body (or `rawBody` as text, e.g. a proxy's HTML page). */
export interface ScriptedError {
	status: number;
	error?: { message?: string; type?: string; code?: string | null };
	rawBody?: string;
	delayMs?: number;
}

/** Never answers (until the server closes): for client timeout tests. */
export interface ScriptedHang {
	hang: true;
}

/** Waits, then answers as the inner reply (or as the next rule when `then` is omitted). */
export interface ScriptedDelay {
	delayMs: number;
	then?: ScriptedMessage | ScriptedError | string;
}

export type ScriptedReply = string | ScriptedMessage | ScriptedError | ScriptedHang | ScriptedDelay;

export interface RecordedMessage {
	role: string;
	/** Text content; text parts are joined ('text' / 'input_text' / 'output_text'), others dropped. */
	content: string;
}

export interface ChatRequest {
	/** Which endpoint was called. */
	api: 'chat.completions' | 'responses';
	model?: string;
	messages: RecordedMessage[];
	temperature?: number;
	stream: boolean;
	/** The parsed JSON body as sent. */
	body: Record<string, unknown>;
	headers: Record<string, string>;
}

export type Responder = (request: ChatRequest) => ScriptedReply | Promise<ScriptedReply>;

export interface RecordedRequest {
	seq: number;
	method: string;
	path: string;
	/** Lower-cased; authorization / api-key / x-api-key values are '***' (authorization: 'Bearer ***'). */
	headers: Record<string, string>;
	/** For chat completions: what the model saw. */
	chat?: ChatRequest;
	/** Parsed JSON body, raw text, or undefined. */
	body: unknown;
	response: { status: number; kind: 'json' | 'stream' | 'error' | 'hang' | 'aborted'; content?: string };
	timestamp: string;
}

export interface OpenAiServerOptions {
	/** Accepted bearer tokens; default ['test-key']. An empty list turns the check off (like Ollama). */
	apiKeys?: string[];
	/** Listed by GET /v1/models; default ['test-model']. */
	models?: string[];
	/** Answer 404 model_not_found for models not in `models`. Default false. */
	rejectUnknownModels?: boolean;
	/** Initial reply queue. */
	replies?: ScriptedReply[];
	responder?: Responder;
	/** Used when the queue is empty and there is no responder. */
	defaultReply?: ScriptedReply;
	/** Start in timeout mode. */
	hang?: boolean;
	/** 0 (default) picks a free port. */
	port?: number;
}

export interface OpenAiServer {
	/** The API root to configure clients with, e.g. `http://127.0.0.1:40123/v1`. */
	readonly baseUrl: string;
	/** Without /v1. */
	readonly origin: string;
	readonly port: number;
	/** Every request so far, oldest first (live array). */
	readonly requests: readonly RecordedRequest[];
	/** What the model saw in each chat request (both APIs), oldest first. */
	chatRequests(): ChatRequest[];
	lastChatRequest(): ChatRequest | undefined;
	enqueue(...replies: ScriptedReply[]): void;
	setResponder(responder: Responder | undefined): void;
	setDefaultReply(reply: ScriptedReply | undefined): void;
	/** On: chat requests get no answer until turned off (they then stay unanswered) or close(). */
	setTimeoutMode(on: boolean): void;
	/** Resolves when at least `count` chat requests have arrived. */
	waitForChatRequests(count: number, timeoutMs?: number): Promise<ChatRequest[]>;
	/** Requests currently held open (timeout mode, hang replies, delays); a client abort releases them. */
	openRequestCount(): number;
	/** Clears the queue, responder, default reply, timeout mode and records. */
	reset(): void;
	/** Ends held requests, closes every socket and the server. Idempotent. */
	close(): Promise<void>;
}

const SECRET_HEADERS = new Set(['authorization', 'api-key', 'x-api-key', 'openai-api-key']);

function redactHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
	const result: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers)) {
		if (value === undefined) continue;
		const text = Array.isArray(value) ? value.join(', ') : value;
		if (name === 'authorization') result[name] = /^bearer\s/i.test(text) ? 'Bearer ***' : '***';
		else result[name] = SECRET_HEADERS.has(name) ? '***' : text;
	}
	return result;
}

const TEXT_PARTS = new Set(['text', 'input_text', 'output_text']);

function contentText(content: unknown): string {
	if (typeof content === 'string') return content;
	if (!Array.isArray(content)) return content === null || content === undefined ? '' : JSON.stringify(content);
	return content
		.map((part) => {
			if (typeof part === 'string') return part;
			const { type, text } = (part ?? {}) as { type?: unknown; text?: unknown };
			return TEXT_PARTS.has(String(type)) && typeof text === 'string' ? text : '';
		})
		.join('');
}

const estimate = (text: string) => Math.ceil(text.length / 4);

function isError(reply: ScriptedReply): reply is ScriptedError {
	return typeof reply === 'object' && 'status' in reply;
}

function isHang(reply: ScriptedReply): reply is ScriptedHang {
	return typeof reply === 'object' && 'hang' in reply && reply.hang === true;
}

function isDelay(reply: ScriptedReply): reply is ScriptedDelay {
	return typeof reply === 'object' && 'delayMs' in reply && !('content' in reply) && !('status' in reply);
}

function openAiError(status: number, message: string, type = 'invalid_request_error', code: string | null = null) {
	return { status, error: { message, type, code } } satisfies ScriptedError;
}

export async function startOpenAiServer(options: OpenAiServerOptions = {}): Promise<OpenAiServer> {
	const apiKeys = options.apiKeys ?? ['test-key'];
	const models = options.models ?? ['test-model'];
	const requests: RecordedRequest[] = [];
	let queue: ScriptedReply[] = [...(options.replies ?? [])];
	let responder = options.responder;
	let defaultReply = options.defaultReply;
	let timeoutMode = options.hang === true;
	let closed = false;
	let sequence = 0;
	const sockets = new Set<Socket>();
	const held = new Set<http.ServerResponse>();
	const timers = new Map<NodeJS.Timeout, () => void>();

	/** Resolves after `ms`, or early when the server closes (callers check `closed`). */
	const sleep = (ms: number) =>
		new Promise<void>((resolve) => {
			const timer = setTimeout(() => {
				timers.delete(timer);
				resolve();
			}, ms);
			timers.set(timer, resolve);
		});

	function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
		if (response.destroyed || response.writableEnded) return;
		const text = JSON.stringify(body);
		response.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
		response.end(text);
	}

	async function readBody(request: http.IncomingMessage): Promise<string> {
		const chunks: Buffer[] = [];
		for await (const chunk of request) chunks.push(chunk as Buffer);
		return Buffer.concat(chunks).toString('utf8');
	}

	async function nextReply(chat: ChatRequest): Promise<ScriptedReply> {
		if (queue.length > 0) return queue.shift()!;
		if (responder) return await responder(chat);
		if (defaultReply !== undefined) return defaultReply;
		return openAiError(500, 'openai-server: no scripted reply for this request (enqueue one, or set a responder or default reply)', 'server_error');
	}

	function usageFor(chat: ChatRequest, reply: ScriptedMessage) {
		if (reply.usage === null) return undefined;
		const promptTokens = reply.usage?.promptTokens ?? estimate(chat.messages.map((message) => message.content).join(''));
		const completionTokens = reply.usage?.completionTokens ?? estimate(reply.content);
		return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
	}

	async function answerChat(response: http.ServerResponse, chat: ChatRequest, record: RecordedRequest, seq: number): Promise<void> {
		if (timeoutMode) {
			record.response = { status: 0, kind: 'hang' };
			return hold(response);
		}
		let reply = await nextReply(chat);
		while (isDelay(reply)) {
			await pause(response, reply.delayMs);
			if (closed) return;
			reply = reply.then ?? (await nextReply(chat));
		}
		if (isHang(reply)) {
			record.response = { status: 0, kind: 'hang' };
			return hold(response);
		}
		if (typeof reply === 'string') reply = { content: reply };
		await pause(response, reply.delayMs);
		if (closed) return;
		if (response.destroyed) {
			record.response = { status: 0, kind: 'aborted' };
			return;
		}
		if (isError(reply)) {
			record.response = { status: reply.status, kind: 'error', content: reply.error?.message ?? reply.rawBody };
			if (reply.rawBody !== undefined) {
				response.writeHead(reply.status, { 'content-type': 'text/html' });
				response.end(reply.rawBody);
				return;
			}
			sendJson(response, reply.status, {
				error: { message: reply.error?.message ?? `HTTP ${reply.status}`, type: reply.error?.type ?? 'server_error', param: null, code: reply.error?.code ?? null },
			});
			return;
		}
		if (chat.api === 'responses') await writeResponses(response, chat, record, seq, reply);
		else await writeCompletions(response, chat, record, seq, reply);
	}

	async function pause(response: http.ServerResponse, ms: number | undefined): Promise<void> {
		if (!ms) return;
		hold(response);
		await sleep(ms);
		held.delete(response);
	}

	function startEvents(response: http.ServerResponse): (data: unknown, name?: string) => void {
		response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
		return (data, name) => {
			if (!response.destroyed) response.write(`${name ? `event: ${name}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
		};
	}

	/** Word-sized pieces, so clients really concatenate deltas. */
	const piecesOf = (text: string) => text.match(/\S+\s*|\s+/g) ?? [];

	async function writeCompletions(response: http.ServerResponse, chat: ChatRequest, record: RecordedRequest, seq: number, message: ScriptedMessage): Promise<void> {
		const id = `chatcmpl-test-${seq}`;
		const created = Math.floor(Date.now() / 1000);
		const model = message.model ?? chat.model ?? models[0];
		const usage = usageFor(chat, message);
		const finishReason = message.finishReason ?? 'stop';
		if (!chat.stream) {
			const toolCalls = (message.toolCalls ?? []).map((call, index) => ({
				id: call.id ?? `call_${seq}_${index + 1}`,
				type: 'function',
				function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
			}));
			record.response = { status: 200, kind: 'json', content: toolCalls.length ? JSON.stringify(toolCalls) : message.content };
			sendJson(response, 200, {
				id,
				object: 'chat.completion',
				created,
				model,
				choices: [
					{
						index: 0,
						message: { role: 'assistant', content: toolCalls.length && !message.content ? null : message.content, refusal: null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
						logprobs: null,
						finish_reason: toolCalls.length ? 'tool_calls' : finishReason,
					},
				],
				...(usage ? { usage } : {}),
			});
			return;
		}
		record.response = { status: 200, kind: 'stream', content: message.content };
		const event = startEvents(response);
		const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
			id,
			object: 'chat.completion.chunk',
			created,
			model,
			choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
		});
		event(chunk({ role: 'assistant', content: '' }, null));
		for (const piece of piecesOf(message.content)) {
			await pause(response, message.chunkDelayMs);
			if (closed) return;
			event(chunk({ content: piece }, null));
		}
		event(chunk({}, finishReason));
		const streamOptions = chat.body.stream_options as { include_usage?: boolean } | undefined;
		if (usage && streamOptions?.include_usage) event({ id, object: 'chat.completion.chunk', created, model, choices: [], usage });
		if (!response.destroyed) response.end('data: [DONE]\n\n');
	}

	async function writeResponses(response: http.ServerResponse, chat: ChatRequest, record: RecordedRequest, seq: number, message: ScriptedMessage): Promise<void> {
		const id = `resp_test_${seq}`;
		const messageId = `msg_test_${seq}`;
		const model = message.model ?? chat.model ?? models[0];
		const counts = usageFor(chat, message);
		const usage = counts
			? {
					input_tokens: counts.prompt_tokens,
					input_tokens_details: { cached_tokens: 0 },
					output_tokens: counts.completion_tokens,
					output_tokens_details: { reasoning_tokens: 0 },
					total_tokens: counts.total_tokens,
				}
			: null;
		const outputMessage = (status: string, text: string | undefined) => ({
			type: 'message',
			id: messageId,
			status,
			role: 'assistant',
			content: text === undefined ? [] : [{ type: 'output_text', text, annotations: [] }],
		});
		const body = (status: string, output: unknown[], withUsage: boolean) => ({
			id,
			object: 'response',
			created_at: Math.floor(Date.now() / 1000),
			status,
			error: null,
			incomplete_details: message.finishReason === 'length' ? { reason: 'max_output_tokens' } : null,
			model,
			output,
			usage: withUsage ? usage : null,
		});
		if (!chat.stream) {
			record.response = { status: 200, kind: 'json', content: message.content };
			sendJson(response, 200, body('completed', [outputMessage('completed', message.content)], true));
			return;
		}
		record.response = { status: 200, kind: 'stream', content: message.content };
		const event = startEvents(response);
		let sequenceNumber = 0;
		const emit = (type: string, fields: Record<string, unknown>) => event({ type, sequence_number: sequenceNumber++, ...fields }, type);
		emit('response.created', { response: body('in_progress', [], false) });
		emit('response.output_item.added', { output_index: 0, item: outputMessage('in_progress', undefined) });
		for (const piece of piecesOf(message.content)) {
			await pause(response, message.chunkDelayMs);
			if (closed) return;
			emit('response.output_text.delta', { item_id: messageId, output_index: 0, content_index: 0, delta: piece });
		}
		emit('response.output_text.done', { item_id: messageId, output_index: 0, content_index: 0, text: message.content });
		emit('response.output_item.done', { output_index: 0, item: outputMessage('completed', message.content) });
		emit('response.completed', { response: body('completed', [outputMessage('completed', message.content)], true) });
		if (!response.destroyed) response.end();
	}

	function hold(response: http.ServerResponse): void {
		held.add(response);
		response.on('close', () => held.delete(response));
	}

	async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
		const url = new URL(request.url ?? '/', 'http://127.0.0.1');
		const seq = ++sequence;
		const record: RecordedRequest = {
			seq,
			method: request.method ?? 'GET',
			path: url.pathname,
			headers: redactHeaders(request.headers),
			body: undefined,
			response: { status: 0, kind: 'json' },
			timestamp: new Date().toISOString(),
		};
		requests.push(record);
		const raw = await readBody(request);
		if (raw) {
			try {
				record.body = JSON.parse(raw);
			} catch {
				record.body = raw;
			}
		}
		const fail = (status: number, message: string, type?: string, code?: string | null) => {
			record.response = { status, kind: 'error', content: message };
			sendJson(response, status, openAiError(status, message, type, code));
		};

		if (apiKeys.length > 0) {
			const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
			if (!match) {
				return fail(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth.", 'invalid_request_error', null);
			}
			if (!apiKeys.includes(match[1].trim())) {
				const key = match[1].trim();
				const masked = key.length > 8 ? `${key.slice(0, 3)}*****${key.slice(-4)}` : '*****';
				return fail(401, `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', 'invalid_api_key');
			}
		}

		if (request.method === 'GET' && url.pathname === '/v1/models') {
			record.response = { status: 200, kind: 'json' };
			sendJson(response, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'openai-server' })) });
			return;
		}
		const api = request.method !== 'POST' ? undefined : url.pathname === '/v1/chat/completions' ? 'chat.completions' : url.pathname === '/v1/responses' ? 'responses' : undefined;
		if (!api) return fail(404, `Invalid URL (${request.method} ${url.pathname})`);
		const body = record.body;
		const json = (body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
		let messages: RecordedMessage[];
		if (api === 'chat.completions') {
			if (!Array.isArray(json.messages)) return fail(400, "We could not parse the JSON body of your request, or it has no 'messages' array.");
			messages = (json.messages as Array<{ role?: unknown; content?: unknown }>).map((message) => ({ role: String(message.role ?? ''), content: contentText(message.content) }));
		} else {
			if (typeof json.input !== 'string' && !Array.isArray(json.input)) return fail(400, "Missing required parameter: 'input'.");
			const items = typeof json.input === 'string' ? [{ role: 'user', content: json.input }] : (json.input as Array<{ role?: unknown; content?: unknown }>);
			messages = items.filter((item) => item.role !== undefined).map((item) => ({ role: String(item.role), content: contentText(item.content) }));
			if (typeof json.instructions === 'string') messages.unshift({ role: 'system', content: json.instructions });
		}
		const chat: ChatRequest = {
			api,
			model: typeof json.model === 'string' ? json.model : undefined,
			messages,
			temperature: typeof json.temperature === 'number' ? json.temperature : undefined,
			stream: json.stream === true,
			body: json,
			headers: record.headers,
		};
		record.chat = chat;
		if (!chat.model) return fail(400, 'you must provide a model parameter');
		if (options.rejectUnknownModels && !models.includes(chat.model)) {
			return fail(404, `The model \`${chat.model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found');
		}
		await answerChat(response, chat, record, seq);
	}

	const server = http.createServer((request, response) => {
		handle(request, response).catch((error: Error) => {
			if (!response.headersSent && !response.destroyed) sendJson(response, 500, openAiError(500, `openai-server: ${error.message}`, 'server_error'));
		});
	});
	server.on('connection', (socket: Socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});
	const port = (server.address() as AddressInfo).port;
	const origin = `http://127.0.0.1:${port}`;

	const chatRequests = () => requests.filter((request) => request.chat).map((request) => request.chat!);

	return {
		baseUrl: `${origin}/v1`,
		origin,
		port,
		requests,
		chatRequests,
		lastChatRequest: () => chatRequests().at(-1),
		enqueue: (...replies) => {
			queue.push(...replies);
		},
		setResponder: (next) => {
			responder = next;
		},
		setDefaultReply: (reply) => {
			defaultReply = reply;
		},
		setTimeoutMode: (on) => {
			timeoutMode = on;
		},
		async waitForChatRequests(count, timeoutMs = 5000) {
			const deadline = Date.now() + timeoutMs;
			while (chatRequests().length < count) {
				if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${count} chat requests, have ${chatRequests().length}`);
				await new Promise((resolve) => setTimeout(resolve, 5));
			}
			return chatRequests();
		},
		openRequestCount: () => held.size,
		reset() {
			queue = [];
			responder = undefined;
			defaultReply = undefined;
			timeoutMode = false;
			requests.length = 0;
		},
		async close() {
			if (closed) return;
			closed = true;
			for (const [timer, resolve] of timers) {
				clearTimeout(timer);
				resolve();
			}
			timers.clear();
			for (const response of held) response.destroy();
			held.clear();
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
				for (const socket of sockets) socket.destroy();
			});
		},
	};
}
