/**
 * How session middlewares put `ctx.session`, `ctx.chatData` and the like on a context.
 *
 * Defining accessor properties on every context costs more than the rest of a session's
 * bookkeeping, so each getter is defined once, on the context's class prototype, and finds the
 * update's state under a symbol its middleware sets: in the context's record
 * ({@link contextSlots}), or as a hidden property of a context that is not a `Context`. Only
 * where the prototype cannot carry it is a getter defined on the context itself: a plain object
 * (`withData`), or a name the context or its class already defines otherwise (a class field
 * shadows the prototype).
 *
 * @module
 */
import { contextSlots } from "../core/context.js";

/** A group of getters by name, each reading the state under {@link AccessorGroup.key}. */
export interface AccessorGroup {
  /** Where a context keeps this group's state (one symbol per group, shared by its middlewares). */
  readonly key: symbol;
  /** The getters, by property name. */
  readonly descriptors: Readonly<Record<string, PropertyDescriptor>>;
  /** Prototypes carrying the getters (`true`) or unable to (`false`). */
  readonly protos: WeakMap<object, boolean>;
  /** The property names. */
  readonly names: readonly string[];
}

/**
 * Declares a group of getters.
 *
 * @param key The symbol under which a context holds the group's state.
 * @param getters Per property name, the value for a context's state.
 * @returns The group.
 */
export function accessorGroup<S>(
  key: symbol,
  getters: Readonly<Record<string, (state: S) => unknown>>,
): AccessorGroup {
  const descriptors: Record<string, PropertyDescriptor> = {};
  for (const [name, read] of Object.entries(getters)) {
    descriptors[name] = {
      configurable: true,
      enumerable: false,
      get(this: object) {
        const state = ((contextSlots(this) ?? this) as Record<symbol, S | undefined>)[key];
        // a context of this class that this middleware never saw
        return state === undefined ? undefined : read(state);
      },
    };
  }
  return { key, descriptors, protos: new WeakMap(), names: Object.keys(descriptors) };
}

/** Whether `proto` or a prototype above it defines `name` (other than as one of our getters). */
function definedAbove(proto: object, name: string): boolean {
  for (
    let p: object | null = proto;
    p !== null && p !== Object.prototype;
    p = Object.getPrototypeOf(p)
  ) {
    if (Object.hasOwn(p, name)) return true;
  }
  return name in Object.prototype;
}

/**
 * Gives a context the group's getters for `state`: sets the state (not enumerable) and makes
 * sure the getters are reachable, on the prototype once, else on the context.
 *
 * @param ctx The update's context.
 * @param group The getters.
 * @param state What the getters read for this context.
 */
export function attachAccessors(ctx: object, group: AccessorGroup, state: unknown): void {
  const slots = contextSlots(ctx);
  if (slots !== undefined) slots[group.key] = state;
  else Object.defineProperty(ctx, group.key, { configurable: true, value: state });
  const proto = Object.getPrototypeOf(ctx) as object | null;
  let onProto = false;
  if (proto !== null && proto !== Object.prototype) {
    let known = group.protos.get(proto);
    if (known === undefined) {
      known = group.names.every((name) => !definedAbove(proto, name));
      if (known) Object.defineProperties(proto, group.descriptors);
      group.protos.set(proto, known);
    }
    onProto = known;
  }
  for (const name of group.names) {
    if (onProto && !Object.hasOwn(ctx, name)) continue;
    Object.defineProperty(ctx, name, group.descriptors[name] as PropertyDescriptor);
  }
}
