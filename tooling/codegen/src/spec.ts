/** One field of a type, or one parameter of a method, as the spec writes it. */
export interface SpecField {
  name: string;
  types: string[];
  required: boolean;
  /** The field's text; absent when the official page gives none. */
  description?: string;
}

/** A method entry of `api.json`. */
export interface SpecMethod {
  name: string;
  href: string;
  /** The paragraphs of the entry; absent when the official page has none. */
  description?: string[];
  returns: string[];
  fields?: SpecField[];
}

/** A type entry of `api.json`: a concrete object, a union (`subtypes`) or a marker. */
export interface SpecType {
  name: string;
  href: string;
  /** The paragraphs of the entry; absent when the official page has none (`EphemeralMessageParameters` in 10.3). */
  description?: string[];
  fields?: SpecField[];
  subtypes?: string[];
  subtype_of?: string[];
}

/** The whole spec file. */
export interface Spec {
  version: string;
  release_date: string;
  changelog: string;
  methods: Record<string, SpecMethod>;
  types: Record<string, SpecType>;
}

/** Raised when the spec cannot be turned into code without guessing. */
export class CodegenError extends Error {
  override readonly name = "CodegenError";
}

/**
 * Checks the rough shape of a parsed `api.json` and returns it typed.
 *
 * @param data The parsed JSON.
 * @returns The spec.
 */
export function asSpec(data: unknown): Spec {
  const spec = data as Partial<Spec> | null;
  if (
    !spec ||
    typeof spec.version !== "string" ||
    typeof spec.methods !== "object" ||
    typeof spec.types !== "object"
  ) {
    throw new CodegenError("codegen: the spec must be an object with version, methods and types");
  }
  for (const [key, m] of Object.entries(spec.methods ?? {})) {
    if (!Array.isArray(m.returns) || m.returns.length === 0) {
      throw new CodegenError(`codegen: method ${key} has no return type`);
    }
  }
  return spec as Spec;
}
