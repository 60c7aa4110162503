import { z } from 'zod';

import { extractJsonObject, invokeStructured, jsonInstructionFor, LlmError, type LlmMessage } from '../../../nodes/domain/llm';
import { FakeChatScript, ScriptedChatModel } from '../../llm/fake-chat-model';

const intentSchema = z.object({
	intent: z.enum(['booking_new', 'billing', 'out_of_scope']).describe('One of the allowed intents'),
	confidence: z.number().min(0).max(1),
	language: z.string().length(2),
});

const prompt: LlmMessage[] = [
	{ role: 'system', content: 'Classify the guest message.' },
	{ role: 'user', content: 'I want to book a room for Friday' },
];

const valid = { intent: 'booking_new', confidence: 0.92, language: 'en' };

function modelWith(...replies: Parameters<FakeChatScript['enqueue']>) {
	const script = new FakeChatScript({ replies, modelName: 'fake-gpt' });
	return { script, model: new ScriptedChatModel(script) };
}

describe('extractJsonObject', () => {
	it('parses a bare object', () => {
		expect(extractJsonObject(JSON.stringify(valid))).toEqual({ ok: true, value: valid });
	});

	it('finds the object inside code fences', () => {
		expect(extractJsonObject('```json\n{"intent": "billing", "confidence": 0.5, "language": "nl"}\n```')).toEqual({
			ok: true,
			value: { intent: 'billing', confidence: 0.5, language: 'nl' },
		});
	});

	it('finds the object in prose, skipping brace pairs that are not JSON and braces inside strings', () => {
		const text = 'Sure {as requested}! Here it is: {"note": "use {curly} braces", "n": 1} Hope that helps.';
		expect(extractJsonObject(text)).toEqual({ ok: true, value: { note: 'use {curly} braces', n: 1 } });
	});

	it('skips <think> reasoning blocks whose braces are not the answer', () => {
		const text = '<think>maybe {"intent": "billing"}? no.</think>\n{"intent": "booking_new"}';
		expect(extractJsonObject(text)).toEqual({ ok: true, value: { intent: 'booking_new' } });
	});

	it('unwraps an object sent as a JSON string', () => {
		expect(extractJsonObject(JSON.stringify(JSON.stringify({ a: 1 })))).toEqual({ ok: true, value: { a: 1 } });
	});

	it('reports why nothing was found', () => {
		expect(extractJsonObject('')).toEqual({ ok: false, reason: 'the answer was empty' });
		expect(extractJsonObject('booking_new, 0.9')).toEqual({ ok: false, reason: 'the answer contained no JSON object' });
		expect(extractJsonObject("{intent: 'billing'}")).toEqual({ ok: false, reason: 'the answer contained no valid JSON object' });
		// Arrays and unbalanced text are not objects.
		expect(extractJsonObject('[1, 2]').ok).toBe(false);
		expect(extractJsonObject('{"a": 1').ok).toBe(false);
	});
});

describe('invokeStructured', () => {
	it('returns the validated value of a valid first answer, with usage and one attempt', async () => {
		const { model, script } = modelWith({ content: JSON.stringify(valid), usage: { inputTokens: 80, outputTokens: 12 } });
		const result = await invokeStructured(model, prompt, intentSchema, { timeoutMs: 2000 });
		expect(result.value).toEqual(valid);
		expect(result.attempts).toBe(1);
		expect(result.raw).toBe(JSON.stringify(valid));
		expect(result.usage).toEqual({ inputTokens: 80, outputTokens: 12, model: 'fake-gpt', estimated: false });
		expect(script.calls).toHaveLength(1);
	});

	it('appends the JSON instruction, with the JSON Schema, to the system prompt', async () => {
		const { model, script } = modelWith(JSON.stringify(valid));
		await invokeStructured(model, prompt, intentSchema, { timeoutMs: 2000 });
		const [system, user] = script.calls[0].messages;
		expect(system.role).toBe('system');
		expect(system.content.startsWith('Classify the guest message.\n\nAnswer with one JSON object only')).toBe(true);
		expect(system.content).toContain('"enum":["booking_new","billing","out_of_scope"]');
		expect(system.content).toContain('One of the allowed intents');
		expect(system.content).not.toContain('$schema');
		expect(user).toEqual({ role: 'user', content: 'I want to book a room for Friday' });
	});

	it('adds a system message when the prompt has none, and sends the prompt unchanged with jsonInstruction: false', async () => {
		const first = modelWith(JSON.stringify(valid));
		await invokeStructured(first.model, [prompt[1]], intentSchema);
		expect(first.script.calls[0].messages.map((message) => message.role)).toEqual(['system', 'user']);

		const second = modelWith(JSON.stringify(valid));
		await invokeStructured(second.model, prompt, intentSchema, { jsonInstruction: false });
		expect(second.script.calls[0].messages).toEqual(prompt);
	});

	it('accepts fenced and prose-wrapped answers', async () => {
		const fenced = modelWith('```json\n' + JSON.stringify(valid, null, 2) + '\n```');
		expect((await invokeStructured(fenced.model, prompt, intentSchema)).value).toEqual(valid);
		const prose = modelWith(`Here is the classification: ${JSON.stringify(valid)}. Let me know if you need more.`);
		const result = await invokeStructured(prose.model, prompt, intentSchema);
		expect(result.value).toEqual(valid);
		expect(result.attempts).toBe(1);
	});

	it('reads an answer given as content blocks', async () => {
		const { model } = modelWith({ content: [{ type: 'thinking', thinking: '{}' }, { type: 'text', text: JSON.stringify(valid) }] });
		expect((await invokeStructured(model, prompt, intentSchema)).value).toEqual(valid);
	});

	it('repairs an invalid answer once: quotes the validation error, asks for JSON only, sums usage', async () => {
		const invalid = JSON.stringify({ intent: 'room_booking', confidence: 1.7, language: 'en' });
		const { model, script } = modelWith(
			{ content: invalid, usage: { inputTokens: 100, outputTokens: 20 } },
			{ content: JSON.stringify(valid), usage: { inputTokens: 140, outputTokens: 18 } },
		);
		const result = await invokeStructured(model, prompt, intentSchema, { timeoutMs: 2000 });
		expect(result.value).toEqual(valid);
		expect(result.attempts).toBe(2);
		expect(result.usage).toEqual({ inputTokens: 240, outputTokens: 38, model: 'fake-gpt', estimated: false });

		expect(script.calls).toHaveLength(2);
		const repair = script.calls[1].messages;
		// The first exchange is kept: the model sees its own invalid answer, then the repair request.
		expect(repair.slice(0, 2)).toEqual(script.calls[0].messages);
		expect(repair[2]).toEqual({ role: 'assistant', content: invalid });
		expect(repair[3].role).toBe('user');
		expect(repair[3].content).toMatch(/^Your previous answer could not be used: the JSON did not match the required format: /);
		expect(repair[3].content).toContain('intent:');
		expect(repair[3].content).toContain('confidence:');
		expect(repair[3].content).toContain('Answer with one JSON object only');
	});

	it('repairs an answer without any JSON, saying so', async () => {
		const { model, script } = modelWith('It is a booking request.', JSON.stringify(valid));
		const result = await invokeStructured(model, prompt, intentSchema);
		expect(result.attempts).toBe(2);
		expect(script.calls[1].messages[3].content).toContain('the answer contained no JSON object');
	});

	it('throws LlmError invalid_output with the raw answer after the repair also fails', async () => {
		const { model, script } = modelWith(
			{ content: 'no idea', usage: { inputTokens: 50, outputTokens: 3 } },
			{ content: '{"intent": "billing"}', usage: { inputTokens: 70, outputTokens: 6 } },
		);
		const error = await invokeStructured(model, prompt, intentSchema).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(LlmError);
		const llmError = error as LlmError;
		expect(llmError.kind).toBe('invalid_output');
		expect(llmError.code).toBe('schema_mismatch');
		expect(llmError.raw).toBe('{"intent": "billing"}');
		expect(llmError.attempts).toBe(2);
		expect(llmError.usage).toEqual({ inputTokens: 120, outputTokens: 9, model: 'fake-gpt', estimated: false });
		expect(llmError.message).toMatch(/not valid after 2 attempt\(s\)/);
		expect(script.calls).toHaveLength(2);
	});

	it('makes no repair with repairAttempts: 0, and as many as asked otherwise', async () => {
		const none = modelWith('nope', JSON.stringify(valid));
		await expect(invokeStructured(none.model, prompt, intentSchema, { repairAttempts: 0 })).rejects.toMatchObject({ kind: 'invalid_output', code: 'no_json', attempts: 1 });
		expect(none.script.calls).toHaveLength(1);

		const two = modelWith('nope', 'still nope', JSON.stringify(valid));
		const result = await invokeStructured(two.model, prompt, intentSchema, { repairAttempts: 2 });
		expect(result.attempts).toBe(3);
	});

	it('passes model errors through as LlmError with the usage spent so far', async () => {
		const { model } = modelWith({ content: 'nope', usage: { inputTokens: 10, outputTokens: 1 } }, { error: 'Too many requests', status: 429 });
		const error = (await invokeStructured(model, prompt, intentSchema).catch((caught: unknown) => caught)) as LlmError;
		expect(error).toBeInstanceOf(LlmError);
		expect(error.kind).toBe('http');
		expect(error.status).toBe(429);
		expect(error.code).toBe('rate_limit');
		expect(error.usage).toMatchObject({ inputTokens: 10, outputTokens: 1 });
	});

	it('bounds the whole exchange, repair included, by timeoutMs', async () => {
		const { model } = modelWith({ content: 'nope', delayMs: 150 }, { hang: true });
		const started = Date.now();
		const error = (await invokeStructured(model, prompt, intentSchema, { timeoutMs: 400 }).catch((caught: unknown) => caught)) as LlmError;
		const elapsed = Date.now() - started;
		expect(error).toBeInstanceOf(LlmError);
		expect(error.kind).toBe('timeout');
		expect(error.message).toContain('400 ms');
		expect(error.attempts).toBe(2);
		expect(elapsed).toBeGreaterThanOrEqual(380);
		expect(elapsed).toBeLessThan(1500);
	});

	it('works with any validator exposing safeParse', async () => {
		const evenNumber = {
			safeParse: (data: unknown) =>
				typeof (data as { n?: unknown }).n === 'number' && (data as { n: number }).n % 2 === 0
					? { success: true as const, data: (data as { n: number }).n }
					: { success: false as const, error: { message: 'n must be an even number' } },
		};
		const { model, script } = modelWith('{"n": 3}', '{"n": 4}');
		const result = await invokeStructured(model, prompt, evenNumber);
		expect(result.value).toBe(4);
		expect(script.calls[1].messages[3].content).toContain('n must be an even number');
		// Not a zod schema: the instruction carries no JSON Schema.
		expect(jsonInstructionFor(evenNumber)).toBe('Answer with one JSON object only: no code fences, no text before or after it.');
	});
});
