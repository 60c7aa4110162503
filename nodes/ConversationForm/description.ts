import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { LANGUAGE_OPTIONS } from '../glue/languages';
import { supportStoreProperty } from '../glue/store';

export const DEFAULT_FORM_TEXT_EXPRESSION = '={{ $json.message.text }}';

const FIELD_TYPE_OPTIONS: INodePropertyOptions[] = [
	{ name: 'Booking Reference', value: 'booking_ref' },
	{ name: 'Choice List', value: 'choice', description: 'One of the options you list' },
	{ name: 'Date', value: 'date', description: 'A day, YYYY-MM-DD' },
	{ name: 'Date Range', value: 'date_range', description: 'Arrival and departure, { start, end }' },
	{ name: 'Email', value: 'email' },
	{ name: 'Free Text', value: 'text', description: 'Whatever the guest answers to its question' },
	{ name: 'Nights', value: 'nights' },
	{ name: 'Number', value: 'number', description: 'A number between Minimum and Maximum' },
	{ name: 'Party Size', value: 'party_size', description: 'How many people, from 1 to Maximum' },
	{ name: 'Person Name', value: 'person_name' },
	{ name: 'Phone', value: 'phone', description: 'E.164, e.g. +31612345678' },
	{ name: 'Room Type', value: 'room_type', description: 'A room id from the catalog (single, double, twin, family, suite)' },
	{ name: 'Time', value: 'time', description: 'HH:MM, 24 h' },
];

const QUESTION_LANGUAGES: Array<[string, string]> = [
	['En', 'English'],
	['Nl', 'Dutch'],
	['De', 'German'],
	['Fr', 'French'],
	['Es', 'Spanish'],
];

export const conversationFormProperties: INodeProperties[] = [
	supportStoreProperty,
	{
		displayName: 'Form Name',
		name: 'formName',
		type: 'string',
		default: 'room_booking',
		required: true,
		placeholder: 'room_booking',
		description: 'One node is one form. The name tells forms apart: while another form is active, this node passes messages to Not in Form.',
	},
	{
		displayName: 'Start On',
		name: 'startOn',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Start Intents', value: 'intent', description: 'When no form is active and the intent (nlu.intent) is one of Start Intents' },
			{ name: 'Every Message', value: 'always', description: 'Every message that reaches the node starts or continues the form (route it here yourself)' },
		],
		default: 'intent',
	},
	{
		displayName: 'Start Intents',
		name: 'startIntents',
		type: 'string',
		default: 'booking_new',
		placeholder: 'booking_new, booking_change',
		description: 'Comma-separated intents (from the Intent Classifier) that start this form',
		displayOptions: { show: { startOn: ['intent'] } },
	},
	{
		displayName: 'Fields',
		name: 'fields',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		default: {},
		placeholder: 'Add Field',
		description: 'What the form collects, asked in this order',
		options: [
			{
				displayName: 'Field',
				name: 'field',
				values: [
					{ displayName: 'Name', name: 'name', type: 'string', default: '', placeholder: 'dates', description: 'Key in form.values: letters, digits, underscores' },
					{ displayName: 'Type', name: 'type', type: 'options', options: FIELD_TYPE_OPTIONS, default: 'text' },
					{ displayName: 'Required', name: 'required', type: 'boolean', default: true, description: 'Whether the form asks for it (optional fields are filled only when the guest mentions them)' },
					{ displayName: 'Label', name: 'label', type: 'string', default: '', description: 'Shown in the confirmation summary; empty for a default per type and language' },
					{
						displayName: 'Choices',
						name: 'choices',
						type: 'string',
						typeOptions: { rows: 4 },
						default: '',
						placeholder: 'breakfast: Breakfast, ontbijt, Frühstück, petit-déjeuner, desayuno\nnone: No breakfast, zonder ontbijt',
						description: 'One option per line: id: label, synonyms in any language',
						displayOptions: { show: { type: ['choice'] } },
					},
					{
						displayName: 'Minimum',
						name: 'min',
						type: 'number',
						default: 0,
						displayOptions: { show: { type: ['number'] } },
					},
					{
						displayName: 'Maximum',
						name: 'max',
						type: 'number',
						default: 0,
						description: 'The largest value allowed; 0 for no limit (100 people for a party size)',
						displayOptions: { show: { type: ['number', 'party_size'] } },
					},
					{
						displayName: 'Future Date Only',
						name: 'futureDate',
						type: 'boolean',
						default: true,
						description: 'Whether a date before today (in the business time zone) is refused',
						displayOptions: { show: { type: ['date', 'date_range'] } },
					},
					{
						displayName: 'Max Nights',
						name: 'maxNights',
						type: 'number',
						default: 0,
						description: 'The longest stay allowed; 0 for no limit',
						displayOptions: { show: { type: ['date_range', 'nights'] } },
					},
					{
						displayName: 'Opening Hours',
						name: 'openingHours',
						type: 'string',
						default: '',
						placeholder: '12:00-22:00',
						description: 'HH:MM-HH:MM; times outside are refused. Empty for any time.',
						displayOptions: { show: { type: ['time'] } },
					},
					...QUESTION_LANGUAGES.map(
						([code, language]): INodeProperties => ({
							displayName: `Question (${language})`,
							name: `question${code}`,
							type: 'string',
							default: '',
							description: `The question in ${language}; empty for the default for this type`,
						}),
					),
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
				displayName: 'Default Language',
				name: 'defaultLanguage',
				type: 'options',
				options: LANGUAGE_OPTIONS,
				default: 'en',
				description: 'Used when neither the message (nlu.language) nor the conversation tells the language',
			},
			{
				displayName: 'Idle Minutes',
				name: 'idleMinutes',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 30,
				description: 'A form with no message for this long is dropped; the next message starts afresh',
			},
			{
				displayName: 'Max Attempts per Field',
				name: 'maxAttempts',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 3,
				description: 'After this many answers the form cannot use for one field, the message goes to Handoff with the values so far',
			},
			{
				displayName: 'Side Question Confidence',
				name: 'sideQuestionConfidence',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
				default: 0.6,
				description: 'A message with no value for the form and another intent at or above this confidence goes to Not in Form (the form asks again next turn)',
			},
			{
				displayName: 'Text',
				name: 'text',
				type: 'string',
				default: DEFAULT_FORM_TEXT_EXPRESSION,
				description: 'The message text the form reads',
			},
			{
				displayName: 'Time Zone',
				name: 'timeZone',
				type: 'string',
				default: '',
				placeholder: 'Europe/Amsterdam',
				description: "The business's IANA time zone for \"today\"; empty for the workflow's time zone",
			},
		],
	},
];
