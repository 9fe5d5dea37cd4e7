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
  /** Rows' texts joined in order with one space; a single row's text exactly as it came. */
  text: string;
  attachments: Attachment[];
  /** The source rows kept: all of them up to 10, beyond that the first and the latest 9. */
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

/** The running state of one key's rows; memory stays bounded however many rows arrive. */
export class Bucket<Row, Attachment> {
  readonly key: string | undefined;
  readonly firstAt: number;
  lastAt: number;
  private readonly accessors: RowAccessors<Row, Attachment>;
  private readonly first: Row;
  private readonly latest: Row[] = [];
  private readonly guids: string[] = [];
  private readonly textParts: string[] = [];
  private textLength = 0;
  private readonly attachments: Attachment[] = [];
  private droppedAttachmentCount = 0;
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
    const part = mergeableText(this.accessors.textOf(row));
    // Past the cap the rest is cut anyway; stop growing so a flood stays cheap.
    if (part && this.textLength <= mergeLimits.maxTextLength) {
      this.textParts.push(part);
      this.textLength += part.length + 1;
    }
    for (const attachment of this.accessors.attachmentsOf(row)) {
      if (this.attachments.length < mergeLimits.maxAttachments) this.attachments.push(attachment);
      else this.droppedAttachmentCount += 1;
    }
  }

  toTurn(): CoalescedTurn<Row, Attachment> {
    if (this.rowCount === 1) return singleRowTurn(this.key, this.first, this.accessors);
    const { text, truncated } = capText(this.textParts.join(" "));
    return {
      key: this.key,
      text,
      attachments: [...this.attachments],
      entries: [this.first, ...this.latest],
      coalescedMessageGuids: [...this.guids],
      rowCount: this.rowCount,
      merged: true,
      textTruncated: truncated,
      droppedAttachmentCount: this.droppedAttachmentCount,
      droppedEntryCount: this.rowCount - 1 - this.latest.length,
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
