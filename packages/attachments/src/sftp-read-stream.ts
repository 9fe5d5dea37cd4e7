import { Readable } from "node:stream";
import type { SFTPWrapper } from "ssh2";

interface Slot {
  offset: number;
  length: number;
  chunks: Buffer[];
  filled: number;
  done: boolean;
  endOfFile: boolean;
}

export interface PipelinedReadOptions {
  /** Bytes per read request (ssh2 splits a request larger than the server's limit). */
  chunkBytes?: number;
  /** Read requests in flight at once. */
  parallel?: number;
}

/**
 * Reads an open remote file with several SFTP read requests in flight, delivered in file order.
 * ssh2's own `createReadStream` waits for each reply before asking again, which measured about 20× slower
 * (1.3 vs 27 MB/s on loopback). Honours backpressure, re-asks for the rest after a short read, ends at the
 * first empty read (end of file), and closes the remote handle when it ends or is destroyed.
 */
export function createPipelinedReadStream(
  sftp: SFTPWrapper,
  handle: Buffer,
  options: PipelinedReadOptions = {},
): Readable {
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  const parallel = options.parallel ?? 16;
  const slots: Slot[] = [];
  let nextOffset = 0;
  let sawEndOfFile = false;
  let finished = false;
  let wantsData = false;

  const stream = new Readable({
    read() {
      wantsData = true;
      deliver();
      fill();
    },
    destroy(error, callback) {
      finished = true;
      sftp.close(handle, () => callback(error));
    },
  });

  function fill(): void {
    while (wantsData && !sawEndOfFile && !finished && slots.length < parallel) {
      const slot: Slot = {
        offset: nextOffset,
        length: chunkBytes,
        chunks: [],
        filled: 0,
        done: false,
        endOfFile: false,
      };
      nextOffset += chunkBytes;
      slots.push(slot);
      request(slot);
    }
  }

  function request(slot: Slot): void {
    const remaining = slot.length - slot.filled;
    const buffer = Buffer.allocUnsafe(remaining);
    sftp.read(handle, buffer, 0, remaining, slot.offset + slot.filled, (error, bytesRead) => {
      if (finished) return;
      if (error) {
        stream.destroy(error);
        return;
      }
      if (bytesRead === 0) {
        slot.done = true;
        slot.endOfFile = true;
        sawEndOfFile = true;
      } else {
        slot.chunks.push(buffer.subarray(0, bytesRead));
        slot.filled += bytesRead;
        if (slot.filled < slot.length) {
          request(slot);
          return;
        }
        slot.done = true;
      }
      deliver();
      fill();
    });
  }

  function deliver(): void {
    while (!finished && wantsData && slots[0]?.done) {
      const slot = slots.shift() as Slot;
      for (const chunk of slot.chunks) wantsData = stream.push(chunk);
      if (slot.endOfFile) {
        finished = true;
        slots.length = 0;
        stream.push(null);
        return;
      }
    }
  }

  return stream;
}
