/**
 * The confidence router's rules: when the bot may answer (Automate), should ask which of two things the
 * customer meant (Clarify), or must hand over to a person (Human). Every rule that fires adds a reason.
 */
import { intentTitle } from '../nlu/intent-titles';

export type RouteDecision = 'automate' | 'clarify' | 'human';

export interface RouterSettings {
	confidenceThreshold: number;
	clarifyWhenAmbiguous: boolean;
	ambiguityMargin: number;
	/** Sentiment scores (−1 … 1) at or below this go to a person. */
	negativeSentimentThreshold: number;
	alwaysHumanIntents: string[];
	detectHumanRequest: boolean;
	/** Consecutive unanswered turns that send the chat to a person; 0 disables. */
	maxUnansweredTurns: number;
	/** Intents a clarifying question never offers (the bot does not answer them from the knowledge base). */
	neverClarifyIntents: string[];
}

export const DEFAULT_ROUTER_SETTINGS: RouterSettings = {
	confidenceThreshold: 0.7,
	clarifyWhenAmbiguous: true,
	ambiguityMargin: 0.1,
	negativeSentimentThreshold: -0.5,
	alwaysHumanIntents: ['complaint', 'human_agent'],
	detectHumanRequest: true,
	maxUnansweredTurns: 2,
	neverClarifyIntents: ['out_of_scope', 'greeting', 'thanks_goodbye', 'human_agent'],
};

export interface RouterInput {
	text?: string;
	nlu?: {
		intent?: string;
		confidence?: number;
		margin?: number;
		ranking?: Array<{ intent: string; score: number }>;
		sentiment?: { label?: string; score?: number };
		language?: string;
		/** 'no_text' when the message had no text to classify. */
		source?: string;
	};
	unansweredTurns?: number;
}

export interface RouteResult {
	decision: RouteDecision;
	reasons: string[];
	/** Machine-readable names of the rules that fired. */
	rules: string[];
	/** The two candidates to ask about when the decision is clarify, with their titles in the guest's language. */
	clarifyBetween?: Array<{ intent: string; score: number; title: string }>;
}

// "I want to talk to a person" in en, nl, de, fr and es, typed the way people type on WhatsApp.
const HUMAN_REQUEST = [
	/\b(human|real person|live agent|real agent|operator|representative)\b/i,
	/\b(speak|talk|chat)\s+(to|with)\s+(a|an|some)?\s*(real\s+)?(person|someone|somebody|agent|manager|staff|employee|human)\b/i,
	/\b(mens|echt(e)? persoon|medewerker)\b/i,
	/\b(spreken|praten|bellen)\s+(met|tegen)\s+(een\s+)?(echt(e)?\s+)?(mens|persoon|iemand|medewerker)\b/i,
	/\b(echte person|mitarbeiter(in)?|kundenberater(in)?)\b/i,
	/\b(mit|einen?)\s+(einem\s+|einer\s+)?(echten\s+)?(menschen|person|mitarbeiter\w*)\s+(sprechen|reden)\b/i,
	/\b(humain|conseill[eè]re?|op[ée]rat(eur|rice))\b/i,
	/\bparler\s+(à|a|avec)\s+(un|une|quelqu'?un)\s*(vrai(e)?\s+)?(personne|humain|agent|conseill\w*)?/i,
	/\b(humano|agente|operador(a)?|asesor(a)?)\b/i,
	/\bhablar\s+con\s+(una\s+persona|alguien|un\s+humano|un\s+agente|un\s+asesor\w*)\b/i,
];

export function asksForHuman(text: string | undefined): boolean {
	if (!text) return false;
	const normalized = text.toLowerCase().replace(/[’`]/g, "'");
	// "no human needed" style negations are rare enough on WhatsApp; an explicit ask is what we catch.
	return HUMAN_REQUEST.some((pattern) => pattern.test(normalized));
}

function percent(value: number): string {
	return value.toFixed(2);
}

export function routeMessage(input: RouterInput, settings: RouterSettings = DEFAULT_ROUTER_SETTINGS): RouteResult {
	const reasons: string[] = [];
	const rules: string[] = [];
	const human = (rule: string, reason: string) => {
		rules.push(rule);
		reasons.push(reason);
	};

	const intent = input.nlu?.intent;
	if (intent && settings.alwaysHumanIntents.includes(intent)) {
		human('always_human_intent', `intent "${intent}" is always handled by a person`);
	}
	if (settings.detectHumanRequest && asksForHuman(input.text)) {
		human('human_requested', 'the customer asked for a person');
	}
	const sentiment = input.nlu?.sentiment?.score;
	if (sentiment !== undefined && sentiment <= settings.negativeSentimentThreshold) {
		human('negative_sentiment', `negative sentiment ${percent(sentiment)} (threshold ${percent(settings.negativeSentimentThreshold)})`);
	}
	if (settings.maxUnansweredTurns > 0 && (input.unansweredTurns ?? 0) >= settings.maxUnansweredTurns) {
		human('unanswered_turns', `${input.unansweredTurns} turns in a row the bot could not answer`);
	}
	if (rules.length > 0) return { decision: 'human', reasons, rules };

	const confidence = input.nlu?.confidence;
	if (confidence === undefined) {
		return { decision: 'human', reasons: ['no intent classification on the item'], rules: ['no_nlu'] };
	}
	if (confidence < settings.confidenceThreshold) {
		const ranking = input.nlu?.ranking ?? [];
		const margin = input.nlu?.margin ?? (ranking.length > 1 ? ranking[0].score - ranking[1].score : 1);
		if (settings.clarifyWhenAmbiguous && margin < settings.ambiguityMargin && ranking.length > 1) {
			const candidates = ranking.slice(0, 2);
			const notOffered = new Set([...(settings.neverClarifyIntents ?? DEFAULT_ROUTER_SETTINGS.neverClarifyIntents), ...settings.alwaysHumanIntents]);
			const unanswerable = candidates.filter((candidate) => notOffered.has(candidate.intent));
			// A message without text has nothing to be ambiguous about, and a choice the bot cannot answer helps nobody.
			if (input.nlu?.source === 'no_text' || (input.text !== undefined && input.text.trim() === '')) {
				return { decision: 'human', reasons: ['the message has no text to answer'], rules: ['no_text'] };
			}
			if (unanswerable.length > 0) {
				return {
					decision: 'human',
					reasons: [
						`confidence ${percent(confidence)} below ${percent(settings.confidenceThreshold)}, and ${unanswerable.map((candidate) => `"${candidate.intent}"`).join(' and ')} cannot be offered as a choice`,
					],
					rules: ['not_clarifiable'],
				};
			}
			return {
				decision: 'clarify',
				reasons: [
					`confidence ${percent(confidence)} below ${percent(settings.confidenceThreshold)}, and "${ranking[0].intent}" vs "${ranking[1].intent}" are only ${percent(margin)} apart`,
				],
				rules: ['ambiguous'],
				clarifyBetween: candidates.map((candidate) => ({ ...candidate, title: intentTitle(candidate.intent, input.nlu?.language) })),
			};
		}
		return {
			decision: 'human',
			reasons: [`confidence ${percent(confidence)} below ${percent(settings.confidenceThreshold)}`],
			rules: ['low_confidence'],
		};
	}
	return {
		decision: 'automate',
		reasons: [`intent "${intent}" with confidence ${percent(confidence)}`],
		rules: [],
	};
}
