// The Test buttons of our two credentials, as n8n calls them (the nodes' `testedBy` functions).
import type { ICredentialTestFunctions, ICredentialsDecrypted } from 'n8n-workflow';

import { supportStoreConnectionTest } from '../../nodes/glue/store';
import { whatsAppCloudApiTest } from '../../nodes/glue/whatsapp';
import { startGraphSandbox, type GraphSandbox } from '../../sandbox/graph-sandbox';
import { createTestDatabase, testPostgresServer } from '../helpers/store-backends';

function credential(type: string, data: Record<string, string | number>): ICredentialsDecrypted {
	return { id: '1', name: 'test', type, data };
}

const context = {} as ICredentialTestFunctions;

describe('WhatsApp Cloud API credential test', () => {
	let sandbox: GraphSandbox;
	beforeAll(async () => (sandbox = await startGraphSandbox()));
	afterAll(async () => await sandbox.close());

	const data = () => ({ accessToken: 'sandbox-token', phoneNumberId: '1065000000001', apiVersion: 'v24.0', baseUrl: sandbox.baseUrl });

	it('calls GET /{version}/{phone-number-id} and names the number', async () => {
		const result = await whatsAppCloudApiTest.call(context, credential('whatsAppCloudApi', data()));
		expect(result).toEqual({ status: 'OK', message: 'Connected: Sandbox Hotel, +1 555-000-0001' });
		expect(sandbox.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v24.0/1065000000001' });
	});

	it("shows Meta's error text for a bad token or an unknown number", async () => {
		const badToken = await whatsAppCloudApiTest.call(context, credential('whatsAppCloudApi', { ...data(), accessToken: 'expired' }));
		expect(badToken.status).toBe('Error');
		expect(badToken.message).toMatch(/^Meta: .+\(code 190\)$/);
		expect(badToken.message).not.toContain('expired');
		const unknown = await whatsAppCloudApiTest.call(context, credential('whatsAppCloudApi', { ...data(), phoneNumberId: '999' }));
		expect(unknown).toMatchObject({ status: 'Error', message: expect.stringMatching(/Meta: .*\(code 100\)/) });
	});
});

describe('WhatsApp Support Store (Postgres) credential test', () => {
	let database: Awaited<ReturnType<typeof createTestDatabase>>;
	beforeAll(async () => (database = await createTestDatabase('wa_credtest')));
	afterAll(async () => await database.drop());

	const data = () => ({ ...database.connection, password: '', ssl: 'disable', schema: 'whatsapp_support' });

	it('really connects and reports the server version', async () => {
		const result = await supportStoreConnectionTest.call(context, credential('whatsAppSupportStorePostgresApi', data()));
		expect(result.status).toBe('OK');
		expect(result.message).toMatch(/^Connected to PostgreSQL \d+/);
	});

	it('reports an unreachable server, a missing database and a bad schema name', async () => {
		const server = testPostgresServer();
		const closedPort = await supportStoreConnectionTest.call(
			context,
			credential('whatsAppSupportStorePostgresApi', { ...data(), host: server.host, port: 1 }),
		);
		expect(closedPort).toMatchObject({ status: 'Error', message: expect.stringMatching(/Could not connect to PostgreSQL: .*ECONNREFUSED/) });
		const noDatabase = await supportStoreConnectionTest.call(
			context,
			credential('whatsAppSupportStorePostgresApi', { ...data(), database: 'no_such_database_here' }),
		);
		expect(noDatabase).toMatchObject({ status: 'Error', message: expect.stringMatching(/does not exist/) });
		const badSchema = await supportStoreConnectionTest.call(
			context,
			credential('whatsAppSupportStorePostgresApi', { ...data(), schema: 'Bad-Schema' }),
		);
		expect(badSchema).toMatchObject({ status: 'Error', message: expect.stringMatching(/Invalid store schema name/) });
	});
});
