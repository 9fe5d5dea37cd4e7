// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { startTestSshd, type TestSshd } from "@imessage-channel/test-sshd";
import ssh2, { type SFTPWrapper } from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPipelinedReadStream } from "./sftp-read-stream.ts";

let sshd: TestSshd;
let client: ssh2.Client;
let sftp: SFTPWrapper;
let directory: string;

beforeAll(async () => {
  sshd = await startTestSshd();
  directory = mkdtempSync(join(tmpdir(), "attachments-sftp-read-"));
  client = new ssh2.Client();
  await new Promise<void>((resolve, reject) => {
    client.once("ready", () => resolve());
    client.once("error", reject);
    // This test is about reading; the host-key check is covered by the fetch tests.
    client.connect({
      host: sshd.host,
      port: sshd.port,
      username: sshd.user,
      privateKey: readFileSync(sshd.clientKeyPath),
      hostVerifier: () => true,
    });
  });
  sftp = await new Promise((resolve, reject) =>
    client.sftp((error, wrapper) => (error ? reject(error) : resolve(wrapper))),
  );
});

afterAll(async () => {
  client?.end();
  await sshd?.stop();
  rmSync(directory, { recursive: true, force: true });
});

function open(path: string): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    sftp.open(path, "r", (error, handle) => (error ? reject(error) : resolve(handle))),
  );
}

async function readAll(
  path: string,
  options: Parameters<typeof createPipelinedReadStream>[2],
  slowConsumer = false,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      if (slowConsumer) setImmediate(callback);
      else callback();
    },
  });
  await pipeline(createPipelinedReadStream(sftp, await open(path), options), sink);
  return Buffer.concat(chunks);
}

describe("createPipelinedReadStream (real sshd)", () => {
  it("delivers every byte in order with many requests in flight and a size that is not a multiple of the chunk", async () => {
    const content = randomBytes(10_007);
    const path = join(directory, "odd-size.bin");
    writeFileSync(path, content);
    expect((await readAll(path, { chunkBytes: 1000, parallel: 4 })).equals(content)).toBe(true);
  });

  it("keeps order under backpressure from a slow consumer", async () => {
    const content = randomBytes(40_000);
    const path = join(directory, "slow.bin");
    writeFileSync(path, content);
    expect((await readAll(path, { chunkBytes: 512, parallel: 8 }, true)).equals(content)).toBe(true);
  });

  it("ends at once for an empty file", async () => {
    const path = join(directory, "empty.bin");
    writeFileSync(path, "");
    expect(await readAll(path, {})).toHaveLength(0);
  });

  it("fails the stream with the SFTP error when the handle is not readable", async () => {
    const stream = createPipelinedReadStream(sftp, Buffer.from("not-a-handle"));
    await expect(
      pipeline(stream, new Writable({ write: (_chunk, _encoding, callback) => callback() })),
    ).rejects.toThrow();
  });
});
