// Server errors placed on the form fields they concern (`data.lineage.issues[].field`).
interface LineageErrorBody {
  code: string;
  message: string;
  field?: string;
  accepted?: string;
  issues?: { field: string; message: string; accepted?: string }[];
}

export function lineageIssues(error: { message: string; data?: unknown }): { byField: Record<string, string>; unplaced: string | null } {
  const body = (error.data as { lineage?: LineageErrorBody | null } | undefined)?.lineage;
  const byField: Record<string, string> = {};
  for (const issue of body?.issues ?? []) {
    byField[issue.field] ??= issue.accepted ? `${issue.message} (accepted: ${issue.accepted})` : issue.message;
  }
  if (body?.field && !byField[body.field]) byField[body.field] = body.message;
  return { byField, unplaced: Object.keys(byField).length ? null : (body?.message ?? error.message) };
}
