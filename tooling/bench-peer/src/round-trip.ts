/** One small read on a started client: ours `chatsList`, the reference's `request("chats.list")`. */
export type SmallRead = () => Promise<unknown>;

/**
 * `count` reads with `inFlight` lanes (1: strictly one after the other), after `warmUp` unmeasured ones: the wall time
 * in milliseconds.
 */
export async function timeReads(read: SmallRead, count: number, inFlight: number, warmUp = 200): Promise<number> {
  for (let index = 0; index < warmUp; index += 1) await read();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async (_, lane) => {
      for (let index = lane; index < count; index += inFlight) await read();
    }),
  );
  return performance.now() - started;
}
