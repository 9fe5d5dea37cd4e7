import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { BenchPeerError } from "./bench-peer-error.ts";
import { findChunkExport } from "./locate-export.ts";
import { referenceVersion } from "./reference-pin.ts";

/** The reference's JSON-RPC client (`IMessageRpcClient`), as far as the bench calls it. */
export interface ReferenceRpcClient {
  request(method: string, params?: Record<string, unknown>, options?: { timeoutMs?: number }): Promise<unknown>;
  stop(): Promise<void>;
}

export interface ReferenceNotification {
  method: string;
  params: unknown;
}

/** The reference's client alone: what a process measuring the client's RSS loads. */
export interface ReferenceClientModule {
  /** `createIMessageRpcClient({ cliPath, onNotification })`: spawns `<cliPath> rpc --json` and starts. */
  createRpcClient(options: {
    cliPath: string;
    onNotification?: (notification: ReferenceNotification) => void;
  }): Promise<ReferenceRpcClient>;
}

/** The reference, loaded from its install: its client and its send path, with a real plugin state store. */
export interface Reference extends ReferenceClientModule {
  version: string;
  /**
   * `sendMessageIMessage(to, text, { config, accountId, client? })`: with a `client`, on that warm connection; without
   * one, the way it runs for every reply, a new `<cliPath> rpc` child per send.
   */
  sendMessage(to: string, text: string, options: { cliPath: string; client?: ReferenceRpcClient }): Promise<unknown>;
}

type AnyFunction = (...args: never[]) => unknown;

/**
 * The reference's `createIMessageRpcClient`, from the chunk of its install that declares it: the plugin's entries do
 * not re-export it, and chunk names are hashed, so the chunks of `dist/.setup` are scanned (`findChunkExport`). Its
 * client refuses to start when VITEST is set: the variable is removed.
 */
export async function loadReferenceClient(installDirectory: string): Promise<ReferenceClientModule> {
  delete process.env.VITEST;
  const resolve = createRequire(join(installDirectory, "package.json")).resolve;
  const runtimeApiPath = resolveIn(resolve, "@openclaw/imessage/dist/runtime-api.js", installDirectory);
  const chunks = join(dirname(runtimeApiPath), ".setup");
  const home = findChunkExport(chunks, "createIMessageRpcClient");
  if (!home) {
    throw new BenchPeerError(
      "EXPORT_NOT_FOUND",
      `no chunk in ${chunks} declares and exports createIMessageRpcClient; the reference's bundle changed: update tooling/bench-peer/src/reference.ts`,
    );
  }
  const chunk = (await import(pathToFileURL(home.file).href)) as Record<string, unknown>;
  const createIMessageRpcClient = exported(chunk, home.exportName, home.file);
  return {
    createRpcClient: (options) =>
      (createIMessageRpcClient as (options: unknown) => Promise<ReferenceRpcClient>)({
        cliPath: options.cliPath,
        onNotification: options.onNotification,
      }),
  };
}

/**
 * Loads the reference installed in `installDirectory`, its plugin state (the echo and reply caches its send path
 * writes) in `stateDirectory`: the client (`loadReferenceClient`), and `sendMessageIMessage` and `setIMessageRuntime`
 * from `dist/runtime-api.js`, the plugin's runtime entry, given the gateway's plugin state store.
 */
export async function loadReference(installDirectory: string, stateDirectory: string): Promise<Reference> {
  process.env.OPENCLAW_STATE_DIR = stateDirectory;
  const client = await loadReferenceClient(installDirectory);
  const resolve = createRequire(join(installDirectory, "package.json")).resolve;
  const runtimeApiPath = resolveIn(resolve, "@openclaw/imessage/dist/runtime-api.js", installDirectory);
  const runtimeApi = (await import(pathToFileURL(runtimeApiPath).href)) as Record<string, unknown>;
  const sendMessageIMessage = exported(runtimeApi, "sendMessageIMessage", runtimeApiPath);
  const setIMessageRuntime = exported(runtimeApi, "setIMessageRuntime", runtimeApiPath);

  const stateStorePath = resolveIn(resolve, "openclaw/plugin-sdk/plugin-state-store-runtime", installDirectory);
  const stateStore = (await import(pathToFileURL(stateStorePath).href)) as Record<string, unknown>;
  const openKeyedStore = exported(stateStore, "createPluginStateKeyedStore", stateStorePath);
  const openSyncKeyedStore = exported(stateStore, "createPluginStateSyncKeyedStore", stateStorePath);
  // What the gateway hands the plugin: its state, in SQLite under OPENCLAW_STATE_DIR.
  (setIMessageRuntime as (runtime: unknown) => void)({
    state: {
      openKeyedStore: (options: unknown) =>
        (openKeyedStore as (id: string, options: unknown) => unknown)("imessage", options),
      openSyncKeyedStore: (options: unknown) =>
        (openSyncKeyedStore as (id: string, options: unknown) => unknown)("imessage", options),
    },
  });

  return {
    ...client,
    version: referenceVersion,
    sendMessage: (to, text, options) =>
      (sendMessageIMessage as (to: string, text: string, options: unknown) => Promise<unknown>)(to, text, {
        config: { channels: { imessage: { cliPath: options.cliPath } } },
        accountId: "default",
        cliPath: options.cliPath,
        ...(options.client === undefined ? {} : { client: options.client }),
      }),
  };
}

function resolveIn(resolve: NodeJS.RequireResolve, specifier: string, installDirectory: string): string {
  try {
    return resolve(specifier);
  } catch (error) {
    throw new BenchPeerError(
      "REFERENCE_INCOMPLETE",
      `cannot resolve ${specifier} in ${installDirectory}; delete that folder so \`pnpm bench:peer\` installs it again`,
      { cause: error },
    );
  }
}

function exported(module: Record<string, unknown>, name: string, file: string): AnyFunction {
  const value = module[name];
  if (typeof value !== "function") {
    throw new BenchPeerError(
      "EXPORT_NOT_FOUND",
      `${file} exports no function ${name}; the reference's bundle changed: update tooling/bench-peer/src/reference.ts`,
    );
  }
  return value as AnyFunction;
}
