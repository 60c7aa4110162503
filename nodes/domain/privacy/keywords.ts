/**
 * STOP / START keywords in en, nl, de, fr and es. A keyword counts only when it is (nearly) the whole
 * message, so "stop the music in room 12" or "I want to cancel my booking" are not opt-outs.
 */
import type { SupportedLanguage } from '../nlu/types';

export type ConsentKeyword = 'stop' | 'start';

interface KeywordEntry {
	phrase: string;
	keyword: ConsentKeyword;
	/** Set when the phrase belongs to one language, so the confirmation can use it. */
	language?: SupportedLanguage;
}

const ENTRIES: KeywordEntry[] = [
	// Shared by several languages (and by WhatsApp users everywhere).
	{ phrase: 'stop', keyword: 'stop' },
	{ phrase: 'start', keyword: 'start' },
	{ phrase: 'unstop', keyword: 'start', language: 'en' },
	// English
	{ phrase: 'unsubscribe', keyword: 'stop', language: 'en' },
	{ phrase: 'stop all', keyword: 'stop', language: 'en' },
	{ phrase: 'stop messages', keyword: 'stop', language: 'en' },
	{ phrase: 'stop messaging me', keyword: 'stop', language: 'en' },
	{ phrase: 'opt out', keyword: 'stop', language: 'en' },
	{ phrase: 'optout', keyword: 'stop', language: 'en' },
	{ phrase: 'subscribe', keyword: 'start', language: 'en' },
	{ phrase: 'opt in', keyword: 'start', language: 'en' },
	{ phrase: 'optin', keyword: 'start', language: 'en' },
	{ phrase: 'resume', keyword: 'start', language: 'en' },
	// Dutch
	{ phrase: 'afmelden', keyword: 'stop', language: 'nl' },
	{ phrase: 'uitschrijven', keyword: 'stop', language: 'nl' },
	{ phrase: 'stoppen', keyword: 'stop', language: 'nl' },
	{ phrase: 'geen berichten meer', keyword: 'stop', language: 'nl' },
	{ phrase: 'aanmelden', keyword: 'start', language: 'nl' },
	{ phrase: 'inschrijven', keyword: 'start', language: 'nl' },
	// German
	{ phrase: 'stopp', keyword: 'stop', language: 'de' },
	{ phrase: 'abmelden', keyword: 'stop', language: 'de' },
	{ phrase: 'abbestellen', keyword: 'stop', language: 'de' },
	{ phrase: 'austragen', keyword: 'stop', language: 'de' },
	{ phrase: 'keine nachrichten mehr', keyword: 'stop', language: 'de' },
	{ phrase: 'anmelden', keyword: 'start', language: 'de' },
	{ phrase: 'abonnieren', keyword: 'start', language: 'de' },
	// French
	{ phrase: 'arret', keyword: 'stop', language: 'fr' },
	{ phrase: 'arreter', keyword: 'stop', language: 'fr' },
	{ phrase: 'desabonner', keyword: 'stop', language: 'fr' },
	{ phrase: 'se desabonner', keyword: 'stop', language: 'fr' },
	{ phrase: 'desinscrire', keyword: 'stop', language: 'fr' },
	{ phrase: 'desinscription', keyword: 'stop', language: 'fr' },
	{ phrase: 'plus de messages', keyword: 'stop', language: 'fr' },
	{ phrase: 'abonner', keyword: 'start', language: 'fr' },
	{ phrase: 'sabonner', keyword: 'start', language: 'fr' },
	{ phrase: 'reprendre', keyword: 'start', language: 'fr' },
	// Spanish
	{ phrase: 'baja', keyword: 'stop', language: 'es' },
	{ phrase: 'darme de baja', keyword: 'stop', language: 'es' },
	{ phrase: 'dar de baja', keyword: 'stop', language: 'es' },
	{ phrase: 'parar', keyword: 'stop', language: 'es' },
	{ phrase: 'no mas mensajes', keyword: 'stop', language: 'es' },
	{ phrase: 'cancelar suscripcion', keyword: 'stop', language: 'es' },
	{ phrase: 'alta', keyword: 'start', language: 'es' },
	{ phrase: 'darme de alta', keyword: 'start', language: 'es' },
	{ phrase: 'suscribir', keyword: 'start', language: 'es' },
	{ phrase: 'suscribirme', keyword: 'start', language: 'es' },
];

/** Polite words around a keyword that do not change its meaning ("STOP please", "bitte abmelden"). */
const FILLER = new Set([
	'please', 'pls', 'plz', 'now', 'me', 'thanks', 'thank', 'you', 'bitte', 'danke', 'jetzt', 'mich', 'graag', 'aub',
	'alstublieft', 'svp', 'merci', 'moi', 'por', 'favor', 'gracias', 'ya', 'ahora', 'je', 'wil', 'ik', 'i', 'want', 'to',
	'ich', 'mochte', 'will', 'quiero', 'veux',
]);

const PHRASES = new Map(ENTRIES.map((entry) => [entry.phrase, entry]));
const LONGEST_PHRASE_WORDS = Math.max(...ENTRIES.map((entry) => entry.phrase.split(' ').length));

export function normalizeForKeywords(text: string): string {
	return text
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/['’`]/g, '')
		.replace(/[^\p{L}\p{N}\s]/gu, ' ')
		.replace(/\s+/g, ' ')
		.trim();
}

export interface KeywordMatch {
	keyword: ConsentKeyword;
	phrase: string;
	language?: SupportedLanguage;
}

/** Finds a STOP/START keyword that makes up the whole message, give or take polite filler words. */
export function detectConsentKeyword(text: string | undefined): KeywordMatch | undefined {
	if (!text) return undefined;
	const words = normalizeForKeywords(text).split(' ').filter(Boolean);
	if (words.length === 0 || words.length > LONGEST_PHRASE_WORDS + 4) return undefined;
	const remaining = words.filter((word) => !FILLER.has(word));
	const candidates = [remaining.join(' '), words.join(' ')];
	for (const candidate of candidates) {
		const entry = PHRASES.get(candidate);
		if (entry) return { keyword: entry.keyword, phrase: entry.phrase, language: entry.language };
	}
	return undefined;
}

const CONFIRMATIONS: Record<ConsentKeyword, Record<SupportedLanguage, string>> = {
	stop: {
		en: 'You will no longer receive messages from us. Reply START to receive them again.',
		nl: 'Je ontvangt geen berichten meer van ons. Stuur START om ze weer te ontvangen.',
		de: 'Sie erhalten keine Nachrichten mehr von uns. Antworten Sie START, um sie wieder zu erhalten.',
		fr: 'Vous ne recevrez plus de messages de notre part. Répondez START pour les recevoir à nouveau.',
		es: 'Ya no recibirá mensajes nuestros. Responda START para volver a recibirlos.',
	},
	start: {
		en: 'Welcome back! You will receive our replies again. Reply STOP at any time to stop.',
		nl: 'Welkom terug! Je ontvangt onze berichten weer. Stuur STOP om te stoppen.',
		de: 'Willkommen zurück! Sie erhalten wieder unsere Nachrichten. Antworten Sie STOPP, um sie abzubestellen.',
		fr: 'Bon retour ! Vous recevrez à nouveau nos messages. Répondez STOP pour arrêter.',
		es: '¡Bienvenido de nuevo! Volverá a recibir nuestros mensajes. Responda BAJA para dejar de recibirlos.',
	},
};

export function isSupportedLanguage(language: string | undefined): language is SupportedLanguage {
	return language === 'en' || language === 'nl' || language === 'de' || language === 'fr' || language === 'es';
}

export function keywordConfirmation(keyword: ConsentKeyword, language: string | undefined): { text: string; language: SupportedLanguage } {
	const chosen = isSupportedLanguage(language) ? language : 'en';
	return { text: CONFIRMATIONS[keyword][chosen], language: chosen };
}
