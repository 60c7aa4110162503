// What `npm run chat` needs besides posting text: reading what the Graph sandbox recorded for a guest, the
// choices (reply buttons, list rows) of an interactive message, and the webhook of a guest tapping one, the
// way WhatsApp sends it (`button_reply` / `list_reply` with the id we sent). Used by scripts/chat.ts
// (`--listen`, `--tap`) and the end-to-end survey test.
import { inboundButtonReplyWebhook, inboundListReplyWebhook, type WhatsAppWebhookPayload } from '../../sandbox/webhook-signer';

/** One message as GET /__sandbox/sent lists it. */
export interface SentRecord {
	id: string;
	to?: string;
	type: string;
	body: Record<string, unknown>;
	timestamp: string;
}

export interface Choice {
	kind: 'button' | 'list';
	id: string;
	title: string;
	description?: string;
}

interface InteractiveBody {
	type?: string;
	body?: { text?: string };
	action?: {
		buttons?: Array<{ reply?: { id?: string; title?: string } }>;
		sections?: Array<{ rows?: Array<{ id?: string; title?: string; description?: string }> }>;
	};
}

/** The buttons or list rows of a sent interactive message, in the order the guest sees them. */
export function choicesOf(message: Pick<SentRecord, 'body'>): Choice[] {
	if (message.body.type !== 'interactive') return [];
	const interactive = message.body.interactive as InteractiveBody | undefined;
	if (interactive?.type === 'button') {
		return (interactive.action?.buttons ?? [])
			.filter((button) => button.reply?.id && button.reply.title)
			.map((button) => ({ kind: 'button' as const, id: button.reply!.id!, title: button.reply!.title! }));
	}
	if (interactive?.type === 'list') {
		return (interactive.action?.sections ?? [])
			.flatMap((section) => section.rows ?? [])
			.filter((row) => row.id && row.title)
			.map((row) => ({ kind: 'list' as const, id: row.id!, title: row.title!, ...(row.description ? { description: row.description } : {}) }));
	}
	return [];
}

/** The latest message with choices, and its choices; undefined when the guest got none. */
export function lastChoices(messages: SentRecord[]): { message: SentRecord; choices: Choice[] } | undefined {
	for (let index = messages.length - 1; index >= 0; index--) {
		const choices = choicesOf(messages[index]);
		if (choices.length) return { message: messages[index], choices };
	}
	return undefined;
}

/** The guest taps `choice` of `message` (the tap quotes it, as WhatsApp does). */
export function tapWebhook(options: { from: string; name: string; phoneNumberId: string; message: Pick<SentRecord, 'id'>; choice: Choice }): WhatsAppWebhookPayload {
	const common = { from: options.from, name: options.name, phoneNumberId: options.phoneNumberId, context: { id: options.message.id } };
	return options.choice.kind === 'button'
		? inboundButtonReplyWebhook({ ...common, buttonId: options.choice.id, title: options.choice.title })
		: inboundListReplyWebhook({ ...common, rowId: options.choice.id, title: options.choice.title, description: options.choice.description });
}

/** A sent message as one or more lines for the terminal; choices numbered for `--tap <n>`. */
export function describeSent(message: SentRecord): string {
	const body = message.body;
	if (body.type === 'text') return (body.text as { body: string }).body;
	if (body.type === 'template') return `[template ${(body.template as { name: string }).name}]`;
	if (body.type === 'interactive') {
		const interactive = body.interactive as InteractiveBody;
		const choices = choicesOf(message);
		const lines = choices.map((choice, index) => `  ${index + 1}. ${choice.title}${choice.description ? ` (${choice.description})` : ''}`);
		return [interactive.body?.text ?? '', ...lines].join('\n');
	}
	return `[${message.type}]`;
}

/** What the Graph sandbox at `sandboxUrl` sent to `waId`, oldest first. */
export async function sentTo(sandboxUrl: string, waId: string): Promise<SentRecord[]> {
	const response = await fetch(`${sandboxUrl}/__sandbox/sent`);
	if (!response.ok) throw new Error(`the Graph sandbox answered ${response.status}: is \`npm start\` running?`);
	const { messages } = (await response.json()) as { messages: SentRecord[] };
	return messages.filter((message) => message.to === waId);
}
