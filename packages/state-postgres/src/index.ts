export type { SslSettings } from "./connection-target.ts";
export { latestPostgresSchemaVersion } from "./migrations.ts";
export { PostgresAccountLeases, type PostgresAccountLeasesOptions } from "./postgres-account-leases.ts";
export { type OpenPostgresStateOptions, openPostgresState, type PostgresState } from "./postgres-state.ts";
export { PostgresStateError, type PostgresStateErrorCode } from "./postgres-state-error.ts";
