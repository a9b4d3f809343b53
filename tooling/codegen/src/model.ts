import { CodegenError, type Spec, type SpecField, type SpecType } from "./spec.ts";

/** Unions whose members carry no discriminating constant; they are handled by hand. */
export const UNDISCRIMINATED_UNIONS: ReadonlySet<string> = new Set([
  "InputMessageContent",
  "MaybeInaccessibleMessage",
]);

/** Fields whose allowed values are not quoted in the spec's prose, stated here once. */
const ENUM_OVERRIDES: Readonly<Record<string, readonly string[]>> = {
  "sendPoll.type": ["quiz", "regular"],
};

/** Quoted-value lists in prose that are not enumerations of the field itself. */
const ENUM_EXCLUDED: ReadonlySet<string> = new Set([
  "EncryptedPassportElement.data",
  "RefundedPayment.currency",
]);

/** Enumerations that get a named alias, so users can spell them. */
export const ENUM_ALIASES: Readonly<Record<string, string>> = {
  "Chat.type": "ChatType",
  "ChatFullInfo.type": "ChatType",
  "MessageEntity.type": "MessageEntityType",
  "Poll.type": "PollType",
  "sendPoll.type": "PollType",
  "Sticker.type": "StickerType",
  "StickerSet.sticker_type": "StickerType",
  "InputSticker.format": "StickerFormat",
  "uploadStickerFile.sticker_format": "StickerFormat",
  "setStickerSetThumbnail.format": "StickerFormat",
  "InlineQuery.chat_type": "InlineQueryChatType",
  "sendChatAction.action": "ChatAction",
  "ReactionTypeEmoji.emoji": "ReactionEmoji",
  "sendDice.emoji": "DiceEmoji",
  "KeyboardButton.style": "ButtonStyle",
  "InlineKeyboardButton.style": "ButtonStyle",
};

/** The parse modes Telegram accepts (the spec's prose links to them without listing). */
export const PARSE_MODES: readonly string[] = ["HTML", "MarkdownV2", "Markdown"];

const DISCRIMINATOR_RE = /\b(?:always|must be)\s+(?:"([^"]+)"|([A-Za-z_][A-Za-z0-9_]*))/;
const ENUM_TRIGGER_RE = /(?:one of|can be|either|must be)\s*(?=")/i;

/**
 * Reads the constant of a discriminating field from its prose.
 *
 * @param owner The member type's name, for the error.
 * @param field The discriminating field.
 * @returns The constant.
 */
export function discriminatorValue(owner: string, field: SpecField): string {
  const m = DISCRIMINATOR_RE.exec(field.description ?? "");
  const value = m?.[1] ?? m?.[2];
  if (!value) {
    throw new CodegenError(
      `codegen: cannot find the constant of ${owner}.${field.name} in its description: ${JSON.stringify(field.description)}`,
    );
  }
  return value;
}

/**
 * Extracts the allowed values of a string field from its prose, or `undefined`
 * when the prose does not enumerate them.
 *
 * @param owner The type or method name.
 * @param field The field.
 * @returns The values, deduplicated in spec order.
 */
export function enumValues(owner: string, field: SpecField): readonly string[] | undefined {
  const key = `${owner}.${field.name}`;
  const override = ENUM_OVERRIDES[key];
  if (override) return override;
  if (key === "sendChatAction.action") {
    const text = field.description ?? "";
    const after = text.slice(text.indexOf(":") + 1);
    return unique([...after.matchAll(/\b(typing|[a-z]+_[a-z_]+)\b/g)].map((m) => m[1] as string));
  }
  if (ENUM_EXCLUDED.has(key)) return undefined;
  if (
    field.types.length !== 1 ||
    (field.types[0] !== "String" && field.types[0] !== "Array of String")
  ) {
    return undefined;
  }
  const text = field.description ?? "";
  const trigger = ENUM_TRIGGER_RE.exec(text);
  if (!trigger) return undefined;
  const clause = sentenceFrom(text, trigger.index);
  const values = unique([...clause.matchAll(/"([^"]+)"/g)].map((m) => m[1] as string));
  return values.length >= 2 ? values : undefined;
}

function sentenceFrom(text: string, start: number): string {
  let inQuote = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') inQuote = !inQuote;
    else if (!inQuote && ch === "." && (i + 1 === text.length || text[i + 1] === " ")) {
      return text.slice(start, i);
    }
  }
  return text.slice(start);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** A textual constraint the spec states for a field (length, range, default). */
export function constraintsOf(field: SpecField): string[] {
  const out: string[] = [];
  const d = field.description ?? "";
  const len = /(\d[\d,]*)-(\d[\d,]*)\s+(characters|bytes)/.exec(d);
  if (len) out.push(`Length: ${len[1]}-${len[2]} ${len[3]}.`);
  const range = /[Vv]alues between (\d+)\s*(?:-|and)\s*(\d+)/.exec(d);
  if (range) out.push(`Range: ${range[1]}-${range[2]}.`);
  const items = /(\d+)-(\d+)\s+(items|options|answer options|elements|ids|identifiers)/.exec(d);
  if (items) out.push(`Count: ${items[1]}-${items[2]} ${items[3]}.`);
  const def = /[Dd]efaults to ("[^"]+"|\d+|True|False)/.exec(d);
  if (def) out.push(`Default: ${def[1]}.`);
  return out;
}

/** Facts computed once from the spec that every emitter needs. */
export interface Model {
  spec: Spec;
  /** union name -> discriminating key, for the discriminated unions. */
  discriminators: Map<string, string>;
  /** "Member.key" -> literal constant. */
  literals: Map<string, string>;
  /** "Owner.field" -> values, for string enums found in the prose. */
  enums: Map<string, readonly string[]>;
}

/**
 * Analyses the spec: discriminators of every union, their constants, and the enumerations.
 *
 * @param spec The spec.
 * @returns The model.
 */
export function buildModel(spec: Spec): Model {
  const discriminators = new Map<string, string>();
  const literals = new Map<string, string>();
  for (const t of Object.values(spec.types)) {
    if (!t.subtypes || UNDISCRIMINATED_UNIONS.has(t.name)) continue;
    const members = t.subtypes.filter((s) => spec.types[s]?.fields);
    const first = spec.types[members[0] ?? ""];
    const key = first?.fields?.[0]?.name;
    if (!key) throw new CodegenError(`codegen: union ${t.name} has no object members`);
    discriminators.set(t.name, key);
    for (const m of members) {
      const member = spec.types[m] as SpecType;
      const field = member.fields?.find((f) => f.name === key);
      if (!field) {
        throw new CodegenError(`codegen: ${m} (member of ${t.name}) has no discriminator "${key}"`);
      }
      literals.set(`${m}.${key}`, discriminatorValue(m, field));
    }
    for (const s of t.subtypes) {
      if (!spec.types[s] && s !== "String" && !s.startsWith("Array of ")) {
        throw new CodegenError(`codegen: union ${t.name} names unknown member ${s}`);
      }
    }
  }
  const enums = new Map<string, readonly string[]>();
  const scan = (owner: string, fields: SpecField[] | undefined) => {
    for (const f of fields ?? []) {
      if (literals.has(`${owner}.${f.name}`)) continue;
      const values = enumValues(owner, f);
      if (values) enums.set(`${owner}.${f.name}`, values);
    }
  };
  for (const t of Object.values(spec.types)) scan(t.name, t.fields);
  for (const m of Object.values(spec.methods)) scan(m.name, m.fields);
  return { spec, discriminators, literals, enums };
}

/** `sendMessage` -> `SendMessageParams`. */
export function paramsName(method: string): string {
  return `${method[0]?.toUpperCase()}${method.slice(1)}Params`;
}

/** Strips `Array of ` wrappers: returns the element type and the depth. */
export function unwrapArray(t: string): { inner: string; depth: number } {
  let depth = 0;
  let inner = t;
  while (inner.startsWith("Array of ")) {
    inner = inner.slice("Array of ".length);
    depth++;
  }
  return { inner, depth };
}
