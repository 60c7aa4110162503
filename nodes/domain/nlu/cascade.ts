/**
 * The Intent Classifier's three modes behind one call, producing the envelope's `nlu` key:
 *
 * - embedded: the offline classifier (analyzeText);
 * - llm: the chat model; when it fails (error, timeout, invalid answer after one repair) the embedded
 *   answer is used and `source` says 'embedded_fallback';
 * - cascade: embedded first; the model is asked only when the embedded confidence is below the threshold.
 *
 * In every mode a prompt-injection attempt goes to out_of_scope when the intent set has it, without
 * calling a model (`source: 'injection_guard'`).
 */
import { LlmError, type ChatModelLike, type InvokeOptions, type TokenUsage } from '../llm';
import { analyzeText, INJECTION_CONFIDENCE, OUT_OF_SCOPE_INTENT } from './index';
import { assertTrainable, IntentTrainingError } from './embedded-classifier';
import { detectLanguage } from './language';
import { classifyWithLlm } from './llm-classifier';
import { detectPromptInjection } from './prompt-injection';
import { analyzeSentiment } from './sentiment';
import type { IntentDefinition, IntentScore, NluResult, SentimentLabel } from './types';

export const CLASSIFIER_MODES = ['embedded', 'llm', 'cascade'] as const;
export type ClassifierMode = (typeof CLASSIFIER_MODES)[number];

export const DEFAULT_CASCADE_THRESHOLD = 0.7;

/**
 * Who produced the intent:
 * - 'embedded': the offline classifier (embedded mode, or the cascade when it was confident);
 * - 'llm': the chat model;
 * - 'embedded_fallback': the model was asked but failed; the offline answer is used (see `llmError`);
 * - 'injection_guard': the prompt-injection rules sent the message to out_of_scope; no model was asked;
 * - 'no_text': the message has no text (a voice note, a photo without caption, a sticker); see noTextClassification.
 */
export type IntentSource = 'embedded' | 'llm' | 'embedded_fallback' | 'injection_guard' | 'no_text';

export interface IntentClassification {
	intent: string;
	confidence: number;
	ranking: IntentScore[];
	margin: number;
	sentiment: { label: SentimentLabel; score: number };
	/** en, nl, de, fr, es (offline); the model may name others. 'unknown' only without a language hint. */
	language: string;
	source: IntentSource;
	mode: ClassifierMode;
	/** Tokens the model used (repairs and failed attempts included), when a model was asked. */
	usage?: TokenUsage;
	/** Cascade only: whether the model was asked, and what the embedded classifier said. */
	cascade?: { askedLlm: boolean; embeddedIntent: string; embeddedConfidence: number; threshold: number };
	/** Why the model's answer was not used (source 'embedded_fallback'). */
	llmError?: { kind: string; code?: string; message: string; attempts?: number };
	/** Present when the message looked like a prompt-injection attempt. */
	promptInjection?: { detected: true; signals: string[] };
}

/**
 * What a message without text gets: out_of_scope at confidence 0, so the Confidence Router hands it to a
 * person instead of the execution failing. Nothing is guessed and no model is asked.
 */
export function noTextClassification(mode: ClassifierMode, language: string): IntentClassification {
	return {
		intent: OUT_OF_SCOPE_INTENT,
		confidence: 0,
		ranking: [],
		margin: 0,
		sentiment: { label: 'neutral', score: 0 },
		language,
		source: 'no_text',
		mode,
	};
}

export interface ClassifyMessageOptions {
	mode: ClassifierMode;
	intents: IntentDefinition[];
	/** Used for short or ambiguous messages (and given to the model as a hint). */
	languageHint?: string;
	/** Needed in llm and cascade modes. */
	model?: ChatModelLike;
	invokeOptions?: InvokeOptions;
	/** Cascade: ask the model when the embedded confidence is below this (default 0.7). */
	threshold?: number;
	/** Examples per intent in the model's prompt (default 3). */
	examplesPerIntent?: number;
}

/** Thrown when llm or cascade mode runs without a model. */
export class MissingModelError extends Error {
	readonly hint = 'Connect a chat model, choose an OpenAI-compatible credential, or set Mode to Embedded.';

	constructor(mode: ClassifierMode) {
		super(`The ${mode} mode needs a chat model`);
		this.name = 'MissingModelError';
	}
}

function isTrainable(intents: IntentDefinition[]): boolean {
	try {
		assertTrainable(intents);
		return true;
	} catch (error) {
		if (error instanceof IntentTrainingError) return false;
		throw error;
	}
}

function embedded(text: string, options: ClassifyMessageOptions): NluResult {
	return analyzeText(text, { intents: options.intents, languageHint: options.languageHint });
}

/** out_of_scope for an injection attempt, when the embedded classifier cannot be trained (descriptions only). */
function guardedWithoutClassifier(text: string, options: ClassifyMessageOptions): Omit<IntentClassification, 'source' | 'mode'> {
	const others = options.intents.filter((intent) => intent.name !== OUT_OF_SCOPE_INTENT);
	const share = others.length ? (1 - INJECTION_CONFIDENCE) / others.length : 0;
	const ranking = [{ intent: OUT_OF_SCOPE_INTENT, score: INJECTION_CONFIDENCE }, ...others.map((intent) => ({ intent: intent.name, score: share }))];
	const language = detectLanguage(text, { hint: options.languageHint });
	const sentiment = analyzeSentiment(text, { language: language.language === 'unknown' ? undefined : language.language });
	return {
		intent: OUT_OF_SCOPE_INTENT,
		confidence: INJECTION_CONFIDENCE,
		ranking,
		margin: INJECTION_CONFIDENCE - share,
		sentiment: { label: sentiment.label, score: sentiment.score },
		language: language.language,
	};
}

function errorSummary(error: LlmError): NonNullable<IntentClassification['llmError']> {
	return { kind: error.kind, ...(error.code ? { code: error.code } : {}), message: error.message, ...(error.attempts ? { attempts: error.attempts } : {}) };
}

function fromEmbedded(result: NluResult): Omit<IntentClassification, 'source' | 'mode'> {
	const { source: _source, ...rest } = result;
	return rest;
}

/**
 * Intent, confidence, ranking, margin, sentiment and language of one message in the chosen mode.
 * Model failures never throw in llm or cascade mode when the embedded classifier can answer instead;
 * with intents it cannot learn (descriptions without examples) the LlmError is thrown.
 */
export async function classifyMessage(text: string, options: ClassifyMessageOptions): Promise<IntentClassification> {
	const mode = options.mode;
	if (!CLASSIFIER_MODES.includes(mode)) throw new Error(`Unknown intent classifier mode "${String(mode)}" (embedded, llm or cascade)`);
	const injection = detectPromptInjection(text);
	const promptInjection = injection.detected ? { promptInjection: { detected: true as const, signals: injection.signals } } : {};
	const guarded = injection.detected && options.intents.some((intent) => intent.name === OUT_OF_SCOPE_INTENT);

	if (mode === 'embedded') {
		const result = embedded(text, options);
		return { ...fromEmbedded(result), source: guarded ? 'injection_guard' : 'embedded', mode, ...promptInjection };
	}
	if (!options.model) throw new MissingModelError(mode);

	if (guarded) {
		const answer = isTrainable(options.intents) ? fromEmbedded(embedded(text, options)) : guardedWithoutClassifier(text, options);
		const cascade = mode === 'cascade' ? { cascade: { askedLlm: false, embeddedIntent: answer.intent, embeddedConfidence: answer.confidence, threshold: thresholdOf(options) } } : {};
		return { ...answer, source: 'injection_guard', mode, ...cascade, ...promptInjection };
	}

	let first: NluResult | undefined;
	if (mode === 'cascade') {
		first = embedded(text, options);
		const threshold = thresholdOf(options);
		const cascade = { askedLlm: first.confidence < threshold, embeddedIntent: first.intent, embeddedConfidence: first.confidence, threshold };
		if (!cascade.askedLlm) return { ...fromEmbedded(first), source: 'embedded', mode, cascade, ...promptInjection };
		return { ...(await askModel(text, options, first)), mode, cascade, ...promptInjection };
	}
	return { ...(await askModel(text, options, undefined)), mode, ...promptInjection };
}

function thresholdOf(options: ClassifyMessageOptions): number {
	const threshold = options.threshold;
	return typeof threshold === 'number' && Number.isFinite(threshold) ? threshold : DEFAULT_CASCADE_THRESHOLD;
}

async function askModel(
	text: string,
	options: ClassifyMessageOptions,
	embeddedFirst: NluResult | undefined,
): Promise<Omit<IntentClassification, 'mode'>> {
	try {
		const answer = await classifyWithLlm(text, {
			intents: options.intents,
			model: options.model!,
			invokeOptions: options.invokeOptions,
			examplesPerIntent: options.examplesPerIntent,
			languageHint: options.languageHint,
			prior: embeddedFirst?.ranking,
		});
		return {
			intent: answer.intent,
			confidence: answer.confidence,
			ranking: answer.ranking,
			margin: answer.margin,
			sentiment: answer.sentiment,
			language: answer.language === 'unknown' && options.languageHint ? options.languageHint : answer.language,
			source: 'llm',
			usage: answer.usage,
		};
	} catch (error) {
		if (!(error instanceof LlmError) || error.code === 'cancelled') throw error;
		if (!embeddedFirst && !isTrainable(options.intents)) throw error;
		const fallback = embeddedFirst ?? embedded(text, options);
		return { ...fromEmbedded(fallback), source: 'embedded_fallback', ...(error.usage ? { usage: error.usage } : {}), llmError: errorSummary(error) };
	}
}
