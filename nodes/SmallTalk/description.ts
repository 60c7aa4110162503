import type { INodeProperties } from 'n8n-workflow';

import { LANGUAGE_OPTIONS } from '../glue/languages';
import { DEFAULT_SMALL_TALK_TEXTS } from '../domain/smalltalk/small-talk';

const defaults = (kind: keyof typeof DEFAULT_SMALL_TALK_TEXTS) => `English default: "${DEFAULT_SMALL_TALK_TEXTS[kind].en}"`;

export const smallTalkProperties: INodeProperties[] = [
	{
		displayName: 'Business Name',
		name: 'businessName',
		type: 'string',
		default: '',
		placeholder: 'Hotel Zonneveld',
		description: 'Used in the welcome ({business})',
	},
	{
		displayName: 'Welcome Topics',
		name: 'topics',
		type: 'string',
		default: '',
		placeholder: 'check_in_out, amenities, booking_new',
		description:
			"Comma-separated intents offered after the welcome, shown with their titles in the guest's language: up to 3 as buttons, up to 10 as a list. Leave empty for a welcome without choices.",
	},
	{
		displayName: 'Topic Titles',
		name: 'topicTitles',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		default: {},
		placeholder: 'Add Title',
		description:
			"Titles (up to 20 characters) for your own intents in the topics, per language. The intent packs' intents have titles in every language already.",
		options: [
			{
				displayName: 'Title',
				name: 'title',
				values: [
					{ displayName: 'Intent', name: 'intent', type: 'string', default: '', placeholder: 'opening_hours' },
					{ displayName: 'Language', name: 'language', type: 'options', options: LANGUAGE_OPTIONS, default: 'en' },
					{ displayName: 'Title', name: 'title', type: 'string', default: '', placeholder: 'Opening hours' },
				],
			},
		],
	},
	{
		displayName: 'Default Language',
		name: 'defaultLanguage',
		type: 'options',
		options: LANGUAGE_OPTIONS,
		default: 'en',
		description: "Used when the message is too short to tell (\"ok\", \"Hallo!\", 👍) and the guest's language is not known yet",
	},
	{
		displayName: 'Replies',
		name: 'replies',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		default: {},
		placeholder: 'Add Reply Text',
		description:
			'Your own texts, per kind and language; kinds and languages you leave out use the defaults (in English, Dutch, German, French and Spanish). Placeholders: {name}, {business}, {topics}.',
		options: [
			{
				displayName: 'Reply',
				name: 'reply',
				values: [
					{
						displayName: 'Kind',
						name: 'kind',
						type: 'options',
						options: [
							{ name: 'Acknowledgement', value: 'acknowledgement', description: '"ok", 👍, stickers and reactions; empty by default: no reply' },
							{ name: 'Are You a Bot', value: 'identity', description: defaults('identity') },
							{ name: 'How Are You', value: 'wellbeing', description: defaults('wellbeing') },
							{ name: 'Never Mind', value: 'dismissal', description: defaults('dismissal') },
							{ name: 'Out of Scope', value: 'outOfScope', description: defaults('outOfScope') },
							{ name: 'Media Without Text', value: 'mediaWithoutText', description: defaults('mediaWithoutText') },
							{ name: 'Person Button Title', value: 'personButton', description: defaults('personButton') },
							{ name: 'Thanks and Goodbye', value: 'thanks', description: defaults('thanks') },
							{ name: 'Topics List Button', value: 'topicsButton', description: defaults('topicsButton') },
							{ name: 'Welcome', value: 'welcome', description: defaults('welcome') },
						],
						default: 'welcome',
					},
					{ displayName: 'Language', name: 'language', type: 'options', options: LANGUAGE_OPTIONS, default: 'en' },
					{ displayName: 'Text', name: 'text', type: 'string', typeOptions: { rows: 2 }, default: '' },
				],
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Greeting Intents',
				name: 'greetingIntents',
				type: 'string',
				default: 'greeting',
				description: 'Comma-separated intents answered with the welcome',
			},
			{
				displayName: 'Location Intent',
				name: 'locationIntent',
				type: 'string',
				default: 'directions_transport',
				description: 'The intent a location pin is given, so AI Reply answers it with your directions entry (or hands it to a person)',
			},
			{
				displayName: 'Media Without Text Before a Person',
				name: 'maxMediaWithoutText',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 1,
				description: 'Voice notes, photos or documents without a caption the bot answers in a row; the next one goes to a person',
			},
			{
				displayName: 'Minimum Confidence',
				name: 'minConfidence',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
				default: 0.6,
				description: 'Intent confidence from which a greeting or thanks is answered as small talk',
			},
			{
				displayName: 'Out-of-Scope Confidence',
				name: 'outOfScopeConfidence',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
				default: 0.7,
				description: 'Confidence from which an out-of-scope intent gets the Out of Scope reply (what the bot can do, and a person button) instead of going on to the router',
			},
			{
				displayName: 'Out-of-Scope Intents',
				name: 'outOfScopeIntents',
				type: 'string',
				default: 'out_of_scope',
				description: 'Comma-separated intents answered with the Out of Scope reply; empty sends them on to the router (and usually a person)',
			},
			{
				displayName: 'Thanks Intents',
				name: 'thanksIntents',
				type: 'string',
				default: 'thanks_goodbye',
				description: 'Comma-separated intents answered with the thanks-and-goodbye text',
			},
		],
	},
];
