//! Who may see and change what. Every handler asks here; nothing else decides.
//!
//! Tenancy first: a campus's directory is read by its own members and managed by its
//! own admins; the registry of schools and campuses is the bureau's. Interconnection
//! widens access to another campus's *external directory* only, through the grants
//! passed to `campus_access` — so every path that reads another campus (directory,
//! search, member card, and later chats) goes through this one function.

use crate::ids::{CampusId, InterconnectionId, MemberId};
use crate::interconnection::{Facts, sees_across};
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
    /// Only the campus's external directory, through a published interconnection (V1, V2).
    External,
    /// Departments and active members, with every directory field.
    Read,
    /// Everything, disabled members and login names included, and every change.
    Manage,
}

/// One interconnection the viewer's campus belongs to, and whether the viewer is in
/// their own campus's external directory of it.
#[derive(Clone, Debug)]
pub struct Grant {
    pub interconnection: InterconnectionId,
    pub facts: Facts,
    pub viewer_exposed: bool,
}

/// How far `viewer` reaches into `campus`'s directory, given the viewer's grants.
pub fn campus_access(viewer: &Viewer, campus: CampusId, grants: &[Grant]) -> Access {
    match (viewer.role, viewer.campus_id) {
        (Role::Admin, Some(own)) if own == campus => Access::Manage,
        (Role::Member, Some(own)) if own == campus => Access::Read,
        (Role::Admin | Role::Member, Some(_)) if !granting(viewer, campus, grants).is_empty() => Access::External,
        _ => Access::None,
    }
}

/// The interconnections through which `viewer` sees `campus`'s external directory.
pub fn granting(viewer: &Viewer, campus: CampusId, grants: &[Grant]) -> Vec<InterconnectionId> {
    let Some(own) = viewer.campus_id else { return Vec::new() };
    if viewer.role == Role::Bureau {
        return Vec::new();
    }
    grants.iter().filter(|g| sees_across(&g.facts, own, g.viewer_exposed, campus)).map(|g| g.interconnection).collect()
}

/// Which of a member's fields a viewer sees, given how far they reach the member's
/// campus and, across campuses, whether that campus shows phone and e-mail. The one
/// rule behind the member card *and* every search, filter or sort over members: a field
/// the card hides can never be searched either. Names, title and departments are shown
/// to whoever sees the member at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shown {
    /// Login name, role and status: the campus's admins only.
    pub account: bool,
    pub phone: bool,
    pub email: bool,
    pub staff_no: bool,
}

/// A field that member search looks in (the store indexes each apart).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SearchField {
    /// Names (zh-Hant, Portuguese) and title: on every card.
    Card,
    StaffNo,
    /// The sign-in name: for those who manage accounts.
    Login,
}

impl SearchField {
    pub fn as_str(self) -> &'static str {
        match self {
            SearchField::Card => "card",
            SearchField::StaffNo => "staff_no",
            SearchField::Login => "login",
        }
    }
}

pub fn shown(access: Access, show_phone: bool, show_email: bool) -> Shown {
    match access {
        Access::Manage => Shown { account: true, phone: true, email: true, staff_no: true },
        Access::Read => Shown { account: false, phone: true, email: true, staff_no: true },
        Access::External => Shown { account: false, phone: show_phone, email: show_email, staff_no: false },
        Access::None => Shown { account: false, phone: false, email: false, staff_no: false },
    }
}

impl Shown {
    /// The indexed fields a search by this viewer may match.
    pub fn searchable(&self) -> Vec<SearchField> {
        let mut v = vec![SearchField::Card];
        if self.staff_no {
            v.push(SearchField::StaffNo);
        }
        if self.account {
            v.push(SearchField::Login);
        }
        v
    }
}

/// What the reach rule needs to know about one member someone wants to reach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub id: MemberId,
    /// `None` for bureau officers.
    pub campus: Option<CampusId>,
    pub active: bool,
    /// The interconnections in which this member is in their own campus's external
    /// directory.
    pub exposed_in: Vec<InterconnectionId>,
}

/// Whether `viewer` reaches `target`: finds them in the directory, may open a chat with
/// them or add them to a group. An active member of the viewer's own campus, or of a
/// campus the viewer sees across (V1, V2) when the target is in that campus's external
/// directory of an interconnection that grants it. The directory, member cards and
/// every conversation path ask this, and nothing else.
pub fn reaches(viewer: &Viewer, grants: &[Grant], target: &Target) -> bool {
    let Some(campus) = target.campus else { return false };
    if !target.active || viewer.role == Role::Bureau {
        return false;
    }
    match campus_access(viewer, campus, grants) {
        Access::Read | Access::Manage => true,
        Access::External => granting(viewer, campus, grants).iter().any(|i| target.exposed_in.contains(i)),
        Access::None => false,
    }
}

/// `reaches` for a whole page or a whole group of targets at once.
pub fn reaches_all<'a>(
    viewer: &Viewer,
    grants: &[Grant],
    targets: impl IntoIterator<Item = &'a Target>,
) -> Vec<(MemberId, bool)> {
    targets.into_iter().map(|t| (t.id, reaches(viewer, grants, t))).collect()
}

/// How much of a platform-wide record (filings, the audit log) a viewer reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Everything: the bureau.
    All,
    /// What concerns this campus: its admins.
    Campus(CampusId),
}

/// The part of filings and the audit log `viewer` may read; `None` for members.
pub fn oversight_scope(viewer: &Viewer) -> Option<Scope> {
    match (viewer.role, viewer.campus_id) {
        (Role::Bureau, _) => Some(Scope::All),
        (Role::Admin, Some(c)) => Some(Scope::Campus(c)),
        _ => None,
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
    use crate::ids::SchoolId;

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
            assert_eq!(campus_access(&v, campus, &[]), want, "{v:?} on {campus:?}");
        }
    }

    /// With an interconnection: only exposed members of a member campus of a published
    /// interconnection reach the other side, and only its external directory.
    #[test]
    fn campus_access_across_an_interconnection() {
        let (a, b, c) = (CampusId::new(), CampusId::new(), CampusId::new());
        let facts = |published, members: &[CampusId]| Facts {
            school: SchoolId::new(),
            initiator: a,
            members: members.to_vec(),
            published,
            dissolved: false,
        };
        let grant = |published, exposed, members: &[CampusId]| Grant {
            interconnection: InterconnectionId::new(),
            facts: facts(published, members),
            viewer_exposed: exposed,
        };
        let cases = [
            (viewer(Role::Member, Some(a)), grant(true, true, &[a, b]), b, Access::External),
            (viewer(Role::Admin, Some(a)), grant(true, true, &[a, b]), b, Access::External),
            (viewer(Role::Member, Some(a)), grant(true, false, &[a, b]), b, Access::None),
            (viewer(Role::Member, Some(a)), grant(false, true, &[a, b]), b, Access::None),
            (viewer(Role::Member, Some(a)), grant(true, true, &[a, b]), c, Access::None),
            (viewer(Role::Member, Some(a)), grant(true, true, &[a, c]), b, Access::None),
            (viewer(Role::Bureau, None), grant(true, true, &[a, b]), b, Access::None),
            (viewer(Role::Member, Some(a)), grant(true, true, &[a, b]), a, Access::Read),
        ];
        for (v, g, campus, want) in cases {
            assert_eq!(campus_access(&v, campus, std::slice::from_ref(&g)), want, "{v:?} {g:?} on {campus:?}");
        }
    }

    /// Reaching one member, as a table over own campus / connected and exposed /
    /// connected but unexposed / unpublished / removed / disabled / bureau.
    #[test]
    fn who_reaches_whom() {
        let (a, b, c) = (CampusId::new(), CampusId::new(), CampusId::new());
        let ic = InterconnectionId::new();
        let other_ic = InterconnectionId::new();
        let grant = |published: bool, viewer_exposed: bool, members: &[CampusId]| Grant {
            interconnection: ic,
            facts: Facts {
                school: SchoolId::new(),
                initiator: a,
                members: members.to_vec(),
                published,
                dissolved: false,
            },
            viewer_exposed,
        };
        let target = |campus, active, exposed_in: &[InterconnectionId]| Target {
            id: MemberId::new(),
            campus: Some(campus),
            active,
            exposed_in: exposed_in.to_vec(),
        };
        let teacher = viewer(Role::Member, Some(a));
        let admin = viewer(Role::Admin, Some(a));
        let cases: Vec<(&str, Viewer, Vec<Grant>, Target, bool)> = vec![
            ("own campus", teacher, vec![], target(a, true, &[]), true),
            ("own campus, disabled", teacher, vec![], target(a, false, &[]), false),
            ("own campus admin, disabled target", admin, vec![], target(a, false, &[]), false),
            ("connected, both exposed", teacher, vec![grant(true, true, &[a, b])], target(b, true, &[ic]), true),
            (
                "connected, target exposed elsewhere",
                teacher,
                vec![grant(true, true, &[a, b])],
                target(b, true, &[other_ic]),
                false,
            ),
            ("connected, target not exposed", teacher, vec![grant(true, true, &[a, b])], target(b, true, &[]), false),
            (
                "connected, viewer not exposed (V2)",
                teacher,
                vec![grant(true, false, &[a, b])],
                target(b, true, &[ic]),
                false,
            ),
            (
                "admin not exposed (V2 holds for admins)",
                admin,
                vec![grant(true, false, &[a, b])],
                target(b, true, &[ic]),
                false,
            ),
            ("unpublished", teacher, vec![grant(false, true, &[a, b])], target(b, true, &[ic]), false),
            ("campus removed", teacher, vec![grant(true, true, &[a])], target(b, true, &[ic]), false),
            ("a third campus", teacher, vec![grant(true, true, &[a, b])], target(c, true, &[ic]), false),
            ("connected but disabled", teacher, vec![grant(true, true, &[a, b])], target(b, false, &[ic]), false),
            ("bureau", viewer(Role::Bureau, None), vec![grant(true, true, &[a, b])], target(b, true, &[ic]), false),
        ];
        for (what, v, grants, t, want) in cases {
            assert_eq!(reaches(&v, &grants, &t), want, "{what}");
            assert_eq!(reaches_all(&v, &grants, [&t]), vec![(t.id, want)], "{what}, batched");
        }
        let bureau_target = Target { id: MemberId::new(), campus: None, active: true, exposed_in: vec![] };
        assert!(!reaches(&teacher, &[], &bureau_target), "nobody reaches a bureau officer");
    }

    /// Every field that can be hidden, for every access: the card and search agree
    /// because both read `shown`.
    #[test]
    fn hidden_fields_are_neither_shown_nor_searchable() {
        for access in [Access::None, Access::External, Access::Read, Access::Manage] {
            for (phone, email) in [(false, false), (true, false), (false, true), (true, true)] {
                let s = shown(access, phone, email);
                assert_eq!(s.searchable().contains(&SearchField::StaffNo), s.staff_no, "{access:?}");
                assert!(s.searchable().contains(&SearchField::Card));
                if access == Access::External {
                    assert_eq!((s.phone, s.email, s.staff_no, s.account), (phone, email, false, false));
                }
            }
        }
        assert!(shown(Access::Manage, false, false).account);
        assert!(!shown(Access::Read, true, true).account, "readers never see login names");
    }

    #[test]
    fn only_the_bureau_keeps_the_registry() {
        let a = CampusId::new();
        assert!(may_manage_registry(&viewer(Role::Bureau, None)));
        assert!(!may_manage_registry(&viewer(Role::Admin, Some(a))));
        assert!(!may_manage_registry(&viewer(Role::Member, Some(a))));
    }

    #[test]
    fn oversight_scopes() {
        let a = CampusId::new();
        assert_eq!(oversight_scope(&viewer(Role::Bureau, None)), Some(Scope::All));
        assert_eq!(oversight_scope(&viewer(Role::Admin, Some(a))), Some(Scope::Campus(a)));
        assert_eq!(oversight_scope(&viewer(Role::Member, Some(a))), None);
        assert_eq!(
            oversight_scope(&viewer(Role::Admin, None)),
            None,
            "an admin without a campus sees nothing, not everything"
        );
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
