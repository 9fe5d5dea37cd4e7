// Just enough of Apple's property lists for `attachment.user_info` (docs/imsg-protocol.md#audio-transcription): a flat
// dictionary of strings.

const xmlEntities: Record<string, string> = { "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&amp;": "&" };

function readXmlString(xml: string, key: string): string | undefined {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`<key>${escaped}</key>\\s*<string>([\\s\\S]*?)</string>`).exec(xml);
  return match?.[1]?.replace(/&(lt|gt|quot|apos|amp);/g, (entity) => xmlEntities[entity] ?? entity);
}

function readSizedInt(bytes: Buffer, offset: number, size: number): number {
  let value = 0;
  for (let index = 0; index < size; index += 1) value = value * 256 + bytes[offset + index]!;
  return value;
}

class BinaryPropertyList {
  readonly #bytes: Buffer;
  readonly #offsets: number[] = [];
  readonly #referenceSize: number;
  readonly top: number;

  constructor(bytes: Buffer) {
    this.#bytes = bytes;
    const trailer = bytes.length - 32;
    const offsetSize = bytes[trailer + 6]!;
    this.#referenceSize = bytes[trailer + 7]!;
    const objectCount = readSizedInt(bytes, trailer + 8, 8);
    this.top = readSizedInt(bytes, trailer + 16, 8);
    const tableOffset = readSizedInt(bytes, trailer + 24, 8);
    for (let index = 0; index < objectCount; index += 1) {
      this.#offsets.push(readSizedInt(bytes, tableOffset + index * offsetSize, offsetSize));
    }
  }

  #lengthAt(offset: number): { length: number; start: number } {
    const low = this.#bytes[offset]! & 0x0f;
    if (low !== 0x0f) return { length: low, start: offset + 1 };
    const size = 1 << (this.#bytes[offset + 1]! & 0x0f);
    return { length: readSizedInt(this.#bytes, offset + 2, size), start: offset + 2 + size };
  }

  string(reference: number): string | undefined {
    const offset = this.#offsets[reference];
    if (offset === undefined) return undefined;
    const kind = this.#bytes[offset]! >> 4;
    const { length, start } = this.#lengthAt(offset);
    if (kind === 0x5) return this.#bytes.subarray(start, start + length).toString("latin1");
    if (kind === 0x6)
      return Buffer.from(this.#bytes.subarray(start, start + length * 2))
        .swap16()
        .toString("utf16le");
    if (kind === 0x7) return this.#bytes.subarray(start, start + length).toString("utf8");
    return undefined;
  }

  dictionaryValue(reference: number, key: string): number | undefined {
    const offset = this.#offsets[reference];
    if (offset === undefined || this.#bytes[offset]! >> 4 !== 0xd) return undefined;
    const { length, start } = this.#lengthAt(offset);
    for (let index = 0; index < length; index += 1) {
      const keyReference = readSizedInt(this.#bytes, start + index * this.#referenceSize, this.#referenceSize);
      if (this.string(keyReference) !== key) continue;
      return readSizedInt(this.#bytes, start + (length + index) * this.#referenceSize, this.#referenceSize);
    }
    return undefined;
  }
}

/** The string under `key` of a top-level dictionary in a binary (`bplist00`) or XML property list. */
export function readPropertyListString(data: Uint8Array, key: string): string | undefined {
  const bytes = Buffer.from(data);
  try {
    if (bytes.subarray(0, 8).toString("latin1") === "bplist00") {
      const plist = new BinaryPropertyList(bytes);
      const value = plist.dictionaryValue(plist.top, key);
      return value === undefined ? undefined : plist.string(value);
    }
    return readXmlString(bytes.toString("utf8"), key);
  } catch {
    return undefined;
  }
}

function encodeLength(kind: number, length: number): Buffer {
  if (length < 15) return Buffer.from([(kind << 4) | length]);
  if (length < 256) return Buffer.from([(kind << 4) | 0x0f, 0x10, length]);
  const size = Buffer.alloc(6);
  size[0] = (kind << 4) | 0x0f;
  size[1] = 0x12;
  size.writeUInt32BE(length, 2);
  return size;
}

function encodeString(value: string): Buffer {
  if (/^[\x00-\x7f]*$/.test(value))
    return Buffer.concat([encodeLength(0x5, value.length), Buffer.from(value, "latin1")]);
  return Buffer.concat([encodeLength(0x6, value.length), Buffer.from(value, "utf16le").swap16()]);
}

/** A binary property list of one flat string dictionary, as Messages stores `attachment.user_info`. */
export function encodeBinaryPropertyList(dictionary: Record<string, string>): Uint8Array {
  const entries = Object.entries(dictionary);
  const objects = [
    Buffer.concat([
      encodeLength(0xd, entries.length),
      Buffer.from(entries.map((_, index) => 1 + index)),
      Buffer.from(entries.map((_, index) => 1 + entries.length + index)),
    ]),
    ...entries.map(([key]) => encodeString(key)),
    ...entries.map(([, value]) => encodeString(value)),
  ];
  const header = Buffer.from("bplist00", "latin1");
  const offsets: number[] = [];
  let position = header.length;
  for (const object of objects) {
    offsets.push(position);
    position += object.length;
  }
  const table = Buffer.alloc(offsets.length * 4);
  for (const [index, offset] of offsets.entries()) table.writeUInt32BE(offset, index * 4);
  const trailer = Buffer.alloc(32);
  trailer[6] = 4;
  trailer[7] = 1;
  trailer.writeBigUInt64BE(BigInt(objects.length), 8);
  trailer.writeBigUInt64BE(0n, 16);
  trailer.writeBigUInt64BE(BigInt(position), 24);
  return Buffer.concat([header, ...objects, table, trailer]);
}
