import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { confirmDelivery } from '../glue/delivery';
import { routeItems } from '../glue/items';
import { getSupportStore, supportStoreConnectionTest, supportStoreProperty } from '../glue/store';
import { isWebConversation } from '../domain/channels/web';
import { readConversation } from '../domain/envelope';
import { computeWindow } from '../domain/whatsapp/window';

export class WhatsAppWindowCheck implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WhatsApp Window Check',
		name: 'whatsAppWindowCheck',
		icon: 'file:whatsAppWindowCheck.svg',
		group: ['transform'],
		version: 1,
		subtitle: '24h service window',
		description:
			'Routes each conversation by its WhatsApp customer service window: Open (free-form replies allowed) or Closed (send a template)',
		defaults: { name: 'WhatsApp Window Check' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Open', 'Closed (send a template)'],
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
					'Open: the customer wrote within 24 h (72 h after an ad or CTA referral), so any message may be sent; web chats are always open. Closed: only an approved template may be sent — connect a WhatsApp Send node set to Template.',
				name: 'outputsNotice',
				type: 'notice',
				default: '',
			},
			supportStoreProperty,
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Safety Margin (Minutes)',
						name: 'safetyMarginMinutes',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 0,
						description:
							'Treat the window as closed this many minutes early, so a reply that takes a while still lands inside it',
					},
				],
			},
		],
	};

	methods = { credentialTest: { supportStoreConnectionTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		// Output 0 is Open, output 1 Closed; a failed item (continue-on-fail) goes to Closed.
		return await routeItems(
			this,
			2,
			async (json, itemIndex) => {
				const conversation = readConversation(json);
				const options = this.getNodeParameter('options', itemIndex, {}) as { safetyMarginMinutes?: number };
				const store = await getSupportStore(this, itemIndex);
				const confirmed = await confirmDelivery(this, store, json);
				if (!confirmed) return undefined;
				const record = await store.getConversation(conversation.id);
				if (isWebConversation(conversation)) {
					// A web chat has no 24 h window: the widget takes any message at any time.
					const window = { open: true, expiresAt: null, kind: 'service', lastInboundAt: record?.lastInboundAt ?? null, remainingSeconds: null, alwaysOpen: true };
					return [0, { ...confirmed, conversation, window }];
				}
				const window = computeWindow({
					lastInboundAt: record?.lastInboundAt,
					entryPointAt: record?.entryPointAt,
					safetyMarginSeconds: (options.safetyMarginMinutes ?? 0) * 60,
				});
				return [window.open ? 0 : 1, { ...confirmed, conversation, window: { ...window } }];
			},
			{ errorOutput: 1 },
		);
	}
}
