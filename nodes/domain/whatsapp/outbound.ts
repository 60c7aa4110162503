/**
 * Builds Cloud API message objects for POST /{phone-number-id}/messages, checking Meta's limits before
 * anything is sent, so a bad message fails with a clear hint instead of a Graph error.
 */
import { splitText } from './text';

export class OutgoingMessageError extends Error {
	constructor(
		message: string,
		readonly hint: string,
	) {
		super(message);
		this.name = 'OutgoingMessageError';
	}
}

export const LIMITS = {
	text: 4096,
	interactiveBody: 1024,
	interactiveHeader: 60,
	interactiveFooter: 60,
	buttons: 3,
	buttonTitle: 20,
	replyId: 256,
	listButton: 20,
	listSections: 10,
	listRows: 10,
	listRowTitle: 24,
	listRowDescription: 72,
	listSectionTitle: 24,
	caption: 1024,
	callbackData: 512,
} as const;

export interface Recipient {
	waId?: string;
	userId?: string;
}

export interface MessageOptions {
	/** Quote this inbound message (shown as a reply bubble). */
	replyToMessageId?: string;
	/** Comes back on every status of this message, so statuses can be tied to the conversation. */
	callbackData?: string;
}

export type CloudApiMessage = Record<string, unknown>;

function requireLength(value: string, max: number, field: string): void {
	if (value.length > max) {
		throw new OutgoingMessageError(
			`${field} is ${value.length} characters; WhatsApp allows at most ${max}`,
			`Shorten ${field.toLowerCase()} to ${max} characters or fewer.`,
		);
	}
}

function requireText(value: string | undefined, field: string): string {
	const text = (value ?? '').toString();
	if (text.trim() === '') {
		throw new OutgoingMessageError(`${field} is empty`, `Fill in ${field.toLowerCase()}, or check the expression that provides it.`);
	}
	return text;
}

/** The fields every message shares: product, recipient, reply context and callback data. */
export function messageBase(recipient: Recipient, options: MessageOptions = {}): CloudApiMessage {
	const base: CloudApiMessage = { messaging_product: 'whatsapp', recipient_type: 'individual' };
	if (recipient.waId) base.to = recipient.waId;
	else if (recipient.userId) base.recipient = recipient.userId;
	else {
		throw new OutgoingMessageError(
			'No recipient: the customer has neither a WhatsApp id nor a user id',
			'Connect this node after the WhatsApp AI Trigger, or set a custom recipient phone number.',
		);
	}
	if (options.replyToMessageId) base.context = { message_id: options.replyToMessageId };
	if (options.callbackData) {
		requireLength(options.callbackData, LIMITS.callbackData, 'Callback data');
		base.biz_opaque_callback_data = options.callbackData;
	}
	return base;
}

/** One message per part: text past 4096 characters is split, formatting kept. */
export function buildTextMessages(
	recipient: Recipient,
	text: string | undefined,
	options: MessageOptions & { previewUrl?: boolean } = {},
): CloudApiMessage[] {
	const body = requireText(text, 'Text');
	return splitText(body, LIMITS.text).map((part, index) => ({
		// Only the first part quotes the customer's message.
		...messageBase(recipient, index === 0 ? options : { callbackData: options.callbackData }),
		type: 'text',
		text: { body: part, preview_url: options.previewUrl ?? false },
	}));
}

export interface TemplateParameter {
	/** text (default), currency, date_time, image, video, document, payload, coupon_code… */
	type?: string;
	value: string;
	/** Set for templates with named parameters ({{guest_name}}). */
	parameterName?: string;
}

export interface TemplateButtonParameter {
	subType: 'quick_reply' | 'url' | 'copy_code' | 'flow' | string;
	index: number;
	value: string;
}

export interface TemplateSpec {
	name: string;
	languageCode: string;
	headerParameters?: TemplateParameter[];
	bodyParameters?: TemplateParameter[];
	buttonParameters?: TemplateButtonParameter[];
}

const MEDIA_TYPES = new Set(['image', 'video', 'document']);

function templateParameter(parameter: TemplateParameter): Record<string, unknown> {
	const type = parameter.type || 'text';
	const built: Record<string, unknown> = { type };
	if (type === 'text') built.text = parameter.value;
	else if (MEDIA_TYPES.has(type)) built[type] = /^https?:\/\//.test(parameter.value) ? { link: parameter.value } : { id: parameter.value };
	else if (type === 'currency') {
		const [amount, code] = parameter.value.split(/\s+/);
		built.currency = { fallback_value: parameter.value, code: code ?? 'EUR', amount_1000: Math.round(Number(amount) * 1000) };
	} else if (type === 'date_time') built.date_time = { fallback_value: parameter.value };
	else built[type] = parameter.value;
	if (parameter.parameterName) built.parameter_name = parameter.parameterName;
	return built;
}

export function buildTemplateMessage(recipient: Recipient, template: TemplateSpec, options: MessageOptions = {}): CloudApiMessage {
	const name = requireText(template.name, 'Template name').trim();
	if (!/^[a-z0-9_]+$/.test(name)) {
		throw new OutgoingMessageError(
			`Template name "${name}" is not a valid WhatsApp template name`,
			'Use the template name exactly as approved in WhatsApp Manager: lower-case letters, digits and underscores.',
		);
	}
	const components: Array<Record<string, unknown>> = [];
	if (template.headerParameters?.length) {
		components.push({ type: 'header', parameters: template.headerParameters.map(templateParameter) });
	}
	if (template.bodyParameters?.length) {
		components.push({ type: 'body', parameters: template.bodyParameters.map(templateParameter) });
	}
	for (const button of template.buttonParameters ?? []) {
		const parameter =
			button.subType === 'quick_reply'
				? { type: 'payload', payload: button.value }
				: button.subType === 'copy_code'
					? { type: 'coupon_code', coupon_code: button.value }
					: { type: 'text', text: button.value };
		components.push({ type: 'button', sub_type: button.subType, index: String(button.index), parameters: [parameter] });
	}
	const named = [...(template.headerParameters ?? []), ...(template.bodyParameters ?? [])];
	if (named.some((parameter) => parameter.parameterName) && named.some((parameter) => !parameter.parameterName)) {
		throw new OutgoingMessageError(
			'Template parameters mix named and positional parameters',
			'A template uses either named parameters ({{guest_name}}) or positional ones ({{1}}): give every parameter a name, or none.',
		);
	}
	return {
		...messageBase(recipient, options),
		type: 'template',
		template: {
			name,
			language: { code: requireText(template.languageCode, 'Template language').trim() },
			...(components.length ? { components } : {}),
		},
	};
}

export interface InteractiveFrame {
	body: string;
	header?: string;
	footer?: string;
}

function interactiveFrame(frame: InteractiveFrame): Record<string, unknown> {
	const body = requireText(frame.body, 'Body text');
	requireLength(body, LIMITS.interactiveBody, 'Body text');
	const built: Record<string, unknown> = { body: { text: body } };
	if (frame.header) {
		requireLength(frame.header, LIMITS.interactiveHeader, 'Header text');
		built.header = { type: 'text', text: frame.header };
	}
	if (frame.footer) {
		requireLength(frame.footer, LIMITS.interactiveFooter, 'Footer text');
		built.footer = { text: frame.footer };
	}
	return built;
}

function checkReplyIds(ids: string[], what: string): void {
	const seen = new Set<string>();
	for (const id of ids) {
		requireText(id, `${what} id`);
		requireLength(id, LIMITS.replyId, `${what} id`);
		if (seen.has(id)) {
			throw new OutgoingMessageError(`${what} id "${id}" is used twice`, `Give every ${what.toLowerCase()} its own id.`);
		}
		seen.add(id);
	}
}

export function buildButtonsMessage(
	recipient: Recipient,
	message: InteractiveFrame & { buttons: Array<{ id: string; title: string }> },
	options: MessageOptions = {},
): CloudApiMessage {
	const buttons = message.buttons ?? [];
	if (buttons.length < 1 || buttons.length > LIMITS.buttons) {
		throw new OutgoingMessageError(
			`${buttons.length} reply buttons given; WhatsApp allows 1 to ${LIMITS.buttons}`,
			'Use at most 3 reply buttons, or send a list message for more choices (up to 10).',
		);
	}
	for (const button of buttons) {
		requireLength(requireText(button.title, 'Button title'), LIMITS.buttonTitle, `Button title "${button.title}"`);
	}
	checkReplyIds(
		buttons.map((button) => button.id),
		'Button',
	);
	return {
		...messageBase(recipient, options),
		type: 'interactive',
		interactive: {
			type: 'button',
			...interactiveFrame(message),
			action: { buttons: buttons.map((button) => ({ type: 'reply', reply: { id: button.id, title: button.title } })) },
		},
	};
}

export interface ListRow {
	id: string;
	title: string;
	description?: string;
}

export interface ListSection {
	title?: string;
	rows: ListRow[];
}

export function buildListMessage(
	recipient: Recipient,
	message: InteractiveFrame & { buttonText: string; sections: ListSection[] },
	options: MessageOptions = {},
): CloudApiMessage {
	const sections = (message.sections ?? []).filter((section) => section.rows?.length);
	const rows = sections.flatMap((section) => section.rows);
	if (rows.length < 1 || rows.length > LIMITS.listRows) {
		throw new OutgoingMessageError(
			`${rows.length} list rows given; WhatsApp allows 1 to ${LIMITS.listRows} in total`,
			'Keep the list to 10 rows at most across all sections.',
		);
	}
	if (sections.length > LIMITS.listSections) {
		throw new OutgoingMessageError(`${sections.length} sections given; WhatsApp allows at most 10`, 'Merge sections.');
	}
	requireLength(requireText(message.buttonText, 'List button text'), LIMITS.listButton, 'List button text');
	for (const section of sections) {
		if (sections.length > 1 && !section.title) {
			throw new OutgoingMessageError('A list with several sections needs a title on each', 'Give every section a title.');
		}
		if (section.title) requireLength(section.title, LIMITS.listSectionTitle, `Section title "${section.title}"`);
		for (const row of section.rows) {
			requireLength(requireText(row.title, 'Row title'), LIMITS.listRowTitle, `Row title "${row.title}"`);
			if (row.description) requireLength(row.description, LIMITS.listRowDescription, `Row description of "${row.title}"`);
		}
	}
	checkReplyIds(
		rows.map((row) => row.id),
		'Row',
	);
	return {
		...messageBase(recipient, options),
		type: 'interactive',
		interactive: {
			type: 'list',
			...interactiveFrame(message),
			action: {
				button: message.buttonText,
				sections: sections.map((section) => ({
					...(section.title ? { title: section.title } : {}),
					rows: section.rows.map((row) => ({
						id: row.id,
						title: row.title,
						...(row.description ? { description: row.description } : {}),
					})),
				})),
			},
		},
	};
}

export type MediaType = 'image' | 'audio' | 'video' | 'document' | 'sticker';

export function buildMediaMessage(
	recipient: Recipient,
	media: { mediaType: MediaType; id?: string; link?: string; caption?: string; filename?: string },
	options: MessageOptions = {},
): CloudApiMessage {
	const id = media.id?.trim();
	const link = media.link?.trim();
	if (Boolean(id) === Boolean(link)) {
		throw new OutgoingMessageError(
			'Give either a media id or a link, not both and not neither',
			'Use a media id from an upload (valid 30 days) or a public HTTPS link.',
		);
	}
	if (link && !/^https?:\/\//.test(link)) {
		throw new OutgoingMessageError(`Media link "${link}" is not an http(s) URL`, 'Use a public HTTPS link to the file.');
	}
	const object: Record<string, unknown> = id ? { id } : { link };
	if (media.caption) {
		if (media.mediaType === 'audio' || media.mediaType === 'sticker') {
			throw new OutgoingMessageError(`A ${media.mediaType} cannot have a caption`, 'Remove the caption, or send it as a text message.');
		}
		requireLength(media.caption, LIMITS.caption, 'Caption');
		object.caption = media.caption;
	}
	if (media.filename && media.mediaType === 'document') object.filename = media.filename;
	return { ...messageBase(recipient, options), type: media.mediaType, [media.mediaType]: object };
}

/**
 * The reply an item carries, as AI Reply, Small Talk and the Conversation Form write it:
 * `{ text, language, source, buttons?: [{ id, title }], list?: { button, sections: [{ title?, rows }] } }`.
 */
export interface ItemReply {
	text: string;
	buttons?: Array<{ id: string; title: string }>;
	list?: { button: string; sections: ListSection[] };
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The item's reply as messages: a list when it has one, reply buttons when it has them, else text (split past 4096). */
export function buildReplyMessages(recipient: Recipient, reply: unknown, options: MessageOptions & { previewUrl?: boolean } = {}): CloudApiMessage[] {
	if (!isObject(reply) || typeof reply.text !== 'string') {
		throw new OutgoingMessageError(
			'The item has no reply to send (reply.text)',
			'Connect this node after AI Reply, Small Talk or the Conversation Form, or set reply.text (and reply.buttons or reply.list) with a Set node.',
		);
	}
	const { text, buttons, list } = reply as unknown as ItemReply;
	if (list !== undefined && list !== null) {
		if (!isObject(list) || !Array.isArray(list.sections)) {
			throw new OutgoingMessageError('reply.list needs a button text and sections', 'Give reply.list as { button, sections: [{ title?, rows: [{ id, title }] }] }.');
		}
		return [buildListMessage(recipient, { body: text, buttonText: list.button, sections: list.sections }, options)];
	}
	if (Array.isArray(buttons) && buttons.length > 0) {
		return [buildButtonsMessage(recipient, { body: text, buttons: buttons.map((button) => ({ id: button.id || button.title, title: button.title })) }, options)];
	}
	return buildTextMessages(recipient, text, options);
}

/**
 * The language to send a template in: the first of the guest's languages (most trusted first) the
 * template is approved in, matched exactly ("pt_BR") or by language ("en" ↔ "en_US"); else the fallback.
 */
export function chooseTemplateLanguage(guestLanguages: Array<string | null | undefined>, approved: string[], fallback: string): string {
	const normalize = (code: string) => code.trim().replace('-', '_').toLowerCase();
	const base = (code: string) => normalize(code).split('_')[0];
	const available = approved.map((code) => code.trim()).filter(Boolean);
	for (const candidate of guestLanguages) {
		if (!candidate || candidate === 'unknown') continue;
		const exact = available.find((code) => normalize(code) === normalize(candidate));
		if (exact) return exact;
		const sameLanguage = available.find((code) => base(code) === base(candidate));
		if (sameLanguage) return sameLanguage;
	}
	return fallback;
}
