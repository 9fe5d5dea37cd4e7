import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** What the fake imsg serves; the paths are the repo's recorded imsg fixtures. */
export interface FakeImsgConfig {
  /** `message` notifications streamed after each `watch.subscribe` answer. */
  notifications: number;
  notificationTemplatesPath: string;
  chatsListResponsePath: string;
}

const fakeImsgUrl = new URL("./fake-imsg.mjs", import.meta.url);

/** The text of an executable `imsg`: a script this very Node runs (its shebang), serving `config`. */
export function launcherSource(nodePath: string, config: FakeImsgConfig, fakeUrl = fakeImsgUrl.href): string {
  return [
    `#!${nodePath}`,
    // CommonJS (no extension, no package.json around it): one dynamic import of the fake, the config inlined.
    `import(${JSON.stringify(fakeUrl)}).then((fake) => fake.serveFakeImsg(${JSON.stringify(config)}));`,
    "",
  ].join("\n");
}

/**
 * Writes `imsg` into `directory` and returns its path: spawned as it is (`imsg rpc …`) by both clients, so they
 * start the same child the same way. No shell in between: the kernel runs Node from the shebang.
 */
export function writeFakeImsg(directory: string, config: FakeImsgConfig): string {
  const path = join(directory, "imsg");
  writeFileSync(path, launcherSource(process.execPath, config));
  chmodSync(path, 0o755);
  return path;
}
