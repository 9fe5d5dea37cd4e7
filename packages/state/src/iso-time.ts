export function toIsoString(epochMilliseconds: number): string {
  return new Date(epochMilliseconds).toISOString();
}
