/**
 * n8n glue for the support store: the node parameter and credential that choose the backend, opening
 * the store from a node, and the credential's connection test. The store itself is n8n-free
 * (nodes/domain/store).
 */
import {
	NodeOperationError,
	type ICredentialDataDecryptedObject,
	type ICredentialTestFunction,
	type IExecuteFunctions,
	type IHookFunctions,
	type INodeProperties,
	type IWebhookFunctions,
} from 'n8n-workflow';

import {
	checkPostgresConnection,
	DEFAULT_SCHEMA,
	executionReadsFor,
	fieldCodecFor,
	defaultPgliteDataDir,
	openSupportStore,
	parseKeyList,
	resolveSslMode,
	sslOptionFor,
	StoreConfigurationError,
	validateSchemaName,
	type PostgresConnection,
	type StoreConfig,
	type StoreEncryption,
	type SupportStore,
} from '../domain/store';

import { webhookCredentials, type WebhookCredentialContext } from './webhook-credentials';

export const SUPPORT_STORE_CREDENTIAL = 'whatsAppSupportStorePostgresApi';

export const supportStoreProperty: INodeProperties = {
	displayName: 'Support Store',
	name: 'supportStore',
	type: 'options',
	noDataExpression: true,
	options: [
		{
			name: 'Embedded (PGlite)',
			value: 'embedded',
			description: 'No set-up: data lives in the n8n user folder. Not available in queue mode.',
		},
		{
			name: 'PostgreSQL',
			value: 'postgres',
			description: 'A shared database, chosen by a credential. Required in n8n queue mode.',
		},
	],
	default: 'embedded',
	description: 'Where conversations, dedupe keys, consent, handoffs and costs are kept. Use the same store in every node of a workflow.',
};


export function postgresConnectionFrom(credentials: ICredentialDataDecryptedObject): {
	connection: PostgresConnection;
	schema: string;
	encryption: StoreEncryption;
} {
	const host = String(credentials.host ?? 'localhost');
	const sslMode = resolveSslMode(credentials.ssl as string | undefined, host);
	return {
		connection: {
			host,
			port: Number(credentials.port ?? 5432),
			database: String(credentials.database ?? 'postgres'),
			user: String(credentials.user ?? 'postgres'),
			password: credentials.password ? String(credentials.password) : undefined,
			ssl: sslOptionFor(sslMode, host, credentials.sslCa ? String(credentials.sslCa) : undefined),
			maxConnections: credentials.maxConnections ? Number(credentials.maxConnections) : undefined,
		},
		schema: String(credentials.schema || DEFAULT_SCHEMA),
		encryption: {
			key: credentials.encryptionKey ? String(credentials.encryptionKey) : undefined,
			olderKeys: credentials.olderEncryptionKeys ? parseKeyList(String(credentials.olderEncryptionKeys)) : undefined,
		},
	};
}

type StoreContext = Pick<IExecuteFunctions | IWebhookFunctions | IHookFunctions, 'getNode' | 'getNodeParameter' | 'getCredentials'>;

/**
 * Opens the store the node is configured for, turning configuration problems into clear node errors. In an
 * execution, the nodes share one view of it that reads each conversation row and consent log once
 * (domain/store/execution-reads.ts).
 */
export async function getSupportStore(context: StoreContext, itemIndex = 0): Promise<SupportStore> {
	const store = await openStoreFor(context, itemIndex, false);
	const executionId = 'getInputData' in context && !('getWebhookName' in context) ? (context as IExecuteFunctions).getExecutionId?.() : undefined;
	return executionId ? executionReadsFor(store, executionId) : store;
}

async function openStoreFor(context: StoreContext, itemIndex: number, freshCredentials: boolean): Promise<SupportStore> {
	// Webhook contexts take (name, fallback); execute contexts take (name, itemIndex, fallback).
	const choice = (
		'getWebhookName' in context
			? (context as IWebhookFunctions).getNodeParameter('supportStore', 'embedded')
			: (context as IExecuteFunctions).getNodeParameter('supportStore', itemIndex, 'embedded')
	) as string;
	let config: StoreConfig;
	let keptCredentials = false;
	if (choice === 'postgres') {
		let data;
		if ('getWebhookName' in context) {
			// A trigger's webhook: kept for a few seconds, since n8n takes an isolate for each look-up (webhook-credentials.ts).
			const kept = await webhookCredentials(context as WebhookCredentialContext, SUPPORT_STORE_CREDENTIAL, { fresh: freshCredentials });
			data = kept.data;
			keptCredentials = kept.cached;
		} else {
			data = await context.getCredentials(SUPPORT_STORE_CREDENTIAL, itemIndex);
		}
		const { connection, schema, encryption } = postgresConnectionFrom(data);
		config = { backend: 'postgres', connection, schema, encryption };
	} else {
		config = { backend: 'pglite', dataDir: defaultPgliteDataDir() };
	}
	try {
		return await openSupportStore(config);
	} catch (error) {
		// Kept connection details may just have been replaced (a new password): try once with n8n's current ones.
		if (keptCredentials) return await openStoreFor(context, itemIndex, true);
		if (error instanceof StoreConfigurationError) {
			throw new NodeOperationError(context.getNode(), error.message, { description: error.hint, itemIndex });
		}
		throw new NodeOperationError(context.getNode(), `Could not open the support store: ${error.message}`, {
			itemIndex,
			description:
				choice === 'postgres'
					? "Check the 'WhatsApp Support Store (Postgres)' credential (use its Test button) and that the server is reachable."
					: 'Check that the n8n user folder is writable, or set WHATSAPP_SUPPORT_STORE_DIR to a writable folder.',
		});
	}
}

export const supportStoreConnectionTest: ICredentialTestFunction = async function (credential) {
	const { connection, schema, encryption } = postgresConnectionFrom(credential.data ?? {});
	try {
		validateSchemaName(schema);
		fieldCodecFor(encryption.key, encryption.olderKeys);
	} catch (error) {
		return { status: 'Error', message: `${error.message}. ${error.hint}` };
	}
	const result = await checkPostgresConnection(connection, schema);
	return { status: result.ok ? 'OK' : 'Error', message: result.message };
};
