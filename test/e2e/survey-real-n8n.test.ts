// The satisfaction survey end to end in a real n8n server, the way `npm start` runs it: the shipped
// hotel-concierge answers a guest, the shipped satisfaction-survey workflow (its Schedule Trigger with the demo
// timing of scripts/demo.ts, here every 10 s after one quiet minute) sends the CSAT list through the Graph
// sandbox once the guest has been quiet, the guest taps "4 – Satisfied" (the webhook `npm run chat -- --tap 2`
// posts), the hotel's Catch Survey Answer stores and thanks it, and the shipped Chats dashboard shows the answer
// in its Value view and CSV exports. Takes a few minutes: the quiet minute is real time.
import { rmSync } from 'node:fs';
import path from 'node:path';

import { parseCsv } from '../../nodes/domain/costs';
import { startGraphSandbox, type GraphSandbox, type SentMessage } from '../../sandbox/graph-sandbox';
import type { BookingSandbox } from '../../sandbox/booking-sandbox';
import { inboundTextWebhook, postSignedWebhook } from '../../sandbox/webhook-signer';
import { DEMO_APP_SECRET, DEMO_DASHBOARD_ADMIN, DEMO_PHONE_NUMBER_ID, demoCredentials, withDemoSurveyTiming } from '../../scripts/demo';
import { choicesOf, tapWebhook } from '../../scripts/lib/chat-tap';
import {
	createTempUserFolder,
	describeWorkflows,
	importCredentials,
	importWorkflows,
	repoRoot,
	startN8n,
	type ImportedWorkflow,
	type N8nServer,
	type WorkflowJson,
} from '../../scripts/lib/n8n-server';
import { startTestBookingSandbox, writeWorkflowsCallingBookingSandbox } from '../helpers/booking-sandbox';
import { DashboardClient } from '../helpers/dashboard-client';

const GUEST = { waId: '31655509999', name: 'Sanne' };
const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

describe('satisfaction survey in a real n8n server', () => {
	let sandbox: GraphSandbox;
	let booking: BookingSandbox;
	let server: N8nServer;
	let userFolder: string;
	let workflowCopies: string[] = [];
	let imported: ImportedWorkflow[];

	const byFile = (file: string) => imported.find((entry) => path.basename(entry.source) === file)!;
	const hotelTriggerUrl = () => {
		const trigger = byFile('hotel-concierge.json').workflow.nodes.find((node) => node.type.endsWith('.whatsAppAiTrigger'))!;
		return `${server.baseUrl}/webhook/${trigger.webhookId}/webhook`;
	};
	/** Posts a signed webhook to the hotel and waits until its execution has finished; returns what was sent meanwhile. */
	const toHotel = async (payload: unknown): Promise<SentMessage[]> => {
		const hotel = byFile('hotel-concierge.json');
		const before = await server.rest.countExecutions(hotel.id);
		const sentBefore = sandbox.sentMessages().length;
		const response = await postSignedWebhook(hotelTriggerUrl(), payload, DEMO_APP_SECRET, { timeoutMs: 60_000 });
		expect(response.status).toBe(200);
		await server.rest.waitForExecutions(hotel.id, before + 1, 60_000);
		return sandbox.sentMessages().slice(sentBefore);
	};

	beforeAll(async () => {
		sandbox = await startGraphSandbox({ templates: [{ name: 'agent_handoff_alert', category: 'utility', languages: ['en'] }] });
		booking = await startTestBookingSandbox();
		const credentials = demoCredentials().map((credential) =>
			credential.type === 'whatsAppCloudApi' ? { ...credential, data: { ...(credential.data as Record<string, unknown>), baseUrl: sandbox.baseUrl } } : credential,
		);
		userFolder = createTempUserFolder('n8n-e2e-survey-');
		await importCredentials(userFolder, credentials);
		workflowCopies = writeWorkflowsCallingBookingSandbox(
			['agent-desk-bridge.json', 'hotel-concierge.json', 'satisfaction-survey.json', 'chats-dashboard.json'].map((file) => path.join(repoRoot, 'workflows', file)),
			booking.baseUrl,
		);
		// The hotel hands off through agent-desk-bridge, which must be published first. The survey workflow as
		// `npm start` imports it, only with a shorter Schedule Trigger interval.
		imported = await importWorkflows(
			userFolder,
			workflowCopies.map((file) => (path.basename(file) === 'satisfaction-survey.json' ? readSurveyWorkflow(file) : file)),
		);
		server = await startN8n({ userFolder, removeUserFolderOnStop: false });
		await server.rest.ensureOwner();
		for (const entry of imported) await server.rest.activateWorkflow(entry.id);
	}, 240_000);

	afterAll(async () => {
		await server?.stop();
		await sandbox?.close();
		await booking?.close();
		if (workflowCopies.length) rmSync(path.dirname(workflowCopies[0]), { recursive: true, force: true });
		if (userFolder) rmSync(userFolder, { recursive: true, force: true });
	}, 60_000);

	it('sends the survey once the conversation ended, takes the tapped answer, and shows it in the Value view and CSV', async () => {
		// 1. The guest asks; the bot answers from the knowledge base.
		const answer = await toHotel(inboundTextWebhook({ from: GUEST.waId, name: GUEST.name, text: 'Is there parking at the hotel?', phoneNumberId: DEMO_PHONE_NUMBER_ID }));
		const reply = answer.find((message) => message.waId === GUEST.waId && message.type === 'text');
		expect((reply?.body.text as { body: string } | undefined)?.body).toMatch(/garage/i);
		const repliedAt = Date.now();

		// 2. The guest stays quiet; a Schedule Trigger run after the quiet minute sends the CSAT list.
		let survey: SentMessage | undefined;
		const deadline = Date.now() + 180_000;
		while (!survey && Date.now() < deadline) {
			survey = sandbox.sentMessages().find((message) => message.waId === GUEST.waId && message.type === 'interactive');
			if (!survey) await sleep(1000);
		}
		expect(survey).toBeDefined();
		// Not before the guest had been quiet for the Quiet Time (one minute in the demo timing).
		expect(Date.parse(survey!.timestamp) - repliedAt).toBeGreaterThanOrEqual(55_000);
		const choices = choicesOf(survey!);
		expect(choices.map((choice) => choice.title)).toEqual(['5 – Very satisfied', '4 – Satisfied', '3 – Neutral', '2 – Dissatisfied', '1 – Very dissatisfied']);
		expect((survey!.body.interactive as { body: { text: string } }).body.text).toMatch(/^How satisfied are you/);

		// 3. The guest taps "4 – Satisfied" (`npm run chat -- --tap 2`): thanked, and the bot does not answer it.
		const afterTap = await toHotel(tapWebhook({ from: GUEST.waId, name: GUEST.name, phoneNumberId: DEMO_PHONE_NUMBER_ID, message: survey!, choice: choices[1] }));
		expect(afterTap.filter((message) => message.waId === GUEST.waId).map((message) => (message.body.text as { body: string } | undefined)?.body)).toEqual([
			'Thank you for your feedback! 🙏',
		]);
		// Only one survey for this conversation, whatever the Schedule Trigger runs since.
		expect(sandbox.sentMessages().filter((message) => message.waId === GUEST.waId && message.type === 'interactive')).toHaveLength(1);

		// 4. The Chats dashboard's Value view shows the answer, in the page and in the CSV exports.
		const dashboard = new DashboardClient(`${server.baseUrl}/webhook/chats`);
		expect((await dashboard.login(DEMO_DASHBOARD_ADMIN.username, DEMO_DASHBOARD_ADMIN.password)).status).toBeLessThan(400);
		const page = await dashboard.get({ view: 'value' });
		expect(page.status).toBe(200);
		expect(/data-metric="csat"[^>]*><div class="value">([^<]*)</.exec(page.body)?.[1]).toBe('4.00');
		expect(/data-metric="csatResponseRate"[^>]*><div class="value">([^<]*)</.exec(page.body)?.[1]).toBe('100.0%');

		const csv = async (table: string) => {
			const response = await dashboard.get({ view: 'value', format: 'csv', table });
			expect({ status: response.status, type: response.headers.get('content-type') }).toEqual({ status: 200, type: 'text/csv; charset=utf-8' });
			return parseCsv(response.body.replace(/^\uFEFF/, ''));
		};
		const summary = Object.fromEntries((await csv('summary')).slice(1).map(([figure, value]) => [figure, value]));
		expect(summary).toMatchObject({ 'CSAT surveys sent': '1', 'CSAT answers': '1', 'CSAT response rate %': '100', 'CSAT average (1–5)': '4' });
		const csat = await csv('csat');
		expect(csat[0]).toEqual(['group', 'sent', 'answered', 'response_rate_pct', 'average']);
		expect(csat).toContainEqual(['route: bot', '1', '1', '100', '4']);
		const [, week] = await csv('survey-trend');
		expect(week.slice(1)).toEqual(['CSAT', '1', '1', '4', '']);
	}, 420_000);
});

/** The shipped survey workflow with the demo timing, every 10 s instead of the demo's 30 s. */
function readSurveyWorkflow(file: string): WorkflowJson {
	const [{ workflow }] = describeWorkflows([file]);
	return withDemoSurveyTiming(workflow, { everySeconds: 10, quietMinutes: 1 });
}
