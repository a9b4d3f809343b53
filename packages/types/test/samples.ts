import { buildModel, type Spec } from "@bot/codegen";

/**
 * Builds the smallest valid object of a Bot API type from the spec: every
 * required field, union members by their first object member, discriminators and
 * enums by their documented constants. Used to feed the schemas one valid update
 * of every kind without hand-writing 27 fixtures.
 */
export function sampler(spec: Spec): (type: string, depth?: number) => unknown {
  const model = buildModel(spec);
  const sample = (type: string, depth = 0): unknown => {
    if (type.startsWith("Array of ")) return [sample(type.slice(9), depth + 1)];
    switch (type) {
      case "Integer":
        return 7;
      case "Float":
        return 1.5;
      case "String":
        return "s";
      case "Boolean":
        return true;
    }
    const t = spec.types[type];
    if (!t) throw new Error(`no type ${type}`);
    if (t.subtypes) {
      if (type === "MaybeInaccessibleMessage") return sample("InaccessibleMessage", depth + 1);
      const member = t.subtypes.find((s) => spec.types[s]?.fields) as string;
      return sample(member, depth + 1);
    }
    const out: Record<string, unknown> = {};
    for (const f of t.fields ?? []) {
      if (!f.required) continue;
      const key = `${type}.${f.name}`;
      const literal = model.literals.get(key);
      const values = model.enums.get(key);
      if (literal !== undefined) out[f.name] = literal;
      else if (key === "InaccessibleMessage.date") out[f.name] = 0;
      else if (values) out[f.name] = f.types[0] === "Array of String" ? [values[0]] : values[0];
      else out[f.name] = sample(f.types[0] as string, depth + 1);
    }
    return out;
  };
  return sample;
}
