import { setTimeout as sleep } from "node:timers/promises";
import { type ReadOrder, readOrderer } from "./read-order.ts";
import type { RpcLane } from "./rpc-descriptors.ts";

/** imsg 0.14+'s admission limit: running plus queued requests across all lanes. */
export const outstandingLimit = 128;

/** Reads running at once. */
export const readConcurrency = 4;

/** One admitted line: `run` handles it and writes its answer; `onShutdown` replaces `run` if EOF comes first. */
export interface LaneJob {
  run: () => Promise<void>;
  onShutdown?: () => Promise<void>;
}

export interface ReadHold {
  /** How long a read is held before it runs (0: not held). */
  delayMs: number;
  /** With an order other than fifo, the reads held at once are answered one by one in that order. */
  order: ReadOrder;
}

/**
 * The 0.14+ scheduler (docs/imsg-protocol.md, Lanes): a serial control lane, up to four concurrent reads that may
 * answer out of order, and a FIFO mutation worker that writes each answer before the next mutation starts.
 */
export class RpcScheduler {
  #outstanding = 0;
  #shuttingDown = false;
  readonly #control: LaneJob[] = [];
  readonly #mutations: LaneJob[] = [];
  readonly #reads: LaneJob[] = [];
  #controlBusy = false;
  #mutationBusy = false;
  #activeReads = 0;
  readonly #hold: ReadHold;
  readonly #order: (batch: readonly LaneJob[]) => LaneJob[];
  #batch: { jobs: LaneJob[]; timer: NodeJS.Timeout } | undefined;
  /** Batches answer one after another, so a later batch never overtakes an earlier one (a deterministic order). */
  #releases: Promise<void> = Promise.resolve();
  readonly #idle = new Set<() => void>();

  constructor(hold: ReadHold) {
    this.#hold = hold;
    this.#order = readOrderer<LaneJob>(hold.order);
  }

  /** False once 128 lines are outstanding: the caller answers -32000 (or drops a notification). */
  hasRoom(): boolean {
    return this.#outstanding < outstandingLimit;
  }

  submit(lane: RpcLane, job: LaneJob): void {
    this.#outstanding += 1;
    if (lane === "read") {
      this.#reads.push(job);
      this.#pumpReads();
    } else if (lane === "mutation") {
      this.#mutations.push(job);
      if (!this.#mutationBusy) void this.#work("mutation");
    } else {
      this.#control.push(job);
      if (!this.#controlBusy) void this.#work("control");
    }
  }

  /** EOF: queued jobs with an `onShutdown` answer that way; everything else admitted drains. */
  async shutdown(): Promise<void> {
    this.#shuttingDown = true;
    if (this.#outstanding === 0) return;
    await new Promise<void>((resolve) => this.#idle.add(resolve));
  }

  #finished(): void {
    this.#outstanding -= 1;
    if (this.#outstanding > 0) return;
    for (const resolve of this.#idle) resolve();
    this.#idle.clear();
  }

  async #runJob(job: LaneJob): Promise<void> {
    try {
      if (this.#shuttingDown && job.onShutdown) await job.onShutdown();
      else await job.run();
    } finally {
      this.#finished();
    }
  }

  async #work(lane: "control" | "mutation"): Promise<void> {
    const queue = lane === "control" ? this.#control : this.#mutations;
    if (lane === "control") this.#controlBusy = true;
    else this.#mutationBusy = true;
    while (queue.length > 0) await this.#runJob(queue.shift()!);
    if (lane === "control") this.#controlBusy = false;
    else this.#mutationBusy = false;
  }

  #pumpReads(): void {
    while (this.#activeReads < readConcurrency && this.#reads.length > 0) {
      const job = this.#reads.shift()!;
      this.#activeReads += 1;
      if (this.#hold.delayMs > 0 && this.#hold.order.kind !== "fifo") this.#joinBatch(job);
      else void this.#runRead(job);
    }
  }

  async #runRead(job: LaneJob): Promise<void> {
    if (this.#hold.delayMs > 0) await sleep(this.#hold.delayMs);
    await this.#runJob(job);
    this.#activeReads -= 1;
    this.#pumpReads();
  }

  /** Holds a read with the others in flight; the batch is released after the delay or once the lane is full. */
  #joinBatch(job: LaneJob): void {
    if (this.#batch) this.#batch.jobs.push(job);
    else {
      const timer = setTimeout(() => this.#releaseBatch(), this.#hold.delayMs);
      this.#batch = { jobs: [job], timer };
    }
    if (this.#batch.jobs.length >= readConcurrency) this.#releaseBatch();
  }

  #releaseBatch(): void {
    const batch = this.#batch;
    if (!batch) return;
    this.#batch = undefined;
    clearTimeout(batch.timer);
    this.#releases = this.#releases.then(() => this.#answerBatch(batch.jobs));
  }

  async #answerBatch(jobs: readonly LaneJob[]): Promise<void> {
    for (const job of this.#order(jobs)) {
      await this.#runJob(job);
      this.#activeReads -= 1;
      this.#pumpReads();
    }
  }
}
