import { readFileSync } from "node:fs";

export interface RssSampler {
  readonly samples: number;
  readonly peakMb: number;
  readonly lastMb: number;
  stop(): void;
}

/** Resident set size of a process in MB from /proc (Linux), or undefined when it cannot be read. */
export function readRssMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kilobytes = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kilobytes === undefined ? undefined : Number(kilobytes) / 1024;
  } catch {
    return undefined;
  }
}

/** Samples the RSS of whichever process `pid()` names, once a second (restarts give a new pid). */
export function startRssSampler(pid: () => number | undefined, everyMs = 1_000): RssSampler {
  let samples = 0;
  let peakMb = 0;
  let lastMb = 0;
  const sample = () => {
    const current = pid();
    const rss = current === undefined ? undefined : readRssMb(current);
    if (rss === undefined) return;
    samples++;
    lastMb = rss;
    peakMb = Math.max(peakMb, rss);
  };
  const timer = setInterval(sample, everyMs);
  sample();
  return {
    get samples() {
      return samples;
    },
    get peakMb() {
      return peakMb;
    },
    get lastMb() {
      return lastMb;
    },
    stop: () => clearInterval(timer),
  };
}
