import type * as Ssh2 from "ssh2";

let loading: Promise<typeof Ssh2> | undefined;

/**
 * ssh2, loaded on first use: it takes ~35 ms to load, and a gateway that runs imsg locally never needs it.
 * (ssh2 is CommonJS: its API is the default export.)
 */
export function loadSsh2(): Promise<typeof Ssh2> {
  if (!loading) loading = import("ssh2").then((module) => module.default as typeof Ssh2);
  return loading;
}
