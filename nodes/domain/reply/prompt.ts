/** The AI Reply prompt: business profile, honesty rules, retrieved knowledge and the conversation. */
import type { KnowledgeEntry } from './knowledge-base';

export interface BusinessProfile {
	name: string;
	tone: string;
	facts: string;
}

export const LANGUAGE_NAMES: Record<string, string> = {
	en: 'English',
	nl: 'Dutch',
	de: 'German',
	fr: 'French',
	es: 'Spanish',
};

export const DEFAULT_SYSTEM_PROMPT = `You are the WhatsApp assistant of {{business}}. Tone: {{tone}}.

Rules:
- Answer only from the KNOWLEDGE BASE and the conversation below. Never invent prices, times, policies or availability.
- If they do not contain the answer, say you do not know and set "answered" to false. A colleague will follow up.
- Never promise refunds, discounts, upgrades or compensation unless the knowledge base says so.
- Reply in {{language}}, the customer's language.
- Format for WhatsApp: short paragraphs, bullets with •, *bold* for key facts. No headings, no tables. Keep it brief.
- Placeholders like [EMAIL_1] or [PHONE_1] stand for the customer's personal data: keep them as they are.

About the business:
{{facts}}`;

export const NO_KNOWLEDGE = '(no matching entries)';

export function renderSystemPrompt(template: string, profile: BusinessProfile, language: string): string {
	const values: Record<string, string> = {
		business: profile.name || 'our business',
		tone: profile.tone || 'friendly and concise',
		facts: profile.facts || '(none given)',
		language: LANGUAGE_NAMES[language] ?? language ?? 'the customer’s language',
	};
	return template.replace(/\{\{\s*(business|tone|facts|language)\s*\}\}/g, (_match, key: string) => values[key]);
}

export function knowledgeBlock(entries: KnowledgeEntry[]): string {
	if (entries.length === 0) return `KNOWLEDGE BASE:\n${NO_KNOWLEDGE}`;
	return `KNOWLEDGE BASE:\n${entries
		.map((entry) => `[${entry.id}]${entry.language ? ` (${entry.language})` : ''} Q: ${entry.question}\nA: ${entry.answer}`)
		.join('\n\n')}`;
}

export const ANSWER_FORMAT = `Answer with one JSON object: {"answered": boolean, "answer": string, "sources": string[]} where "sources" lists the ids of the knowledge base entries you used (e.g. ["KB2"]), and "answer" is the WhatsApp message to send (empty when answered is false).`;

/** Added to the system prompt when tools are connected. */
export const TOOLS_GUIDANCE = `TOOLS: you may call the tools you are given to look up what the knowledge base cannot tell (availability, prices, reservations …), to hand the conversation to a colleague, or to do what the customer asks. Use what a tool answers as a source of facts, like the knowledge base. When a tool answers with an error, correct the call or tell the customer you cannot check it now. When you have what you need, answer in the JSON format below.`;
