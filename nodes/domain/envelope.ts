/**
 * The envelope that flows between our nodes (docs/ARCHITECTURE.md §2). Each node adds its own key and keeps the rest,
 * so users can put their own nodes in between.
 */
export type Channel = 'whatsapp' | 'test' | 'web';

export interface Customer {
	/** Phone-number based WhatsApp id. Can be empty where WhatsApp usernames are used (2026). */
	waId?: string;
	/** Business-scoped user id; present with usernames. Preferred key when present. */
	userId?: string;
	name?: string;
	/** WhatsApp username (2026). Display only: users can change it, so never key on it. */
	username?: string;
}

export interface ConversationRef {
	id?: string;
	channel: Channel | string;
	phoneNumberId: string;
	/** The business number as customers see it, e.g. 15550000001 (WhatsApp channel only). */
	displayPhoneNumber?: string;
	/** WhatsApp Business Account id (the webhook's entry.id). */
	wabaId?: string;
	customer: Customer;
}

export interface EnvelopeMessage {
	id: string;
	type: string;
	text?: string;
	textMasked?: string;
	timestamp: string;
	[key: string]: unknown;
}

export interface WindowState {
	open: boolean;
	expiresAt: string | null;
	kind: 'service' | 'entry_point';
	lastInboundAt: string | null;
	remainingSeconds: number;
}

export interface Envelope {
	conversation: ConversationRef;
	message?: EnvelopeMessage;
	window?: WindowState;
	[key: string]: unknown;
}

/** Key a customer on userId when present, else waId; never on the phone number alone. */
export function customerKeyOf(customer: Customer): string {
	const key = customer.userId || customer.waId;
	if (!key) throw new Error('The customer has neither a user id nor a WhatsApp id (wa_id)');
	return key;
}

export function conversationIdOf(ref: ConversationRef): string {
	return `${ref.channel}:${ref.phoneNumberId}:${customerKeyOf(ref.customer)}`;
}

/** Thrown when an item does not carry the envelope our nodes need. */
export class EnvelopeError extends Error {
	constructor(
		message: string,
		readonly hint: string,
	) {
		super(message);
		this.name = 'EnvelopeError';
	}
}

const ENVELOPE_HINT =
	'Connect this node after the WhatsApp AI Trigger (or another node of this pack), or add a `conversation` object with channel, phoneNumberId and customer { waId or userId } using an Edit Fields node.';

/** Reads the conversation from an item's JSON, checking the fields every node relies on. */
export function readConversation(json: Record<string, unknown>): ConversationRef & { id: string } {
	const conversation = json.conversation as ConversationRef | undefined;
	if (!conversation || typeof conversation !== 'object') {
		throw new EnvelopeError('The item has no `conversation` envelope', ENVELOPE_HINT);
	}
	const customer = conversation.customer;
	if (!conversation.channel || !conversation.phoneNumberId || !customer || typeof customer !== 'object') {
		throw new EnvelopeError(
			'The item\'s `conversation` lacks channel, phoneNumberId or customer',
			ENVELOPE_HINT,
		);
	}
	if (!customer.userId && !customer.waId) {
		throw new EnvelopeError('The item\'s customer has neither `userId` nor `waId`', ENVELOPE_HINT);
	}
	return { ...conversation, id: conversationIdOf(conversation) };
}
