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
import {
	buildSmallTalkReply,
	chooseReplyLanguage,
	DEFAULT_SMALL_TALK_SETTINGS,
	recognizeSmallTalk,
	type SmallTalkMessage,
	type SmallTalkNlu,
	type SmallTalkOverrides,
	type SmallTalkTextKind,
} from '../domain/smalltalk/small-talk';
import { smallTalkProperties } from './description';

const OUTPUT = { other: 0, reply: 1, noReply: 2, person: 3 } as const;

function list(value: unknown, fallback: string[]): string[] {
	if (typeof value !== 'string') return fallback;
	return value
		.split(',')
		.map((entry) => entry.trim())
		.filter(Boolean);
}

export class SmallTalk implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Small Talk',
		name: 'smallTalk',
		icon: 'file:smallTalk.svg',
		group: ['transform'],
		version: 1,
		subtitle: 'greetings, thanks, 👍, media',
		description:
			"Answers greetings and thanks, lets \"ok\", 👍, reactions and stickers pass quietly, and asks for text when a voice note or photo comes without one, in the guest's language; everything else goes on",
		defaults: { name: 'Small Talk' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Other', 'Reply', 'No Reply', 'Person'],
		credentials: [
			{
				name: 'whatsAppSupportStorePostgresApi',
				required: true,
				displayOptions: { show: { supportStore: ['postgres'] } },
				testedBy: 'supportStoreConnectionTest',
			},
		],
		properties: [...smallTalkProperties, supportStoreProperty],
	};

	methods = { credentialTest: { supportStoreConnectionTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await routeItems(this, 4, async (json, itemIndex) => {
			const conversation = readConversation(json);
			const message = (json.message ?? {}) as SmallTalkMessage & { id?: string; reaction?: { messageId?: string; emoji?: string }; timestamp?: string };
			const nlu = json.nlu as (SmallTalkNlu & IDataObject) | undefined;
			const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
			const kind = recognizeSmallTalk(message, nlu, {
				greetingIntents: list(options.greetingIntents, DEFAULT_SMALL_TALK_SETTINGS.greetingIntents),
				thanksIntents: list(options.thanksIntents, DEFAULT_SMALL_TALK_SETTINGS.thanksIntents),
				minConfidence: typeof options.minConfidence === 'number' ? options.minConfidence : DEFAULT_SMALL_TALK_SETTINGS.minConfidence,
				outOfScopeIntents: options.outOfScopeIntents === undefined ? DEFAULT_SMALL_TALK_SETTINGS.outOfScopeIntents : list(options.outOfScopeIntents, []),
				outOfScopeConfidence: typeof options.outOfScopeConfidence === 'number' ? options.outOfScopeConfidence : DEFAULT_SMALL_TALK_SETTINGS.outOfScopeConfidence,
			});

			const store = await getSupportStore(this, itemIndex);
			const record = await store.getConversation(conversation.id);
			const fallbackLanguage = this.getNodeParameter('defaultLanguage', itemIndex, 'en') as string;
			const chosen = chooseReplyLanguage({ text: message.text, kind, known: record?.language, fallback: fallbackLanguage });
			// A model may name a language the offline detection does not know: keep it.
			const language = !chosen.detected && nlu?.source === 'llm' && typeof nlu.language === 'string' && nlu.language !== 'unknown' ? nlu.language : chosen.language;
			if (chosen.detected && record && record.language !== chosen.detected) await store.rememberLanguage(conversation.id, chosen.detected);

			const withoutText = kind === 'media_without_text';
			// Reactions and stickers neither count nor break a run of voice notes and photos without text.
			let mediaInARow = 0;
			if (withoutText) mediaInARow = await store.recordMediaWithoutText(conversation.id, true);
			else if ((record?.mediaWithoutTextStreak ?? 0) > 0 && kind !== 'reaction' && kind !== 'sticker') await store.recordMediaWithoutText(conversation.id, false);
			if (kind === 'reaction' && message.reaction?.messageId) {
				await store.recordReaction(conversation.id, message.reaction.messageId, message.reaction.emoji, message.timestamp ? new Date(message.timestamp) : undefined);
			}

			const out: IDataObject = { ...json, conversation, nlu: { ...(nlu ?? {}), language }, smallTalk: { kind } };
			if (kind === 'none') return [OUTPUT.other, out];
			if (kind === 'location') {
				const intent = String(options.locationIntent ?? 'directions_transport') || 'directions_transport';
				out.nlu = { ...(nlu ?? {}), language, intent, confidence: 1, margin: 1, ranking: [{ intent, score: 1 }], source: 'location' };
				return [OUTPUT.other, out];
			}
			const maxMedia = typeof options.maxMediaWithoutText === 'number' ? options.maxMediaWithoutText : 1;
			if (withoutText && mediaInARow > maxMedia) {
				out.route = {
					decision: 'human',
					reasons: [`${mediaInARow} messages without text in a row (voice notes, photos or documents)`],
					rules: ['media_without_text'],
				};
				return [OUTPUT.person, out];
			}

			const profileName = (conversation.customer as { name?: string } | undefined)?.name;
			const reply = buildSmallTalkReply(kind, {
				language,
				fallbackLanguage,
				overrides: overridesFrom(this.getNodeParameter('replies', itemIndex, {}) as IDataObject),
				businessName: this.getNodeParameter('businessName', itemIndex, '') as string,
				customerName: profileName,
				topics: list(this.getNodeParameter('topics', itemIndex, ''), []),
				topicTitles: topicTitlesFrom(this.getNodeParameter('topicTitles', itemIndex, {}) as IDataObject),
			});
			out.route = { decision: 'automate', reasons: [`small talk: ${kind.replace(/_/g, ' ')}`], rules: ['small_talk'] };
			if (!reply) return [OUTPUT.noReply, out];
			out.reply = reply as unknown as IDataObject;
			return [OUTPUT.reply, out];
		});
	}
}

function overridesFrom(parameter: IDataObject): SmallTalkOverrides {
	const overrides: SmallTalkOverrides = {};
	for (const entry of (parameter.reply as Array<{ kind: SmallTalkTextKind; language: string; text: string }> | undefined) ?? []) {
		(overrides[entry.kind] ??= {})[entry.language] = entry.text ?? '';
	}
	return overrides;
}

function topicTitlesFrom(parameter: IDataObject): Record<string, Record<string, string>> {
	const titles: Record<string, Record<string, string>> = {};
	for (const entry of (parameter.title as Array<{ intent: string; language: string; title: string }> | undefined) ?? []) {
		if (entry.intent?.trim() && entry.title?.trim()) (titles[entry.intent.trim()] ??= {})[entry.language] = entry.title.trim();
	}
	return titles;
}
