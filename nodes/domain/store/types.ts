export type ConversationState = 'bot' | 'human';
export type MessageDirection = 'inbound' | 'outbound';
export type MessageAuthor = 'customer' | 'bot' | 'agent' | 'system';
export type ConsentAction = 'opt_in' | 'opt_out' | 'erased';
export type HandoffStatus = 'open' | 'released';

export interface ConversationRecord {
	id: string;
	channel: string;
	phoneNumberId: string;
	customerKey: string;
	waId: string | null;
	userId: string | null;
	customerName: string | null;
	state: ConversationState;
	lastInboundAt: string | null;
	entryPointAt: string | null;
	referral: unknown;
	unansweredStreak: number;
	/** The last language the customer's messages could be told in (en, nl, de, fr, es …). */
	language: string | null;
	/** Voice notes, photos and documents without a caption in a row. */
	mediaWithoutTextStreak: number;
	/** Set for staff (duty manager, agents): kept out of customer metrics and never surveyed. */
	internalRole?: string | null;
	createdAt: string;
	updatedAt: string;
}

export interface MessageRecord {
	id: number;
	conversationId: string;
	waMessageId: string | null;
	direction: MessageDirection;
	author: MessageAuthor;
	type: string;
	text: string | null;
	payload: unknown;
	status: string | null;
	statusAt: string | null;
	callbackData: string | null;
	/** The customer's reaction emoji on this message, if any. */
	reaction: string | null;
	reactedAt: string | null;
	sentAt: string;
	createdAt: string;
}

export interface ConsentEventRecord {
	id: number;
	customerKey: string;
	conversationId: string | null;
	scope: string;
	action: ConsentAction;
	source: string;
	evidence: unknown;
	occurredAt: string;
	recordedAt: string;
}

export interface HandoffRecord {
	id: number;
	conversationId: string;
	status: HandoffStatus;
	reason: string | null;
	summary: string | null;
	context: unknown;
	openedAt: string;
	lastActivityAt: string;
	releasedAt: string | null;
	releasedBy: string | null;
}

export interface CostInput {
	conversationId?: string;
	kind: 'whatsapp' | 'llm';
	/** Unique per kind: the WhatsApp message id (charged once), or a key per LLM call. */
	sourceKey: string;
	category?: string;
	pricingType?: string;
	country?: string;
	model?: string;
	inputTokens?: number;
	outputTokens?: number;
	amount: number;
	currency: string;
	details?: unknown;
	occurredAt?: Date;
}

/** The active Conversation Form of a conversation (migration 6). */
export interface ConversationFormRecord {
	conversationId: string;
	formName: string;
	status: 'asking' | 'confirming';
	values: Record<string, unknown>;
	sources: Record<string, string>;
	attempts: Record<string, number>;
	askedField: string | null;
	/** A side question left the form; its question is asked again next turn. */
	resumePending: boolean;
	/** A date range of which only the arrival is known: { field, start }. */
	partialRange: { field: string; start: string } | null;
	language: string;
	startedAt: string;
	lastActiveAt: string;
	/** After this the form is no longer active (idle expiry); another form may start. */
	expiresAt: string;
	/** Bumped by every save: a save names the version it read (optimistic concurrency). */
	version: number;
}

export type ConversationFormInput = Omit<ConversationFormRecord, 'version'>;
