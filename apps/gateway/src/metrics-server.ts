import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { AccountStatus } from "@imessage-channel/channel";
import { outboundPartStates } from "@imessage-channel/state";

/** Prometheus text format for every account's counters and outbound parts. */
export function renderMetrics(statuses: AccountStatus[]): string {
  const lines: string[] = [];
  const metric = (
    type: "counter" | "gauge",
    name: string,
    help: string,
    rows: Array<[Record<string, string>, number]>,
  ) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of rows) {
      const text = Object.entries(labels)
        .map(([key, label]) => `${key}="${label.replace(/["\\\n]/g, "_")}"`)
        .join(",");
      lines.push(`${name}{${text}} ${value}`);
    }
  };
  const counter = (name: string, help: string, rows: Array<[Record<string, string>, number]>) =>
    metric("counter", name, help, rows);
  const simple = ["received", "dispatched", "deduped", "replayed", "sent", "failed"] as const;
  for (const key of simple) {
    counter(
      `imessage_channel_${key}_total`,
      `Messages ${key}.`,
      statuses.map((status) => [{ account: status.accountId }, status.counters[key]]),
    );
  }
  counter(
    "imessage_channel_dropped_total",
    "Inbound rows dropped, by reason.",
    statuses.flatMap((status) =>
      Object.entries(status.counters.dropped).map(([reason, value]): [Record<string, string>, number] => [
        { account: status.accountId, reason },
        value,
      ]),
    ),
  );
  metric(
    "gauge",
    "imessage_channel_connected",
    "Whether the account's imsg stream is connected.",
    statuses.map((status) => [{ account: status.accountId }, status.state === "connected" ? 1 : 0]),
  );
  metric(
    "gauge",
    "imessage_channel_outbox_parts",
    "Outbound parts in state.db, by state (docs/exactly-once.md).",
    statuses.flatMap((status) =>
      outboundPartStates.map((state): [Record<string, string>, number] => [
        { account: status.accountId, state },
        status.outbox[state],
      ]),
    ),
  );
  metric(
    "gauge",
    "imessage_channel_outbox_unknown_parts",
    "Outbound parts nothing could prove sent or not: each waits for `imessage-channel outbox resolve`.",
    statuses.map((status) => [{ account: status.accountId }, status.outbox.unknown]),
  );
  return `${lines.join("\n")}\n`;
}

/** Serves `/healthz` and `/metrics` on 127.0.0.1 only. */
export async function startMetricsServer(
  port: number,
  statuses: () => AccountStatus[],
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    if (request.url === "/healthz") {
      const all = statuses();
      const healthy =
        all.length > 0 && all.every((status) => status.state === "connected" || status.state === "catching-up");
      response.writeHead(healthy ? 200 : 503, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          ok: healthy,
          accounts: all.map(({ accountId, state, reason }) => ({ accountId, state, reason })),
        }),
      );
      return;
    }
    if (request.url === "/metrics") {
      response.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      response.end(renderMetrics(statuses()));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
