export { findPostgresBinaries, type PostgresSearch, postgresNotFoundMessage } from "./find-postgres-binaries.ts";
export { startTestPostgres, type TestPostgres, type TestPostgresOptions } from "./start-test-postgres.ts";
