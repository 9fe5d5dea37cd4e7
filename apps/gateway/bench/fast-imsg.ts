/**
 * A fast fake `imsg` for the gateway's end-to-end benchmark, as 0.9.0 or as 0.15.10: instead of polling a chat.db
 * (imsg-sim's watch has a debounce and an event-triggered poll), its `watch.subscribe` streams generated `message`
 * notifications at a fixed rate, so the fake is never what limits the gateway. Each row's text carries the
 * wall-clock time it was written (`bench <rowid> <ms>`); the echo agent's reply brings it back in a `send` (0.9.0)
 * or `send.tracked` (0.15.10), and the time from the row to the send is recorded. One-shot commands answer like
 * the version's imsg (`--version`, `status --json`, `rpc --help`). As 0.15.10 it answers `initialize` and `status`
 * with imsg-sim's own object (handed over by the bench), puts `cursor` on live rows, `buffer_limit` in the
 * subscribe answer, and answers `send.tracked` and `message.send_status` in the bridge's shapes (docs/imsg-protocol.md).
 *
 * Settings come from the environment (the gateway spawns this through a wrapper script):
 *   FAST_IMSG_RATE     rows per second (default 200); 0 streams nothing
 *   FAST_IMSG_ROWS     rows to stream in all (default 1000)
 *   FAST_IMSG_CHATS    chats the rows are spread over, round robin (default 50)
 *   FAST_IMSG_RESULT   where the result JSON is written once every row was answered (or at stdin EOF)
 *   FAST_IMSG_PROGRESS where a line `<answered>` is appended every FAST_IMSG_PROGRESS_EVERY answers (the bench then
 *                      samples the gateway's RSS)
 * The protocol is docs/imsg-protocol.md's: one JSON object per line, answers in request order.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";

const version = process.env.FAST_IMSG_VERSION ?? "0.9.0";
if (version !== "0.9.0" && version !== "0.15.10") {
  process.stderr.write(`fast-imsg: FAST_IMSG_VERSION ${version} is not simulated (0.9.0 or 0.15.10)\n`);
  process.exit(2);
}
const generation1 = version === "0.15.10";
/** What `status --json` advertises: imsg 0.9.0's method list, handed over by the bench from imsg-sim's (one owner). */
const rpcMethods: unknown = JSON.parse(process.env.FAST_IMSG_METHODS ?? "[]");
/** 0.15.10: imsg-sim's `initialize`/`status` answer with the bridge up, handed over by the bench (one owner). */
const statusSnapshot: unknown = JSON.parse(process.env.FAST_IMSG_STATUS_SNAPSHOT ?? "null");

const args = process.argv.slice(2);
if (args.includes("--version") || args.includes("-V")) {
  process.stdout.write(`${version}\n`);
  process.exit(0);
}
if (args[0] === "status" && generation1) {
  // The bench's wrapper prints imsg-sim 0.15.10's own `status --json` line; the fake keeps no copy of its shape.
  process.stderr.write("fast-imsg: as 0.15.10, status --json is answered by the bench's wrapper (imsg-sim's line)\n");
  process.exit(2);
}
if (args[0] === "status") {
  const status = {
    version,
    basic_features: true,
    advanced_features: false,
    typing_indicators: false,
    read_receipts: false,
    sip: "enabled",
    message: "System Integrity Protection (SIP) is enabled.",
    bridge_version: 0,
    v2_ready: false,
    selectors: {},
    rpc_methods: rpcMethods,
  };
  process.stdout.write(`${JSON.stringify(status)}\n`);
  process.exit(0);
}
if (args[0] === "rpc" && args.includes("--help")) {
  process.stdout.write("imsg rpc\nRun JSON-RPC over stdin/stdout\n\nOptions:\n  --db\tpath to chat.db\n");
  process.exit(0);
}
if (args[0] !== "rpc") {
  process.stderr.write(`fast-imsg: only rpc, status --json and --version are simulated (got ${args.join(" ")})\n`);
  process.exit(1);
}

const rate = Number(process.env.FAST_IMSG_RATE ?? 200);
const totalRows = Number(process.env.FAST_IMSG_ROWS ?? 1000);
const chatCount = Number(process.env.FAST_IMSG_CHATS ?? 50);
const resultPath = process.env.FAST_IMSG_RESULT;
const progressPath = process.env.FAST_IMSG_PROGRESS;
const progressEvery = Number(process.env.FAST_IMSG_PROGRESS_EVERY ?? 100_000);
/** Rows already in the "database" before the stream starts: the gateway's start cursor is at or past them. */
const firstRowid = 1000;

const now = () => performance.timeOrigin + performance.now();
const handleOf = (chat: number) => `+1555010${String(chat).padStart(4, "0")}`;
const chats = Array.from({ length: chatCount }, (_, index) => {
  const id = index + 1;
  return {
    id,
    identifier: handleOf(id),
    guid: `iMessage;-;${handleOf(id)}`,
    name: "",
    service: "iMessage",
    last_message_at: new Date().toISOString(),
    participants: [handleOf(id)],
    is_group: false,
  };
});
const newestByChat = new Map<number, Record<string, unknown>>();

// Latencies (ms) of every answered row, by rowid offset; a Float64Array keeps 1M of them in 8 MB.
const latencies = new Float64Array(Math.max(1, totalRows));
let answered = 0;
let firstWrittenAt = 0;
let lastAnsweredAt = 0;
let written = 0;
let maxLagMs = 0;
let maxUnread = 0;
let sentRowid = 5_000_000;
let subscription = 0;
let streaming = false;

function write(line: string): void {
  process.stdout.write(line);
  // Bytes the gateway has not read yet: it grows when the gateway stops reading stdin behind its own work.
  if (process.stdout.writableLength > maxUnread) maxUnread = process.stdout.writableLength;
}

function rowOf(rowid: number, writtenAt: number): Record<string, unknown> {
  const chat = chats[(rowid - firstRowid) % chatCount]!;
  return {
    id: rowid,
    chat_id: chat.id,
    guid: `FAST-${rowid}`,
    sender: chat.identifier,
    is_from_me: false,
    text: `bench ${rowid} ${writtenAt.toFixed(3)}`,
    created_at: new Date(writtenAt).toISOString(),
    attachments: [],
    reactions: [],
    chat_identifier: chat.identifier,
    chat_guid: chat.guid,
    chat_name: "",
    participants: chat.participants,
    is_group: false,
    destination_caller_id: "+15550009999",
  };
}

/** Writes every row whose time has come (rate × elapsed), in one write per tick, then schedules the next tick. */
function stream(startedAt: number): void {
  const elapsedMs = now() - startedAt;
  const due = Math.min(totalRows, Math.floor((elapsedMs * rate) / 1000) + 1);
  if (due > written) {
    const lagMs = elapsedMs - (written / rate) * 1000;
    if (lagMs > maxLagMs) maxLagMs = lagMs;
    let chunk = "";
    for (; written < due; written++) {
      const at = now();
      if (firstWrittenAt === 0) firstWrittenAt = at;
      const row = rowOf(firstRowid + 1 + written, at);
      newestByChat.set(row.chat_id as number, row);
      // 0.14+: the exclusive resume cursor rides on every live row (every row here is its own physical row).
      if (generation1) row.cursor = row.id;
      chunk += `{"jsonrpc":"2.0","method":"message","params":{"subscription":${subscription},"message":${JSON.stringify(row)}}}\n`;
    }
    write(chunk);
  }
  if (written < totalRows) setTimeout(() => stream(startedAt), 1);
}

function finish(): void {
  if (!resultPath) return;
  const recorded = Array.from(latencies.subarray(0, Math.min(answered, totalRows))).sort((a, b) => a - b);
  const percentile = (p: number) => recorded[Math.min(recorded.length - 1, Math.floor((p / 100) * recorded.length))];
  writeFileSync(
    resultPath,
    JSON.stringify({
      rows: totalRows,
      written,
      answered,
      p50: percentile(50),
      p99: percentile(99),
      max: recorded.at(-1),
      answeredPerSecond: answered / ((lastAnsweredAt - firstWrittenAt) / 1000),
      maxStreamLagMs: maxLagMs,
      maxUnreadBytes: maxUnread,
      requests: requestCounts,
    }),
  );
}

function answer(id: unknown, result: unknown): void {
  write(`${JSON.stringify({ jsonrpc: "2.0", id, result })}\n`);
}

/** Requests per method, in the result: which send the gateway used (plain or tracked) is part of the figure. */
const requestCounts: Record<string, number> = {};

function handle(request: { id?: unknown; method?: string; params?: Record<string, unknown> }): void {
  const params = request.params ?? {};
  const method = String(request.method);
  requestCounts[method] = (requestCounts[method] ?? 0) + 1;
  switch (request.method) {
    case "initialize":
    case "status":
      if (!generation1) break;
      answer(request.id, statusSnapshot);
      return;
    case "watch.subscribe":
      subscription++;
      answer(
        request.id,
        generation1 ? { subscription, buffer_limit: Number(params.buffer_limit ?? 256) } : { subscription },
      );
      if (!streaming && rate > 0 && totalRows > 0) {
        streaming = true;
        const startedAt = now();
        setImmediate(() => stream(startedAt));
      }
      return;
    case "watch.unsubscribe":
      answer(request.id, { ok: true });
      return;
    case "chats.list":
      answer(request.id, { chats: chats.slice(0, Number(params.limit ?? 20)) });
      return;
    case "messages.history": {
      const newest = newestByChat.get(Number(params.chat_id));
      answer(request.id, { messages: newest ? [newest] : [] });
      return;
    }
    case "send": {
      recordAnswer(String(params.text ?? ""));
      sentRowid++;
      answer(request.id, { ok: true, transport: "applescript", id: sentRowid, guid: `SENT-${sentRowid}` });
      return;
    }
    case "send.tracked": {
      if (!generation1) break;
      recordAnswer(String(params.text ?? ""));
      const guid = String(params.attempt_id ?? "").toLowerCase();
      const chat = chats.find((candidate) => candidate.id === Number(params.chat_id)) ?? chats[0]!;
      answer(request.id, {
        ok: true,
        transport: "bridge",
        guid,
        message_id: guid,
        chat_guid: chat.guid,
        service: "iMessage",
        attempt_id: guid,
      });
      return;
    }
    case "message.send_status": {
      if (!generation1) break;
      const at = new Date().toISOString();
      answer(request.id, {
        ok: true,
        guid: params.guid,
        send_state: "delivered",
        service: "iMessage",
        checked_at: at,
        delivered_at: at,
        status_fields: {
          is_sent: true,
          is_delivered: true,
          is_finished: true,
          error: 0,
          date_delivered: at,
          date_read: null,
          is_delayed: false,
          is_prepared: false,
          is_pending_satellite_send: false,
          was_downgraded: false,
        },
      });
      return;
    }
    case "typing":
    case "read":
      answer(request.id, { ok: true });
      return;
  }
  write(
    `${JSON.stringify({ jsonrpc: "2.0", id: request.id ?? null, error: { code: -32601, message: "Method not found", data: String(request.method) } })}\n`,
  );
}

/** A reply's text names the row it answers (`bench <rowid> <ms>`): its latency is recorded once. */
function recordAnswer(text: string): void {
  const [, rowid, at] = text.split(" ");
  const offset = Number(rowid) - firstRowid - 1;
  const receivedAt = now();
  if (offset < 0 || offset >= totalRows) return;
  latencies[offset] = receivedAt - Number(at);
  answered++;
  lastAnsweredAt = receivedAt;
  if (progressPath && answered % progressEvery === 0) appendFileSync(progressPath, `${answered}\n`);
  if (answered === totalRows) finish();
}

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (line.trim() === "") return;
  handle(JSON.parse(line));
});
lines.on("close", () => {
  if (answered < totalRows) finish();
  process.exit(0);
});
