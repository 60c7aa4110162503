/**
 * The envelope that flows between our nodes (DESIGN §2). Each node adds its own key and keeps the rest,
 * so users can put their own nodes in between.
 */
export type Channel = 'whatsapp' | 'test' | 'web';

export interface Customer {
	/** Phone-number based WhatsApp id. Can be empty where WhatsApp usernames are used (2026). */
	waId?: string;
	/** Business-scoped user id; present with usernames. Preferred key when present. */
	userId?: string;
	name?: string;
}

export interface ConversationRef {
	id?: string;
	channel: Channel | string;
	phoneNumberId: string;
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
