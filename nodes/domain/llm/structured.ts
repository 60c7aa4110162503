import { toJsonSchema } from '@langchain/core/utils/json_schema';
import { isInteropZodSchema } from '@langchain/core/utils/types';

import { LlmError, timeoutError } from './errors';
import { DEFAULT_LLM_TIMEOUT_MS, invokeWithTimeout, type InvokeOptions } from './invoke';
import type { ChatModelLike, LlmMessage, TokenUsage } from './types';
import { sumTokenUsage } from './usage';

/** The part of a zod schema (v3 or v4) we use; any validator with the same `safeParse` works. */
export interface SchemaLike<T> {
	safeParse(data: unknown): { success: true; data: T } | { success: false; error: { message: string; issues?: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
}

export type JsonExtraction = { ok: true; value: Record<string, unknown> } | { ok: false; reason: string };

const MAX_CANDIDATES = 50;

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function parseObject(text: string): Record<string, unknown> | undefined {
	try {
		let value: unknown = JSON.parse(text);
		// Some models wrap the object in a JSON string.
		if (typeof value === 'string' && value.trim().startsWith('{')) value = JSON.parse(value);
		return isPlainObject(value) ? value : undefined;
	} catch {
		return undefined;
	}
}

/** End index (inclusive) of the balanced `{…}` that starts at `start`, skipping braces inside strings. */
function balancedEnd(text: string, start: number): number | undefined {
	let depth = 0;
	let inString = false;
	let escaped = false;
	for (let index = start; index < text.length; index++) {
		const char = text[index];
		if (inString) {
			if (escaped) escaped = false;
			else if (char === '\\') escaped = true;
			else if (char === '"') inString = false;
		} else if (char === '"') {
			inString = true;
		} else if (char === '{') {
			depth++;
		} else if (char === '}') {
			depth--;
			if (depth === 0) return index;
		}
	}
	return undefined;
}

/**
 * The first JSON object in a model's answer: the whole text, or one inside code fences or prose.
 * Reasoning blocks (`<think>…</think>`) are skipped, since their braces are not the answer.
 */
export function extractJsonObject(text: string): JsonExtraction {
	const cleaned = text
		.replace(/^\uFEFF/, '')
		.replace(/<(think|thinking|reasoning)>[\s\S]*?<\/\1>/gi, '')
		.trim();
	if (!cleaned) return { ok: false, reason: 'the answer was empty' };
	const whole = parseObject(cleaned);
	if (whole) return { ok: true, value: whole };
	let tried = 0;
	let sawBrace = false;
	for (let start = cleaned.indexOf('{'); start !== -1 && tried < MAX_CANDIDATES; start = cleaned.indexOf('{', start + 1)) {
		sawBrace = true;
		const end = balancedEnd(cleaned, start);
		if (end === undefined) continue;
		tried++;
		const value = parseObject(cleaned.slice(start, end + 1));
		if (value) return { ok: true, value };
	}
	return { ok: false, reason: sawBrace ? 'the answer contained no valid JSON object' : 'the answer contained no JSON object' };
}

function describeIssues(error: { message: string; issues?: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }): string {
	const issues = error.issues?.length
		? error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`).join('; ')
		: error.message;
	return issues.length > 1000 ? `${issues.slice(0, 1000)}…` : issues;
}

type Validation<T> = { ok: true; value: T } | { ok: false; problem: string; code: 'no_json' | 'schema_mismatch' };

function validate<T>(raw: string, schema: SchemaLike<T>): Validation<T> {
	const extracted = extractJsonObject(raw);
	if (!extracted.ok) return { ok: false, problem: extracted.reason, code: 'no_json' };
	const parsed = schema.safeParse(extracted.value);
	if (parsed.success) return { ok: true, value: parsed.data };
	return { ok: false, problem: `the JSON did not match the required format: ${describeIssues(parsed.error)}`, code: 'schema_mismatch' };
}

const JSON_ONLY = 'Answer with one JSON object only: no code fences, no text before or after it.';

/** The instruction appended to the system prompt: JSON only, and the JSON Schema when the schema is zod. */
export function jsonInstructionFor(schema: unknown): string {
	if (!isInteropZodSchema(schema)) return JSON_ONLY;
	try {
		const { $schema: _ignored, ...jsonSchema } = toJsonSchema(schema) as Record<string, unknown>;
		return `${JSON_ONLY}\nIt must match this JSON Schema:\n${JSON.stringify(jsonSchema)}`;
	} catch {
		return JSON_ONLY;
	}
}

function withInstruction(messages: LlmMessage[], instruction: string): LlmMessage[] {
	const [first, ...rest] = messages;
	if (first?.role === 'system') return [{ role: 'system', content: `${first.content}\n\n${instruction}` }, ...rest];
	return [{ role: 'system', content: instruction }, ...messages];
}

/** The follow-up that asks the model to fix its answer. */
export function repairMessage(problem: string): string {
	return `Your previous answer could not be used: ${problem}.\nAnswer again. ${JSON_ONLY}`;
}

export interface StructuredOptions extends InvokeOptions {
	/** Follow-ups that quote the validation error and ask again; default 1. */
	repairAttempts?: number;
	/**
	 * Appended to the system prompt (or sent as one). Default: "answer with one JSON object only", plus the
	 * schema as JSON Schema when it is a zod schema. `false` sends the messages unchanged.
	 */
	jsonInstruction?: string | false;
}

export interface StructuredResult<T> {
	value: T;
	/** Summed over all attempts. */
	usage: TokenUsage;
	/** 1 when the first answer was valid, 2 after one repair, … */
	attempts: number;
	/** The text of the answer that was accepted. */
	raw: string;
	/** Summed over all attempts. */
	latencyMs: number;
}

/**
 * Asks for JSON, takes the first JSON object out of the answer and validates it. An invalid answer gets
 * `repairAttempts` follow-ups quoting the error; after that it fails with LlmError('invalid_output')
 * carrying the last raw answer and the tokens spent. Works with any chat model: no tool calling or
 * provider JSON mode needed. `timeoutMs` bounds the whole exchange, repairs included.
 */
export async function invokeStructured<T>(
	model: ChatModelLike,
	messages: LlmMessage[],
	schema: SchemaLike<T>,
	options: StructuredOptions = {},
): Promise<StructuredResult<T>> {
	const repairAttempts = Math.max(0, Math.floor(options.repairAttempts ?? 1));
	const totalTimeoutMs = options.timeoutMs && options.timeoutMs > 0 ? options.timeoutMs : DEFAULT_LLM_TIMEOUT_MS;
	const deadline = performance.now() + totalTimeoutMs;
	const instruction = options.jsonInstruction === undefined ? jsonInstructionFor(schema) : options.jsonInstruction;
	let conversation = instruction === false ? [...messages] : withInstruction(messages, instruction);
	const usages: TokenUsage[] = [];
	let latencyMs = 0;

	for (let attempt = 1; ; attempt++) {
		const remaining = Math.floor(deadline - performance.now());
		if (remaining <= 0) throw timeoutError(totalTimeoutMs, { usage: usages.length ? sumTokenUsage(usages) : undefined, attempts: attempt - 1 });
		let result;
		try {
			result = await invokeWithTimeout(model, conversation, { ...options, timeoutMs: remaining });
		} catch (error) {
			if (!(error instanceof LlmError)) throw error;
			const spent = { usage: usages.length ? sumTokenUsage(usages) : undefined, attempts: attempt };
			if (error.kind === 'timeout') throw timeoutError(totalTimeoutMs, spent);
			throw new LlmError(error.kind, error.message, { status: error.status, code: error.code, raw: error.raw, hint: error.hint, ...spent });
		}
		usages.push(result.usage);
		latencyMs += result.latencyMs;
		const checked = validate(result.text, schema);
		if (checked.ok) return { value: checked.value, usage: sumTokenUsage(usages), attempts: attempt, raw: result.text, latencyMs };
		if (attempt > repairAttempts) {
			throw new LlmError('invalid_output', `The model's answer was not valid after ${attempt} attempt(s): ${checked.problem}`, {
				code: checked.code,
				raw: result.text,
				usage: sumTokenUsage(usages),
				attempts: attempt,
				hint: 'Use a more capable model, or make the prompt clearer about the expected answer.',
			});
		}
		conversation = [...conversation, { role: 'assistant', content: result.text }, { role: 'user', content: repairMessage(checked.problem) }];
	}
}
