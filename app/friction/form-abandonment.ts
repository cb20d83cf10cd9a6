import type { FieldFocusRow, FormSubmitRow } from "./types";

// Algorithm: per page view and form, a form is started by its first field
// focus. It is abandoned when no submit of that form came at or after its
// last field focus, so a submit that failed validation and sent the shopper
// back to a field still counts as abandoned if they then left. The last
// field focused is blamed, and abandonments are summed per form and field.

export interface AbandonedField {
  formSelector: string;
  field: string;
  abandonments: number;
  /** Share (0..1) of this form's abandonments that ended on this field. */
  shareOfForm: number;
  /** Sessions with at least one abandonment ending on this field. */
  sessions: number;
}

export interface FormAbandonmentSignal {
  kind: "form-abandonment";
  sessionId: string;
  pageViewId: string;
  formSelector: string;
  /** Last field focused before the shopper left the form. */
  field: string;
  at: number;
}

export interface FormAbandonment {
  /** Forms (per page view) with at least one field focus. */
  formsStarted: number;
  formsAbandoned: number;
  /** Most abandonments first. */
  fields: AbandonedField[];
  /** One per abandoned form, for per-session reports and `impact.ts`. */
  signals: FormAbandonmentSignal[];
}

/**
 * Finds the last field focused in forms left unsubmitted, summed per field.
 *
 * NOTE: a page view still open looks abandoned, so pass only page views
 * that have ended (a later page view or 30 minutes without activity).
 */
export function detectFormAbandonment(
  focuses: FieldFocusRow[],
  submits: FormSubmitRow[],
): FormAbandonment {
  const lastFocus = new Map<string, FieldFocusRow>();
  for (const focus of focuses) {
    const key = formKey(focus.pageViewId, focus.formSelector);
    const current = lastFocus.get(key);
    if (!current || focus.at >= current.at) lastFocus.set(key, focus);
  }

  const lastSubmitAt = new Map<string, number>();
  for (const submit of submits) {
    const key = formKey(submit.pageViewId, submit.formSelector);
    lastSubmitAt.set(
      key,
      Math.max(submit.at, lastSubmitAt.get(key) ?? -Infinity),
    );
  }

  const abandoned = [...lastFocus.entries()]
    .filter(([key, focus]) => (lastSubmitAt.get(key) ?? -Infinity) < focus.at)
    .map(([, focus]) => focus);

  return {
    formsStarted: lastFocus.size,
    formsAbandoned: abandoned.length,
    fields: sumByField(abandoned),
    signals: abandoned.map((focus) => ({ kind: "form-abandonment", ...focus })),
  };
}

function formKey(pageViewId: string, formSelector: string): string {
  return `${pageViewId}\u0000${formSelector}`;
}

function sumByField(abandoned: FieldFocusRow[]): AbandonedField[] {
  const byField = new Map<
    string,
    { row: FieldFocusRow; sessions: Set<string>; count: number }
  >();
  const perForm = new Map<string, number>();
  for (const focus of abandoned) {
    const key = formKey(focus.formSelector, focus.field);
    const entry = byField.get(key) ?? {
      row: focus,
      sessions: new Set(),
      count: 0,
    };
    entry.count += 1;
    entry.sessions.add(focus.sessionId);
    byField.set(key, entry);
    perForm.set(focus.formSelector, (perForm.get(focus.formSelector) ?? 0) + 1);
  }

  return [...byField.values()]
    .map(({ row, sessions, count }) => ({
      formSelector: row.formSelector,
      field: row.field,
      abandonments: count,
      shareOfForm: count / (perForm.get(row.formSelector) ?? count),
      sessions: sessions.size,
    }))
    .sort(
      (a, b) =>
        b.abandonments - a.abandonments ||
        a.formSelector.localeCompare(b.formSelector) ||
        a.field.localeCompare(b.field),
    );
}
