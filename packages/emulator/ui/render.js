// Builds message DOM from Telegram entities. Only DOM APIs that treat text as text
// (createElement, textContent, append of strings) are used: no HTML is ever parsed.

/**
 * Creates an element.
 *
 * @param {string} tag The tag name.
 * @param {Record<string, string>} [attrs] Attributes (`class` included).
 * @param {...(Node | string)} children Child nodes or text.
 * @returns {HTMLElement} The element.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:", "tel:"]);

/**
 * A URL the page may link to (http, https, mailto, tel), or `undefined`.
 *
 * @param {string} raw The URL as the message has it.
 * @returns {string | undefined} The normalized URL.
 */
export function safeUrl(raw) {
  const value = /^[a-z][a-z0-9+.-]*:/i.test(raw) ? raw : `http://${raw}`;
  try {
    const url = new URL(value);
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function link(url) {
  const href = url === undefined ? undefined : safeUrl(url);
  if (href === undefined) return el("span", { class: "entity-link" });
  return el("a", { href, target: "_blank", rel: "noopener noreferrer" });
}

/**
 * The element for one entity: `{ outer, inner }` where children go into `inner`.
 *
 * @param {{ type: string, url?: string, language?: string, user?: { first_name: string } }} entity The entity.
 * @param {string} segment The text the entity covers.
 * @param {{ onCommand?: (command: string) => void }} options Click handlers.
 * @returns {{ outer: HTMLElement, inner: HTMLElement }} The element.
 */
function elementFor(entity, segment, options) {
  const one = (node) => ({ outer: node, inner: node });
  switch (entity.type) {
    case "bold":
      return one(el("strong"));
    case "italic":
      return one(el("em"));
    case "underline":
      return one(el("u"));
    case "strikethrough":
      return one(el("s"));
    case "code":
      return one(el("code"));
    case "pre": {
      const code = el("code");
      if (typeof entity.language === "string" && entity.language !== "")
        code.dataset.language = entity.language;
      return { outer: el("pre", {}, code), inner: code };
    }
    case "spoiler": {
      const node = el("span", { class: "spoiler", title: "Spoiler: click to show" });
      node.addEventListener("click", () => node.classList.add("revealed"));
      return one(node);
    }
    case "blockquote":
      return one(el("blockquote"));
    case "expandable_blockquote": {
      const node = el("blockquote", { class: "expandable", title: "Click to expand" });
      node.addEventListener("click", () => node.classList.toggle("expanded"));
      return one(node);
    }
    case "text_link":
      return one(link(entity.url));
    case "url":
      return one(link(segment));
    case "email":
      return one(link(`mailto:${segment}`));
    case "phone_number":
      return one(link(`tel:${segment.replace(/[^\d+]/g, "")}`));
    case "bot_command": {
      const node = el("a", { class: "command", href: "#", title: `Send ${segment}` });
      node.addEventListener("click", (event) => {
        event.preventDefault();
        options.onCommand?.(segment);
      });
      return one(node);
    }
    case "text_mention": {
      const name = entity.user?.first_name ?? "";
      return one(el("span", { class: "mention", title: name }));
    }
    case "mention":
    case "hashtag":
    case "cashtag":
      return one(el("span", { class: entity.type === "mention" ? "mention" : "tag" }));
    default:
      return one(el("span", { class: `entity-${String(entity.type).replace(/[^a-z_]/g, "")}` }));
  }
}

function byStart(a, b) {
  return a.start - b.start || b.end - a.end;
}

/**
 * Appends `text[from, to)` to `parent`, wrapping the entity intervals of `list` (all inside
 * that range). Entities that cross a parent's end are split at it, as Telegram's clients do.
 */
function build(parent, text, list, from, to, options) {
  let pending = [...list].sort(byStart);
  let pos = from;
  while (pending.length > 0) {
    const [top, ...others] = pending;
    if (top.start > pos) parent.append(text.slice(pos, top.start));
    const inner = [];
    const later = [];
    for (const item of others) {
      if (item.start >= top.end) later.push(item);
      else if (item.end <= top.end) inner.push(item);
      else {
        inner.push({ ...item, end: top.end });
        later.push({ ...item, start: top.end });
      }
    }
    const node = elementFor(top.entity, text.slice(top.start, top.end), options);
    build(node.inner, text, inner, top.start, top.end, options);
    parent.append(node.outer);
    pos = top.end;
    pending = later.sort(byStart);
  }
  if (pos < to) parent.append(text.slice(pos, to));
}

/**
 * Renders a text with its entities (offsets in UTF-16 code units, as JavaScript strings count).
 *
 * @param {string} text The message text or caption.
 * @param {Array<{ type: string, offset: number, length: number }>} [entities] The entities.
 * @param {{ onCommand?: (command: string) => void }} [options] Click handlers.
 * @returns {DocumentFragment} The rendered text.
 */
export function renderText(text, entities = [], options = {}) {
  const list = [];
  for (const entity of entities) {
    const start = Math.max(0, Number(entity.offset));
    const end = Math.min(text.length, start + Number(entity.length));
    if (Number.isInteger(start) && Number.isInteger(end) && end > start)
      list.push({ entity, start, end });
  }
  const fragment = document.createDocumentFragment();
  build(fragment, text, list, 0, text.length, options);
  return fragment;
}
