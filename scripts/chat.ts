// `npm run chat -- "Hello"`: plays a WhatsApp guest against the `npm start` demo. Posts a signed inbound
// webhook to the demo trigger, then prints what the bot sent back through the Graph sandbox.
//   --from 31612345678   the guest's number (default 31600000001)
//   --name "Anna"        the guest's profile name
//   --wait 15            seconds to wait for replies
//   --bot hotel          which demo bot: hotel (hotel-concierge, default), hotel-llm (hotel-concierge-llm),
//                        support (whatsapp-ai-support), restaurant (restaurant-reservations) or travel (travel-agency)
//   --listen 150         send nothing; print what the guest gets in the next 150 s (the satisfaction survey
//                        comes a minute or two after the bot's last answer)
//   --tap 2              tap choice 2 (a reply button or list row, numbered as printed) of the last message
//                        with choices, e.g. the survey's "4 – Satisfied"
import { DEMO_APP_SECRET, DEMO_BOTS, DEMO_PHONE_NUMBER_ID, type DemoBot, demoGraphSandboxPort, demoWebhookUrl } from './demo';
import { describeSent, lastChoices, sentTo, tapWebhook } from './lib/chat-tap';
import { inboundTextWebhook, postSignedWebhook } from '../sandbox/webhook-signer';

function option(name: string, fallback: string): string {
	const index = process.argv.indexOf(`--${name}`);
	return index > -1 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

/** Prints what reaches the guest until `seconds` pass, or 3 quiet seconds after something came; returns how many came. */
async function printArrivals(sandboxUrl: string, waId: string, already: number, seconds: number): Promise<number> {
	const deadline = Date.now() + seconds * 1000;
	let shown = already;
	let quietSince = Date.now();
	while (Date.now() < deadline) {
		const messages = await sentTo(sandboxUrl, waId);
		for (const message of messages.slice(shown)) process.stdout.write(`bot: ${describeSent(message)}\n`);
		if (messages.length > shown) quietSince = Date.now();
		shown = messages.length;
		if (shown > already && Date.now() - quietSince > 3000) break;
		await new Promise((resolve) => setTimeout(resolve, 300));
	}
	return shown - already;
}

async function main(): Promise<void> {
	const flags = new Set(['--from', '--name', '--wait', '--bot', '--listen', '--tap']);
	const words = process.argv.slice(2).filter((word, index, all) => !flags.has(word) && !flags.has(all[index - 1] ?? ''));
	const text = words.join(' ').trim();
	const listen = process.argv.includes('--listen') ? Number(option('listen', '150')) : undefined;
	const tap = process.argv.includes('--tap') ? Number(option('tap', '')) : undefined;
	if ([Boolean(text), listen !== undefined, tap !== undefined].filter(Boolean).length !== 1) {
		throw new Error(
			'usage: npm run chat -- "your message" | --listen <seconds> | --tap <choice>   [--bot hotel|hotel-llm|support|restaurant|travel] [--from 31612345678] [--name Anna]',
		);
	}
	const from = option('from', '31600000001');
	const name = option('name', 'Demo Guest');
	const waitSeconds = Number(option('wait', '15'));
	const bot = option('bot', 'hotel');
	if (!(bot in DEMO_BOTS)) throw new Error(`--bot must be one of ${Object.keys(DEMO_BOTS).join(', ')}`);
	const n8nUrl = `http://127.0.0.1:${process.env.PORT ?? process.env.N8N_PORT ?? 5678}`;
	const sandboxUrl = `http://127.0.0.1:${demoGraphSandboxPort()}`;

	const before = await sentTo(sandboxUrl, from);
	if (listen !== undefined) {
		if (!(listen > 0)) throw new Error('--listen takes a number of seconds, e.g. --listen 150');
		process.stdout.write(`listening ${listen} s for messages to +${from}…\n`);
		if (!(await printArrivals(sandboxUrl, from, before.length, listen))) {
			process.stdout.write(`(nothing within ${listen} s: the survey goes out once the bot answered and the guest was quiet for a minute, at most once per guest in 30 days; try another --from)\n`);
		}
		return;
	}

	let payload;
	let said: string;
	if (tap !== undefined) {
		const last = lastChoices(before);
		if (!last) throw new Error(`+${from} got no message with buttons or a list yet (wait for one with --listen 150)`);
		const choice = last.choices[tap - 1];
		if (!Number.isInteger(tap) || !choice) throw new Error(`--tap takes 1 to ${last.choices.length}: ${last.choices.map((each, index) => `${index + 1}. ${each.title}`).join(', ')}`);
		payload = tapWebhook({ from, name, phoneNumberId: DEMO_PHONE_NUMBER_ID, message: last.message, choice });
		said = `[tapped ${choice.title}]`;
	} else {
		payload = inboundTextWebhook({ from, name, text, phoneNumberId: DEMO_PHONE_NUMBER_ID });
		said = text;
	}
	const response = await postSignedWebhook(demoWebhookUrl(n8nUrl, bot as DemoBot), payload, DEMO_APP_SECRET);
	if (response.status !== 200) throw new Error(`the trigger answered ${response.status}: ${response.body}`);
	process.stdout.write(`you (${name}, +${from}) → ${DEMO_BOTS[bot as DemoBot].file}: ${said}\n`);

	if (!(await printArrivals(sandboxUrl, from, before.length, waitSeconds))) {
		process.stdout.write(`(no reply within ${waitSeconds} s: is \`npm start\` running and ${DEMO_BOTS[bot as DemoBot].file} published? After STOP or while a person has the chat, the bot stays silent, and "ok", 👍 or a sticker get no reply by design.)\n`);
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
	process.exit(1);
});
