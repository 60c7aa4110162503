import {
	NodeConnectionTypes,
	type IDataObject,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { LEASE_CONFIRMING_NODES } from '../glue/delivery';
import { getSupportStore, supportStoreConnectionTest, supportStoreProperty } from '../glue/store';
import { webhookCredentials } from '../glue/webhook-credentials';
import { readWhatsAppCredentials, WHATSAPP_CREDENTIAL, whatsAppCloudApiTest } from '../glue/whatsapp';
import { logCosts, resolveModelPrices, resolveRateCard } from '../domain/costs';
import { isQueueMode, type SupportStore } from '../domain/store';
import { DEFAULT_MAX_WAITING_EXECUTIONS, processBacklog } from '../domain/whatsapp/backlog';
import { answerVerification, describeUnreadableBody, handleInboundWebhook } from '../domain/whatsapp/inbound';
import { SIGNATURE_HEADER, verifySignature } from '../domain/whatsapp/signature';
import type { StatusEvent } from '../domain/whatsapp/webhook';

type RawRequest = ReturnType<IWebhookFunctions['getRequestObject']> & {
	rawBody?: Buffer;
	readRawBody?: () => Promise<void>;
};

const STORE_UNAVAILABLE = 'Temporarily unable to process the webhook';

export class WhatsAppAiTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WhatsApp AI Trigger',
		name: 'whatsAppAiTrigger',
		icon: 'file:whatsApp.svg',
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["ignoreStatuses"] ? "Messages" : "Messages and statuses"}}',
		description:
			'Receives WhatsApp Cloud API webhooks: verified, deduplicated and stored, one item per customer message',
		defaults: { name: 'WhatsApp AI Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Messages', 'Statuses'],
		credentials: [
			{ name: 'whatsAppCloudApi', required: true, testedBy: 'whatsAppCloudApiTest' },
			{
				name: 'whatsAppSupportStorePostgresApi',
				required: true,
				displayOptions: { show: { supportStore: ['postgres'] } },
				testedBy: 'supportStoreConnectionTest',
			},
		],
		webhooks: [
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', path: 'webhook' },
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' },
		],
		properties: [
			{
				displayName:
					"In your Meta app → WhatsApp → Configuration, paste this node's Production URL as the Callback URL and the credential's Verify Token, then subscribe to the <b>messages</b> field. Each trigger has its own URL, so several workflows (or numbers) can use one Meta app.",
				name: 'setupNotice',
				type: 'notice',
				default: '',
			},
			// n8n must hand the webhook's raw bytes to the node: the signature is computed over them, and a
			// malformed body has to be answered 400 by us (n8n's own JSON parsing would answer 422).
			{
				displayName: 'Request Body Handling',
				name: 'options',
				type: 'hidden',
				default: { binaryData: true },
			},
			supportStoreProperty,
			{
				displayName: 'Ignore Statuses',
				name: 'ignoreStatuses',
				type: 'boolean',
				default: false,
				description:
					'Whether to leave the Statuses output empty (delivery statuses are still recorded and deduplicated). Keep it off to log costs from pricing.',
			},
			{
				displayName: 'Statuses to Output',
				name: 'statusEvents',
				type: 'options',
				displayOptions: { show: { ignoreStatuses: [false] } },
				options: [
					{ name: 'All New Statuses', value: 'all', description: 'Sent, delivered, read, played and failed, each once' },
					{
						name: 'Charges and Failures',
						value: 'charges',
						description:
							'Per message only the first status that carries its charge, and every failure: all a Cost Logger needs, with a third of the executions',
					},
					{
						name: 'Failures Only (Charges Logged Here)',
						value: 'failures',
						description:
							"Only failures start an execution; this trigger logs each message's WhatsApp charge itself (the built-in rate card), as a Cost Logger on this output would. No execution per reply.",
					},
				],
				default: 'all',
				description: 'Every status is stored either way (the dashboard and DSAR exports see them); this only chooses which start an execution',
			},
			{
				displayName: 'Charge Currency',
				name: 'chargeCurrency',
				type: 'options',
				displayOptions: { show: { ignoreStatuses: [false], statusEvents: ['failures'] } },
				options: [
					{ name: 'EUR', value: 'EUR' },
					{ name: 'USD', value: 'USD' },
				],
				default: 'USD',
				description: "Currency the trigger records charges in; keep it the store's one currency (as in the Cost Logger)",
			},
			{
				displayName: 'Refuse Above Waiting Executions',
				name: 'maxWaitingExecutions',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: DEFAULT_MAX_WAITING_EXECUTIONS,
				description:
					'In a burst, answer 503 (Meta delivers again later, nothing is lost) while this many messages already wait for their execution in this n8n process, so that memory stays bounded. 0 = never refuse. Not used in queue mode, where Redis holds the backlog.',
			},
			{
				displayName: 'Phone Numbers',
				name: 'phoneNumberScope',
				type: 'options',
				options: [
					{
						name: "Only the Credential's Phone Number",
						value: 'credential',
						description: 'Events for other numbers of the same Meta app are acknowledged and ignored',
					},
					{ name: 'All Phone Numbers of the App', value: 'all' },
				],
				default: 'credential',
			},
		],
	};

	methods = { credentialTest: { whatsAppCloudApiTest, supportStoreConnectionTest } };

	// Meta's webhook is registered by hand (see the notice), so there is nothing to create or delete. n8n asks
	// when it activates the workflow: the moment to open the store (the embedded one loads its database engine
	// and runs migrations), so that the first customer's webhook does not wait for it.
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				await warmUpStore(this);
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const response = this.getResponseObject();
		const reply = (statusCode: number, body: string): IWebhookResponseData => {
			response.status(statusCode).type('text/plain').send(body);
			return { noWebhookResponse: true };
		};
		// Kept for a few seconds between webhooks (see webhook-credentials.ts); the setup handshake always asks n8n.
		const setup = this.getWebhookName() === 'setup';
		const kept = await webhookCredentials(this, WHATSAPP_CREDENTIAL, { fresh: setup });
		let credentials = readWhatsAppCredentials(kept.data);

		if (setup) {
			const answer = answerVerification(this.getQueryData() as IDataObject, credentials.verifyToken);
			return reply(answer.statusCode, answer.body);
		}

		const request = this.getRequestObject() as RawRequest;
		try {
			if (!request.rawBody && request.readRawBody) await request.readRawBody();
		} catch (error) {
			// n8n reads the body for us only now: a body over its size limit, a broken gzip or deflate stream or an
			// aborted upload is the sender's problem (4xx), not a failed execution.
			const unreadable = describeUnreadableBody(error);
			this.logger.warn(`WhatsApp AI Trigger rejected a webhook (${unreadable.statusCode}): ${unreadable.message}`);
			return reply(unreadable.statusCode, unreadable.message);
		}
		const backlogLimit = queueModeOff() ? Number(this.getNodeParameter('maxWaitingExecutions', DEFAULT_MAX_WAITING_EXECUTIONS)) : 0;
		if (backlogLimit > 0 && processBacklog().size() >= backlogLimit) {
			// Before the store: a refused POST leaves no trace, so Meta's redelivery is a first delivery.
			response.setHeader?.('Retry-After', '5');
			return reply(503, 'Too many messages are waiting to be answered; deliver again later');
		}
		const rawBody = request.rawBody ?? Buffer.from(typeof request.body === 'string' ? request.body : JSON.stringify(request.body ?? ''));
		const signatureHeader = request.headers[SIGNATURE_HEADER];
		const signature = Array.isArray(signatureHeader) ? signatureHeader[0] : signatureHeader;
		// A kept App Secret that does not verify this webhook may just have been replaced: ask n8n again.
		if (kept.cached && !(credentials.appSecret && verifySignature(rawBody, signature, credentials.appSecret).valid)) {
			credentials = readWhatsAppCredentials((await webhookCredentials(this, WHATSAPP_CREDENTIAL, { fresh: true })).data);
		}

		let outcome;
		try {
			const store = await getSupportStore(this);
			const statuses = statusEventsOf(this);
			outcome = await handleInboundWebhook(
				rawBody,
				signature,
				{
					appSecret: credentials.appSecret,
					phoneNumberIds:
						this.getNodeParameter('phoneNumberScope', 'credential') === 'credential' ? [credentials.phoneNumberId] : undefined,
					deliveryLeases: confirmsDeliveries(this),
					statuses,
					recordCharge: statuses === 'failures' ? chargeRecorder(this, store) : undefined,
				},
				store,
			);
		} catch (error) {
			// The store could not be opened: answer 500 so Meta delivers again later; nothing is lost.
			this.logger.error(`WhatsApp AI Trigger could not process a webhook: ${error.message}`);
			return reply(500, STORE_UNAVAILABLE);
		}
		if (!outcome.accepted) {
			this.logger.warn(`WhatsApp AI Trigger rejected a webhook (${outcome.statusCode}): ${outcome.message}`);
			return reply(outcome.statusCode, outcome.message);
		}

		const statuses = this.getNodeParameter('ignoreStatuses', false) ? [] : outcome.statuses;
		const workflowData = [
			outcome.messages.map((event) => ({ json: event as unknown as IDataObject })),
			statuses.map((event) => ({ json: event as unknown as IDataObject })),
		];
		const backlog = processBacklog();
		for (const message of outcome.messages) if (message.delivery) backlog.started(message.delivery.token);
		if (outcome.storeError || outcome.inProgress > 0) {
			// Part of the POST is stored, the rest is not (500), or an earlier delivery of one of its messages may
			// still be answering it (503): either way Meta must deliver the POST again, while what is new runs now,
			// since a redelivery would see it as a duplicate.
			if (outcome.storeError) {
				this.logger.error(`WhatsApp AI Trigger stored only part of a webhook: ${outcome.storeError.message}`);
				response.status(500).type('text/plain').send(STORE_UNAVAILABLE);
			} else {
				response.status(503).type('text/plain').send('An earlier delivery of this message is still being answered; deliver it again later');
			}
			if (outcome.messages.length === 0 && statuses.length === 0) return { noWebhookResponse: true };
			return { noWebhookResponse: true, workflowData };
		}
		if (outcome.messages.length === 0 && statuses.length === 0) {
			// Duplicates, other numbers' events or ignored statuses: acknowledge, start nothing.
			return reply(200, 'OK');
		}
		return { workflowData };
	}
}

/**
 * Whether a node of this pack that confirms delivery leases (nodes/glue/delivery.ts) follows the trigger:
 * only then do new messages get a lease, since a lease nobody confirms would let every late redelivery
 * start the message again.
 */
function confirmsDeliveries(context: IWebhookFunctions): boolean {
	const confirming = new Set(LEASE_CONFIRMING_NODES);
	return context
		.getChildNodes(context.getNode().name)
		.some((node) => !node.disabled && confirming.has(node.type.slice(node.type.lastIndexOf('.') + 1)));
}

/** Which new statuses start an execution (Statuses to Output). */
function statusEventsOf(context: IWebhookFunctions): 'all' | 'charges' | 'failures' {
	const chosen = context.getNodeParameter('statusEvents', 'all');
	return chosen === 'charges' || chosen === 'failures' ? chosen : 'all';
}

/**
 * Statuses to Output = Failures Only: the trigger logs the charge a status carries, exactly as a Cost Logger
 * (Log, Record Turns off) on the Statuses output would, with the built-in rate card. Idempotent: the cost row
 * is keyed per message (per conversation for the old pricing model), so later statuses of the same message
 * and redeliveries add nothing.
 */
function chargeRecorder(context: IWebhookFunctions, store: SupportStore): (event: StatusEvent) => Promise<void> {
	const currency = String(context.getNodeParameter('chargeCurrency', 'USD') ?? 'USD');
	const workflow = context.getWorkflow();
	return async (event) => {
		await logCosts({
			store,
			item: event as unknown as Record<string, unknown>,
			currency,
			rateCard: resolveRateCard(),
			modelPrices: resolveModelPrices(),
			turn: { record: false, workflowId: workflow.id, workflowName: workflow.name },
			fallbackKey: `status:${event.status.messageId}`,
		});
	};
}

/** The waiting-executions guard counts in this process only, which holds the backlog in regular mode alone. */
function queueModeOff(): boolean {
	return !isQueueMode();
}

/** Opens the store at activation; a failure only delays that to the first webhook (which answers 500 if it persists). */
async function warmUpStore(context: IHookFunctions): Promise<void> {
	try {
		const store = await getSupportStore(context);
		if (!store.encrypted) {
			context.logger.warn(
				'WhatsApp AI Trigger: the support store keeps message text, names and numbers unencrypted. Set an Encryption Key on the store credential or WHATSAPP_SUPPORT_ENCRYPTION_KEY (README: Encryption at rest).',
			);
		}
	} catch (error) {
		context.logger.warn(`WhatsApp AI Trigger could not open the support store yet: ${error.message}`);
	}
}
