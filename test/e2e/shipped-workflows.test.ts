// Every shipped workflow (workflows/*.json) end to end in one real n8n server, imported exactly as shipped
// with the demo credentials `npm start` uses (pointed at a Graph sandbox started here): import with n8n's
// CLI, publish, then drive it the way the outside world would — signed WhatsApp webhooks, the agent desk,
// the PMS, a DSAR tool, a browser on the dashboard — and assert what reached the sandbox Graph API and
// what the embedded store (PGlite inside n8n) holds. The store is read through the shipped DSAR export
// while n8n runs, and opened directly once n8n has stopped.
//
// The story is one hotel guest's conversation in three languages (README, Development: "the
// multilingual hotel conversation"): a booking question in Dutch answered from the knowledge base, a complaint in German
// that is handed to a person with context, the agent answering from the desk, then STOP in Spanish.
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

import { closeAllSupportStores, openSupportStore } from '../../nodes/domain/store';
import type { CustomerExport, ErasureCounts } from '../../nodes/domain/store/support-store';
import { startGraphSandbox, type GraphSandbox, type SentMessage } from '../../sandbox/graph-sandbox';
import { addDays, type BookingSandbox } from '../../sandbox/booking-sandbox';
import { inboundButtonReplyWebhook, inboundTextWebhook, postSignedWebhook } from '../../sandbox/webhook-signer';
import {
	createTempUserFolder,
	type ImportedWorkflow,
	importCredentials,
	importWorkflows,
	repoRoot,
	startN8n,
	type N8nServer,
} from '../../scripts/lib/n8n-server';
import { DashboardClient } from '../helpers/dashboard-client';
import { DEMO_APP_SECRET, DEMO_DASHBOARD_ADMIN, DEMO_HEADER_KEYS, demoCredentials } from '../../scripts/demo';
import { startTestBookingSandbox, writeWorkflowsCallingBookingSandbox } from '../helpers/booking-sandbox';

const workflowsFolder = path.join(repoRoot, 'workflows');
const SHIPPED = readdirSync(workflowsFolder)
	.filter((name) => name.endsWith('.json'))
	.sort();

/** The hotel guest of the multilingual story. */
const GUEST = { waId: '31612345678', name: 'Anneke de Vries' };
const CONVERSATION_ID = `whatsapp:1065000000001:${GUEST.waId}`;
/** The recipient of Alert Duty Manager in agent-desk-bridge.json. */
const DUTY_PHONE = '15550100001';

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

function textOf(message: SentMessage): string | undefined {
	return message.type === 'text' ? (message.body.text as { body: string }).body : undefined;
}

describe('shipped workflows end to end in a real n8n server', () => {
	let sandbox: GraphSandbox;
	let booking: BookingSandbox;
	let bookingWorkflows: string[] = [];
	let server: N8nServer;
	let userFolder: string;
	let imported: ImportedWorkflow[];

	const workflow = (file: string): ImportedWorkflow => {
		const found = imported.find((candidate) => path.basename(candidate.source) === file);
		if (!found) throw new Error(`${file} was not imported`);
		return found;
	};
	/** The production URL of our WhatsApp AI Trigger in a shipped workflow. */
	const triggerUrl = (file: string): string => {
		const trigger = workflow(file).workflow.nodes.find((node) => node.type === 'n8n-nodes-whatsapp-ai-support.whatsAppAiTrigger');
		return `${server.baseUrl}/webhook/${trigger!.webhookId}/webhook`;
	};
	/** Sends a signed customer text to a pipeline workflow and waits until its execution has finished. */
	const guestWrites = async (file: string, from: { waId: string; name: string }, text: string): Promise<SentMessage[]> => {
		const before = await server.rest.countExecutions(workflow(file).id);
		const sentBefore = sandbox.sentMessages().length;
		// The first message after activation may also open the embedded store: give it time.
		const response = await postSignedWebhook(triggerUrl(file), inboundTextWebhook({ from: from.waId, name: from.name, text }), DEMO_APP_SECRET, {
			timeoutMs: 60_000,
		});
		expect(response.status).toBe(200);
		await server.rest.waitForExecutions(workflow(file).id, before + 1, 60_000);
		return sandbox.sentMessages().slice(sentBefore);
	};
	/** Polls the sandbox until messages matching `match` have arrived (for work n8n does after an execution). */
	const waitForSent = async (match: (message: SentMessage) => boolean, timeoutMs = 30_000): Promise<SentMessage[]> => {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const found = sandbox.sentMessages().filter(match);
			if (found.length > 0 || Date.now() > deadline) return found;
			await sleep(200);
		}
	};
	const callWebhook = async (
		urlPath: string,
		options: { key?: { name: string; value: string } | null; query?: Record<string, string>; body?: unknown; method?: string } = {},
	) => {
		const headers: Record<string, string> = { 'content-type': 'application/json' };
		if (options.key) headers[options.key.name] = options.key.value;
		const query = options.query ? `?${new URLSearchParams(options.query)}` : '';
		const response = await fetch(`${server.baseUrl}/webhook/${urlPath}${query}`, {
			method: options.method ?? 'POST',
			headers,
			body: options.body === undefined ? undefined : JSON.stringify(options.body),
			signal: AbortSignal.timeout(60_000),
		});
		const text = await response.text();
		let json: unknown;
		try {
			json = JSON.parse(text);
		} catch {
			json = undefined;
		}
		return { status: response.status, text, json };
	};
	/** The failing node and message of a failed execution, for a readable assertion. */
	const failureOf = async (executionId: string): Promise<string> => {
		const execution = await server.rest.rest<{ data: string }>('GET', `/executions/${executionId}`);
		const messages = [...String(execution.data).matchAll(/"message":"([^"]{1,300})"/g)].map((match) => match[1]);
		return `execution ${executionId}: ${messages.slice(0, 3).join(' | ') || String(execution.data).slice(0, 500)}`;
	};
	const dsar = async (action: string, customer: string) =>
		await callWebhook('dsar-request', { key: DEMO_HEADER_KEYS.dsar, query: { action, customer } });
	const exportOf = async (customer: string): Promise<CustomerExport> => {
		const response = await dsar('export', customer);
		expect(response.status).toBe(200);
		return response.json as CustomerExport;
	};

	beforeAll(async () => {
		sandbox = await startGraphSandbox({
			maxRecorded: 20_000,
			templates: [
				{ name: 'follow_up', category: 'utility', languages: ['en', 'nl', 'de', 'fr', 'es'] },
				{ name: 'booking_reminder', category: 'utility' },
				{ name: 'appointment_confirmation', category: 'utility' },
				{ name: 'agent_handoff_alert', category: 'utility', languages: ['en'] },
			],
			rejectUnknownTemplates: true,
		});
		// The demo credentials as `npm start` imports them, with the Graph base URL of this sandbox.
		const credentials = demoCredentials().map((credential) =>
			credential.type === 'whatsAppCloudApi' ? { ...credential, data: { ...(credential.data as Record<string, unknown>), baseUrl: sandbox.baseUrl } } : credential,
		);
		userFolder = createTempUserFolder('n8n-e2e-shipped-');
		await importCredentials(userFolder, credentials);
		// The shipped workflows with their HTTP Request nodes pointed at this run's booking sandbox.
		booking = await startTestBookingSandbox();
		bookingWorkflows = writeWorkflowsCallingBookingSandbox(
			SHIPPED.map((file) => path.join(workflowsFolder, file)),
			booking.baseUrl,
		);
		imported = await importWorkflows(userFolder, bookingWorkflows);
		// The store is read directly after stop(), so this test removes the folder itself.
		server = await startN8n({ userFolder, removeUserFolderOnStop: false });
		await server.rest.ensureOwner();
		for (const entry of imported) await server.rest.activateWorkflow(entry.id);
	}, 240_000);

	afterAll(async () => {
		await server?.stop();
		await sandbox?.close();
		await booking?.close();
		if (bookingWorkflows.length) rmSync(path.dirname(bookingWorkflows[0]), { recursive: true, force: true });
		await closeAllSupportStores();
		if (userFolder) rmSync(userFolder, { recursive: true, force: true });
	}, 60_000);

	it('imports and publishes every shipped workflow', async () => {
		expect(imported.map((entry) => path.basename(entry.source)).sort()).toEqual(SHIPPED);
		const active = await server.rest.activeWorkflowIds();
		for (const entry of imported) expect({ file: path.basename(entry.source), active: active.includes(entry.id) }).toEqual({ file: path.basename(entry.source), active: true });
	});

	describe('hotel-concierge: one guest, three languages', () => {
		const hotel = 'hotel-concierge.json';

		it('answers a booking question in Dutch from the Dutch knowledge base', async () => {
			const sent = await guestWrites(hotel, GUEST, 'We komen vrijdag aan. Hoe laat kan ik inchecken en tot hoe laat moet ik uitchecken?');
			const replies = sent.filter((message) => message.type === 'text');
			expect(replies.map((message) => ({ to: message.waId, text: textOf(message) }))).toEqual([
				{ to: GUEST.waId, text: expect.stringMatching(/^Inchecken kan vanaf \*15:00\*/) },
			]);
			// The guest's message was marked as read on the way.
			expect(sandbox.readReceipts().length).toBeGreaterThanOrEqual(1);
		});

		it('hands a German complaint to a person, tells the guest in German and alerts the duty manager with the context', async () => {
			const complaint = 'Das Zimmer ist schmutzig und niemand an der Rezeption hilft mir. Ich bin sehr enttäuscht!';
			const sent = await guestWrites(hotel, GUEST, complaint);
			expect(sent.filter((message) => message.type === 'text').map((message) => ({ to: message.waId, text: textOf(message) }))).toEqual([
				{ to: GUEST.waId, text: expect.stringMatching(/^Vielen Dank für Ihre Geduld/) },
			]);

			// Notify Agents ran agent-desk-bridge (without waiting for it): the duty manager gets the template.
			const [alert] = await waitForSent((message) => message.templateName === 'agent_handoff_alert');
			expect(alert.to).toBe(DUTY_PHONE);
			const template = alert.body.template as { components: Array<{ type: string; parameters: Array<{ text: string }> }> };
			const [customer, reason, summary] = template.components.find((component) => component.type === 'body')!.parameters.map((parameter) => parameter.text);
			// The alert is masked by default: initials and the number's last four digits.
			expect(customer).toBe(`${GUEST.name.split(' ').map((word) => `${word[0]}.`).join(' ')} (+${GUEST.waId.slice(0, 2)} •••• ${GUEST.waId.slice(-4)})`);
			expect(reason).toMatch(/complaint|negative/i);
			expect(summary).toMatch(/Rezeption|schmutzig/);

			const stored = await exportOf(GUEST.waId);
			expect(stored.handoffs).toHaveLength(1);
			const [handoff] = stored.handoffs;
			expect(handoff).toMatchObject({ conversationId: CONVERSATION_ID, status: 'open' });
			expect(handoff.context).toMatchObject({ nlu: { intent: 'complaint', language: 'de', sentiment: { label: 'negative' } } });
			// What the agent will see next to the alert: the whole conversation, both languages.
			// (Order within one second is not asserted: Meta's inbound timestamps have whole seconds.)
			const transcript = stored.messages.map((message) => `${message.direction}: ${message.text}`);
			expect(transcript).toHaveLength(4);
			expect(transcript).toEqual(expect.arrayContaining([
				expect.stringMatching(/^inbound: We komen vrijdag aan/),
				expect.stringMatching(/^outbound: Inchecken kan vanaf/),
				`inbound: ${complaint}`,
				expect.stringMatching(/^outbound: Vielen Dank für Ihre Geduld/),
			]));
		});

		it('keeps the bot quiet while a person has the chat, and the agent desk reply reaches the guest', async () => {
			const sent = await guestWrites(hotel, GUEST, 'Hallo? Ist da jemand?');
			expect(sent.filter((message) => message.type === 'text')).toEqual([]);

			const reply = 'Guten Tag Frau de Vries, hier ist Sofie von der Rezeption. Housekeeping ist in fünf Minuten bei Ihnen.';
			const before = sandbox.sentMessages().length;
			const response = await callWebhook('agent-desk-reply', { key: DEMO_HEADER_KEYS.agentDesk, body: { conversationId: CONVERSATION_ID, text: reply, agent: 'Sofie' } });
			expect(response.status).toBe(200);
			expect(response.json).toMatchObject({ ok: true, conversationId: CONVERSATION_ID });
			expect(sandbox.sentMessages().slice(before).map((message) => ({ to: message.waId, text: textOf(message) }))).toEqual([{ to: GUEST.waId, text: reply }]);
			const stored = await exportOf(GUEST.waId);
			expect(stored.messages.filter((message) => message.author === 'agent').map((message) => message.text)).toEqual([reply]);
		});

		it('refuses agent desk calls without the key', async () => {
			const response = await callWebhook('agent-desk-reply', { key: null, body: { conversationId: CONVERSATION_ID, text: 'x', agent: 'Mallory' } });
			expect(response.status).toBe(403);
			const wrong = await callWebhook('agent-desk-release', { key: { name: DEMO_HEADER_KEYS.agentDesk.name, value: 'guess' }, body: { conversationId: CONVERSATION_ID } });
			expect(wrong.status).toBe(403);
		});

		it('answers a bad desk call with 400 or 404 and a message, not a failed execution', async () => {
			const numeric = await callWebhook('agent-desk-reply', { key: DEMO_HEADER_KEYS.agentDesk, body: { conversationId: 42 } });
			expect(numeric.status).toBe(400);
			expect(numeric.json).toMatchObject({ ok: false, error: expect.stringMatching(/"conversationId" must be/) });
			const unknown = await callWebhook('agent-desk-reply', { key: DEMO_HEADER_KEYS.agentDesk, body: { conversationId: 'whatsapp:1065000000001:0000', text: 'Hello' } });
			expect(unknown.status).toBe(404);
			expect(unknown.json).toMatchObject({ ok: false, error: 'There is no conversation "whatsapp:1065000000001:0000".' });
			const failed = await server.rest.rest<{ results: Array<{ id: string }> }>(
				'GET',
				`/executions?filter=${encodeURIComponent(JSON.stringify({ status: ['error'], workflowId: 'agentDeskBridge1' }))}`,
			);
			expect(failed.results).toEqual([]);
		});

		it('honours STOP in Spanish: confirms once in Spanish, records the opt-out, then stays silent', async () => {
			const sent = await guestWrites(hotel, GUEST, 'BAJA');
			expect(sent.filter((message) => message.type === 'text').map(textOf)).toEqual([expect.stringMatching(/^Ya no recibirá mensajes nuestros/)]);
			const stored = await exportOf(GUEST.waId);
			expect(stored.consentEvents.map((event) => ({ action: event.action, source: event.source }))).toContainEqual(
				expect.objectContaining({ action: 'opt_out' }),
			);
			// After STOP nothing reaches the AI and nothing is sent, even after the desk gives the chat back.
			const release = await callWebhook('agent-desk-release', { key: DEMO_HEADER_KEYS.agentDesk, body: { conversationId: CONVERSATION_ID, agent: 'Sofie' } });
			expect(release.status).toBe(200);
			const after = await guestWrites(hotel, GUEST, '¿A qué hora es el desayuno?');
			expect(after).toEqual([]);
		});
	});

	describe('small talk in hotel-concierge', () => {
		it('welcomes a Dutch "hoi" with topic buttons, lets 👍 pass quietly and closes "top, bedankt!", with no person paged', async () => {
			const hotel = 'hotel-concierge.json';
			const guest = { waId: '31611223344', name: 'Sanne Bakker' };
			const alertsBefore = sandbox.sentMessages().filter((message) => message.templateName === 'agent_handoff_alert').length;

			const welcome = await guestWrites(hotel, guest, 'hoi');
			expect(welcome.map((message) => ({ to: message.waId, type: message.type }))).toEqual([{ to: guest.waId, type: 'interactive' }]);
			const interactive = welcome[0].body.interactive as { body: { text: string }; action: { buttons: Array<{ reply: { id: string; title: string } }> } };
			expect(interactive.body.text).toBe('Hallo Sanne! 👋 Welkom bij Hotel Zonneveld. Ik help je graag met in- en uitchecken, faciliteiten en nieuwe boeking. Waarmee kan ik je helpen?');
			expect(interactive.action.buttons.map((button) => button.reply)).toEqual([
				{ id: 'check_in_out', title: 'In- en uitchecken' },
				{ id: 'amenities', title: 'Faciliteiten' },
				{ id: 'booking_new', title: 'Nieuwe boeking' },
			]);

			expect(await guestWrites(hotel, guest, '👍')).toEqual([]);

			const thanks = await guestWrites(hotel, guest, 'top, bedankt!');
			expect(thanks.map((message) => ({ to: message.waId, text: textOf(message) }))).toEqual([
				{ to: guest.waId, text: 'Graag gedaan! Kan ik nog ergens anders mee helpen?' },
			]);

			// No handoff, no alert: agent-desk-bridge would run after the execution, so give it a moment.
			await sleep(1500);
			expect(sandbox.sentMessages().filter((message) => message.templateName === 'agent_handoff_alert')).toHaveLength(alertsBefore);
			const stored = await exportOf(guest.waId);
			expect(stored.handoffs).toEqual([]);
			expect(stored.messages.filter((message) => message.direction === 'inbound').map((message) => message.text).sort()).toEqual(['hoi', 'top, bedankt!', '👍'].sort());
		});
	});

	describe('hotel-concierge: a room booked in German through the booking system', () => {
		it('offers live availability with the total, ignores a redelivered webhook, books once on "Bestätigen" and confirms with the reference', async () => {
			const hotel = 'hotel-concierge.json';
			const guest = { waId: '4917612345678', name: 'Lena Schmidt' };
			const checkIn = addDays(booking.today(), 70);
			const checkOut = addDays(checkIn, 2);
			const months = ['Januar', 'Februar', 'März', 'April', 'Mai', 'Juni', 'Juli', 'August', 'September', 'Oktober', 'November', 'Dezember'];
			const spoken = (date: string) => `${Number(date.slice(8, 10))}. ${months[Number(date.slice(5, 7)) - 1]}`;
			const post = async (payload: ReturnType<typeof inboundTextWebhook>) => {
				const response = await postSignedWebhook(triggerUrl(hotel), payload, DEMO_APP_SECRET, { timeoutMs: 60_000 });
				expect(response.status).toBe(200);
			};
			const toGuest = (from: number) => sandbox.sentMessages().slice(from).filter((message) => message.waId === guest.waId && (message.type === 'text' || message.type === 'interactive'));

			const askPayload = inboundTextWebhook({ from: guest.waId, name: guest.name, text: `Ich möchte ein Doppelzimmer für 2 Personen vom ${spoken(checkIn)} bis ${spoken(checkOut)} buchen` });
			let before = await server.rest.countExecutions(workflow(hotel).id);
			let sentBefore = sandbox.sentMessages().length;
			await post(askPayload);
			await server.rest.waitForExecutions(workflow(hotel).id, before + 1, 60_000);
			const [offer] = toGuest(sentBefore);
			const interactive = offer.body.interactive as { body: { text: string }; action: { buttons: Array<{ reply: { id: string; title: string } }> } };
			expect(interactive.body.text).toMatch(/^Gute Nachricht: Ein Doppelzimmer ist vom .* frei \(2 Nächte, 2 Gäste\), insgesamt \*\d+/);
			expect(interactive.action.buttons.map((button) => button.reply)).toEqual([
				{ id: 'form:confirm', title: 'Bestätigen' },
				{ id: 'form:change', title: 'Ändern' },
			]);

			// Meta delivers the same message again: 200, and nothing reaches the guest or the booking system.
			sentBefore = sandbox.sentMessages().length;
			await post(askPayload);
			await sleep(2000);
			expect(toGuest(sentBefore)).toEqual([]);

			before = await server.rest.countExecutions(workflow(hotel).id);
			sentBefore = sandbox.sentMessages().length;
			await post(inboundButtonReplyWebhook({ from: guest.waId, name: guest.name, buttonId: 'form:confirm', title: 'Bestätigen' }));
			await server.rest.waitForExecutions(workflow(hotel).id, before + 1, 60_000);
			const mine = booking.reservations().filter((reservation) => reservation.phone === `+${guest.waId}`);
			expect(mine).toMatchObject([{ roomType: 'double', checkIn, checkOut, guests: 2, name: guest.name, status: 'confirmed' }]);
			const confirmation = toGuest(sentBefore);
			expect(confirmation.map((message) => textOf(message))).toEqual([expect.stringContaining(`Ihre Buchung ist bestätigt ✅\nBuchungsnummer: *${mine[0].reference}*`)]);
		});
	});

	describe('whatsapp-ai-support (the demo pipeline)', () => {
		const pipeline = 'whatsapp-ai-support.json';
		const guest = { waId: '4915112345601', name: 'Jonas Weber' };

		it('answers a routine question and logs the delivery costs from the status webhooks', async () => {
			// Meta posts delivery statuses to the app's one webhook: the demo pipeline's trigger. Only on for
			// this test, so that elsewhere an execution count means one customer message.
			sandbox.configureWebhook({ url: triggerUrl(pipeline), appSecret: DEMO_APP_SECRET, statuses: ['sent', 'delivered'] });
			const sent = await guestWrites(pipeline, guest, 'Is er parkeergelegenheid bij het hotel?');
			const replies = sent.filter((message) => message.type === 'text');
			expect(replies).toHaveLength(1);
			expect(replies[0].waId).toBe(guest.waId);
			// The sandbox posts sent + delivered back to the trigger, which logs the charge once.
			await sandbox.waitForWebhooks();
			const deliveries = sandbox.webhookDeliveries().filter((delivery) => delivery.messageId === replies[0].id);
			expect(deliveries.map((delivery) => ({ status: delivery.status, ok: delivery.ok, http: delivery.httpStatus }))).toEqual([
				{ status: 'sent', ok: true, http: 200 },
				{ status: 'delivered', ok: true, http: 200 },
			]);
			let costs: CustomerExport['costs'] = [];
			for (let attempt = 0; attempt < 40 && costs.length === 0; attempt++) {
				costs = (await exportOf(guest.waId)).costs.filter((cost) => cost.kind === 'whatsapp');
				if (costs.length === 0) await sleep(250);
			}
			expect(costs).toHaveLength(1);
			expect(costs[0]).toMatchObject({ sourceKey: replies[0].id });
			sandbox.configureWebhook(null);
			// Only the message's execution: the trigger logged the charge itself (Statuses to Output: Failures
			// Only), so neither `sent` nor `delivered` started one.
			await server.rest.waitForExecutions(workflow(pipeline).id, 1, 30_000);
			await sleep(1000);
			expect(await server.rest.executions(workflow(pipeline).id)).toHaveLength(1);
		});

		it('hands "I want to talk to a real person" to a person with a holding message', async () => {
			const sent = await guestWrites(pipeline, { waId: '447700900123', name: 'Amy' }, 'Can I please talk to a real person?');
			expect(sent.filter((message) => message.type === 'text').map(textOf)).toEqual([expect.stringMatching(/colleague|person/i)]);
			expect((await exportOf('447700900123')).handoffs).toHaveLength(1);
		});

		it('rejects a forged signature with 401 and starts nothing', async () => {
			const before = await server.rest.countExecutions(workflow(pipeline).id);
			const forged = await postSignedWebhook(triggerUrl(pipeline), inboundTextWebhook({ from: guest.waId, text: 'hi' }), 'not-the-app-secret');
			expect(forged.status).toBe(401);
			await sleep(1000);
			expect(await server.rest.countExecutions(workflow(pipeline).id)).toBe(before);
		});
	});

	describe('restaurant-reservations and travel-agency', () => {
		it('restaurant-reservations answers opening hours in Dutch', async () => {
			const sent = await guestWrites('restaurant-reservations.json', { waId: '31612000412', name: 'Eva' }, 'Hoe laat zijn jullie open op zondag?');
			expect(sent.filter((message) => message.type === 'text').map(textOf)).toEqual([expect.stringMatching(/dinsdag tot en met zondag.*17:30–22:00/)]);
		});

		it('restaurant-reservations hands a booking change to a person', async () => {
			const waId = '447700900413';
			const sent = await guestWrites('restaurant-reservations.json', { waId, name: 'Tom' }, 'I need to change my booking to a different day please');
			expect(sent.filter((message) => message.type === 'text')).toHaveLength(1);
			expect((await exportOf(waId)).handoffs).toHaveLength(1);
		});

		it('restaurant-reservations books a table in French: name asked, offer, "oui", one reservation, a redelivery ignored', async () => {
			const restaurant = 'restaurant-reservations.json';
			const guest = { waId: '33611220777', name: 'Marie' };
			const tomorrow = addDays(booking.today(), 1);
			const toGuest = (from: number) => sandbox.sentMessages().slice(from).filter((message) => message.waId === guest.waId && (message.type === 'text' || message.type === 'interactive'));
			const turn = async (payload: ReturnType<typeof inboundTextWebhook>) => {
				const before = await server.rest.countExecutions(workflow(restaurant).id);
				const sentBefore = sandbox.sentMessages().length;
				const response = await postSignedWebhook(triggerUrl(restaurant), payload, DEMO_APP_SECRET, { timeoutMs: 60_000 });
				expect(response.status).toBe(200);
				await server.rest.waitForExecutions(workflow(restaurant).id, before + 1, 60_000);
				return toGuest(sentBefore);
			};
			const asked = await turn(inboundTextWebhook({ from: guest.waId, name: guest.name, text: 'Je voudrais réserver une table pour 2 personnes demain à 19h' }));
			expect(asked.map(textOf)).toEqual([expect.stringMatching(/nom/)]);
			const offer = await turn(inboundTextWebhook({ from: guest.waId, name: guest.name, text: 'Marie Leroy' }));
			const interactive = offer[0]?.body.interactive as { body: { text: string }; action: { buttons: Array<{ reply: { id: string; title: string } }> } } | undefined;
			expect(offer).toHaveLength(1);
			expect(interactive?.body.text).toMatch(/^Bonne nouvelle : une table pour 2 personnes est libre le .* à 19:00\. Je la réserve au nom de Marie Leroy \?$/);
			expect(interactive?.action.buttons.map((button) => button.reply)).toEqual([
				{ id: 'form:confirm', title: 'Confirmer' },
				{ id: 'form:change', title: 'Modifier' },
			]);
			const yes = inboundTextWebhook({ from: guest.waId, name: guest.name, text: 'oui' });
			const booked = await turn(yes);
			const mine = booking.restaurantReservations().filter((reservation) => reservation.phone === `+${guest.waId}`);
			expect(mine).toMatchObject([{ date: tomorrow, time: '19:00', partySize: 2, name: 'Marie Leroy', status: 'confirmed' }]);
			expect(booked.map(textOf)).toEqual([expect.stringContaining(`Votre table est réservée ✅\nRéférence : *${mine[0].reference}*`)]);

			// Meta delivers the "oui" again: 200, nothing reaches the guest, no second reservation.
			const sentBefore = sandbox.sentMessages().length;
			const response = await postSignedWebhook(triggerUrl(restaurant), yes, DEMO_APP_SECRET, { timeoutMs: 60_000 });
			expect(response.status).toBe(200);
			await sleep(2000);
			expect(toGuest(sentBefore)).toEqual([]);
			expect(booking.restaurantReservations().filter((reservation) => reservation.phone === `+${guest.waId}`)).toHaveLength(1);
		});

		it('travel-agency answers a luggage question in Spanish', async () => {
			const sent = await guestWrites('travel-agency.json', { waId: '34600000514', name: 'Marta' }, '¿Cuánto equipaje puedo llevar en el avión?');
			expect(sent.filter((message) => message.type === 'text').map(textOf)).toEqual([expect.stringMatching(/una maleta facturada \(23 kg\)/)]);
		});
	});

	describe('re-engagement-templates', () => {
		it('sends the approved template for a booking the PMS posts, outside the service window', async () => {
			sandbox.setWindow('31687654321', false);
			const before = sandbox.sentMessages().length;
			const booking = { guest: { phone: '31687654321', name: 'Daan', language: 'nl' }, arrival: '2026-12-04', reference: 'HTL-48213' };
			const response = await callWebhook('pms-booking-reminder', { key: DEMO_HEADER_KEYS.pms, body: booking });
			expect(response.status).toBe(202);
			expect(response.json).toEqual({ ok: true, reference: 'HTL-48213' });
			let sent: SentMessage[] = [];
			for (let attempt = 0; attempt < 60 && sent.length === 0; attempt++) {
				sent = sandbox.sentMessages().slice(before);
				if (sent.length === 0) await sleep(250);
			}
			expect(sent.map((message) => ({ to: message.waId, type: message.type, template: message.templateName }))).toEqual([
				{ to: '31687654321', type: 'template', template: 'booking_reminder' },
			]);
			const template = sent[0].body.template as { language: { code: string }; components: Array<{ type: string; parameters: Array<{ text: string }> }> };
			expect(template.language.code).toBe('nl');
			const parameters = template.components.find((component) => component.type === 'body')!.parameters.map((parameter) => parameter.text);
			expect(parameters).toEqual(expect.arrayContaining(['Daan', 'HTL-48213']));
		});

		it('refuses a PMS call without the key', async () => {
			const before = sandbox.sentMessages().length;
			const response = await callWebhook('pms-booking-reminder', { key: null, body: { guest: { phone: '31687654321', name: 'Daan' } } });
			expect(response.status).toBe(403);
			await sleep(500);
			expect(sandbox.sentMessages().length).toBe(before);
		});
	});

	describe('chats-dashboard', () => {
		it('lists the conversations of this run after signing in as the credential admin', async () => {
			const dashboard = new DashboardClient(`${server.baseUrl}/webhook/chats`);
			const anonymous = await dashboard.get();
			expect(anonymous.status).toBe(401);
			expect(anonymous.body).not.toContain('Jonas Weber');
			const login = await dashboard.login(DEMO_DASHBOARD_ADMIN.username, DEMO_DASHBOARD_ADMIN.password);
			expect(login.status).toBe(303);
			const page = await dashboard.get();
			expect(page.status).toBe(200);
			expect(page.headers.get('content-type')).toMatch(/text\/html/);
			for (const name of ['Jonas Weber', 'Eva', 'Marta']) expect(page.body).toContain(name);
			expect(page.body).not.toMatch(/<script/i);
		});
	});

	describe('privacy-retention', () => {
		it('refuses DSAR requests without the key and unknown actions', async () => {
			expect((await callWebhook('dsar-request', { key: null, query: { action: 'export', customer: GUEST.waId } })).status).toBe(403);
			const unknown = await dsar('delete-everything', GUEST.waId);
			expect(unknown.status).toBe(400);
			expect((await exportOf(GUEST.waId)).messages.length).toBeGreaterThan(0);
		});

		it('exports everything stored about the hotel guest', async () => {
			const stored = await exportOf(GUEST.waId);
			expect(stored.customerKey).toBe(GUEST.waId);
			expect(stored.conversations.map((conversation) => conversation.id)).toEqual([CONVERSATION_ID]);
			const inbound = stored.messages.filter((message) => message.direction === 'inbound').map((message) => message.text);
			expect(inbound).toEqual(expect.arrayContaining(['BAJA', 'Hallo? Ist da jemand?']));
			expect(stored.turns.length).toBeGreaterThan(0);
		});

		it('erases the guest but keeps a tombstone that still honours the opt-out', async () => {
			const before = await exportOf(GUEST.waId);
			const response = await dsar('erase', GUEST.waId);
			expect(response.status).toBe(200);
			const erased = response.json as ErasureCounts;
			expect({ conversations: erased.conversations, messages: erased.messages, handoffs: erased.handoffs }).toEqual({
				conversations: 1,
				messages: before.messages.length,
				handoffs: before.handoffs.length,
			});

			const after = await exportOf(GUEST.waId);
			expect({ conversations: after.conversations.length, messages: after.messages.length, handoffs: after.handoffs.length }).toEqual({
				conversations: 0,
				messages: 0,
				handoffs: 0,
			});
			// The guest had opted out: writing again must not bring the bot back.
			const sent = await guestWrites('hotel-concierge.json', GUEST, 'Hoe laat is het ontbijt?');
			expect(sent.filter((message) => message.type === 'text')).toEqual([]);
		});
	});

	it('left the embedded store consistent: one row per WhatsApp message, no failed executions', async () => {
		for (const entry of imported) {
			const failed = (await server.rest.executions(entry.id)).filter((execution) => execution.status === 'error');
			const reasons = await Promise.all(failed.map(async (execution) => await failureOf(execution.id)));
			expect({ workflow: entry.name, failed: reasons }).toEqual({ workflow: entry.name, failed: [] });
		}
		await server.stop();
		const store = await openSupportStore({ backend: 'pglite', dataDir: path.join(userFolder, '.n8n', 'whatsapp-ai-support', 'pglite') });
		const jonas = await store.exportCustomer('4915112345601');
		expect(jonas.messages.filter((message) => message.direction === 'inbound').map((message) => message.text)).toEqual(['Is er parkeergelegenheid bij het hotel?']);
		expect(jonas.messages.filter((message) => message.direction === 'outbound')).toHaveLength(1);
		// Erased: only what the guest wrote after the erasure is there again, and no answer to it.
		const erased = await store.exportCustomer(GUEST.waId);
		expect(erased.messages.map((message) => ({ direction: message.direction, text: message.text }))).toEqual([{ direction: 'inbound', text: 'Hoe laat is het ontbijt?' }]);
	}, 60_000);
});
