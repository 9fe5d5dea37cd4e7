/** Why an imsg call failed, as far as outbound cares. */
export type CallFailureKind = "bridge-unavailable" | "selector-unavailable" | "method-missing" | "other";

// docs/imsg-protocol.md#failure-texts: what [BR] methods return when the bridge is not there (or fell out), plus the
// send path's own words.
const bridgeUnavailable = [
  /Failed to launch Messages\.app/i,
  /System Integrity Protection/i,
  /dylib not found/i,
  /Unable to determine SIP status/i,
  /Timeout waiting for Messages\.app/i,
  /not currently injected/i,
  /requires bridge/i,
  /bridge transport requires/i,
  /Bridge IO error/i,
  /Malformed bridge response/i,
  /Timed out waiting for response to/i,
];
const selectorUnavailable = [/not available on this macOS/i, /No edit-message selector available/i];

/** The text of a JSON-RPC error as any client surfaces it: `message` plus `data` (string or JSON). */
function failureText(error: unknown): string {
  if (typeof error !== "object" || error === null) return String(error);
  const { message, data } = error as { message?: unknown; data?: unknown };
  const dataText = typeof data === "string" ? data : data === undefined ? "" : JSON.stringify(data);
  return `${typeof message === "string" ? message : ""} ${dataText}`;
}

/** Reads a rejected `call` (any client's JSON-RPC error shape: numeric `code`, `message`, `data`). */
export function classifyCallFailure(error: unknown): CallFailureKind {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (code === -32601) return "method-missing";
  const text = failureText(error);
  if (selectorUnavailable.some((pattern) => pattern.test(text))) return "selector-unavailable";
  if (bridgeUnavailable.some((pattern) => pattern.test(text))) return "bridge-unavailable";
  return "other";
}
