import {
	NodeConnectionTypes,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { routeItems } from '../glue/items';
import { getSupportStore, supportStoreConnectionTest, supportStoreProperty } from '../glue/store';
import { readConversation } from '../domain/envelope';
import { DEFAULT_ROUTER_SETTINGS, routeMessage, type RouteDecision, type RouterInput } from '../domain/routing/rules';

const OUTPUT: Record<RouteDecision, number> = { automate: 0, clarify: 1, human: 2 };

export class ConfidenceRouter implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Confidence Router',
		name: 'confidenceRouter',
		icon: 'file:confidenceRouter.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{"threshold " + $parameter["confidenceThreshold"]}}',
		description:
			'Routes each classified message to Automate, Clarify or Human: low confidence, negative sentiment, sensitive intents and requests for a person go to people',
		defaults: { name: 'Confidence Router' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Automate', 'Clarify', 'Human'],
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
				displayName: 'Confidence Threshold',
				name: 'confidenceThreshold',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
				default: 0.7,
				description: 'Below this intent confidence the bot does not answer on its own',
			},
			{
				displayName: 'Ask a Clarifying Question When Ambiguous',
				name: 'clarifyWhenAmbiguous',
				type: 'boolean',
				default: true,
				description: 'Whether a low-confidence message whose top two intents are close goes to Clarify instead of Human',
			},
			{
				displayName: 'Ambiguity Margin',
				name: 'ambiguityMargin',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
				default: 0.1,
				description: 'Top-1 minus top-2 score below which a message counts as ambiguous',
				displayOptions: { show: { clarifyWhenAmbiguous: [true] } },
			},
			{
				displayName: 'Never Offer in Clarify',
				name: 'neverClarifyIntents',
				type: 'string',
				default: 'out_of_scope, greeting, thanks_goodbye, human_agent',
				description:
					'Comma-separated intents a clarifying question never offers as a choice; when one of the two candidates is among them (or in Always Human Intents), the message goes to Human',
				displayOptions: { show: { clarifyWhenAmbiguous: [true] } },
			},
			{
				displayName: 'Negative Sentiment Threshold',
				name: 'negativeSentimentThreshold',
				type: 'number',
				typeOptions: { minValue: -1, maxValue: 1, numberPrecision: 2 },
				default: -0.5,
				description: 'Sentiment scores (−1 to 1) at or below this go to a person',
			},
			{
				displayName: 'Always Human Intents',
				name: 'alwaysHumanIntents',
				type: 'string',
				default: 'complaint, human_agent',
				description: 'Comma-separated intents a person always handles (policy, complaints …)',
			},
			{
				displayName: 'Detect Requests for a Person',
				name: 'detectHumanRequest',
				type: 'boolean',
				default: true,
				description: 'Whether "human please", "medewerker", "Mitarbeiter", "un conseiller", "un agente" … go to a person',
			},
			{
				displayName: 'Max Unanswered Turns',
				name: 'maxUnansweredTurns',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 2,
				description: 'After this many turns in a row the AI Reply could not answer, a person takes over; 0 turns this off',
			},
			supportStoreProperty,
		],
	};

	methods = { credentialTest: { supportStoreConnectionTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await routeItems(
			this,
			3,
			async (json, itemIndex) => {
				const parameter = <T>(name: string) => this.getNodeParameter(name, itemIndex) as T;
				const maxUnansweredTurns = parameter<number>('maxUnansweredTurns');
				let unansweredTurns = 0;
				if (maxUnansweredTurns > 0) {
					const conversation = readConversation(json);
					const record = await (await getSupportStore(this, itemIndex)).getConversation(conversation.id);
					unansweredTurns = record?.unansweredStreak ?? 0;
				}
				const message = json.message as { text?: string; textMasked?: string } | undefined;
				const route = routeMessage(
					{ text: message ? (message.text ?? '') : undefined, nlu: json.nlu as RouterInput['nlu'], unansweredTurns },
					{
						confidenceThreshold: parameter<number>('confidenceThreshold'),
						clarifyWhenAmbiguous: parameter<boolean>('clarifyWhenAmbiguous'),
						ambiguityMargin: this.getNodeParameter('ambiguityMargin', itemIndex, DEFAULT_ROUTER_SETTINGS.ambiguityMargin) as number,
						negativeSentimentThreshold: parameter<number>('negativeSentimentThreshold'),
						alwaysHumanIntents: String(parameter<string>('alwaysHumanIntents') ?? '')
							.split(',')
							.map((intent) => intent.trim())
							.filter(Boolean),
						detectHumanRequest: parameter<boolean>('detectHumanRequest'),
						neverClarifyIntents: String(
							this.getNodeParameter('neverClarifyIntents', itemIndex, DEFAULT_ROUTER_SETTINGS.neverClarifyIntents.join(', ')) ?? '',
						)
							.split(',')
							.map((intent) => intent.trim())
							.filter(Boolean),
						maxUnansweredTurns,
					},
				);
				return [OUTPUT[route.decision], { ...json, route: route as unknown as IDataObject }];
			},
			// A message the router cannot read goes to a person.
			{ errorOutput: OUTPUT.human },
		);
	}
}
