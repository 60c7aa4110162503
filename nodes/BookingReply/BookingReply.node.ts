import {
	NodeConnectionTypes,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { routeItems } from '../glue/items';
import {
	buildBookingReply,
	type BookingAlternative,
	type BookingAnswer,
	type BookingOverrides,
	type BookingReplyKind,
	type BookingRoom,
	type BookingTextKind,
} from '../domain/booking/reply';
import { bookingReplyProperties } from './description';

const OUTPUT = { reply: 0, failed: 1 } as const;

function text(value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	const string = String(value).trim();
	return string ? string : undefined;
}

function number(value: unknown): number | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const parsed = Number(value);
	return Number.isFinite(parsed) ? parsed : undefined;
}

function list<T>(value: unknown): T[] | undefined {
	if (Array.isArray(value)) return value as T[];
	if (typeof value === 'string' && value.trim().startsWith('[')) {
		try {
			const parsed: unknown = JSON.parse(value);
			return Array.isArray(parsed) ? (parsed as T[]) : undefined;
		} catch {
			return undefined;
		}
	}
	return undefined;
}

function rooms(value: unknown): BookingRoom[] | undefined {
	return list<IDataObject>(value)?.map((room) => ({
		id: text(room.id),
		name: text(room.name),
		available: typeof room.available === 'boolean' ? room.available : undefined,
		total: number(room.total),
		rate: number(room.rate),
		weekendRate: number(room.weekendRate),
		currency: text(room.currency),
	}));
}

export class BookingReply implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Booking Reply',
		name: 'bookingReply',
		icon: 'file:bookingReply.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["kind"] }}',
		description:
			"Turns a booking system's answer (availability, a reservation, rates, or an error) into the guest's message in five languages; a timeout, 5xx or unreadable answer leaves on Failed for a person",
		defaults: { name: 'Booking Reply' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Reply', 'Failed'],
		properties: bookingReplyProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await routeItems(this, 2, async (json, itemIndex) => {
			const kind = this.getNodeParameter('kind', itemIndex) as BookingReplyKind;
			const read = (name: string) => this.getNodeParameter(name, itemIndex, '') as unknown;
			const answer: BookingAnswer = {
				error: read('error') || undefined,
				reference: text(read('reference')),
				status: text(read('status')),
				phone: text(read('phone')),
				roomName: text(read('roomName')),
				checkIn: text(read('checkIn')),
				checkOut: text(read('checkOut')),
				guests: number(read('guests')),
				nights: number(read('nights')),
				total: number(read('total')),
				currency: text(read('currency')),
				available: typeof read('available') === 'boolean' ? (read('available') as boolean) : undefined,
				rooms: rooms(read('rooms')),
				alternatives: list<BookingAlternative>(read('alternatives')),
			};
			if (kind === 'tableOffer' || kind === 'tableBooked') {
				answer.date = text(read('date'));
				answer.time = text(read('time'));
				answer.partySize = number(read('partySize'));
				answer.name = text(read('guestName'));
				if (kind === 'tableOffer') {
					answer.open = typeof read('open') === 'boolean' ? (read('open') as boolean) : undefined;
					answer.otherTimes = list<string>(read('otherTimes'));
				}
			}
			const form = json.form as { values?: Record<string, unknown> } | undefined;
			const result = buildBookingReply({
				kind,
				answer,
				form,
				guestPhone: text(read('guestPhone')),
				language: String(this.getNodeParameter('language', itemIndex, '') ?? ''),
				fallbackLanguage: this.getNodeParameter('defaultLanguage', itemIndex, 'en') as string,
				overrides: overridesFrom(this.getNodeParameter('texts', itemIndex, {}) as IDataObject),
				timeField: kind === 'tableOffer' ? String(this.getNodeParameter('timeField', itemIndex, 'time')) : undefined,
			});
			if (result.outcome === 'failed') {
				const nlu = json.nlu as IDataObject | undefined;
				const out: IDataObject = {
					...json,
					// The holding message of Hand Off follows nlu.language: a tapped "Confirmer" alone cannot tell it.
					...(result.language ? { nlu: { ...(nlu ?? {}), language: result.language } } : {}),
					bookingReply: { kind, outcome: 'failed', failure: result.failure },
					route: { decision: 'human', reasons: [`booking system: ${result.reason}`], rules: ['booking_failed'] },
				};
				delete out.reply;
				return [OUTPUT.failed, out];
			}
			return [
				OUTPUT.reply,
				{ ...json, bookingReply: { kind, outcome: 'reply', state: result.state }, reply: result.reply as unknown as IDataObject },
			];
		});
	}
}

function overridesFrom(parameter: IDataObject): BookingOverrides {
	const overrides: BookingOverrides = {};
	for (const entry of (parameter.text as Array<{ kind: BookingTextKind; language: string; text: string }> | undefined) ?? []) {
		(overrides[entry.kind] ??= {})[entry.language] = entry.text ?? '';
	}
	return overrides;
}
