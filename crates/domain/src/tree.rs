//! The departments tree: the rules a move must keep.

use crate::ids::DepartmentId;
use std::collections::HashMap;

/// Whether putting `dept` under `new_parent` would make a department its own ancestor.
/// `parents` maps every department of the campus to its parent.
pub fn would_create_cycle(
    parents: &HashMap<DepartmentId, Option<DepartmentId>>,
    dept: DepartmentId,
    new_parent: Option<DepartmentId>,
) -> bool {
    let mut cursor = new_parent;
    // The walk is bounded by the number of departments, so a cycle already in the
    // data (which the store never writes) cannot loop forever.
    for _ in 0..=parents.len() {
        match cursor {
            None => return false,
            Some(p) if p == dept => return true,
            Some(p) => cursor = parents.get(&p).copied().flatten(),
        }
    }
    true
}

/// `root` and every department below it.
pub fn subtree(parents: &HashMap<DepartmentId, Option<DepartmentId>>, root: DepartmentId) -> Vec<DepartmentId> {
    let mut children: HashMap<DepartmentId, Vec<DepartmentId>> = HashMap::new();
    for (&d, &p) in parents {
        if let Some(p) = p {
            children.entry(p).or_default().push(d);
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        if let Some(c) = children.get(&out[i]) {
            for &d in c {
                if !out.contains(&d) {
                    out.push(d);
                }
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> (HashMap<DepartmentId, Option<DepartmentId>>, [DepartmentId; 4]) {
        // a ─ b ─ c ; d alone
        let (a, b, c, d) = (DepartmentId::new(), DepartmentId::new(), DepartmentId::new(), DepartmentId::new());
        let parents = HashMap::from([(a, None), (b, Some(a)), (c, Some(b)), (d, None)]);
        (parents, [a, b, c, d])
    }

    #[test]
    fn cycles_are_found() {
        let (p, [a, b, c, d]) = tree();
        assert!(would_create_cycle(&p, a, Some(c)), "under own grandchild");
        assert!(would_create_cycle(&p, a, Some(a)), "under itself");
        assert!(would_create_cycle(&p, b, Some(c)), "under own child");
        assert!(!would_create_cycle(&p, c, Some(a)), "up the tree");
        assert!(!would_create_cycle(&p, a, Some(d)), "under a sibling root");
        assert!(!would_create_cycle(&p, c, None), "to the top");
    }

    #[test]
    fn subtrees() {
        let (p, [a, b, c, d]) = tree();
        let mut s = subtree(&p, a);
        s.sort();
        let mut want = vec![a, b, c];
        want.sort();
        assert_eq!(s, want);
        assert_eq!(subtree(&p, d), vec![d]);
    }
}
