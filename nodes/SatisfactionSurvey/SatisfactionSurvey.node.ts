import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { toNodeError } from '../glue/errors';
import { routeItems } from '../glue/items';
import { getSupportStore, supportStoreConnectionTest, supportStoreProperty } from '../glue/store';
import { graphClientFor, readWhatsAppCredentials, WHATSAPP_CREDENTIAL, whatsAppCloudApiTest } from '../glue/whatsapp';
import { readConversation, type ConversationRef } from '../domain/envelope';
import { parseInternalNumbers, type SupportStore, type SurveyKind, type SurveyRecord } from '../domain/store';
import { buildSurveyMessage, buildSurveyText, isLowScore, readSurveyAnswer, SURVEY_TEXTS, surveyConsent, surveyLanguage } from '../domain/survey';
import type { GraphClient } from '../domain/whatsapp/graph-client';
import type { CloudApiMessage } from '../domain/whatsapp/outbound';
import { deliverMessages } from '../domain/whatsapp/send';

interface SendDueOptions {
	windowMarginMinutes?: number;
	maxPerRun?: number;
	defaultLanguage?: string;
	internalNumbers?: string;
}

interface CatchOptions {
	askFollowUp?: boolean;
	csatLowAtMost?: number;
	followUpMinutes?: number;
	answerHours?: number;
}

export class SatisfactionSurvey implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Satisfaction Survey',
		name: 'satisfactionSurvey',
		icon: 'file:satisfactionSurvey.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] === "sendDue" ? "Send due surveys" : "Catch survey answer" }}',
		description: 'Asks guests for a CSAT (1–5) or NPS (0–10) score when a conversation ends, and stores their answers',
		defaults: { name: 'Satisfaction Survey' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Handled (Answer / Sent)', 'Passed On (Other Message / Skipped)'],
		credentials: [
			{ name: 'whatsAppCloudApi', required: true, testedBy: 'whatsAppCloudApiTest' },
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
					'Catch Survey Answer: put it before the intent classifier. Survey answers and comments leave on Handled (stored and thanked); every other message leaves on Passed On, for the bot. Send Due Surveys: sent surveys leave on Handled, skipped ones (consent, sent recently) on Passed On.',
				name: 'outputsNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Send Due Surveys',
						value: 'sendDue',
						description: 'Find conversations that ended and send each guest the survey (run it from a Schedule Trigger)',
						action: 'Send due surveys',
					},
					{
						name: 'Catch Survey Answer',
						value: 'catchAnswer',
						description: 'Store a survey answer (or the comment after a low score) instead of passing it to the bot',
						action: 'Catch a survey answer',
					},
				],
				default: 'sendDue',
			},
			{
				displayName: 'Survey',
				name: 'kind',
				type: 'options',
				options: [
					{ name: 'CSAT (1–5)', value: 'csat' },
					{ name: 'NPS (0–10)', value: 'nps' },
				],
				default: 'csat',
				displayOptions: { show: { operation: ['sendDue'] } },
				description: 'CSAT is a list of 5 answers; NPS a list of 10–1 (WhatsApp lists hold 10 rows) with 0 typed',
			},
			{
				displayName: 'Quiet Time (Minutes)',
				name: 'idleMinutes',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 30,
				displayOptions: { show: { operation: ['sendDue'] } },
				description: 'A conversation has ended when the bot answered and the guest wrote nothing for this long (a released handoff ends it at once)',
			},
			{
				displayName: 'At Most Once Every (Days)',
				name: 'everyDays',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 30,
				displayOptions: { show: { operation: ['sendDue'] } },
				description: 'A guest gets at most one survey in this many days, whether they answered or not',
			},
			{
				displayName: 'Require Analytics Opt-In',
				name: 'requireOptIn',
				type: 'boolean',
				default: false,
				displayOptions: { show: { operation: ['sendDue'] } },
				description:
					'Whether only guests with an analytics opt-in in the consent log get a survey. Off: everyone except guests who opted out of service or analytics (or sent STOP).',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				displayOptions: { show: { operation: ['sendDue'] } },
				options: [
					{
						displayName: 'Window Safety Margin (Minutes)',
						name: 'windowMarginMinutes',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 15,
						description: 'Send only while the 24 h service window stays open at least this much longer',
					},
					{
						displayName: 'Max Surveys per Run',
						name: 'maxPerRun',
						type: 'number',
						typeOptions: { minValue: 1 },
						default: 50,
					},
					{
						displayName: 'Default Language',
						name: 'defaultLanguage',
						type: 'options',
						options: [
							{ name: 'Dutch', value: 'nl' },
							{ name: 'English', value: 'en' },
							{ name: 'French', value: 'fr' },
							{ name: 'German', value: 'de' },
							{ name: 'Spanish', value: 'es' },
						],
						default: 'en',
						description: 'For guests whose language is not known yet',
					},
					{
						displayName: 'Internal Numbers',
						name: 'internalNumbers',
						type: 'string',
						default: '',
						placeholder: '15550100001, 31612345678',
						description:
							'Staff numbers (with country code, comma-separated) or user IDs: never surveyed, and their chats are marked internal, so they are left out of every customer figure (the duty manager and agents marked by WhatsApp Send are left out already)',
					},
				],
			},
			{
				displayName: 'Options',
				name: 'catchOptions',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				displayOptions: { show: { operation: ['catchAnswer'] } },
				options: [
					{
						displayName: 'Ask Why After a Low Score',
						name: 'askFollowUp',
						type: 'boolean',
						default: true,
						description: 'Whether to ask for a comment after a low score (CSAT at most the threshold below, NPS 0–6); the next text is stored as the comment',
					},
					{
						displayName: 'Low CSAT Is at Most',
						name: 'csatLowAtMost',
						type: 'number',
						typeOptions: { minValue: 1, maxValue: 4 },
						default: 2,
					},
					{
						displayName: 'Comment Time (Minutes)',
						name: 'followUpMinutes',
						type: 'number',
						typeOptions: { minValue: 1 },
						default: 60,
						description: 'A text this long after the follow-up question is the comment; later texts go to the bot',
					},
					{
						displayName: 'Typed Score Time (Hours)',
						name: 'answerHours',
						type: 'number',
						typeOptions: { minValue: 1 },
						default: 24,
						description: 'A number typed alone this long after the survey, with nothing sent since, counts as the score (taps on the list always count)',
					},
				],
			},
			supportStoreProperty,
		],
	};

	methods = { credentialTest: { whatsAppCloudApiTest, supportStoreConnectionTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0) as string;
		if (operation === 'sendDue') return await sendDueSurveys(this);
		// Most messages are not survey answers and send nothing here: the credential is read only when a
		// thank-you goes out (one credential read less per message; issue O).
		let client: Promise<GraphClient> | undefined;
		const clientOf = async () => await (client ??= this.getCredentials(WHATSAPP_CREDENTIAL).then((data) => graphClientFor(readWhatsAppCredentials(data))));
		// Output 0: a survey answer (stored, thanked); output 1: anything else, for the bot. A failure goes to the bot.
		return await routeItems(
			this,
			2,
			async (json, itemIndex) => {
				const conversation = readConversation(json);
				const store = await getSupportStore(this, itemIndex);
				const options = this.getNodeParameter('catchOptions', itemIndex, {}) as CatchOptions;
				const handled = await catchAnswer(store, clientOf, conversation, json, options);
				return handled ? [0, { ...json, conversation, survey: handled as unknown as IDataObject }] : [1, json];
			},
			{ errorOutput: 1 },
		);
	}
}

async function send(client: GraphClient, store: SupportStore, conversation: ConversationRef, payloads: CloudApiMessage[]): Promise<string[]> {
	const result = await deliverMessages({ client, store, conversation, payloads, author: 'bot' });
	return result.messageIds;
}

async function catchAnswer(
	store: SupportStore,
	client: () => Promise<GraphClient>,
	conversation: ConversationRef & { id: string },
	json: IDataObject,
	options: CatchOptions,
): Promise<(SurveyRecord & { event: string }) | undefined> {
	const message = json.message as { type?: string; text?: string; interactive?: { id?: string }; timestamp?: string } | undefined;
	const at = message?.timestamp && !Number.isNaN(Date.parse(message.timestamp)) ? new Date(message.timestamp) : new Date();
	const recipient = { waId: conversation.customer.waId, userId: conversation.customer.userId };
	const awaiting = await store.surveys.awaiting(conversation.id);
	// A number typed alone answers the survey only while the survey is the last thing we sent (not, say, a
	// form's "for how many people?").
	const typedAllowed =
		awaiting?.status === 'sent' &&
		at.getTime() - Date.parse(awaiting.sentAt) <= (options.answerHours ?? 24) * 3_600_000 &&
		message?.type === 'text' &&
		(await store.surveys.isLastSent(awaiting.id));
	const answer = readSurveyAnswer(message, awaiting?.kind ?? 'csat', typedAllowed);
	if (answer) {
		const survey = answer.surveyId === undefined ? awaiting : answer.surveyId === awaiting?.id ? awaiting : await store.surveys.get(answer.surveyId);
		if (!survey || survey.conversationId !== conversation.id) return undefined;
		const texts = SURVEY_TEXTS[surveyLanguage(survey.language)];
		const followUp = (options.askFollowUp ?? true) && isLowScore(survey.kind, answer.score, options.csatLowAtMost ?? 2);
		const updated = await store.surveys.recordScore(survey.id, answer.score, at, followUp);
		// A second tap on an answered survey: stored already, nothing to send, and not a question for the bot.
		if (!updated) return { ...survey, event: 'already_answered' };
		await send(await client(), store, conversation, buildSurveyText(recipient, followUp ? texts.followUp : texts.thanks, conversation.id));
		return { ...updated, event: followUp ? 'score_follow_up' : 'score' };
	}
	if (awaiting?.status === 'follow_up' && awaiting.followUpAskedAt) {
		const inTime = at.getTime() - Date.parse(awaiting.followUpAskedAt) <= (options.followUpMinutes ?? 60) * 60_000;
		const comment = message?.type === 'text' ? message.text?.trim() : undefined;
		if (inTime && comment) {
			const updated = await store.surveys.recordComment(awaiting.id, comment.slice(0, 2000), at);
			if (updated) {
				await send(await client(), store, conversation, buildSurveyText(recipient, SURVEY_TEXTS[surveyLanguage(awaiting.language)].thanksComment, conversation.id));
				return { ...updated, event: 'comment' };
			}
		}
		await store.surveys.closeFollowUp(awaiting.id);
	}
	return undefined;
}

async function sendDueSurveys(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const kind = context.getNodeParameter('kind', 0) as SurveyKind;
	const idleMinutes = context.getNodeParameter('idleMinutes', 0) as number;
	const everyDays = context.getNodeParameter('everyDays', 0) as number;
	const requireOptIn = context.getNodeParameter('requireOptIn', 0, false) as boolean;
	const options = context.getNodeParameter('options', 0, {}) as SendDueOptions;
	if (!(idleMinutes >= 1) || !(everyDays >= 1)) {
		throw new NodeOperationError(context.getNode(), 'Quiet Time and At Most Once Every must be at least 1', {
			itemIndex: 0,
			description: 'Set Quiet Time (Minutes) and At Most Once Every (Days) to 1 or more.',
		});
	}
	const credentials = readWhatsAppCredentials(await context.getCredentials(WHATSAPP_CREDENTIAL));
	const client = graphClientFor(credentials);
	const store = await getSupportStore(context, 0);
	const now = new Date();
	const internalNumbers = parseInternalNumbers(options.internalNumbers);
	await store.markNumbersInternal(internalNumbers, 'staff');
	const due = await store.surveys.findDue({
		now,
		idleMinutes,
		windowMarginMinutes: options.windowMarginMinutes ?? 15,
		limit: options.maxPerRun ?? 50,
		phoneNumberId: credentials.phoneNumberId,
		internalNumbers,
	});
	const out: INodeExecutionData[] = [];
	const skipped: INodeExecutionData[] = [];
	for (const candidate of due) {
		const conversation: ConversationRef & { id: string } = {
			id: candidate.conversationId,
			channel: 'whatsapp',
			phoneNumberId: candidate.phoneNumberId,
			customer: { waId: candidate.waId ?? undefined, userId: candidate.userId ?? undefined, name: candidate.customerName ?? undefined },
		};
		const base = { conversationId: candidate.conversationId, reason: candidate.reason, route: candidate.route, intent: candidate.intent, endedAt: candidate.endedAt };
		const consent = surveyConsent(await store.listConsentEvents(candidate.customerKey), requireOptIn);
		if (consent !== 'allowed') {
			skipped.push({ json: { conversation, survey: { ...base, status: 'skipped', skippedBecause: consent } }, pairedItem: { item: 0 } });
			continue;
		}
		const language = surveyLanguage(candidate.language, options.defaultLanguage);
		const claimed = await store.surveys.claim(candidate, { kind, language, everyDays, now });
		if (!claimed) {
			skipped.push({ json: { conversation, survey: { ...base, status: 'skipped', skippedBecause: 'recently_surveyed' } }, pairedItem: { item: 0 } });
			continue;
		}
		try {
			const recipient = { waId: conversation.customer.waId, userId: conversation.customer.userId };
			const [messageId] = await send(client, store, conversation, [buildSurveyMessage(recipient, claimed.id, kind, language, conversation.id)]);
			await store.surveys.attachMessage(claimed.id, messageId);
			out.push({ json: { conversation, survey: { ...base, id: claimed.id, kind, language, status: 'sent', messageId } }, pairedItem: { item: 0 } });
		} catch (error) {
			await store.surveys.withdraw(claimed.id);
			const nodeError = toNodeError(context.getNode(), error, 0);
			if (!context.continueOnFail()) throw nodeError;
			skipped.push({ json: { conversation, survey: { ...base, status: 'failed' }, error: nodeError.message }, pairedItem: { item: 0 } });
		}
	}
	return [out, skipped];
}
