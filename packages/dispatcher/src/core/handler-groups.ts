import { always, compileNodes } from "./compile.js";
import { HandlerStop } from "./errors.js";
import type { NextFunction } from "./middleware.js";
import type { AnyCtx, Fn, Step } from "./run.js";
import { MiddlewareTree, type Node } from "./tree.js";

/**
 * python-telegram-bot handler groups at one position of a composer: groups run in ascending
 * number; within a group only the first handler whose filter matches runs; throwing
 * {@link HandlerStop} skips the later groups.
 */
export class HandlerGroups {
  readonly #groups = new Map<number, MiddlewareTree>();
  readonly #parents: MiddlewareTree[] = [];

  /**
   * Adds the tree of group `n` (once per number).
   *
   * @param n The group number.
   * @param tree The group's tree.
   */
  add(n: number, tree: MiddlewareTree): void {
    this.#groups.set(n, tree);
    for (const p of this.#parents) tree.mountIn(p);
    for (const p of this.#parents) p.changed();
  }

  /**
   * Records the tree these groups sit in (called once, when the groups node is added).
   *
   * @param parent The tree.
   */
  mountIn(parent: MiddlewareTree): void {
    this.#parents.push(parent);
    for (const g of this.#groups.values()) g.mountIn(parent);
  }

  /**
   * Every group's tree, in no particular order (for `allowed_updates`).
   *
   * @returns The trees.
   */
  trees(): IterableIterator<MiddlewareTree> {
    return this.#groups.values();
  }

  /**
   * Compiles the groups for one update kind into one step.
   *
   * @param kind The update kind.
   * @returns The step.
   */
  step(kind: string): Step {
    const ordered = [...this.#groups.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, g]) => compileNodes(g.nodes, kind))
      .filter((s) => s.length > 0);
    if (ordered.length === 0) return () => undefined;
    return always((ctx, next) => runGroups(ordered, ctx, 0, next));
  }
}

async function runGroups(
  groups: readonly (readonly Step[])[],
  ctx: AnyCtx,
  g: number,
  next: NextFunction,
): Promise<void> {
  for (; g < groups.length; g++) {
    const steps = groups[g] as readonly Step[];
    let fn: Fn | undefined;
    for (const s of steps) {
      fn = await s(ctx);
      if (fn !== undefined) break;
    }
    if (fn === undefined) continue;
    let advanced = false;
    const at = g;
    const cont: NextFunction = () => {
      if (advanced) return Promise.resolve();
      advanced = true;
      return runGroups(groups, ctx, at + 1, next);
    };
    try {
      await fn(ctx, cont);
    } catch (e) {
      if (e instanceof HandlerStop) return;
      throw e;
    }
    return cont();
  }
  return next();
}

/**
 * The node that registers `tree` as one handler: a composer returned by a verb
 * (`new Composer().command("start", h)`) is registered with the filters of the verbs that
 * created it, so the handler still matches only what it was built for; any other composer is
 * mounted as is.
 *
 * @param tree The tree of the composer given as a handler.
 * @returns The node to add to a group.
 */
export function handlerNode(tree: MiddlewareTree): Node {
  let node: Node = { type: "use", tree };
  let at: MiddlewareTree = tree;
  while (at.origin !== undefined) {
    const { node: made, parent } = at.origin;
    if (made.tree === at && node.type === "use" && node.tree === at) {
      node = made;
    } else {
      const wrapper = new MiddlewareTree();
      wrapper.add(node);
      node = { ...made, tree: wrapper };
    }
    at = parent;
  }
  return node;
}
