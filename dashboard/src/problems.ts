// A refusal in the viewer's words: the API's error codes (`apiErrors.*`), the engine's reason codes
// for terminal decisions (`reasons.*`), and — for a form — the API's invalid fields put on the form's
// own fields (antd `setFields`), so a person sees which box to fix. The server's message is never
// shown as markup; React renders it as text.

import type { FormInstance } from 'antd';
import type { TFunction } from 'i18next';
import { ApiProblem } from './http';
import { Problem } from './api';

/** One sentence for a failed call. */
export function problemText(t: TFunction, error: unknown): string {
  if (error instanceof ApiProblem) {
    const text = t(`apiErrors.${error.code}`, { seconds: error.retryAfter ?? 60 });
    // A refusal the API explains field by field: name the fields too.
    if (error.code === 'BAD_REQUEST' && error.issues.length > 0) return `${text}: ${error.issues.map((issue) => `${issue.path} — ${issue.message}`).join('; ')}`;
    if (error.code === 'CONFLICT' && error.message !== '') return `${text} (${error.message})`;
    return text;
  }
  if (error instanceof Problem) return t(`reasons.${error.code}`, { defaultValue: t('errors.other', { code: error.code }) });
  return t('errors.other', { code: error instanceof Error ? error.message : String(error) });
}

/**
 * Puts the API's invalid fields (`body.limits.day` → form field `['limits','day']`) on the form;
 * answers true when at least one matched a field of the form.
 */
export function showFieldIssues(form: FormInstance, error: unknown): boolean {
  if (!(error instanceof ApiProblem) || error.issues.length === 0) return false;
  const known = new Set(Object.keys(form.getFieldsValue(true) as Record<string, unknown>));
  const fields = error.issues
    .map((issue) => ({ name: issue.path.replace(/^(body|query)\./, '').split('.'), errors: [issue.message] }))
    .filter((field) => field.name[0] !== undefined && known.has(field.name[0]));
  form.setFields(fields);
  return fields.length > 0;
}
