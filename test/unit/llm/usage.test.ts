import { AIMessage } from '@langchain/core/messages';

import { estimateTokens, extractTokenUsage, reportedModelName, sumTokenUsage } from '../../../nodes/domain/llm';

describe('extractTokenUsage', () => {
	it('reads LangChain usage_metadata and the model the provider names', () => {
		const reply = new AIMessage({
			content: 'ok',
			usage_metadata: { input_tokens: 120, output_tokens: 30, total_tokens: 150 },
			response_metadata: { model_name: 'gpt-4.1-mini-2025-04-14' },
		});
		expect(extractTokenUsage(reply, { modelName: 'gpt-4.1-mini' })).toEqual({
			inputTokens: 120,
			outputTokens: 30,
			model: 'gpt-4.1-mini-2025-04-14',
			estimated: false,
		});
	});

	it('reads response_metadata.tokenUsage (promptTokens / completionTokens) when usage_metadata is absent', () => {
		const reply = { content: 'ok', response_metadata: { tokenUsage: { promptTokens: 55, completionTokens: 7, totalTokens: 62 } } };
		expect(extractTokenUsage(reply, { modelName: 'configured' })).toEqual({ inputTokens: 55, outputTokens: 7, model: 'configured', estimated: false });
	});

	it('prefers usage_metadata over response_metadata', () => {
		const reply = {
			content: 'ok',
			usage_metadata: { input_tokens: 10, output_tokens: 2 },
			response_metadata: { tokenUsage: { promptTokens: 99, completionTokens: 99 } },
		};
		expect(extractTokenUsage(reply)).toMatchObject({ inputTokens: 10, outputTokens: 2 });
	});

	it('treats an all-zero usage_metadata as missing (some providers send zeros) and falls through', () => {
		const reply = {
			content: 'ok',
			usage_metadata: { input_tokens: 0, output_tokens: 0, total_tokens: 0 },
			response_metadata: { tokenUsage: { promptTokens: 40, completionTokens: 4 } },
		};
		expect(extractTokenUsage(reply)).toMatchObject({ inputTokens: 40, outputTokens: 4, estimated: false });
	});

	it('reads raw provider usage objects (OpenAI and Anthropic shapes) and Ollama counts', () => {
		expect(extractTokenUsage({ content: '', response_metadata: { usage: { prompt_tokens: 8, completion_tokens: 3 } } })).toMatchObject({ inputTokens: 8, outputTokens: 3 });
		expect(extractTokenUsage({ content: '', response_metadata: { usage: { input_tokens: 11, output_tokens: 6 } } })).toMatchObject({ inputTokens: 11, outputTokens: 6 });
		expect(extractTokenUsage({ content: '', response_metadata: { prompt_eval_count: 21, eval_count: 9, model: 'llama3.1:8b' } })).toEqual({
			inputTokens: 21,
			outputTokens: 9,
			model: 'llama3.1:8b',
			estimated: false,
		});
	});

	it('flags LangChain’s estimatedTokenUsage as estimated', () => {
		const reply = { content: 'ok', response_metadata: { estimatedTokenUsage: { promptTokens: 30, completionTokens: 5 } } };
		expect(extractTokenUsage(reply)).toEqual({ inputTokens: 30, outputTokens: 5, model: 'unknown', estimated: true });
	});

	it('estimates characters / 4 when nothing is reported, flagged estimated', () => {
		const usage = extractTokenUsage('x'.repeat(41), {
			messages: [
				{ role: 'system', content: 'a'.repeat(100) },
				{ role: 'user', content: 'b'.repeat(21) },
			],
			text: 'x'.repeat(41),
			modelName: 'llama3',
		});
		expect(usage).toEqual({ inputTokens: 31, outputTokens: 11, model: 'llama3', estimated: true });
	});

	it('ignores negative, non-numeric and non-finite counts', () => {
		const reply = { content: 'ok', usage_metadata: { input_tokens: -5, output_tokens: Number.NaN } };
		expect(extractTokenUsage(reply, { text: 'abcd' })).toMatchObject({ inputTokens: 0, outputTokens: 1, estimated: true });
	});
});

describe('reportedModelName', () => {
	it('reads model_name, model or modelName', () => {
		expect(reportedModelName({ content: '', response_metadata: { model_name: 'a' } })).toBe('a');
		expect(reportedModelName({ content: '', response_metadata: { model: 'b' } })).toBe('b');
		expect(reportedModelName({ content: '', response_metadata: { modelName: 'c' } })).toBe('c');
		expect(reportedModelName({ content: '', response_metadata: { model_name: '  ' } })).toBeUndefined();
		expect(reportedModelName('plain text')).toBeUndefined();
	});
});

describe('estimateTokens and sumTokenUsage', () => {
	it('rounds characters / 4 up', () => {
		expect(estimateTokens('')).toBe(0);
		expect(estimateTokens('abcd')).toBe(1);
		expect(estimateTokens('abcde')).toBe(2);
	});

	it('sums counts, keeps the last model and is estimated if any part was', () => {
		expect(
			sumTokenUsage([
				{ inputTokens: 100, outputTokens: 10, model: 'm1', estimated: false },
				{ inputTokens: 150, outputTokens: 20, model: 'm2', estimated: true },
			]),
		).toEqual({ inputTokens: 250, outputTokens: 30, model: 'm2', estimated: true });
		expect(sumTokenUsage([])).toEqual({ inputTokens: 0, outputTokens: 0, model: 'unknown', estimated: false });
	});
});
