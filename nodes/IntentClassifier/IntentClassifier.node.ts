import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { routeItems } from '../glue/items';
import { chatModelInputs, chatModelProperties, getChatModel } from '../glue/llm';
import { field, itemParameter } from '../glue/parameters';
import {
	classifyMessage,
	DEFAULT_CASCADE_THRESHOLD,
	IntentDefinitionError,
	IntentTrainingError,
	noTextClassification,
	resolveIntents,
	type ClassifierMode,
	type IntentDefinition,
	type IntentInput,
} from '../domain/nlu';
import { classifyPastGreeting } from '../domain/nlu/greeting-clause';
import { entitiesFor } from './entities';
import { DEFAULT_INTENT_PACK, DEFAULT_TEXT_EXPRESSION, intentClassifierProperties, intentOutputsExpression, LLM_MODE_DISPLAY } from './description';

const INTENTS_HINT =
	'Check the Custom Intents: each needs a name (lower-case letters, digits, underscores) and a description or examples. The embedded and cascade modes learn from examples, so give every intent a few; choose an Intent Pack to start from ready-made ones.';

export class IntentClassifier implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Intent Classifier',
		name: 'intentClassifier',
		icon: 'file:intentClassifier.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{ ({embedded: "Embedded", llm: "LLM", cascade: "Cascade"})[$parameter["mode"] ?? "embedded"] + " · " + ($parameter["intentPack"] ?? "hospitality") }}',
		description:
			'Finds what the customer wants (intent with calibrated confidence), their sentiment and language: offline with no API key, or with any chat model',
		defaults: { name: 'Intent Classifier' },
		inputs: chatModelInputs({ defaultSource: 'input', alsoWhen: { mode: { values: ['llm', 'cascade'], default: 'embedded' } } }),
		outputs: intentOutputsExpression,
		credentials: [{ name: 'openAiApi', required: true, displayOptions: { show: { mode: ['llm', 'cascade'], modelSource: ['credential'] } } }],
		properties: [
			...intentClassifierProperties.slice(0, 1),
			...chatModelProperties({ defaultSource: 'input', allowNone: false, displayOptions: LLM_MODE_DISPLAY }),
			...intentClassifierProperties.slice(1),
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const mode = this.getNodeParameter('mode', 0, 'embedded') as ClassifierMode;
		const routeByIntent = this.getNodeParameter('routeByIntent', 0, false) as boolean;
		// The outputs are an expression n8n evaluates in an isolate on every call: read them only when they are per intent.
		const outputNames = routeByIntent ? this.getNodeOutputs().map((output) => output.displayName) : ['main'];

		return await routeItems(this, outputNames.length, async (json, itemIndex) => {
			try {
				const text = itemParameter(this, 'text', itemIndex, DEFAULT_TEXT_EXPRESSION, (item) => field(item.message, 'textMasked') ?? field(item.message, 'text'));
				if (typeof text !== 'string' || !text.trim()) {
					// A voice note, a photo without caption, a sticker: nothing to classify, so a person takes it.
					const language = this.getNodeParameter('defaultLanguage', itemIndex, 'en') as string;
					const nlu = { ...noTextClassification(mode, language), entities: [] };
					const output = routeByIntent ? outputNames.indexOf(nlu.intent) : 0;
					if (output === -1) {
						throw new NodeOperationError(this.getNode(), 'The message has no text to classify', {
							itemIndex,
							description: `Messages without text are classified as ${nlu.intent}; with Route by Intent, add that intent (or route other message types elsewhere, e.g. with an IF node on message.type).`,
						});
					}
					return [output, { ...json, nlu: nlu as unknown as IDataObject }];
				}
				const intents = intentsFor(this, itemIndex);
				const chat = mode === 'embedded' ? undefined : await getChatModel(this, itemIndex);
				const classifyOptions = {
					mode,
					intents,
					languageHint: this.getNodeParameter('defaultLanguage', itemIndex, 'en') as string,
					model: chat?.model,
					invokeOptions: chat?.invokeOptions,
					threshold: this.getNodeParameter('cascadeThreshold', itemIndex, DEFAULT_CASCADE_THRESHOLD) as number,
				};
				// "hi, what time is breakfast?": the question behind the greeting decides the intent.
				const nlu = await classifyPastGreeting(text, async (question) => await classifyMessage(question, classifyOptions));
				const classified = { ...nlu, entities: entitiesFor(this, itemIndex, text, json, nlu.language) };
				let output = 0;
				if (routeByIntent) {
					output = outputNames.indexOf(nlu.intent);
					if (output === -1) {
						throw new NodeOperationError(this.getNode(), `The intent "${nlu.intent}" has no output`, {
							itemIndex,
							description: 'With Route by Intent, the intent pack and custom intent names must be the same for every item (no expressions in them).',
						});
					}
				}
				return [output, { ...json, nlu: classified as unknown as IDataObject }];
			} catch (error) {
				if (error instanceof IntentDefinitionError || error instanceof IntentTrainingError) {
					throw new NodeOperationError(this.getNode(), error.message, { itemIndex, description: INTENTS_HINT });
				}
				throw error;
			}
		});
	}
}

// Resolved intent lists are reused across items and executions: the same array lets the embedded
// classifier's cache find its trained model without hashing a thousand examples again.
const resolvedIntents = new Map<string, IntentDefinition[]>();
const RESOLVED_INTENTS_LIMIT = 16;

function intentsFor(context: IExecuteFunctions, itemIndex: number): IntentDefinition[] {
	const pack = context.getNodeParameter('intentPack', itemIndex, DEFAULT_INTENT_PACK) as string;
	const custom = ((context.getNodeParameter('customIntents', itemIndex, {}) as { intent?: IntentInput[] }).intent ?? []).map((intent) => ({
		name: intent.name,
		description: intent.description,
		examples: intent.examples,
	}));
	const key = JSON.stringify([pack, custom]);
	let intents = resolvedIntents.get(key);
	if (!intents) {
		intents = resolveIntents({ pack: pack === 'none' ? null : pack, custom });
		resolvedIntents.set(key, intents);
		if (resolvedIntents.size > RESOLVED_INTENTS_LIMIT) resolvedIntents.delete(resolvedIntents.keys().next().value as string);
	}
	return intents;
}
