import ts from "typescript";
import {
  CodegenError,
  type Spec,
  type SpecField,
  type SpecMethod,
  type SpecType,
} from "../spec.ts";
import { descriptionEntries, fieldDescription } from "./markdown-text.ts";
import { NUMBER, numberResolver, resolveNumbers } from "./numbers.ts";

/** The three declaration files of an `@gramio/types` package (`out/*.d.ts`), as text. */
export interface GramioSources {
  objects: string;
  params: string;
  methods: string;
}

const DOC_LINK_RE = /\[Documentation\]\((https:\/\/core\.telegram\.org\/bots\/api)\/?#([^)\s]+)\)/;
const HEADER_RE = /Based on Bot API v(\d+(?:\.\d+)*) \((\d{2})\.(\d{2})\.(\d{4})\)/;
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
/** The member types of `RichText` that the `.d.ts` leaves out (they are in the prose only). */
const PROSE_MEMBERS_RE = /it can be either an? (String)[^,]*, an? (Array of \w+)/;

function jsDocLines(node: ts.Node, file: ts.SourceFile): string[] {
  const ranges = ts.getLeadingCommentRanges(file.text, node.getFullStart()) ?? [];
  const last = ranges.filter((r) => file.text.startsWith("/**", r.pos)).at(-1);
  if (!last) return [];
  const body = file.text.slice(last.pos + 3, last.end - 2);
  return body.split("\n").map((l) => l.replace(/^\s*\* ?/, "").trimEnd());
}

function stripPrefix(name: string): string {
  return name.replace(/^(Objects|Params)\./, "").replace(/^Telegram/, "");
}

function typeName(ref: ts.TypeReferenceNode): string {
  const n = ref.typeName;
  return ts.isIdentifier(n) ? n.text : `${n.left.getText()}.${n.right.text}`;
}

function isWrapper(node: ts.TypeNode): boolean {
  if (!ts.isTypeLiteralNode(node) || node.members.length !== 1) return false;
  const m = node.members[0];
  const name = m?.name && ts.isIdentifier(m.name) ? m.name.text : "";
  return ts.isMethodSignature(m as ts.Node) && (name === "toJSON" || name === "toString");
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** Reads the declarations of one `@gramio/types` release. */
class Converter {
  readonly #aliases = new Map<string, ts.TypeNode>();
  readonly #documented = new Set<string>();

  constructor(readonly files: readonly ts.SourceFile[]) {
    for (const file of files) {
      for (const s of file.statements) {
        if (ts.isTypeAliasDeclaration(s)) this.#aliases.set(stripPrefix(s.name.text), s.type);
      }
    }
  }

  document(name: string): void {
    this.#documented.add(name);
  }

  /** Maps a type node to `api.json` type strings (numbers as {@link NUMBER}). */
  map(node: ts.TypeNode, inObject: boolean): string[] {
    if (ts.isParenthesizedTypeNode(node)) return this.map(node.type, inObject);
    if (ts.isUnionTypeNode(node)) {
      const members = node.types.filter((t) => !isWrapper(t));
      const out = unique(members.flatMap((t) => this.map(t, inObject)));
      if (inObject && out.length === 2 && out.includes("InputFile") && out.includes("String")) {
        return ["String"];
      }
      return out;
    }
    if (ts.isArrayTypeNode(node)) {
      return this.map(node.elementType, inObject).map((t) => `Array of ${t}`);
    }
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return ["String"];
      case ts.SyntaxKind.BooleanKeyword:
        return ["Boolean"];
      case ts.SyntaxKind.NumberKeyword:
        return [NUMBER];
    }
    if (ts.isLiteralTypeNode(node)) {
      const lit = node.literal;
      if (lit.kind === ts.SyntaxKind.TrueKeyword || lit.kind === ts.SyntaxKind.FalseKeyword) {
        return ["Boolean"];
      }
      if (ts.isStringLiteral(lit)) return ["String"];
      if (ts.isNumericLiteral(lit)) return ["Integer"];
    }
    if (ts.isTypeReferenceNode(node)) {
      const raw = typeName(node);
      if (raw === "Exclude" || raw === "Extract") return ["String"];
      const name = stripPrefix(raw);
      if (name === "InputFile") return ["InputFile"];
      if (name === "Currencies") return ["String"];
      if (this.#documented.has(name)) return [name];
      const alias = this.#aliases.get(name);
      if (alias) return this.map(alias, inObject);
      throw new CodegenError(`convert: unknown type reference ${raw}`);
    }
    if (node.kind === ts.SyntaxKind.TypeOperator) return ["String"];
    throw new CodegenError(`convert: cannot map the type ${node.getText()}`);
  }
}

function fieldsOf(
  conv: Converter,
  decl: ts.InterfaceDeclaration,
  file: ts.SourceFile,
  inObject: boolean,
): SpecField[] {
  const fields: SpecField[] = [];
  for (const m of decl.members) {
    if (!ts.isPropertySignature(m) || !m.type || !m.name) continue;
    const name = ts.isIdentifier(m.name) || ts.isStringLiteral(m.name) ? m.name.text : "";
    const field: SpecField = {
      name,
      types: conv.map(m.type, inObject),
      required: m.questionToken === undefined,
    };
    const description = fieldDescription(jsDocLines(m, file));
    if (description !== undefined) field.description = description;
    fields.push(field);
  }
  return fields;
}

function entry<T extends SpecType | SpecMethod>(base: T, lines: string[]): T {
  const description = descriptionEntries(lines);
  if (description.length) base.description = description;
  return base;
}

function header(text: string): Pick<Spec, "version" | "release_date" | "changelog"> {
  const m = HEADER_RE.exec(text);
  if (!m) throw new CodegenError('convert: no "Based on Bot API vX.Y (dd.mm.yyyy)" header');
  const [, version, dd, mm, yyyy] = m as unknown as [string, string, string, string, string];
  const month = MONTHS[Number(mm) - 1]?.toLowerCase() ?? "";
  const day = String(Number(dd));
  return {
    version: `Bot API ${version}`,
    release_date: `${MONTHS[Number(mm) - 1]} ${day}, ${yyyy}`,
    changelog: `https://core.telegram.org/bots/api#${month}-${day}-${yyyy}`,
  };
}

/**
 * Converts the declarations of an `@gramio/types` release into an `api.json` spec.
 *
 * Types are the `Telegram*` interfaces and aliases whose JSDoc links to an anchor of the
 * official page; methods are the members of `APIMethods` with the fields of their `XParams`
 * interface. TypeScript's `number` does not say Integer or Float: each one is resolved
 * against `previous` (see {@link numberResolver}).
 *
 * @param sources The text of `out/objects.d.ts`, `out/params.d.ts` and `out/methods.d.ts`.
 * @param previous The spec this one replaces, for Integer and Float.
 * @returns The converted spec.
 * @throws {CodegenError} When a declaration has a shape the converter does not know.
 */
export function convertGramio(sources: GramioSources, previous?: Spec): Spec {
  const parse = (name: string, text: string) =>
    ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const objects = parse("objects.d.ts", sources.objects);
  const params = parse("params.d.ts", sources.params);
  const methodsFile = parse("methods.d.ts", sources.methods);
  const conv = new Converter([objects, params, methodsFile]);

  type Decl = ts.InterfaceDeclaration | ts.TypeAliasDeclaration;
  const documented: Array<{ decl: Decl; name: string; href: string; lines: string[] }> = [];
  for (const s of objects.statements) {
    if (!ts.isInterfaceDeclaration(s) && !ts.isTypeAliasDeclaration(s)) continue;
    if (!s.name.text.startsWith("Telegram")) continue;
    const lines = jsDocLines(s, objects);
    const link = DOC_LINK_RE.exec(lines.join("\n"));
    if (!link || link[2]!.includes("-")) continue;
    const name = stripPrefix(s.name.text);
    if (name.startsWith("APIResponse") || name === "Currencies") continue;
    documented.push({ decl: s, name, href: `${link[1]}#${link[2]}`, lines });
    conv.document(name);
  }

  const types: Record<string, SpecType> = {};
  for (const { decl, name, href, lines } of documented) {
    const t = entry<SpecType>({ name, href }, lines);
    if (ts.isInterfaceDeclaration(decl)) {
      const fields = fieldsOf(conv, decl, objects, true);
      if (fields.length) t.fields = fields;
    } else if (ts.isUnionTypeNode(decl.type) && name !== "InputFile") {
      const subtypes = conv.map(decl.type, true);
      const prose = PROSE_MEMBERS_RE.exec((t.description ?? []).join(" "));
      t.subtypes = prose ? [prose[1]!, prose[2]!, ...subtypes] : subtypes;
    }
    types[name] = t;
  }
  for (const t of Object.values(types)) {
    for (const s of t.subtypes ?? []) {
      const member = types[s];
      if (member) member.subtype_of = [...(member.subtype_of ?? []), t.name];
    }
  }

  const paramDecls = new Map<string, ts.InterfaceDeclaration>();
  for (const s of params.statements) {
    if (ts.isInterfaceDeclaration(s)) paramDecls.set(s.name.text, s);
  }
  const api = methodsFile.statements.find(
    (s): s is ts.InterfaceDeclaration =>
      ts.isInterfaceDeclaration(s) && s.name.text === "APIMethods",
  );
  if (!api) throw new CodegenError("convert: methods.d.ts has no interface APIMethods");
  const methods: Record<string, SpecMethod> = {};
  for (const m of api.members) {
    if (!ts.isPropertySignature(m) || !m.type || !ts.isTypeReferenceNode(m.type)) continue;
    const name = (m.name as ts.Identifier).text;
    const lines = jsDocLines(m, methodsFile);
    const link = DOC_LINK_RE.exec(lines.join("\n"));
    const args = m.type.typeArguments ?? [];
    const kind = typeName(m.type);
    const returnsNode = kind === "CallAPIWithoutParams" ? args[0] : args[1];
    if (!link || !returnsNode)
      throw new CodegenError(`convert: method ${name} has an unknown shape`);
    const method = entry<SpecMethod>(
      { name, href: `${link[1]}#${link[2]}`, returns: conv.map(returnsNode, false) },
      lines,
    );
    if (kind !== "CallAPIWithoutParams") {
      const ref = args[0];
      const decl =
        ref && ts.isTypeReferenceNode(ref) ? paramDecls.get(stripParams(typeName(ref))) : undefined;
      if (!decl) throw new CodegenError(`convert: no params interface for ${name}`);
      const fields = fieldsOf(conv, decl, params, false);
      if (fields.length) method.fields = fields;
    }
    // `returns` sits before `fields` in api.json; keep that key order.
    methods[name] = reorder(method);
  }

  const resolver = numberResolver(previous);
  for (const [owner, e] of [...Object.entries(types), ...Object.entries(methods)]) {
    for (const f of e.fields ?? [])
      f.types = resolveNumbers(f.types, () => resolver.kind(owner, f.name));
  }
  for (const m of Object.values(methods)) {
    m.returns = resolveNumbers(m.returns, () => "Integer");
  }
  return { ...header(sources.objects), methods, types };
}

function stripParams(name: string): string {
  return name.replace(/^Params\./, "");
}

function reorder(m: SpecMethod): SpecMethod {
  const out: SpecMethod = { name: m.name, href: m.href } as SpecMethod;
  if (m.description) out.description = m.description;
  out.returns = m.returns;
  if (m.fields) out.fields = m.fields;
  return out;
}
