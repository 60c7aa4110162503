/**
 * Writes the answer to a customer's message: retrieval from the knowledge base, then either an LLM that
 * must answer from those entries and the conversation (structured JSON, validated), or — with no model —
 * the best matching entry itself. Anything that cannot be answered, including model errors and
 * timeouts, comes back as unanswered with the reason, never as silence.
 */
import { z } from 'zod';

import { invokeStructured, LlmError, type ChatModelLike, type InvokeOptions, type LlmMessage, type TokenUsage } from '../llm';
import { splitText } from '../whatsapp/text';
import { buildKnowledgeIndex, searchKnowledge, type KnowledgeEntry, type KnowledgeIndex } from './knowledge-base';
import { answerOffline } from './offline-answer';
import { ANSWER_FORMAT, DEFAULT_SYSTEM_PROMPT, knowledgeBlock, renderSystemPrompt, type BusinessProfile } from './prompt';
import { markdownToWhatsApp } from './whatsapp-format';

export interface HistoryLine {
	from: 'customer' | 'bot' | 'agent' | 'system';
	text: string;
}

export interface ReplyRequest {
	/** The customer's message as the model may see it (masked when the consent gate masked it). */
	question: string;
	language: string;
	history: HistoryLine[];
	knowledge: KnowledgeEntry[] | KnowledgeIndex;
	topK?: number;
	profile: BusinessProfile;
	systemPrompt?: string;
	model?: ChatModelLike;
	invokeOptions?: InvokeOptions;
	/** Offline mode: how much of the question an entry must cover to be used as the answer. */
	minCoverage?: number;
}

export interface ReplySource {
	id: string;
	question: string;
	language?: string;
	score: number;
}

export interface ReplyOutcome {
	answered: boolean;
	text: string;
	/** The text in WhatsApp-sized parts (≤ 4096 characters each). */
	parts: string[];
	language: string;
	sources: ReplySource[];
	source: 'llm' | 'kb';
	usage?: TokenUsage;
	model?: string;
	latencyMs: number;
	/** Why it was not answered: the model said so, nothing matched, or the model failed. */
	reason?: 'no_answer' | 'no_match' | 'timeout' | 'model_error' | 'invalid_output';
	error?: { kind: string; message: string };
}

const answerSchema = z.object({
	answered: z.boolean(),
	answer: z.string().default(''),
	sources: z.array(z.string()).default([]),
});

function toSource(entry: KnowledgeEntry, score: number): ReplySource {
	return { id: entry.id, question: entry.question, language: entry.language, score: Number(score.toFixed(4)) };
}

function historyMessages(history: HistoryLine[]): LlmMessage[] {
	return history
		.filter((line) => line.text.trim() !== '')
		.map((line) => ({
			role: line.from === 'customer' ? 'user' : 'assistant',
			content: line.from === 'agent' ? `(a colleague wrote) ${line.text}` : line.text,
		}));
}

export async function generateReply(request: ReplyRequest): Promise<ReplyOutcome> {
	const started = performance.now();
	const index = 'documents' in request.knowledge ? request.knowledge : buildKnowledgeIndex(request.knowledge);
	const elapsed = () => Math.round(performance.now() - started);

	if (!request.model) {
		const offline = answerOffline(index, request.question, { language: request.language, minCoverage: request.minCoverage });
		const text = offline.answered ? markdownToWhatsApp(offline.text) : '';
		return {
			answered: offline.answered,
			text,
			parts: text ? splitText(text) : [],
			language: offline.language ?? request.language,
			sources: offline.sources.map((result) => toSource(result.entry, result.score)),
			source: 'kb',
			latencyMs: elapsed(),
			...(offline.answered ? {} : { reason: 'no_match' as const }),
		};
	}

	const retrieved = searchKnowledge(index, request.question, { topK: request.topK ?? 4, language: request.language });
	const messages: LlmMessage[] = [
		{
			role: 'system',
			content: `${renderSystemPrompt(request.systemPrompt || DEFAULT_SYSTEM_PROMPT, request.profile, request.language)}\n\n${knowledgeBlock(
				retrieved.map((result) => result.entry),
			)}\n\n${ANSWER_FORMAT}`,
		},
		...historyMessages(request.history),
		{ role: 'user', content: request.question },
	];

	try {
		const result = await invokeStructured(request.model, messages, answerSchema, { ...request.invokeOptions, jsonInstruction: false });
		const cited = new Set(result.value.sources);
		const sources = retrieved.filter((entry) => cited.has(entry.entry.id)).map((entry) => toSource(entry.entry, entry.score));
		const answered = result.value.answered && result.value.answer.trim() !== '';
		const text = answered ? markdownToWhatsApp(result.value.answer) : '';
		return {
			answered,
			text,
			parts: text ? splitText(text) : [],
			language: request.language,
			sources,
			source: 'llm',
			usage: result.usage,
			model: result.usage.model,
			latencyMs: elapsed(),
			...(answered ? {} : { reason: 'no_answer' as const }),
		};
	} catch (error) {
		if (!(error instanceof LlmError)) throw error;
		return {
			answered: false,
			text: '',
			parts: [],
			language: request.language,
			sources: retrieved.map((entry) => toSource(entry.entry, entry.score)),
			source: 'llm',
			usage: error.usage,
			model: error.usage?.model,
			latencyMs: elapsed(),
			reason: error.kind === 'timeout' ? 'timeout' : error.kind === 'invalid_output' ? 'invalid_output' : 'model_error',
			error: { kind: error.kind, message: error.message },
		};
	}
}
