import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

/**
 * One WhatsApp Business phone number on the Cloud API. The nodes' `testedBy: 'whatsAppCloudApiTest'`
 * runs the Test button (GET /{version}/{phone-number-id}) and shows Meta's own error text; the `test`
 * request below is the fallback n8n uses where no node declares that function.
 */
export class WhatsAppCloudApi implements ICredentialType {
	name = 'whatsAppCloudApi';

	displayName = 'WhatsApp Cloud API';

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-whatsapp-ai-support#whatsapp-cloud-api-credential';

	icon = 'file:whatsApp.svg' as const;

	properties: INodeProperties[] = [
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description: 'A permanent System User token with whatsapp_business_messaging permission',
		},
		{
			displayName: 'Phone Number ID',
			name: 'phoneNumberId',
			type: 'string',
			required: true,
			default: '',
			description: 'From WhatsApp Manager → Phone numbers (not the phone number itself)',
		},
		{
			displayName: 'WhatsApp Business Account ID',
			name: 'businessAccountId',
			type: 'string',
			default: '',
		},
		{
			displayName: 'App Secret',
			name: 'appSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				"Your Meta app's secret (App settings → Basic). The trigger uses it to check that webhooks really come from Meta; required by the WhatsApp AI Trigger.",
		},
		{
			displayName: 'Verify Token',
			name: 'verifyToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				"Any secret string you choose. Paste the same value into the Meta app's webhook settings together with the trigger's URL.",
		},
		{
			displayName: 'Graph API Version',
			name: 'apiVersion',
			type: 'string',
			default: 'v24.0',
			placeholder: 'v24.0',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://graph.facebook.com',
			description: "Meta's Graph API. Change only for a proxy or the local sandbox used in tests.",
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: { Authorization: '=Bearer {{$credentials.accessToken}}' },
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}/{{$credentials.apiVersion}}',
			url: '=/{{$credentials.phoneNumberId}}',
		},
	};
}
