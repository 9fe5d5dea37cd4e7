import { open } from "node:fs/promises";
import { expandHome } from "@imessage-channel/kit";
import { inspectSshWrapper, type SshWrapperInspection, type SshWrapperTarget } from "./ssh-wrapper.ts";

/** Wrapper scripts are a few lines; anything bigger is a binary such as imsg itself. */
const maxWrapperBytes = 64 * 1024;

/**
 * Reads `cliPath` (`~` expanded) and inspects it as an SSH wrapper (see `inspectSshWrapper`). A missing,
 * unreadable, large or binary file is `none`: it is a program, not a script that runs ssh.
 */
export async function inspectSshWrapperFile(cliPath: string): Promise<SshWrapperInspection> {
  let text: string;
  try {
    const file = await open(expandHome(cliPath), "r");
    try {
      const buffer = Buffer.alloc(maxWrapperBytes + 1);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
      if (bytesRead > maxWrapperBytes || buffer.subarray(0, bytesRead).includes(0)) return { kind: "none" };
      text = buffer.toString("utf8", 0, bytesRead);
    } finally {
      await file.close();
    }
  } catch {
    return { kind: "none" };
  }
  return inspectSshWrapper(text);
}

/**
 * Auto-detects `remoteHost` from `cliPath` when it is an SSH wrapper script (the reference's fallback when
 * remoteHost is unset). Undefined when the file is missing, unreadable, large, binary, or not clearly a wrapper;
 * `inspectSshWrapperFile` tells "no ssh here" from "ssh, but not sure".
 */
export async function readSshWrapper(cliPath: string): Promise<SshWrapperTarget | undefined> {
  const inspection = await inspectSshWrapperFile(cliPath);
  return inspection.kind === "target" ? inspection.target : undefined;
}
