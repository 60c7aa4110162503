/** Room types from a catalog of synonyms per language (the built-in one, or the node's). */
import { SUPPORTED_LANGUAGES, type SupportedLanguage } from '../types';
import { alternation, WORD_AFTER, WORD_BEFORE } from './lexicon';
import type { Candidate, MessageText } from './spans';
import type { RoomTypeDefinition } from './types';

export const DEFAULT_ROOM_TYPES: RoomTypeDefinition[] = [
	{
		id: 'single',
		synonyms: {
			en: ['single room', 'single', 'room for one', 'single bedroom'],
			nl: ['eenpersoonskamer', 'eenpersoons kamer', 'single kamer', 'singlekamer', 'single'],
			de: ['einzelzimmer', 'einzel zimmer', 'ez'],
			fr: ['chambre simple', 'chambre individuelle', 'chambre single', 'chambre pour une personne', 'single'],
			es: ['habitación individual', 'habitacion individual', 'habitación sencilla', 'habitación simple', 'individual', 'single'],
		},
	},
	{
		id: 'double',
		synonyms: {
			en: ['double room', 'double bedroom', 'double', 'room with a double bed', 'king room', 'queen room'],
			nl: ['tweepersoonskamer', 'tweepersoons kamer', 'tweepers kamer', 'dubbele kamer', 'double kamer', '2-persoonskamer', '2 persoonskamer', 'double'],
			de: ['doppelzimmer', 'doppel zimmer', 'dz', 'zimmer mit doppelbett'],
			fr: ['chambre double', 'chambre avec lit double', 'chambre pour deux', 'chambre pour 2', 'double'],
			es: ['habitación doble', 'habitacion doble', 'habitación de matrimonio', 'habitacion de matrimonio', 'doble'],
		},
	},
	{
		id: 'twin',
		synonyms: {
			en: ['twin room', 'twin bedroom', 'twin', 'room with two beds', 'room with 2 beds', 'two single beds', 'separate beds'],
			nl: ['twin kamer', 'twinkamer', 'twin', 'kamer met twee bedden', 'kamer met 2 bedden', 'twee aparte bedden', 'aparte bedden'],
			de: ['zweibettzimmer', 'zweibett zimmer', 'twin zimmer', 'twin', 'zimmer mit zwei einzelbetten', 'getrennte betten', 'zwei einzelbetten'],
			fr: ['chambre twin', 'chambre à deux lits', 'chambre a deux lits', 'chambre avec deux lits', 'chambre à lits jumeaux', 'lits jumeaux', 'deux lits séparés', 'twin'],
			es: ['habitación twin', 'habitacion twin', 'habitación con dos camas', 'habitacion con dos camas', 'dos camas', 'camas separadas', 'twin'],
		},
	},
	{
		id: 'family',
		synonyms: {
			en: ['family room', 'family suite', 'room for a family', 'family bedroom'],
			nl: ['familiekamer', 'familie kamer', 'gezinskamer', 'gezins kamer', 'kamer voor een gezin'],
			de: ['familienzimmer', 'familien zimmer', 'familiensuite', 'zimmer für eine familie'],
			fr: ['chambre familiale', 'chambre famille', 'chambre pour une famille', 'suite familiale'],
			es: ['habitación familiar', 'habitacion familiar', 'habitación para familia', 'habitación para una familia', 'suite familiar'],
		},
	},
	{
		id: 'suite',
		synonyms: {
			en: ['suite', 'junior suite', 'honeymoon suite'],
			nl: ['suite', 'junior suite', 'bruidssuite'],
			de: ['suite', 'junior suite', 'juniorsuite', 'hochzeitssuite'],
			fr: ['suite', 'suite junior', 'suite nuptiale'],
			es: ['suite', 'suite junior', 'suite nupcial'],
		},
	},
];

/** Phrases where a synonym is an ordinary word: "tout de suite", "double-check", "suite à votre message". */
const NOT_A_ROOM = /(?:tout\s+de\s+suite|de\s+suite|par\s+la\s+suite|à\s+la\s+suite|ainsi\s+de\s+suite|suite\s+(?:à|a|au|aux)\s|double[-\s]check|double[-\s]booked|double\s+charged|doble\s+de(?!\p{L})|single\s+(?:night|day|person|thing|word|one))/u;

const catalogCache = new Map<string, { pattern: RegExp; lookup: Map<string, string> }>();

function catalogPattern(roomTypes: RoomTypeDefinition[], language: SupportedLanguage) {
	const key = `${language}\u0000${JSON.stringify(roomTypes)}`;
	let cached = catalogCache.get(key);
	if (!cached) {
		const lookup = new Map<string, string>();
		// The message's language first; other languages' words too (guests mix: "a double kamer", "Suite")
		for (const lang of [language, ...SUPPORTED_LANGUAGES.filter((other) => other !== language)]) {
			for (const room of roomTypes) {
				for (const synonym of room.synonyms[lang] ?? []) {
					const normalised = synonym.trim().toLowerCase().replace(/\s+/g, ' ');
					if (!normalised || lookup.has(normalised)) continue;
					// Short or common words from another language ("doble", "individual", "ez") only count in their own language
					if (lang !== language && (normalised.length < 6 || !normalised.includes(' ')) && !room.synonyms[language]?.length) continue;
					if (lang !== language && normalised.length < 6) continue;
					lookup.set(normalised, room.id);
				}
			}
		}
		// Plurals too: "suites", "Doppelzimmern", "habitaciones dobles" (the last word takes the ending)
		const pattern = new RegExp(`${WORD_BEFORE}(${alternation([...lookup.keys()])})(?:s|es|n|en)?${WORD_AFTER}`, 'gu');
		cached = { pattern, lookup };
		catalogCache.set(key, cached);
		if (catalogCache.size > 64) catalogCache.delete(catalogCache.keys().next().value as string);
	}
	return cached;
}

export function extractRoomTypes(message: MessageText, language: SupportedLanguage, roomTypes: RoomTypeDefinition[]): Candidate[] {
	if (roomTypes.length === 0) return [];
	const { pattern, lookup } = catalogPattern(roomTypes, language);
	const found: Candidate[] = [];
	const seen = new Set<string>();
	for (const match of message.lower.matchAll(pattern)) {
		const start = match.index!;
		const end = start + match[0].length;
		const around = message.lower.slice(Math.max(0, start - 16), end + 12);
		if (NOT_A_ROOM.test(around) && !/^(?:suite|double|single|doble)\s+(?:room|kamer)/.test(match[0])) continue;
		const id = lookup.get(match[1].replace(/\s+/g, ' '));
		if (!id || seen.has(id) || !message.isFree(start, end)) continue;
		seen.add(id);
		found.push({ type: 'room_type', value: id, start, end });
	}
	for (const candidate of found) message.take(candidate.start, candidate.end);
	return found;
}
