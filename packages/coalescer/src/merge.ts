/** The caps of the reference's "Merged output is bounded" paragraph. */
export const mergeLimits = {
  maxTextLength: 4000,
  maxAttachments: 20,
  maxEntries: 10,
  truncationMarker: "…[truncated]",
} as const;

/** How the coalescer reads a row; keeps it generic over whatever the app carries per row. */
export interface RowAccessors<Row, Attachment> {
  textOf(row: Row): string;
  attachmentsOf(row: Row): readonly Attachment[];
  guidOf(row: Row): string;
}

/** One agent turn made of one or more rows of the same key. */
export interface CoalescedTurn<Row, Attachment> {
  /** The bucket key; undefined for rows that were never coalesced (groups, window 0). */
  key: string | undefined;
  /** The kept entries' texts joined in order with one space; a single row's text exactly as it came. */
  text: string;
  /** The kept entries' attachments, at most 20. */
  attachments: Attachment[];
  /** The source rows kept: all of them up to 10, beyond that the first and the latest 9. Text and attachments come from these. */
  entries: Row[];
  /** Every non-empty source guid, in arrival order, entries cap or not. */
  coalescedMessageGuids: string[];
  rowCount: number;
  /** True when more than one row went into the turn. */
  merged: boolean;
  textTruncated: boolean;
  droppedAttachmentCount: number;
  droppedEntryCount: number;
}

const objectReplacement = /\uFFFC/g;
const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** A row's contribution to merged text: U+FFFC placeholders (the attachment travels separately) and edge space removed. */
export function mergeableText(text: string): string {
  return text.replace(objectReplacement, "").trim();
}

/** Cuts `text` to at most `maxLength` UTF-16 units ending with the marker, never inside a grapheme. */
export function capText(
  text: string,
  maxLength: number = mergeLimits.maxTextLength,
  marker: string = mergeLimits.truncationMarker,
): { text: string; truncated: boolean } {
  if (text.length <= maxLength) return { text, truncated: false };
  const budget = maxLength - marker.length;
  let kept = "";
  for (const { segment } of graphemes.segment(text)) {
    if (kept.length + segment.length > budget) break;
    kept += segment;
  }
  return { text: kept.trimEnd() + marker, truncated: true };
}

const urlOnly = /^https?:\/\/\S+$/i;

/** True when a row's text is one URL and nothing else: the preview balloon Apple sends last in a split send. */
export function isUrlOnlyText(text: string): boolean {
  return urlOnly.test(mergeableText(text));
}

/** Whether `text` already carries `url` (case-insensitive, trailing slashes ignored), as imsg matches a preview. */
export function textHoldsUrl(text: string, url: string): boolean {
  const bare = url.trim().replace(/\/+$/, "").toLowerCase();
  return bare !== "" && text.toLowerCase().includes(bare);
}

/**
 * Adds one row's words to the merged text. A URL balloon whose link an earlier row already carries adds nothing:
 * Apple's split send of `read this https://…` is the text row plus a preview row holding the same URL, and the
 * agent must see the link once.
 */
function addPart(parts: string[], part: string): void {
  if (part === "") return;
  if (isUrlOnlyText(part) && textHoldsUrl(parts.join(" "), part)) return;
  parts.push(part);
}

/** The running state of one key's rows; memory stays bounded however many rows arrive. */
export class Bucket<Row, Attachment> {
  readonly key: string | undefined;
  readonly firstAt: number;
  lastAt: number;
  private readonly accessors: RowAccessors<Row, Attachment>;
  private readonly first: Row;
  private readonly latest: Row[] = [];
  private readonly guids: string[] = [];
  private attachmentCount = 0;
  private rowCount = 0;

  constructor(key: string | undefined, first: Row, at: number, accessors: RowAccessors<Row, Attachment>) {
    this.key = key;
    this.first = first;
    this.firstAt = at;
    this.lastAt = at;
    this.accessors = accessors;
    this.collect(first);
  }

  add(row: Row, at: number): void {
    this.lastAt = at;
    this.latest.push(row);
    if (this.latest.length > mergeLimits.maxEntries - 1) this.latest.shift();
    this.collect(row);
  }

  private collect(row: Row): void {
    this.rowCount += 1;
    const guid = this.accessors.guidOf(row);
    if (guid) this.guids.push(guid);
    this.attachmentCount += this.accessors.attachmentsOf(row).length;
  }

  toTurn(): CoalescedTurn<Row, Attachment> {
    if (this.rowCount === 1) return singleRowTurn(this.key, this.first, this.accessors);
    // The reference keeps the first and the latest entries up to 10 beyond the cap: the agent sees those rows'
    // words and files, nothing from the rows dropped in between (their guids stay in coalescedMessageGuids).
    const entries = [this.first, ...this.latest];
    const parts: string[] = [];
    for (const entry of entries) addPart(parts, mergeableText(this.accessors.textOf(entry)));
    const { text, truncated } = capText(parts.join(" "));
    const attachments = entries
      .flatMap((entry) => [...this.accessors.attachmentsOf(entry)])
      .slice(0, mergeLimits.maxAttachments);
    return {
      key: this.key,
      text,
      attachments,
      entries,
      coalescedMessageGuids: [...this.guids],
      rowCount: this.rowCount,
      merged: true,
      textTruncated: truncated,
      droppedAttachmentCount: this.attachmentCount - attachments.length,
      droppedEntryCount: this.rowCount - entries.length,
    };
  }
}

/** A row that is its own turn goes on exactly as it came: newer imsg builds already merged URL previews. */
export function singleRowTurn<Row, Attachment>(
  key: string | undefined,
  row: Row,
  accessors: RowAccessors<Row, Attachment>,
): CoalescedTurn<Row, Attachment> {
  const guid = accessors.guidOf(row);
  return {
    key,
    text: accessors.textOf(row),
    attachments: [...accessors.attachmentsOf(row)],
    entries: [row],
    coalescedMessageGuids: guid ? [guid] : [],
    rowCount: 1,
    merged: false,
    textTruncated: false,
    droppedAttachmentCount: 0,
    droppedEntryCount: 0,
  };
}
