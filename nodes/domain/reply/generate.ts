/**
 * Writes the answer to a customer's message: retrieval from the knowledge base, then either an LLM that
 * must answer from those entries and the conversation (structured JSON, validated), or — with no model —
 * the best matching entry itself. Anything that cannot be answered, including model errors and
 * timeouts, comes back as unanswered with the reason, never as silence.
 */
import { z } from 'zod';

import { extractJsonObject, invokeStructured, LlmError, type ChatModelLike, type InvokeOptions, type LlmMessage, type TokenUsage } from '../llm';
import { runToolLoop, ToolLoopError, type ToolCallLog, type ToolLike, type ToolLoopLimits, type ToolLoopPrivacy, type Validation } from '../tools/tool-loop';
import { splitText } from '../whatsapp/text';
import { buildKnowledgeIndex, searchKnowledge, type KnowledgeEntry, type KnowledgeIndex } from './knowledge-base';
import { answerOffline } from './offline-answer';
import { ANSWER_FORMAT, DEFAULT_SYSTEM_PROMPT, knowledgeBlock, renderSystemPrompt, TOOLS_GUIDANCE, type BusinessProfile } from './prompt';
import { returningGuestGreeting } from './guest-profile';
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
	/** Tools the model may call (with a model only); the answer then comes out of a bounded tool-calling loop. */
	tools?: ToolLike[];
	toolLimits?: Partial<ToolLoopLimits>;
	/** Masks tool answers and logged arguments, restores real values for the tools that need them. */
	toolPrivacy?: ToolLoopPrivacy;
	/** More context for the model, e.g. what is known about this guest; added to the system prompt. */
	extraContext?: string;
	/** Offline mode: a returning guest's name; the answer then starts with a greeting in their language. */
	greetName?: string;
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
	/** Model calls made for this answer (more than one with tools or a repair). */
	modelCalls?: number;
	/** The tool calls made while answering, arguments masked. */
	toolCalls?: ToolCallLog[];
	/** Why it was not answered: the model said so, nothing matched, the model failed, or the tool loop hit a limit. */
	reason?: 'no_answer' | 'no_match' | 'timeout' | 'model_error' | 'invalid_output' | 'tool_limit' | 'handoff';
	/** With reason 'handoff': a tool handed the chat to a person (kind 'handoff' or 'callback', reason, time …), masked. */
	handoff?: Record<string, unknown>;
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

function describeIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
	return issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`).join('; ');
}

function validateAnswer(text: string): Validation<z.infer<typeof answerSchema>> {
	const extracted = extractJsonObject(text);
	if (!extracted.ok) return { ok: false, problem: extracted.reason };
	const parsed = answerSchema.safeParse(extracted.value);
	return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problem: `the JSON did not match the required format: ${describeIssues(parsed.error.issues)}` };
}

export async function generateReply(request: ReplyRequest): Promise<ReplyOutcome> {
	const started = performance.now();
	const index = 'documents' in request.knowledge ? request.knowledge : buildKnowledgeIndex(request.knowledge);
	const elapsed = () => Math.round(performance.now() - started);

	if (!request.model) {
		const offline = answerOffline(index, request.question, { language: request.language, minCoverage: request.minCoverage });
		const answer = offline.answered ? markdownToWhatsApp(offline.text) : '';
		const greeting = answer && request.greetName ? returningGuestGreeting(request.greetName, offline.language ?? request.language) : '';
		const text = greeting ? `${greeting}\n\n${answer}` : answer;
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
			content: [
				renderSystemPrompt(request.systemPrompt || DEFAULT_SYSTEM_PROMPT, request.profile, request.language),
				request.extraContext,
				knowledgeBlock(retrieved.map((result) => result.entry)),
				request.tools?.length ? TOOLS_GUIDANCE : undefined,
				ANSWER_FORMAT,
			]
				.filter((part): part is string => Boolean(part))
				.join('\n\n'),
		},
		...historyMessages(request.history),
		{ role: 'user', content: request.question },
	];

	if (request.tools?.length) return await answerWithTools(request, messages, retrieved, elapsed);

	try {
		const result = await invokeStructured(request.model, messages, answerSchema, { ...request.invokeOptions, jsonInstruction: false });
		return modelAnswer(request, retrieved, result.value, result.usage, elapsed);
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

type Retrieved = ReturnType<typeof searchKnowledge>;

/** A model's validated answer (with or without tools) as the reply: cited entries, WhatsApp formatting, parts. */
function modelAnswer(
	request: ReplyRequest,
	retrieved: Retrieved,
	value: { answered: boolean; answer: string; sources: string[] },
	usage: TokenUsage,
	elapsed: () => number,
): ReplyOutcome {
	const cited = new Set(value.sources);
	const sources = retrieved.filter((entry) => cited.has(entry.entry.id)).map((entry) => toSource(entry.entry, entry.score));
	const answered = value.answered && value.answer.trim() !== '';
	const text = answered ? markdownToWhatsApp(value.answer) : '';
	return {
		answered,
		text,
		parts: text ? splitText(text) : [],
		language: request.language,
		sources,
		source: 'llm',
		usage,
		model: usage.model,
		latencyMs: elapsed(),
		...(answered ? {} : { reason: 'no_answer' as const }),
	};
}

async function answerWithTools(request: ReplyRequest, messages: LlmMessage[], retrieved: Retrieved, elapsed: () => number): Promise<ReplyOutcome> {
	try {
		const result = await runToolLoop({
			model: request.model as ChatModelLike,
			messages,
			tools: request.tools ?? [],
			limits: request.toolLimits,
			validate: validateAnswer,
			privacy: request.toolPrivacy,
			signal: request.invokeOptions?.signal,
			modelName: request.invokeOptions?.modelName,
			secrets: request.invokeOptions?.secrets,
			modelTimeoutMs: request.invokeOptions?.timeoutMs,
		});
		return { ...modelAnswer(request, retrieved, result.value, result.usage, elapsed), modelCalls: result.modelCalls, toolCalls: result.toolCalls };
	} catch (error) {
		if (!(error instanceof ToolLoopError)) throw error;
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
			modelCalls: error.modelCalls,
			toolCalls: error.toolCalls,
			reason: error.reason,
			...(error.handoff ? { handoff: error.handoff } : { error: { kind: error.llmError?.kind ?? error.reason, message: error.message } }),
		};
	}
}
