import type { INodeProperties } from 'n8n-workflow';

import { LANGUAGE_OPTIONS } from '../glue/languages';
import { DEFAULT_BOOKING_TEXTS, type BookingTextKind } from '../domain/booking/reply';

const english = (kind: BookingTextKind) => `English default: "${DEFAULT_BOOKING_TEXTS[kind].en.replace(/\n/g, ' ')}"`;

const RESERVATION_KINDS = ['booked', 'changeFound', 'cancelFound', 'changed', 'cancelled'];
const TABLE_KINDS = ['tableOffer', 'tableBooked'];

/** A field of the booking system's answer, read by an expression the hotel can point at its own PMS's shape. */
function answerField(displayName: string, name: string, expression: string, description: string, kinds: string[], type: 'string' | 'json' = 'string'): INodeProperties {
	return {
		displayName,
		name,
		type,
		default: `={{ ${expression} }}`,
		description,
		displayOptions: { show: { kind: kinds } },
	};
}

export const bookingReplyProperties: INodeProperties[] = [
	{
		displayName: 'Answer To',
		name: 'kind',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Availability (Offer)', value: 'offer', description: 'An offer with the total price and Confirm / Change buttons, or the nearest free dates' },
			{ name: 'Booking Cancelled', value: 'cancelled', description: 'The cancellation is done' },
			{ name: 'Booking Changed', value: 'changed', description: 'The new dates and price of a changed reservation' },
			{ name: 'Booking Created', value: 'booked', description: 'The confirmation with the booking reference' },
			{ name: 'Booking Found for Cancelling', value: 'cancelFound', description: 'The reservation, the cancellation policy and Confirm / Change buttons' },
			{ name: 'Booking Found for Changing', value: 'changeFound', description: 'The reservation and the new dates, with Confirm / Change buttons' },
			{ name: 'Room Types (Rates)', value: 'rates', description: 'The room types with their nightly prices' },
			{ name: 'Table Availability (Offer)', value: 'tableOffer', description: 'A restaurant table: an offer with Confirm / Change buttons, or the free times of that day as buttons' },
			{ name: 'Table Booked', value: 'tableBooked', description: 'The table reservation with its reference' },
		],
		default: 'offer',
		description:
			'What the booking system was asked. A reference it does not know gets "not found", a full house the nearest free dates; a timeout, a 5xx or an unreadable answer leaves on Failed.',
	},
	{
		displayName:
			'The fields below read the booking system\'s answer; the defaults fit the demo sandbox (the answer in <code>booking</code>, as the Set node after the HTTP Request keeps it). Point them at your PMS\'s fields.',
		name: 'mappingNotice',
		type: 'notice',
		default: '',
	},
	answerField('Error', 'error', '$json.booking.error', "The HTTP Request node's error (its error output), if the call failed", ['offer', 'rates', ...RESERVATION_KINDS, ...TABLE_KINDS]),
	answerField('Available', 'available', '$json.booking.available', 'True when the stay (or the table) can be booked', ['offer', 'tableOffer']),
	answerField('Rooms', 'rooms', '$json.booking.roomTypes', 'The room types: a list of { id, name, available, total } (offer) or { id, name, rate, weekendRate } (rates)', ['offer', 'rates'], 'json'),
	answerField('Alternatives', 'alternatives', '$json.booking.alternatives', 'Other dates when nothing fits: a list of { checkIn, checkOut, roomTypes: [{ name, total }] }', ['offer'], 'json'),
	answerField('Reference', 'reference', '$json.booking.reference', 'The booking reference', [...RESERVATION_KINDS, 'tableBooked']),
	answerField('Booked Phone', 'phone', '$json.booking.phone', "The phone number the reservation was made with; when it is not the guest's, a person checks who is asking (Failed)", ['changeFound', 'cancelFound']),
	answerField('Guest Phone', 'guestPhone', "$json.conversation.customer.waId", "The guest's WhatsApp number, compared with Booked Phone", ['changeFound', 'cancelFound']),
	answerField('Status', 'status', '$json.booking.status', 'The reservation status; "cancelled" for a cancelled one', [...RESERVATION_KINDS, 'tableBooked']),
	answerField('Date', 'date', '$json.booking.date', 'The day of the table, YYYY-MM-DD', TABLE_KINDS),
	answerField('Time', 'time', '$json.booking.time', 'The time of the table, HH:MM', TABLE_KINDS),
	answerField('Party Size', 'partySize', '$json.booking.partySize', 'How many people', TABLE_KINDS),
	answerField('Guest Name', 'guestName', '$json.booking.name || ($json.form && $json.form.values && $json.form.values.name)', 'In whose name the table is (or will be) booked', TABLE_KINDS),
	answerField('Seating Time', 'open', '$json.booking.open', 'False when the time asked is no seating time at all (outside the opening hours)', ['tableOffer']),
	answerField('Other Times', 'otherTimes', '$json.booking.otherTimes', 'Other free times that day, nearest first: a list of HH:MM', ['tableOffer'], 'json'),
	{
		displayName: 'Time Field',
		name: 'timeField',
		type: 'string',
		default: 'time',
		description: "The Conversation Form's time field: the free times go out as reply buttons (form:&lt;field&gt;:&lt;HH:MM&gt;) that fill it, and the form confirms again",
		displayOptions: { show: { kind: ['tableOffer'] } },
	},
	answerField('Room Name', 'roomName', '$json.booking.roomTypeName', 'The room type, as the guest should read it', RESERVATION_KINDS),
	answerField('Check-In', 'checkIn', '$json.booking.checkIn', 'Arrival, YYYY-MM-DD', ['offer', ...RESERVATION_KINDS]),
	answerField('Check-Out', 'checkOut', '$json.booking.checkOut', 'Departure, YYYY-MM-DD', ['offer', ...RESERVATION_KINDS]),
	answerField('Guests', 'guests', '$json.booking.guests', 'How many people', ['offer', ...RESERVATION_KINDS]),
	answerField('Nights', 'nights', '$json.booking.nights', 'How many nights (counted from the dates when empty)', ['offer', ...RESERVATION_KINDS]),
	answerField('Total Price', 'total', '$json.booking.total', 'The price of the whole stay', RESERVATION_KINDS),
	answerField('Currency', 'currency', '$json.booking.currency', 'ISO currency code, e.g. EUR', ['offer', 'rates', ...RESERVATION_KINDS]),
	{
		displayName: 'Language',
		name: 'language',
		type: 'string',
		default: "={{ $json.form?.language ?? $json.reply?.language ?? $json.nlu?.language }}",
		description: "The guest's language (en, nl, de, fr, es); others get the Default Language",
	},
	{
		displayName: 'Default Language',
		name: 'defaultLanguage',
		type: 'options',
		options: LANGUAGE_OPTIONS,
		default: 'en',
	},
	{
		displayName: 'Texts',
		name: 'texts',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		default: {},
		placeholder: 'Add Text',
		description:
			'Your own texts, per kind and language; the rest use the defaults (in English, Dutch, German, French and Spanish). Placeholders: {reference}, {room}, {checkIn}, {checkOut}, {nights}, {guests}, {total}, {rooms}, {cheapest}, {alternatives}, {policy}, {newCheckIn}, {newCheckOut}; for tables {date}, {time}, {people}, {name}, {reference}, {times}.',
		options: [
			{
				displayName: 'Text',
				name: 'text',
				values: [
					{
						displayName: 'Kind',
						name: 'kind',
						type: 'options',
						options: [
							{ name: 'Already Cancelled', value: 'alreadyCancelled', description: english('alreadyCancelled') },
							{ name: 'Booked', value: 'booked', description: english('booked') },
							{ name: 'Button: Cancel', value: 'cancelButton', description: english('cancelButton') },
							{ name: 'Button: Change', value: 'changeButton', description: english('changeButton') },
							{ name: 'Button: Confirm', value: 'confirmButton', description: english('confirmButton') },
							{ name: 'Cancellation Policy', value: 'cancellationPolicy', description: english('cancellationPolicy') },
							{ name: 'Cancelled', value: 'cancelled', description: english('cancelled') },
							{ name: 'Changed', value: 'changed', description: english('changed') },
							{ name: 'Found for Cancelling', value: 'cancelFound', description: english('cancelFound') },
							{ name: 'Found for Changing', value: 'changeFound', description: english('changeFound') },
							{ name: 'No Alternatives', value: 'noAlternatives', description: english('noAlternatives') },
							{ name: 'Not Found', value: 'notFound', description: english('notFound') },
							{ name: 'Offer', value: 'offer', description: english('offer') },
							{ name: 'Offer (Room Choice)', value: 'offerChoice', description: english('offerChoice') },
							{ name: 'Rates', value: 'rates', description: english('rates') },
							{ name: 'Table Booked', value: 'tableBooked', description: english('tableBooked') },
							{ name: 'Table Full (Other Times)', value: 'tableFull', description: english('tableFull') },
							{ name: 'Table Full (No Times Left)', value: 'tableNoTimes', description: english('tableNoTimes') },
							{ name: 'Table Not a Seating Time', value: 'tableNotSeating', description: english('tableNotSeating') },
							{ name: 'Table Offer', value: 'tableOffer', description: english('tableOffer') },
							{ name: 'Unavailable', value: 'unavailable', description: english('unavailable') },
						],
						default: 'offer',
					},
					{ displayName: 'Language', name: 'language', type: 'options', options: LANGUAGE_OPTIONS, default: 'en' },
					{ displayName: 'Text', name: 'text', type: 'string', typeOptions: { rows: 3 }, default: '' },
				],
			},
		],
	},
];
