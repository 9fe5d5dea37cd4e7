/**
 * How an agent's URL appears in logs and errors: its origin only. Paths carry secrets as often as query strings
 * do (Slack-style `/hooks/T…/B…/<secret>`, keys in proxy paths), and the origin also drops `user:password@`.
 */
export function logSafeUrl(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(invalid URL)";
  }
}
