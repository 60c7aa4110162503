import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { confirmDelivery } from '../glue/delivery';
import { routeItems } from '../glue/items';
import { getSupportStore, supportStoreConnectionTest, supportStoreProperty } from '../glue/store';
import { sendTextToConversation, whatsAppCloudApiTest } from '../glue/whatsapp';
import { customerKeyOf, readConversation } from '../domain/envelope';
import { DEFAULT_CONSENT_POLICY, type ConsentPolicy, type ConsentScope } from '../domain/privacy/consent';
import { evaluateConsentGate, type GateRoute } from '../domain/privacy/gate';
import { maskPii, type MaskResult } from '../domain/privacy/pii';
import { rememberRestoreMap, restoreVaultKey } from '../domain/privacy/restore-vault';
import type { GuestProfileField } from '../domain/store';
import { checkDsarRequest } from '../domain/privacy/dsar-request';
import { checkPmsBooking } from '../domain/privacy/pms-request';
import { forwardedAddress } from '../domain/security/webhook-keys';
import { consentGateOutputs, consentGateProperties } from './description';

const CHECK_OUTPUT: Record<GateRoute, number> = { allowed: 0, opted_out: 1, needs_opt_in: 2, keyword: 3 };

export class ConsentGate implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Consent Gate',
		name: 'consentGate',
		icon: 'file:consentGate.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"]}}',
		description: 'Consent, STOP/START keywords, personal-data masking, retention and data-subject requests for WhatsApp support',
		defaults: { name: 'Consent Gate' },
		inputs: [NodeConnectionTypes.Main],
		outputs: `={{(${consentGateOutputs})($parameter)}}`,
		credentials: [
			{
				name: 'whatsAppCloudApi',
				required: true,
				displayOptions: { show: { operation: ['check', 'keywords'], sendConfirmation: [true] } },
				testedBy: 'whatsAppCloudApiTest',
			},
			{
				name: 'webhookKeysApi',
				required: true,
				displayOptions: { show: { operation: ['checkDsarRequest', 'checkPmsBooking'] } },
			},
			{
				name: 'whatsAppSupportStorePostgresApi',
				required: true,
				displayOptions: { show: { supportStore: ['postgres'] } },
				testedBy: 'supportStoreConnectionTest',
			},
		],
		properties: [...consentGateProperties, supportStoreProperty],
	};

	methods = { credentialTest: { whatsAppCloudApiTest, supportStoreConnectionTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0) as string;
		return await routeItems(
			this,
			consentGateOutputs({ operation }).length,
			async (json, itemIndex) => await runOperation(this, operation, json, itemIndex),
			// Retention and key rotation run once per execution, whatever the number of items.
			{ onlyFirstItem: operation === 'retentionPurge' || operation === 'rotateEncryptionKey' },
		);
	}
}

function bookingPatterns(context: IExecuteFunctions, itemIndex: number): RegExp[] {
	if (!context.getNodeParameter('keepBookingReferences', itemIndex, true)) return [];
	const source = context.getNodeParameter('bookingReferencePattern', itemIndex, '') as string;
	if (!source) return [];
	try {
		return [new RegExp(source, 'g')];
	} catch (error) {
		throw new NodeOperationError(context.getNode(), `Booking Reference Pattern is not a valid regular expression: ${error.message}`, {
			itemIndex,
			description: 'Fix the pattern, e.g. \\bBK-\\d{6}\\b, or turn off Keep Booking References.',
		});
	}
}

function maskedMessage(context: IExecuteFunctions, json: IDataObject, text: string, itemIndex: number): { message: IDataObject; pii: IDataObject } {
	const result: MaskResult = maskPii(text, { keepPatterns: bookingPatterns(context, itemIndex) });
	const message = (json.message ?? {}) as IDataObject;
	rememberRestoreMap(restoreVaultKey(context.getExecutionId(), message.id as string | undefined), result.restoreMap);
	const counts: Record<string, number> = {};
	for (const entity of result.entities) counts[entity.type] = (counts[entity.type] ?? 0) + 1;
	// Only what was found, never the values: they stay in this execution's memory.
	return { message: { ...message, textMasked: result.masked }, pii: { masked: result.entities.length > 0, found: counts } };
}

function customerKeyFor(context: IExecuteFunctions, json: IDataObject, itemIndex: number): { customerKey: string; conversationId?: string } {
	if (context.getNodeParameter('customerSource', itemIndex, 'envelope') === 'custom') {
		const key = String(context.getNodeParameter('customerKey', itemIndex, '')).trim().replace(/^\+/, '');
		if (!key) {
			throw new NodeOperationError(context.getNode(), 'No customer given', { itemIndex, description: 'Fill in Phone Number or User ID.' });
		}
		return { customerKey: key };
	}
	const conversation = readConversation(json);
	return { customerKey: customerKeyOf(conversation.customer), conversationId: conversation.id };
}

async function runOperation(
	context: IExecuteFunctions,
	operation: string,
	json: IDataObject,
	itemIndex: number,
): Promise<[number, IDataObject] | undefined> {
	const openStore = async () => await getSupportStore(context, itemIndex);
	switch (operation) {
		case 'check':
		case 'keywords': {
			const conversation = readConversation(json);
			const confirmed = await confirmDelivery(context, await openStore(), json);
			if (!confirmed) return undefined;
			const message = (json.message ?? {}) as { id?: string; text?: string };
			const policyOptions = context.getNodeParameter('policy', itemIndex, {}) as Partial<ConsentPolicy>;
			const result = await evaluateConsentGate({
				store: await openStore(),
				conversation,
				message,
				scope: (context.getNodeParameter('scope', itemIndex, 'service') as ConsentScope) ?? 'service',
				policy: { ...DEFAULT_CONSENT_POLICY, ...policyOptions },
				handleKeywords: operation === 'keywords' || (context.getNodeParameter('handleKeywords', itemIndex, true) as boolean),
				language: (json.nlu as { language?: string } | undefined)?.language,
			});
			const consent: IDataObject = { ...result.consent };
			if (result.consent.keyword?.changedState && context.getNodeParameter('sendConfirmation', itemIndex, true)) {
				consent.confirmationMessageIds = await sendTextToConversation(
					context,
					await openStore(),
					conversation,
					result.consent.keyword.confirmation.text,
					'system',
					itemIndex,
				);
			}
			let out: IDataObject = { ...confirmed, conversation, consent };
			if (operation === 'keywords') return [result.route === 'keyword' ? 0 : 1, out];
			if (result.route === 'allowed' && context.getNodeParameter('maskPersonalData', itemIndex, true) && message.text) {
				out = { ...out, ...maskedMessage(context, json, message.text, itemIndex) };
			}
			return [CHECK_OUTPUT[result.route], out];
		}
		case 'maskPii': {
			const text = String(context.getNodeParameter('text', itemIndex, '') ?? '');
			return [0, { ...json, ...maskedMessage(context, json, text, itemIndex) }];
		}
		case 'recordOptIn':
		case 'recordOptOut': {
			const { customerKey, conversationId } = customerKeyFor(context, json, itemIndex);
			const evidenceParameter = context.getNodeParameter('evidence', itemIndex, '{}');
			let evidence: unknown = evidenceParameter;
			if (typeof evidenceParameter === 'string') {
				try {
					evidence = evidenceParameter.trim() ? JSON.parse(evidenceParameter) : {};
				} catch {
					throw new NodeOperationError(context.getNode(), 'Evidence is not valid JSON', {
						itemIndex,
						description: 'Give a JSON object, e.g. { "form": "newsletter", "ip": "203.0.113.7" }.',
					});
				}
			}
			const occurredAt = context.getNodeParameter('occurredAt', itemIndex, '') as string;
			const event = await (await openStore()).appendConsentEvent({
				customerKey,
				conversationId,
				scope: context.getNodeParameter('scope', itemIndex, 'marketing') as string,
				action: operation === 'recordOptIn' ? 'opt_in' : 'opt_out',
				source: (context.getNodeParameter('source', itemIndex, 'n8n') as string) || 'n8n',
				evidence,
				occurredAt: occurredAt ? new Date(occurredAt) : undefined,
			});
			return [0, { ...json, consentEvent: event as unknown as IDataObject }];
		}
		case 'retentionPurge': {
			const counts = await (await openStore()).purgeExpired({
				messagesDays: context.getNodeParameter('messagesDays', itemIndex, 30) as number,
				analyticsDays: context.getNodeParameter('analyticsDays', itemIndex, 90) as number,
				anonymise: context.getNodeParameter('purgeMode', itemIndex, 'delete') === 'anonymise',
			});
			return [0, { purge: { ...counts, ranAt: new Date().toISOString() } }];
		}
		case 'rotateEncryptionKey': {
			const store = await openStore();
			if (!store.encrypted) {
				throw new NodeOperationError(context.getNode(), 'The support store has no encryption key', {
					itemIndex,
					description:
						"Set the new key as 'Encryption Key' on the store credential (or WHATSAPP_SUPPORT_ENCRYPTION_KEY for the embedded store) and the old one under 'Older Encryption Keys' (WHATSAPP_SUPPORT_ENCRYPTION_KEYS_OLD), then run this again.",
				});
			}
			try {
				const rotation = await store.rotateEncryptionKey({
					batchSize: context.getNodeParameter('rotationBatchSize', itemIndex, 500) as number,
					maxBatches: context.getNodeParameter('rotationMaxBatches', itemIndex, 0) as number,
				});
				return [0, { rotation: { ...rotation, ranAt: new Date().toISOString() } }];
			} catch (error) {
				if (error instanceof Error && error.name === 'EncryptionKeyError') {
					throw new NodeOperationError(context.getNode(), error.message, { itemIndex, description: (error as Error & { hint?: string }).hint });
				}
				throw error;
			}
		}
		case 'checkDsarRequest':
		case 'checkPmsBooking': {
			const keys = await context.getCredentials<{ header?: string; key?: string; previousKey?: string }>('webhookKeysApi', itemIndex);
			if (!keys.key || keys.key.length < 12) {
				throw new NodeOperationError(context.getNode(), 'The Webhook Keys credential needs a key of at least 12 characters', {
					itemIndex,
					description: 'Open the credential and set Key (e.g. from `openssl rand -base64 32`).',
				});
			}
			const headers = (json.headers ?? {}) as Record<string, unknown>;
			const dsar = operation === 'checkDsarRequest';
			const webhookKeys = { header: keys.header?.trim() || (dsar ? 'X-DSAR-Key' : 'X-PMS-Key'), current: keys.key, previous: keys.previousKey || undefined };
			const store = await openStore();
			const check = dsar
				? await checkDsarRequest(store, { headers, query: json.query, body: json.body, keys: webhookKeys, sourceIp: forwardedAddress(headers) })
				: await checkPmsBooking(store, { headers, body: json.body, keys: webhookKeys, sourceIp: forwardedAddress(headers) });
			// The request (with its key header) is not passed on.
			if (!check.ok) return [1, { statusCode: check.statusCode, error: check.error }];
			const { ok: _ok, ...request } = check;
			return [0, { [dsar ? 'dsarRequest' : 'pmsRequest']: request as unknown as IDataObject }];
		}
		case 'exportCustomer': {
			const { customerKey } = customerKeyFor(context, json, itemIndex);
			return [0, { export: (await (await openStore()).exportCustomer(customerKey)) as unknown as IDataObject }];
		}
		case 'eraseCustomer': {
			const { customerKey } = customerKeyFor(context, json, itemIndex);
			const counts = await (await openStore()).eraseCustomer(customerKey);
			return [0, { erasure: { customerKey, ...counts, erasedAt: new Date().toISOString() } }];
		}
		case 'correctProfile': {
			const { customerKey } = customerKeyFor(context, json, itemIndex);
			const field = context.getNodeParameter('profileField', itemIndex, 'name') as GuestProfileField;
			const change = context.getNodeParameter('profileChange', itemIndex, 'set') as 'set' | 'remove' | 'delete';
			const value = String(context.getNodeParameter('profileValue', itemIndex, '') ?? '').trim();
			if (change !== 'delete' && !value) {
				throw new NodeOperationError(context.getNode(), 'No value to set or remove', { itemIndex, description: 'Enter the value, or choose Delete to empty the field.' });
			}
			const isList = field === 'preferences' || field === 'bookings';
			const profile = await (await openStore()).correctGuestProfile(
				customerKey,
				field,
				change === 'remove' ? { remove: value } : change === 'delete' ? { value: null } : { value: isList ? value.split(';').map((entry) => entry.trim()) : value },
			);
			if (!profile) {
				throw new NodeOperationError(context.getNode(), 'This customer has no guest profile', { itemIndex, description: 'Check the phone number or user ID; profiles exist for guests AI Reply remembered.' });
			}
			return [0, { profile: profile as unknown as IDataObject }];
		}
		default:
			throw new NodeOperationError(context.getNode(), `Unknown operation "${operation}"`, { itemIndex });
	}
}
