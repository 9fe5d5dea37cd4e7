/**
 * Runs `deliver` `warmUp` times unmeasured, then `count` times one after the other, and returns each measured run's
 * latency in milliseconds.
 */
export async function timeEachReply(
  deliver: (index: number) => Promise<unknown>,
  count: number,
  warmUp: number,
): Promise<number[]> {
  for (let index = 0; index < warmUp; index += 1) await deliver(-1 - index);
  const latencies: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    await deliver(index);
    latencies.push(performance.now() - started);
  }
  return latencies;
}

/** The reply both sides send: one chunk, a little markdown for each side's formatting to do. */
export function replyText(index: number): string {
  return `Sure, **12:30** works. I'll book a table for four at the usual place (reply ${index}).`;
}
