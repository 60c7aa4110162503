import type { ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * The key another system (the agent desk, a DSAR tool) sends with its webhook calls. Two keys are valid
 * during a rotation: put the new one in Key and the old one in Previous Key, move the caller to the new
 * key, then clear Previous Key.
 */
export class WebhookKeysApi implements ICredentialType {
	name = 'webhookKeysApi';

	displayName = 'Webhook Keys API';

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-whatsapp-ai-support#webhook-keys-credential';

	icon = 'file:whatsApp.svg' as const;

	properties: INodeProperties[] = [
		{
			displayName: 'Header Name',
			name: 'header',
			type: 'string',
			default: 'X-Agent-Desk-Key',
			description: 'The request header that carries the key, e.g. X-Agent-Desk-Key or X-DSAR-Key',
		},
		{
			displayName: 'Key',
			name: 'key',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'At least 12 characters, e.g. from `openssl rand -base64 32`',
		},
		{
			displayName: 'Previous Key',
			name: 'previousKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'During a rotation only: the old key, still accepted until you clear this field',
		},
	];
}
