/**
 * A small XML tree and its writer: elements are data (`XmlElement`), serialised with every attribute value and text
 * escaped, so no caller pastes markup together. Attributes keep their insertion order (Tableau's files and the
 * schema do not depend on it, but a stable order makes the output byte-identical from run to run).
 *
 * @module
 */

/** An element: name, attributes (undefined values are left out) and children (elements or text). */
export interface XmlElement {
  name: string;
  attrs: Record<string, string | number | boolean | undefined>;
  children: XmlNode[];
}

/** A child: an element or a text node. */
export type XmlNode = XmlElement | string;

/** Build an element. */
export function el(
  name: string,
  attrs: XmlElement["attrs"] = {},
  children: (XmlNode | null | undefined | false)[] = [],
): XmlElement {
  return { name, attrs, children: children.filter((c): c is XmlNode => c !== null && c !== undefined && c !== false) };
}

/** Escape text or an attribute value (quotes and line breaks included, so it is safe in either place). */
export function escapeXml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;").replaceAll("\n", "&#10;");
}

function write(node: XmlNode, indent: string, out: string[]): void {
  if (typeof node === "string") {
    out.push(indent + escapeXml(node));
    return;
  }
  const attrs = Object.entries(node.attrs).filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`).join("");
  if (node.children.length === 0) {
    out.push(`${indent}<${node.name}${attrs} />`);
  } else if (node.children.length === 1 && typeof node.children[0] === "string") {
    out.push(`${indent}<${node.name}${attrs}>${escapeXml(node.children[0])}</${node.name}>`);
  } else {
    out.push(`${indent}<${node.name}${attrs}>`);
    for (const c of node.children) write(c, indent + "  ", out);
    out.push(`${indent}</${node.name}>`);
  }
}

/** Serialise a document: the XML declaration, then the root element, indented by two spaces. */
export function toXml(root: XmlElement): string {
  const out = ['<?xml version="1.0" encoding="utf-8" ?>'];
  write(root, "", out);
  return out.join("\n") + "\n";
}
