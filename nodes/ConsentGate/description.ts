import type { INodeProperties } from 'n8n-workflow';

/**
 * Outputs per operation. Runs inside an n8n expression (`outputs: '={{(…)($parameter)}}'`), so it must
 * stay a self-contained plain function.
 */
export function consentGateOutputs(parameters: { operation?: string }) {
	const operation = parameters.operation ?? 'check';
	if (operation === 'check') {
		return [
			{ type: 'main', displayName: 'Allowed' },
			{ type: 'main', displayName: 'Opted Out' },
			{ type: 'main', displayName: 'Needs Opt-in' },
			{ type: 'main', displayName: 'Keyword Handled' },
		];
	}
	if (operation === 'keywords') {
		return [
			{ type: 'main', displayName: 'Keyword Handled' },
			{ type: 'main', displayName: 'Other Messages' },
		];
	}
	if (operation === 'checkDsarRequest' || operation === 'checkPmsBooking') {
		return [
			{ type: 'main', displayName: 'Accepted' },
			{ type: 'main', displayName: 'Refused' },
		];
	}
	return [{ type: 'main' }];
}

const show = (...operations: string[]) => ({ show: { operation: operations } });

export const consentGateProperties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Check',
				value: 'check',
				action: 'Check consent for a message',
				description: 'Route each message to Allowed, Opted Out or Needs Opt-in; handles STOP/START and masks personal data',
			},
			{
				name: 'Check DSAR Request',
				value: 'checkDsarRequest',
				action: 'Check a data subject request',
				description:
					'Check the key (current or previous), action and customer of a DSAR webhook call: Accepted, or Refused with the HTTP status and a message. Logs every call.',
			},
			{
				name: 'Check PMS Booking',
				value: 'checkPmsBooking',
				action: 'Check a booking from the PMS',
				description:
					"Check the key (current or previous), the fields and the guest's consent of a PMS booking webhook call: Accepted, or Refused with the HTTP status and a message. Logs every call.",
			},
			{
				name: 'Correct Guest Profile',
				value: 'correctProfile',
				action: 'Correct a guest profile',
				description: "Change or delete one field of a guest's profile (right to rectification)",
			},
			{
				name: 'Erase Customer',
				value: 'eraseCustomer',
				action: 'Erase a customer',
				description: 'Delete everything stored about a customer except a consent tombstone (right to erasure)',
			},
			{
				name: 'Export Customer',
				value: 'exportCustomer',
				action: 'Export a customer',
				description: 'Everything stored about a customer as JSON (data-subject access request)',
			},
			{
				name: 'Handle Keywords',
				value: 'keywords',
				action: 'Handle STOP and START keywords',
				description: 'Record and confirm STOP/START in en, nl, de, fr and es',
			},
			{
				name: 'Mask PII',
				value: 'maskPii',
				action: 'Mask personal data',
				description: 'Replace e-mails, phone numbers, IBANs, card numbers and passport numbers before AI sees the text',
			},
			{
				name: 'Record Opt-In',
				value: 'recordOptIn',
				action: 'Record an opt in',
				description: 'From a web form, booking system or any other source',
			},
			{
				name: 'Record Opt-Out',
				value: 'recordOptOut',
				action: 'Record an opt out',
			},
			{
				name: 'Retention Purge',
				value: 'retentionPurge',
				action: 'Delete data past its retention',
				description: 'Run from a Schedule Trigger: deletes or anonymises old rows and reports the counts',
			},
			{
				name: 'Rotate Encryption Key',
				value: 'rotateEncryptionKey',
				action: 'Rotate the encryption key',
				description:
					'Re-encrypt every personal field not yet under the current Encryption Key (older keys, or rows from before a key was set), in batches. Run again to resume.',
			},
		],
		default: 'check',
	},
	{
		displayName: 'Batch Size',
		name: 'rotationBatchSize',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 10000 },
		default: 500,
		description: 'Rows re-encrypted per transaction',
		displayOptions: show('rotateEncryptionKey'),
	},
	{
		displayName: 'Max Batches',
		name: 'rotationMaxBatches',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description: 'Stop after this many batches (0: until every row is done). A later run goes on where this one stopped.',
		displayOptions: show('rotateEncryptionKey'),
	},
	{
		displayName: 'Scope',
		name: 'scope',
		type: 'options',
		options: [
			{ name: 'Analytics', value: 'analytics' },
			{ name: 'Marketing', value: 'marketing' },
			{ name: 'Service', value: 'service', description: 'Replies to customers who wrote to you' },
		],
		default: 'service',
		displayOptions: show('check', 'recordOptIn', 'recordOptOut'),
	},
	{
		displayName: 'Handle STOP / START Keywords',
		name: 'handleKeywords',
		type: 'boolean',
		default: true,
		description:
			'Whether to recognise STOP, STOPP, AFMELDEN, ABMELDEN, ARRÊT, BAJA, UNSUBSCRIBE, START, AANMELDEN … and route them to Keyword Handled',
		displayOptions: show('check'),
	},
	{
		displayName: 'Send Confirmation',
		name: 'sendConfirmation',
		type: 'boolean',
		default: true,
		description: "Whether to confirm a STOP or START to the customer in their language (once, when it changes their state). Needs the WhatsApp credential.",
		displayOptions: show('check', 'keywords'),
	},
	{
		displayName: 'Mask Personal Data',
		name: 'maskPersonalData',
		type: 'boolean',
		default: true,
		description: 'Whether to write a masked copy of the text to message.textMasked for AI nodes',
		displayOptions: show('check'),
	},
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		default: '={{ $json.message.text }}',
		description: 'The text to mask; the result goes to message.textMasked',
		displayOptions: show('maskPii'),
	},
	{
		displayName: 'Keep Booking References',
		name: 'keepBookingReferences',
		type: 'boolean',
		default: true,
		description: 'Whether booking references stay readable (they are needed to answer the guest)',
		displayOptions: show('check', 'maskPii'),
	},
	{
		displayName: 'Booking Reference Pattern',
		name: 'bookingReferencePattern',
		type: 'string',
		default: '\\b(?:[A-Z]{2,4}-\\d{4,10}|(?:BK|RES|BKG|BOOK|REF)\\d{4,10})\\b',
		description: 'Regular expression for your booking references',
		displayOptions: { show: { operation: ['check', 'maskPii'], keepBookingReferences: [true] } },
	},
	{
		displayName: 'Customer',
		name: 'customerSource',
		type: 'options',
		options: [
			{ name: 'Customer of the Conversation', value: 'envelope' },
			{ name: 'Phone Number or User ID', value: 'custom' },
		],
		default: 'envelope',
		displayOptions: show('recordOptIn', 'recordOptOut', 'exportCustomer', 'eraseCustomer', 'correctProfile'),
	},
	{
		displayName: 'Phone Number or User ID',
		name: 'customerKey',
		type: 'string',
		default: '',
		required: true,
		placeholder: '31612345678',
		description: "The customer's WhatsApp number (digits, with country code) or business-scoped user ID",
		displayOptions: { show: { operation: ['recordOptIn', 'recordOptOut', 'exportCustomer', 'eraseCustomer', 'correctProfile'], customerSource: ['custom'] } },
	},
	{
		displayName: 'Profile Field',
		name: 'profileField',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Name', value: 'name' },
			{ name: 'Language', value: 'language' },
			{ name: 'Preferences', value: 'preferences' },
			{ name: 'Booking References', value: 'bookings' },
		],
		default: 'name',
		displayOptions: show('correctProfile'),
	},
	{
		displayName: 'Change',
		name: 'profileChange',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Set', value: 'set', description: 'Replace the field (for a list: one entry, or several separated by ;)' },
			{ name: 'Remove One Entry', value: 'remove', description: 'Take one preference or booking reference out' },
			{ name: 'Delete', value: 'delete', description: 'Empty the field' },
		],
		default: 'set',
		displayOptions: show('correctProfile'),
	},
	{
		displayName: 'Value',
		name: 'profileValue',
		type: 'string',
		default: '',
		displayOptions: { show: { operation: ['correctProfile'], profileChange: ['set', 'remove'] } },
	},
	{
		displayName: 'Source',
		name: 'source',
		type: 'string',
		default: 'n8n',
		placeholder: 'web_form',
		description: 'Where the consent came from (web form, booking system, front desk …)',
		displayOptions: show('recordOptIn', 'recordOptOut'),
	},
	{
		displayName: 'Evidence',
		name: 'evidence',
		type: 'json',
		default: '{}',
		description: 'Proof of consent kept with the event, e.g. form ID, IP address, wording shown',
		displayOptions: show('recordOptIn', 'recordOptOut'),
	},
	{
		displayName: 'Occurred At',
		name: 'occurredAt',
		type: 'dateTime',
		default: '',
		description: 'When the customer gave or withdrew consent; empty means now',
		displayOptions: show('recordOptIn', 'recordOptOut'),
	},
	{
		displayName: 'Messages Retention (Days)',
		name: 'messagesDays',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 30,
		displayOptions: show('retentionPurge'),
	},
	{
		displayName: 'Analytics and Cost Retention (Days)',
		name: 'analyticsDays',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 90,
		displayOptions: show('retentionPurge'),
	},
	{
		displayName: 'Old Messages',
		name: 'purgeMode',
		type: 'options',
		options: [
			{ name: 'Delete', value: 'delete' },
			{ name: 'Anonymise (Keep Counts, Drop Text)', value: 'anonymise' },
		],
		default: 'delete',
		displayOptions: show('retentionPurge'),
	},
	{
		displayName: 'Policy',
		name: 'policy',
		type: 'collection',
		placeholder: 'Add Policy Option',
		default: {},
		displayOptions: show('check'),
		options: [
			{
				displayName: 'Require Opt-In For',
				name: 'requireOptIn',
				type: 'multiOptions',
				options: [
					{ name: 'Analytics', value: 'analytics' },
					{ name: 'Marketing', value: 'marketing' },
					{ name: 'Service', value: 'service' },
				],
				default: ['marketing'],
				description: 'Scopes that need an explicit recorded opt-in',
			},
			{
				displayName: 'Allow Service Replies to Inbound Customers',
				name: 'serviceAllowedForInbound',
				type: 'boolean',
				default: true,
				description: 'Whether a customer who writes to you may be answered without a recorded opt-in',
			},
		],
	},
];
