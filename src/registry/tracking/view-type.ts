// MLflow's ViewType: which lifecycle stages a search returns.
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export function stagesOf(viewType: ViewType | null | undefined): ('active' | 'deleted')[] {
  if (viewType === 'DELETED_ONLY') return ['deleted'];
  if (viewType === 'ALL') return ['active', 'deleted'];
  return ['active'];
}
