// `npm run chat -- "Hello"`: plays a WhatsApp guest against the `npm start` demo. Posts a signed inbound
// webhook to the demo trigger, then prints what the bot sent back through the Graph sandbox.
//   --from 31612345678   the guest's number (default 31600000001)
//   --name "Anna"        the guest's profile name
//   --wait 15            seconds to wait for replies
//   --bot hotel          which demo bot: hotel (hotel-concierge, default), hotel-llm (hotel-concierge-llm),
//                        support (whatsapp-ai-support), restaurant (restaurant-reservations) or travel (travel-agency)
import { DEMO_APP_SECRET, DEMO_BOTS, DEMO_PHONE_NUMBER_ID, type DemoBot, demoGraphSandboxPort, demoWebhookUrl } from './demo';
import { inboundTextWebhook, postSignedWebhook } from '../sandbox/webhook-signer';

interface SentRecord {
	id: string;
	to?: string;
	type: string;
	body: Record<string, unknown>;
	timestamp: string;
}

function option(name: string, fallback: string): string {
	const index = process.argv.indexOf(`--${name}`);
	return index > -1 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

function describe(message: SentRecord): string {
	const body = message.body;
	if (body.type === 'text') return (body.text as { body: string }).body;
	if (body.type === 'template') return `[template ${(body.template as { name: string }).name}]`;
	if (body.type === 'interactive') {
		const interactive = body.interactive as { body?: { text?: string }; action?: unknown };
		return `${interactive.body?.text ?? ''}\n  ${JSON.stringify(interactive.action)}`;
	}
	return `[${message.type}]`;
}

async function sentTo(sandboxUrl: string, waId: string): Promise<SentRecord[]> {
	const response = await fetch(`${sandboxUrl}/__sandbox/sent`);
	const { messages } = (await response.json()) as { messages: SentRecord[] };
	return messages.filter((message) => message.to === waId);
}

async function main(): Promise<void> {
	const flags = new Set(['--from', '--name', '--wait', '--bot']);
	const words = process.argv.slice(2).filter((word, index, all) => !flags.has(word) && !flags.has(all[index - 1] ?? ''));
	const text = words.join(' ').trim();
	if (!text) throw new Error('usage: npm run chat -- "your message" [--bot hotel|hotel-llm|support|restaurant|travel] [--from 31612345678] [--name Anna]');
	const from = option('from', '31600000001');
	const name = option('name', 'Demo Guest');
	const waitSeconds = Number(option('wait', '15'));
	const bot = option('bot', 'hotel');
	if (!(bot in DEMO_BOTS)) throw new Error(`--bot must be one of ${Object.keys(DEMO_BOTS).join(', ')}`);
	const n8nUrl = `http://127.0.0.1:${process.env.PORT ?? process.env.N8N_PORT ?? 5678}`;
	const sandboxUrl = `http://127.0.0.1:${demoGraphSandboxPort()}`;

	const already = (await sentTo(sandboxUrl, from)).length;
	const payload = inboundTextWebhook({ from, name, text, phoneNumberId: DEMO_PHONE_NUMBER_ID });
	const response = await postSignedWebhook(demoWebhookUrl(n8nUrl, bot as DemoBot), payload, DEMO_APP_SECRET);
	if (response.status !== 200) throw new Error(`the trigger answered ${response.status}: ${response.body}`);
	process.stdout.write(`you (${name}, +${from}) → ${DEMO_BOTS[bot as DemoBot].file}: ${text}\n`);

	const deadline = Date.now() + waitSeconds * 1000;
	let shown = already;
	let quietSince = Date.now();
	while (Date.now() < deadline) {
		const messages = await sentTo(sandboxUrl, from);
		for (const message of messages.slice(shown)) process.stdout.write(`bot: ${describe(message)}\n`);
		if (messages.length > shown) quietSince = Date.now();
		shown = messages.length;
		// Replies arrive within a second or two; stop after 3 quiet seconds once something came.
		if (shown > already && Date.now() - quietSince > 3000) return;
		await new Promise((resolve) => setTimeout(resolve, 300));
	}
	if (shown === already) {
		process.stdout.write(`(no reply within ${waitSeconds} s: is \`npm start\` running and ${DEMO_BOTS[bot as DemoBot].file} published? After STOP or while a person has the chat, the bot stays silent, and "ok", 👍 or a sticker get no reply by design.)\n`);
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
	process.exit(1);
});
