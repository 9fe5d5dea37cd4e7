/** Milliseconds between the Unix epoch and Apple's 2001-01-01T00:00:00Z epoch. */
export const appleEpochUnixMilliseconds = 978_307_200_000;

/** chat.db `date` value (nanoseconds since 2001-01-01) for a JS date. */
export function appleNanosecondsFromDate(date: Date): bigint {
  return (BigInt(date.getTime()) - BigInt(appleEpochUnixMilliseconds)) * 1_000_000n;
}

/** ISO-8601 UTC with milliseconds for an Apple-epoch millisecond value; NULL renders as the Apple epoch. */
export function isoFromAppleMilliseconds(appleMilliseconds: number | null | undefined): string {
  return new Date((appleMilliseconds ?? 0) + appleEpochUnixMilliseconds).toISOString();
}

const internetDateTime = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an ISO-8601 internet date-time with an explicit zone, as imsg's `start`/`end` params require. */
export function parseInternetDateTime(value: string): Date | undefined {
  if (!internetDateTime.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
