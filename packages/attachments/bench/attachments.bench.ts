// Root checks per second, and copy throughput of the fetcher (local and over SFTP to a loopback sshd)
// as a ratio to a bare stream copy of the same file in the same run.
// Run: pnpm --filter @imessage-channel/attachments bench
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { realpath } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { recordFigure } from "@imessage-channel/bench-kit";
import { startTestSshd } from "@imessage-channel/test-sshd";
import {
  checkAttachmentPath,
  compileAttachmentRoots,
  createAttachmentFetcher,
  createSftpSource,
  defaultAttachmentRoots,
  resolveAttachmentPath,
} from "../src/index.ts";

function rate(label: string, iterations: number, run: () => void): number {
  const started = performance.now();
  for (let index = 0; index < iterations; index += 1) run();
  const perSecond = iterations / ((performance.now() - started) / 1000);
  console.log(`${label}: ${Math.round(perSecond).toLocaleString("en-US")}/s`);
  return perSecond;
}

const roots = compileAttachmentRoots(defaultAttachmentRoots, "/Users/gw");
const inside = "/Users/bob/Library/Messages/Attachments/4a/10/AT_0_0B6E1C2A-ATT1/IMG_0001.heic";
const accepted = rate("pure check, accepted path", 100_000, () => checkAttachmentPath(inside, roots, "/Users/gw"));
rate("pure check, .. rejected", 100_000, () => checkAttachmentPath(`${inside}/../../x`, roots, "/Users/gw"));
rate("pure check, outside root", 100_000, () => checkAttachmentPath("/etc/passwd", roots, "/Users/gw"));
recordFigure({ id: "root-check", figure: "pure root check, accepted path", value: accepted, unit: "checks/s" });

const top = realpathSync(mkdtempSync(join(tmpdir(), "attachments-bench-")));
const root = join(top, "Users", "bob", "Library", "Messages", "Attachments");
mkdirSync(join(root, "4a"), { recursive: true });
const bigFile = join(root, "4a", "video.mov");
const sizeMb = 8;
writeFileSync(bigFile, Buffer.alloc(sizeMb * 1024 * 1024, 7));
const localRoots = compileAttachmentRoots([join(top, "Users", "*", "Library", "Messages", "Attachments")], "/none");

const started = performance.now();
const resolutions = 2000;
for (let index = 0; index < resolutions; index += 1)
  await resolveAttachmentPath(bigFile, localRoots, { home: "/none", realpath });
const resolutionRate = resolutions / ((performance.now() - started) / 1000);
console.log(`resolve with realpath (file + root prefix): ${Math.round(resolutionRate).toLocaleString("en-US")}/s`);
recordFigure({
  id: "resolve-realpath",
  figure: "resolve with realpath (file + root prefix)",
  value: resolutionRate,
  unit: "paths/s",
});

async function seconds(run: () => Promise<unknown>, times = 5): Promise<number> {
  await run();
  const start = performance.now();
  for (let index = 0; index < times; index += 1) await run();
  return (performance.now() - start) / 1000 / times;
}

const bare = await seconds(() => pipeline(createReadStream(bigFile), createWriteStream(join(top, "bare-copy"))));
const stateDir = join(top, "state");
const local = createAttachmentFetcher({
  accountId: "bench",
  stateDir,
  roots: [join(top, "Users", "*", "Library", "Messages", "Attachments")],
});
const viaFetcher = await seconds(() => local.fetch([{ originalPath: bigFile, totalBytes: sizeMb * 1024 * 1024 }]));
console.log(
  `local ${sizeMb} MB: bare stream copy ${(sizeMb / bare).toFixed(0)} MB/s, fetcher ${(sizeMb / viaFetcher).toFixed(0)} MB/s, throughput ratio fetcher/bare ${(bare / viaFetcher).toFixed(2)}`,
);
recordFigure({ id: "local-bare-copy", figure: `bare stream copy of ${sizeMb} MB`, value: sizeMb / bare, unit: "MB/s" });
recordFigure({
  id: "local-fetch",
  figure: `local ${sizeMb} MB through the fetcher`,
  value: sizeMb / viaFetcher,
  unit: "MB/s",
});
recordFigure({
  id: "local-fetch-ratio",
  figure: "fetcher / bare stream copy throughput, same run",
  value: bare / viaFetcher,
  unit: "×",
});

const sshd = await startTestSshd();
try {
  const source = createSftpSource({
    remoteHost: `${sshd.user}@127.0.0.1`,
    port: sshd.port,
    identityFile: sshd.clientKeyPath,
    knownHostsFile: sshd.knownHostsPath,
    agentSocket: "",
  });
  const remote = createAttachmentFetcher({
    accountId: "bench-remote",
    stateDir,
    roots: [join(top, "Users", "*", "Library", "Messages", "Attachments")],
    source,
  });
  const overSftp = await seconds(() => remote.fetch([{ originalPath: bigFile }]), 3);
  console.log(
    `SFTP ${sizeMb} MB over loopback: ${(sizeMb / overSftp).toFixed(1)} MB/s, throughput ratio SFTP/bare local copy ${(bare / overSftp).toFixed(3)}`,
  );
  recordFigure({
    id: "sftp-fetch",
    figure: `${sizeMb} MB over SFTP from a loopback sshd`,
    value: sizeMb / overSftp,
    unit: "MB/s",
  });
  await remote.close();
} finally {
  await sshd.stop();
  rmSync(top, { recursive: true, force: true });
}
