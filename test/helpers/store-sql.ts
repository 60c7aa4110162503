// Raw SQL under the SupportStore's API, for tests only: to back-date rows and to check what was stored.
// The store keeps its driver private; nodes and domain code go through the store's methods.
import type { SqlDriver, SupportStore } from '../../nodes/domain/store';

export function sqlOf(store: SupportStore): SqlDriver {
	return (store as unknown as { driver: SqlDriver }).driver;
}
