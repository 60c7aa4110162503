/** n8n glue for the WhatsApp Cloud API credential: reading it, the Graph client, its Test button, sending a text. */
import type { ICredentialDataDecryptedObject, ICredentialTestFunction, IExecuteFunctions } from 'n8n-workflow';

import { deliverWebMessages, isWebConversation } from '../domain/channels/web';
import type { ConversationRef } from '../domain/envelope';
import type { SupportStore } from '../domain/store';
import { GraphClient, type GraphClientConfig } from '../domain/whatsapp/graph-client';
import { GraphApiError } from '../domain/whatsapp/graph-errors';
import { buildTextMessages } from '../domain/whatsapp/outbound';
import { deliverMessages } from '../domain/whatsapp/send';

export const WHATSAPP_CREDENTIAL = 'whatsAppCloudApi';

export interface WhatsAppCredentials {
	accessToken: string;
	phoneNumberId: string;
	businessAccountId: string;
	appSecret: string;
	verifyToken: string;
	apiVersion: string;
	baseUrl: string;
}

export function readWhatsAppCredentials(data: ICredentialDataDecryptedObject): WhatsAppCredentials {
	const text = (key: string) => (data[key] === undefined || data[key] === null ? '' : String(data[key]).trim());
	return {
		accessToken: text('accessToken'),
		phoneNumberId: text('phoneNumberId'),
		businessAccountId: text('businessAccountId'),
		appSecret: text('appSecret'),
		verifyToken: text('verifyToken'),
		apiVersion: text('apiVersion') || 'v24.0',
		baseUrl: text('baseUrl') || 'https://graph.facebook.com',
	};
}

export function graphClientFor(
	credentials: WhatsAppCredentials,
	options: Pick<GraphClientConfig, 'retry' | 'timeoutMs' | 'sleep'> = {},
): GraphClient {
	return new GraphClient({
		accessToken: credentials.accessToken,
		phoneNumberId: credentials.phoneNumberId,
		apiVersion: credentials.apiVersion,
		baseUrl: credentials.baseUrl,
		...options,
	});
}

/** Test button: GET /{version}/{phone-number-id}, showing Meta's own error text when it fails. */
export const whatsAppCloudApiTest: ICredentialTestFunction = async function (credential) {
	try {
		const info = await graphClientFor(readWhatsAppCredentials(credential.data ?? {}), { retry: { maxRetries: 0 } }).getPhoneNumber();
		const name = [info.verified_name, info.display_phone_number].filter(Boolean).join(', ');
		return { status: 'OK', message: name ? `Connected: ${name}` : 'Connected' };
	} catch (error) {
		const code = error instanceof GraphApiError && error.code !== undefined ? ` (code ${error.code})` : '';
		return { status: 'Error', message: `Meta: ${error.message}${code}` };
	}
};

/**
 * Sends a text to the conversation's customer with the node's WhatsApp credential, and stores it; to a web
 * conversation it goes to the open widget instead (stored, and pushed live).
 */
export async function sendTextToConversation(
	context: IExecuteFunctions,
	store: SupportStore,
	conversation: ConversationRef & { id: string },
	text: string,
	author: 'bot' | 'agent' | 'system',
	itemIndex: number,
): Promise<string[]> {
	if (isWebConversation(conversation)) {
		return (await deliverWebMessages(store, conversation, [{ text }], author)).messageIds;
	}
	const credentials = readWhatsAppCredentials(await context.getCredentials(WHATSAPP_CREDENTIAL, itemIndex));
	const result = await deliverMessages({
		client: graphClientFor(credentials),
		store,
		conversation,
		payloads: buildTextMessages({ waId: conversation.customer.waId, userId: conversation.customer.userId }, text, {
			callbackData: conversation.id,
		}),
		author,
	});
	return result.messageIds;
}
