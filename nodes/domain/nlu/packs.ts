/**
 * Intent packs: ready-made intent sets, shipped as JSON data next to this module (packs/*.json). Each
 * intent has a one-sentence description (also used in LLM prompts) and examples in each of the five
 * languages. Users can extend a pack with their own intents or examples (`mergeIntents`).
 */
import ecommerce from './packs/ecommerce.json';
import hospitality from './packs/hospitality.json';
import { SUPPORTED_LANGUAGES, type IntentDefinition, type SupportedLanguage } from './types';

export type { IntentDefinition } from './types';

/** A pack intent: the examples, and the same examples grouped by language. */
export interface PackIntent extends IntentDefinition {
	examplesByLanguage: Partial<Record<SupportedLanguage, string[]>>;
}

export interface IntentPack {
	name: string;
	description: string;
	languages: SupportedLanguage[];
	intents: PackIntent[];
}

/** What a user can define on the node: examples and description are optional when extending a pack. */
export interface IntentInput {
	name: string;
	description?: string;
	examples?: string[] | string;
}

/** Thrown for malformed packs or intent definitions, with a message that says what to fix. */
export class IntentDefinitionError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'IntentDefinitionError';
	}
}

export const INTENT_NAME_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;
export const MIN_PACK_EXAMPLES_PER_INTENT = 30;

const PACK_SOURCES: Record<string, unknown> = { hospitality, ecommerce };

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates raw pack JSON and turns it into an IntentPack; every problem is listed in one error. */
export function parseIntentPack(raw: unknown, source = 'intent pack'): IntentPack {
	const problems: string[] = [];
	if (!isRecord(raw)) throw new IntentDefinitionError(`${source}: expected a JSON object`);
	const name = raw.name;
	if (typeof name !== 'string' || !INTENT_NAME_PATTERN.test(name)) {
		problems.push('"name" must be lower-case letters, digits and underscores');
	}
	if (typeof raw.description !== 'string' || !raw.description.trim()) problems.push('"description" is missing');
	const languages = Array.isArray(raw.languages) ? raw.languages : [];
	for (const language of languages) {
		if (!SUPPORTED_LANGUAGES.includes(language as SupportedLanguage)) {
			problems.push(`language "${String(language)}" is not one of ${SUPPORTED_LANGUAGES.join(', ')}`);
		}
	}
	if (languages.length === 0) problems.push('"languages" must list the languages the examples are in');
	if (!Array.isArray(raw.intents) || raw.intents.length < 2) problems.push('"intents" must list at least two intents');

	const intents: PackIntent[] = [];
	const labelOfExample = new Map<string, string>();
	for (const [index, entry] of (Array.isArray(raw.intents) ? raw.intents : []).entries()) {
		const where = `intents[${index}]`;
		if (!isRecord(entry)) {
			problems.push(`${where} is not an object`);
			continue;
		}
		const intentName = entry.name;
		if (typeof intentName !== 'string' || !INTENT_NAME_PATTERN.test(intentName)) {
			problems.push(`${where}: "name" must be lower-case letters, digits and underscores (got ${JSON.stringify(intentName)})`);
			continue;
		}
		if (intents.some((intent) => intent.name === intentName)) problems.push(`intent "${intentName}" is defined twice`);
		const description = typeof entry.description === 'string' ? entry.description.trim() : '';
		if (!description) problems.push(`intent "${intentName}" has no description`);
		if (!isRecord(entry.examples)) {
			problems.push(`intent "${intentName}": "examples" must map a language code to a list of messages`);
			continue;
		}
		const examplesByLanguage: Partial<Record<SupportedLanguage, string[]>> = {};
		const examples: string[] = [];
		for (const [language, list] of Object.entries(entry.examples)) {
			if (!languages.includes(language)) {
				problems.push(`intent "${intentName}" has examples in "${language}", which the pack's "languages" does not list`);
				continue;
			}
			if (!Array.isArray(list) || list.some((example) => typeof example !== 'string' || !example.trim())) {
				problems.push(`intent "${intentName}": examples.${language} must be a list of non-empty strings`);
				continue;
			}
			examplesByLanguage[language as SupportedLanguage] = list as string[];
			for (const example of list as string[]) {
				const key = example.trim().toLowerCase();
				const other = labelOfExample.get(key);
				if (other !== undefined) {
					problems.push(`the example "${example}" appears in "${other}"${other === intentName ? ' twice' : ` and in "${intentName}"`}`);
				}
				labelOfExample.set(key, intentName);
				examples.push(example);
			}
		}
		for (const language of languages as SupportedLanguage[]) {
			if (!examplesByLanguage[language]?.length) problems.push(`intent "${intentName}" has no "${language}" examples`);
		}
		if (examples.length < MIN_PACK_EXAMPLES_PER_INTENT) {
			problems.push(`intent "${intentName}" has ${examples.length} examples; a pack needs at least ${MIN_PACK_EXAMPLES_PER_INTENT}`);
		}
		intents.push({ name: intentName, description, examples, examplesByLanguage });
	}
	if (problems.length > 0) {
		throw new IntentDefinitionError(`${source} is invalid:\n- ${problems.join('\n- ')}`);
	}
	return {
		name: name as string,
		description: (raw.description as string).trim(),
		languages: languages as SupportedLanguage[],
		intents,
	};
}

const parsedPacks = new Map<string, IntentPack>();

/** Names of the shipped intent packs. */
export function listIntentPacks(): string[] {
	return Object.keys(PACK_SOURCES);
}

/** A shipped intent pack, validated. The returned object is a copy: changing it does not affect others. */
export function loadIntentPack(name: string): IntentPack {
	const source = PACK_SOURCES[name];
	if (source === undefined) {
		throw new IntentDefinitionError(`There is no intent pack "${name}"; the shipped packs are: ${listIntentPacks().join(', ')}`);
	}
	let pack = parsedPacks.get(name);
	if (!pack) {
		pack = parseIntentPack(source, `intent pack "${name}"`);
		parsedPacks.set(name, pack);
	}
	return structuredClone(pack);
}

function toExampleList(examples: IntentInput['examples']): string[] {
	if (examples === undefined) return [];
	const list = typeof examples === 'string' ? examples.split(/\r?\n/) : examples;
	return list.map((example) => (typeof example === 'string' ? example.trim() : '')).filter(Boolean);
}

/**
 * Base intents (usually a pack's) plus user intents. A user intent with a pack intent's name adds its
 * examples (duplicates dropped) and replaces the description when it has one; other user intents are
 * appended. Examples may be given as a list or as one string with one example per line.
 */
export function mergeIntents(base: IntentDefinition[], custom: IntentInput[]): IntentDefinition[] {
	const merged = base.map((intent) => ({ name: intent.name, description: intent.description, examples: [...intent.examples] }));
	for (const [index, input] of custom.entries()) {
		const name = typeof input?.name === 'string' ? input.name.trim() : '';
		if (!INTENT_NAME_PATTERN.test(name)) {
			throw new IntentDefinitionError(
				`Custom intent ${index + 1} has the name ${JSON.stringify(input?.name)}: use lower-case letters, digits and underscores, starting with a letter (e.g. "late_checkout")`,
			);
		}
		const examples = toExampleList(input.examples);
		const description = typeof input.description === 'string' ? input.description.trim() : '';
		const existing = merged.find((intent) => intent.name === name);
		if (existing) {
			const known = new Set(existing.examples.map((example) => example.toLowerCase()));
			for (const example of examples) {
				if (!known.has(example.toLowerCase())) existing.examples.push(example);
				known.add(example.toLowerCase());
			}
			if (description) existing.description = description;
			continue;
		}
		if (!description && examples.length === 0) {
			throw new IntentDefinitionError(`Custom intent "${name}" needs a description or examples (better: both)`);
		}
		merged.push({ name, description, examples: [...new Set(examples)] });
	}
	return merged;
}

/** The intents of a pack (or none), extended with custom intents: what the Intent Classifier uses. */
export function resolveIntents(options: { pack?: string | null; custom?: IntentInput[] }): IntentDefinition[] {
	const base = options.pack ? loadIntentPack(options.pack).intents : [];
	const intents = mergeIntents(
		base.map(({ name, description, examples }) => ({ name, description, examples })),
		options.custom ?? [],
	);
	if (intents.length < 2) {
		throw new IntentDefinitionError('Define at least two intents, or choose an intent pack');
	}
	return intents;
}
