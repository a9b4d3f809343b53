import { reachableFromUpdate } from "./emit-schemas.ts";
import { header } from "./emit-types.ts";
import { isUnsigned } from "./integers.ts";
import { type Model, unwrapArray } from "./model.ts";
import type { SpecField, SpecType } from "./spec.ts";

const PRIMITIVE_CHECKS: Readonly<Record<string, (v: string) => string>> = {
  Integer: (v) => `isInt(${v})`, // a safe integer, as the schema's `int`
  Float: (v) => `isNum(${v})`,
  String: (v) => `typeof ${v} === "string"`,
  Boolean: (v) => `typeof ${v} === "boolean"`,
};

const guardName = (type: string) => `g${type}`;

/** The start of every object and union guard: a plain object (see the comment emitted above `Plain`). */
const PLAIN_CHECK =
  '  if (!isObj(o)) return false;\n  if ((o as Plain).__proto__ !== OBJECT_PROTOTYPE || (o as Plain).constructor !== Object || "prototype" in o) return false;\n';

/**
 * Emits `guards.ts`: plain predicates for `Update` and everything it contains, generated
 * from the same model as the schemas. A guard answers `true` only for input the schema
 * accepts unchanged (no key to drop), so `safeParseUpdate` can return such input at once and
 * leave every other case, and every error message, to valibot.
 */
export function emitGuards(model: Model): string {
  const { objects, unions } = reachableFromUpdate(model);
  // `d` is the depth of the object being checked; its fields' objects are one level deeper.
  const check = (t: string, v: string, d: string, depth = 0): string => {
    const { inner, depth: arrays } = unwrapArray(t);
    if (arrays > 0) {
      const item = `x${depth}`;
      const rest = `${"Array of ".repeat(arrays - 1)}${inner}`;
      return `every(${v}, (${item}) => ${check(rest, item, d, depth + 1)})`;
    }
    const primitive = PRIMITIVE_CHECKS[inner];
    return primitive ? primitive(v) : `${guardName(inner)}(${v}, ${d})`;
  };
  const fieldCheck = (owner: string, f: SpecField): string => {
    const literal = model.literals.get(`${owner}.${f.name}`);
    if (literal !== undefined) return `v === ${JSON.stringify(literal)}`;
    if (owner === "InaccessibleMessage" && f.name === "date") return "v === 0";
    if (isUnsigned(owner, f)) return "isUint(v)";
    return f.types.map((t) => `(${check(t, "v", "d + 1")})`).join(" || ");
  };

  let out = header(model);
  out += '// The guards are a fast path only: `false` means "ask the valibot schema".\n';
  out += 'import { MAX_OBJECT_DEPTH } from "../depth.js";\n';
  out += "\n";
  out += "const OBJECT_PROTOTYPE = Object.prototype;\n";
  out += "type O = Record<string, unknown>;\n\n";
  out += "function isObj(o: unknown): o is O {\n";
  out += '  return typeof o === "object" && o !== null && !Array.isArray(o);\n}\n\n';
  out += "// A plain object with no own `__proto__`, `constructor` or `prototype` key. An own\n";
  out +=
    "// `__proto__` or `constructor` (JSON can carry both) shadows the inherited one, so the two\n";
  out +=
    "// reads see it; `in` finds a `prototype`, which no plain object inherits. Exact for anything\n";
  out +=
    "// JSON.parse returns; only code can build an own key equal to the inherited value, and it\n";
  out +=
    "// passes. The check is written out in each guard, not shared: each guard sees one or two\n";
  out +=
    "// object shapes, so its property reads stay cached, which makes three reads cost a third of\n";
  out += "// three own-property lookups.\n";
  out += "type Plain = { __proto__?: unknown; constructor?: unknown };\n\n";
  out += "function isInt(v: unknown): boolean {\n  return Number.isSafeInteger(v);\n}\n\n";
  out +=
    "function isUint(v: unknown): boolean {\n  return Number.isSafeInteger(v) && (v as number) >= 0;\n}\n\n";
  out += 'function isNum(v: unknown): boolean {\n  return typeof v === "number" && v === v;\n}\n\n';
  out += "function every(v: unknown, item: (x: unknown) => boolean): boolean {\n";
  out += "  if (!Array.isArray(v)) return false;\n";
  out +=
    "  for (let i = 0; i < v.length; i++) if (!item(v[i])) return false;\n  return true;\n}\n\n";

  const objectGuard = (t: SpecType): string => {
    let body = `function ${guardName(t.name)}(o: unknown, d: number): boolean {\n  if (d > MAX_OBJECT_DEPTH) return false;\n${PLAIN_CHECK}`;
    if (t.fields?.length) body += "  let v: unknown;\n";
    for (const f of t.fields ?? []) {
      body += `  v = o[${JSON.stringify(f.name)}];\n`;
      body += f.required
        ? `  if (!(${fieldCheck(t.name, f)})) return false;\n`
        : `  if (v !== undefined && !(${fieldCheck(t.name, f)})) return false;\n`;
    }
    return `${body}  return true;\n}\n\n`;
  };
  for (const t of objects) out += objectGuard(t);

  for (const u of unions) {
    const members = u.subtypes ?? [];
    const objectMembers = members.filter((m) => model.spec.types[m]?.fields);
    let body = `function ${guardName(u.name)}(o: unknown, d: number): boolean {\n`;
    if (u.name === "MaybeInaccessibleMessage") {
      body += "  if (!isObj(o)) return false;\n";
      body += "  return o.date === 0 ? gInaccessibleMessage(o, d) : gMessage(o, d);\n}\n\n";
      out += body;
      continue;
    }
    const key = model.discriminators.get(u.name) as string;
    const extra = members.filter((m) => !objectMembers.includes(m));
    for (const m of extra) {
      body +=
        m === "String"
          ? '  if (typeof o === "string") return true;\n'
          : `  if (Array.isArray(o)) return ${check(m, "o", "d")};\n`;
    }
    body += PLAIN_CHECK;
    body += `  switch (o[${JSON.stringify(key)}]) {\n`;
    const byValue = new Map<string, string[]>();
    for (const m of objectMembers) {
      const value = model.literals.get(`${m}.${key}`) as string;
      byValue.set(value, [...(byValue.get(value) ?? []), m]);
    }
    for (const [value, ms] of byValue) {
      // Shared constants (cached vs. non-cached results): leave the choice to valibot.
      body += `    case ${JSON.stringify(value)}:\n      return ${ms.length === 1 ? `${guardName(ms[0] as string)}(o, d)` : "false"};\n`;
    }
    body += `    default:\n      return typeof o[${JSON.stringify(key)}] === "string";\n  }\n}\n\n`;
    out += body;
  }
  out += "/**\n * Whether a value is an `Update` that the schemas accept exactly as it is.\n";
  out +=
    " *\n * @param value Any value.\n * @returns `true` only when the schema would accept it unchanged.\n */\n";
  out +=
    "export function isCleanUpdate(value: unknown): boolean {\n  return gUpdate(value, 1);\n}\n";
  return out;
}
