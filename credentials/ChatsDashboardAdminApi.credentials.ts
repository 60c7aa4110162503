import type { ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * The first admin of the Chats dashboard. The Cost Logger (Dashboard) creates this user on first use
 * and keeps its password in step with the credential; further users are added in the dashboard.
 */
export class ChatsDashboardAdminApi implements ICredentialType {
	name = 'chatsDashboardAdminApi';

	displayName = 'Chats Dashboard Admin API';

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-whatsapp-ai-support#chats-dashboard';

	icon = 'file:supportStore.svg' as const;

	properties: INodeProperties[] = [
		{
			displayName: 'Admin User Name',
			name: 'username',
			type: 'string',
			default: 'admin',
			description: 'Letters, digits and . _ @ - (stored in lower case)',
		},
		{
			displayName: 'Admin Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'At least 10 characters. Stored in the dashboard as a scrypt hash; changing it here changes it there.',
		},
	];
}
