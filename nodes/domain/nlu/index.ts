/**
 * Offline understanding of customer messages: intent (embedded classifier), language and sentiment.
 * `analyzeText` produces the envelope's `nlu` key (docs/ARCHITECTURE.md §2). No network, no model downloads.
 */
import { getEmbeddedClassifier, type ClassifierOptions } from './embedded-classifier';
import { detectLanguage } from './language';
import { detectPromptInjection } from './prompt-injection';
import { analyzeSentiment } from './sentiment';
import type { IntentDefinition, IntentPrediction, NluResult, SupportedLanguage } from './types';

export * from './types';
export {
	assertTrainable,
	classifierCacheStats,
	clearClassifierCache,
	DEFAULT_CLASSIFIER_OPTIONS,
	EmbeddedIntentClassifier,
	getEmbeddedClassifier,
	intentSetKey,
	IntentTrainingError,
	trainIntentClassifier,
	type CalibrationReport,
	type ClassifierOptions,
} from './embedded-classifier';
export { detectLanguage, isSupportedLanguage, type LanguageDetection, type LanguageDetectionOptions } from './language';
export { analyzeSentiment, SENTIMENT_THRESHOLD, type SentimentAnalysis, type SentimentOptions } from './sentiment';
export { detectPromptInjection, type PromptInjectionCheck } from './prompt-injection';
export {
	IntentDefinitionError,
	listIntentPacks,
	loadIntentPack,
	mergeIntents,
	parseIntentPack,
	resolveIntents,
	type IntentInput,
	type IntentPack,
	type PackIntent,
} from './packs';
export {
	CLASSIFIER_MODES,
	classifyMessage,
	DEFAULT_CASCADE_THRESHOLD,
	MissingModelError,
	noTextClassification,
	type ClassifierMode,
	type ClassifyMessageOptions,
	type IntentClassification,
	type IntentSource,
} from './cascade';
export {
	buildIntentPrompt,
	classifyWithLlm,
	DEFAULT_PROMPT_EXAMPLES_PER_INTENT,
	intentAnswerSchema,
	rankingFromAnswer,
	type LlmClassification,
	type LlmClassifyRequest,
	type LlmIntentAnswer,
} from './llm-classifier';

export interface AnalyzeTextOptions {
	/** The intents to choose from (a pack's, the user's, or both: see `resolveIntents`). */
	intents: IntentDefinition[];
	/** The conversation's known language, preferred when a message is ambiguous ("ok", "super"). */
	languageHint?: SupportedLanguage | string | null;
	classifierOptions?: Partial<ClassifierOptions>;
}

export const OUT_OF_SCOPE_INTENT = 'out_of_scope';
/** The confidence given to out_of_scope when the prompt-injection guard fires (its patterns are precise). */
export const INJECTION_CONFIDENCE = 0.95;

/**
 * Moves out_of_scope to the top when the message is a prompt-injection attempt, scaling the other
 * scores so the ranking still sums to one. Intent sets without out_of_scope are left alone.
 */
export function applyInjectionGuard(prediction: IntentPrediction, text: string): IntentPrediction {
	const outOfScope = prediction.ranking.find((entry) => entry.intent === OUT_OF_SCOPE_INTENT);
	if (!outOfScope || outOfScope.score >= INJECTION_CONFIDENCE || !detectPromptInjection(text).detected) return prediction;
	const score = Math.max(outOfScope.score, INJECTION_CONFIDENCE);
	const scale = outOfScope.score < 1 ? (1 - score) / (1 - outOfScope.score) : 0;
	const ranking = prediction.ranking
		.map((entry) => ({ intent: entry.intent, score: entry.intent === OUT_OF_SCOPE_INTENT ? score : entry.score * scale }))
		.sort((left, right) => right.score - left.score);
	return { intent: OUT_OF_SCOPE_INTENT, confidence: score, ranking, margin: score - ranking[1].score };
}

/**
 * Intent (with calibrated confidence, ranking and margin), sentiment and language of one message.
 * The first call for an intent set trains the classifier (well under two seconds for a shipped
 * pack); later calls reuse the cached model. Prompt-injection attempts go to out_of_scope when the
 * intent set has it.
 */
export function analyzeText(text: string, options: AnalyzeTextOptions): NluResult {
	const classifier = getEmbeddedClassifier(options.intents, options.classifierOptions);
	const prediction = applyInjectionGuard(classifier.classify(text), text);
	const language = detectLanguage(text, { hint: options.languageHint });
	const sentiment = analyzeSentiment(text, { language: language.language === 'unknown' ? undefined : language.language });
	return {
		...prediction,
		sentiment: { label: sentiment.label, score: sentiment.score },
		language: language.language,
		source: 'embedded',
	};
}
