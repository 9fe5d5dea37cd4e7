import { readFileSync } from "node:fs";
import { errorMessage } from "@imessage-channel/kit";
import { ImsgSimError } from "./errors.ts";
import { normalizeToE164 } from "./phone-number.ts";
import type { SessionSettings } from "./sim-session.ts";

/** One simulated Contacts card. */
export interface Contact {
  given?: string;
  family?: string;
  nickname?: string;
  phones?: string[];
  emails?: string[];
}

const handlePrefixes = ["iMessage;-;", "iMessage;+;", "SMS;-;", "SMS;+;", "any;-;", "any;+;"];

function displayName(contact: Contact): string {
  const full = `${contact.given ?? ""} ${contact.family ?? ""}`.trim();
  return full !== "" ? full : (contact.nickname ?? "");
}

/** True when a `to` looks like a contact name rather than a phone or email (docs/imsg-protocol.md#handles). */
export function looksLikeContactName(to: string): boolean {
  return to !== "" && !to.includes("@") && !to.startsWith("+") && !/^[0-9\-(). ]+$/.test(to);
}

/**
 * The Mac's Contacts as imsg sees them: names for handles (phones compared in E.164 with region US,
 * emails lowercased) and name search for `send` `to`.
 */
export class ContactBook {
  readonly #contacts: Contact[];

  constructor(contacts: Contact[]) {
    this.#contacts = contacts;
  }

  static load(path: string): ContactBook {
    try {
      return new ContactBook(JSON.parse(readFileSync(path, "utf8")) as Contact[]);
    } catch (error) {
      throw new ImsgSimError(
        "CONTACTS_INVALID",
        `imsg-sim: cannot read contacts file ${path}: ${errorMessage(error)}; pass a JSON array of {given, family, nickname, phones, emails}`,
        { cause: error },
      );
    }
  }

  /** The display name for a handle, or undefined when no card matches. */
  nameFor(handle: string): string | undefined {
    let bare = handle;
    for (const prefix of handlePrefixes) {
      if (bare.startsWith(prefix)) bare = bare.slice(prefix.length);
    }
    if (bare === "") return undefined;
    const isEmail = bare.includes("@");
    const wanted = isEmail ? bare.toLowerCase() : normalizeToE164(bare);
    const contact = this.#contacts.find((candidate) =>
      isEmail
        ? (candidate.emails ?? []).some((email) => email.toLowerCase() === wanted)
        : (candidate.phones ?? []).some((phone) => normalizeToE164(phone) === wanted),
    );
    const name = contact ? displayName(contact) : "";
    return name === "" ? undefined : name;
  }

  /** Cards whose nickname or "given family" contains the query, case-insensitively. */
  search(query: string): { name: string; handle: string }[] {
    const lowered = query.toLowerCase();
    return this.#contacts
      .filter((contact) =>
        [contact.nickname ?? "", `${contact.given ?? ""} ${contact.family ?? ""}`.trim()].some(
          (name) => name !== "" && name.toLowerCase().includes(lowered),
        ),
      )
      .map((contact) => ({ name: displayName(contact), handle: contact.phones?.[0] ?? contact.emails?.[0] ?? "" }));
  }
}

/** The Contacts of a session: loaded from `contactsPath` on the Mac personality, none on Linux. */
export function contactBookFor(settings: Pick<SessionSettings, "platform" | "contactsPath">): ContactBook | undefined {
  if (settings.platform !== "mac" || settings.contactsPath === undefined) return undefined;
  return ContactBook.load(settings.contactsPath);
}
