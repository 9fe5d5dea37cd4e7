import { parseArgs } from "node:util";
import { appendBridgeEvent, typingEvent } from "./bridge-events.ts";
import { ImsgSimError } from "./errors.ts";
import { expandImsgHome } from "./home-path.ts";
import { type InjectedMessage, type InjectOptions, inject, injectSplitUrl, type TapbackKind } from "./inject.ts";
import { seed } from "./seed.ts";

const injectOptionSpec = {
  // Accepted so a wrapper can append it to every command; what is written does not depend on the release.
  "imsg-version": { type: "string" },
  db: { type: "string" },
  from: { type: "string" },
  text: { type: "string" },
  group: { type: "string" },
  "group-name": { type: "string" },
  participant: { type: "string", multiple: true },
  service: { type: "string" },
  "attributed-body-only": { type: "boolean" },
  attachment: { type: "string", multiple: true },
  home: { type: "string" },
  tapback: { type: "string" },
  target: { type: "string" },
  remove: { type: "boolean" },
  emoji: { type: "string" },
  "reply-to": { type: "string" },
  "url-balloon": { type: "boolean" },
  "split-url": { type: "string" },
  split: { type: "boolean" },
  url: { type: "string" },
  typing: { type: "string" },
  stopped: { type: "boolean" },
  "gap-ms": { type: "string" },
  "from-me": { type: "boolean" },
  "audio-transcription": { type: "string" },
  date: { type: "string" },
} as const;

function printInjected(rows: InjectedMessage[], write: (line: string) => void): void {
  for (const row of rows) write(`${JSON.stringify({ rowid: row.rowid, guid: row.guid, chat_id: row.chatId })}\n`);
}

/** `imsg-sim inject --db PATH --from HANDLE ...`: prints one JSON line per written row. */
export async function runInjectCommand(
  args: string[],
  environment: NodeJS.ProcessEnv,
  write: (line: string) => void,
): Promise<number> {
  const { values } = parseArgs({ args, options: injectOptionSpec, strict: true });
  const dbValue = values.db ?? environment.IMSG_SIM_DB;
  if (!dbValue) throw new ImsgSimError("OPTION_INVALID", "imsg-sim inject: --db PATH is required");
  if (values.typing !== undefined) {
    // The iPhone user types: the bridge helper logs the event a bridge.events subscription picks up.
    const event = typingEvent(values.typing, values.stopped ?? false, values.service ?? "iMessage");
    appendBridgeEvent(expandImsgHome(dbValue), event);
    write(`${JSON.stringify(event)}\n`);
    return 0;
  }
  if (values.split && values.url === undefined) {
    throw new ImsgSimError("OPTION_INVALID", "imsg-sim inject: --split needs --url URL (and usually --text T)");
  }
  if (!values.from)
    throw new ImsgSimError("OPTION_INVALID", "imsg-sim inject: --from HANDLE is required (e.g. +15551234567)");
  const service = values.service ?? "iMessage";
  if (service !== "iMessage" && service !== "SMS") {
    throw new ImsgSimError("OPTION_INVALID", `imsg-sim inject: --service "${service}" is not one of iMessage | SMS`);
  }
  if (values.tapback !== undefined && values.target === undefined) {
    throw new ImsgSimError(
      "OPTION_INVALID",
      "imsg-sim inject: --tapback needs --target GUID of the message reacted to",
    );
  }
  const home = values.home ?? environment.IMSG_SIM_HOME;
  const options: InjectOptions = {
    from: values.from,
    service,
    ...(values.text === undefined ? {} : { text: values.text }),
    ...(values.group === undefined ? {} : { group: values.group }),
    ...(values["group-name"] === undefined ? {} : { groupName: values["group-name"] }),
    ...(values.participant === undefined ? {} : { participants: values.participant }),
    ...(values["attributed-body-only"] ? { attributedBodyOnly: true } : {}),
    ...(values.attachment === undefined
      ? {}
      : { attachments: values.attachment.map((path) => ({ path: expandImsgHome(path) })) }),
    ...(home === undefined ? {} : { home: expandImsgHome(home) }),
    ...(values["reply-to"] === undefined ? {} : { replyTo: values["reply-to"] }),
    ...(values["url-balloon"] ? { urlBalloon: true } : {}),
    ...(values["from-me"] ? { isFromMe: true } : {}),
    ...(values["audio-transcription"] === undefined ? {} : { audioTranscription: values["audio-transcription"] }),
    ...(values.date === undefined ? {} : { date: new Date(values.date) }),
    ...(values.tapback === undefined
      ? {}
      : {
          tapback: {
            kind: values.tapback as TapbackKind,
            target: values.target!,
            ...(values.remove ? { remove: true } : {}),
            ...(values.emoji === undefined ? {} : { emoji: values.emoji }),
          },
        }),
  };
  if (options.date !== undefined && Number.isNaN(options.date.getTime())) {
    throw new ImsgSimError(
      "OPTION_INVALID",
      `imsg-sim inject: --date "${values.date}" is not a date; pass ISO-8601 like 2026-05-01T12:00:00Z`,
    );
  }
  const dbPath = expandImsgHome(dbValue);
  const splitUrl = values.split ? values.url : values["split-url"];
  if (splitUrl !== undefined) {
    const gapMs = values["gap-ms"] === undefined ? 1000 : Number(values["gap-ms"]);
    if (!Number.isInteger(gapMs) || gapMs < 0) {
      throw new ImsgSimError(
        "OPTION_INVALID",
        `imsg-sim inject: --gap-ms "${values["gap-ms"]}" is not a non-negative integer`,
      );
    }
    printInjected(await injectSplitUrl(dbPath, { ...options, url: splitUrl, gapMs }), write);
    return 0;
  }
  printInjected([inject(dbPath, options)], write);
  return 0;
}

/** `imsg-sim seed --db PATH`: a fresh realistic chat.db. */
export function runSeedCommand(args: string[], environment: NodeJS.ProcessEnv): number {
  const { values } = parseArgs({
    args,
    options: { db: { type: "string" }, "imsg-version": { type: "string" } },
    strict: true,
  });
  const dbValue = values.db ?? environment.IMSG_SIM_DB;
  if (!dbValue) throw new ImsgSimError("OPTION_INVALID", "imsg-sim seed: --db PATH is required");
  seed(expandImsgHome(dbValue));
  return 0;
}
