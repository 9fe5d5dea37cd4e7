import { appendFileSync, closeSync, fstatSync, lstatSync, openSync, readSync } from "node:fs";
import { errorMessage } from "@imessage-channel/kit";
import type { Subscription } from "./sim-session.ts";
import type { WatchOutbox } from "./watch-outbox.ts";

/** One line of the helper's event log: `{"event": name, "ts"?: ISO, "data": {...}}`. */
export interface BridgeEvent {
  event: string;
  ts?: string;
  data: Record<string, unknown>;
}

/** How often a subscription looks for new log lines (imsg reacts to file events; the sim polls). */
const eventLogPollMs = 20;

/** The helper's event log, a sidecar next to the db (`<db>.imsg-events.jsonl`) as imsg's sits in Messages' container. */
export function bridgeEventLogPath(dbPath: string): string {
  return `${dbPath}.imsg-events.jsonl`;
}

/** True when the event log exists as a regular file (not a symlink or a directory), as imsg requires. */
export function isReadableEventLog(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

/** Creates the (empty) event log if it is missing, as the helper does once it is injected (`imsg-sim launch`). */
export function ensureBridgeEventLog(dbPath: string): void {
  appendFileSync(bridgeEventLogPath(dbPath), "", { mode: 0o600 });
}

/** Appends one event as the injected helper does (creating the log on first use); `ts` defaults to now. */
export function appendBridgeEvent(dbPath: string, event: BridgeEvent): void {
  const line = { event: event.event, ts: event.ts ?? new Date().toISOString(), data: event.data };
  appendFileSync(bridgeEventLogPath(dbPath), `${JSON.stringify(line)}\n`, { mode: 0o600 });
}

/** The typing event a Messages.app user starting (or stopping) to type in a DM with `handle` makes the helper log. */
export function typingEvent(handle: string, stopped = false, service = "iMessage"): BridgeEvent {
  return { event: stopped ? "stopped-typing" : "started-typing", data: { chatGuid: `${service};-;${handle}` } };
}

/** The `event` object of a `bridge.event` notification for one log line; undefined for a line that is not an object. */
export function wireEvent(line: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const fields = value as Record<string, unknown>;
  const data =
    typeof fields.data === "object" && fields.data !== null && !Array.isArray(fields.data) ? fields.data : {};
  return {
    event: typeof fields.event === "string" ? fields.event : "unknown",
    ...(typeof fields.ts === "string" ? { ts: fields.ts } : {}),
    data,
  };
}

/**
 * One `bridge.events.subscribe` stream: tails the event log from its end at subscribe time (nothing is replayed), and
 * across a rotation reads the old file's tail, then the new file from offset 0.
 */
export class BridgeEventSubscription implements Subscription {
  readonly id: number;
  readonly #path: string;
  readonly #outbox: WatchOutbox;
  readonly #onEnded: () => void;
  #fd: number | undefined;
  #inode = 0;
  #offset = 0;
  #pending = "";
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(id: number, path: string, outbox: WatchOutbox, onEnded: () => void) {
    this.id = id;
    this.#path = path;
    this.#outbox = outbox;
    this.#onEnded = onEnded;
    // Opened now so events logged between the response and the first read are not lost.
    this.#fd = openSync(path, "r");
    const stat = fstatSync(this.#fd);
    this.#inode = stat.ino;
    this.#offset = stat.size;
  }

  start(): void {
    if (this.#stopped) return;
    this.#timer = setInterval(() => this.#read(), eventLogPollMs);
    this.#timer.unref();
  }

  stop(): void {
    this.#end();
    this.#outbox.cancel();
  }

  #end(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #read(): void {
    if (this.#stopped || this.#fd === undefined) return;
    try {
      this.#drain();
      if (this.#stopped) return;
      const current = lstatSync(this.#path, { throwIfNoEntry: false });
      if (current?.isFile() && current.ino !== this.#inode) {
        closeSync(this.#fd);
        this.#fd = openSync(this.#path, "r");
        this.#inode = fstatSync(this.#fd).ino;
        this.#offset = 0;
        this.#pending = "";
        this.#drain();
      }
    } catch (error) {
      this.#end();
      this.#outbox.finish(
        "bridge.events.error",
        {
          subscription: this.id,
          error: { code: "event_log_read_failed", message: errorMessage(error) },
          terminal: true,
        },
        this.#onEnded,
      );
    }
  }

  #drain(): void {
    const buffer = Buffer.alloc(8192);
    for (;;) {
      const count = readSync(this.#fd!, buffer, 0, buffer.length, this.#offset);
      if (count === 0) return;
      this.#offset += count;
      this.#pending += buffer.toString("utf8", 0, count);
      let newline = this.#pending.indexOf("\n");
      while (newline !== -1) {
        const line = this.#pending.slice(0, newline).trim();
        this.#pending = this.#pending.slice(newline + 1);
        const event = line === "" ? undefined : wireEvent(line);
        if (event && !this.#outbox.offer("bridge.event", { subscription: this.id, event })) {
          this.#end();
          this.#outbox.finish(
            "bridge.events.overflow",
            { subscription: this.id, reason: "buffer_limit_exceeded", resumable: false, terminal: true },
            this.#onEnded,
          );
          return;
        }
        newline = this.#pending.indexOf("\n");
      }
    }
  }
}
