import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
	type ISupplyDataFunctions,
	type SupplyData,
} from 'n8n-workflow';

import { formDefinitionFrom } from '../glue/forms';
import { getSupportStore, supportStoreConnectionTest } from '../glue/store';
import { executeToolNode, packTool } from '../glue/tools';
import { formToolAnswer, formToolArguments, formToolDescription, formToolMessage, formToolName } from '../domain/dialog/form-tool';
import { applyFormMessage } from '../domain/dialog/persist';
import { readConversation } from '../domain/envelope';
import { SUPPORTED_LANGUAGES, type SupportedLanguage } from '../domain/nlu/types';
import { conversationFormProperties } from '../ConversationForm/description';

/** The Conversation Form node's form parameters, without the ones about starting on intents or reading text. */
const FORM_PROPERTIES: INodeProperties[] = conversationFormProperties
	.filter((property) => !['startOn', 'startIntents'].includes(property.name))
	.map((property) =>
		property.name === 'options' ? { ...property, options: (property.options as INodeProperties[]).filter((option) => !['text', 'sideQuestionConfidence', 'rememberInProfile', 'profilePreferenceFields'].includes(option.name)) } : property,
	);

function supportedLanguage(value: unknown): SupportedLanguage | undefined {
	return SUPPORTED_LANGUAGES.includes(value as SupportedLanguage) ? (value as SupportedLanguage) : undefined;
}

export class ConversationFormTool implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Conversation Form Tool',
		name: 'conversationFormTool',
		icon: 'file:conversationFormTool.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{ "Start " + $parameter["formName"] }}',
		description: 'Lets AI Reply or an AI Agent start or continue a Conversation Form with the values the guest already gave',
		defaults: { name: 'Start Form' },
		inputs: [],
		outputs: [NodeConnectionTypes.AiTool],
		outputNames: ['Tool'],
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
					'Use the same Form Name and Fields as the Conversation Form node that continues the form with the guest’s next messages (put it before AI Reply or the agent). The form is kept per conversation in the support store.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			...FORM_PROPERTIES,
			{
				displayName: 'Tool Options',
				name: 'toolOptions',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{ displayName: 'Tool Name', name: 'toolName', type: 'string', default: '', placeholder: 'start_room_booking', description: 'The name the model calls the tool by; default start_ and the form name' },
					{
						displayName: 'When to Use',
						name: 'purpose',
						type: 'string',
						typeOptions: { rows: 2 },
						default: '',
						placeholder: 'Use it when the guest wants to book a room.',
						description: 'What the model is told the tool is for; the fields and their formats are added to it',
					},
				],
			},
		],
	};

	methods = { credentialTest: { supportStoreConnectionTest } };

	/** n8n's AI Agent (v3) has the workflow engine run the tool call: one item per call. */
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeToolNode(this, ConversationFormTool.prototype.supplyData);
	}

	async supplyData(this: ISupplyDataFunctions, itemIndex: number): Promise<SupplyData> {
		const definition = formDefinitionFrom(this, itemIndex, { startOn: 'always' });
		const toolOptions = this.getNodeParameter('toolOptions', itemIndex, {}) as { toolName?: string; purpose?: string };
		// The item of the node the tool is connected to (AI Reply's or the AI Agent's input): whose conversation.
		const items = this.getInputData(0, NodeConnectionTypes.Main);
		const json = (items[itemIndex] ?? items[0])?.json ?? {};
		let conversation: ReturnType<typeof readConversation>;
		try {
			conversation = readConversation(json);
		} catch (error) {
			throw new NodeOperationError(this.getNode(), 'The item has no conversation to keep the form in', {
				itemIndex,
				description: `The Conversation Form Tool works on the conversation of the envelope the WhatsApp AI Trigger made (${(error as Error).message}).`,
			});
		}
		const known = supportedLanguage((json.nlu as IDataObject | undefined)?.language) ?? supportedLanguage((json.profile as IDataObject | undefined)?.language);
		const store = await getSupportStore(this as unknown as IExecuteFunctions, itemIndex);
		return {
			response: packTool(this, {
				name: toolOptions.toolName?.trim() || formToolName(definition),
				description: formToolDescription(definition, toolOptions.purpose),
				schema: formToolArguments,
				run: async (args) => {
					const now = new Date();
					const message = formToolMessage(args, { language: known, now });
					const nothingNew = !args.cancel && Object.keys(args.values ?? {}).length === 0;
					const result = await applyFormMessage(store, conversation, definition, message, { forceStart: true, repeatQuestion: nothingNew });
					return formToolAnswer(definition, result);
				},
			}),
		};
	}
}
