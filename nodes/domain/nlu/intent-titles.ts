/**
 * Short titles of intents for guests (clarify buttons, topic lists): from the packs' `titles`, in the
 * guest's language. Intents without a title (custom ones) get their name made readable.
 */
import ecommerce from './packs/ecommerce.json';
import hospitality from './packs/hospitality.json';

/** WhatsApp's limit for a reply button title. */
export const INTENT_TITLE_MAX_LENGTH = 20;

interface PackWithTitles {
	intents: Array<{ name: string; titles?: Record<string, string> }>;
}

const TITLES = new Map<string, Record<string, string>>();
for (const pack of [hospitality, ecommerce] as unknown as PackWithTitles[]) {
	for (const intent of pack.intents) {
		if (intent.titles && !TITLES.has(intent.name)) TITLES.set(intent.name, intent.titles);
	}
}

/** "booking_new" → "Booking new". */
export function humanizeIntentName(intent: string): string {
	const words = intent.replace(/[_-]+/g, ' ').trim();
	return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The intent's title in the language, else in English, else its readable name; at most 20 characters. */
export function intentTitle(intent: string, language?: string): string {
	const titles = TITLES.get(intent);
	const title = (language && titles?.[language]) || titles?.en || humanizeIntentName(intent);
	return title.length > INTENT_TITLE_MAX_LENGTH ? `${title.slice(0, INTENT_TITLE_MAX_LENGTH - 1)}…` : title;
}

/** The titles a pack intent has, for checks. */
export function packIntentTitles(intent: string): Record<string, string> | undefined {
	return TITLES.get(intent);
}
