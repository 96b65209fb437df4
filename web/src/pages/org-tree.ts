// Orders organisations as a tree (support centre, its authorities, their providers) and
// computes the set an administrator manages (their own organisation and its descendants).

import type { Organisation, OrgKind } from "../types";

export interface TreeRow {
  org: Organisation;
  depth: number;
}

const kKindOrder: Record<OrgKind, number> = { support_centre: 0, authority: 1, provider: 2 };

function byKindThenName(a: Organisation, b: Organisation): number {
  return kKindOrder[a.kind] - kKindOrder[b.kind] || a.name.localeCompare(b.name);
}

export function treeRows(orgs: Organisation[]): TreeRow[] {
  const ids = new Set(orgs.map((o) => o.id));
  const children = new Map<number, Organisation[]>();
  const roots: Organisation[] = [];
  for (const o of orgs) {
    if (o.parent_id !== null && ids.has(o.parent_id) && o.parent_id !== o.id) {
      const list = children.get(o.parent_id) ?? [];
      list.push(o);
      children.set(o.parent_id, list);
    } else {
      roots.push(o);
    }
  }
  const rows: TreeRow[] = [];
  const visited = new Set<number>();
  const walk = (o: Organisation, depth: number) => {
    if (visited.has(o.id)) return;
    visited.add(o.id);
    rows.push({ org: o, depth });
    for (const c of (children.get(o.id) ?? []).sort(byKindThenName)) walk(c, depth + 1);
  };
  for (const r of roots.sort(byKindThenName)) walk(r, 0);
  return rows;
}

/** Ids of `rootId` and every organisation below it. */
export function subtreeIds(orgs: Organisation[], rootId: number): Set<number> {
  const result = new Set<number>([rootId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const o of orgs) {
      if (o.parent_id !== null && result.has(o.parent_id) && !result.has(o.id)) {
        result.add(o.id);
        grew = true;
      }
    }
  }
  return result;
}
