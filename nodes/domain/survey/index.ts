/**
 * The satisfaction survey a guest gets when a conversation ends: CSAT 1–5 as a list message (WhatsApp allows
 * at most 3 reply buttons), or NPS 0–10 as a list of 10–1 plus a typed 0; the answer, the follow-up question
 * after a low score, and the thanks, in en/nl/de/fr/es. No n8n inside.
 */
import { decideConsent, deriveConsent, type ConsentLogEntry } from '../privacy/consent';
import type { SurveyKind } from '../store/surveys';
import { buildListMessage, buildTextMessages, type CloudApiMessage, type Recipient } from '../whatsapp/outbound';

export const SURVEY_LANGUAGES = ['en', 'nl', 'de', 'fr', 'es'] as const;
export type SurveyLanguage = (typeof SURVEY_LANGUAGES)[number];

interface SurveyTexts {
	csatQuestion: string;
	npsQuestion: string;
	button: string;
	csatRows: [string, string, string, string, string];
	npsRow: (score: number) => string;
	followUp: string;
	thanks: string;
	thanksComment: string;
}

export const SURVEY_TEXTS: Record<SurveyLanguage, SurveyTexts> = {
	en: {
		csatQuestion: 'How satisfied are you with the help you got today? Tap to rate us from 1 to 5.',
		npsQuestion: 'How likely are you to recommend us to a friend? Tap a score from 10 (very likely) to 1, or type 0.',
		button: 'Rate us',
		csatRows: ['1 – Very dissatisfied', '2 – Dissatisfied', '3 – Neutral', '4 – Satisfied', '5 – Very satisfied'],
		npsRow: (score) => `${score}`,
		followUp: "Sorry we didn't get it right. What could we have done better? Just type your answer.",
		thanks: 'Thank you for your feedback! 🙏',
		thanksComment: 'Thank you, we will use this to do better. 🙏',
	},
	nl: {
		csatQuestion: 'Hoe tevreden ben je over de hulp van vandaag? Tik om ons een cijfer van 1 tot 5 te geven.',
		npsQuestion: 'Hoe waarschijnlijk is het dat je ons aanbeveelt bij een vriend? Tik een score van 10 (zeer waarschijnlijk) tot 1, of typ 0.',
		button: 'Geef een cijfer',
		csatRows: ['1 – Zeer ontevreden', '2 – Ontevreden', '3 – Neutraal', '4 – Tevreden', '5 – Zeer tevreden'],
		npsRow: (score) => `${score}`,
		followUp: 'Sorry dat het niet goed ging. Wat hadden we beter kunnen doen? Typ gewoon je antwoord.',
		thanks: 'Bedankt voor je feedback! 🙏',
		thanksComment: 'Bedankt, hier gaan we mee aan de slag. 🙏',
	},
	de: {
		csatQuestion: 'Wie zufrieden sind Sie mit der Hilfe heute? Tippen Sie, um uns mit 1 bis 5 zu bewerten.',
		npsQuestion: 'Wie wahrscheinlich ist es, dass Sie uns einem Freund empfehlen? Tippen Sie 10 (sehr wahrscheinlich) bis 1 oder schreiben Sie 0.',
		button: 'Bewerten',
		csatRows: ['1 – Sehr unzufrieden', '2 – Unzufrieden', '3 – Neutral', '4 – Zufrieden', '5 – Sehr zufrieden'],
		npsRow: (score) => `${score}`,
		followUp: 'Das tut uns leid. Was hätten wir besser machen können? Schreiben Sie uns einfach.',
		thanks: 'Vielen Dank für Ihr Feedback! 🙏',
		thanksComment: 'Vielen Dank, das hilft uns, besser zu werden. 🙏',
	},
	fr: {
		csatQuestion: "Êtes-vous satisfait de l'aide reçue aujourd'hui ? Touchez pour nous noter de 1 à 5.",
		npsQuestion: 'Quelle est la probabilité que vous nous recommandiez à un ami ? Touchez une note de 10 (très probable) à 1, ou tapez 0.',
		button: 'Nous noter',
		csatRows: ['1 – Très insatisfait', '2 – Insatisfait', '3 – Neutre', '4 – Satisfait', '5 – Très satisfait'],
		npsRow: (score) => `${score}`,
		followUp: "Désolés que cela n'ait pas été parfait. Qu'aurions-nous pu mieux faire ? Écrivez-nous simplement.",
		thanks: 'Merci pour votre avis ! 🙏',
		thanksComment: 'Merci, cela nous aidera à nous améliorer. 🙏',
	},
	es: {
		csatQuestion: '¿Qué tan satisfecho está con la ayuda de hoy? Toque para valorarnos del 1 al 5.',
		npsQuestion: '¿Qué probabilidad hay de que nos recomiende a un amigo? Toque una nota del 10 (muy probable) al 1, o escriba 0.',
		button: 'Valorar',
		csatRows: ['1 – Muy insatisfecho', '2 – Insatisfecho', '3 – Neutral', '4 – Satisfecho', '5 – Muy satisfecho'],
		npsRow: (score) => `${score}`,
		followUp: 'Lamentamos que no haya ido bien. ¿Qué podríamos haber hecho mejor? Escríbanos su respuesta.',
		thanks: '¡Gracias por su opinión! 🙏',
		thanksComment: 'Gracias, nos ayudará a mejorar. 🙏',
	},
};

export function surveyLanguage(...candidates: Array<string | null | undefined>): SurveyLanguage {
	for (const candidate of candidates) {
		const code = candidate?.toLowerCase().slice(0, 2);
		if (code && (SURVEY_LANGUAGES as readonly string[]).includes(code)) return code as SurveyLanguage;
	}
	return 'en';
}

/** The list message for a survey; each row's id carries the survey id and the score. */
export function buildSurveyMessage(recipient: Recipient, surveyId: number, kind: SurveyKind, language: SurveyLanguage, callbackData?: string): CloudApiMessage {
	const texts = SURVEY_TEXTS[language];
	const rows =
		kind === 'csat'
			? [5, 4, 3, 2, 1].map((score) => ({ id: `survey:${surveyId}:${score}`, title: texts.csatRows[score - 1] }))
			: [10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map((score) => ({ id: `survey:${surveyId}:${score}`, title: texts.npsRow(score) }));
	return buildListMessage(
		recipient,
		{ body: kind === 'csat' ? texts.csatQuestion : texts.npsQuestion, buttonText: texts.button, sections: [{ rows }] },
		{ callbackData },
	);
}

export function buildSurveyText(recipient: Recipient, text: string, callbackData?: string): CloudApiMessage[] {
	return buildTextMessages(recipient, text, { callbackData });
}

export interface SurveyAnswer {
	/** The survey the tapped row belongs to; absent for a typed score. */
	surveyId?: number;
	score: number;
}

/**
 * A survey answer in an inbound message: a list/button reply with a `survey:<id>:<score>` id, or a typed
 * number alone ("4", " 10 ") when `acceptTyped` (a survey is waiting for this guest).
 */
export function readSurveyAnswer(
	message: { type?: string; text?: string; interactive?: { id?: string } } | undefined,
	kind: SurveyKind,
	acceptTyped: boolean,
): SurveyAnswer | undefined {
	const max = kind === 'csat' ? 5 : 10;
	const min = kind === 'csat' ? 1 : 0;
	const id = message?.interactive?.id;
	if (id) {
		const match = /^survey:(\d+):(\d{1,2})$/.exec(id);
		if (!match) return undefined;
		const score = Number(match[2]);
		return score >= min && score <= max ? { surveyId: Number(match[1]), score } : undefined;
	}
	if (!acceptTyped || message?.type !== 'text' || typeof message.text !== 'string') return undefined;
	const typed = /^\s*(\d{1,2})\s*[.!]?\s*$/.exec(message.text);
	if (!typed) return undefined;
	const score = Number(typed[1]);
	return score >= min && score <= max ? { score } : undefined;
}

/** A low score asks for a comment: CSAT 1–`csatLowAtMost`, NPS 0–6 (detractors). */
export function isLowScore(kind: SurveyKind, score: number, csatLowAtMost = 2): boolean {
	return kind === 'csat' ? score <= csatLowAtMost : score <= 6;
}

export type SurveyConsent = 'allowed' | 'opted_out' | 'needs_opt_in';

/**
 * Whether the guest may get a survey: never after a service or analytics opt-out (or STOP); with
 * `requireOptIn`, only after an analytics opt-in.
 */
export function surveyConsent(events: ConsentLogEntry[], requireOptIn: boolean): SurveyConsent {
	const summary = deriveConsent(events);
	if (decideConsent(summary, 'service') === 'opted_out' || summary.analytics.status === 'revoked') return 'opted_out';
	if (requireOptIn && summary.analytics.status !== 'granted') return 'needs_opt_in';
	return 'allowed';
}
