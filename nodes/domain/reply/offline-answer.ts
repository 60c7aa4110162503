import { searchKnowledge, type KnowledgeIndex, type RetrievedEntry } from './knowledge-base';

export interface OfflineAnswer {
	answered: boolean;
	text: string;
	language?: string;
	sources: RetrievedEntry[];
}

/**
 * Answers from the knowledge base alone (no LLM): the best entry, when it clearly matches the question.
 * It prefers the entry written in the customer's language, and says unanswered rather than guess.
 */
export function answerOffline(
	index: KnowledgeIndex,
	question: string,
	options: { language?: string; minCoverage?: number } = {},
): OfflineAnswer {
	const minCoverage = options.minCoverage ?? 0.35;
	const results = searchKnowledge(index, question, { topK: 3, language: options.language, strictLanguage: true });
	const best = results[0];
	if (!best || best.coverage < minCoverage) return { answered: false, text: '', sources: results };
	return { answered: true, text: best.entry.answer, language: best.entry.language ?? options.language, sources: [best] };
}
