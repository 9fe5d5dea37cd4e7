import { ChannelError } from "@imessage-channel/kit";

export type PostgresStateErrorCode = "POSTGRES_URL_INVALID" | "POSTGRES_UNAVAILABLE" | "POSTGRES_SCHEMA_TOO_NEW";

/**
 * The base error of `@imessage-channel/state-postgres`. Messages name the server as host:port/database and never
 * carry the URL or the password.
 */
export class PostgresStateError extends ChannelError<PostgresStateErrorCode> {}
