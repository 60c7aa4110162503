/**
 * Small talk: greetings, thanks and goodbyes, acknowledgements ("ok", 👍), reactions, stickers, and
 * messages the bot cannot read (voice notes, photos and documents without a caption). They are a large
 * share of WhatsApp traffic, and none of them needs a person: this module tells which kind a message
 * is and writes the bot's answer in the guest's language. No n8n, no model.
 */
import { detectLanguage } from '../nlu/language';
import { isBareGreeting, splitLeadingGreeting } from '../nlu/greeting-clause';
import { intentTitle } from '../nlu/intent-titles';
import { foldAccents } from '../nlu/text-normalization';
import {
	ANY_QUESTION,
	DEFAULT_BUSINESS_NAME,
	DEFAULT_SMALL_TALK_TEXTS,
	LIST_CONJUNCTION,
	SMALL_TALK_LANGUAGES,
	type SmallTalkLanguage,
	type SmallTalkTextKind,
} from './texts';

export * from './texts';

/**
 * - greeting, thanks: answered with a short welcome or close;
 * - wellbeing ("how are you?"): a friendly answer and the welcome's topics;
 * - identity ("are you a bot?", "who are you?"): the bot says what it is, with a button for a person;
 * - dismissal ("never mind", "laat maar"): a short "no problem";
 * - out_of_scope (the classifier is sure the message is not for this business: "tell me a joke", "do you
 *   sell car insurance?"): what the bot can help with, and a button for a person, instead of paging one;
 * - acknowledgement, reaction, sticker: no reply (or the optional acknowledgement text);
 * - media_without_text: a voice note, photo, video, document or contact card without words;
 * - location: a location pin, for the directions answer;
 * - none: not small talk; the message goes on to the router.
 */
export type SmallTalkKind = 'greeting' | 'wellbeing' | 'identity' | 'dismissal' | 'out_of_scope' | 'thanks' | 'acknowledgement' | 'reaction' | 'sticker' | 'media_without_text' | 'location' | 'none';

export interface SmallTalkMessage {
	type?: string;
	text?: string;
	media?: { kind?: string; caption?: string; animated?: boolean };
}

export interface SmallTalkNlu {
	intent?: string;
	confidence?: number;
	source?: string;
}

export interface SmallTalkSettings {
	greetingIntents: string[];
	thanksIntents: string[];
	/** The classifier's confidence from which a greeting or thanks intent counts. */
	minConfidence: number;
	/** Intents answered with what the bot can do (empty: they go on to the router, and usually a person). */
	outOfScopeIntents?: string[];
	/** The classifier's confidence from which an out-of-scope intent is answered here. */
	outOfScopeConfidence?: number;
}

export const DEFAULT_SMALL_TALK_SETTINGS: SmallTalkSettings = {
	greetingIntents: ['greeting'],
	thanksIntents: ['thanks_goodbye'],
	minConfidence: 0.6,
	outOfScopeIntents: ['out_of_scope'],
	outOfScopeConfidence: 0.7,
};

// Acknowledgements in en, nl, de, fr and es, accents folded. A message is one when it is made only of
// these (and emoji): "ok", "oké 👍", "yes, I confirm", "prima 👌", "d'accord", "vale, perfecto".
const ACKNOWLEDGEMENTS = new Set(
	[
		'ok', 'okay', 'oke', 'okey', 'okido', 'okidoki', 'k', 'kk', 'alright', 'all right', 'fine', 'great', 'cool', 'nice', 'perfect', 'super', 'top',
		'sure', 'yes', 'yep', 'yeah', 'yup', 'got it', 'noted', 'understood', 'i confirm', 'confirm', 'confirmed', 'sounds good', 'good', 'will do',
		'prima', 'goed', 'is goed', 'helder', 'duidelijk', 'ja', 'akkoord', 'mooi', 'fijn', 'klopt', 'top', 'oki', 'okee', 'prima zo', 'komt goed',
		'alles klar', 'gut', 'passt', 'genau', 'verstanden', 'in ordnung', 'alles gut', 'jawohl', 'klar', 'geht klar', 'perfekt', 'sehr gut',
		'd accord', 'dac', 'oui', 'parfait', 'tres bien', 'ca marche', 'entendu', 'compris', 'nickel', 'genial', 'bien', 'ok merci',
		'vale', 'si', 'perfecto', 'de acuerdo', 'entendido', 'claro', 'muy bien', 'listo', 'dale', 'bueno', 'okis', 'confirmo',
	].filter((phrase) => !phrase.includes('merci')),
);
const LONGEST_ACKNOWLEDGEMENT = Math.max(...[...ACKNOWLEDGEMENTS].map((phrase) => phrase.split(' ').length));
const PICTOGRAPH = /\p{Extended_Pictographic}/u;
// Thumbs down, angry and crying faces are not acknowledgements: they go on to the router (sentiment).
const NEGATIVE_EMOJI = /[👎😡😠🤬😢😭💩😞😤]/u;

function wordsOf(text: string): string[] {
	return foldAccents(text)
		.replace(/[’'`]/g, ' ')
		.replace(/[^\p{L}\p{N}\s]/gu, ' ')
		.split(/\s+/)
		.filter(Boolean);
}

/** Whether the text is only acknowledgements and emoji ("ok", "👍", "Yes, I confirm", "prima 👌"). */
export function isAcknowledgement(text: string): boolean {
	if (NEGATIVE_EMOJI.test(text)) return false;
	const words = wordsOf(text);
	if (words.length === 0) return PICTOGRAPH.test(text);
	let index = 0;
	while (index < words.length) {
		let matched = 0;
		for (let length = Math.min(LONGEST_ACKNOWLEDGEMENT, words.length - index); length >= 1; length--) {
			if (ACKNOWLEDGEMENTS.has(words.slice(index, index + length).join(' '))) {
				matched = length;
				break;
			}
		}
		if (matched === 0) return false;
		index += matched;
	}
	return true;
}

// "How are you?" and "Are you a bot?" in en, nl, de, fr and es, as whole messages (after an optional
// greeting), accents folded and punctuation dropped. Phrases that also close a chat ("ça va", "todo bien",
// "alles goed") count only as a question, with a question mark.
const WELLBEING = new RegExp(
	`^(?:${[
		'how are (?:you|u|ya|things)(?: doing)?(?: today)?', 'how r (?:you|u)', 'how s it going', 'hows it going', 'how is it going', 'how do you do',
		'how have you been', 'what s up', 'whats up', 'wassup', 'are you (?:ok|okay|well)', 'hope you re (?:well|good|ok)',
		'hoe gaat (?:het|t)(?: met (?:je|jou|u|jullie))?(?: vandaag)?', 'hoe is (?:het|t)(?: met (?:je|jou|u))?', 'hoe maak (?:je|jij) het', 'hoe maakt u het',
		'wie geht s(?: (?:dir|ihnen|euch))?(?: heute)?', 'wie gehts(?: (?:dir|ihnen|euch))?', 'wie geht es(?: (?:dir|ihnen|euch))?(?: heute)?', 'wie laeuft s', 'wie lauft s',
		'comment ca va', 'comment allez vous', 'comment vas tu', 'comment tu vas', 'vous allez bien', 'tu vas bien', 'ca va bien',
		'que tal(?: (?:estas|esta|esta usted|todo|va todo))?', 'como (?:estas|esta|esta usted|le va|te va|va todo|andas)',
	].join('|')})$`,
);
const WELLBEING_IF_ASKED = /^(?:ca va|alles goed|alles goed met (?:je|jou|u)|alles gut bei (?:dir|ihnen|euch)|todo bien)$/;
const BOT_WORDS = {
	en: '(?:a |an )?(?:bot|robot|chatbot|chat bot|machine|computer|ai|human|person|real person|real human|real)',
	nl: '(?:een )?(?:bot|robot|chatbot|computer|mens|echt persoon|echte persoon|echt mens|echte mens|ai)',
	de: '(?:ein |eine |einem |einer )?(?:bot|roboter|chatbot|computer|maschine|mensch|menschen|echter mensch|echten menschen|echte person|echten person|ki)',
	fr: '(?:un |une )?(?:bot|robot|chatbot|ordinateur|machine|humain|humaine|vraie personne|personne reelle|ia|ai)',
	es: '(?:un |una )?(?:bot|robot|chatbot|maquina|humano|humana|persona real|persona|ia)',
};
const IDENTITY = new RegExp(
	`^(?:${[
		`are you ${BOT_WORDS.en}`, `is this ${BOT_WORDS.en}`, `am i (?:talking|chatting|speaking|writing) (?:to|with) ${BOT_WORDS.en}`, 'who are you', 'what are you',
		'who am i (?:talking|chatting|speaking) (?:to|with)', 'who is this',
		`(?:ben (?:je|jij)|bent u) ${BOT_WORDS.nl}`, `is dit ${BOT_WORDS.nl}`, `(?:praat|spreek|chat) ik (?:met|tegen) ${BOT_WORDS.nl}`, 'wie ben (?:je|jij|u)', 'met wie (?:praat|spreek|chat) ik',
		`(?:bist du|sind sie) ${BOT_WORDS.de}`, `ist das ${BOT_WORDS.de}`, `(?:rede|spreche|schreibe|chatte) ich (?:mit|gerade mit) ${BOT_WORDS.de}`, 'wer bist du', 'wer sind sie', 'mit wem (?:rede|spreche|schreibe|chatte) ich',
		`(?:es tu|tu es|etes vous|vous etes) ${BOT_WORDS.fr}`, `(?:c est|est ce) ${BOT_WORDS.fr}`, `je (?:parle|discute|ecris) (?:a|avec) ${BOT_WORDS.fr}`, 'qui (?:es tu|etes vous)', 'a qui (?:je parle|est ce que je parle|ai je affaire)',
		`(?:eres|es usted|usted es) ${BOT_WORDS.es}`, `(?:estoy hablando|hablo|estoy chateando|estoy escribiendo) con ${BOT_WORDS.es}`, 'quien (?:eres|es usted)', 'con quien (?:hablo|estoy hablando)',
	].join('|')})$`,
);

const DISMISSAL = new RegExp(
	`^(?:(?:oh |ah |ach |och |ok |okay |oke |no |nee |nein |non |na ja |naja |bueno |bon |ben )?(?:${[
		'never mind', 'nevermind', 'forget it', 'forget about it', 'no worries', 'doesn t matter', 'it doesn t matter', 'not important',
		'laat maar', 'laat maar zitten', 'maakt niet uit', 'niet belangrijk', 'vergeet het maar', 'vergeet het',
		'egal', 'schon gut', 'vergiss es', 'vergessen sie es', 'nicht so wichtig', 'nicht wichtig', 'ist egal',
		'laisse tomber', 'laissez tomber', 'pas grave', 'c est pas grave', 'ce n est pas grave', 'oublie', 'oubliez', 'peu importe',
		'olvidalo', 'olvidelo', 'no importa', 'da igual', 'no pasa nada', 'dejalo',
	].join('|')}))(?: (?:thanks|thank you|bedankt|danke|merci|gracias))?$`,
);

/** "Never mind", "laat maar", "schon gut", "laisse tomber", "olvídalo" — as a whole message. */
export function isDismissal(text: string): boolean {
	return DISMISSAL.test(wordsOf(text).join(' '));
}

/** The words of a message without a leading greeting, joined by single spaces ("hi! how are you?" → "how are you"). */
function questionWords(text: string): string {
	return wordsOf(splitLeadingGreeting(text)?.rest ?? text).join(' ');
}

/** "How are you?", "hoe gaat het?", "¿qué tal?" — with or without a greeting in front, and nothing else. */
export function isWellbeingQuestion(text: string): boolean {
	const words = questionWords(text);
	return WELLBEING.test(words) || (text.includes('?') && WELLBEING_IF_ASKED.test(words));
}

/** "Are you a bot?", "Spreek ik met een mens?", "¿Quién eres?" — with or without a greeting in front, and nothing else. */
export function isIdentityQuestion(text: string): boolean {
	return IDENTITY.test(questionWords(text));
}

/** A negative reaction (👎, 😡 …), as a satisfaction signal. */
export function isNegativeEmoji(emoji: string | undefined): boolean {
	return Boolean(emoji && NEGATIVE_EMOJI.test(emoji));
}

const UNREADABLE_MEDIA = new Set(['audio', 'voice', 'image', 'video', 'document', 'contacts', 'unsupported']);

/** Which kind of small talk the message is, from its type, its text and the classifier's intent. */
export function recognizeSmallTalk(
	message: SmallTalkMessage,
	nlu: SmallTalkNlu | undefined,
	settings: SmallTalkSettings = DEFAULT_SMALL_TALK_SETTINGS,
): SmallTalkKind {
	const type = message.type ?? 'text';
	const text = (message.text ?? '').trim();
	if (type === 'reaction') return 'reaction';
	if (type === 'sticker' || message.media?.kind === 'sticker') return 'sticker';
	// A GIF arrives as a video that plays like a sticker.
	if (!text && message.media?.animated) return 'sticker';
	if (type === 'location') return 'location';
	if (!text) return UNREADABLE_MEDIA.has(type) || message.media ? 'media_without_text' : type === 'text' ? 'none' : 'media_without_text';
	if (isAcknowledgement(text)) return 'acknowledgement';
	const confident = (nlu?.confidence ?? 0) >= settings.minConfidence;
	if (isIdentityQuestion(text)) return 'identity';
	if (isWellbeingQuestion(text)) return 'wellbeing';
	if (isDismissal(text)) return 'dismissal';
	if (isBareGreeting(text) || (confident && nlu?.intent && settings.greetingIntents.includes(nlu.intent))) return 'greeting';
	// A question is never closed with "you're welcome".
	if (confident && nlu?.intent && settings.thanksIntents.includes(nlu.intent) && !text.includes('?')) return 'thanks';
	const outOfScope = settings.outOfScopeIntents ?? DEFAULT_SMALL_TALK_SETTINGS.outOfScopeIntents ?? [];
	const outOfScopeConfidence = settings.outOfScopeConfidence ?? DEFAULT_SMALL_TALK_SETTINGS.outOfScopeConfidence ?? 0.7;
	// A sure out-of-scope message gets what the bot can do; an unsure one may be a real request: the router decides.
	if (nlu?.intent && outOfScope.includes(nlu.intent) && (nlu.confidence ?? 0) >= outOfScopeConfidence && nlu.source !== 'no_text') return 'out_of_scope';
	return 'none';
}

export function isSmallTalkLanguage(language: string | undefined | null): language is SmallTalkLanguage {
	return SMALL_TALK_LANGUAGES.includes(language as SmallTalkLanguage);
}

/**
 * The language to answer in: the message's own when it can be told (and remembered), else the guest's
 * last known language, else the workflow's default. Short messages ("ok", "Hallo!", 👍) never switch it.
 */
export function chooseReplyLanguage(input: { text?: string; kind: SmallTalkKind; known?: string | null; fallback: string }): {
	language: string;
	/** Set when the message itself tells the language: the store should remember it. */
	detected?: string;
} {
	const text = input.text?.trim() ?? '';
	// Acknowledgements, emoji and a never-mind are too short to tell ("prima" is Dutch, German and Italian).
	const tellable = text !== '' && !['acknowledgement', 'reaction', 'sticker', 'dismissal'].includes(input.kind);
	if (tellable) {
		const detection = detectLanguage(text, { hint: null });
		if (detection.language !== 'unknown') return { language: detection.language, detected: detection.language };
	}
	return { language: input.known || input.fallback };
}

export type SmallTalkOverrides = Partial<Record<SmallTalkTextKind, Partial<Record<string, string>>>>;

/** The text of a kind in the language: the business's own, else the default, else the default language's. */
export function smallTalkText(kind: SmallTalkTextKind, language: string, overrides: SmallTalkOverrides = {}, fallbackLanguage = 'en'): string {
	const own = overrides[kind];
	for (const candidate of [language, fallbackLanguage]) {
		const custom = own?.[candidate];
		if (custom !== undefined) return custom;
		if (isSmallTalkLanguage(candidate)) return DEFAULT_SMALL_TALK_TEXTS[kind][candidate];
	}
	return DEFAULT_SMALL_TALK_TEXTS[kind].en;
}

function joinList(items: string[], language: string): string {
	if (items.length <= 1) return items.join('');
	const conjunction = isSmallTalkLanguage(language) ? LIST_CONJUNCTION[language] : LIST_CONJUNCTION.en;
	return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

export interface SmallTalkReply {
	text: string;
	language: string;
	source: 'small_talk';
	kind: SmallTalkKind;
	buttons?: Array<{ id: string; title: string }>;
	list?: { button: string; sections: Array<{ title?: string; rows: Array<{ id: string; title: string }> }> };
}

export interface ReplyContext {
	language: string;
	fallbackLanguage?: string;
	overrides?: SmallTalkOverrides;
	businessName?: string;
	customerName?: string;
	/** Intents offered after the welcome: up to 3 as buttons, up to 10 as a list. */
	topics?: string[];
	/** Titles of the business's own intents, per intent and language (pack intents have their own). */
	topicTitles?: Record<string, Record<string, string>>;
}

/** The reply for a kind of small talk, or undefined when the bot stays silent. */
export function buildSmallTalkReply(kind: SmallTalkKind, context: ReplyContext): SmallTalkReply | undefined {
	const text = (textKind: SmallTalkTextKind) => smallTalkText(textKind, context.language, context.overrides, context.fallbackLanguage);
	const base = { language: context.language, source: 'small_talk' as const, kind };
	switch (kind) {
		case 'greeting':
		case 'wellbeing':
		case 'out_of_scope': {
			const topics = (context.topics ?? []).slice(0, 10);
			const titles = topics.map((intent) => context.topicTitles?.[intent]?.[context.language]?.slice(0, 20) || intentTitle(intent, context.language));
			const firstName = (context.customerName ?? '').trim().split(/\s+/)[0] ?? '';
			const business = context.businessName?.trim() || (isSmallTalkLanguage(context.language) ? DEFAULT_BUSINESS_NAME[context.language] : DEFAULT_BUSINESS_NAME.en);
			// German nouns keep their capital letter.
			const inSentence = titles.map((title) => (context.language === 'de' ? title : title.toLowerCase()));
			const topicsText = titles.length ? joinList(inSentence, context.language) : ANY_QUESTION[isSmallTalkLanguage(context.language) ? context.language : 'en'];
			const welcome = text(kind === 'wellbeing' ? 'wellbeing' : kind === 'out_of_scope' ? 'outOfScope' : 'welcome')
				.replace(/\{name\}/g, firstName ? ` ${firstName}` : '')
				.replace(/\{business\}/g, business)
				.replace(/\{topics\}/g, topicsText);
			// Out of scope: the topics in the text, and the one button that matters, a person.
			if (kind === 'out_of_scope') return { ...base, text: welcome, buttons: [{ id: 'human_agent', title: text('personButton') }] };
			const rows = topics.map((intent, index) => ({ id: intent, title: titles[index] }));
			if (rows.length === 0) return { ...base, text: welcome };
			if (rows.length <= 3) return { ...base, text: welcome, buttons: rows };
			return { ...base, text: welcome, list: { button: text('topicsButton'), sections: [{ rows }] } };
		}
		case 'thanks':
			return { ...base, text: text('thanks') };
		case 'dismissal':
			return { ...base, text: text('dismissal') };
		case 'identity': {
			const business = context.businessName?.trim() || (isSmallTalkLanguage(context.language) ? DEFAULT_BUSINESS_NAME[context.language] : DEFAULT_BUSINESS_NAME.en);
			return { ...base, text: text('identity').replace(/\{business\}/g, business), buttons: [{ id: 'human_agent', title: text('personButton') }] };
		}
		case 'acknowledgement':
		case 'reaction':
		case 'sticker': {
			const acknowledgement = text('acknowledgement').trim();
			return acknowledgement ? { ...base, text: acknowledgement } : undefined;
		}
		case 'media_without_text':
			return { ...base, text: text('mediaWithoutText'), buttons: [{ id: 'human_agent', title: text('personButton') }] };
		default:
			return undefined;
	}
}

// Knowledge-base questions about the way there, in en, nl, de, fr and es (accents folded).
const DIRECTIONS_QUESTION = [
	/\b(directions?|route|address|located|location|how (do|can|to) (i |we )?(get|reach)|way to|find you)\b/,
	/\b(adres|ligging|hoe kom(en)? (ik|we|je)|bereik|vind ik|waar (ligt|zit|zitten))\b/,
	/\b(anfahrt|adresse|wegbeschreibung|wie komme?n? (ich|wir|man)|erreiche|wo (liegt|finde))\b/,
	/\b(itineraire|adresse|acces|comment (venir|aller|se rendre|vous trouver|rejoindre)|ou (se trouve|etes))\b/,
	/\b(direccion|ubicacion|como (llego|llegar|llegamos)|donde (esta|estan|quedan?))\b/,
];

/** Whether a knowledge-base question asks the way (so its answer fits a location pin). */
export function isDirectionsQuestion(question: string): boolean {
	const folded = foldAccents(question).replace(/[’'`]/g, ' ');
	return DIRECTIONS_QUESTION.some((pattern) => pattern.test(folded));
}
