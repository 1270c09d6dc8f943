// The flat department list from the API, seen as a tree.
import type { Department, Id } from './api';

export interface DeptTree {
  byId: Map<Id, Department>;
  children: (parent: Id | null) => Department[];
  /** Ancestors from the top down to `id` itself. */
  path: (id: Id) => Department[];
  /** `id` and everything under it. */
  descendants: (id: Id) => Set<Id>;
  /** Every department, depth first, with its depth: for selects and lists. */
  flat: () => Array<{ dept: Department; depth: number }>;
}

export function deptTree(depts: Department[]): DeptTree {
  const byId = new Map(depts.map((d) => [d.id, d]));
  const kids = new Map<Id | null, Department[]>();
  for (const d of depts) {
    // A parent we cannot see is treated as the top, so nothing disappears.
    const p = d.parent_id && byId.has(d.parent_id) ? d.parent_id : null;
    const list = kids.get(p) ?? [];
    list.push(d);
    kids.set(p, list);
  }
  for (const list of kids.values()) list.sort((a, b) => a.position - b.position);

  const children = (parent: Id | null) => kids.get(parent) ?? [];

  const path = (id: Id) => {
    const out: Department[] = [];
    const seen = new Set<Id>();
    let cur = byId.get(id);
    while (cur && !seen.has(cur.id)) {
      seen.add(cur.id);
      out.unshift(cur);
      cur = cur.parent_id ? byId.get(cur.parent_id) : undefined;
    }
    return out;
  };

  const descendants = (id: Id) => {
    const out = new Set<Id>([id]);
    const stack = [id];
    while (stack.length) {
      for (const c of children(stack.pop()!)) {
        if (!out.has(c.id)) {
          out.add(c.id);
          stack.push(c.id);
        }
      }
    }
    return out;
  };

  const flat = () => {
    const out: Array<{ dept: Department; depth: number }> = [];
    const walk = (parent: Id | null, depth: number) => {
      for (const d of children(parent)) {
        out.push({ dept: d, depth });
        walk(d.id, depth + 1);
      }
    };
    walk(null, 0);
    return out;
  };

  return { byId, children, path, descendants, flat };
}
