export type { SqlDriver, SqlExecutor } from './driver';
export { migrations, runMigrations, type Migration } from './migrations';
export {
	assertBackendAllowed,
	closeAllSupportStores,
	DEFAULT_SCHEMA,
	defaultPgliteDataDir,
	isQueueMode,
	openSupportStore,
	StoreConfigurationError,
	validateSchemaName,
	type StoreConfig,
} from './open-store';
export { checkPostgresConnection, type PostgresConnection } from './postgres-driver';
export * from './analytics';
export * from './support-store';
export * from './types';
export * from './surveys';
