import {
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Transform } from "node:stream";
import { recordingLogger } from "@imessage-channel/kit";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAttachmentFetcher } from "./attachment-fetcher.ts";
import type { AttachmentSource } from "./attachment-source.ts";
import type { SkipReason } from "./attachment-types.ts";
import { createLocalSource } from "./local-source.ts";

// A real tree: a Messages attachments root under a home, secrets beside it, and every kind of link and odd name
// between the two. Files inside hold "INSIDE…", files outside "SECRET…": a fetched byte says where it came from.
const top = realpathSync(mkdtempSync(join(tmpdir(), "attachments-fetch-fuzz-")));
const home = join(top, "home", "bob");
const root = join(home, "Library", "Messages", "Attachments");
const outside = join(top, "outside");
const stateDir = join(top, "state");

const insideFiles = [
  "4a/ok.jpg",
  "4a/10/deep.heic",
  "caf\u00e9/nfc.jpg",
  "%2e%2e/literal.jpg",
  "..%2f/x.jpg",
  "a\uFF0Fb.jpg",
  "gpj.\u202Eexe",
  "zero\u200Bwidth.jpg",
  "~/tilde.jpg",
];

beforeAll(() => {
  for (const name of insideFiles) {
    mkdirSync(join(root, name, ".."), { recursive: true });
    writeFileSync(join(root, name), `INSIDE ${name}`);
  }
  mkdirSync(join(outside, "dir"), { recursive: true });
  mkdirSync(join(home, ".ssh"), { recursive: true });
  mkdirSync(join(home, "Library", "Messages", "AttachmentsX"), { recursive: true });
  // NFD spelling of the NFC folder above: a different folder on Linux, and outside the roots here.
  mkdirSync(join(outside, "cafe\u0301"), { recursive: true });
  writeFileSync(join(outside, "secret"), "SECRET outside");
  writeFileSync(join(outside, "dir", "x.jpg"), "SECRET dir");
  writeFileSync(join(outside, "cafe\u0301", "nfc.jpg"), "SECRET nfd");
  writeFileSync(join(home, ".ssh", "id_ed25519"), "SECRET key");
  writeFileSync(join(home, "Library", "Messages", "AttachmentsX", "y.jpg"), "SECRET sibling");
  const links: Array<[string, string]> = [
    ["4a/out-file.jpg", join(outside, "secret")],
    ["4a/out-relative.jpg", "../../../../../../outside/secret"],
    ["4a/out-dir", join(outside, "dir")],
    ["4a/out-dir-relative", "../../../../../../outside/dir"],
    ["4a/chain1.jpg", "chain2.jpg"],
    ["4a/chain2.jpg", "chain3.jpg"],
    ["4a/chain3.jpg", "../../../../../../outside/secret"],
    ["4a/in-chain1.jpg", "in-chain2.jpg"],
    ["4a/in-chain2.jpg", "ok.jpg"],
    ["4a/dir-chain", "dir-chain2"],
    ["4a/dir-chain2", join(outside, "dir")],
    ["4a/to-root", "/"],
    ["4a/to-home", home],
    ["4a/to-ssh", join(home, ".ssh")],
    ["4a/loop.jpg", "loop.jpg"],
    ["4a/sibling", join(home, "Library", "Messages", "AttachmentsX")],
  ];
  for (const [name, target] of links) symlinkSync(target, join(root, name));
});

afterAll(() => rmSync(top, { recursive: true, force: true }));

const mediaFiles = () => {
  try {
    return readdirSync(join(stateDir, "media", "default"));
  } catch {
    return [];
  }
};

const reasons: SkipReason[] = [
  "no-path",
  "path-rejected",
  "missing",
  "incomplete",
  "too-large",
  "not-a-file",
  "read-failed",
];

function fetcher(source: AttachmentSource = createLocalSource({ home }), delivery: "copy" | "original" = "copy") {
  const logger = recordingLogger();
  return {
    logger,
    instance: createAttachmentFetcher({
      accountId: "default",
      stateDir,
      roots: [join(top, "home", "*", "Library", "Messages", "Attachments")],
      source,
      delivery,
      retryDelaysMs: [],
      logger,
    }),
  };
}

// Bases an attacker can choose, then segments that walk, encode, disguise or break the path.
const base = fc.constantFrom(
  "",
  root,
  join(root, "4a"),
  home,
  top,
  "~",
  "~/Library/Messages/Attachments",
  "Library/Messages/Attachments",
  "/etc",
  "//",
  `${root}/`,
);
const segment = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      "ok.jpg",
      "10",
      "deep.heic",
      "4a",
      "out-file.jpg",
      "out-relative.jpg",
      "out-dir",
      "out-dir-relative",
      "x.jpg",
      "chain1.jpg",
      "in-chain1.jpg",
      "dir-chain",
      "to-root",
      "to-home",
      "to-ssh",
      "id_ed25519",
      "loop.jpg",
      "sibling",
      "y.jpg",
      "secret",
      "outside",
      "dir",
      ".ssh",
      "Library",
      "Messages",
      "Attachments",
      "AttachmentsX",
      "tilde.jpg",
      "literal.jpg",
      "nfc.jpg",
      "caf\u00e9",
      "cafe\u0301",
      "passwd",
      "etc",
    ),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "..",
      ".",
      "",
      "~",
      "%2e%2e",
      "..%2f",
      "%2F",
      "..%2F..%2F",
      "%00",
      "\0",
      "\uFF0F",
      "a\uFF0Fb.jpg",
      "\uFF0E\uFF0E",
      "\u2215",
      "gpj.\u202Eexe",
      "zero\u200Bwidth.jpg",
      "\u200B",
      "\u202E",
      "\uFEFF",
      "\uD800",
      "..\\..\\",
      "\\",
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 4 }) },
);
const attackPath = fc
  .tuple(base, fc.array(segment, { minLength: 1, maxLength: 5 }))
  .map(([start, parts]) => (start === "" ? parts.join("/") : `${start}/${parts.join("/")}`));

describe("attachment fetcher over a real tree of traps, property-based", () => {
  it("delivers only bytes from inside the root, refuses everything else with a typed reason, never throws", async () => {
    let delivered = 0;
    let refused = 0;
    const { instance } = fetcher();
    await fc.assert(
      fc.asyncProperty(fc.array(attackPath, { minLength: 1, maxLength: 4 }), fc.boolean(), async (paths, converted) => {
        const attachments = paths.map((path, index) =>
          converted && index === 0
            ? { originalPath: join(root, "4a", "ok.jpg"), convertedPath: path }
            : { originalPath: path },
        );
        const result = await instance.fetch(attachments);
        expect(result.attachments.length + result.skipped.length).toBe(paths.length);
        for (const attachment of result.attachments) {
          delivered += 1;
          expect(attachment.path.startsWith(join(stateDir, "media", "default") + "/")).toBe(true);
          const bytes = readFileSync(attachment.path, "utf8");
          expect(bytes).toMatch(/^INSIDE /);
          expect(bytes).not.toContain("SECRET");
        }
        for (const skipped of result.skipped) {
          if (skipped.reason === "path-rejected") refused += 1;
          expect(reasons).toContain(skipped.reason);
          expect(skipped.detail).not.toContain("\n");
        }
      }),
      { numRuns: 400 },
    );
    // Not vacuous: both outcomes happened many times.
    expect(delivered).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(100);
    for (const name of mediaFiles())
      expect(readFileSync(join(stateDir, "media", "default", name), "utf8")).not.toContain("SECRET");
  });

  it("hands the agent only resolved paths inside the root when delivery is original", async () => {
    const { instance } = fetcher(createLocalSource({ home }), "original");
    await fc.assert(
      fc.asyncProperty(attackPath, async (path) => {
        const result = await instance.fetch([{ originalPath: path }]);
        for (const attachment of result.attachments) {
          expect(attachment.path.startsWith(`${root}/`)).toBe(true);
          expect(realpathSync(attachment.path)).toBe(attachment.path);
          expect(readFileSync(attachment.path, "utf8")).toMatch(/^INSIDE /);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("fetches the tricky but legitimate names that really are inside, and refuses the disguised ones", async () => {
    const { instance } = fetcher();
    const result = await instance.fetch(insideFiles.map((name) => ({ originalPath: join(root, name) })));
    const fetched = result.attachments.map((attachment) => readFileSync(attachment.path, "utf8"));
    expect(fetched.sort()).toEqual(
      [
        "INSIDE 4a/ok.jpg",
        "INSIDE 4a/10/deep.heic",
        "INSIDE caf\u00e9/nfc.jpg",
        "INSIDE %2e%2e/literal.jpg",
        "INSIDE ..%2f/x.jpg",
        "INSIDE ~/tilde.jpg",
      ].sort(),
    );
    // A slash look-alike, a direction override and a zero-width space are refused even inside the root.
    expect(result.skipped.map((skipped) => [skipped.filename, skipped.reason])).toEqual([
      ["a\uFF0Fb.jpg", "path-rejected"],
      ["gpj.\u202Eexe", "path-rejected"],
      ["zero\u200Bwidth.jpg", "path-rejected"],
    ]);
  });
});

describe("swaps between the check and the read", () => {
  /** A local source that runs `swap` right after the fetcher's stat, i.e. after every path check and before the open. */
  function swappingSource(swap: () => void): { source: AttachmentSource; bytesRead: () => string } {
    const local = createLocalSource({ home });
    let read = "";
    let swapped = false;
    return {
      bytesRead: () => read,
      source: {
        ...local,
        async stat(path) {
          const info = await local.stat(path);
          if (!swapped) {
            swapped = true;
            swap();
          }
          return info;
        },
        async openRead(path, expected) {
          const stream = await local.openRead(path, expected);
          // Counts what left the file system, whatever the fetcher later does with it.
          return stream.pipe(
            new Transform({
              transform(chunk: Buffer, _encoding, done) {
                read += chunk.toString("utf8");
                done(null, chunk);
              },
            }),
          );
        },
      },
    };
  }

  it("refuses a file swapped for a symlink to a secret (O_NOFOLLOW): nothing read", async () => {
    const file = join(root, "4a", "swap-file.jpg");
    writeFileSync(file, "INSIDE swap");
    const { source, bytesRead } = swappingSource(() => {
      renameSync(file, `${file}.old`);
      symlinkSync(join(outside, "secret"), file);
    });
    const result = await fetcher(source).instance.fetch([{ originalPath: file }]);
    expect(result.attachments).toEqual([]);
    expect(result.skipped).toMatchObject([{ reason: "read-failed" }]);
    expect(bytesRead()).toBe("");
  });

  it("refuses a file swapped for another file (a hard link to a secret) by its identity: nothing read", async () => {
    const file = join(root, "4a", "swap-hard.jpg");
    writeFileSync(file, "INSIDE swap");
    const { source, bytesRead } = swappingSource(() => {
      renameSync(file, `${file}.old`);
      linkSync(join(outside, "secret"), file);
    });
    const result = await fetcher(source).instance.fetch([{ originalPath: file }]);
    expect(result.attachments).toEqual([]);
    expect(result.skipped).toMatchObject([
      { reason: "read-failed", detail: expect.stringContaining("changed while it was being opened") },
    ]);
    expect(bytesRead()).toBe("");
  });

  it("refuses a folder swapped for a symlink leading outside before the open: nothing read", async () => {
    const folder = join(root, "4a", "swap-folder");
    mkdirSync(folder);
    writeFileSync(join(folder, "a.jpg"), "INSIDE folder");
    mkdirSync(join(outside, "twin"));
    writeFileSync(join(outside, "twin", "a.jpg"), "SECRET twin");
    const { source, bytesRead } = swappingSource(() => {
      renameSync(folder, `${folder}.old`);
      symlinkSync(join(outside, "twin"), folder);
    });
    const result = await fetcher(source).instance.fetch([{ originalPath: join(folder, "a.jpg") }]);
    expect(result.attachments).toEqual([]);
    expect(result.skipped).toMatchObject([
      { reason: "read-failed", detail: expect.stringContaining("changed while it was being opened") },
    ]);
    expect(bytesRead()).toBe("");
    for (const name of mediaFiles())
      expect(readFileSync(join(stateDir, "media", "default", name), "utf8")).not.toContain("SECRET");
  });
});
