import { errorMessage } from "@imessage-channel/kit";
import { z } from "zod";

// The string values of the config file that have rules of their own (hosts, allowlist entries, patterns, paths),
// each with the function that words its problem. Messages are the tail of a one-line problem.

export const nonEmptyString = z.string().min(1);

/** `host` or `user@host`: no spaces and nothing that ssh could read as an option. */
const remoteHostPattern = /^(?:[A-Za-z0-9._][A-Za-z0-9._-]*@)?[A-Za-z0-9_[\]:.][A-Za-z0-9._:[\]-]*$/;

export const remoteHost = z.string().refine((value) => remoteHostPattern.test(value), {
  message: "is not host or user@host (no spaces, no ssh options)",
});

/** Allowlist entries: a handle, `chat_id:<number>`, `chat_guid:<guid>`, `chat_identifier:<id>`, or `*`. */
export function allowlistEntryProblem(entry: string): string | undefined {
  const trimmed = entry.trim();
  if (!trimmed) return "is not an allowlist entry; use a handle, chat_id:<n>, chat_guid:<g>, chat_identifier:<i> or *";
  const lowered = trimmed.toLowerCase();
  if (lowered.startsWith("chat_id:") && !/^\d+$/.test(trimmed.slice("chat_id:".length).trim())) {
    return "is not an allowlist entry; chat_id: takes a number, e.g. chat_id:123";
  }
  for (const prefix of ["chat_guid:", "chat_identifier:"]) {
    if (lowered.startsWith(prefix) && !trimmed.slice(prefix.length).trim()) {
      return `is not an allowlist entry; ${prefix} needs a value after the colon`;
    }
  }
  return undefined;
}

export const allowlistEntry = z.string().superRefine((value, context) => {
  const problem = allowlistEntryProblem(value);
  if (problem) context.addIssue({ code: "custom", message: problem });
});

/** `commands.ownerAllowFrom`: a person, never `*` or a chat entry (anyone in that chat would be an owner). */
function ownerEntryProblem(entry: string): string | undefined {
  const problem = allowlistEntryProblem(entry);
  if (problem) return problem;
  const lowered = entry.trim().toLowerCase();
  if (lowered === "*" || /^chat_(id|guid|identifier):/.test(lowered)) {
    return "is not a handle; owners are named by handle only (+15555550123, user@example.com), never * or a chat";
  }
  return undefined;
}

export const ownerEntry = z.string().superRefine((value, context) => {
  const problem = ownerEntryProblem(value);
  if (problem) context.addIssue({ code: "custom", message: problem });
});

/** Mention patterns are regular expressions, compiled case-insensitively. */
export function patternProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern, "i");
    return undefined;
  } catch (error) {
    return `is not a valid regular expression (${errorMessage(error).replace(/^Invalid regular expression: \/.*\/[a-z]*: /, "")})`;
  }
}

const mentionPattern = z.string().superRefine((value, context) => {
  const problem = patternProblem(value);
  if (problem) context.addIssue({ code: "custom", message: problem });
});

export const mentionPatterns = z.array(mentionPattern);

/** `groups` keys: `*`, a chat_id, or `chat_id:` / `chat_guid:` / `chat_identifier:` forms. */
export function groupKeyProblem(key: string): string | undefined {
  if (key === "*" || /^\d+$/.test(key)) return undefined;
  if (/^chat_id:\d+$/.test(key) || /^chat_(guid|identifier):.+/.test(key)) return undefined;
  return `is not a group key; use a chat_id such as "8421", "*", or chat_guid:<guid> / chat_identifier:<identifier> (a key that never matches drops the group's messages)`;
}

export const groupKey = z.string().superRefine((value, context) => {
  const problem = groupKeyProblem(value);
  if (problem) context.addIssue({ code: "custom", message: problem });
});

/** `outboundMediaRoots` entries: absolute folders (or `~/…`), never relative or the file system root. */
function outboundRootProblem(root: string): string | undefined {
  const trimmed = root.trim();
  if (!trimmed.startsWith("/") && trimmed !== "~" && !trimmed.startsWith("~/")) {
    return 'is relative; use an absolute folder such as "/srv/agent-files" or "~/agent-files"';
  }
  if (trimmed.split("/").some((segment) => segment === "." || segment === "..")) {
    return 'has a . or .. segment; write the folder as it is, e.g. "/srv/agent-files"';
  }
  if (/^\/+$/.test(trimmed)) return 'is the file system root; name the folder agents write to, e.g. "/srv/agent-files"';
  return undefined;
}

export const outboundRoot = z.string().superRefine((value, context) => {
  const problem = outboundRootProblem(value);
  if (problem) context.addIssue({ code: "custom", message: problem });
});

// `cliPath` is spawned without a shell (and `remoteCliPath` is quoted for the Mac's): these characters say the
// value was written as a shell command, which would only ever fail as "not found". Spaces, ' and () are real paths.
const shellMetacharacters = /[;&|<>$`"\\\u0000-\u001f\u007f]/gu;

/** `cliPath` / `remoteCliPath`: one program path, never a shell command line. */
function programPathProblem(path: string, where: "here" | "mac"): string | undefined {
  const found = [...new Set(path.match(shellMetacharacters) ?? [])];
  if (found.length === 0) return undefined;
  const listed = found.map((character) => JSON.stringify(character)).join(" ");
  return where === "here"
    ? `contains shell metacharacters (${listed}); cliPath is one program run without a shell: the path of imsg or of a wrapper script (spaces need no quoting)`
    : `contains shell metacharacters (${listed}); remoteCliPath is one program on the Mac, quoted for its shell: the path of imsg there (spaces need no quoting)`;
}

export const programPath = (where: "here" | "mac") =>
  nonEmptyString.superRefine((value, context) => {
    const problem = programPathProblem(value, where);
    if (problem) context.addIssue({ code: "custom", message: problem });
  });

/**
 * `attachmentRoots` (this machine: `/…`, or `~/…` for the gateway user's home) and `remoteAttachmentRoots` (the
 * Mac: `/…`, or `~/…` for the SSH login's home there, which the fetcher asks the Mac for; config cannot expand it).
 */
function attachmentRootProblem(root: string, where: "here" | "mac"): string | undefined {
  if (root === "") return undefined; // the non-empty check says so
  if (!root.startsWith("/") && root !== "~" && !root.startsWith("~/")) {
    return where === "here"
      ? 'is relative; start with / or ~/ (this machine\'s home), e.g. "/Users/*/Library/Messages/Attachments"'
      : 'is relative; remote roots are folders on the Mac: start with / or ~/ (the SSH login\'s home on the Mac), e.g. "/Users/*/Library/Messages/Attachments"';
  }
  if (root.split("/").some((segment) => segment === "." || segment === "..")) {
    return 'has a . or .. segment; write the folder as it is, e.g. "/Users/*/Library/Messages/Attachments"';
  }
  if (/^\/+$/.test(root))
    return 'is the file system root; name the Attachments folder, e.g. "/Users/*/Library/Messages/Attachments"';
  return undefined;
}

export const attachmentRoot = (where: "here" | "mac") =>
  nonEmptyString.superRefine((value, context) => {
    const problem = attachmentRootProblem(value, where);
    if (problem) context.addIssue({ code: "custom", message: problem });
  });
