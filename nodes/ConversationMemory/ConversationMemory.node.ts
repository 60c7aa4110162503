import {
	NodeConnectionTypes,
	NodeOperationError,
	type IExecuteFunctions,
	type INodeType,
	type INodeTypeDescription,
	type ISupplyDataFunctions,
	type SupplyData,
} from 'n8n-workflow';

import { getSupportStore, supportStoreConnectionTest, supportStoreProperty } from '../glue/store';
import { customerKeyOf, readConversation } from '../domain/envelope';
import { SupportStoreChatMemory } from '../domain/memory/conversation-memory';

export class ConversationMemory implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Conversation Memory',
		name: 'conversationMemory',
		icon: 'file:conversationMemory.svg',
		group: ['transform'],
		version: 1,
		description: "The guest's WhatsApp conversation from the support store, as memory for AI Reply or n8n's AI Agent",
		defaults: { name: 'Conversation Memory' },
		inputs: [],
		outputs: [NodeConnectionTypes.AiMemory],
		outputNames: ['Memory'],
		credentials: [
			{
				name: 'whatsAppSupportStorePostgresApi',
				required: true,
				displayOptions: { show: { supportStore: ['postgres'] } },
				testedBy: 'supportStoreConnectionTest',
			},
		],
		properties: [
			{
				displayName:
					'Reads the conversation of the item’s `conversation` envelope, as the WhatsApp AI Trigger and WhatsApp Send recorded it. Guests who opted out get no history.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'History Messages',
				name: 'historyLength',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 100 },
				default: 10,
				description: 'How many earlier messages the model sees',
			},
			supportStoreProperty,
		],
	};

	methods = { credentialTest: { supportStoreConnectionTest } };

	async supplyData(this: ISupplyDataFunctions, itemIndex: number): Promise<SupplyData> {
		// The items of the node this memory is connected to (AI Reply's or the AI Agent's main input).
		const items = this.getInputData(0, NodeConnectionTypes.Main);
		const item = items[itemIndex] ?? items[0];
		let conversation;
		try {
			conversation = readConversation((item?.json ?? {}) as Record<string, unknown>);
		} catch (error) {
			throw new NodeOperationError(this.getNode(), 'The item has no conversation to remember', {
				itemIndex,
				description: `Conversation Memory reads the conversation of the envelope the WhatsApp AI Trigger made (${(error as Error).message}).`,
			});
		}
		const message = (item?.json.message ?? {}) as { id?: string; textMasked?: unknown };
		const store = await getSupportStore(this as unknown as IExecuteFunctions, itemIndex);
		const memory = new SupportStoreChatMemory(store, {
			conversationId: conversation.id,
			customerKey: customerKeyOf(conversation.customer),
			length: this.getNodeParameter('historyLength', itemIndex, 10) as number,
			skipMessageId: message.id,
			// Masked message, masked history: the model sees no personal data from earlier messages either.
			mask: typeof message.textMasked === 'string',
		});
		return { response: memory };
	}
}
