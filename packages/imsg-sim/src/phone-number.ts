/**
 * E.164 for NANP numbers under region `US` (the default; empty means `US`). imsg uses PhoneNumberKit for every
 * region; other regions here only lose formatting of `+` numbers. Emails and junk stay unchanged.
 */
export function normalizeToE164(to: string, region = "US"): string {
  if (to.includes("@")) return to;
  const digits = to.replace(/[\s().-]/g, "");
  if (/^\+\d{6,15}$/.test(digits)) return digits;
  if (region !== "" && region.toUpperCase() !== "US") return to;
  if (/^\d{10}$/.test(digits)) return `+1${digits}`;
  if (/^1\d{10}$/.test(digits)) return `+${digits}`;
  return to;
}
