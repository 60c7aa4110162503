import type { ICredentialType, INodeProperties } from 'n8n-workflow';

/** The secret that signs web chat sessions and the customer identities a site vouches for (HMAC-SHA256). */
export class WebChatApi implements ICredentialType {
	name = 'webChatApi';

	displayName = 'Web Chat API';

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-whatsapp-ai-support#web-chat-trigger';

	icon = 'file:webChat.svg' as const;

	properties: INodeProperties[] = [
		{
			displayName: 'Session Secret',
			name: 'sessionSecret',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description:
				'A long random string (e.g. `openssl rand -hex 32`). Signs every visitor session; your site uses it to sign a logged-in guest\'s e-mail or phone. Changing it ends all open sessions.',
		},
	];
}
