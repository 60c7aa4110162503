/**
 * A bounded tool-calling loop: the model (with the tools bound through LangChain's `bindTools`) either
 * asks for tool calls or answers. Tool calls run one after the other, each with its own timeout; a tool
 * error, an unknown tool or arguments that fail the tool's schema go back to the model as the tool's
 * answer, so it can correct itself or say it cannot help. Past the limits (tool calls per turn, total
 * time) the loop stops with a ToolLoopError: the turn is unanswered, never answered with a guess.
 *
 * Every call is recorded (name, masked arguments, result size, duration, error) and every model call's
 * tokens are summed, so the turn log and the Cost Logger see the whole turn.
 */
import { LlmError } from '../llm/errors';
import { invokeWithTimeout } from '../llm/invoke';
import { replyText } from '../llm/content';
import { repairMessage } from '../llm/structured';
import type { ChatModelLike, LlmMessage, ModelReply, TokenUsage } from '../llm/types';
import { sumTokenUsage } from '../llm/usage';

/** What we need of a LangChain tool (StructuredTool, DynamicTool, an n8n tool sub-node's tool). */
export interface ToolLike {
	name: string;
	description?: string;
	schema?: unknown;
	invoke(input: unknown, config?: { signal?: AbortSignal }): Promise<unknown>;
	metadata?: Record<string, unknown>;
}

/** A chat model that can bind tools (every LangChain chat model with tool calling). */
export interface ToolCallingModel extends ChatModelLike {
	bindTools?(tools: readonly unknown[], kwargs?: Record<string, unknown>): unknown;
}

export interface ToolLoopLimits {
	/** Tool calls one turn may make; a model asking for more ends the turn unanswered. */
	maxToolCalls: number;
	/** How long one tool call may take before the model is told it timed out. */
	toolTimeoutMs: number;
	/** The whole turn: every model call and tool call. */
	totalTimeoutMs: number;
}

export const DEFAULT_TOOL_LIMITS: ToolLoopLimits = { maxToolCalls: 5, toolTimeoutMs: 15_000, totalTimeoutMs: 60_000 };

/** One tool call as the turn records it. Never holds raw personal data or the tool's full answer. */
export interface ToolCallLog {
	id: string;
	name: string;
	/** The arguments the model gave, masked. */
	input: unknown;
	/** Characters of the tool's answer. */
	resultSize: number;
	durationMs: number;
	/** Why the call failed: what the model was told, masked. */
	error?: string;
}

export interface ToolLoopPrivacy {
	/** Masks personal data in text that goes to the model or the turn log. */
	mask(text: string): string;
	/** The arguments a tool really receives: placeholders filled in again when that tool needs real values. */
	restoreArguments(args: unknown, tool: ToolLike): unknown;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; problem: string };

export interface ToolLoopRequest<T> {
	model: ChatModelLike;
	messages: LlmMessage[];
	tools: ToolLike[];
	limits?: Partial<ToolLoopLimits>;
	/** Checks the final answer; an invalid one gets `repairAttempts` follow-ups (default 1). */
	validate(text: string): Validation<T>;
	repairAttempts?: number;
	privacy?: ToolLoopPrivacy;
	signal?: AbortSignal;
	modelName?: string;
	secrets?: readonly string[];
	/** One model call's limit (the node's model timeout); the total timeout still bounds it. */
	modelTimeoutMs?: number;
}

export interface ToolLoopResult<T> {
	value: T;
	raw: string;
	usage: TokenUsage;
	modelCalls: number;
	toolCalls: ToolCallLog[];
	latencyMs: number;
}

export type ToolLoopStop = 'tool_limit' | 'timeout' | 'model_error' | 'invalid_output' | 'handoff';

/**
 * Set on a tool's `metadata` by tools whose successful call ends the turn for a person to take over
 * ('handoff', 'callback'); what the tool answered (a JSON object) comes back as the ToolLoopError's `handoff`.
 */
export const ENDS_TURN = 'endsTurn';

/** The loop ended without an answer; carries what was spent and called, for the turn log and costs. */
export class ToolLoopError extends Error {
	readonly reason: ToolLoopStop;
	readonly usage?: TokenUsage;
	readonly modelCalls: number;
	readonly toolCalls: ToolCallLog[];
	readonly llmError?: LlmError;
	/** With reason 'handoff': which kind (the tool's ENDS_TURN value) and what the tool answered, masked. */
	readonly handoff?: Record<string, unknown>;

	constructor(
		reason: ToolLoopStop,
		message: string,
		spent: { usage?: TokenUsage; modelCalls: number; toolCalls: ToolCallLog[]; llmError?: LlmError; handoff?: Record<string, unknown> },
	) {
		super(message);
		this.name = 'ToolLoopError';
		this.reason = reason;
		this.usage = spent.usage;
		this.modelCalls = spent.modelCalls;
		this.toolCalls = spent.toolCalls;
		this.llmError = spent.llmError;
		this.handoff = spent.handoff;
	}
}

/** Tool answers longer than this are cut before the model sees them. */
export const MAX_TOOL_RESULT_CHARS = 12_000;

interface RequestedCall {
	id: string;
	name: string;
	args: unknown;
	/** Set when the provider could not parse the arguments. */
	malformed?: string;
}

const NO_MASK: ToolLoopPrivacy = { mask: (text) => text, restoreArguments: (args) => args };

function record(value: unknown): Record<string, unknown> | undefined {
	return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Tool calls on a model reply: parsed ones (`tool_calls`) and the ones whose arguments were not JSON (`invalid_tool_calls`). */
export function requestedToolCalls(reply: ModelReply | undefined): RequestedCall[] {
	const message = record(reply);
	if (!message) return [];
	const calls: RequestedCall[] = [];
	const fallbackId = () => `call_${calls.length + 1}`;
	for (const entry of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
		const call = record(entry);
		if (!call || typeof call.name !== 'string') continue;
		calls.push({ id: typeof call.id === 'string' && call.id ? call.id : fallbackId(), name: call.name, args: call.args ?? {} });
	}
	for (const entry of Array.isArray(message.invalid_tool_calls) ? message.invalid_tool_calls : []) {
		const call = record(entry);
		if (!call) continue;
		calls.push({
			id: typeof call.id === 'string' && call.id ? call.id : fallbackId(),
			name: typeof call.name === 'string' ? call.name : '',
			args: {},
			malformed: typeof call.error === 'string' && call.error ? call.error : 'the arguments were not valid JSON',
		});
	}
	return calls;
}

/** Applies `change` to every string inside a JSON-like value. */
export function mapStrings(value: unknown, change: (text: string) => string): unknown {
	if (typeof value === 'string') return change(value);
	if (Array.isArray(value)) return value.map((entry) => mapStrings(entry, change));
	const object = record(value);
	if (!object) return value;
	return Object.fromEntries(Object.entries(object).map(([key, entry]) => [key, mapStrings(entry, change)]));
}

function resultText(result: unknown): string {
	if (typeof result === 'string') return result;
	// A LangChain ToolMessage (tools with responseFormat 'content_and_artifact') or content blocks.
	const message = record(result);
	if (message && 'content' in message && ('tool_call_id' in message || 'lc_namespace' in message || 'artifact' in message)) {
		return replyText(message as unknown as ModelReply);
	}
	try {
		return JSON.stringify(result) ?? '';
	} catch {
		return String(result);
	}
}

function errorText(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	return message.length > 1000 ? `${message.slice(0, 1000)}…` : message;
}

class ToolTimeout extends Error {}

async function invokeTool(tool: ToolLike, args: unknown, timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
	const controller = new AbortController();
	const onCancel = () => controller.abort();
	signal?.addEventListener('abort', onCancel, { once: true });
	let timer: NodeJS.Timeout | undefined;
	const stop = new Promise<never>((_resolve, reject) => {
		timer = setTimeout(() => {
			reject(new ToolTimeout(`the tool did not answer within ${timeoutMs} ms`));
			controller.abort();
		}, timeoutMs);
	});
	const call = Promise.resolve().then(() => tool.invoke(args, { signal: controller.signal }));
	call.catch(() => undefined);
	stop.catch(() => undefined);
	try {
		return await Promise.race([call, stop]);
	} finally {
		clearTimeout(timer);
		signal?.removeEventListener('abort', onCancel);
	}
}

/** The model with the tools bound; a model that cannot call tools is a configuration error. */
export function bindToolsTo(model: ChatModelLike, tools: ToolLike[]): ChatModelLike {
	if (tools.length === 0) return model;
	const bindable = model as ToolCallingModel;
	if (typeof bindable.bindTools !== 'function') {
		throw new LlmError('other', 'The chat model cannot call tools', {
			code: 'bad_request',
			hint: 'Connect a chat model that supports tool calling (OpenAI, Anthropic, Gemini, Mistral, Ollama with a tool-capable model …), or remove the tools.',
		});
	}
	const bound = bindable.bindTools(tools);
	if (!bound || typeof (bound as ChatModelLike).invoke !== 'function') {
		throw new LlmError('other', 'The chat model returned no runnable model for its tools', { code: 'bad_request' });
	}
	return bound as ChatModelLike;
}

function positive(value: number | undefined, fallback: number): number {
	return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

export async function runToolLoop<T>(request: ToolLoopRequest<T>): Promise<ToolLoopResult<T>> {
	const limits: ToolLoopLimits = {
		maxToolCalls: Math.max(0, Math.floor(request.limits?.maxToolCalls ?? DEFAULT_TOOL_LIMITS.maxToolCalls)),
		toolTimeoutMs: positive(request.limits?.toolTimeoutMs, DEFAULT_TOOL_LIMITS.toolTimeoutMs),
		totalTimeoutMs: positive(request.limits?.totalTimeoutMs, DEFAULT_TOOL_LIMITS.totalTimeoutMs),
	};
	const privacy = request.privacy ?? NO_MASK;
	const repairAttempts = Math.max(0, Math.floor(request.repairAttempts ?? 1));
	const toolsByName = new Map(request.tools.map((tool) => [tool.name, tool]));
	const model = bindToolsTo(request.model, request.tools);
	const started = performance.now();
	const deadline = started + limits.totalTimeoutMs;
	const usages: TokenUsage[] = [];
	const toolCalls: ToolCallLog[] = [];
	// LangChain turns these plain objects into its message classes, in whatever copy of it the model uses.
	const conversation: Array<Record<string, unknown>> = request.messages.map((message) => ({ ...message }));
	let repairs = 0;
	const spent = (llmError?: LlmError) => ({ usage: usages.length ? sumTokenUsage(usages) : undefined, modelCalls: usages.length, toolCalls, llmError });

	for (;;) {
		const remaining = Math.floor(deadline - performance.now());
		if (remaining <= 0) throw new ToolLoopError('timeout', `The turn took longer than ${limits.totalTimeoutMs} ms`, spent());
		let result;
		try {
			result = await invokeWithTimeout(model, conversation as unknown as LlmMessage[], {
				timeoutMs: Math.min(remaining, positive(request.modelTimeoutMs, remaining)),
				signal: request.signal,
				modelName: request.modelName,
				secrets: request.secrets,
			});
		} catch (error) {
			if (!(error instanceof LlmError)) throw error;
			if (error.kind === 'timeout') throw new ToolLoopError('timeout', `The model or the turn ran out of time (total limit ${limits.totalTimeoutMs} ms)`, spent(error));
			throw new ToolLoopError('model_error', error.message, spent(error));
		}
		usages.push(result.usage);
		const requested = requestedToolCalls(result.reply);

		if (requested.length === 0) {
			const checked = request.validate(result.text);
			if (checked.ok) {
				return { value: checked.value, raw: result.text, usage: sumTokenUsage(usages), modelCalls: usages.length, toolCalls, latencyMs: Math.round(performance.now() - started) };
			}
			if (repairs >= repairAttempts) {
				const error = new LlmError('invalid_output', `The model's answer was not valid after ${repairs + 1} attempt(s): ${checked.problem}`, {
					code: 'schema_mismatch',
					raw: result.text,
					usage: sumTokenUsage(usages),
				});
				throw new ToolLoopError('invalid_output', error.message, spent(error));
			}
			repairs++;
			conversation.push({ role: 'assistant', content: result.text }, { role: 'user', content: repairMessage(checked.problem) });
			continue;
		}

		if (toolCalls.length + requested.length > limits.maxToolCalls) {
			throw new ToolLoopError(
				'tool_limit',
				`The model asked for more than ${limits.maxToolCalls} tool call(s) in one turn`,
				spent(),
			);
		}
		conversation.push({
			role: 'assistant',
			content: result.text,
			tool_calls: requested.map((call) => ({ id: call.id, name: call.name || 'unknown', args: record(call.args) ?? {}, type: 'tool_call' })),
		});
		for (const call of requested) {
			const callStarted = performance.now();
			const maskedInput = mapStrings(call.args, privacy.mask);
			let answer: string;
			let error: string | undefined;
			const tool = toolsByName.get(call.name);
			if (call.malformed) {
				error = `malformed arguments: ${privacy.mask(call.malformed)}`;
				answer = `Error: the arguments of this call could not be read (${privacy.mask(call.malformed)}). Call the tool again with valid JSON arguments.`;
			} else if (!tool) {
				error = `unknown tool "${call.name}"`;
				answer = `Error: there is no tool named "${call.name}". Available tools: ${[...toolsByName.keys()].join(', ') || 'none'}.`;
			} else {
				const left = Math.floor(deadline - performance.now());
				if (left <= 0) throw new ToolLoopError('timeout', `The turn took longer than ${limits.totalTimeoutMs} ms`, spent());
				const timeoutMs = Math.min(limits.toolTimeoutMs, left);
				try {
					const output = await invokeTool(tool, privacy.restoreArguments(call.args, tool), timeoutMs, request.signal);
					answer = privacy.mask(resultText(output));
				} catch (caught) {
					if (caught instanceof ToolTimeout && timeoutMs < limits.toolTimeoutMs) {
						toolCalls.push({ id: call.id, name: call.name, input: maskedInput, resultSize: 0, durationMs: Math.round(performance.now() - callStarted), error: 'timeout' });
						throw new ToolLoopError('timeout', `The turn took longer than ${limits.totalTimeoutMs} ms`, spent());
					}
					if (request.signal?.aborted) throw new ToolLoopError('model_error', 'The turn was cancelled', spent());
					error = caught instanceof ToolTimeout ? 'timeout' : privacy.mask(errorText(caught));
					answer = caught instanceof ToolTimeout ? `Error: ${caught.message}. Do not retry it in this turn.` : `Error: ${error}`;
				}
			}
			if (answer.length > MAX_TOOL_RESULT_CHARS) answer = `${answer.slice(0, MAX_TOOL_RESULT_CHARS)}… (cut)`;
			toolCalls.push({
				id: call.id,
				name: call.name,
				input: maskedInput,
				resultSize: error ? 0 : answer.length,
				durationMs: Math.round(performance.now() - callStarted),
				...(error ? { error } : {}),
			});
			conversation.push({ role: 'tool', content: answer, tool_call_id: call.id, name: call.name || 'unknown' });
			const endsTurn = tool?.metadata?.[ENDS_TURN];
			if (!error && typeof endsTurn === 'string') {
				let details: Record<string, unknown> = {};
				try {
					details = record(JSON.parse(answer)) ?? { message: answer };
				} catch {
					details = { message: answer };
				}
				throw new ToolLoopError('handoff', `The model handed the conversation over (${call.name})`, { ...spent(), handoff: { ...details, kind: endsTurn, tool: call.name } });
			}
		}
	}
}
