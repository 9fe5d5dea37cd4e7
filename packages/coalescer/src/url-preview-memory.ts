import { isUrlOnlyText, mergeableText, textHoldsUrl } from "./merge.ts";

export const urlBalloonBundleId = "com.apple.messages.URLBalloonProvider";

/** imsg folds a preview into a text row at most this far apart (docs/imsg-protocol.md#watch-on-010); so do we. */
const previewWindowMs = 5000;
/** Bounds the memory of a long-running gateway; a repeat comes within seconds, or after a restart (the journal's). */
const maxRemembered = 1000;

/** The fields of an imsg message the memory reads (the rpc-client's camelCase `Message` fits as it is). */
export interface PreviewableMessage {
  id: number;
  guid: string;
  chatId: number;
  sender: string;
  text: string;
  createdAt: string;
  isReaction?: boolean;
  balloonBundleId?: string;
  urlPreview?: { id: number; guid: string };
}

interface TextSighting {
  id: number;
  text: string;
  createdAt: number;
}

/** A map that forgets its oldest entries beyond `maxRemembered`. */
function remember<Key, Value>(map: Map<Key, Value>, key: Key, value: Value): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > maxRemembered) map.delete(map.keys().next().value as Key);
}

/**
 * Which rows are a URL preview whose link already reached the agent, on imsg builds that fold link sends (0.11.1+).
 * Two cases: the preview row imsg folded into a text row (`url_preview`) comes again on its own — a resubscribe or
 * replay from a resume point between the two physical rows; or imsg streamed a preview on its own because it came
 * after the 2 s live hold, and its URL is in the text row just before it. Pure: feed it every row in stream order.
 */
export class UrlPreviewMemory {
  /** Folded preview rows, by guid and by rowid → the text row they were folded into. */
  readonly #previewGuids = new Map<string, number>();
  readonly #previewIds = new Map<number, number>();
  /** Per chat and sender, the latest row that was not a URL balloon. */
  readonly #lastText = new Map<string, TextSighting>();

  /**
   * Why `message` is a repeat of a link already delivered, or undefined when it is new. Call before `observe`.
   */
  repeatOf(message: PreviewableMessage): string | undefined {
    if (message.isReaction) return undefined;
    const foldedInto =
      (message.guid ? this.#previewGuids.get(message.guid) : undefined) ?? this.#previewIds.get(message.id);
    if (foldedInto !== undefined && foldedInto !== message.id) {
      return `row ${message.id} is the URL preview imsg already folded into row ${foldedInto}`;
    }
    if (message.balloonBundleId !== urlBalloonBundleId || message.urlPreview || !isUrlOnlyText(message.text)) {
      return undefined;
    }
    const previous = this.#lastText.get(keyOf(message));
    if (!previous || previous.id >= message.id) return undefined;
    const gap = Date.parse(message.createdAt) - previous.createdAt;
    if (!(gap >= 0 && gap <= previewWindowMs)) return undefined;
    if (!textHoldsUrl(previous.text, mergeableText(message.text))) return undefined;
    return `row ${message.id} is a late URL preview of row ${previous.id}, whose text already carries the link`;
  }

  /** Records a row that went on (to the agent or to a policy drop), so its later preview is recognised. */
  observe(message: PreviewableMessage): void {
    if (message.isReaction) return;
    if (message.urlPreview) {
      if (message.urlPreview.guid) remember(this.#previewGuids, message.urlPreview.guid, message.id);
      remember(this.#previewIds, message.urlPreview.id, message.id);
    }
    if (message.balloonBundleId === urlBalloonBundleId) return;
    const createdAt = Date.parse(message.createdAt);
    if (Number.isNaN(createdAt)) return;
    remember(this.#lastText, keyOf(message), { id: message.id, text: message.text, createdAt });
  }
}

function keyOf(message: PreviewableMessage): string {
  return JSON.stringify([message.chatId, message.sender]);
}
