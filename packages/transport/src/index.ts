export { serverHostKeyAlgorithms } from "./host-key-algorithms.ts";
export {
  defaultKnownHostsPath,
  type HostKeyContext,
  hostKeyFailure,
  loadKnownHosts,
  verifyHostKey,
} from "./host-key-verifier.ts";
export {
  checkHostKey,
  entryMatchesHost,
  fingerprintOf,
  type HostKeyCheck,
  hashKnownHostsName,
  type KnownHostsEntry,
  knownHostsName,
  parseKnownHosts,
} from "./known-hosts.ts";
export { defaultMaxLineBytes, LineFramer, type LineFramerOptions } from "./line-framer.ts";
export { loadSsh2 } from "./load-ssh2.ts";
export { LocalTransport, type LocalTransportOptions } from "./local-transport.ts";
export { inspectSshWrapperFile, readSshWrapper } from "./read-ssh-wrapper.ts";
export { buildRemoteCommand, quoteShellWord } from "./remote-command.ts";
export { formatRemoteHost, isValidRemoteHost, type RemoteHost, validateRemoteHost } from "./remote-host.ts";
export { type RunOnceOptions, type RunOnceResult, RunTimeoutError, runOnce } from "./run-once.ts";
export { type CredentialOptions, type Credentials, defaultIdentityFiles, loadCredentials } from "./ssh-credentials.ts";
export { SshTransport, type SshTransportOptions } from "./ssh-transport.ts";
export {
  inspectSshWrapper,
  parseSshWrapper,
  type SshWrapperInspection,
  type SshWrapperTarget,
} from "./ssh-wrapper.ts";
export type { Transport, TransportEvents, TransportExit } from "./transport.ts";
export { TransportError, type TransportErrorCode } from "./transport-error.ts";
