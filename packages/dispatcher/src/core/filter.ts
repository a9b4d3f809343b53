import {
  type Chat,
  MESSAGE_ENTITY_TYPES,
  type MessageEntity,
  UPDATE_KINDS,
  UPDATE_PAYLOAD_TYPES,
  type Update,
  type UpdateKind,
  type User,
} from "@bot/types";
import { DispatcherError } from "./errors.js";

type Kinds = typeof UPDATE_KINDS;

/** Update kinds whose payload is a `Message`. */
export type MessageKind = {
  [K in UpdateKind]: (typeof UPDATE_PAYLOAD_TYPES)[K] extends "Message" ? K : never;
}[UpdateKind];

/** The kinds a leading `:` stands for (`":text"` is `message:text` or `channel_post:text`). */
export type ShortcutKind = "message" | "channel_post";

/** A type of `MessageEntity`, as used in `":entities:url"`. */
export type EntityType = (typeof MESSAGE_ENTITY_TYPES)[number];

type EntityField = "entities" | "caption_entities";
type MessageField = Kinds["message"][number];

/**
 * A filter query: an update kind (`"message"`), a kind and one of its fields
 * (`"message:text"`, `"callback_query:data"`), `":field"` for messages and channel posts, or an
 * entity type (`":entities:url"`, `"message:caption_entities:mention"`).
 */
export type FilterQuery =
  | UpdateKind
  | { [K in UpdateKind]: `${K}:${Kinds[K][number]}` }[UpdateKind]
  | `:${MessageField}`
  | `${MessageKind | ""}:${EntityField}:${EntityType}`;

type Expand<Q extends string> = Q extends `:${infer R}` ? `${ShortcutKind}:${R}` : Q;

type Payload<K extends UpdateKind> = NonNullable<Update[K]>;

type NarrowField<P, F extends string> = F extends keyof P
  ? P & { [k in F]-?: NonNullable<P[k]> }
  : P;

type Implied<F extends string> = F extends "entities"
  ? { text: string; entities: MessageEntity[] }
  : F extends "caption_entities"
    ? { caption: string; caption_entities: MessageEntity[] }
    : unknown;

type KindOf<Q extends string> = Q extends `${infer K extends UpdateKind}:${string}`
  ? K
  : Q extends UpdateKind
    ? Q
    : never;

type PayloadOf<Q extends string> = Q extends `${infer K extends UpdateKind}:${infer F}:${string}`
  ? NarrowField<Payload<K>, F> & Implied<F>
  : Q extends `${infer K extends UpdateKind}:${infer F}`
    ? NarrowField<Payload<K>, F> & Implied<F>
    : Q extends UpdateKind
      ? Payload<Q>
      : never;

/** `snake_case` to `camelCase`, for the context getter of an update kind. */
export type CamelCase<S extends string> = S extends `${infer H}_${infer T}`
  ? `${H}${Capitalize<CamelCase<T>>}`
  : S;

type ChatShape<P> = P extends { chat: infer Ch extends Chat }
  ? { readonly chat: Ch; readonly chatId: number }
  : unknown;
type FromShape<P> = P extends { from: infer U extends User } ? { readonly from: U } : unknown;
type MsgShape<K, P> = K extends MessageKind ? { readonly msg: P } : unknown;

/** What a context is known to hold once an update of kind `K` with payload `P` matched. */
export type KindShape<K extends UpdateKind, P> = {
  readonly update: { readonly [k in K]: P } & {
    readonly [k in Exclude<UpdateKind, K>]?: undefined;
  };
} & { readonly [k in K as CamelCase<k>]: P } & {
  readonly [k in Exclude<UpdateKind, K> as CamelCase<k>]?: undefined;
} & ChatShape<P> &
  FromShape<P> &
  MsgShape<K, P>;

type ShapeOf<Q extends string> = Q extends string ? KindShape<KindOf<Q>, PayloadOf<Q>> : never;

/**
 * The context type after a filter query matched: `Filter<Context, "message:text">` has
 * `ctx.message.text: string` and `ctx.msg.text: string`. A union of queries gives a union.
 */
export type Filter<C, Q extends FilterQuery> = C & ShapeOf<Expand<Q>>;

/** A compiled filter: the kinds it can match and, per kind, a payload test (`null` = always). */
export interface CompiledFilter {
  /** The update kinds this filter can match. */
  readonly kinds: readonly UpdateKind[];
  /** Per kind, a test of the payload, or `null` when any payload of that kind matches. */
  readonly tests: ReadonlyMap<string, ((payload: Record<string, unknown>) => boolean) | null>;
}

const MESSAGE_KINDS = (Object.keys(UPDATE_PAYLOAD_TYPES) as UpdateKind[]).filter(
  (k) => UPDATE_PAYLOAD_TYPES[k] === "Message",
);
const SHORTCUT_KINDS: readonly UpdateKind[] = ["message", "channel_post"];
const KIND_NAMES = Object.keys(UPDATE_KINDS) as UpdateKind[];
const ENTITY_TYPES: readonly string[] = MESSAGE_ENTITY_TYPES;

const cache = new Map<string, CompiledFilter>();

/**
 * Validates and compiles filter queries (an array means "or"). Results are cached.
 *
 * @param query One query or several.
 * @returns The compiled filter.
 * @throws {DispatcherError} `BOT_DISPATCHER_INVALID_FILTER` with a suggestion when a query names an
 *   unknown kind or field.
 */
export function compileFilter(query: string | readonly string[]): CompiledFilter {
  const queries = typeof query === "string" ? [query] : query;
  if (queries.length === 0)
    throw new DispatcherError(
      "BOT_DISPATCHER_INVALID_FILTER",
      "an empty list of filter queries matches nothing",
    );
  const key = queries.join("\u0000");
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const perKind = new Map<string, Array<((p: Record<string, unknown>) => boolean) | null>>();
  for (const q of queries) {
    for (const [kind, test] of compileOne(q)) {
      const list = perKind.get(kind) ?? [];
      list.push(test);
      perKind.set(kind, list);
    }
  }
  const tests = new Map<string, ((p: Record<string, unknown>) => boolean) | null>();
  for (const [kind, list] of perKind) {
    if (list.includes(null)) tests.set(kind, null);
    else if (list.length === 1) tests.set(kind, list[0] as (p: Record<string, unknown>) => boolean);
    else {
      const fns = list as Array<(p: Record<string, unknown>) => boolean>;
      tests.set(kind, (p) => fns.some((f) => f(p)));
    }
  }
  const compiled: CompiledFilter = { kinds: [...tests.keys()] as UpdateKind[], tests };
  cache.set(key, compiled);
  return compiled;
}

function compileOne(
  q: string,
): Array<[UpdateKind, ((p: Record<string, unknown>) => boolean) | null]> {
  if (typeof q !== "string")
    throw new DispatcherError("BOT_DISPATCHER_INVALID_FILTER", "a filter query must be a string");
  const parts = q.split(":");
  if (parts.length > 3) fail(q, "a query has at most three parts, like 'message:entities:url'");
  const [l1 = "", l2, l3] = parts;
  let kinds: readonly UpdateKind[];
  if (l1 === "") {
    if (l2 === undefined) fail(q, "the query is empty");
    kinds = SHORTCUT_KINDS;
  } else if ((KIND_NAMES as readonly string[]).includes(l1)) {
    kinds = [l1 as UpdateKind];
  } else {
    fail(q, `'${l1}' is not an update kind${suggest(l1, KIND_NAMES)}`);
  }
  if (l2 === undefined) return kinds.map((k) => [k, null]);
  const out: Array<[UpdateKind, (p: Record<string, unknown>) => boolean]> = [];
  for (const kind of kinds) {
    const fields: readonly string[] = UPDATE_KINDS[kind];
    if (!fields.includes(l2)) fail(q, `'${l2}' is not a field of ${kind}${suggest(l2, fields)}`);
    if (l3 === undefined) {
      out.push([kind, (p) => p[l2] !== undefined]);
      continue;
    }
    if (!MESSAGE_KINDS.includes(kind) || (l2 !== "entities" && l2 !== "caption_entities")) {
      fail(q, "a third part is only allowed after 'entities' or 'caption_entities'");
    }
    if (!ENTITY_TYPES.includes(l3))
      fail(q, `'${l3}' is not an entity type${suggest(l3, ENTITY_TYPES)}`);
    out.push([
      kind,
      (p) => {
        const list = p[l2] as readonly MessageEntity[] | undefined;
        if (list === undefined) return false;
        for (const e of list) if (e.type === l3) return true;
        return false;
      },
    ]);
  }
  return out;
}

function fail(q: string, why: string): never {
  throw new DispatcherError("BOT_DISPATCHER_INVALID_FILTER", `invalid filter query '${q}': ${why}`);
}

function suggest(word: string, options: readonly string[]): string {
  let best = "";
  let bestScore = Number.POSITIVE_INFINITY;
  for (const o of options) {
    const d = distance(word, o);
    if (d < bestScore) {
      bestScore = d;
      best = o;
    }
  }
  return bestScore <= Math.max(2, word.length / 3) ? ` (did you mean '${best}'?)` : "";
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

/**
 * Finds the kind of an update: its one field besides `update_id`.
 *
 * @param update The update.
 * @returns The kind, or `undefined` for an update with no payload.
 */
export function updateKindOf(update: Update): string | undefined {
  for (const k in update) if (k !== "update_id") return k;
  return undefined;
}

/**
 * Builds a type guard from filter queries, to combine with other predicates in `filter`.
 *
 * @param query One query or several (or).
 * @returns A predicate that narrows the context like `on(query)` does.
 * @throws {DispatcherError} `BOT_DISPATCHER_INVALID_FILTER` when a query is invalid.
 */
export function matchFilter<C extends { readonly update: Update }, Q extends FilterQuery>(
  query: Q | readonly Q[],
): (ctx: C) => ctx is Filter<C, Q> {
  const { tests } = compileFilter(query);
  return (ctx: C): ctx is Filter<C, Q> => {
    const kind = updateKindOf(ctx.update);
    if (kind === undefined || !tests.has(kind)) return false;
    const test = tests.get(kind);
    return (
      test === null ||
      test === undefined ||
      test(
        (ctx.update as unknown as Record<string, Record<string, unknown>>)[kind] as Record<
          string,
          unknown
        >,
      )
    );
  };
}

/** The update kinds whose payload is a `Message`. */
export const MESSAGE_UPDATE_KINDS: readonly UpdateKind[] = MESSAGE_KINDS;
/** The kinds `":"` and commands/hears cover. */
export const TEXT_UPDATE_KINDS: readonly UpdateKind[] = SHORTCUT_KINDS;
