import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import { field } from '../glue/parameters';
import {
	BookingReferencePatternError,
	DEFAULT_BOOKING_REFERENCE_PATTERN,
	DEFAULT_ROOM_TYPES,
	extractMessageEntities,
	parseRoomCatalog,
	RoomCatalogError,
	type Entity,
	type RoomTypeDefinition,
} from '../domain/nlu/entities';

interface EntityOptions {
	timeZone?: string;
	roomCatalog?: unknown;
	bookingReferencePattern?: string;
}

const catalogs = new Map<string, RoomTypeDefinition[]>();

function roomCatalog(value: unknown): RoomTypeDefinition[] {
	if (value === undefined || value === '') return DEFAULT_ROOM_TYPES;
	const key = typeof value === 'string' ? value : JSON.stringify(value);
	let catalog = catalogs.get(key);
	if (!catalog) {
		catalog = parseRoomCatalog(value);
		catalogs.set(key, catalog);
		if (catalogs.size > 16) catalogs.delete(catalogs.keys().next().value as string);
	}
	return catalog;
}

/**
 * `nlu.entities` for one item. Read from the original text when the node classified the masked one
 * (masking hides the e-mail addresses and phone numbers a booking needs); the reference time is the
 * message's timestamp.
 */
export function entitiesFor(context: IExecuteFunctions, itemIndex: number, text: string, json: IDataObject, language: string): Entity[] {
	const options = context.getNodeParameter('entityOptions', itemIndex, {}) as EntityOptions;
	const message = json.message as IDataObject | undefined;
	const original = field(message, 'text');
	const entityText = typeof original === 'string' && text === field(message, 'textMasked') ? original : text;
	try {
		return extractMessageEntities(entityText, {
			language,
			defaultLanguage: context.getNodeParameter('defaultLanguage', itemIndex, 'en') as string,
			timestamp: message?.timestamp,
			timeZone: options.timeZone?.trim() || context.getTimezone() || 'UTC',
			roomTypes: roomCatalog(options.roomCatalog),
			bookingReferencePattern: options.bookingReferencePattern?.trim() || DEFAULT_BOOKING_REFERENCE_PATTERN,
		});
	} catch (error) {
		if (error instanceof RoomCatalogError) {
			throw new NodeOperationError(context.getNode(), error.message, { itemIndex, description: 'Fix Entity Options → Room Catalog, or remove the option to use the built-in catalog (single, double, twin, family, suite).' });
		}
		if (error instanceof BookingReferencePatternError) {
			throw new NodeOperationError(context.getNode(), error.message, { itemIndex, description: `Fix Entity Options → Booking Reference Pattern, e.g. ${DEFAULT_BOOKING_REFERENCE_PATTERN}` });
		}
		if (error instanceof RangeError && /time zone/i.test(error.message)) {
			throw new NodeOperationError(context.getNode(), error.message, { itemIndex, description: 'Set Entity Options → Time Zone to an IANA name such as Europe/Amsterdam, or leave it empty for the n8n instance time zone.' });
		}
		throw error;
	}
}
