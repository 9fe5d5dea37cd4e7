/**
 * The message of anything a `catch` can receive, for log lines and one-line reports: an Error's `message`, a string
 * as it is, anything else as JSON (or `String()` when it cannot be serialized).
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  if (typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string")
    return (error as { message: string }).message;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
