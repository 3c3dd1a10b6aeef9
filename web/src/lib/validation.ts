import type { FieldIssue } from '@todo/shared/contract';

export type FieldErrors<K extends string> = Partial<Record<K, string>>;

interface IssueLike {
  path: PropertyKey[];
  message: string;
}

/** "Title" + "is required" → "Title is required." A message that already reads as a sentence is kept. */
export function sentence(label: string, message: string): string {
  const trimmed = message.trim();
  const full = /^[A-Z]/.test(trimmed) ? trimmed : `${label} ${trimmed}`;
  return /[.!?]$/.test(full) ? full : `${full}.`;
}

/** The first problem per field from a zod parse, as sentences keyed by field name. */
export function errorsFromIssues<K extends string>(issues: readonly IssueLike[], labels: Record<K, string>): FieldErrors<K> {
  const errors: FieldErrors<K> = {};
  for (const issue of issues) {
    const key = issue.path[0];
    if (typeof key !== 'string' || !Object.hasOwn(labels, key)) continue;
    const field = key as K;
    errors[field] ??= sentence(labels[field], issue.message);
  }
  return errors;
}

/** The API's validation_failed `fields`, as sentences keyed by field name. */
export function errorsFromApi<K extends string>(fields: readonly FieldIssue[], labels: Record<K, string>): FieldErrors<K> {
  return errorsFromIssues(
    fields.map((f) => ({ path: [f.field], message: f.message })),
    labels,
  );
}

export const hasErrors = (errors: Partial<Record<string, string>>): boolean =>
  Object.values(errors).some((message) => Boolean(message));
