import { emitGuards } from "./emit-guards.ts";
import { emitSchemas } from "./emit-schemas.ts";
import { emitIndex, emitMethods, emitSpecTable, emitTypes, emitUpdateKinds } from "./emit-types.ts";
import { buildModel } from "./model.ts";
import { asSpec, type Spec } from "./spec.ts";

export { buildModel, discriminatorValue, enumValues } from "./model.ts";
export {
  asSpec,
  CodegenError,
  type Spec,
  type SpecField,
  type SpecMethod,
  type SpecType,
} from "./spec.ts";

/** The files the generator writes, relative to the output folder. */
export type GeneratedFiles = Record<string, string>;

/**
 * Generates every file of `@bot/types/src/generated` from the spec.
 *
 * @param spec The parsed `api.json`.
 * @returns File name to content, in a fixed order.
 */
export function generate(spec: Spec | unknown): GeneratedFiles {
  const model = buildModel(asSpec(spec));
  const files: GeneratedFiles = {
    "types.ts": emitTypes(model),
    "methods.ts": emitMethods(model),
    "update-kinds.ts": emitUpdateKinds(model),
    "spec-table.ts": emitSpecTable(model),
    "schemas.ts": emitSchemas(model),
    "guards.ts": emitGuards(model),
  };
  files["index.ts"] = emitIndex(model, files);
  return files;
}

export { convertGramio, type GramioSources } from "./convert/gramio.ts";
export { mergeWithPrevious } from "./convert/merge.ts";
export {
  type EntryChange,
  type FieldChange,
  formatDelta,
  type SectionDelta,
  type SpecDelta,
  specDelta,
} from "./delta.ts";
export { findDrift } from "./drift.ts";
export { readSpec, serializeSpec, writeSpec } from "./spec-io.ts";
export { specPath, VENDORED_SPEC_PATH } from "./spec-location.ts";
export {
  loadSource,
  type SpecUpdateOptions,
  type SpecUpdateResult,
  updateSpec,
} from "./spec-update.ts";
