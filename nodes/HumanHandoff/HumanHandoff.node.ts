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
import { field, itemParameter } from '../glue/parameters';
import { getSupportStore, supportStoreConnectionTest, supportStoreProperty } from '../glue/store';
import { sendTextToConversation, whatsAppCloudApiTest } from '../glue/whatsapp';
import { readConversation, type ConversationRef } from '../domain/envelope';
import { buildHandoffPackage, buildTranscript, extractiveSummary, holdingMessage } from '../domain/handoff/context';
import type { SupportStore } from '../domain/store';
import { DEFAULT_REASON_EXPRESSION, humanHandoffOutputs, humanHandoffProperties } from './description';

export class HumanHandoff implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Human Handoff',
		name: 'humanHandoff',
		icon: 'file:humanHandoff.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"]}}',
		description: 'Hands WhatsApp chats to people with full context, keeps the bot silent meanwhile, and hands them back',
		defaults: { name: 'Human Handoff' },
		inputs: [NodeConnectionTypes.Main],
		outputs: `={{(${humanHandoffOutputs})($parameter)}}`,
		credentials: [
			{
				// Agent replies and holding messages are sent through WhatsApp.
				name: 'whatsAppCloudApi',
				required: true,
				displayOptions: { show: { operation: ['agentReply', 'handOff'] } },
				testedBy: 'whatsAppCloudApiTest',
			},
			{
				name: 'whatsAppSupportStorePostgresApi',
				required: true,
				displayOptions: { show: { supportStore: ['postgres'] } },
				testedBy: 'supportStoreConnectionTest',
			},
		],
		properties: [...humanHandoffProperties, supportStoreProperty],
	};

	methods = { credentialTest: { whatsAppCloudApiTest, supportStoreConnectionTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0) as string;
		return await routeItems(this, humanHandoffOutputs({ operation }).length, async (json, itemIndex) =>
			await runOperation(this, await getSupportStore(this, itemIndex), operation, json, itemIndex),
		);
	}
}

/** The conversation from the item, or from a stored conversation ID (agent replies arrive without an envelope). */
async function conversationFor(
	context: IExecuteFunctions,
	store: SupportStore,
	json: IDataObject,
	itemIndex: number,
): Promise<ConversationRef & { id: string }> {
	if (context.getNodeParameter('conversationSource', itemIndex, 'envelope') === 'envelope') return readConversation(json);
	const id = String(context.getNodeParameter('conversationId', itemIndex, '')).trim();
	const record = id ? await store.getConversation(id) : undefined;
	if (!record) {
		throw new NodeOperationError(context.getNode(), `No conversation with ID "${id}"`, {
			itemIndex,
			description: 'Use handoff.conversationId from the Hand Off output (keep it with the Slack thread or helpdesk ticket).',
		});
	}
	return {
		id: record.id,
		channel: record.channel,
		phoneNumberId: record.phoneNumberId,
		customer: { waId: record.waId ?? undefined, userId: record.userId ?? undefined, name: record.customerName ?? undefined },
	};
}

async function runOperation(
	context: IExecuteFunctions,
	store: SupportStore,
	operation: string,
	json: IDataObject,
	itemIndex: number,
): Promise<[number, IDataObject] | undefined> {
	switch (operation) {
		case 'handOff': {
			const conversation = readConversation(json);
			await store.upsertConversation(conversation);
			const transcript = buildTranscript(
				await store.listMessages(conversation.id, context.getNodeParameter('transcriptLength', itemIndex, 20) as number),
			);
			const summary = extractiveSummary(transcript);
			const reason = String(
				itemParameter(context, 'reason', itemIndex, DEFAULT_REASON_EXPRESSION, (item) => {
					const reasons = field(item.route, 'reasons');
					return Array.isArray(reasons) ? reasons.join('; ') : undefined;
				}) || 'handed off by workflow',
			);
			const nlu = json.nlu as IDataObject | undefined;
			const route = json.route as { reasons?: string[] } | undefined;
			const formJson = json.form as { name?: string; status?: string; values?: Record<string, unknown> } | undefined;
			const form =
				formJson?.values && typeof formJson.values === 'object'
					? { name: formJson.name, status: formJson.status, values: formJson.values }
					: undefined;
			const { handoff, created } = await store.openHandoff(conversation.id, {
				reason,
				summary,
				context: { nlu, routeReasons: route?.reasons, ...(form ? { form } : {}) },
			});
			const handoffPackage = buildHandoffPackage({
				handoffId: handoff.id,
				conversationId: conversation.id,
				channel: conversation.channel,
				customer: conversation.customer,
				reason,
				transcript,
				summary,
				summarySource: 'extractive',
				nlu: nlu as never,
				routeReasons: route?.reasons,
				...(form ? { form } : {}),
				openedAt: handoff.openedAt,
				created,
			});
			const out: IDataObject = { ...json, conversation, handoff: { ...handoffPackage, status: handoff.status } };
			// The customer hears it once per handoff, not on every message while a person has the chat.
			if (created && context.getNodeParameter('sendHoldingMessage', itemIndex, true)) {
				const custom = String(context.getNodeParameter('holdingMessage', itemIndex, '') ?? '').trim();
				// A form knows the guest's language better than one short message ("Bevestigen", "2").
				const formLanguage = (json.form as { language?: unknown } | undefined)?.language;
				const language = typeof formLanguage === 'string' ? formLanguage : ((nlu?.language as string | undefined) ?? undefined);
				const message = custom ? { text: custom, language: language ?? 'custom' } : holdingMessage(language);
				const messageIds = await sendTextToConversation(context, store, conversation, message.text, 'system', itemIndex);
				(out.handoff as IDataObject).holdingMessage = { ...message, messageIds };
			}
			return [0, out];
		}
		case 'check': {
			const conversation = readConversation(json);
			const confirmed = await confirmDelivery(context, store, json);
			if (!confirmed) return undefined;
			const hours = context.getNodeParameter('inactivityHours', itemIndex, 24) as number;
			let open = await store.getOpenHandoff(conversation.id);
			if (open && hours > 0 && Date.parse(open.lastActivityAt) < Date.now() - hours * 3_600_000) {
				await store.releaseHandoff(conversation.id, 'inactivity');
				open = undefined;
			}
			if (!open) return [1, { ...confirmed, conversation, handoff: { active: false } }];
			await store.touchHandoff(conversation.id);
			return [
				0,
				{
					...confirmed,
					conversation,
					handoff: { active: true, id: open.id, reason: open.reason, openedAt: open.openedAt, conversationId: conversation.id },
				},
			];
		}
		case 'release': {
			const conversation = await conversationFor(context, store, json, itemIndex);
			const released = await store.releaseHandoff(conversation.id, String(context.getNodeParameter('releasedBy', itemIndex, 'agent')));
			return [0, { ...json, conversation, handoff: { released: Boolean(released), ...(released ? { id: released.id, releasedAt: released.releasedAt } : {}) } }];
		}
		case 'agentReply': {
			const conversation = await conversationFor(context, store, json, itemIndex);
			const text = String(context.getNodeParameter('text', itemIndex, '') ?? '');
			if (!text.trim()) {
				throw new NodeOperationError(context.getNode(), 'The agent reply is empty', {
					itemIndex,
					description: "Map the agent's message into Text, e.g. {{ $json.event.text }} for Slack.",
				});
			}
			const agentName = String(context.getNodeParameter('agentName', itemIndex, '') ?? '');
			const messageIds = await sendTextToConversation(context, store, conversation, text, 'agent', itemIndex);
			await store.touchHandoff(conversation.id);
			return [0, { ...json, conversation, agentReply: { text, agentName: agentName || null, messageIds } }];
		}
		default:
			throw new NodeOperationError(context.getNode(), `Unknown operation "${operation}"`, { itemIndex });
	}
}
