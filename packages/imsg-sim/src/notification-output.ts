/** Where notifications go, and whether the reader keeps up (the sim's stdout backing up is a slow reader). */
export interface NotificationOutput {
  notify(method: string, params: unknown): void;
  /** True while earlier lines still wait to be taken by the reader (the stream asked for a drain). */
  backedUp(): boolean;
  /** Calls `listener` once the reader has caught up. */
  onceDrained(listener: () => void): void;
}

/** The parts of a writable stream the back-pressure check needs; a plain `{ write }` never backs up. */
export interface PressureSource {
  readonly writableNeedDrain?: boolean;
  once?(event: "drain", listener: () => void): unknown;
}

/** A `NotificationOutput` writing through `notify`, with back-pressure read from `stream` (stdout). */
export function notificationOutput(
  stream: PressureSource,
  notify: (method: string, params: unknown) => void,
): NotificationOutput {
  return {
    notify,
    backedUp: () => stream.writableNeedDrain === true && stream.once !== undefined,
    onceDrained: (listener) => {
      if (stream.writableNeedDrain === true && stream.once) stream.once("drain", listener);
      else setImmediate(listener);
    },
  };
}
