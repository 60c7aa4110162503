import type { ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * The key the agent desk sends with its calls. Two keys are valid during a rotation: put the new one
 * in Key and the old one in Previous Key, move the desk to the new key, then clear Previous Key.
 */
export class AgentDeskKeysApi implements ICredentialType {
	name = 'agentDeskKeysApi';

	displayName = 'Agent Desk Keys API';

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-whatsapp-ai-support#agent-desk-bridge';

	icon = 'file:whatsApp.svg' as const;

	properties: INodeProperties[] = [
		{
			displayName: 'Header Name',
			name: 'header',
			type: 'string',
			default: 'X-Agent-Desk-Key',
		},
		{
			displayName: 'Key',
			name: 'key',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'At least 16 characters, e.g. from `openssl rand -base64 32`',
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
