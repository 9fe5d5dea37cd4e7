import type { MessageRow } from "./chat-store.ts";

const urlBalloonBundleId = "com.apple.messages.URLBalloonProvider";
const duplicateWindowMs = 90_000;
const entryLifetimeMs = 10 * 60_000;

interface Sighting {
  rowid: number;
  dateMs: number;
  seenAt: number;
}

/**
 * URL-preview de-duplication of watch (docs/imsg-protocol.md#url-balloon-de-duplication). One instance per process,
 * shared by every subscription, so overlapping subscriptions see each balloon only once between them, as imsg does.
 */
export class UrlBalloonDedupe {
  readonly #sightings = new Map<string, Sighting>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** True when the row is a repeat of a balloon already emitted and must be skipped. */
  isDuplicate(row: MessageRow, sender: string, text: string): boolean {
    if (row.balloon_bundle_id !== urlBalloonBundleId || text === "") return false;
    const now = this.#now();
    for (const [key, sighting] of this.#sightings) {
      if (now - sighting.seenAt > entryLifetimeMs) this.#sightings.delete(key);
    }
    const key = `${row.chat_id}|${row.is_from_me}|${sender}|${text}`;
    const dateMs = row.date_ms ?? 0;
    const previous = this.#sightings.get(key);
    if (previous && (row.rowid <= previous.rowid || Math.abs(dateMs - previous.dateMs) <= duplicateWindowMs)) {
      return true;
    }
    this.#sightings.set(key, { rowid: row.rowid, dateMs, seenAt: now });
    return false;
  }
}
