// Shared set-up for node tests: a Graph sandbox, a store on either backend, and the credentials our nodes
// take, so each test file only says what it runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { ICredentialDataDecryptedObject, INode, INodeParameters } from 'n8n-workflow';

import type { ConversationRef } from '../../nodes/domain/envelope';
import { closeAllSupportStores, openSupportStore, type SupportStore } from '../../nodes/domain/store';
import { startGraphSandbox, type GraphSandbox } from '../../sandbox/graph-sandbox';
import { createTestDatabase } from './store-backends';
import { node } from './workflow-builder';

export const PHONE_NUMBER_ID = '1065000000001';

export type StoreBackendName = 'embedded' | 'postgres';

export interface NodeTestBed {
	sandbox: GraphSandbox;
	store: SupportStore;
	backend: StoreBackendName;
	credentials: Record<string, ICredentialDataDecryptedObject>;
	/** One of our nodes, wired to the test credentials and this backend's store. */
	ourNode: (name: string, type: string, parameters?: INodeParameters, extra?: Partial<INode>) => INode;
	close: () => Promise<void>;
}

export function guest(waId: string, name = `Guest ${waId}`): ConversationRef {
	return { channel: 'whatsapp', phoneNumberId: PHONE_NUMBER_ID, customer: { waId, name } };
}

export function inbound(waId: string, text: string, id = `wamid.${waId}.${Math.random().toString(36).slice(2)}`, extra: Record<string, unknown> = {}) {
	return { conversation: guest(waId), message: { id, type: 'text', text, timestamp: new Date().toISOString() }, ...extra };
}

/**
 * Starts the sandbox and a fresh store of the given kind; the embedded one via WHATSAPP_SUPPORT_STORE_DIR.
 * With `encryptionKey`, the store encrypts: the embedded one through WHATSAPP_SUPPORT_ENCRYPTION_KEY, the
 * Postgres one through the credential's Encryption Key.
 */
export async function startNodeTestBed(backend: StoreBackendName, options: { encryptionKey?: string } = {}): Promise<NodeTestBed> {
	const sandbox = await startGraphSandbox();
	const credentials: Record<string, ICredentialDataDecryptedObject> = {
		whatsAppCloudApi: {
			accessToken: 'sandbox-token',
			phoneNumberId: PHONE_NUMBER_ID,
			appSecret: 'app-secret',
			verifyToken: 'verify-token',
			apiVersion: 'v24.0',
			baseUrl: sandbox.baseUrl,
		},
	};
	let store: SupportStore;
	let cleanup: () => Promise<void>;
	if (backend === 'embedded') {
		const folder = mkdtempSync(join(tmpdir(), 'wa-node-'));
		process.env.WHATSAPP_SUPPORT_STORE_DIR = join(folder, 'pglite');
		if (options.encryptionKey) process.env.WHATSAPP_SUPPORT_ENCRYPTION_KEY = options.encryptionKey;
		store = await openSupportStore({ backend: 'pglite', dataDir: process.env.WHATSAPP_SUPPORT_STORE_DIR });
		cleanup = async () => {
			delete process.env.WHATSAPP_SUPPORT_STORE_DIR;
			if (options.encryptionKey) delete process.env.WHATSAPP_SUPPORT_ENCRYPTION_KEY;
			rmSync(folder, { recursive: true, force: true });
		};
	} else {
		const database = await createTestDatabase('wa_node');
		credentials.whatsAppSupportStorePostgresApi = {
			...database.connection,
			password: '',
			ssl: 'disable',
			schema: 'whatsapp_support',
			...(options.encryptionKey ? { encryptionKey: options.encryptionKey } : {}),
		};
		store = await openSupportStore({ backend: 'postgres', connection: database.connection, encryption: { key: options.encryptionKey } });
		cleanup = database.drop;
	}
	return {
		sandbox,
		store,
		backend,
		credentials,
		ourNode: (name, type, parameters = {}, extra = {}) =>
			node(name, type, { ...parameters, supportStore: backend === 'postgres' ? 'postgres' : 'embedded' }, {
				credentials: {
					whatsAppCloudApi: { id: 'wa', name: 'WhatsApp' },
					whatsAppSupportStorePostgresApi: { id: 'pg', name: 'Store' },
				},
				...extra,
			}),
		close: async () => {
			await sandbox.close();
			await closeAllSupportStores();
			await cleanup();
		},
	};
}
