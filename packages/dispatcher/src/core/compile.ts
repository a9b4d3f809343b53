import { parseCommand } from "./command.js";
import { TEXT_UPDATE_KINDS } from "./filter.js";
import type { NextFunction } from "./middleware.js";
import { type AnyCtx, type Fn, isThenable, runSteps, type Step } from "./run.js";
import type { MiddlewareTree, Node } from "./tree.js";

/**
 * Compiles registrations for one update kind into steps, in registration order. Nodes that
 * cannot act on the kind are left out; consecutive `command` nodes share one lookup table;
 * a child composer that reduces to one middleware is called directly.
 *
 * @param nodes The registrations.
 * @param kind The update kind (`""` for kinds our types do not know).
 * @returns The steps.
 */
export function compileNodes(nodes: readonly Node[], kind: string): Step[] {
  const out: Step[] = [];
  compileInto(nodes, kind, out);
  return out;
}

function compileInto(nodes: readonly Node[], kind: string, out: Step[]): void {
  let commands: Map<string, Fn[]> | undefined;
  for (const node of nodes) {
    if (node.type === "command") {
      if (!TEXT_UPDATE_KINDS.includes(kind as never)) continue;
      const fn = treeFn(node.tree, kind);
      if (commands === undefined) {
        commands = new Map();
        out.push(commandStep(commands, kind));
      }
      for (const name of node.names) {
        const list = commands.get(name) ?? [];
        if (!list.includes(fn)) list.push(fn);
        commands.set(name, list);
      }
      continue;
    }
    if (node.type === "filter" && node.kinds !== null && !node.kinds.includes(kind)) continue;
    commands = undefined;
    switch (node.type) {
      case "use":
        compileInto(node.tree.nodes, kind, out);
        break;
      case "fn":
        out.push(always(node.fn));
        break;
      case "filter":
        out.push(selector(node, kind, treeFn(node.tree, kind)));
        break;
      case "wrap":
        out.push(always(node.wrap(treeFn(node.tree, kind))));
        break;
      case "groups":
        out.push(node.groups.step(kind));
        break;
    }
  }
}

/**
 * Compiles a child tree into one middleware function for a kind.
 *
 * @param tree The child tree.
 * @param kind The update kind.
 * @returns The function (the child's only middleware when it has one, `next` when it has none).
 */
export function treeFn(tree: MiddlewareTree, kind: string): Fn {
  const steps = compileNodes(tree.nodes, kind);
  if (steps.length === 0) return passThrough;
  const only = steps.length === 1 ? (steps[0] as Step).fixed : undefined;
  if (only !== undefined) return only;
  return (ctx, next) => runSteps(steps, ctx, 0, next);
}

function passThrough(_ctx: AnyCtx, next: NextFunction): Promise<void> {
  return next();
}

function selector(node: Node & { type: "filter" }, kind: string, fn: Fn): Step {
  const pt = node.tests?.get(kind) ?? null;
  const t = node.test;
  if (t === undefined) {
    if (pt === null) return always(fn);
    return (ctx) => (pt(ctx.update[kind]) ? fn : undefined);
  }
  const hasPayload = node.kinds !== null;
  return (ctx) => {
    const p = hasPayload ? ctx.update[kind] : undefined;
    if (pt !== null && !pt(p)) return undefined;
    const r = t(ctx, p);
    if (isThenable(r)) return Promise.resolve(r).then((v) => (v ? fn : undefined));
    return r ? fn : undefined;
  };
}

/**
 * A step that always selects `fn` (marked so a parent can call `fn` directly).
 *
 * @param fn The middleware.
 * @returns The step.
 */
export function always(fn: Fn): Step {
  const step: Step = () => fn;
  step.fixed = fn;
  return step;
}

function commandStep(table: Map<string, Fn[]>, kind: string): Step {
  let chains: Map<string, Fn> | undefined;
  const build = (): Map<string, Fn> => {
    const m = new Map<string, Fn>();
    for (const [name, fns] of table) {
      const steps = fns.map(always);
      m.set(
        name,
        fns.length === 1
          ? (fns[0] as Fn)
          : (c: AnyCtx, next: NextFunction) => runSteps(steps, c, 0, next),
      );
    }
    return m;
  };
  return (ctx) => {
    const m = ctx.update[kind] as { text?: string; entities?: [] };
    const cmd = parseCommand(m.text, m.entities);
    if (cmd === undefined) return undefined;
    chains ??= build();
    const fn = chains.get(cmd.name);
    if (fn === undefined) return undefined;
    if (
      cmd.username !== undefined &&
      cmd.username.toLowerCase() !== String(ctx.me.username).toLowerCase()
    )
      return undefined;
    ctx.match = cmd.args;
    return fn;
  };
}
