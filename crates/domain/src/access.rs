//! Who may see and change what. Every handler asks here; nothing else decides.
//!
//! Today the rule is tenancy: a campus's directory is read by its own members and
//! managed by its own admins; the registry of schools and campuses is the bureau's.
//! Interconnection widens *read* access through `campus_access` alone, so every path
//! that reads another campus keeps going through this one function.

use crate::ids::{CampusId, MemberId};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// An officer of the education bureau: keeps the registry; belongs to no campus.
    Bureau,
    /// A campus administrator.
    Admin,
    /// A teacher or other staff member.
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Bureau => "bureau",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "bureau" => Some(Role::Bureau),
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            _ => None,
        }
    }
}

/// The signed-in person asking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Viewer {
    pub member_id: MemberId,
    pub role: Role,
    /// `None` for bureau officers.
    pub campus_id: Option<CampusId>,
}

/// How much of a campus's directory a viewer reaches. Ordered: `Manage` implies `Read`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// Nothing: the campus answers as if it did not exist.
    None,
    /// Departments and active members, with every directory field.
    Read,
    /// Everything, disabled members and login names included, and every change.
    Manage,
}

/// How far `viewer` reaches into `campus`'s directory.
pub fn campus_access(viewer: &Viewer, campus: CampusId) -> Access {
    match (viewer.role, viewer.campus_id) {
        (Role::Admin, Some(own)) if own == campus => Access::Manage,
        (Role::Member, Some(own)) if own == campus => Access::Read,
        _ => Access::None,
    }
}

/// Whether `viewer` keeps the registry (schools, campuses, their first admins).
pub fn may_manage_registry(viewer: &Viewer) -> bool {
    viewer.role == Role::Bureau
}

/// Whether an admin may disable `target`: never themself, so a campus cannot lock out
/// the admin who is doing the locking by mistake.
pub fn may_disable(viewer: &Viewer, target: MemberId) -> bool {
    viewer.member_id != target
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(role: Role, campus: Option<CampusId>) -> Viewer {
        Viewer { member_id: MemberId::new(), role, campus_id: campus }
    }

    /// The whole matrix: every role, on its own campus, on another campus.
    #[test]
    fn campus_access_matrix() {
        let a = CampusId::new();
        let b = CampusId::new();
        let cases = [
            (viewer(Role::Admin, Some(a)), a, Access::Manage),
            (viewer(Role::Admin, Some(a)), b, Access::None),
            (viewer(Role::Member, Some(a)), a, Access::Read),
            (viewer(Role::Member, Some(a)), b, Access::None),
            (viewer(Role::Bureau, None), a, Access::None),
            (viewer(Role::Bureau, None), b, Access::None),
            // A bureau role with a campus is not a campus admin.
            (viewer(Role::Bureau, Some(a)), a, Access::None),
        ];
        for (v, campus, want) in cases {
            assert_eq!(campus_access(&v, campus), want, "{v:?} on {campus:?}");
        }
    }

    #[test]
    fn only_the_bureau_keeps_the_registry() {
        let a = CampusId::new();
        assert!(may_manage_registry(&viewer(Role::Bureau, None)));
        assert!(!may_manage_registry(&viewer(Role::Admin, Some(a))));
        assert!(!may_manage_registry(&viewer(Role::Member, Some(a))));
    }

    #[test]
    fn admins_cannot_disable_themselves() {
        let v = viewer(Role::Admin, Some(CampusId::new()));
        assert!(!may_disable(&v, v.member_id));
        assert!(may_disable(&v, MemberId::new()));
    }

    #[test]
    fn roles_round_trip() {
        for r in [Role::Bureau, Role::Admin, Role::Member] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
