import type { Spec, SpecField } from "../spec.ts";

/** The placeholder the converter writes for a TypeScript `number` before it is resolved. */
export const NUMBER = "<number>";

type Kind = "Integer" | "Float";

/** Field names that are Float in the Bot API although no earlier spec has them. */
const FLOAT_NAME_RE =
  /^(latitude|longitude|horizontal_accuracy|scale|x_shift|y_shift|temperature)$|_percentage$|frame_timestamp$/;

function numberKinds(types: readonly string[]): Kind[] {
  const kinds = new Set<Kind>();
  for (const t of types) {
    const base = t.replace(/^(Array of )+/, "");
    if (base === "Integer" || base === "Float") kinds.add(base);
  }
  return [...kinds];
}

function container(spec: Spec, owner: string): SpecField[] | undefined {
  return spec.types[owner]?.fields ?? spec.methods[owner]?.fields;
}

/** How each `number` of a converted spec is told apart: Integer or Float. */
export interface NumberResolver {
  /**
   * Decides the kind of the `number` at `owner.field`.
   *
   * @param owner The type or method.
   * @param field The field or parameter name.
   * @returns Integer or Float.
   */
  kind(owner: string, field: string): Kind;
}

/**
 * Builds the resolver: the kind the same `Container.field` has in the previous spec; else the
 * one kind a field of that name has everywhere in it; else a name rule for the Float fields
 * Telegram adds (coordinates, percentages, shifts, rotation angles, story durations); else
 * Integer.
 *
 * @param previous The spec being replaced.
 * @returns The resolver.
 */
export function numberResolver(previous: Spec | undefined): NumberResolver {
  const byName = new Map<string, Set<Kind>>();
  const entries = previous
    ? [...Object.values(previous.types), ...Object.values(previous.methods)]
    : [];
  for (const entry of entries) {
    for (const f of entry.fields ?? []) {
      for (const k of numberKinds(f.types)) {
        const set = byName.get(f.name) ?? new Set<Kind>();
        set.add(k);
        byName.set(f.name, set);
      }
    }
  }
  return {
    kind(owner, field) {
      const same = previous && container(previous, owner)?.find((f) => f.name === field);
      const kinds = same ? numberKinds(same.types) : [];
      if (kinds.length === 1) return kinds[0] as Kind;
      const named = byName.get(field);
      if (named?.size === 1) return [...named][0] as Kind;
      if (FLOAT_NAME_RE.test(field)) return "Float";
      if (field === "rotation_angle" && owner.startsWith("StoryArea")) return "Float";
      if (field === "duration" && owner.startsWith("InputStoryContent")) return "Float";
      return "Integer";
    },
  };
}

/**
 * Replaces every {@link NUMBER} placeholder of a field's types by its kind.
 *
 * @param types The converted type strings.
 * @param kind The kind to write.
 * @returns The resolved type strings.
 */
export function resolveNumbers(types: readonly string[], kind: () => Kind): string[] {
  return types.map((t) => (t.endsWith(NUMBER) ? t.slice(0, -NUMBER.length) + kind() : t));
}
