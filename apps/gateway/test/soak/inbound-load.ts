import { RecentReplies } from "./recent-replies.ts";
import type { InjectedRow } from "./soak-verdict.ts";
import { type SoakWorld, soakPeople } from "./soak-world.ts";

export interface LoadedRow extends InjectedRow {
  /** Unix milliseconds when the row was written. */
  injectedAt: number;
  /** Its chat.db rowid, to find it in the gateway's log. */
  rowid: number;
}

export interface InboundLoad {
  readonly injected: LoadedRow[];
  stop(): void;
}

export interface InboundLoadOptions {
  ratePerSecond: number;
  random: () => number;
}

/** The share of friends' rows that repeat a fresh reply (when one is fresh), and how fresh it must be. */
const repeatShare = 0.15;
const repeatWithinMs = 2_000;

/**
 * Writes inbound rows into chat.db at a steady rate, as Messages.app would: DMs from allowlisted friends (often two
 * in a row, which the coalescer may merge), their messages in two groups, and a stranger writing both in a DM and
 * in a group, whose rows policy must drop. It keeps writing while the gateway is down: catchup owes those rows.
 * Now and then a friend repeats, word for word, the reply the agent sent in that chat a moment ago: a row of theirs
 * (`is_from_me = 0`) that the gateway must answer like any other, however much it looks like our own send.
 */
export function startInboundLoad(world: SoakWorld, options: InboundLoadOptions): InboundLoad {
  const injected: LoadedRow[] = [];
  const { random } = options;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  let sequence = 0;
  const groupsCreated = new Set<string>();
  const replies = new RecentReplies(world.harness);
  const friendChats = new Set([...soakPeople.friends, ...soakPeople.groups.map((group) => group.identifier)]);

  /** A friend in `chat` writes `text` there. */
  const writeAsFriend = (chat: string, text: string) => {
    const group = soakPeople.groups.find((candidate) => candidate.identifier === chat);
    if (!group) return world.harness.inject({ from: chat, text });
    return world.harness.inject({
      from: pick(group.members),
      group: group.identifier,
      groupName: group.name,
      participants: group.members,
      text,
    });
  };

  const writeOne = () => {
    sequence++;
    const roll = random();
    const text = `soak row ${sequence}`;
    let row: { guid: string; rowid: number } | undefined;
    let expected: InjectedRow["expected"] = "dispatch";
    const repeat = roll < 0.9 && random() < repeatShare ? replies.take(friendChats, repeatWithinMs, random) : undefined;
    if (repeat) {
      row = writeAsFriend(repeat.chat, repeat.text);
      injected.push({ guid: row.guid, rowid: row.rowid, expected, repeatsReply: true, injectedAt: Date.now() });
      return;
    }
    if (roll < 0.55) {
      row = world.harness.inject({ from: pick(soakPeople.friends), text });
    } else if (roll < 0.9 || groupsCreated.size < soakPeople.groups.length) {
      // Members create each group (with its participants) before the stranger ever writes in it.
      const group =
        soakPeople.groups.find((candidate) => !groupsCreated.has(candidate.identifier)) ?? pick(soakPeople.groups);
      groupsCreated.add(group.identifier);
      row = world.harness.inject({
        from: pick(group.members),
        group: group.identifier,
        groupName: group.name,
        participants: group.members,
        text,
      });
    } else if (roll < 0.95) {
      expected = "drop";
      row = world.harness.inject({ from: soakPeople.stranger, text });
    } else {
      expected = "drop";
      const group = pick(soakPeople.groups);
      row = world.harness.inject({ from: soakPeople.stranger, group: group.identifier, text });
    }
    injected.push({ guid: row.guid, rowid: row.rowid, expected, injectedAt: Date.now() });
  };

  const timer = setInterval(writeOne, 1000 / options.ratePerSecond);
  return {
    injected,
    stop: () => clearInterval(timer),
  };
}
