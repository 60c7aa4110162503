import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from 'pg';

import type { PostgresConnection, StoreConfig } from '../../nodes/domain/store';

/**
 * The PostgreSQL server the tests use: 127.0.0.1:5432, user postgres, trust auth (overridable with
 * TEST_PG_HOST / TEST_PG_PORT / TEST_PG_USER / TEST_PG_PASSWORD). When nothing answers there, the
 * global set-up starts a server of its own and points these variables at it (test/helpers/test-services.ts).
 * Tests never skip when there is none: they fail and say why, because CI must prove both backends.
 */
export function testPostgresServer(): Omit<PostgresConnection, 'database'> {
	return {
		host: process.env.TEST_PG_HOST ?? '127.0.0.1',
		port: Number(process.env.TEST_PG_PORT ?? 5432),
		user: process.env.TEST_PG_USER ?? 'postgres',
		password: process.env.TEST_PG_PASSWORD ?? undefined,
	};
}

async function adminQuery(sql: string): Promise<void> {
	const server = testPostgresServer();
	const client = new Client({ ...server, database: 'postgres', connectionTimeoutMillis: 5000 });
	try {
		await client.connect();
	} catch (error) {
		throw new Error(
			process.env.TEST_PG_UNAVAILABLE ??
				`PostgreSQL is required for the Postgres store tests but ${server.host}:${server.port} did not answer (${error.message}). These tests never skip.`,
		);
	}
	try {
		await client.query(sql);
	} finally {
		await client.end();
	}
}

/** A fresh database for this test run; `drop()` removes it. */
export async function createTestDatabase(prefix = 'wa_support_test'): Promise<{
	connection: PostgresConnection;
	drop: () => Promise<void>;
}> {
	const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
	await adminQuery(`CREATE DATABASE ${name}`);
	return {
		connection: { ...testPostgresServer(), database: name },
		drop: async () => await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
	};
}

export interface StoreBackendFixture {
	name: 'pglite' | 'postgres';
	/** A config for a new, empty store. */
	create: () => Promise<StoreConfig>;
	cleanup: () => Promise<void>;
}

/** Both store backends, for `describe.each`: the same suite must pass on each. */
export function storeBackendFixtures(): StoreBackendFixture[] {
	const folders: string[] = [];
	const databases: Array<() => Promise<void>> = [];
	return [
		{
			name: 'pglite',
			create: async () => {
				const folder = mkdtempSync(join(tmpdir(), 'wa-store-'));
				folders.push(folder);
				return { backend: 'pglite', dataDir: join(folder, 'pglite') };
			},
			cleanup: async () => {
				for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
			},
		},
		{
			name: 'postgres',
			create: async () => {
				const database = await createTestDatabase();
				databases.push(database.drop);
				return { backend: 'postgres', connection: database.connection };
			},
			cleanup: async () => {
				for (const drop of databases.splice(0)) await drop();
			},
		},
	];
}
