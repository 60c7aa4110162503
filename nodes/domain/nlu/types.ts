/** The five languages the offline NLU understands. */
export const SUPPORTED_LANGUAGES = ['en', 'nl', 'de', 'fr', 'es'] as const;
export type SupportedLanguage = (typeof SUPPORTED_LANGUAGES)[number];
export type DetectedLanguage = SupportedLanguage | 'unknown';

/** One intent: its name, a one-sentence description (also used in LLM prompts) and example messages. */
export interface IntentDefinition {
	name: string;
	description: string;
	examples: string[];
}

export interface IntentScore {
	intent: string;
	score: number;
}

export interface IntentPrediction {
	intent: string;
	/** Calibrated probability of `intent`, 0–1. */
	confidence: number;
	/** Every intent, best first; scores sum to 1. */
	ranking: IntentScore[];
	/** Top-1 score minus top-2 score; small margins mean the message is ambiguous. */
	margin: number;
}

export type SentimentLabel = 'negative' | 'neutral' | 'positive';

export interface SentimentResult {
	label: SentimentLabel;
	/** −1 (very negative) … +1 (very positive). */
	score: number;
	/** How sure the label is, 0–1. */
	confidence: number;
}

export interface LanguageResult {
	language: DetectedLanguage;
	confidence: number;
}

/** The envelope's `nlu` key (docs/ARCHITECTURE.md §2). */
export interface NluResult extends IntentPrediction {
	sentiment: { label: SentimentLabel; score: number };
	language: DetectedLanguage;
	source: 'embedded' | 'llm';
}
