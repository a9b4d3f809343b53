import { header } from "./emit-types.ts";
import { isUnsigned } from "./integers.ts";
import { type Model, unwrapArray } from "./model.ts";
import { CodegenError, type SpecField, type SpecType } from "./spec.ts";

const PRIMITIVE_SCHEMAS: Readonly<Record<string, string>> = {
  Integer: "int",
  Float: "num",
  String: "str",
  Boolean: "bool",
};

/**
 * The types reachable from `Update`, in a stable order: every object type first
 * (spec order), then every union (spec order).
 */
export function reachableFromUpdate(model: Model): { objects: SpecType[]; unions: SpecType[] } {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name) || !model.spec.types[name]) return;
    seen.add(name);
    const t = model.spec.types[name] as SpecType;
    for (const s of t.subtypes ?? []) visit(unwrapArray(s).inner);
    for (const f of t.fields ?? []) for (const ft of f.types) visit(unwrapArray(ft).inner);
  };
  visit("Update");
  const all = Object.values(model.spec.types).filter((t) => seen.has(t.name));
  return { objects: all.filter((t) => !t.subtypes), unions: all.filter((t) => t.subtypes) };
}

function schemaName(type: string): string {
  return `${type}Schema`;
}

/** Emits `schemas.ts`: valibot schemas for `Update` and all it contains. */
export function emitSchemas(model: Model): string {
  const { objects, unions } = reachableFromUpdate(model);
  const emitted = new Set<string>();
  const ref = (typeName: string): string => {
    if (PRIMITIVE_SCHEMAS[typeName]) return PRIMITIVE_SCHEMAS[typeName] as string;
    if (typeName === "InputFile")
      throw new CodegenError("codegen: InputFile cannot arrive in an update");
    if (!model.spec.types[typeName]) throw new CodegenError(`codegen: unknown type ${typeName}`);
    return emitted.has(typeName) ? schemaName(typeName) : `v.lazy(() => ${schemaName(typeName)})`;
  };
  const one = (t: string): string => {
    const { inner, depth } = unwrapArray(t);
    let s = ref(inner);
    for (let i = 0; i < depth; i++) s = `arr(${s})`;
    return s;
  };
  const fieldSchema = (owner: string, f: SpecField): string => {
    const literal = model.literals.get(`${owner}.${f.name}`);
    let s: string;
    if (literal !== undefined) s = `v.literal(${JSON.stringify(literal)})`;
    else if (owner === "InaccessibleMessage" && f.name === "date") s = "v.literal(0)";
    else if (isUnsigned(owner, f)) s = "uint";
    else if (f.types.length === 1) s = one(f.types[0] as string);
    else s = `v.union([${f.types.map(one).join(", ")}])`;
    return f.required ? s : `v.optional(${s})`;
  };

  let out = header(model);
  out += 'import * as v from "valibot";\n';
  out += 'import type * as T from "./types.js";\n';
  out +=
    'import { arrayFast as arr, looseObjectFast as obj, type ObjectSchemaOf } from "../loose-object.js";\n\n';
  out += "export type { ObjectSchemaOf };\n\n";
  out += "// Integers are safe integers: JSON numbers beyond 2^53 have already lost precision.\n";
  out += "const int = v.pipe(v.number(), v.safeInteger());\n";
  out += "const uint = v.pipe(v.number(), v.safeInteger(), v.minValue(0));\n";
  out += "const num = v.number();\n";
  out += "const str = v.string();\n";
  out += "const bool = v.boolean();\n\n";

  for (const t of objects) {
    const entries = (t.fields ?? [])
      .map((f) => `  ${JSON.stringify(f.name)}: ${fieldSchema(t.name, f)},`)
      .join("\n");
    out += `/** Schema of {@link T.${t.name}}. */\n`;
    out += `export const ${schemaName(t.name)}: ObjectSchemaOf<T.${t.name}> = obj({${entries ? `\n${entries}\n` : ""}});\n\n`;
    emitted.add(t.name);
  }
  for (const u of unions) {
    const members = u.subtypes ?? [];
    const objectMembers = members.filter((m) => model.spec.types[m]?.fields);
    const key = model.discriminators.get(u.name);
    let body: string;
    if (u.name === "MaybeInaccessibleMessage") {
      body = `v.variant("date", [${objectMembers
        .filter((m) => m !== "Message")
        .map(schemaName)
        .join(", ")}, MessageSchema] as never)`;
    } else if (key) {
      const known = objectMembers.map((m) => model.literals.get(`${m}.${key}`) as string);
      const unknown = `v.looseObject({ ${JSON.stringify(key)}: v.pipe(str, v.notValues(${JSON.stringify([...new Set(known)])})) })`;
      const variant = `v.variant(${JSON.stringify(key)}, [\n  ${[...objectMembers.map(schemaName), unknown].join(",\n  ")},\n] as never)`;
      const extra = members
        .filter((m) => !objectMembers.includes(m))
        .map((m) => (m === "String" ? "str" : one(m)));
      body = extra.length ? `v.union([${extra.join(", ")}, ${variant}])` : variant;
    } else {
      throw new CodegenError(`codegen: union ${u.name} reaches Update but has no discriminator`);
    }
    out += `/** Schema of {@link T.${u.name}}. Unknown future members are accepted as objects. */\n`;
    out += `export const ${schemaName(u.name)}: v.GenericSchema<unknown, T.${u.name}> = ${body} as never;\n\n`;
    emitted.add(u.name);
  }
  out += "/** Names of every schema in this module, by Bot API type. */\n";
  out += `export const SCHEMA_TYPE_NAMES = [\n${[...objects, ...unions].map((t) => `  ${JSON.stringify(t.name)},`).join("\n")}\n] as const;\n`;
  return out;
}
