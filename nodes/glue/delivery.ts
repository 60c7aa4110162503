/**
 * The confirming side of delivery leases (nodes/domain/whatsapp/inbound.ts, DELIVERY_LEASES): the first
 * pack node an inbound message item reaches confirms that this execution is the one answering it.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { SupportStore } from '../domain/store';
import { processBacklog } from '../domain/whatsapp/backlog';
import type { DeliveryLease } from '../domain/whatsapp/inbound';

/** The node types that confirm leases; the trigger hands out leases only when its workflow has one. */
export const LEASE_CONFIRMING_NODES = ['consentGate', 'humanHandoff', 'whatsAppWindowCheck'];

/**
 * The item's JSON with its lease confirmed, or `undefined` when a redelivery has handed the message to
 * another execution: then this one must drop the item, since the other answers it. Items without a lease
 * (pinned data, manual runs, other sources) and leases already confirmed upstream pass as they are.
 */
export async function confirmDelivery(context: IExecuteFunctions, store: SupportStore, json: IDataObject): Promise<IDataObject | undefined> {
	const lease = json.delivery as DeliveryLease | undefined;
	const messageId = (json.message as { id?: unknown } | undefined)?.id;
	if (!lease || typeof lease !== 'object' || typeof lease.token !== 'string' || lease.confirmed || typeof messageId !== 'string') return json;
	const verdict = await store.confirmInboundDelivery(messageId, lease.token);
	processBacklog().arrived(lease.token);
	if (verdict === 'superseded') {
		context.logger.info(`${context.getNode().name}: message ${messageId} is answered by a later delivery's execution; this one stops here`);
		return undefined;
	}
	return { ...json, delivery: { ...lease, confirmed: true } };
}
