import { open } from "node:fs/promises";
import { expandHomePath } from "./home-path.ts";
import { parseSshWrapper, type SshWrapperTarget } from "./ssh-wrapper.ts";

/** Wrapper scripts are a few lines; anything bigger is a binary such as imsg itself. */
const maxWrapperBytes = 64 * 1024;

/**
 * Auto-detects `remoteHost` from `cliPath` when it is an SSH wrapper script (the reference's fallback when
 * remoteHost is unset). Undefined when the file is missing, unreadable, large, binary, or not clearly a wrapper.
 */
export async function readSshWrapper(cliPath: string): Promise<SshWrapperTarget | undefined> {
  let text: string;
  try {
    const file = await open(expandHomePath(cliPath), "r");
    try {
      const buffer = Buffer.alloc(maxWrapperBytes + 1);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
      if (bytesRead > maxWrapperBytes || buffer.subarray(0, bytesRead).includes(0)) return undefined;
      text = buffer.toString("utf8", 0, bytesRead);
    } finally {
      await file.close();
    }
  } catch {
    return undefined;
  }
  return parseSshWrapper(text);
}
