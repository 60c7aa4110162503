import type { LlmMessage, ModelReply, TokenUsage } from './types';

/** The rough rule of thumb for English-like text: about four characters per token. */
export function estimateTokens(text: string): number {
	return Math.ceil(text.length / 4);
}

function count(value: unknown): number | undefined {
	return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
	return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

interface Counts {
	input: number;
	output: number;
	estimated: boolean;
}

/** Both counts, or undefined when the pair is missing or all zero (some providers send zeros for "unknown"). */
function pair(input: unknown, output: unknown, estimated = false): Counts | undefined {
	const inputTokens = count(input);
	const outputTokens = count(output);
	if (inputTokens === undefined && outputTokens === undefined) return undefined;
	if (!inputTokens && !outputTokens) return undefined;
	return { input: inputTokens ?? 0, output: outputTokens ?? 0, estimated };
}

/** Token counts a reply reports, in LangChain's standard field first, then the providers' own shapes. */
function reportedCounts(reply: ModelReply): Counts | undefined {
	if (typeof reply !== 'object' || reply === null) return undefined;
	const standard = record(reply.usage_metadata);
	const metadata = record(reply.response_metadata) ?? {};
	const tokenUsage = record(metadata.tokenUsage);
	const estimatedUsage = record(metadata.estimatedTokenUsage);
	const rawUsage = record(metadata.usage);
	return (
		pair(standard?.input_tokens, standard?.output_tokens) ??
		pair(tokenUsage?.promptTokens, tokenUsage?.completionTokens) ??
		pair(rawUsage?.prompt_tokens, rawUsage?.completion_tokens) ??
		pair(rawUsage?.input_tokens, rawUsage?.output_tokens) ??
		// Ollama's native fields.
		pair(metadata.prompt_eval_count, metadata.eval_count) ??
		// LangChain's own estimate when a stream carried no usage.
		pair(estimatedUsage?.promptTokens, estimatedUsage?.completionTokens, true)
	);
}

/** The model name the provider reports on the reply, if any. */
export function reportedModelName(reply: ModelReply): string | undefined {
	if (typeof reply !== 'object' || reply === null) return undefined;
	const metadata = record(reply.response_metadata);
	for (const key of ['model_name', 'model', 'modelName']) {
		const value = metadata?.[key];
		if (typeof value === 'string' && value.trim()) return value.trim();
	}
	return undefined;
}

export interface UsageContext {
	/** The prompt sent, for the estimate when the reply carries no counts. */
	messages?: readonly LlmMessage[];
	/** The reply's text, for the estimate. */
	text?: string;
	/** Used when the reply does not name its model. */
	modelName?: string;
}

/**
 * Token usage of one reply: from `usage_metadata` (input_tokens / output_tokens), else
 * `response_metadata.tokenUsage` (promptTokens / completionTokens), a raw `usage` object, Ollama's
 * counts, or `response_metadata.estimatedTokenUsage`; else estimated from the characters (`estimated: true`).
 */
export function extractTokenUsage(reply: ModelReply, context: UsageContext = {}): TokenUsage {
	const model = reportedModelName(reply) ?? (context.modelName?.trim() || 'unknown');
	const counts = reportedCounts(reply);
	if (counts) return { inputTokens: counts.input, outputTokens: counts.output, model, estimated: counts.estimated };
	const promptChars = (context.messages ?? []).reduce((sum, message) => sum + message.content.length, 0);
	return {
		inputTokens: Math.ceil(promptChars / 4),
		outputTokens: estimateTokens(context.text ?? ''),
		model,
		estimated: true,
	};
}

/** The sum of several calls' usage (e.g. a structured call and its repair); estimated if any part was. */
export function sumTokenUsage(usages: readonly TokenUsage[]): TokenUsage {
	if (usages.length === 0) return { inputTokens: 0, outputTokens: 0, model: 'unknown', estimated: false };
	return {
		inputTokens: usages.reduce((sum, usage) => sum + usage.inputTokens, 0),
		outputTokens: usages.reduce((sum, usage) => sum + usage.outputTokens, 0),
		model: usages[usages.length - 1].model,
		estimated: usages.some((usage) => usage.estimated),
	};
}
