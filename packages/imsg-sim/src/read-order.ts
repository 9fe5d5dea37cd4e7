import { ImsgSimError } from "./errors.ts";

/**
 * The order in which reads held together by `--fault-read-delay-ms` are answered (`--fault-read-order`): `fifo`,
 * `reverse` (the latest first), or `random:<seed>` (a seeded shuffle, the same on every run).
 */
export type ReadOrder = { kind: "fifo" } | { kind: "reverse" } | { kind: "random"; seed: number };

export function parseReadOrder(raw: string): ReadOrder {
  if (raw === "fifo" || raw === "reverse") return { kind: raw };
  const random = /^random:(\d+)$/.exec(raw);
  if (random) return { kind: "random", seed: Number(random[1]) };
  throw new ImsgSimError(
    "OPTION_INVALID",
    `imsg-sim: --fault-read-order "${raw}" is not one of fifo | reverse | random:<seed>; pass e.g. --fault-read-order random:7`,
  );
}

/** mulberry32: a tiny seeded generator, so a `random:<seed>` order reproduces. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** Returns a function that puts one held batch into the configured order (a new array each call). */
export function readOrderer<T>(order: ReadOrder): (batch: readonly T[]) => T[] {
  if (order.kind === "fifo") return (batch) => [...batch];
  if (order.kind === "reverse") return (batch) => [...batch].reverse();
  const random = seededRandom(order.seed);
  return (batch) => {
    const shuffled = [...batch];
    for (let index = shuffled.length - 1; index > 0; index -= 1) {
      const other = Math.floor(random() * (index + 1));
      [shuffled[index], shuffled[other]] = [shuffled[other]!, shuffled[index]!];
    }
    return shuffled;
  };
}
