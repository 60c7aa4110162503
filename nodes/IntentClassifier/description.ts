import type { ExpressionString, INodeProperties } from 'n8n-workflow';

import { LANGUAGE_OPTIONS } from '../glue/languages';

import { listIntentPacks, loadIntentPack } from '../domain/nlu';
import { DEFAULT_BOOKING_REFERENCE_PATTERN, DEFAULT_ROOM_TYPES } from '../domain/nlu/entities';

export const DEFAULT_INTENT_PACK = 'hospitality';

/** Text's default: the masked text when the Consent Gate masked it, else the text. */
export const DEFAULT_TEXT_EXPRESSION = '={{ $json.message.textMasked ?? $json.message.text }}';

/** Each shipped pack's intent names, in pack order: the outputs when Route by Intent is on. */
const PACK_INTENT_NAMES: Record<string, string[]> = Object.fromEntries(
	listIntentPacks().map((pack) => [pack, loadIntentPack(pack).intents.map((intent) => intent.name)]),
);

/**
 * The node's `outputs` as an n8n expression: one output per intent (the pack's, then custom intents
 * that are not in the pack, as resolveIntents orders them) when Route by Intent is on, else one output.
 * Plain text with the pack names written in, because n8n evaluates it in its expression sandbox, in the
 * editor and at run time, where our modules do not exist.
 */
export const intentOutputsExpression: ExpressionString = `={{ ((parameters) => { const packs = ${JSON.stringify(PACK_INTENT_NAMES)}; if (!(parameters.routeByIntent ?? false)) return ["main"]; const names = [].concat(packs[parameters.intentPack ?? ${JSON.stringify(
	DEFAULT_INTENT_PACK,
)}] ?? []); ((parameters.customIntents ?? {}).intent ?? []).forEach((intent) => { const name = String((intent ?? {}).name ?? "").trim(); if (name !== "" && !names.includes(name)) names.push(name); }); return names.length > 0 ? names.map((name) => ({ type: "main", displayName: name })) : ["main"]; })($parameter) }}`;

const LLM_MODES = ['llm', 'cascade'];

export const intentClassifierProperties: INodeProperties[] = [
	{
		displayName: 'Mode',
		name: 'mode',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Cascade (Embedded, LLM When Unsure)',
				value: 'cascade',
				description: 'The embedded classifier first; the chat model only when its confidence is below the threshold',
			},
			{
				name: 'Embedded (Offline)',
				value: 'embedded',
				description: 'Our own multilingual classifier, trained in n8n from the examples: no API key, no network',
			},
			{
				name: 'LLM',
				value: 'llm',
				description: 'A chat model chooses the intent; if it fails, the embedded classifier answers',
			},
		],
		default: 'embedded',
	},
	{
		displayName: 'Intent Pack',
		name: 'intentPack',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'E-Commerce',
				value: 'ecommerce',
				description: 'Order status, returns and refunds, account changes, product info, troubleshooting, …',
			},
			{
				name: 'Hospitality',
				value: 'hospitality',
				description: 'Bookings, check-in/out, amenities, directions, billing, complaints, room service, lost and found, …',
			},
			{ name: 'None (Custom Intents Only)', value: 'none', description: 'Only the intents defined below' },
		],
		default: DEFAULT_INTENT_PACK,
		description: 'Ready-made intents with examples in English, Dutch, German, French and Spanish. Custom intents are added to them.',
	},
	{
		displayName: 'Custom Intents',
		name: 'customIntents',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		default: {},
		placeholder: 'Add Intent',
		description: "Your own intents. Using a pack intent's name adds your examples to it (and replaces its description if you give one).",
		options: [
			{
				displayName: 'Intent',
				name: 'intent',
				values: [
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'late_checkout',
						description: 'Lower-case letters, digits and underscores, starting with a letter',
					},
					{
						displayName: 'Description',
						name: 'description',
						type: 'string',
						default: '',
						placeholder: 'The guest wants to leave the room later than the usual check-out time',
						description: 'One sentence; the LLM modes show it to the model',
					},
					{
						displayName: 'Examples',
						name: 'examples',
						type: 'string',
						typeOptions: { rows: 5 },
						default: '',
						placeholder: 'can I check out at 2pm?\nkan ik later uitchecken?\nspäter auschecken möglich?',
						description:
							'One message per line, in the languages your customers write. The embedded classifier learns from these (10 or more is best).',
					},
				],
			},
		],
	},
	{
		displayName: 'Cascade Threshold',
		name: 'cascadeThreshold',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
		default: 0.7,
		description: 'The chat model is asked only when the embedded confidence is below this',
		displayOptions: { show: { mode: ['cascade'] } },
	},
	{
		displayName: 'Route by Intent',
		name: 'routeByIntent',
		type: 'boolean',
		noDataExpression: true,
		default: false,
		description: 'Whether to give the node one output per intent (like the Text Classifier), instead of one output with `nlu` on each item',
	},
	{
		displayName: 'Default Language',
		name: 'defaultLanguage',
		type: 'options',
		options: LANGUAGE_OPTIONS,
		default: 'en',
		description: 'Used when the language cannot be told from the message (e.g. "ok 👍")',
	},
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		default: DEFAULT_TEXT_EXPRESSION,
		description: 'The message to classify. By default the masked text when the Consent Gate masked it, so no model sees personal data.',
	},
	{
		displayName: 'Entity Options',
		name: 'entityOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		description: 'How `nlu.entities` (dates, times, party size, room type, contact details, booking reference, name) are read',
		options: [
			{
				displayName: 'Time Zone',
				name: 'timeZone',
				type: 'string',
				default: '',
				placeholder: 'Europe/Amsterdam',
				description: "The business's IANA time zone: \"tomorrow\" and \"tonight\" are its days. Empty: the n8n instance's time zone.",
			},
			{
				displayName: 'Room Catalog',
				name: 'roomCatalog',
				type: 'json',
				default: JSON.stringify(DEFAULT_ROOM_TYPES, null, 2),
				description: 'Room types as your booking system names them, with the words guests use per language (en, nl, de, fr, es): a list of room types, each with its ID and its synonyms per language, like the default',
			},
			{
				displayName: 'Booking Reference Pattern',
				name: 'bookingReferencePattern',
				type: 'string',
				default: DEFAULT_BOOKING_REFERENCE_PATTERN,
				description: 'A regular expression for your booking references (matched regardless of case; the value is upper-cased)',
			},
		],
	},
];

export const LLM_MODE_DISPLAY = { show: { mode: LLM_MODES } };
