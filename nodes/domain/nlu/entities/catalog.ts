/** A room catalog given as JSON (the Intent Classifier's setting): checked, with errors that say the fix. */
import { SUPPORTED_LANGUAGES, type SupportedLanguage } from '../types';
import type { RoomTypeDefinition } from './types';

export class RoomCatalogError extends Error {}

const EXAMPLE = '[{"id": "double", "synonyms": {"en": ["double room"], "nl": ["tweepersoonskamer"]}}]';

export function parseRoomCatalog(input: unknown): RoomTypeDefinition[] {
	let value = input;
	if (typeof value === 'string') {
		try {
			value = JSON.parse(value);
		} catch (error) {
			throw new RoomCatalogError(`The room catalog is not valid JSON (${(error as Error).message}); expected e.g. ${EXAMPLE}`);
		}
	}
	if (!Array.isArray(value)) throw new RoomCatalogError(`The room catalog must be a list of room types, e.g. ${EXAMPLE}`);
	const ids = new Set<string>();
	return value.map((entry, index) => {
		if (!entry || typeof entry !== 'object') throw new RoomCatalogError(`Room type ${index + 1} must be an object with an id and synonyms`);
		const { id, synonyms } = entry as { id?: unknown; synonyms?: unknown };
		if (typeof id !== 'string' || !id.trim()) throw new RoomCatalogError(`Room type ${index + 1} needs an "id" (the id your booking system knows, e.g. "double")`);
		if (ids.has(id)) throw new RoomCatalogError(`The room type id "${id}" appears twice`);
		ids.add(id);
		if (!synonyms || typeof synonyms !== 'object' || Array.isArray(synonyms)) {
			throw new RoomCatalogError(`Room type "${id}" needs "synonyms": an object of language code → list of words, e.g. {"en": ["double room"]}`);
		}
		const checked: Partial<Record<SupportedLanguage, string[]>> = {};
		for (const [language, words] of Object.entries(synonyms as Record<string, unknown>)) {
			if (!SUPPORTED_LANGUAGES.includes(language as SupportedLanguage)) {
				throw new RoomCatalogError(`Room type "${id}" has synonyms for "${language}"; use en, nl, de, fr or es`);
			}
			if (!Array.isArray(words) || words.some((word) => typeof word !== 'string' || !word.trim())) {
				throw new RoomCatalogError(`The "${language}" synonyms of room type "${id}" must be a list of non-empty texts`);
			}
			checked[language as SupportedLanguage] = words as string[];
		}
		return { id: id.trim(), synonyms: checked };
	});
}
