/**
 * Importing messages from before go-live (the old WhatsApp Business app, a helpdesk export), so the Value
 * view's baseline can be a measured period of messages answered by people (README, "Chats dashboard →
 * Value"). One call stores one message; the same message imported again is stored once.
 */
import { createHash } from 'node:crypto';

import { conversationIdOf, type ConversationRef } from '../envelope';
import type { SupportStore } from '../store';
import { CostLogError } from './log';

export type ImportedAuthor = 'customer' | 'agent' | 'bot';

export interface HistoricalMessageInput {
	/** The business phone number id the conversation belongs to (the same as the live conversations'). */
	phoneNumberId: string;
	/** The guest's number with country code (`+`, spaces allowed) or their WhatsApp user id. */
	customer: string;
	customerName?: string;
	/** Who wrote it: the guest, a person of the hotel, or a bot. */
	author: string;
	text: string;
	/** When it was sent: an ISO timestamp, or seconds / milliseconds since 1970. */
	sentAt: string | number | Date;
	/** The message's id in the old system; otherwise a hash of conversation, author, time and text. */
	messageId?: string;
}

export interface ImportedMessage {
	conversationId: string;
	messageId: string;
	author: ImportedAuthor;
	sentAt: string;
	/** False when the message had been imported (or received) before. */
	inserted: boolean;
}

const AUTHORS: Record<string, ImportedAuthor> = {
	customer: 'customer',
	guest: 'customer',
	client: 'customer',
	inbound: 'customer',
	agent: 'agent',
	staff: 'agent',
	person: 'agent',
	human: 'agent',
	outbound: 'agent',
	bot: 'bot',
};

function readAuthor(value: string): ImportedAuthor {
	const author = AUTHORS[value.trim().toLowerCase()];
	if (!author) throw new CostLogError(`Unknown author "${value.slice(0, 40)}"`, 'Set Author to customer (the guest), agent (a person of the hotel) or bot for each message.');
	return author;
}

function readSentAt(value: string | number | Date, now: Date): Date {
	const text = typeof value === 'string' ? value.trim() : value;
	const parsed =
		text instanceof Date
			? text
			: typeof text === 'number' || /^\d{9,13}$/.test(text)
				? new Date(Number(text) < 1e11 ? Number(text) * 1000 : Number(text))
				: new Date(text);
	if (text === '' || Number.isNaN(parsed.getTime())) {
		throw new CostLogError(`"${String(value).slice(0, 40)}" is not a date and time`, 'Map Sent At to an ISO timestamp such as 2026-03-14T09:30:00Z (or seconds since 1970).');
	}
	if (parsed.getTime() > now.getTime() + 5 * 60_000) {
		throw new CostLogError(`Sent At ${parsed.toISOString()} is in the future`, 'Import only messages that were sent already; check the time zone of the source.');
	}
	return parsed;
}

function readCustomer(value: string): ConversationRef['customer'] {
	const text = value.trim();
	if (/^[+\d\s().-]+$/.test(text) && text.replace(/\D/g, '').length >= 6) return { waId: text.replace(/\D/g, '') };
	if (/^[A-Za-z]{2}\.[\w-]{6,}$/.test(text)) return { userId: text };
	throw new CostLogError(
		text ? `"${text.slice(0, 4)}…" is not a phone number or WhatsApp user id` : 'The message has no customer',
		'Map Customer to the guest’s number with country code (e.g. +31 6 1234 5678) or their WhatsApp user id.',
	);
}

/** Stores one historical message with its conversation, as if it had been received or sent then. */
export async function importHistoricalMessage(store: SupportStore, input: HistoricalMessageInput, now = new Date()): Promise<ImportedMessage> {
	const phoneNumberId = input.phoneNumberId.trim();
	if (!phoneNumberId) throw new CostLogError('No business phone number id', 'Set Phone Number ID to the id of the WhatsApp number the live conversations use (the WhatsApp credential has it).');
	const author = readAuthor(input.author);
	const sentAt = readSentAt(input.sentAt, now);
	const text = input.text.trim();
	if (!text) throw new CostLogError('The message has no text', 'Map Text to the message text; leave out rows without text (e.g. media).');
	const name = input.customerName?.trim();
	const conversation: ConversationRef = { channel: 'whatsapp', phoneNumberId, customer: { ...readCustomer(input.customer), ...(name ? { name } : {}) } };
	const conversationId = conversationIdOf(conversation);
	const messageId =
		input.messageId?.trim() ||
		`import:${createHash('sha256').update(JSON.stringify([conversationId, author, sentAt.toISOString(), text])).digest('hex').slice(0, 40)}`;
	if (author === 'customer') {
		const stored = await store.recordInboundMessage({ conversation, waMessageId: messageId, type: 'text', text, sentAt });
		return { conversationId, messageId, author, sentAt: sentAt.toISOString(), inserted: stored.inserted };
	}
	await store.upsertConversation(conversation);
	const stored = await store.recordOutboundMessage({ conversationId, waMessageId: messageId, author, type: 'text', text, sentAt });
	return { conversationId, messageId, author, sentAt: sentAt.toISOString(), inserted: stored !== undefined };
}
