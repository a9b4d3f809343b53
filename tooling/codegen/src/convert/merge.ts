import type { Spec, SpecField, SpecMethod, SpecType } from "../spec.ts";

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function isPrefix(
  short: readonly string[] | undefined,
  long: readonly string[] | undefined,
): boolean {
  const s = short ?? [];
  const l = long ?? [];
  return s.length <= l.length && s.every((line, i) => line === l[i]);
}

function mergeField(next: SpecField, prev: SpecField | undefined): SpecField {
  if (!prev || !same(next.types, prev.types) || next.required !== prev.required) return next;
  return next.description === undefined || next.description === prev.description ? prev : next;
}

/** The key order of an `api.json` entry. */
const KEY_ORDER = ["name", "href", "description", "returns", "fields", "subtypes", "subtype_of"];

function mergeEntry<T extends SpecType | SpecMethod>(next: T, prev: T | undefined): T {
  if (!prev) return next;
  const merged: Record<string, unknown> = { ...next };
  if (prev.description && isPrefix(next.description, prev.description)) {
    merged.description = prev.description;
  }
  if (next.fields) {
    const byName = new Map((prev.fields ?? []).map((f) => [f.name, f]));
    merged.fields = next.fields.map((f) => mergeField(f, byName.get(f.name)));
  }
  const ordered: Record<string, unknown> = {};
  for (const key of [...KEY_ORDER, ...Object.keys(merged)]) {
    if (merged[key] !== undefined && !(key in ordered)) ordered[key] = merged[key];
  }
  return (same(ordered, prev) ? prev : ordered) as T;
}

/**
 * Merges a converted spec with the one it replaces: wherever the conversion reports an entry,
 * a field or a description unchanged, the previous text is kept. This restores the paragraphs
 * a converted source drops (for example a trailing "Note:" after a list) as long as Telegram
 * did not edit that entry; everything the new source changes comes from the new source.
 *
 * @param next The converted spec.
 * @param previous The spec it replaces.
 * @returns The merged spec: `next`'s entries, names, order and header.
 */
export function mergeWithPrevious(next: Spec, previous: Spec): Spec {
  const methods: Record<string, SpecMethod> = {};
  for (const [name, m] of Object.entries(next.methods)) {
    methods[name] = mergeEntry(m, previous.methods[name]);
  }
  const types: Record<string, SpecType> = {};
  for (const [name, t] of Object.entries(next.types)) {
    types[name] = mergeEntry(t, previous.types[name]);
  }
  return { ...next, methods, types };
}
