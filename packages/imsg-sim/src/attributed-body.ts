// NSArchiver "typedstream" framing around the text, copied from a real Messages row
// (docs/imsg-protocol.md#attributedbody).
const blobHeader = Buffer.from(
  "040B73747265616D747970656481E803840140848484124E5341747472696275746564537472696E67008484084E534F626A656374" +
    "008592848484084E53537472696E67019484012B",
  "hex",
);
const attributesHead = Buffer.from("868402694901", "hex");
const attributesTail = Buffer.from(
  "928484840C4E5344696374696F6E617279009484016901928496961D5F5F6B494D4D657373616765506172744174747269627574654E" +
    "616D658692848484084E534E756D626572008484074E5356616C7565009484012A849B9B00868686",
  "hex",
);

function typedStreamLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  if (length <= 0x7fff) {
    const bytes = Buffer.alloc(3);
    bytes[0] = 0x81;
    bytes.writeUInt16LE(length, 1);
    return bytes;
  }
  const bytes = Buffer.alloc(5);
  bytes[0] = 0x82;
  bytes.writeUInt32LE(length, 1);
  return bytes;
}

/** Encodes text as an `attributedBody` blob the way Messages writes it (1-byte, 0x81 or 0x82 length forms). */
export function encodeAttributedBody(text: string): Uint8Array {
  const utf8 = Buffer.from(text, "utf8");
  const utf16Length = text.length;
  return Buffer.concat([
    blobHeader,
    typedStreamLength(utf8.length),
    utf8,
    attributesHead,
    typedStreamLength(utf16Length),
    attributesTail,
  ]);
}

const leadingControl = /^[\p{Cc}\p{Cf}\r\n]+/u;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const lossyUtf8 = new TextDecoder("utf-8");
const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

function stripLeadingControl(text: string): string {
  return text.replace(leadingControl, "");
}

function graphemeCount(text: string): number {
  let count = 0;
  for (const _ of graphemes.segment(text)) count += 1;
  return count;
}

function decodeStrict(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function indexOfPair(bytes: Uint8Array, first: number, second: number, from: number): number {
  for (let index = from; index < bytes.length - 1; index += 1) {
    if (bytes[index] === first && bytes[index + 1] === second) return index;
  }
  return -1;
}

// The structured form is decoded strictly; the whole-segment fallback is lossy, like Swift's String(decoding:).
function decodeSegment(segment: Uint8Array): string | undefined {
  const lengthByte = segment[0];
  if (lengthByte === undefined) return undefined;
  let structured: Uint8Array | undefined;
  if (lengthByte < 0x80 && lengthByte === segment.length - 1) structured = segment.subarray(1);
  else if (lengthByte === 0x81) structured = segment.subarray(2);
  else if (lengthByte === 0x82) structured = segment.subarray(3);
  if (structured !== undefined) {
    const decoded = decodeStrict(structured);
    if (decoded !== undefined) return stripLeadingControl(decoded);
  }
  return stripLeadingControl(lossyUtf8.decode(segment));
}

/**
 * Recovers the text of an `attributedBody` blob exactly as imsg 0.9.0 does, quirks included:
 * 0x81/0x82 lengths drop only 2/3 bytes, and text is cut at the first `86 84`.
 */
export function decodeAttributedBody(blob: Uint8Array | null | undefined): string {
  if (!blob || blob.length === 0) return "";
  if (blob[0] === 0xff && blob[1] === 0xfe) {
    return stripLeadingControl(Buffer.from(blob.subarray(2)).toString("utf16le"));
  }
  let best: string | undefined;
  let bestLength = -1;
  let marker = indexOfPair(blob, 0x01, 0x2b, 0);
  while (marker !== -1) {
    const start = marker + 2;
    const terminator = indexOfPair(blob, 0x86, 0x84, start);
    const segment = blob.subarray(start, terminator === -1 ? blob.length : terminator);
    const candidate = decodeSegment(segment);
    if (candidate !== undefined) {
      const length = graphemeCount(candidate);
      if (length > bestLength) {
        best = candidate;
        bestLength = length;
      }
    }
    marker = indexOfPair(blob, 0x01, 0x2b, start);
  }
  if (best !== undefined) return best;
  return stripLeadingControl(lossyUtf8.decode(blob));
}
