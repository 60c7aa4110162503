export type { SqlDriver, SqlExecutor } from './driver';
export { migrations, runMigrations, type Migration } from './migrations';
export {
	assertBackendAllowed,
	closeAllSupportStores,
	DEFAULT_SCHEMA,
	defaultPgliteDataDir,
	isQueueMode,
	openSupportStore,
	resolveEncryption,
	StoreConfigurationError,
	validateSchemaName,
	type StoreConfig,
	type StoreEncryption,
} from './open-store';
export { checkPostgresConnection, resolveSslMode, sslOptionFor, type PostgresConnection, type PostgresSslMode } from './postgres-driver';
export * from './access';
export { ENCRYPTED_TABLES, type KeyRotationOptions, type KeyRotationResult } from './key-rotation';
export { EncryptionKeyError, FieldCipher, fieldCodecFor, isSealed, parseKeyList, PLAIN_FIELDS, sealedKeyId, type FieldCodec } from './field-cipher';
export * from './chat-bots';
export { executionReadsFor, withExecutionReads, type ExecutionReadsOptions } from './execution-reads';
export * from './analytics';
export * from './support-store';
export { MAX_PROFILE_ENTRIES, type GuestProfile, type GuestProfileField, type GuestProfileUpdate } from './profiles';
export * from './types';
export * from './surveys';
