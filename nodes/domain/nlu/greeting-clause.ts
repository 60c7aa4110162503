/**
 * A greeting in front of a question ("hi, what time is breakfast?", "Hallo, hoe laat is het ontbijt?")
 * says nothing about what the guest wants, but it pulls the intent and the knowledge-base search towards
 * "greeting". This module finds such a leading greeting so both can look at the question alone.
 */
import type { IntentClassification } from './cascade';

// Openers in en, nl, de, fr and es, as typed on WhatsApp (accents optional). Longest first, so
// "good morning" wins over "good".
const OPENERS = [
	'good morning', 'good afternoon', 'good evening', 'good day', 'hello there', 'hi there', 'hey there', 'morning', 'hello', 'hiya', 'heya', 'hey', 'hi',
	'goedemorgen', 'goedemiddag', 'goedenavond', 'goedendag', 'goeiemorgen', 'goeiemiddag', 'goeiedag', 'hallo daar', 'hallo', 'hoi', 'hey',
	'guten morgen', 'guten tag', 'guten abend', 'grüß gott', 'grüss gott', 'gruss gott', 'grüezi', 'hallöchen', 'moin moin', 'moin', 'servus',
	'bonjour', 'bonsoir', 'salut', 'coucou', 'bjr', 'slt',
	'buenos días', 'buenos dias', 'buenas tardes', 'buenas noches', 'buen día', 'buen dia', 'buenas', 'hola',
].sort((a, b) => b.length - a.length);

// Who is greeted, optionally: "hi there", "hallo allemaal", "bonjour à tous".
const ADDRESSEES = ['there', 'all', 'team', 'everyone', 'allemaal', 'zusammen', 'à tous', 'a tous', 'a todos', 'equipo'];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const LEADING_GREETING = new RegExp(
	`^\\s*(?:${OPENERS.map(escape).join('|')})(?:\\s+(?:${ADDRESSEES.map(escape).join('|')}))?(?![\\p{L}\\p{N}])[\\s,!.:;~…\\-]*(?:\\p{Extended_Pictographic}[\\uFE0F\\s]*)*`,
	'iu',
);

export interface GreetingClause {
	/** The greeting as written ("Hallo, "). */
	greeting: string;
	/** What follows it: the question. */
	rest: string;
}

/** The leading greeting and the rest, when the message has words after its greeting; otherwise undefined. */
export function splitLeadingGreeting(text: string): GreetingClause | undefined {
	const match = LEADING_GREETING.exec(text);
	if (!match) return undefined;
	const rest = text.slice(match[0].length).trim();
	if (!/\p{L}/u.test(rest)) return undefined;
	return { greeting: match[0], rest };
}

/** Whether the whole message is a greeting ("hi", "Hallo!", "buenos días 👋"). */
export function isBareGreeting(text: string): boolean {
	const match = LEADING_GREETING.exec(text);
	return Boolean(match) && !/[\p{L}\p{N}]/u.test(text.slice(match![0].length));
}

/** Intents that say nothing about the question, so the whole message's classification is kept. */
const NOT_A_QUESTION = new Set(['greeting', 'out_of_scope']);

/**
 * Classifies the question behind a leading greeting. When what follows the greeting is not a question
 * of its own ("hello, anyone there?"), the whole message's classification is returned.
 */
export async function classifyPastGreeting(
	text: string,
	classify: (text: string) => Promise<IntentClassification>,
): Promise<IntentClassification & { greeting?: string }> {
	const clause = splitLeadingGreeting(text);
	if (!clause) return await classify(text);
	const question = await classify(clause.rest);
	if (NOT_A_QUESTION.has(question.intent)) return await classify(text);
	return { ...question, greeting: clause.greeting.trim() };
}
