// Checks a POST /{version}/{phone-number-id}/messages body against the Cloud API's rules and limits
// (Meta's "Messages" reference and the per-type guides: text, template, interactive reply buttons,
// list, CTA URL, media, location, contacts, reaction, mark-as-read and typing indicators).
//
// A body that breaks a rule is answered like Meta does: error 100 "(#100) Invalid parameter", with
// `error_data.details` naming the field in Meta's bracket notation, e.g.
// "Param interactive['action']['buttons'][0]['reply']['title'] must be at most 20 characters long."

export type MessageType =
	| 'text'
	| 'template'
	| 'interactive'
	| 'image'
	| 'audio'
	| 'video'
	| 'document'
	| 'sticker'
	| 'location'
	| 'contacts'
	| 'reaction';

export interface ReadRequest {
	kind: 'read';
	messageId: string;
	typingIndicator: boolean;
}

export interface SendRequest {
	kind: 'message';
	type: MessageType;
	/** The `to` value as sent (phone number or group id). */
	to?: string;
	/** The `recipient` value (business-scoped user id, 2026 usernames) when `to` is absent. */
	recipient?: string;
	recipientType: 'individual' | 'group';
	templateName?: string;
	templateLanguage?: string;
	bizOpaqueCallbackData?: string;
	replyToMessageId?: string;
}

export type MessagesRequest = ReadRequest | SendRequest;

export type ValidationResult = { ok: true; request: MessagesRequest } | { ok: false; details: string };

/** Limits from Meta's guides; exported so tests can probe the exact boundaries. */
export const limits = {
	textBody: 4096,
	bizOpaqueCallbackData: 512,
	mediaCaption: 1024,
	interactiveHeaderText: 60,
	interactiveFooterText: 60,
	buttonBody: 1024,
	ctaUrlBody: 1024,
	listBody: 4096,
	replyButtons: 3,
	replyButtonTitle: 20,
	replyButtonId: 256,
	listButtonText: 20,
	listSections: 10,
	listRows: 10,
	listSectionTitle: 24,
	listRowTitle: 24,
	listRowDescription: 72,
	listRowId: 200,
	ctaDisplayText: 20,
	templateName: 512,
	templateHeaderText: 60,
	templateButtons: 10,
	couponCode: 15,
} as const;

const messageTypes: readonly MessageType[] = ['text', 'template', 'interactive', 'image', 'audio', 'video', 'document', 'sticker', 'location', 'contacts', 'reaction'];
type MediaType = 'image' | 'audio' | 'video' | 'document' | 'sticker';
const captionedMediaTypes = new Set(['image', 'video', 'document']);
/** Business-scoped user id: ISO country code, a period, optional "ENT." (parent BSUID), alphanumerics. */
export const businessScopedUserIdPattern = /^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$/;

class Invalid extends Error {}

type Json = Record<string, unknown>;

function fail(details: string): never {
	throw new Invalid(details);
}

function param(path: string): string {
	return `Param ${path}`;
}

function at(path: string, key: string | number): string {
	return typeof key === 'number' ? `${path}[${key}]` : `${path}['${key}']`;
}

function isObject(value: unknown): value is Json {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Meta counts characters, not UTF-16 units: an emoji is one character. */
function characterCount(value: string): number {
	return [...value].length;
}

function requireObject(value: unknown, path: string): Json {
	if (value === undefined) fail(`The parameter ${path} is required.`);
	if (!isObject(value)) fail(`${param(path)} must be an object.`);
	return value;
}

function requireString(value: unknown, path: string, max?: number): string {
	if (value === undefined || value === null) fail(`The parameter ${path} is required.`);
	if (typeof value !== 'string') fail(`${param(path)} must be a string.`);
	if (value.trim().length === 0) fail(`${param(path)} must not be empty.`);
	if (max !== undefined && characterCount(value) > max) fail(`${param(path)} must be at most ${max} characters long.`);
	return value;
}

function optionalString(value: unknown, path: string, max?: number): string | undefined {
	if (value === undefined) return undefined;
	return requireString(value, path, max);
}

function requireArray(value: unknown, path: string, min: number, max: number, what: string): unknown[] {
	if (value === undefined) fail(`The parameter ${path} is required.`);
	if (!Array.isArray(value)) fail(`${param(path)} must be an array.`);
	if (value.length < min) fail(`${param(path)} must have at least ${min} ${what}.`);
	if (value.length > max) fail(`${param(path)} must have at most ${max} ${what}.`);
	return value;
}

function requireHttpUrl(value: unknown, path: string): string {
	const text = requireString(value, path);
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		fail(`${param(path)} must be a valid URL.`);
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`${param(path)} must be an http or https URL.`);
	return text;
}

function requireCoordinate(value: unknown, path: string, limit: number): void {
	if (value === undefined) fail(`The parameter ${path} is required.`);
	if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${param(path)} must be a number.`);
	if (Math.abs(value) > limit) fail(`${param(path)} must be between -${limit} and ${limit}.`);
}

/** A media object is sent by uploaded media `id` or hosted `link`: exactly one of the two. */
function checkMediaObject(value: unknown, path: string): Json {
	const media = requireObject(value, path);
	const hasId = media.id !== undefined;
	const hasLink = media.link !== undefined;
	if (hasId === hasLink) fail(`${param(path)} must contain exactly one of the parameters 'id' or 'link'.`);
	if (hasId) requireString(media.id, at(path, 'id'));
	else requireHttpUrl(media.link, at(path, 'link'));
	return media;
}

function checkUnique(values: string[], path: string, what: string): void {
	const seen = new Set<string>();
	for (const value of values) {
		if (seen.has(value)) fail(`${param(path)} must have unique ${what}; '${value}' is repeated.`);
		seen.add(value);
	}
}

function checkText(message: Json): void {
	const text = requireObject(message.text, 'text');
	requireString(text.body, "text['body']", limits.textBody);
	if (text.preview_url !== undefined && typeof text.preview_url !== 'boolean') fail(`${param("text['preview_url']")} must be a boolean.`);
}

function checkMedia(message: Json, type: MediaType): void {
	const media = checkMediaObject(message[type], type);
	if (media.caption !== undefined) {
		if (!captionedMediaTypes.has(type)) fail(`${param(at(type, 'caption'))} is not supported for ${type} messages.`);
		requireString(media.caption, at(type, 'caption'), limits.mediaCaption);
	}
	if (media.filename !== undefined) {
		if (type !== 'document') fail(`${param(at(type, 'filename'))} is only supported for document messages.`);
		requireString(media.filename, at(type, 'filename'));
	}
}

function checkLocation(message: Json): void {
	const location = requireObject(message.location, 'location');
	requireCoordinate(location.latitude, "location['latitude']", 90);
	requireCoordinate(location.longitude, "location['longitude']", 180);
	optionalString(location.name, "location['name']");
	optionalString(location.address, "location['address']");
}

function checkContacts(message: Json): void {
	const contacts = requireArray(message.contacts, 'contacts', 1, 257, 'contacts');
	contacts.forEach((entry, index) => {
		const contactPath = at('contacts', index);
		const contact = requireObject(entry, contactPath);
		const name = requireObject(contact.name, at(contactPath, 'name'));
		requireString(name.formatted_name, at(at(contactPath, 'name'), 'formatted_name'));
		for (const list of ['phones', 'emails', 'urls', 'addresses'] as const) {
			if (contact[list] !== undefined && !Array.isArray(contact[list])) fail(`${param(at(contactPath, list))} must be an array.`);
		}
	});
}

function checkReaction(message: Json): void {
	const reaction = requireObject(message.reaction, 'reaction');
	requireString(reaction.message_id, "reaction['message_id']");
	// An empty emoji removes a reaction, so only the type is checked.
	if (typeof reaction.emoji !== 'string') fail(`The parameter reaction['emoji'] is required.`);
}

function checkInteractiveHeader(header: Json, allowMedia: boolean): void {
	const type = requireString(header.type, "interactive['header']['type']");
	if (type === 'text') {
		requireString(header.text, "interactive['header']['text']", limits.interactiveHeaderText);
		return;
	}
	if (!allowMedia) fail(`${param("interactive['header']['type']")} must be 'text' for this interactive message type.`);
	if (!['image', 'video', 'document'].includes(type)) fail(`${param("interactive['header']['type']")} must be one of text, image, video, document.`);
	checkMediaObject(header[type], at("interactive['header']", type));
}

function checkReplyButtons(action: Json): void {
	const buttons = requireArray(action.buttons, "interactive['action']['buttons']", 1, limits.replyButtons, 'buttons');
	const ids: string[] = [];
	const titles: string[] = [];
	buttons.forEach((entry, index) => {
		const buttonPath = at("interactive['action']['buttons']", index);
		const button = requireObject(entry, buttonPath);
		if (button.type !== 'reply') fail(`${param(at(buttonPath, 'type'))} must be 'reply'.`);
		const reply = requireObject(button.reply, at(buttonPath, 'reply'));
		const id = requireString(reply.id, at(at(buttonPath, 'reply'), 'id'), limits.replyButtonId);
		if (id !== id.trim()) fail(`${param(at(at(buttonPath, 'reply'), 'id'))} must not have leading or trailing spaces.`);
		ids.push(id);
		titles.push(requireString(reply.title, at(at(buttonPath, 'reply'), 'title'), limits.replyButtonTitle));
	});
	checkUnique(ids, "interactive['action']['buttons']", 'ids');
	checkUnique(titles, "interactive['action']['buttons']", 'titles');
}

function checkList(action: Json): void {
	requireString(action.button, "interactive['action']['button']", limits.listButtonText);
	const sections = requireArray(action.sections, "interactive['action']['sections']", 1, limits.listSections, 'sections');
	const rowIds: string[] = [];
	sections.forEach((entry, sectionIndex) => {
		const sectionPath = at("interactive['action']['sections']", sectionIndex);
		const section = requireObject(entry, sectionPath);
		if (sections.length > 1) requireString(section.title, at(sectionPath, 'title'), limits.listSectionTitle);
		else optionalString(section.title, at(sectionPath, 'title'), limits.listSectionTitle);
		const rows = requireArray(section.rows, at(sectionPath, 'rows'), 1, limits.listRows, 'rows');
		rows.forEach((rowEntry, rowIndex) => {
			const rowPath = at(at(sectionPath, 'rows'), rowIndex);
			const row = requireObject(rowEntry, rowPath);
			rowIds.push(requireString(row.id, at(rowPath, 'id'), limits.listRowId));
			requireString(row.title, at(rowPath, 'title'), limits.listRowTitle);
			optionalString(row.description, at(rowPath, 'description'), limits.listRowDescription);
		});
	});
	if (rowIds.length > limits.listRows) fail(`${param("interactive['action']['sections']")} must have at most ${limits.listRows} rows in total.`);
	checkUnique(rowIds, "interactive['action']['sections']", 'row ids');
}

function checkCtaUrl(action: Json): void {
	if (action.name !== 'cta_url') fail(`${param("interactive['action']['name']")} must be 'cta_url'.`);
	const parameters = requireObject(action.parameters, "interactive['action']['parameters']");
	requireString(parameters.display_text, "interactive['action']['parameters']['display_text']", limits.ctaDisplayText);
	requireHttpUrl(parameters.url, "interactive['action']['parameters']['url']");
}

const otherInteractiveTypes = new Set([
	'flow',
	'product',
	'product_list',
	'catalog_message',
	'location_request_message',
	'address_message',
	'call_permission_request',
	'voice_call',
]);

function checkInteractive(message: Json): void {
	const interactive = requireObject(message.interactive, 'interactive');
	const type = requireString(interactive.type, "interactive['type']");
	if (!['button', 'list', 'cta_url'].includes(type) && !otherInteractiveTypes.has(type)) {
		fail(`${param("interactive['type']")} must be one of button, list, cta_url, ${[...otherInteractiveTypes].join(', ')}.`);
	}
	if (interactive.header !== undefined) checkInteractiveHeader(requireObject(interactive.header, "interactive['header']"), type !== 'list');
	if (interactive.footer !== undefined) {
		const footer = requireObject(interactive.footer, "interactive['footer']");
		requireString(footer.text, "interactive['footer']['text']", limits.interactiveFooterText);
	}
	const bodyLimit = type === 'list' ? limits.listBody : type === 'button' ? limits.buttonBody : limits.ctaUrlBody;
	const bodyRequired = type === 'button' || type === 'list' || type === 'cta_url';
	if (bodyRequired || interactive.body !== undefined) {
		const body = requireObject(interactive.body, "interactive['body']");
		requireString(body.text, "interactive['body']['text']", bodyLimit);
	}
	if (type === 'location_request_message' || type === 'call_permission_request') {
		if (interactive.action !== undefined) requireObject(interactive.action, "interactive['action']");
		return;
	}
	const action = requireObject(interactive.action, "interactive['action']");
	if (type === 'button') checkReplyButtons(action);
	else if (type === 'list') checkList(action);
	else if (type === 'cta_url') checkCtaUrl(action);
}

const templateParameterTypes = new Set(['text', 'currency', 'date_time', 'image', 'video', 'document', 'location', 'payload', 'coupon_code', 'action', 'product']);
const buttonSubTypes = new Set(['quick_reply', 'url', 'copy_code', 'flow', 'catalog', 'mpm', 'voice_call', 'order_details']);

function checkTemplateParameter(entry: unknown, path: string): Json {
	const parameter = requireObject(entry, path);
	const type = requireString(parameter.type, at(path, 'type'));
	if (!templateParameterTypes.has(type)) fail(`${param(at(path, 'type'))} must be one of ${[...templateParameterTypes].join(', ')}.`);
	if (parameter.parameter_name !== undefined) {
		const name = requireString(parameter.parameter_name, at(path, 'parameter_name'));
		if (!/^[a-z0-9_]+$/.test(name)) fail(`${param(at(path, 'parameter_name'))} may only contain lowercase letters, digits and underscores.`);
	}
	switch (type) {
		case 'text':
			requireString(parameter.text, at(path, 'text'));
			break;
		case 'currency': {
			const currency = requireObject(parameter.currency, at(path, 'currency'));
			requireString(currency.fallback_value, at(at(path, 'currency'), 'fallback_value'));
			const code = requireString(currency.code, at(at(path, 'currency'), 'code'));
			if (!/^[A-Z]{3}$/.test(code)) fail(`${param(at(at(path, 'currency'), 'code'))} must be an ISO 4217 currency code.`);
			if (!Number.isInteger(currency.amount_1000)) fail(`${param(at(at(path, 'currency'), 'amount_1000'))} must be an integer.`);
			break;
		}
		case 'date_time': {
			const dateTime = requireObject(parameter.date_time, at(path, 'date_time'));
			requireString(dateTime.fallback_value, at(at(path, 'date_time'), 'fallback_value'));
			break;
		}
		case 'image':
		case 'video':
		case 'document':
			checkMediaObject(parameter[type], at(path, type));
			break;
		case 'location': {
			const location = requireObject(parameter.location, at(path, 'location'));
			requireCoordinate(location.latitude, at(at(path, 'location'), 'latitude'), 90);
			requireCoordinate(location.longitude, at(at(path, 'location'), 'longitude'), 180);
			break;
		}
		case 'payload':
			requireString(parameter.payload, at(path, 'payload'));
			break;
		case 'coupon_code':
			requireString(parameter.coupon_code, at(path, 'coupon_code'), limits.couponCode);
			break;
		case 'action':
			requireObject(parameter.action, at(path, 'action'));
			break;
	}
	return parameter;
}

/** Positional ({{1}}) and named ({{first_name}}) parameters cannot be mixed in one component. */
function checkParameterNaming(parameters: Json[], path: string): void {
	const named = parameters.filter((parameter) => parameter.parameter_name !== undefined).length;
	if (named > 0 && named < parameters.length) fail(`${param(path)} must either name every parameter (parameter_name) or none.`);
	checkUnique(
		parameters.filter((parameter) => typeof parameter.parameter_name === 'string').map((parameter) => parameter.parameter_name as string),
		path,
		'parameter names',
	);
}

function checkTemplateButton(component: Json, path: string, seenIndexes: Set<number>): void {
	const subType = requireString(component.sub_type, at(path, 'sub_type'));
	if (!buttonSubTypes.has(subType)) fail(`${param(at(path, 'sub_type'))} must be one of ${[...buttonSubTypes].join(', ')}.`);
	const rawIndex = component.index;
	if (rawIndex === undefined) fail(`The parameter ${at(path, 'index')} is required.`);
	const index = typeof rawIndex === 'string' && /^\d+$/.test(rawIndex) ? Number(rawIndex) : rawIndex;
	if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= limits.templateButtons) {
		fail(`${param(at(path, 'index'))} must be an integer between 0 and ${limits.templateButtons - 1}.`);
	}
	if (seenIndexes.has(index)) fail(`${param(at(path, 'index'))} must be unique; button index ${index} is repeated.`);
	seenIndexes.add(index);
	const expectedType: Record<string, string> = { quick_reply: 'payload', url: 'text', copy_code: 'coupon_code', flow: 'action' };
	const parameters = component.parameters === undefined ? [] : requireArray(component.parameters, at(path, 'parameters'), 0, 10, 'parameters');
	if (subType === 'url' || subType === 'copy_code') {
		if (parameters.length !== 1) fail(`${param(at(path, 'parameters'))} must have exactly 1 parameter for a ${subType} button.`);
	}
	parameters.forEach((entry, parameterIndex) => {
		const parameterPath = at(at(path, 'parameters'), parameterIndex);
		const parameter = checkTemplateParameter(entry, parameterPath);
		const expected = expectedType[subType];
		if (expected !== undefined && parameter.type !== expected) fail(`${param(at(parameterPath, 'type'))} must be '${expected}' for a ${subType} button.`);
	});
}

function checkTemplate(message: Json): { name: string; language: string } {
	const template = requireObject(message.template, 'template');
	const name = requireString(template.name, "template['name']", limits.templateName);
	const language = requireObject(template.language, "template['language']");
	const code = requireString(language.code, "template['language']['code']");
	if (language.policy !== undefined && language.policy !== 'deterministic') fail(`${param("template['language']['policy']")} must be 'deterministic'.`);
	if (template.components === undefined) return { name, language: code };
	const components = requireArray(template.components, "template['components']", 0, 20, 'components');
	const seenButtonIndexes = new Set<number>();
	components.forEach((entry, index) => {
		const path = at("template['components']", index);
		const component = requireObject(entry, path);
		const type = requireString(component.type, at(path, 'type'));
		if (type === 'button') {
			checkTemplateButton(component, path, seenButtonIndexes);
			return;
		}
		if (type !== 'header' && type !== 'body' && type !== 'carousel' && type !== 'limited_time_offer') {
			fail(`${param(at(path, 'type'))} must be one of header, body, button, carousel, limited_time_offer.`);
		}
		if (type !== 'header' && type !== 'body') return;
		if (component.parameters === undefined) return;
		const max = type === 'header' ? 1 : 100;
		const parameters = requireArray(component.parameters, at(path, 'parameters'), 1, max, 'parameters').map((parameter, parameterIndex) =>
			checkTemplateParameter(parameter, at(at(path, 'parameters'), parameterIndex)),
		);
		checkParameterNaming(parameters, at(path, 'parameters'));
		if (type === 'header' && parameters[0].type === 'text') {
			requireString(parameters[0].text, at(at(at(path, 'parameters'), 0), 'text'), limits.templateHeaderText);
		}
		if (type === 'body') {
			for (const [parameterIndex, parameter] of parameters.entries()) {
				if (!['text', 'currency', 'date_time'].includes(parameter.type as string)) {
					fail(`${param(at(at(at(path, 'parameters'), parameterIndex), 'type'))} must be text, currency or date_time in a body component.`);
				}
			}
		}
	});
	return { name, language: code };
}

function checkRecipient(message: Json): Pick<SendRequest, 'to' | 'recipient' | 'recipientType'> {
	const recipientType = message.recipient_type ?? 'individual';
	if (recipientType !== 'individual' && recipientType !== 'group') fail(`${param('recipient_type')} must be 'individual' or 'group'.`);
	if (message.to === undefined && message.recipient === undefined) fail('The parameter to is required.');
	let to: string | undefined;
	if (message.to !== undefined) {
		to = requireString(message.to, 'to');
		if (recipientType === 'individual') {
			const digits = to.replace(/\D/g, '');
			if (!/^\+?[\d\s\-().]+$/.test(to) || digits.length < 7 || digits.length > 15) fail(`${param('to')} must be a phone number in international format.`);
		}
	}
	let recipient: string | undefined;
	if (message.recipient !== undefined) {
		recipient = requireString(message.recipient, 'recipient');
		if (!businessScopedUserIdPattern.test(recipient)) fail(`${param('recipient')} must be a business-scoped user id such as US.13491208655302741918.`);
	}
	return { to, recipient, recipientType };
}

function checkRead(message: Json): ReadRequest {
	if (message.status !== 'read') fail(`${param('status')} must be 'read'.`);
	const messageId = requireString(message.message_id, 'message_id');
	let typingIndicator = false;
	if (message.typing_indicator !== undefined) {
		const indicator = requireObject(message.typing_indicator, 'typing_indicator');
		if (indicator.type !== 'text') fail(`${param("typing_indicator['type']")} must be 'text'.`);
		typingIndicator = true;
	}
	return { kind: 'read', messageId, typingIndicator };
}

function checkSend(message: Json): SendRequest {
	const recipient = checkRecipient(message);
	const rawType = message.type ?? 'text';
	if (typeof rawType !== 'string' || !messageTypes.includes(rawType as MessageType)) fail(`${param('type')} must be one of ${messageTypes.join(', ')}.`);
	const type = rawType as MessageType;
	let replyToMessageId: string | undefined;
	if (message.context !== undefined) {
		const context = requireObject(message.context, 'context');
		replyToMessageId = requireString(context.message_id, "context['message_id']");
	}
	const bizOpaqueCallbackData = optionalString(message.biz_opaque_callback_data, 'biz_opaque_callback_data', limits.bizOpaqueCallbackData);
	const request: SendRequest = { kind: 'message', type, ...recipient, bizOpaqueCallbackData, replyToMessageId };
	switch (type) {
		case 'text':
			checkText(message);
			break;
		case 'template': {
			const template = checkTemplate(message);
			request.templateName = template.name;
			request.templateLanguage = template.language;
			break;
		}
		case 'interactive':
			checkInteractive(message);
			break;
		case 'location':
			checkLocation(message);
			break;
		case 'contacts':
			checkContacts(message);
			break;
		case 'reaction':
			checkReaction(message);
			break;
		default:
			checkMedia(message, type);
	}
	return request;
}

/** Validates a parsed JSON body sent to POST …/messages. */
export function validateMessagesRequest(body: unknown): ValidationResult {
	try {
		if (!isObject(body)) fail('The request body must be a JSON object.');
		if (body.messaging_product === undefined) fail('The parameter messaging_product is required.');
		if (body.messaging_product !== 'whatsapp') fail(`${param('messaging_product')} must be 'whatsapp'.`);
		const isReadReceipt = body.status !== undefined || body.typing_indicator !== undefined;
		const request = isReadReceipt ? checkRead(body) : checkSend(body);
		return { ok: true, request };
	} catch (error) {
		if (error instanceof Invalid) return { ok: false, details: error.message };
		throw error;
	}
}
