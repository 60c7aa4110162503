// What `npm start` and `npm run chat` share: the demo credentials (pointing at the local Graph sandbox)
// and where the demo trigger listens. The secrets here are demo values for a local sandbox only.
import type { CredentialJson, WorkflowJson } from './lib/n8n-server';

export const DEMO_APP_SECRET = 'demo-app-secret';
export const DEMO_VERIFY_TOKEN = 'demo-verify-token';
export const DEMO_ACCESS_TOKEN = 'sandbox-token';
export const DEMO_PHONE_NUMBER_ID = '1065000000001';
/** The webhookId of the WhatsApp AI Trigger in workflows/whatsapp-ai-support.json. */
export const DEMO_TRIGGER_WEBHOOK_ID = '0d6f3c9a-7d1b-4c55-9a8e-3f2b6d1e7a01';

/** The bots `npm run chat -- --bot <name>` can talk to: workflow file and its trigger's webhookId. */
export const DEMO_BOTS = {
	hotel: { file: 'hotel-concierge.json', webhookId: '2b9e4f1a-6c3d-4e8b-a7f2-1d5c9e3b7a10' },
	support: { file: 'whatsapp-ai-support.json', webhookId: DEMO_TRIGGER_WEBHOOK_ID },
	restaurant: { file: 'restaurant-reservations.json', webhookId: '8d4c2e6f-1a3b-4c5d-9e7f-2a6b8c0d4e21' },
	travel: { file: 'travel-agency.json', webhookId: '5e7a9c1b-3d2f-4a6e-8b0c-7f1e3d5a9b32' },
	'hotel-llm': { file: 'hotel-concierge-llm.json', webhookId: '7c3e5a91-2b4d-4f6e-9a8c-1e5b7d9f3a42' },
} as const;
export type DemoBot = keyof typeof DEMO_BOTS;

/** Templates the demo workflows send; the sandbox prices them as utility templates. */
export const DEMO_TEMPLATES = [
	{ name: 'follow_up', category: 'utility' as const, languages: ['en'] },
	{ name: 'agent_handoff_alert', category: 'utility' as const, languages: ['en'] },
	{ name: 'booking_reminder', category: 'utility' as const },
	{ name: 'appointment_confirmation', category: 'utility' as const },
];

/**
 * The booking-system sandbox (sandbox/booking-sandbox.ts) `npm start` runs, and the n8n Header Auth
 * credential the shipped workflows' HTTP Request nodes use for it. A hotel replaces the URL and the key
 * with its own PMS's (README: "Connecting your own PMS").
 */
export const DEMO_BOOKING_SYSTEM = {
	credentialId: 'bookingSystemDemo001',
	credentialName: 'Booking System (demo sandbox)',
	header: 'X-Booking-Key',
	key: 'demo-booking-key',
} as const;

export function demoBookingSandboxPort(): number {
	return Number(process.env.BOOKING_SANDBOX_PORT ?? 5691);
}

/** The booking system's base URL as written in the shipped workflows' HTTP Request nodes. */
export const SHIPPED_BOOKING_SYSTEM_URL = 'http://127.0.0.1:5691';

/** Where the shipped workflows' HTTP Request nodes reach the booking system in the demo. */
export function demoBookingSandboxUrl(): string {
	return `http://127.0.0.1:${demoBookingSandboxPort()}`;
}

/**
 * A copy of a workflow whose HTTP Request nodes call `baseUrl` instead of SHIPPED_BOOKING_SYSTEM_URL
 * (in plain URLs and inside expressions), for a sandbox on another port (BOOKING_SANDBOX_PORT, tests).
 */
export function withBookingSystemUrl<T extends WorkflowJson>(workflow: T, baseUrl: string): T {
	const target = baseUrl.replace(/\/$/, '');
	if (target === SHIPPED_BOOKING_SYSTEM_URL) return workflow;
	const rewrite = (value: unknown): unknown => {
		if (typeof value === 'string') return value.split(SHIPPED_BOOKING_SYSTEM_URL).join(target);
		if (Array.isArray(value)) return value.map(rewrite);
		if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, rewrite(item)]));
		return value;
	};
	return {
		...workflow,
		nodes: workflow.nodes.map((node) =>
			node.type === 'n8n-nodes-base.httpRequest' || node.type.endsWith('.bookingSystemTool') ? { ...node, parameters: rewrite(node.parameters) as Record<string, unknown> } : node,
		),
	};
}

/**
 * How often the demo runs the satisfaction survey and how long a guest must be quiet first. Shipped: every
 * 10 minutes, 30 minutes of quiet (a real guest may still be typing); in `npm start`: every 30 s after one
 * quiet minute, so `npm run chat -- --listen 150` sees the survey arrive.
 */
export const DEMO_SURVEY_TIMING = { everySeconds: 30, quietMinutes: 1 } as const;

/**
 * A copy of a workflow with a Satisfaction Survey (Send Due Surveys) whose Schedule Trigger fires every
 * `everySeconds` and whose Quiet Time is `quietMinutes`; any other workflow is returned as it is.
 */
export function withDemoSurveyTiming<T extends WorkflowJson>(workflow: T, timing: { everySeconds: number; quietMinutes: number } = DEMO_SURVEY_TIMING): T {
	const sendsSurveys = workflow.nodes.some((node) => node.type.endsWith('.satisfactionSurvey') && node.parameters.operation === 'sendDue');
	if (!sendsSurveys) return workflow;
	return {
		...workflow,
		nodes: workflow.nodes.map((node) => {
			if (node.type === 'n8n-nodes-base.scheduleTrigger') {
				return { ...node, parameters: { ...node.parameters, rule: { interval: [{ field: 'seconds', secondsInterval: timing.everySeconds }] } } };
			}
			if (node.type.endsWith('.satisfactionSurvey') && node.parameters.operation === 'sendDue') {
				return { ...node, parameters: { ...node.parameters, idleMinutes: timing.quietMinutes } };
			}
			return node;
		}),
	};
}

/** The local OpenAI-compatible server the LLM workflow's credential points at in the demo. */
export const DEMO_LLM = { credentialId: 'llmSandboxDemo001', credentialName: 'Local LLM (demo sandbox)', apiKey: 'demo-llm-key' } as const;

export function demoLlmSandboxPort(): number {
	return Number(process.env.LLM_SANDBOX_PORT ?? 5692);
}

export function demoGraphSandboxPort(): number {
	return Number(process.env.GRAPH_SANDBOX_PORT ?? 5690);
}

export function demoWebhookUrl(n8nBaseUrl: string, bot: DemoBot = 'support'): string {
	return `${n8nBaseUrl.replace(/\/$/, '')}/webhook/${DEMO_BOTS[bot].webhookId}/webhook`;
}

/**
 * The website chat of workflows/whatsapp-ai-support.json: its Web Chat Trigger's webhookId, the demo
 * session secret, and the demo hotel page (sandbox/hotel-page.ts) on the origin the trigger allows.
 */
export const DEMO_WEB_CHAT = {
	webhookId: '4c8d2a6e-9b1f-4e3a-8c5d-7e2f1a9b3c40',
	credentialId: 'webChatDemo001',
	credentialName: 'Web chat (demo)',
	secret: 'demo-web-chat-secret-change-me-before-going-live',
} as const;

export function demoHotelPagePort(): number {
	return Number(process.env.HOTEL_PAGE_PORT ?? 5693);
}

export function demoWidgetUrl(n8nBaseUrl: string): string {
	return `${n8nBaseUrl.replace(/\/$/, '')}/webhook/${DEMO_WEB_CHAT.webhookId}/widget.js`;
}

/** Login for the Chats dashboard (workflows/chats-dashboard.json) in the demo. */
export const DEMO_DASHBOARD_ADMIN = { username: 'ops', password: 'dashboard-demo' };

/**
 * Header keys for the webhooks other systems call: the agent desk (agent-desk-bridge.json), a DSAR tool
 * (privacy-retention.json) and the PMS (re-engagement-templates.json). Demo values; set your own in
 * the credentials before exposing n8n.
 */
export const DEMO_HEADER_KEYS = {
	agentDesk: { id: 'agentDeskKeys', credentialName: 'Agent desk keys', name: 'X-Agent-Desk-Key', value: 'demo-agent-desk-key' },
	dsar: { id: 'dsarApiKey', credentialName: 'DSAR API key', name: 'X-DSAR-Key', value: 'demo-dsar-key' },
	pms: { id: 'pmsWebhookKey', credentialName: 'PMS webhook key', name: 'X-PMS-Key', value: 'demo-pms-key' },
} as const;

export function demoCredentials(): CredentialJson[] {
	const headerKeys: CredentialJson[] = Object.values(DEMO_HEADER_KEYS).map((key) =>
		({ id: key.id, name: key.credentialName, type: 'webhookKeysApi', data: { header: key.name, key: key.value, previousKey: '' } }),
	);
	return [
		...headerKeys,
		{
			id: DEMO_BOOKING_SYSTEM.credentialId,
			name: DEMO_BOOKING_SYSTEM.credentialName,
			type: 'httpHeaderAuth',
			data: { name: DEMO_BOOKING_SYSTEM.header, value: DEMO_BOOKING_SYSTEM.key },
		},
		{
			id: DEMO_LLM.credentialId,
			name: DEMO_LLM.credentialName,
			type: 'openAiApi',
			data: { apiKey: DEMO_LLM.apiKey, url: `http://127.0.0.1:${demoLlmSandboxPort()}/v1` },
		},
		{
			id: 'chatsDashboardAdmin',
			name: 'Chats dashboard admin',
			type: 'chatsDashboardAdminApi',
			data: { ...DEMO_DASHBOARD_ADMIN },
		},
		{
			id: DEMO_WEB_CHAT.credentialId,
			name: DEMO_WEB_CHAT.credentialName,
			type: 'webChatApi',
			data: { sessionSecret: DEMO_WEB_CHAT.secret },
		},
		{
			id: 'waSandboxDemo001',
			name: 'WhatsApp (local sandbox)',
			type: 'whatsAppCloudApi',
			data: {
				accessToken: DEMO_ACCESS_TOKEN,
				phoneNumberId: DEMO_PHONE_NUMBER_ID,
				businessAccountId: '2000000000001',
				appSecret: DEMO_APP_SECRET,
				verifyToken: DEMO_VERIFY_TOKEN,
				apiVersion: 'v24.0',
				baseUrl: `http://127.0.0.1:${demoGraphSandboxPort()}`,
			},
		},
	];
}
