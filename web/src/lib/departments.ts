// The flat department list from the API, seen as a tree.
import type { Department, Id } from './api';
import { t } from './i18n.svelte';

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

/** A member as the counts below need them. */
export interface Placed {
  id: Id;
  department_ids: Id[];
}

/**
 * How many of `members` each department holds with its sub-departments, each member once
 * (a member in two sub-departments of 教務處 counts once for 教務處).
 */
export function subtreeCounts(tree: DeptTree, members: Placed[]): Map<Id, number> {
  const out = new Map<Id, number>();
  for (const m of members) {
    const under = new Set<Id>();
    for (const id of m.department_ids) for (const d of tree.path(id)) under.add(d.id);
    for (const id of under) out.set(id, (out.get(id) ?? 0) + 1);
  }
  return out;
}

/**
 * How many of `members` an external directory shows: everyone in a chosen department or
 * under one, and the members chosen one by one — each once, as the server counts them.
 */
export function exposedCount(tree: DeptTree, members: Placed[], departmentIds: Iterable<Id>, memberIds: ReadonlySet<Id>): number {
  const covered = new Set<Id>();
  for (const id of departmentIds) for (const d of tree.descendants(id)) covered.add(d);
  return members.filter((m) => memberIds.has(m.id) || m.department_ids.some((id) => covered.has(id))).length;
}

/** A department's line under its name in a directory list: "4 個子部門 · 0 位成員", or
 *  for one shown only as the way to those under it, how many there are. */
export function deptSummary(tree: DeptTree, d: Department): string {
  const subs = tree.children(d.id).length;
  if (d.exposed === false) return t('contacts-path-only-subs', { depts: subs });
  return subs ? t('dept-summary', { depts: subs, members: d.member_count }) : t('member-count', { count: d.member_count });
}
