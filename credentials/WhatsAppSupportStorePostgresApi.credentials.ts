import type { ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * Where the support store keeps its state when not embedded. Required in n8n queue mode.
 * The Test button is wired through the nodes' `testedBy: 'supportStoreConnectionTest'`, which really
 * connects (an HTTP test request cannot reach a database).
 */
export class WhatsAppSupportStorePostgresApi implements ICredentialType {
	name = 'whatsAppSupportStorePostgresApi';

	displayName = 'WhatsApp Support Store (Postgres)';

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-whatsapp-ai-support#support-store';

	icon = 'file:supportStore.svg' as const;

	properties: INodeProperties[] = [
		{
			displayName: 'Host',
			name: 'host',
			type: 'string',
			default: 'localhost',
		},
		{
			displayName: 'Port',
			name: 'port',
			type: 'number',
			default: 5432,
		},
		{
			displayName: 'Database',
			name: 'database',
			type: 'string',
			default: 'postgres',
		},
		{
			displayName: 'User',
			name: 'user',
			type: 'string',
			default: 'postgres',
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
		},
		{
			displayName: 'SSL',
			name: 'ssl',
			type: 'options',
			options: [
				{ name: 'Automatic', value: 'auto', description: 'Disable for localhost, Require for any other host' },
				{ name: 'Disable', value: 'disable', description: 'No TLS: only for a server on the same machine or a private network you trust' },
				{ name: 'Require', value: 'require', description: 'Encrypted; the server certificate is not checked' },
				{ name: 'Verify Full', value: 'verify-full', description: 'Encrypted; the certificate must chain to the CA below (or a public CA) and match the host' },
			],
			default: 'auto',
		},
		{
			displayName: 'CA Certificate',
			name: 'sslCa',
			type: 'string',
			typeOptions: { password: true, rows: 4 },
			default: '',
			placeholder: '-----BEGIN CERTIFICATE-----',
			description: "PEM of the certificate authority that signed the server's certificate (e.g. your cloud provider's); empty: the public CAs",
			displayOptions: { show: { ssl: ['verify-full'] } },
		},
		{
			displayName: 'Schema',
			name: 'schema',
			type: 'string',
			default: 'whatsapp_support',
			description:
				'Schema for the support tables; created on first use. Lower-case letters, digits and underscores.',
		},
		{
			displayName: 'Encryption Key',
			name: 'encryptionKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Encrypts message text, names, numbers, handoff notes, form values and guest profiles in the database (AES-256-GCM). 32 random bytes as base64 or hex, e.g. from `openssl rand -base64 32`. Empty: the WHATSAPP_SUPPORT_ENCRYPTION_KEY environment variable, else no encryption. Keep a copy: without it the data cannot be read.',
		},
		{
			displayName: 'Older Encryption Keys',
			name: 'olderEncryptionKeys',
			type: 'string',
			typeOptions: { password: true, rows: 2 },
			default: '',
			description:
				"Keys used before, one per line: still read while the Consent Gate's 'Rotate Encryption Key' re-encrypts their rows. Remove them once a rotation reports done.",
		},
		{
			displayName: 'Max Connections',
			name: 'maxConnections',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 100 },
			default: 10,
			description: 'Connections per n8n process (main, each worker and webhook process has its own pool)',
		},
	];
}
