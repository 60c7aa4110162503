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
import { chatModelInputs, chatModelProperties, getChatModel } from '../glue/llm';
import { getSupportStore, supportStoreConnectionTest, supportStoreProperty } from '../glue/store';
import { getConnectedMemory, getConnectedTools } from '../glue/tools';
import { historyFromMemory } from '../domain/memory/conversation-memory';
import { customerKeyOf, readConversation } from '../domain/envelope';
import { deriveConsent } from '../domain/privacy/consent';
import { GREETING_GAP_MS, profileContext, rememberGuestTool, type ProfileView } from '../domain/reply/guest-profile';
import { detectLanguage } from '../domain/nlu/language';
import { maskPii, unmaskPii } from '../domain/privacy/pii';
import { recallRestoreMap, restoreVaultKey } from '../domain/privacy/restore-vault';
import { knowledgeIndexFor, toKnowledgeEntries, type KnowledgeEntry } from '../domain/reply/knowledge-base';
import { generateReply, type HistoryLine } from '../domain/reply/generate';
import { splitLeadingGreeting } from '../domain/nlu/greeting-clause';
import { isDirectionsQuestion, isSmallTalkLanguage, LOCATION_QUESTION } from '../domain/smalltalk/small-talk';
import { DEFAULT_SYSTEM_PROMPT } from '../domain/reply/prompt';
import { DEFAULT_TOOL_LIMITS } from '../domain/tools/tool-loop';
import { createToolPrivacy } from '../domain/tools/tool-privacy';
import { aiReplyProperties, toolSettingsProperty } from './description';

export class AiReply implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'AI Reply',
		name: 'aiReply',
		icon: 'file:aiReply.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{ {input: "Connected chat model", credential: "OpenAI-compatible", none: "Knowledge base only"}[$parameter["modelSource"] ?? "none"] }}',
		description:
			"Answers the customer's message from your knowledge base, in their language, with an LLM or offline; what it cannot answer goes to Unanswered",
		defaults: { name: 'AI Reply' },
		inputs: chatModelInputs({
			defaultSource: 'none',
			mainInputs: [{ displayName: 'Messages', required: true }, { displayName: 'Knowledge Base' }],
			withModelInputs: [
				{ type: NodeConnectionTypes.AiMemory, displayName: 'Memory', maxConnections: 1 },
				{ type: NodeConnectionTypes.AiTool, displayName: 'Tool' },
			],
		}),
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Answered', 'Unanswered'],
		credentials: [
			{ name: 'openAiApi', required: true, displayOptions: { show: { modelSource: ['credential'] } } },
			{
				name: 'whatsAppSupportStorePostgresApi',
				required: true,
				displayOptions: { show: { supportStore: ['postgres'] } },
				testedBy: 'supportStoreConnectionTest',
			},
		],
		properties: [
			...chatModelProperties({
				defaultSource: 'none',
				noneName: 'None (Answer From Knowledge Base)',
				noneDescription: 'No LLM: the best matching knowledge-base entry is the answer',
			}),
			...aiReplyProperties(DEFAULT_SYSTEM_PROMPT),
			toolSettingsProperty,
			supportStoreProperty,
		],
	};

	methods = { credentialTest: { supportStoreConnectionTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const knowledge = knowledgeFor(this);
		const index = knowledgeIndexFor(knowledge);

		// Items that fail (with continue-on-fail) go to Unanswered, so a person takes them.
		return await routeItems(
			this,
			2,
			async (json, itemIndex) => {
				const conversation = readConversation(json);
				const message = (json.message ?? {}) as { id?: string; type?: string; text?: string; textMasked?: string };
				const masked = typeof message.textMasked === 'string';
				const nluLanguage = (json.nlu as { language?: string } | undefined)?.language;
				const written = (masked ? message.textMasked : message.text) ?? '';
				// A location pin asks the way; a greeting in front of a question does not change which answer fits.
				const question =
					message.type === 'location'
						? LOCATION_QUESTION[isSmallTalkLanguage(nluLanguage) ? nluLanguage : (this.getNodeParameter('defaultLanguage', itemIndex, 'en') as 'en')]
						: (splitLeadingGreeting(written)?.rest ?? written);
				if (!question.trim()) {
					throw new NodeOperationError(this.getNode(), 'The message has no text to answer', {
						itemIndex,
						description: 'AI Reply answers text messages. Route other types (images, stickers …) elsewhere, e.g. with an IF node on message.type.',
					});
				}
				const nlu = json.nlu as { language?: string } | undefined;
				const language =
					nlu?.language && nlu.language !== 'unknown'
						? nlu.language
						: detectLanguage(question, { hint: this.getNodeParameter('defaultLanguage', itemIndex, 'en') as string }).language;
				const replyLanguage = language === 'unknown' ? (this.getNodeParameter('defaultLanguage', itemIndex, 'en') as string) : language;

				const store = await getSupportStore(this, itemIndex);
				const historyLength = this.getNodeParameter('historyLength', itemIndex, 10) as number;
				const modelSource = this.getNodeParameter('modelSource', itemIndex, 'none') as string;
				// A memory sub-node (ours reads this same store) replaces the built-in history when connected.
				const memory = modelSource !== 'none' ? await getConnectedMemory(this, itemIndex) : undefined;
				const history: HistoryLine[] = memory
					? (await historyFromMemory(memory)).slice(-historyLength).map((line) => ({ ...line, text: masked ? maskPii(line.text).masked : line.text }))
					: (await store.listMessages(conversation.id, historyLength + 1))
							.filter((stored) => stored.waMessageId !== message.id && stored.text)
							.slice(-historyLength)
							.map((stored) => ({
								from: stored.author,
								// When the gate masked this message, earlier ones are masked too: the model sees no personal data.
								text: masked ? maskPii(stored.text ?? '').masked : (stored.text ?? ''),
							}));

				const chat = await getChatModel(this, itemIndex);
				const tools = chat ? await getConnectedTools(this, itemIndex) : [];
				const toolSettings = this.getNodeParameter('toolSettings', itemIndex, {}) as {
					maxToolCalls?: number;
					toolTimeoutMs?: number;
					turnTimeoutMs?: number;
					personalDataTools?: string;
				};
				const vaultMap = recallRestoreMap(restoreVaultKey(this.getExecutionId(), message.id));
				const toolPrivacy = createToolPrivacy({
					restoreMap: vaultMap ?? {},
					personalDataTools: (toolSettings.personalDataTools ?? '').split(',').map((name) => name.trim()).filter(Boolean),
				});
				// The guest profile: given to the model, kept up to date by its remember tool, used to greet by name.
				const rememberGuests = this.getNodeParameter('rememberGuests', itemIndex, false) as boolean;
				const customerKey = customerKeyOf(conversation.customer);
				const profileAllowed = rememberGuests && deriveConsent(await store.listConsentEvents(customerKey)).service.status !== 'revoked';
				let guestProfile: ProfileView | undefined = profileAllowed ? await store.getGuestProfile(customerKey) : undefined;
				let greetName: string | undefined;
				if (guestProfile?.name) {
					const recent = await store.listMessages(conversation.id, 20);
					const lastWritten = recent.filter((row) => row.author === 'bot' || row.author === 'agent').map((row) => Date.parse(row.sentAt)).sort().pop();
					if (lastWritten === undefined || Date.now() - lastWritten > GREETING_GAP_MS) greetName = guestProfile.name;
				}
				if (chat && profileAllowed) {
					tools.push(
						rememberGuestTool(async (update) => {
							guestProfile = await store.updateGuestProfile(customerKey, update);
							return guestProfile;
						}),
					);
				}
				const profile = this.getNodeParameter('businessProfile', itemIndex, {}) as { name?: string; tone?: string; facts?: string };
				const isLocation = message.type === 'location';
				const generated = await generateReply({
					question,
					language: replyLanguage,
					history,
					knowledge: index,
					topK: this.getNodeParameter('topK', itemIndex, 4) as number,
					profile: { name: profile.name ?? '', tone: profile.tone ?? '', facts: profile.facts ?? '' },
					systemPrompt: this.getNodeParameter('systemPrompt', itemIndex, DEFAULT_SYSTEM_PROMPT) as string,
					model: chat?.model,
					invokeOptions: chat?.invokeOptions,
					// A pin has no words to cover: any entry may match, but only one about the way there is sent.
					minCoverage: isLocation ? 0 : (this.getNodeParameter('minCoverage', itemIndex, 0.35) as number),
					tools,
					extraContext: profileContext(guestProfile, (text) => (masked ? toolPrivacy.mask(text) : text)),
					greetName,
					toolLimits: {
						maxToolCalls: toolSettings.maxToolCalls ?? DEFAULT_TOOL_LIMITS.maxToolCalls,
						toolTimeoutMs: toolSettings.toolTimeoutMs ?? DEFAULT_TOOL_LIMITS.toolTimeoutMs,
						totalTimeoutMs: toolSettings.turnTimeoutMs ?? DEFAULT_TOOL_LIMITS.totalTimeoutMs,
					},
					toolPrivacy,
				});
				const outcome =
					isLocation && generated.answered && generated.source === 'kb' && !generated.sources.some((source) => isDirectionsQuestion(source.question))
						? { ...generated, answered: false, text: '', parts: [], reason: 'no_match' as const }
						: generated;
				await store.recordAnswerOutcome(conversation.id, outcome.answered);
				// Memories that keep their own history (Simple Memory, Redis …) learn the exchange, masked.
				if (memory?.saveContext && outcome.answered) await memory.saveContext({ input: question }, { output: outcome.text });

				// The customer's own data goes back into the reply only now, after the model.
				// With tools, the map also holds the values found in what the tools answered.
				const restoreMap = vaultMap || tools.length ? toolPrivacy.restoreMap : undefined;
				const text = restoreMap ? unmaskPii(outcome.text, restoreMap) : outcome.text;
				const reply: IDataObject = {
					text,
					parts: restoreMap ? outcome.parts.map((part) => unmaskPii(part, restoreMap)) : outcome.parts,
					language: outcome.language,
					sources: outcome.sources as unknown as IDataObject[],
					source: outcome.source,
					model: outcome.model ?? chat?.modelName ?? null,
					usage: (outcome.usage as unknown as IDataObject) ?? null,
					latencyMs: outcome.latencyMs,
					answered: outcome.answered,
				};
				let route = json.route as IDataObject | undefined;
				if (outcome.handoff) {
					// The Human Handoff node reads route.reasons by default: it then does the rest.
					reply.handoff = outcome.handoff as IDataObject;
					const why = `${outcome.handoff.kind === 'callback' ? 'callback requested' : 'handed over by the assistant'}: ${String(outcome.handoff.reason ?? outcome.handoff.topic ?? '')}`;
					const reasons = Array.isArray(route?.reasons) ? (route.reasons as string[]) : [];
					route = { ...(route ?? {}), decision: 'human', reasons: [...reasons, why] };
				}
				if (outcome.toolCalls) {
					reply.toolCalls = outcome.toolCalls as unknown as IDataObject[];
					reply.modelCalls = outcome.modelCalls ?? null;
				}
				if (!outcome.answered) {
					reply.reason = outcome.reason ?? 'no_answer';
					if (outcome.error) reply.error = outcome.error;
				}
				const profileOut = guestProfile
					? { profile: { name: guestProfile.name ?? null, language: guestProfile.language ?? null, preferences: guestProfile.preferences, bookings: guestProfile.bookings } }
					: {};
				return [outcome.answered ? 0 : 1, { ...json, conversation, ...(route ? { route } : {}), ...profileOut, reply }];
			},
			{ errorOutput: 1 },
		);
	}
}

/** Knowledge entries from the node, from its Knowledge Base input, or both. */
function knowledgeFor(context: IExecuteFunctions): KnowledgeEntry[] {
	const entries = (context.getNodeParameter('knowledge', 0, {}) as { entry?: Array<Record<string, unknown>> }).entry ?? [];
	const fromNode = toKnowledgeEntries(entries, {}, 'KB');
	// Rows on the Knowledge Base input, if it is connected. (Not context.getNodeInputs(): the inputs are an
	// expression n8n would evaluate in an isolate on every execution.)
	let rows: INodeExecutionData[] = [];
	try {
		rows = context.getInputData(1, NodeConnectionTypes.Main) ?? [];
	} catch {
		rows = [];
	}
	if (rows.length === 0) return fromNode;
	const fields = context.getNodeParameter('knowledgeFields', 0, {}) as { question?: string; answer?: string; language?: string };
	return [...fromNode, ...toKnowledgeEntries(rows.map((row) => row.json), fields, 'IN')];
}
