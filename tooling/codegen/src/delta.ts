import type { Spec, SpecField } from "./spec.ts";

/** How one field or parameter changed: its types or whether it is required. */
export interface FieldChange {
  name: string;
  from: { types: string[]; required: boolean };
  to: { types: string[]; required: boolean };
}

/** What changed in one method or type that both specs have. */
export interface EntryChange {
  name: string;
  fieldsAdded: string[];
  fieldsRemoved: string[];
  fieldsChanged: FieldChange[];
  /** Methods: the return types, when they changed. */
  returns?: { from: string[]; to: string[] };
  /** Unions: members added and removed. */
  subtypesAdded: string[];
  subtypesRemoved: string[];
}

/** The changes of one section (`methods` or `types`). */
export interface SectionDelta {
  added: string[];
  removed: string[];
  changed: EntryChange[];
}

/** The difference between two specs, in the terms a user of the API cares about. */
export interface SpecDelta {
  from: string;
  to: string;
  methods: SectionDelta;
  types: SectionDelta;
}

type Entry = { fields?: SpecField[]; returns?: string[]; subtypes?: string[] };

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function entryChange(name: string, a: Entry, b: Entry): EntryChange | undefined {
  const before = new Map((a.fields ?? []).map((f) => [f.name, f]));
  const after = new Map((b.fields ?? []).map((f) => [f.name, f]));
  const change: EntryChange = {
    name,
    fieldsAdded: [...after.keys()].filter((k) => !before.has(k)),
    fieldsRemoved: [...before.keys()].filter((k) => !after.has(k)),
    fieldsChanged: [],
    subtypesAdded: (b.subtypes ?? []).filter((s) => !(a.subtypes ?? []).includes(s)),
    subtypesRemoved: (a.subtypes ?? []).filter((s) => !(b.subtypes ?? []).includes(s)),
  };
  for (const [key, f] of before) {
    const g = after.get(key);
    if (g && (!sameList(f.types, g.types) || f.required !== g.required)) {
      change.fieldsChanged.push({
        name: key,
        from: { types: f.types, required: f.required },
        to: { types: g.types, required: g.required },
      });
    }
  }
  if (a.returns && b.returns && !sameList(a.returns, b.returns)) {
    change.returns = { from: a.returns, to: b.returns };
  }
  const empty =
    !change.fieldsAdded.length &&
    !change.fieldsRemoved.length &&
    !change.fieldsChanged.length &&
    !change.returns &&
    !change.subtypesAdded.length &&
    !change.subtypesRemoved.length;
  return empty ? undefined : change;
}

function section(a: Record<string, Entry>, b: Record<string, Entry>): SectionDelta {
  const changed: EntryChange[] = [];
  for (const [name, entry] of Object.entries(b)) {
    const old = a[name];
    const c = old && entryChange(name, old, entry);
    if (c) changed.push(c);
  }
  return {
    added: Object.keys(b).filter((k) => !(k in a)),
    removed: Object.keys(a).filter((k) => !(k in b)),
    changed,
  };
}

/**
 * Compares two specs: methods and types added and removed, and per entry the fields added,
 * removed or changed (types, required), return types and union members. Description edits
 * are not reported.
 *
 * @param before The old spec.
 * @param after The new spec.
 * @returns The delta.
 */
export function specDelta(before: Spec, after: Spec): SpecDelta {
  return {
    from: before.version,
    to: after.version,
    methods: section(before.methods, after.methods),
    types: section(before.types, after.types),
  };
}

function side(s: { types: string[]; required: boolean }): string {
  return `${s.types.join(" | ")} (${s.required ? "required" : "optional"})`;
}

function list(names: readonly string[]): string {
  return names.join(", ");
}

/**
 * Renders a delta as text, one line per change, for a terminal or a changeset.
 *
 * @param delta The delta.
 * @returns The text (ends with a newline).
 */
export function formatDelta(delta: SpecDelta): string {
  const lines = [`${delta.from} -> ${delta.to}`];
  for (const key of ["methods", "types"] as const) {
    const s = delta[key];
    lines.push(`${key}: +${s.added.length} -${s.removed.length} ~${s.changed.length}`);
    if (s.added.length) lines.push(`  added: ${list(s.added)}`);
    if (s.removed.length) lines.push(`  removed: ${list(s.removed)}`);
    for (const c of s.changed) {
      const parts: string[] = [];
      if (c.fieldsAdded.length) parts.push(`+${list(c.fieldsAdded)}`);
      if (c.fieldsRemoved.length) parts.push(`-${list(c.fieldsRemoved)}`);
      for (const f of c.fieldsChanged) parts.push(`~${f.name}: ${side(f.from)} -> ${side(f.to)}`);
      if (c.returns) parts.push(`returns ${list(c.returns.from)} -> ${list(c.returns.to)}`);
      if (c.subtypesAdded.length) parts.push(`members +${list(c.subtypesAdded)}`);
      if (c.subtypesRemoved.length) parts.push(`members -${list(c.subtypesRemoved)}`);
      lines.push(`  ${c.name}: ${parts.join("; ")}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
