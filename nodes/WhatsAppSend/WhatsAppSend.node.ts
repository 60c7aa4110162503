import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { routeItems } from '../glue/items';
import { field, itemParameter } from '../glue/parameters';
import { getSupportStore, supportStoreConnectionTest, supportStoreProperty } from '../glue/store';
import { graphClientFor, readWhatsAppCredentials, WHATSAPP_CREDENTIAL, whatsAppCloudApiTest } from '../glue/whatsapp';
import { readConversation, type ConversationRef } from '../domain/envelope';
import type { SupportStore } from '../domain/store';
import {
	buildButtonsMessage,
	buildListMessage,
	buildMediaMessage,
	buildReplyMessages,
	buildTemplateMessage,
	chooseTemplateLanguage,
	buildTextMessages,
	type CloudApiMessage,
	type ListSection,
	type MediaType,
	type MessageOptions,
	type Recipient,
	type TemplateParameter,
} from '../domain/whatsapp/outbound';
import { defaultCallbackData, deliverMessages } from '../domain/whatsapp/send';
import { unmaskPii } from '../domain/privacy/pii';
import { recallRestoreMap, restoreVaultKey } from '../domain/privacy/restore-vault';
import { mapStrings } from '../domain/tools/tool-loop';
import { deliverWebMessages, isWebConversation, webMessageFromCloudPayload, WebDeliveryError, type WebOutboundMessage } from '../domain/channels/web';
import { DEFAULT_MESSAGE_ID_EXPRESSION, DEFAULT_TEXT_EXPRESSION, sendProperties } from './description';

interface SendOptions {
	callbackData?: string;
	fallbackTemplateName?: string;
	fallbackTemplateLanguage?: string;
	fallbackTemplateParameters?: string;
	maxRetries?: number;
	quoteMessage?: boolean;
	author?: 'bot' | 'agent' | 'system';
	internalRole?: string;
	restorePersonalData?: boolean;
}

function collection<T>(value: unknown, key: string): T[] {
	return ((value as Record<string, T[]> | undefined)?.[key] ?? []) as T[];
}

export class WhatsAppSend implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WhatsApp Send',
		name: 'whatsAppSend',
		icon: 'file:whatsApp.svg',
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"] === "send" ? "Send " + $parameter["messageType"] : $parameter["operation"]}}',
		description: 'Sends WhatsApp messages (text, templates, buttons, lists, media) to the customer and stores them',
		defaults: { name: 'WhatsApp Send' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'whatsAppCloudApi', required: true, testedBy: 'whatsAppCloudApiTest' },
			{
				name: 'whatsAppSupportStorePostgresApi',
				required: true,
				displayOptions: { show: { supportStore: ['postgres'] } },
				testedBy: 'supportStoreConnectionTest',
			},
		],
		properties: [...sendProperties, supportStoreProperty],
	};

	methods = { credentialTest: { whatsAppCloudApiTest, supportStoreConnectionTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const credentials = readWhatsAppCredentials(await this.getCredentials(WHATSAPP_CREDENTIAL));
		return await routeItems(this, 1, async (json, itemIndex) => {
			const operation = this.getNodeParameter('operation', itemIndex) as string;
			if (operation !== 'send') {
				// A web chat has no read receipts; its widget shows the typing indicator itself.
				if (isWebConversation(json.conversation as { channel?: unknown } | undefined)) {
					return [0, { ...json, sent: { operation, skipped: 'web chat' } }];
				}
				const messageId = String(itemParameter(this, 'messageId', itemIndex, DEFAULT_MESSAGE_ID_EXPRESSION, (input) => field(input.message, 'id')) ?? '').trim();
				if (!messageId) {
					throw new NodeOperationError(this.getNode(), 'No message ID to mark as read', {
						itemIndex,
						description: "Connect this node after the WhatsApp AI Trigger, or set 'Message ID'.",
					});
				}
				await graphClientFor(credentials).markAsRead(messageId, operation === 'typing');
				return [0, { ...json, sent: { operation, messageId } }];
			}

			const options = this.getNodeParameter('options', itemIndex, {}) as SendOptions;
			const conversation = recipientConversation(this, json, itemIndex, credentials.phoneNumberId);
			const recipient: Recipient = { waId: conversation.customer.waId, userId: conversation.customer.userId };
			const incomingId = (json.message as { id?: string } | undefined)?.id;
			const messageOptions: MessageOptions = {
				replyToMessageId: options.quoteMessage ? incomingId : undefined,
				callbackData: options.callbackData || defaultCallbackData(conversation),
			};
			const store = await getSupportStore(this, itemIndex);
			const templateLanguage = await templateLanguageFor(this, json, itemIndex, conversation, store);
			let payloads = buildPayloads(this, itemIndex, json, recipient, messageOptions, templateLanguage);
			// A model's answer written over masked text (n8n's AI Agent, a Code node …) may hold placeholders such
			// as [EMAIL_1]: the guest gets their own values back, from this execution's memory (never stored in items).
			const restoreMap = options.restorePersonalData === false ? undefined : recallRestoreMap(restoreVaultKey(this.getExecutionId(), incomingId));
			if (restoreMap) payloads = payloads.map((payload) => mapStrings(payload, (text) => unmaskPii(text, restoreMap)) as typeof payload);
			const fallbackTemplate = options.fallbackTemplateName
				? buildTemplateMessage(
						recipient,
						{
							name: options.fallbackTemplateName,
							languageCode: options.fallbackTemplateLanguage || 'en',
							bodyParameters: (options.fallbackTemplateParameters ?? '')
								.split('|')
								.map((value) => value.trim())
								.filter((value) => value !== '')
								.map((value) => ({ value })),
						},
						{ callbackData: messageOptions.callbackData },
					)
				: undefined;

			if (isWebConversation(conversation)) {
				const web = await deliverWebMessages(store, conversation, webMessagesFrom(this, payloads, itemIndex), options.author ?? 'bot');
				return [
					0,
					{
						...json,
						conversation: { ...conversation, id: web.conversationId },
						sent: {
							operation,
							channel: conversation.channel,
							messageType: this.getNodeParameter('messageType', itemIndex) as string,
							messageIds: web.messageIds,
							parts: web.messageIds.length,
							attempts: web.messageIds.length,
							fallbackTemplateUsed: null,
							callbackData: messageOptions.callbackData,
							sentAt: new Date().toISOString(),
						},
					},
				];
			}
			const client = graphClientFor(credentials, { retry: { maxRetries: options.maxRetries ?? 4 } });
			const result = await deliverMessages({
				client,
				store,
				conversation,
				payloads,
				fallbackTemplate,
				author: options.author ?? 'bot',
			});
			if (options.internalRole) await store.markConversationInternal(result.conversationId, options.internalRole);
			return [
				0,
				{
					...json,
					conversation: { ...conversation, id: result.conversationId },
					sent: {
						operation,
						messageType: this.getNodeParameter('messageType', itemIndex) as string,
						messageIds: result.messageIds,
						parts: result.messageIds.length,
						attempts: result.attempts,
						fallbackTemplateUsed: result.fallbackUsed ? options.fallbackTemplateName : null,
						callbackData: messageOptions.callbackData,
						sentAt: new Date().toISOString(),
					},
				},
			];
		});
	}
}

/** The widget messages for a web conversation: the same payloads WhatsApp would get, shown in the widget. */
function webMessagesFrom(context: IExecuteFunctions, payloads: CloudApiMessage[], itemIndex: number): WebOutboundMessage[] {
	try {
		return payloads.map(webMessageFromCloudPayload);
	} catch (error) {
		if (error instanceof WebDeliveryError) throw new NodeOperationError(context.getNode(), error.message, { itemIndex, description: error.hint });
		throw error;
	}
}

function recipientConversation(
context: IExecuteFunctions,
	json: IDataObject,
	itemIndex: number,
	phoneNumberId: string,
): ConversationRef & { id?: string } {
	if (context.getNodeParameter('recipientSource', itemIndex, 'envelope') === 'custom') {
		const to = String(context.getNodeParameter('to', itemIndex, '')).replace(/[^\d]/g, '');
		if (to.length < 6) {
			throw new NodeOperationError(context.getNode(), 'The phone number is missing or too short', {
				itemIndex,
				description: 'Give the number in international format with country code, digits only, e.g. 31612345678.',
			});
		}
		return { channel: 'whatsapp', phoneNumberId, customer: { waId: to } };
	}
	return readConversation(json);
}

/**
 * The template's language: with Approved Languages set, the guest's (the classified language, then the
 * last known one in the store) when the template is approved in it, else Language Code.
 */
async function templateLanguageFor(
	context: IExecuteFunctions,
	json: IDataObject,
	itemIndex: number,
	conversation: ConversationRef & { id?: string },
	store: SupportStore,
): Promise<string> {
	const fallback = context.getNodeParameter('templateLanguage', itemIndex, 'en') as string;
	if (context.getNodeParameter('messageType', itemIndex) !== 'template') return fallback;
	const approved = String(context.getNodeParameter('templateLanguages', itemIndex, '') ?? '')
		.split(',')
		.map((code) => code.trim())
		.filter(Boolean);
	if (approved.length === 0) return fallback;
	const stored = conversation.id ? (await store.getConversation(conversation.id))?.language : undefined;
	const classified = (json.nlu as { language?: string } | undefined)?.language;
	const profile = (json.profile as { language?: string } | undefined)?.language;
	return chooseTemplateLanguage([classified, profile, stored], approved, fallback);
}

function buildPayloads(
context: IExecuteFunctions,
	itemIndex: number,
	json: IDataObject,
	recipient: Recipient,
	options: MessageOptions,
	templateLanguage: string,
): CloudApiMessage[] {
	const parameter = <T>(name: string, fallback?: T) => context.getNodeParameter(name, itemIndex, fallback) as T;
	const kind = parameter<string>('messageType');
	switch (kind) {
		case 'text':
			return buildTextMessages(recipient, itemParameter(context, 'text', itemIndex, DEFAULT_TEXT_EXPRESSION, (json) => field(json.reply, 'text')) as string | undefined, {
				...options,
				previewUrl: parameter<boolean>('previewUrl', false),
			});
		case 'template': {
			const parameters = (name: string) =>
				collection<TemplateParameter>(parameter(name, {}), 'parameter').map((entry) => ({
					type: entry.type,
					value: String(entry.value ?? ''),
					parameterName: entry.parameterName || undefined,
				}));
			return [
				buildTemplateMessage(
					recipient,
					{
						name: parameter<string>('templateName', ''),
						languageCode: templateLanguage,
						headerParameters: parameters('headerParameters'),
						bodyParameters: parameters('bodyParameters'),
						buttonParameters: collection<{ subType: string; index: number; value: string }>(
							parameter('buttonParameters', {}),
							'button',
						),
					},
					options,
				),
			];
		}
		case 'reply':
			return buildReplyMessages(recipient, json.reply, { ...options, previewUrl: parameter<boolean>('previewUrl', false) });
		case 'buttons':
			return [
				buildButtonsMessage(
					recipient,
					{
						body: parameter<string>('body', ''),
						header: parameter<string>('header', '') || undefined,
						footer: parameter<string>('footer', '') || undefined,
						buttons: collection<{ id?: string; title: string }>(parameter('buttons', {}), 'button').map((button) => ({
							id: button.id || button.title,
							title: button.title,
						})),
					},
					options,
				),
			];
		case 'list': {
			const sections: ListSection[] = [];
			for (const row of collection<{ id?: string; title: string; description?: string; section?: string }>(
				parameter('rows', {}),
				'row',
			)) {
				const title = row.section || undefined;
				let section = sections.find((each) => each.title === title);
				if (!section) sections.push((section = { title, rows: [] }));
				section.rows.push({ id: row.id || row.title, title: row.title, description: row.description || undefined });
			}
			return [
				buildListMessage(
					recipient,
					{
						body: parameter<string>('body', ''),
						header: parameter<string>('header', '') || undefined,
						footer: parameter<string>('footer', '') || undefined,
						buttonText: parameter<string>('buttonText', ''),
						sections,
					},
					options,
				),
			];
		}
		case 'media': {
			const source = parameter<string>('mediaSource', 'link');
			const value = parameter<string>('media', '');
			return [
				buildMediaMessage(
					recipient,
					{
						mediaType: parameter<MediaType>('mediaType', 'image'),
						id: source === 'id' ? value : undefined,
						link: source === 'link' ? value : undefined,
						caption: parameter<string>('caption', '') || undefined,
						filename: parameter<string>('filename', '') || undefined,
					},
					options,
				),
			];
		}
		default:
			throw new NodeOperationError(context.getNode(), `Unknown message type "${kind}"`, {
				itemIndex,
				description: 'Choose a message type on the node.',
			});
	}
}
