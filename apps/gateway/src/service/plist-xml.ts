/** An element of a parsed plist: its name, child elements and decoded text. */
export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

export interface ParsedPlist {
  doctype: string;
  root: XmlElement;
}

const entities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeText(raw: string, offset: number): string {
  return raw.replace(/&([^;\s&<]*);?/g, (match, name: string) => {
    if (!match.endsWith(";")) throw new Error(`unescaped "&" at ${offset}: ${JSON.stringify(raw)}`);
    if (name in entities) return entities[name]!;
    const numeric = /^#(x[0-9a-fA-F]+|[0-9]+)$/.exec(name);
    if (numeric?.[1]) return String.fromCodePoint(Number(numeric[1].startsWith("x") ? `0${numeric[1]}` : numeric[1]));
    throw new Error(`unknown entity &${name}; at ${offset}`);
  });
}

/**
 * A strict well-formedness check of the XML subset plists use (declaration, DOCTYPE, elements without
 * attributes except on <plist>, text, self-closing <true/>/<false/>). Throws on the first problem:
 * a raw `&` or `<` in text, a mismatched or unclosed tag, content after the root.
 */
export function parsePlistXml(xml: string): ParsedPlist {
  let position = 0;
  const expect = (pattern: RegExp, what: string): RegExpExecArray => {
    pattern.lastIndex = position;
    const match = pattern.exec(xml);
    if (!match || match.index !== position)
      throw new Error(`expected ${what} at ${position}: ${JSON.stringify(xml.slice(position, position + 40))}`);
    position += match[0].length;
    return match;
  };
  expect(/<\?xml version="1\.0" encoding="UTF-8"\?>\s*/y, "the XML declaration");
  const doctype = expect(/<!DOCTYPE ([^>]*)>\s*/y, "a DOCTYPE")[1]!;

  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (position < xml.length) {
    const next = xml.indexOf("<", position);
    if (next === -1) {
      if (xml.slice(position).trim()) throw new Error(`text after the root element at ${position}`);
      break;
    }
    const text = xml.slice(position, next);
    if (text.includes(">")) throw new Error(`unescaped ">" in text at ${position}`);
    if (stack.length > 0) stack.at(-1)!.text += decodeText(text, position);
    else if (text.trim()) throw new Error(`text outside the root element at ${position}`);
    position = next;
    const tag = expect(/<(\/?)([A-Za-z][A-Za-z0-9]*)((?:\s+[A-Za-z]+="[^"<&]*")*)\s*(\/?)>/y, "a tag");
    const [, closing, name, attributes, selfClosing] = tag;
    if (attributes && name !== "plist") throw new Error(`unexpected attributes on <${name}>`);
    if (closing) {
      const open = stack.pop();
      if (open?.name !== name) throw new Error(`</${name}> closes <${open?.name ?? "nothing"}> at ${position}`);
      if (stack.length === 0) root = open;
      continue;
    }
    if (root) throw new Error(`a second root element <${name}> at ${position}`);
    const element: XmlElement = { name: name!, children: [], text: "" };
    stack.at(-1)?.children.push(element);
    if (selfClosing) {
      if (stack.length === 0) root = element;
      continue;
    }
    stack.push(element);
  }
  if (stack.length > 0) throw new Error(`<${stack.at(-1)!.name}> is never closed`);
  if (!root) throw new Error("no root element");
  return { doctype, root };
}

/** A plist `<dict>` as pairs of key and value element, in order. */
export function plistDictEntries(dict: XmlElement): Array<[string, XmlElement]> {
  if (dict.name !== "dict") throw new Error(`expected <dict>, found <${dict.name}>`);
  const entries: Array<[string, XmlElement]> = [];
  for (let index = 0; index < dict.children.length; index += 2) {
    const key = dict.children[index]!;
    const value = dict.children[index + 1];
    if (key.name !== "key" || !value) throw new Error(`dict entry ${index / 2} is not a <key> followed by a value`);
    entries.push([key.text, value]);
  }
  return entries;
}
