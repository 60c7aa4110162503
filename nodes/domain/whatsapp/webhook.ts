import {
	conversationIdOf,
	type ConversationRef,
	type Customer,
	type Envelope,
	type EnvelopeMessage,
} from '../envelope';

/**
 * Inbound side of the WhatsApp Cloud API webhook (docs/ARCHITECTURE.md §5 and §6): turns a `whatsapp_business_account` POST body
 * into one envelope per message and one event per status. Structure is validated strictly (a body that is
 * not a WhatsApp payload is a 400); content fields are optional, but must have the right type when present.
 */

type JsonObject = Record<string, unknown>;

/** Thrown for any body that is not a WhatsApp Business Account webhook payload. Answer with `statusCode`. */
export class WebhookPayloadError extends Error {
	readonly statusCode = 400;

	constructor(
		message: string,
		/** Where in the payload the problem is, e.g. `entry[0].changes[1].value.messages[0].id`. */
		readonly path?: string,
		options?: { cause?: unknown },
	) {
		super(message, options);
		this.name = 'WebhookPayloadError';
	}
}

export const WHATSAPP_WEBHOOK_OBJECT = 'whatsapp_business_account';

export interface WhatsAppConversation extends ConversationRef {
	id: string;
	channel: 'whatsapp';
	wabaId: string;
}

export type MediaKind = 'image' | 'audio' | 'video' | 'document' | 'sticker';

export interface InboundMedia {
	kind: MediaKind;
	/** Media id (valid for 7 days); download it through the Graph API. */
	id: string;
	mimeType?: string;
	sha256?: string;
	caption?: string;
	filename?: string;
	/** Audio recorded as a voice note. */
	voice?: boolean;
	animated?: boolean;
	/** Short-lived (5 minute) download URL, when Meta includes one. */
	url?: string;
}

export interface InboundInteractive {
	/** button_reply, list_reply, nfm_reply, or a newer kind (kept in `raw`). */
	type: string;
	/** The id the business gave the button or row. */
	id?: string;
	title?: string;
	description?: string;
	/** Flow (nfm_reply) name and body, e.g. `flow` / `Sent`. */
	name?: string;
	body?: string;
	/** Flow answers exactly as sent, and parsed when they are a JSON object. */
	responseJson?: string;
	response?: JsonObject;
	raw?: JsonObject;
}

export interface InboundLocation {
	latitude: number;
	longitude: number;
	name?: string;
	address?: string;
	url?: string;
}

export interface SharedContactPhone {
	phone?: string;
	waId?: string;
	type?: string;
}

export interface SharedContactEmail {
	email?: string;
	type?: string;
}

export interface SharedContact {
	formattedName?: string;
	phones: SharedContactPhone[];
	emails: SharedContactEmail[];
	organization?: string;
	/** The full contact card as sent (addresses, urls, birthday…). */
	raw: JsonObject;
}

export interface InboundReaction {
	messageId: string;
	/** Absent when the customer removed their reaction. */
	emoji?: string;
}

export interface ReferredProduct {
	catalogId: string;
	productRetailerId: string;
}

export interface MessageContext {
	/** The message this one replies to. */
	replyToMessageId?: string;
	from?: string;
	forwarded?: boolean;
	frequentlyForwarded?: boolean;
	/** Set when the customer asks about a catalog product. */
	referredProduct?: ReferredProduct;
}

/** The Click-to-WhatsApp ad or post the customer came from (opens the 72 h entry-point window). */
export interface MessageReferral {
	sourceUrl?: string;
	sourceId?: string;
	sourceType?: string;
	headline?: string;
	body?: string;
	mediaType?: string;
	imageUrl?: string;
	videoUrl?: string;
	thumbnailUrl?: string;
	ctwaClid?: string;
	welcomeMessage?: string;
}

export interface TemplateButtonReply {
	text: string;
	payload?: string;
}

export interface OrderItem {
	productRetailerId: string;
	quantity?: number;
	itemPrice?: number;
	currency?: string;
}

export interface InboundOrder {
	catalogId?: string;
	text?: string;
	productItems: OrderItem[];
}

export interface SystemNotice {
	/** e.g. user_changed_number, customer_identity_changed. */
	type?: string;
	body?: string;
	/** The customer's new WhatsApp id after a number change. */
	newWaId?: string;
	identity?: string;
	customer?: string;
}

export interface WhatsAppError {
	code: number;
	title?: string;
	message?: string;
	details?: string;
	href?: string;
}

export interface InboundMessage extends EnvelopeMessage {
	id: string;
	type: string;
	/** Human-readable text for NLU and transcripts (body, caption, reply title, emoji…). */
	text?: string;
	/** ISO 8601, from Meta's unix seconds. */
	timestamp: string;
	/** Sender phone number as Meta gave it; absent for some username-only customers. */
	from?: string;
	fromUserId?: string;
	media?: InboundMedia;
	interactive?: InboundInteractive;
	location?: InboundLocation;
	contacts?: SharedContact[];
	reaction?: InboundReaction;
	context?: MessageContext;
	referral?: MessageReferral;
	button?: TemplateButtonReply;
	order?: InboundOrder;
	system?: SystemNotice;
	unsupported?: { type?: string };
	errors?: WhatsAppError[];
	identityKeyHash?: string;
	/** The whole message as sent, for types this parser does not know yet. */
	raw?: JsonObject;
}

export interface InboundMessageEvent extends Envelope {
	conversation: WhatsAppConversation;
	message: InboundMessage;
}

export interface StatusConversation {
	id: string;
	expiresAt?: string;
	originType?: string;
}

export interface StatusPricing {
	/** `PMP` (per-message pricing) since 2025-07-01; `CBP` before. */
	pricingModel?: string;
	category?: string;
	/** regular, free_customer_service or free_entry_point. */
	type?: string;
	/** Deprecated by Meta; kept when present. */
	billable?: boolean;
}

export interface MessageStatus {
	messageId: string;
	/** sent, delivered, read, failed, played, deleted… */
	status: string;
	timestamp: string;
	recipientId?: string;
	recipientUserId?: string;
	/** `group` for group chats; absent for one-to-one. */
	recipientType?: string;
	conversation?: StatusConversation;
	pricing?: StatusPricing;
	errors?: WhatsAppError[];
	/** The `biz_opaque_callback_data` sent with the message. */
	callbackData?: string;
}

export interface StatusEvent extends Envelope {
	conversation: WhatsAppConversation;
	status: MessageStatus;
}

/** An error Meta reports for the phone number or account rather than for one message. */
export interface WebhookErrorEvent {
	channel: 'whatsapp';
	wabaId: string;
	phoneNumberId: string;
	displayPhoneNumber?: string;
	error: WhatsAppError;
}

export interface ParsedWebhook {
	messages: InboundMessageEvent[];
	statuses: StatusEvent[];
	errors: WebhookErrorEvent[];
}

/** Dedupe key for a message (Meta delivers at least once). */
export function messageEventKey(event: InboundMessageEvent): string {
	return event.message.id;
}

/** Dedupe key for a status: one message has several statuses, each delivered at least once. */
export function statusEventKey(event: StatusEvent): string {
	return `${event.status.messageId}:${event.status.status}`;
}

// ---------------------------------------------------------------------------------------------------------
// Reading untrusted JSON

function isObject(value: unknown): value is JsonObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * How deeply a webhook body may nest objects and arrays. Meta's payloads go about 12 levels deep; a body
 * nested deeper is not a WhatsApp payload, and keeping it would overflow the stack of whatever serialises
 * it later (the store's jsonb, n8n's execution data).
 */
export const MAX_WEBHOOK_DEPTH = 64;

const NUL_CHARACTERS = /\u0000/g;
// A UTF-16 surrogate without its partner: valid in a JS string (JSON can escape it), but not encodable as UTF-8.
const LONE_SURROGATES = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Text as PostgreSQL can store it: U+0000 removed (text and jsonb reject it; WhatsApp never sends it) and
 * lone surrogates replaced by U+FFFD (the replacement character), so emoji pairs stay intact.
 */
export function storableText(text: string): string {
	const withoutNul = text.includes('\u0000') ? text.replace(NUL_CHARACTERS, '') : text;
	return withoutNul.replace(LONE_SURROGATES, '\ufffd');
}

function tooDeep(maxDepth: number): never {
	throw new WebhookPayloadError(`Not a WhatsApp webhook payload: it nests deeper than ${maxDepth} levels`);
}

/**
 * A copy of parsed JSON with every string and key made storable (see storableText), refusing anything
 * nested deeper than `maxDepth`. Iterative, so no input can overflow the stack here. Own keys such as
 * `__proto__` stay ordinary properties of the copy.
 */
export function normaliseJson(root: unknown, maxDepth = MAX_WEBHOOK_DEPTH): unknown {
	if (typeof root === 'string') return storableText(root);
	if (typeof root !== 'object' || root === null) return root;
	const containerOf = (value: object): JsonObject | unknown[] => (Array.isArray(value) ? [] : {});
	const copyRoot = containerOf(root);
	const pending: Array<{ source: object; target: JsonObject | unknown[]; depth: number }> = [
		{ source: root, target: copyRoot, depth: 1 },
	];
	if (maxDepth < 1) tooDeep(maxDepth);
	while (pending.length > 0) {
		const { source, target, depth } = pending.pop()!;
		const copyValue = (value: unknown): unknown => {
			if (typeof value === 'string') return storableText(value);
			if (typeof value !== 'object' || value === null) return value;
			if (depth + 1 > maxDepth) tooDeep(maxDepth);
			const copy = containerOf(value);
			pending.push({ source: value, target: copy, depth: depth + 1 });
			return copy;
		};
		if (Array.isArray(source)) {
			const targetArray = target as unknown[];
			for (let index = 0; index < source.length; index++) targetArray[index] = copyValue(source[index]);
			continue;
		}
		const targetObject = target as JsonObject;
		for (const key of Object.keys(source)) {
			const value = copyValue((source as JsonObject)[key]);
			const name = storableText(key);
			// Plain assignment of `__proto__` would set the copy's prototype instead of a property.
			if (name === '__proto__') {
				Object.defineProperty(targetObject, name, { value, enumerable: true, writable: true, configurable: true });
			} else {
				targetObject[name] = value;
			}
		}
	}
	return copyRoot;
}

/** Own properties only, so keys such as `constructor` never reach Object.prototype. */
function own(object: JsonObject, key: string): unknown {
	return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

function describe(value: unknown): string {
	if (value === undefined) return 'nothing';
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	if (typeof value === 'string') return 'a string';
	if (typeof value === 'object') return 'an object';
	return `a ${typeof value}`;
}

/** Like describe, but quotes (the start of) a string so the sender can see what arrived. */
function shown(value: unknown): string {
	return typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : describe(value);
}

function fail(path: string, problem: string): never {
	throw new WebhookPayloadError(`Not a WhatsApp webhook payload: ${path} ${problem}`, path);
}

function isAbsent(value: unknown): value is undefined | null {
	return value === undefined || value === null;
}

function objectAt(value: unknown, path: string): JsonObject {
	if (!isObject(value)) fail(path, `must be an object, got ${describe(value)}`);
	return value;
}

function optionalObjectAt(value: unknown, path: string): JsonObject | undefined {
	return isAbsent(value) ? undefined : objectAt(value, path);
}

function arrayAt(value: unknown, path: string): unknown[] {
	if (!Array.isArray(value)) fail(path, `must be an array, got ${describe(value)}`);
	return value;
}

function optionalArrayAt(value: unknown, path: string): unknown[] {
	return isAbsent(value) ? [] : arrayAt(value, path);
}

function stringAt(value: unknown, path: string): string {
	if (typeof value !== 'string' || value.length === 0) {
		fail(path, `must be a non-empty string, got ${typeof value === 'string' ? 'an empty string' : describe(value)}`);
	}
	return value;
}

function optionalStringAt(value: unknown, path: string): string | undefined {
	if (isAbsent(value)) return undefined;
	if (typeof value !== 'string') fail(path, `must be a string, got ${describe(value)}`);
	return value;
}

/** An optional id-like string; empty counts as absent (Meta leaves `from` empty for some username users). */
function optionalIdAt(value: unknown, path: string): string | undefined {
	const text = optionalStringAt(value, path);
	return text === '' ? undefined : text;
}

// A WhatsApp id is the customer's phone number in digits (Meta sends no `+`; some tools add one).
const WHATSAPP_ID = /^\+?\d{1,20}$/;

/**
 * An optional WhatsApp id (`from`, a contact's `wa_id`): empty counts as absent, anything else must be digits,
 * since that is where replies go. A sender id that is not one cannot be answered, so the payload is refused.
 */
function optionalWhatsAppIdAt(value: unknown, path: string): string | undefined {
	const id = optionalIdAt(value, path);
	if (id !== undefined && !WHATSAPP_ID.test(id)) fail(path, `must be a WhatsApp id (the phone number's digits), got ${shown(id)}`);
	return id;
}

function optionalBooleanAt(value: unknown, path: string): boolean | undefined {
	if (isAbsent(value)) return undefined;
	if (typeof value !== 'boolean') fail(path, `must be a boolean, got ${describe(value)}`);
	return value;
}

const NUMERIC_STRING = /^-?\d+(\.\d+)?$/;

/** A finite number, also from a plain decimal string; undefined for anything else. */
function finiteNumber(value: unknown): number | undefined {
	const number = typeof value === 'string' && NUMERIC_STRING.test(value) ? Number(value) : value;
	return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
}

function numberAt(value: unknown, path: string): number {
	const number = finiteNumber(value);
	if (number === undefined) fail(path, `must be a number, got ${describe(value)}`);
	return number;
}

function optionalNumberAt(value: unknown, path: string): number | undefined {
	return isAbsent(value) ? undefined : numberAt(value, path);
}

// Date's range is ±8.64e15 ms; beyond it toISOString throws.
const MAX_UNIX_SECONDS = 8_640_000_000_000;

/** Meta sends unix seconds as a string (sometimes a number); we pass ISO 8601 on. */
function timestampAt(value: unknown, path: string): string {
	const seconds = finiteNumber(value);
	if (seconds === undefined || Math.abs(seconds) > MAX_UNIX_SECONDS) {
		fail(path, `must be a unix timestamp in seconds, got ${shown(value)}`);
	}
	return new Date(seconds * 1000).toISOString();
}

function optionalTimestampAt(value: unknown, path: string): string | undefined {
	return isAbsent(value) ? undefined : timestampAt(value, path);
}

/** Drops undefined properties so items stay clean in n8n and in JSON. */
function defined<T extends object>(object: T): T {
	for (const key of Object.keys(object) as Array<keyof T>) {
		if (object[key] === undefined) delete object[key];
	}
	return object;
}

// ---------------------------------------------------------------------------------------------------------
// Shared pieces

function readErrors(value: unknown, path: string): WhatsAppError[] | undefined {
	if (isAbsent(value)) return undefined;
	return arrayAt(value, path).map((item, index) => readError(item, `${path}[${index}]`));
}

function readError(value: unknown, path: string): WhatsAppError {
	const error = objectAt(value, path);
	const errorData = optionalObjectAt(own(error, 'error_data'), `${path}.error_data`);
	return defined({
		code: numberAt(own(error, 'code'), `${path}.code`),
		title: optionalStringAt(own(error, 'title'), `${path}.title`),
		message: optionalStringAt(own(error, 'message'), `${path}.message`),
		details: errorData ? optionalStringAt(own(errorData, 'details'), `${path}.error_data.details`) : undefined,
		href: optionalStringAt(own(error, 'href'), `${path}.href`),
	});
}

/** One element of `value.contacts[]`: who the message is from, or (on statuses) who it went to. */
interface ContactProfile {
	waId?: string;
	userId?: string;
	name?: string;
	username?: string;
	identityKeyHash?: string;
}

function readContactProfiles(value: unknown, path: string): ContactProfile[] {
	return optionalArrayAt(value, path).map((item, index) => {
		const itemPath = `${path}[${index}]`;
		const contact = objectAt(item, itemPath);
		const profile = optionalObjectAt(own(contact, 'profile'), `${itemPath}.profile`);
		return defined({
			waId: optionalWhatsAppIdAt(own(contact, 'wa_id'), `${itemPath}.wa_id`),
			userId: optionalIdAt(own(contact, 'user_id'), `${itemPath}.user_id`),
			name: profile ? optionalStringAt(own(profile, 'name'), `${itemPath}.profile.name`) : undefined,
			username: profile ? optionalStringAt(own(profile, 'username'), `${itemPath}.profile.username`) : undefined,
			identityKeyHash: optionalStringAt(own(contact, 'identity_key_hash'), `${itemPath}.identity_key_hash`),
		});
	});
}

/** Joins on user id first (stable across number changes), then on wa_id. */
function findContact(contacts: ContactProfile[], waId: string | undefined, userId: string | undefined) {
	if (userId) {
		const byUserId = contacts.find((contact) => contact.userId === userId);
		if (byUserId) return byUserId;
	}
	if (waId) return contacts.find((contact) => contact.waId === waId);
	// A message without any sender id can only belong to the value's single contact.
	return !userId && contacts.length === 1 ? contacts[0] : undefined;
}

interface ValueScope {
	wabaId: string;
	phoneNumberId: string;
	displayPhoneNumber?: string;
	contacts: ContactProfile[];
}

function conversationFor(scope: ValueScope, customer: Customer, path: string): WhatsAppConversation {
	if (!customer.userId && !customer.waId) {
		fail(path, 'has no customer id (neither a wa_id / phone number nor a user_id)');
	}
	const ref = defined({
		channel: 'whatsapp' as const,
		phoneNumberId: scope.phoneNumberId,
		displayPhoneNumber: scope.displayPhoneNumber,
		wabaId: scope.wabaId,
		customer: defined(customer),
	});
	return { id: conversationIdOf(ref), ...ref };
}

// ---------------------------------------------------------------------------------------------------------
// Message content, per type. Each reader returns the type's fields plus the text NLU should see.

type MessageContent = Partial<InboundMessage>;
type ContentReader = (message: JsonObject, path: string) => MessageContent;

const MEDIA_KINDS: readonly MediaKind[] = ['image', 'audio', 'video', 'document', 'sticker'];

function readMedia(kind: MediaKind): ContentReader {
	return (message, path) => {
		const mediaPath = `${path}.${kind}`;
		const media = objectAt(own(message, kind), mediaPath);
		const caption = optionalStringAt(own(media, 'caption'), `${mediaPath}.caption`);
		return {
			text: caption || undefined,
			media: defined({
				kind,
				id: stringAt(own(media, 'id'), `${mediaPath}.id`),
				mimeType: optionalStringAt(own(media, 'mime_type'), `${mediaPath}.mime_type`),
				sha256: optionalStringAt(own(media, 'sha256'), `${mediaPath}.sha256`),
				caption,
				filename: optionalStringAt(own(media, 'filename'), `${mediaPath}.filename`),
				voice: optionalBooleanAt(own(media, 'voice'), `${mediaPath}.voice`),
				animated: optionalBooleanAt(own(media, 'animated'), `${mediaPath}.animated`),
				url: optionalStringAt(own(media, 'url'), `${mediaPath}.url`),
			}),
		};
	};
}

function readText(message: JsonObject, path: string): MessageContent {
	const text = objectAt(own(message, 'text'), `${path}.text`);
	return { text: optionalStringAt(own(text, 'body'), `${path}.text.body`) };
}

function readLocation(message: JsonObject, path: string): MessageContent {
	const locationPath = `${path}.location`;
	const location = objectAt(own(message, 'location'), locationPath);
	const name = optionalStringAt(own(location, 'name'), `${locationPath}.name`);
	const address = optionalStringAt(own(location, 'address'), `${locationPath}.address`);
	const described = [name, address].filter((part) => part).join(', ');
	return {
		text: described || undefined,
		location: defined({
			latitude: numberAt(own(location, 'latitude'), `${locationPath}.latitude`),
			longitude: numberAt(own(location, 'longitude'), `${locationPath}.longitude`),
			name,
			address,
			url: optionalStringAt(own(location, 'url'), `${locationPath}.url`),
		}),
	};
}

function readSharedContacts(message: JsonObject, path: string): MessageContent {
	const contactsPath = `${path}.contacts`;
	const contacts = arrayAt(own(message, 'contacts'), contactsPath).map((item, index): SharedContact => {
		const contactPath = `${contactsPath}[${index}]`;
		const contact = objectAt(item, contactPath);
		const name = optionalObjectAt(own(contact, 'name'), `${contactPath}.name`);
		const org = optionalObjectAt(own(contact, 'org'), `${contactPath}.org`);
		const phones = optionalArrayAt(own(contact, 'phones'), `${contactPath}.phones`).map((phoneItem, phoneIndex) => {
			const phonePath = `${contactPath}.phones[${phoneIndex}]`;
			const phone = objectAt(phoneItem, phonePath);
			return defined({
				phone: optionalStringAt(own(phone, 'phone'), `${phonePath}.phone`),
				waId: optionalStringAt(own(phone, 'wa_id'), `${phonePath}.wa_id`),
				type: optionalStringAt(own(phone, 'type'), `${phonePath}.type`),
			});
		});
		const emails = optionalArrayAt(own(contact, 'emails'), `${contactPath}.emails`).map((emailItem, emailIndex) => {
			const emailPath = `${contactPath}.emails[${emailIndex}]`;
			const email = objectAt(emailItem, emailPath);
			return defined({
				email: optionalStringAt(own(email, 'email'), `${emailPath}.email`),
				type: optionalStringAt(own(email, 'type'), `${emailPath}.type`),
			});
		});
		return defined({
			formattedName: name
				? optionalStringAt(own(name, 'formatted_name'), `${contactPath}.name.formatted_name`)
				: undefined,
			phones,
			emails,
			organization: org ? optionalStringAt(own(org, 'company'), `${contactPath}.org.company`) : undefined,
			raw: contact,
		});
	});
	// A contact card has no words for NLU; transcripts can render `contacts`.
	return { contacts };
}

function parseFlowResponse(responseJson: string | undefined): JsonObject | undefined {
	if (responseJson === undefined) return undefined;
	try {
		// Only a copy that the store and n8n can keep (see normaliseJson); the raw text stays in responseJson.
		const parsed = normaliseJson(JSON.parse(responseJson));
		return isObject(parsed) ? parsed : undefined;
	} catch {
		return undefined;
	}
}

function readInteractive(message: JsonObject, path: string): MessageContent {
	const interactivePath = `${path}.interactive`;
	const interactive = objectAt(own(message, 'interactive'), interactivePath);
	const type = stringAt(own(interactive, 'type'), `${interactivePath}.type`);
	const replyPath = `${interactivePath}.${type}`;
	if (type === 'button_reply' || type === 'list_reply') {
		const reply = objectAt(own(interactive, type), replyPath);
		const title = stringAt(own(reply, 'title'), `${replyPath}.title`);
		return {
			text: title,
			interactive: defined({
				type,
				id: stringAt(own(reply, 'id'), `${replyPath}.id`),
				title,
				description: optionalStringAt(own(reply, 'description'), `${replyPath}.description`),
			}),
		};
	}
	if (type === 'nfm_reply') {
		const reply = objectAt(own(interactive, type), replyPath);
		const responseJson = optionalStringAt(own(reply, 'response_json'), `${replyPath}.response_json`);
		const body = optionalStringAt(own(reply, 'body'), `${replyPath}.body`);
		return {
			text: body || undefined,
			interactive: defined({
				type,
				name: optionalStringAt(own(reply, 'name'), `${replyPath}.name`),
				body,
				responseJson,
				response: parseFlowResponse(responseJson),
			}),
		};
	}
	// A reply kind we do not know yet: keep it whole, and use its title if it has one.
	const reply = own(interactive, type);
	const title = isObject(reply) && typeof own(reply, 'title') === 'string' ? (own(reply, 'title') as string) : undefined;
	return { text: title || undefined, interactive: defined({ type, title, raw: interactive }) };
}

function readButton(message: JsonObject, path: string): MessageContent {
	const button = objectAt(own(message, 'button'), `${path}.button`);
	const text = stringAt(own(button, 'text'), `${path}.button.text`);
	return {
		text,
		button: defined({ text, payload: optionalStringAt(own(button, 'payload'), `${path}.button.payload`) }),
	};
}

function readReaction(message: JsonObject, path: string): MessageContent {
	const reaction = objectAt(own(message, 'reaction'), `${path}.reaction`);
	const emoji = optionalStringAt(own(reaction, 'emoji'), `${path}.reaction.emoji`);
	return {
		text: emoji || undefined,
		reaction: defined({
			messageId: stringAt(own(reaction, 'message_id'), `${path}.reaction.message_id`),
			emoji: emoji || undefined,
		}),
	};
}

function readOrder(message: JsonObject, path: string): MessageContent {
	const orderPath = `${path}.order`;
	const order = objectAt(own(message, 'order'), orderPath);
	const text = optionalStringAt(own(order, 'text'), `${orderPath}.text`);
	const productItems = optionalArrayAt(own(order, 'product_items'), `${orderPath}.product_items`).map(
		(item, index): OrderItem => {
			const itemPath = `${orderPath}.product_items[${index}]`;
			const product = objectAt(item, itemPath);
			return defined({
				productRetailerId: stringAt(own(product, 'product_retailer_id'), `${itemPath}.product_retailer_id`),
				quantity: optionalNumberAt(own(product, 'quantity'), `${itemPath}.quantity`),
				itemPrice: optionalNumberAt(own(product, 'item_price'), `${itemPath}.item_price`),
				currency: optionalStringAt(own(product, 'currency'), `${itemPath}.currency`),
			});
		},
	);
	return {
		text: text || undefined,
		order: defined({
			catalogId: optionalStringAt(own(order, 'catalog_id'), `${orderPath}.catalog_id`),
			text,
			productItems,
		}),
	};
}

function readSystem(message: JsonObject, path: string): MessageContent {
	const systemPath = `${path}.system`;
	const system = objectAt(own(message, 'system'), systemPath);
	const body = optionalStringAt(own(system, 'body'), `${systemPath}.body`);
	return {
		text: body || undefined,
		system: defined({
			type: optionalStringAt(own(system, 'type'), `${systemPath}.type`),
			body,
			// `wa_id` in current payloads, `new_wa_id` in older ones.
			newWaId:
				optionalStringAt(own(system, 'wa_id'), `${systemPath}.wa_id`) ??
				optionalStringAt(own(system, 'new_wa_id'), `${systemPath}.new_wa_id`),
			identity: optionalStringAt(own(system, 'identity'), `${systemPath}.identity`),
			customer: optionalStringAt(own(system, 'customer'), `${systemPath}.customer`),
		}),
	};
}

function readUnsupported(message: JsonObject, path: string): MessageContent {
	const unsupported = optionalObjectAt(own(message, 'unsupported'), `${path}.unsupported`);
	return {
		unsupported: unsupported
			? defined({ type: optionalStringAt(own(unsupported, 'type'), `${path}.unsupported.type`) })
			: {},
	};
}

const CONTENT_READERS: Record<string, ContentReader> = {
	text: readText,
	...Object.fromEntries(MEDIA_KINDS.map((kind) => [kind, readMedia(kind)])),
	location: readLocation,
	contacts: readSharedContacts,
	interactive: readInteractive,
	button: readButton,
	reaction: readReaction,
	order: readOrder,
	system: readSystem,
	unsupported: readUnsupported,
};

function readContext(value: unknown, path: string): MessageContext | undefined {
	const context = optionalObjectAt(value, path);
	if (!context) return undefined;
	const product = optionalObjectAt(own(context, 'referred_product'), `${path}.referred_product`);
	return defined({
		replyToMessageId: optionalStringAt(own(context, 'id'), `${path}.id`),
		from: optionalStringAt(own(context, 'from'), `${path}.from`),
		forwarded: optionalBooleanAt(own(context, 'forwarded'), `${path}.forwarded`),
		frequentlyForwarded: optionalBooleanAt(own(context, 'frequently_forwarded'), `${path}.frequently_forwarded`),
		referredProduct: product
			? {
					catalogId: stringAt(own(product, 'catalog_id'), `${path}.referred_product.catalog_id`),
					productRetailerId: stringAt(
						own(product, 'product_retailer_id'),
						`${path}.referred_product.product_retailer_id`,
					),
				}
			: undefined,
	});
}

const REFERRAL_FIELDS: Array<[keyof MessageReferral, string]> = [
	['sourceUrl', 'source_url'],
	['sourceId', 'source_id'],
	['sourceType', 'source_type'],
	['headline', 'headline'],
	['body', 'body'],
	['mediaType', 'media_type'],
	['imageUrl', 'image_url'],
	['videoUrl', 'video_url'],
	['thumbnailUrl', 'thumbnail_url'],
	['ctwaClid', 'ctwa_clid'],
];

function readReferral(value: unknown, path: string): MessageReferral | undefined {
	const referral = optionalObjectAt(value, path);
	if (!referral) return undefined;
	const result: MessageReferral = {};
	for (const [name, key] of REFERRAL_FIELDS) {
		const text = optionalStringAt(own(referral, key), `${path}.${key}`);
		if (text !== undefined) result[name] = text;
	}
	const welcome = optionalObjectAt(own(referral, 'welcome_message'), `${path}.welcome_message`);
	const welcomeText = welcome ? optionalStringAt(own(welcome, 'text'), `${path}.welcome_message.text`) : undefined;
	if (welcomeText !== undefined) result.welcomeMessage = welcomeText;
	return result;
}

function readMessage(value: unknown, path: string, scope: ValueScope): InboundMessageEvent {
	const message = objectAt(value, path);
	const id = stringAt(own(message, 'id'), `${path}.id`);
	const type = stringAt(own(message, 'type'), `${path}.type`);
	const timestamp = timestampAt(own(message, 'timestamp'), `${path}.timestamp`);
	const from = optionalWhatsAppIdAt(own(message, 'from'), `${path}.from`);
	const fromUserId =
		optionalIdAt(own(message, 'from_user_id'), `${path}.from_user_id`) ??
		optionalIdAt(own(message, 'user_id'), `${path}.user_id`);

	const reader = Object.prototype.hasOwnProperty.call(CONTENT_READERS, type) ? CONTENT_READERS[type] : undefined;
	const content: MessageContent = reader ? reader(message, path) : { raw: message };

	const contact = findContact(scope.contacts, from, fromUserId);
	const customer: Customer = {
		waId: contact?.waId ?? from,
		userId: fromUserId ?? contact?.userId,
		name: contact?.name,
		username: contact?.username,
	};

	const inbound: InboundMessage = defined({
		id,
		type,
		text: content.text,
		timestamp,
		from,
		fromUserId,
		...content,
		context: readContext(own(message, 'context'), `${path}.context`),
		referral: readReferral(own(message, 'referral'), `${path}.referral`),
		errors: readErrors(own(message, 'errors'), `${path}.errors`),
		identityKeyHash: contact?.identityKeyHash,
	});
	return { conversation: conversationFor(scope, customer, path), message: inbound };
}

function readStatus(value: unknown, path: string, scope: ValueScope): StatusEvent {
	const status = objectAt(value, path);
	const recipientId = optionalIdAt(own(status, 'recipient_id'), `${path}.recipient_id`);
	const recipientUserId = optionalIdAt(own(status, 'recipient_user_id'), `${path}.recipient_user_id`);

	const conversationValue = optionalObjectAt(own(status, 'conversation'), `${path}.conversation`);
	let conversation: StatusConversation | undefined;
	if (conversationValue) {
		const origin = optionalObjectAt(own(conversationValue, 'origin'), `${path}.conversation.origin`);
		conversation = defined({
			id: stringAt(own(conversationValue, 'id'), `${path}.conversation.id`),
			expiresAt: optionalTimestampAt(
				own(conversationValue, 'expiration_timestamp'),
				`${path}.conversation.expiration_timestamp`,
			),
			originType: origin ? optionalStringAt(own(origin, 'type'), `${path}.conversation.origin.type`) : undefined,
		});
	}

	const pricingValue = optionalObjectAt(own(status, 'pricing'), `${path}.pricing`);
	const pricing = pricingValue
		? defined({
				pricingModel: optionalStringAt(own(pricingValue, 'pricing_model'), `${path}.pricing.pricing_model`),
				category: optionalStringAt(own(pricingValue, 'category'), `${path}.pricing.category`),
				type: optionalStringAt(own(pricingValue, 'type'), `${path}.pricing.type`),
				billable: optionalBooleanAt(own(pricingValue, 'billable'), `${path}.pricing.billable`),
			})
		: undefined;

	const messageStatus: MessageStatus = defined({
		messageId: stringAt(own(status, 'id'), `${path}.id`),
		status: stringAt(own(status, 'status'), `${path}.status`),
		timestamp: timestampAt(own(status, 'timestamp'), `${path}.timestamp`),
		recipientId,
		recipientUserId,
		recipientType: optionalStringAt(own(status, 'recipient_type'), `${path}.recipient_type`),
		conversation,
		pricing,
		errors: readErrors(own(status, 'errors'), `${path}.errors`),
		callbackData: optionalStringAt(own(status, 'biz_opaque_callback_data'), `${path}.biz_opaque_callback_data`),
	});

	// Statuses have no sender; only join a contact that matches an id (no single-contact fallback).
	const contact = recipientId || recipientUserId ? findContact(scope.contacts, recipientId, recipientUserId) : undefined;
	const customer: Customer = {
		waId: recipientId ?? contact?.waId,
		userId: recipientUserId ?? contact?.userId,
		name: contact?.name,
		username: contact?.username,
	};
	return { conversation: conversationFor(scope, customer, path), status: messageStatus };
}

function readMessagesValue(value: JsonObject, path: string, wabaId: string, parsed: ParsedWebhook): void {
	const metadata = objectAt(own(value, 'metadata'), `${path}.metadata`);
	const scope: ValueScope = {
		wabaId,
		phoneNumberId: stringAt(own(metadata, 'phone_number_id'), `${path}.metadata.phone_number_id`),
		displayPhoneNumber: optionalIdAt(own(metadata, 'display_phone_number'), `${path}.metadata.display_phone_number`),
		contacts: readContactProfiles(own(value, 'contacts'), `${path}.contacts`),
	};

	optionalArrayAt(own(value, 'messages'), `${path}.messages`).forEach((message, index) => {
		parsed.messages.push(readMessage(message, `${path}.messages[${index}]`, scope));
	});
	optionalArrayAt(own(value, 'statuses'), `${path}.statuses`).forEach((status, index) => {
		parsed.statuses.push(readStatus(status, `${path}.statuses[${index}]`, scope));
	});
	for (const error of readErrors(own(value, 'errors'), `${path}.errors`) ?? []) {
		parsed.errors.push(
			defined({
				channel: 'whatsapp' as const,
				wabaId,
				phoneNumberId: scope.phoneNumberId,
				displayPhoneNumber: scope.displayPhoneNumber,
				error,
			}),
		);
	}
}

function readPayload(body: unknown): ParsedWebhook {
	if (!isObject(body)) {
		throw new WebhookPayloadError(
			`Not a WhatsApp webhook payload: the body must be a JSON object, got ${describe(body)}`,
		);
	}
	const object = own(body, 'object');
	if (object !== WHATSAPP_WEBHOOK_OBJECT) {
		throw new WebhookPayloadError(
			`Not a WhatsApp webhook payload: "object" must be "${WHATSAPP_WEBHOOK_OBJECT}", got ${shown(object)}`,
			'object',
		);
	}

	const parsed: ParsedWebhook = { messages: [], statuses: [], errors: [] };
	arrayAt(own(body, 'entry'), 'entry').forEach((entryValue, entryIndex) => {
		const entryPath = `entry[${entryIndex}]`;
		const entry = objectAt(entryValue, entryPath);
		const wabaId = stringAt(own(entry, 'id'), `${entryPath}.id`);
		arrayAt(own(entry, 'changes'), `${entryPath}.changes`).forEach((changeValue, changeIndex) => {
			const changePath = `${entryPath}.changes[${changeIndex}]`;
			const change = objectAt(changeValue, changePath);
			const field = stringAt(own(change, 'field'), `${changePath}.field`);
			const value = own(change, 'value');
			if (isAbsent(value)) fail(`${changePath}.value`, 'is missing');
			// Other subscriptions (account_update, message_template_status_update…) are not ours to handle.
			if (field !== 'messages') return;
			readMessagesValue(objectAt(value, `${changePath}.value`), `${changePath}.value`, wabaId, parsed);
		});
	});
	return parsed;
}

/** Even describing a thrown value can throw (String(Object.create(null))), so guard that too. */
function messageOf(error: unknown): string {
	try {
		return error instanceof Error ? error.message : String(error);
	} catch {
		return 'unknown error';
	}
}

/**
 * Turns a parsed webhook body into events: one per message, status and account-level error, in payload order.
 * Throws only WebhookPayloadError (answer 400) when the body is not a WhatsApp Business Account payload
 * (including one nested deeper than MAX_WEBHOOK_DEPTH). Strings and keys in the events are storable text:
 * no U+0000, no lone surrogates (see storableText).
 */
export function parseWebhookPayload(body: unknown): ParsedWebhook {
	try {
		return readPayload(normaliseJson(body));
	} catch (error) {
		if (error instanceof WebhookPayloadError) throw error;
		// Safety net for inputs no check foresaw (exotic objects, engine limits): still a bad request.
		throw new WebhookPayloadError(`Unreadable webhook payload: ${messageOf(error)}`, undefined, { cause: error });
	}
}

/** JSON-parses the raw POST body, then parses it as a webhook payload. Throws only WebhookPayloadError. */
export function parseWebhookBody(raw: Buffer | string): ParsedWebhook {
	let text: string;
	if (typeof raw === 'string') text = raw;
	else if (Buffer.isBuffer(raw)) text = raw.toString('utf8');
	else throw new WebhookPayloadError(`The webhook body must be raw bytes or a string, got ${describe(raw)}`);

	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch (error) {
		throw new WebhookPayloadError(`Malformed JSON: ${messageOf(error)}`, undefined, { cause: error });
	}
	return parseWebhookPayload(body);
}
