import { UPDATE_KINDS, type UpdateKind } from "@bot/types";
import { TEXT_UPDATE_KINDS } from "./filter.js";
import type { MiddlewareTree, Node } from "./tree.js";

/** Kinds a catch-all handler asks for: all except the ones Telegram only sends when named. */
const OPT_IN_KINDS: readonly string[] = [
  "chat_member",
  "message_reaction",
  "message_reaction_count",
];
const ALL_KINDS = Object.keys(UPDATE_KINDS) as UpdateKind[];

/**
 * The update kinds the middleware of a tree can act on, for `allowed_updates`: the kinds its
 * filters name, and every default kind when some middleware runs for any kind.
 *
 * @param tree The tree.
 * @returns The kinds, in `UPDATE_KINDS` order.
 */
export function allowedKinds(tree: MiddlewareTree): UpdateKind[] {
  const named = new Set<string>();
  const all = collect(tree.nodes, named);
  return ALL_KINDS.filter((k) => named.has(k) || (all && !OPT_IN_KINDS.includes(k)));
}

/** Adds the kinds `nodes` name to `named`; returns whether some node acts on any kind. */
function collect(nodes: readonly Node[], named: Set<string>): boolean {
  let all = false;
  for (const n of nodes) {
    switch (n.type) {
      case "use":
        all = collect(n.tree.nodes, named) || all;
        break;
      case "groups":
        for (const g of n.groups.trees()) all = collect(g.nodes, named) || all;
        break;
      case "command":
        for (const k of TEXT_UPDATE_KINDS) named.add(k);
        break;
      case "filter":
        if (n.kinds !== null) for (const k of n.kinds) named.add(k);
        else all = collect(n.tree.nodes, named) || all;
        break;
      case "wrap":
        all = collect(n.tree.nodes, named) || all;
        break;
      case "fn":
        all = true;
        break;
    }
  }
  return all;
}
