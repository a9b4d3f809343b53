import { UPDATE_KINDS } from "@bot/types";
import { compileNodes } from "./compile.js";
import type { HandlerGroups } from "./handler-groups.js";
import type { Fn, Step } from "./run.js";

/** A test of an update's payload for one kind (`null`: any payload of that kind matches). */
export type PayloadTest = ((payload: Record<string, unknown>) => boolean) | null;
/** A test of the context (and the payload, when the node names kinds); may be async. */
export type ContextTest = (ctx: unknown, payload: Record<string, unknown> | undefined) => unknown;

/**
 * One registration in a composer. A discriminated union on `type`:
 * - `use`: a composer mounted in place (its nodes are compiled as if written here);
 * - `fn`: a middleware function;
 * - `filter`: a child composer that runs only for some kinds, payloads or contexts;
 * - `command`: a child composer for some command names (one map lookup per update);
 * - `wrap`: a child composer run through a wrapper (`errorBoundary`, `fork`);
 * - `groups`: python-telegram-bot handler groups.
 */
export type Node =
  | { readonly type: "use"; readonly tree: MiddlewareTree }
  | { readonly type: "fn"; readonly fn: Fn }
  | {
      readonly type: "filter";
      /** The kinds this node can act on; `null` means any kind. */
      readonly kinds: readonly string[] | null;
      /** Per kind, a payload test (only when `kinds` is not `null`). */
      readonly tests?: ReadonlyMap<string, PayloadTest>;
      /** A test of the context, after the payload test. */
      readonly test?: ContextTest;
      readonly tree: MiddlewareTree;
    }
  | { readonly type: "command"; readonly names: readonly string[]; readonly tree: MiddlewareTree }
  | { readonly type: "wrap"; readonly wrap: (inner: Fn) => Fn; readonly tree: MiddlewareTree }
  | { readonly type: "groups"; readonly groups: HandlerGroups };

/** The nodes that hold a child tree. */
export type TreeNode = Extract<Node, { readonly tree: MiddlewareTree }>;

/** Where a composer returned by a verb came from: the node that holds it, in its parent. */
export interface Origin {
  /** The node that owns the child tree (its filter is what the verb asked for). */
  readonly node: TreeNode;
  /** The tree the node was added to. */
  readonly parent: MiddlewareTree;
}

/** The key under which every update of a kind our types do not know is compiled. */
const OTHER_KIND = "";
const KNOWN_KINDS: ReadonlySet<string> = new Set(Object.keys(UPDATE_KINDS));

/**
 * The registrations of one composer, in order, and the compiled steps per update kind.
 *
 * The compiled cache holds at most one entry per update kind the Bot API defines plus one for
 * every other kind: unknown kinds come from the wire and must not grow memory. Adding a node
 * clears this tree's cache and the caches of every tree it is mounted in (parents are held
 * weakly, so a composer built per update and thrown away keeps nothing alive).
 */
export class MiddlewareTree {
  /** The registrations, in order of evaluation. */
  readonly nodes: Node[] = [];
  /** Set for trees created by a verb (`on`, `command`, ...): the node holding this tree. */
  origin: Origin | undefined = undefined;
  #parents: WeakRef<MiddlewareTree>[] = [];
  #compiled = new Map<string, readonly Step[]>();
  #notifying = false;

  /**
   * Appends a registration and invalidates the compiled steps that include this tree.
   *
   * @param node The registration.
   */
  add(node: Node): void {
    this.nodes.push(node);
    if (node.type === "groups") node.groups.mountIn(this);
    else if (node.type !== "fn") node.tree.mountIn(this);
    this.changed();
  }

  /**
   * Records that this tree is compiled into `parent`, so changes here reach the parent's cache.
   *
   * @param parent The tree this one is mounted in.
   */
  mountIn(parent: MiddlewareTree): void {
    if (this.#parents.length >= 32) this.#parents = this.#parents.filter((r) => r.deref());
    this.#parents.push(new WeakRef(parent));
  }

  /** Clears the compiled steps of this tree and of every tree it is mounted in. */
  changed(): void {
    if (this.#notifying) return; // a composer mounted inside itself
    this.#notifying = true;
    try {
      this.#compiled.clear();
      for (const ref of this.#parents) ref.deref()?.changed();
    } finally {
      this.#notifying = false;
    }
  }

  /**
   * Returns the compiled steps for an update kind, compiling them on first use.
   *
   * @param kind The update kind (any string; unknown kinds share one entry).
   * @returns The steps, in registration order.
   */
  steps(kind: string): readonly Step[] {
    const key = KNOWN_KINDS.has(kind) ? kind : OTHER_KIND;
    let steps = this.#compiled.get(key);
    if (steps === undefined) {
      steps = compileNodes(this.nodes, key);
      this.#compiled.set(key, steps);
    }
    return steps;
  }

  /**
   * The number of compiled entries (for tests of the cache bound).
   *
   * @returns How many kinds have compiled steps.
   */
  get compiledKinds(): number {
    return this.#compiled.size;
  }
}
