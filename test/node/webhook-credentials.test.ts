// The trigger's short-lived credential copies (nodes/glue/webhook-credentials.ts): kept per credential id
// for WEBHOOK_CREDENTIAL_TTL_MS, asked again when fresh is wanted, never kept without an id.
import type { INode } from 'n8n-workflow';

import { forgetWebhookCredentials, WEBHOOK_CREDENTIAL_TTL_MS, webhookCredentials, type WebhookCredentialContext } from '../../nodes/glue/webhook-credentials';

function context(credentialId: string | undefined, secret: () => string) {
	const calls = { count: 0 };
	// Both credential types under one id, so that only the type tells them apart.
	const credentials = credentialId
		? { whatsAppCloudApi: { id: credentialId, name: 'WhatsApp' }, whatsAppSupportStorePostgresApi: { id: credentialId, name: 'Store' } }
		: undefined;
	const node = { name: 'Trigger', credentials } as unknown as INode;
	const value: WebhookCredentialContext = {
		getNode: () => node,
		getCredentials: (async (type: string) => {
			calls.count += 1;
			return { appSecret: secret(), type };
		}) as WebhookCredentialContext['getCredentials'],
	};
	return { value, calls };
}

describe('webhookCredentials', () => {
	afterEach(() => forgetWebhookCredentials());

	it('keeps a credential for the TTL, then asks n8n again', async () => {
		let secret = 'first';
		const { value, calls } = context('cred-ttl', () => secret);
		let now = 1_000_000;
		const at = () => now;
		expect(await webhookCredentials(value, 'whatsAppCloudApi', { now: at })).toEqual({ data: { appSecret: 'first', type: 'whatsAppCloudApi' }, cached: false });
		secret = 'second';
		now += WEBHOOK_CREDENTIAL_TTL_MS - 1;
		expect(await webhookCredentials(value, 'whatsAppCloudApi', { now: at })).toEqual({ data: { appSecret: 'first', type: 'whatsAppCloudApi' }, cached: true });
		now += 1;
		expect(await webhookCredentials(value, 'whatsAppCloudApi', { now: at })).toEqual({ data: { appSecret: 'second', type: 'whatsAppCloudApi' }, cached: false });
		expect(calls.count).toBe(2);
	});

	it('asks n8n when told to, and keeps what it answered', async () => {
		let secret = 'old';
		const { value, calls } = context('cred-fresh', () => secret);
		await webhookCredentials(value, 'whatsAppCloudApi');
		secret = 'new';
		expect((await webhookCredentials(value, 'whatsAppCloudApi', { fresh: true })).data).toEqual({ appSecret: 'new', type: 'whatsAppCloudApi' });
		expect(await webhookCredentials(value, 'whatsAppCloudApi')).toEqual({ data: { appSecret: 'new', type: 'whatsAppCloudApi' }, cached: true });
		expect(calls.count).toBe(2);
	});

	it('keeps nothing when n8n does not say which credential the node uses, or a clock went back', async () => {
		const { value, calls } = context(undefined, () => 's');
		await webhookCredentials(value, 'whatsAppCloudApi');
		await webhookCredentials(value, 'whatsAppCloudApi');
		expect(calls.count).toBe(2);

		const other = context('cred-clock', () => 's');
		await webhookCredentials(other.value, 'whatsAppCloudApi', { now: () => 5_000 });
		expect((await webhookCredentials(other.value, 'whatsAppCloudApi', { now: () => 4_000 })).cached).toBe(false);
	});

	it('keeps credentials of different ids and types apart', async () => {
		const first = context('cred-a', () => 'a');
		const second = context('cred-b', () => 'b');
		expect((await webhookCredentials(first.value, 'whatsAppCloudApi')).data).toEqual({ appSecret: 'a', type: 'whatsAppCloudApi' });
		expect((await webhookCredentials(second.value, 'whatsAppCloudApi')).data).toEqual({ appSecret: 'b', type: 'whatsAppCloudApi' });
		// Same id, other type: its own look-up, and then its own kept copy.
		expect(await webhookCredentials(first.value, 'whatsAppSupportStorePostgresApi')).toEqual({
			data: { appSecret: 'a', type: 'whatsAppSupportStorePostgresApi' },
			cached: false,
		});
		expect((await webhookCredentials(first.value, 'whatsAppSupportStorePostgresApi')).cached).toBe(true);
		expect((await webhookCredentials(first.value, 'whatsAppCloudApi')).data).toEqual({ appSecret: 'a', type: 'whatsAppCloudApi' });
		expect(first.calls.count).toBe(2);
	});
});
