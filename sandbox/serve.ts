// Runs the Graph sandbox standalone and logs one redacted line per request:
//   node scripts/run-ts.js sandbox/serve.ts --port 5680
// Options:
//   --port <n>             default 5680 (0 picks a free port)
//   --token <t>            accepted bearer token, repeatable (also GRAPH_SANDBOX_TOKENS, comma-separated);
//                          default 'sandbox-token'
//   --webhook-url <url>    post status webhooks (sent, delivered by default) for each accepted send;
//                          the app secret comes from --app-secret or WHATSAPP_APP_SECRET
//   --statuses <list>      e.g. sent,delivered,read
//   --delay-ms <n>         wait before each status webhook
//   --duplicates <n>       post each status n times (Meta's at-least-once delivery)
//   --quiet                no per-request lines
// Tokens and secrets are never printed.

import { parseArgs } from 'node:util';

import { type GraphSandbox, type RecordedRequest, startGraphSandbox, type WebhookDelivery } from './graph-sandbox';
import { runWhenEntryPoint } from './cli';

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One log line; built only from the already-redacted record. */
export function formatRequestLine(record: RecordedRequest): string {
	const query = Object.entries(record.query)
		.map(([key, value]) => `${key}=${value}`)
		.join('&');
	let summary = '';
	const response = record.response.body;
	if (isObject(response) && isObject(response.error)) {
		summary = ` error=${String(response.error.code)}`;
	} else if (isObject(response) && Array.isArray(response.messages) && isObject(response.messages[0])) {
		const body = isObject(record.body) ? record.body : {};
		summary = ` type=${typeof body.type === 'string' ? body.type : 'text'} id=${String(response.messages[0].id)}`;
	} else if (isObject(response) && response.success === true && isObject(record.body)) {
		summary = record.body.typing_indicator ? ' read+typing' : ' read';
	}
	return `${record.timestamp} ${record.method} ${record.path}${query ? `?${query}` : ''} → ${record.response.status} ${record.durationMs}ms${summary}`;
}

export function formatDeliveryLine(delivery: WebhookDelivery): string {
	const outcome = delivery.ok ? String(delivery.httpStatus) : delivery.error ? `failed (${delivery.error})` : `failed (HTTP ${delivery.httpStatus})`;
	return `${delivery.timestamp} webhook ${delivery.status}${delivery.copy > 1 ? ` copy ${delivery.copy}` : ''} ${delivery.messageId} → ${outcome}`;
}

export async function main(argv: string[] = process.argv.slice(2), log: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<GraphSandbox> {
	const { values } = parseArgs({
		args: argv,
		options: {
			port: { type: 'string', default: '5680' },
			token: { type: 'string', multiple: true },
			'webhook-url': { type: 'string' },
			'app-secret': { type: 'string' },
			statuses: { type: 'string' },
			'delay-ms': { type: 'string' },
			duplicates: { type: 'string' },
			quiet: { type: 'boolean', default: false },
		},
	});
	const port = Number(values.port);
	if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got '${values.port}'`);
	const envTokens = (process.env.GRAPH_SANDBOX_TOKENS ?? '').split(',').map((token) => token.trim()).filter(Boolean);
	const tokens = [...(values.token ?? []), ...envTokens];

	const sandbox = await startGraphSandbox({
		port,
		accessTokens: tokens.length > 0 ? tokens : undefined,
		onRequest: values.quiet ? undefined : (record) => log(formatRequestLine(record)),
		onWebhookDelivery: values.quiet ? undefined : (delivery) => log(formatDeliveryLine(delivery)),
	});

	const webhookUrl = values['webhook-url'];
	if (webhookUrl) {
		const appSecret = values['app-secret'] ?? process.env.WHATSAPP_APP_SECRET;
		if (!appSecret) {
			await sandbox.close();
			throw new Error('--webhook-url needs --app-secret or WHATSAPP_APP_SECRET to sign status webhooks');
		}
		const statuses = values.statuses?.split(',').map((status) => status.trim()) as Array<'sent' | 'delivered' | 'read'> | undefined;
		sandbox.configureWebhook({
			url: webhookUrl,
			appSecret,
			statuses,
			delayMs: values['delay-ms'] ? Number(values['delay-ms']) : undefined,
			duplicates: values.duplicates ? Number(values.duplicates) : undefined,
		});
	}

	log(`WhatsApp Graph sandbox listening on ${sandbox.baseUrl} (${tokens.length || 1} accepted token(s); phone number id 1065000000001)`);
	if (webhookUrl) log(`status webhooks → ${webhookUrl}`);
	return sandbox;
}

runWhenEntryPoint(module, __filename, main);
