import { expect } from "vitest";
import { type RpcResponse, SimProcess } from "../sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./temp-chat-db.ts";

/** A real sim over the example db, playing `version` (strict params from 0.14.0). */
export class StrictSim {
  readonly db: TempChatDb;
  readonly sim: SimProcess;

  constructor(version = "0.15.10", extraArgs: string[] = []) {
    this.db = exampleChatDb();
    this.sim = new SimProcess({ args: ["rpc", "--db", this.db.dbPath, "--imsg-version", version, ...extraArgs] });
  }

  request(method: string, params?: unknown): Promise<RpcResponse> {
    return this.sim.request(method, params);
  }

  /** Asserts the exact -32602 answer `{message: "Invalid params", data}`. */
  async expectInvalid(method: string, params: unknown, data: string): Promise<void> {
    const response = await this.request(method, params);
    expect(response.error, `${method} ${JSON.stringify(params)}`).toEqual({
      code: -32602,
      message: "Invalid params",
      data,
    });
  }

  async close(): Promise<void> {
    await this.sim.close();
    this.db.remove();
  }
}
