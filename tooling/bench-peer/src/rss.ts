import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BenchPeerError } from "./bench-peer-error.ts";

const childPath = fileURLToPath(new URL("./rss-child.ts", import.meta.url));

/** The RSS (MB) of a fresh Node process after `count` notifications through one side's client (rss-child.ts). */
export function rssAfterNotifications(
  side: "ours" | "reference",
  cliPath: string,
  count: number,
  referenceInstall?: string,
): Promise<number> {
  const args = ["--conditions=@imessage-channel/source", childPath, side, cliPath, String(count)];
  if (referenceInstall !== undefined) args.push(referenceInstall);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.on("error", (error) => reject(new BenchPeerError("MEASUREMENT_FAILED", `rss child: ${error.message}`)));
    child.on("close", (code) => {
      const last = output.trim().split("\n").pop() ?? "";
      try {
        const { rssBytes } = JSON.parse(last) as { rssBytes: number };
        if (code === 0 && Number.isFinite(rssBytes)) return resolve(rssBytes / 1024 / 1024);
      } catch {}
      reject(
        new BenchPeerError("MEASUREMENT_FAILED", `rss child for ${side} exited ${code} without a figure: ${last}`),
      );
    });
  });
}
