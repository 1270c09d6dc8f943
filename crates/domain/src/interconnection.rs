//! Campus interconnection (校部互聯), as the bureau's guide describes it: filing (F1–F4),
//! invitation and acceptance (S1–S3), each campus's external directory (S4),
//! publishing by the initiator (S5), who sees whom (V1, V2), and removal (D1, D2).
//! Pure rules over plain facts; the store loads the facts, the handlers ask here.

use crate::access::{Role, Viewer};
use crate::ids::{CampusId, SchoolId};
use serde::Serialize;
use std::collections::HashSet;

/// Why an interconnection step is refused, as a stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// Only a campus admin may do this.
    NotAdmin,
    /// R1: interconnection is only between campuses of the same school.
    OtherSchool,
    /// Only the initiating campus's admin may do this (S5, D1).
    NotInitiator,
    /// The invitation's time ran out.
    InvitationExpired,
    InvitationUsed,
    InvitationRevoked,
    /// With `require_filing`, campuses must be covered by a confirmed filing (F1–F4).
    FilingRequired,
    /// The campus is already a member of this interconnection.
    AlreadyMember,
    /// The campus is not (or no longer) a member.
    NotMember,
    /// The interconnection was dissolved.
    Dissolved,
    /// A filing needs at least two campuses, the filer's own among them.
    FilingCampuses,
    /// The initiator cannot remove itself; it dissolves by removing the others.
    CannotRemoveInitiator,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::NotAdmin => "not_admin",
            Refusal::OtherSchool => "other_school",
            Refusal::NotInitiator => "not_initiator",
            Refusal::InvitationExpired => "invitation_expired",
            Refusal::InvitationUsed => "invitation_used",
            Refusal::InvitationRevoked => "invitation_revoked",
            Refusal::FilingRequired => "filing_required",
            Refusal::AlreadyMember => "already_member",
            Refusal::NotMember => "not_member",
            Refusal::Dissolved => "interconnection_dissolved",
            Refusal::FilingCampuses => "filing_campuses",
            Refusal::CannotRemoveInitiator => "cannot_remove_initiator",
        }
    }

    pub const ALL: &'static [Refusal] = &[
        Refusal::NotAdmin,
        Refusal::OtherSchool,
        Refusal::NotInitiator,
        Refusal::InvitationExpired,
        Refusal::InvitationUsed,
        Refusal::InvitationRevoked,
        Refusal::FilingRequired,
        Refusal::AlreadyMember,
        Refusal::NotMember,
        Refusal::Dissolved,
        Refusal::FilingCampuses,
        Refusal::CannotRemoveInitiator,
    ];
}

/// What the rules need to know about one interconnection.
#[derive(Clone, Debug)]
pub struct Facts {
    pub school: SchoolId,
    pub initiator: CampusId,
    /// Current member campuses, the initiator included.
    pub members: Vec<CampusId>,
    pub published: bool,
    pub dissolved: bool,
}

impl Facts {
    pub fn is_member(&self, campus: CampusId) -> bool {
        !self.dissolved && self.members.contains(&campus)
    }
}

fn admin_campus(viewer: &Viewer) -> Result<CampusId, Refusal> {
    match (viewer.role, viewer.campus_id) {
        (Role::Admin, Some(c)) => Ok(c),
        _ => Err(Refusal::NotAdmin),
    }
}

/// F1–F2: an admin files campuses of their own school, their own campus among them.
pub fn may_file(viewer: &Viewer, own_school: SchoolId, campuses: &[(CampusId, SchoolId)]) -> Result<(), Refusal> {
    let own = admin_campus(viewer)?;
    if campuses.iter().any(|(_, s)| *s != own_school) {
        return Err(Refusal::OtherSchool);
    }
    let distinct: HashSet<CampusId> = campuses.iter().map(|(c, _)| *c).collect();
    if distinct.len() < 2 || !distinct.contains(&own) {
        return Err(Refusal::FilingCampuses);
    }
    Ok(())
}

/// F3: only the bureau confirms or rejects a filing.
pub fn may_decide_filing(viewer: &Viewer) -> bool {
    viewer.role == Role::Bureau
}

/// S2: an admin starts an interconnection of their campus, once a filing covers it with
/// another campus when one is required: before that it could invite no one, and each
/// try would leave one behind.
pub fn may_create(viewer: &Viewer, filed: bool) -> Result<(), Refusal> {
    admin_campus(viewer)?;
    if !filed {
        return Err(Refusal::FilingRequired);
    }
    Ok(())
}

/// S2: the initiator's admin invites (with a filing covering the campuses when required).
pub fn may_invite(viewer: &Viewer, ic: &Facts, filed: bool) -> Result<(), Refusal> {
    let own = admin_campus(viewer)?;
    if ic.dissolved {
        return Err(Refusal::Dissolved);
    }
    if own != ic.initiator {
        return Err(Refusal::NotInitiator);
    }
    if !filed {
        return Err(Refusal::FilingRequired);
    }
    Ok(())
}

/// The state of an invitation token at `now` (ms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub expires_at: i64,
    pub used: bool,
    pub revoked: bool,
}

pub fn token_usable(t: &Token, now: i64) -> Result<(), Refusal> {
    if t.revoked {
        Err(Refusal::InvitationRevoked)
    } else if t.used {
        Err(Refusal::InvitationUsed)
    } else if now >= t.expires_at {
        Err(Refusal::InvitationExpired)
    } else {
        Ok(())
    }
}

/// S3: an admin of another campus of the same school accepts a live invitation.
/// `filed`: a confirmed filing covers the initiator and the accepting campus (or
/// filing is not required).
pub fn may_accept(
    viewer: &Viewer,
    viewer_school: SchoolId,
    ic: &Facts,
    token: &Token,
    now: i64,
    filed: bool,
) -> Result<(), Refusal> {
    let own = admin_campus(viewer)?;
    token_usable(token, now)?;
    if ic.dissolved {
        return Err(Refusal::Dissolved);
    }
    if viewer_school != ic.school {
        return Err(Refusal::OtherSchool);
    }
    if ic.members.contains(&own) {
        return Err(Refusal::AlreadyMember);
    }
    if !filed {
        return Err(Refusal::FilingRequired);
    }
    Ok(())
}

/// S4: each campus's own admin, and only they, choose what their campus shows.
pub fn may_set_exposure(viewer: &Viewer, campus: CampusId, ic: &Facts) -> Result<(), Refusal> {
    let own = admin_campus(viewer)?;
    if own != campus {
        return Err(Refusal::NotAdmin);
    }
    if !ic.is_member(campus) {
        return Err(if ic.dissolved { Refusal::Dissolved } else { Refusal::NotMember });
    }
    Ok(())
}

/// S5: only the initiator's admin publishes.
pub fn may_publish(viewer: &Viewer, ic: &Facts) -> Result<(), Refusal> {
    let own = admin_campus(viewer)?;
    if ic.dissolved {
        return Err(Refusal::Dissolved);
    }
    if own != ic.initiator {
        return Err(Refusal::NotInitiator);
    }
    Ok(())
}

/// D1: only the initiator's admin removes another current member campus.
pub fn may_remove(viewer: &Viewer, ic: &Facts, target: CampusId) -> Result<(), Refusal> {
    let own = admin_campus(viewer)?;
    if ic.dissolved {
        return Err(Refusal::Dissolved);
    }
    if own != ic.initiator {
        return Err(Refusal::NotInitiator);
    }
    if target == ic.initiator {
        return Err(Refusal::CannotRemoveInitiator);
    }
    if !ic.members.contains(&target) {
        return Err(Refusal::NotMember);
    }
    Ok(())
}

/// Whether removing `target` leaves the initiator alone, which dissolves it.
pub fn removal_dissolves(ic: &Facts, target: CampusId) -> bool {
    ic.members.iter().filter(|c| **c != target && **c != ic.initiator).count() == 0
}

/// V1, V2: whether a member of `own` campus, who is (`viewer_exposed`) or is not in
/// their own campus's external directory of `ic`, sees `other` campus's external
/// directory through `ic`.
pub fn sees_across(ic: &Facts, own: CampusId, viewer_exposed: bool, other: CampusId) -> bool {
    own != other && ic.published && !ic.dissolved && ic.is_member(own) && ic.is_member(other) && viewer_exposed
}

#[cfg(test)]
#[allow(clippy::type_complexity)] // tables of cases read best inline
mod tests {
    use super::*;
    use crate::ids::MemberId;

    struct World {
        school: SchoolId,
        other_school: SchoolId,
        a: CampusId,
        b: CampusId,
        c: CampusId,
        x: CampusId,
    }

    fn world() -> World {
        World {
            school: SchoolId::new(),
            other_school: SchoolId::new(),
            a: CampusId::new(),
            b: CampusId::new(),
            c: CampusId::new(),
            x: CampusId::new(),
        }
    }

    fn admin(c: CampusId) -> Viewer {
        Viewer { member_id: MemberId::new(), role: Role::Admin, campus_id: Some(c) }
    }
    fn member(c: CampusId) -> Viewer {
        Viewer { member_id: MemberId::new(), role: Role::Member, campus_id: Some(c) }
    }

    fn ic(w: &World, members: &[CampusId], published: bool, dissolved: bool) -> Facts {
        Facts { school: w.school, initiator: w.a, members: members.to_vec(), published, dissolved }
    }

    const LIVE: Token = Token { expires_at: 1_000, used: false, revoked: false };

    #[test]
    fn filing_names_campuses_of_the_own_school() {
        let w = world();
        let cases: Vec<(Viewer, Vec<(CampusId, SchoolId)>, Result<(), Refusal>)> = vec![
            (admin(w.a), vec![(w.a, w.school), (w.b, w.school)], Ok(())),
            (admin(w.a), vec![(w.a, w.school), (w.x, w.other_school)], Err(Refusal::OtherSchool)),
            (admin(w.a), vec![(w.a, w.school)], Err(Refusal::FilingCampuses)),
            (admin(w.a), vec![(w.a, w.school), (w.a, w.school)], Err(Refusal::FilingCampuses)),
            (admin(w.a), vec![(w.b, w.school), (w.c, w.school)], Err(Refusal::FilingCampuses)),
            (member(w.a), vec![(w.a, w.school), (w.b, w.school)], Err(Refusal::NotAdmin)),
        ];
        for (v, campuses, want) in cases {
            assert_eq!(may_file(&v, w.school, &campuses), want, "{campuses:?}");
        }
    }

    #[test]
    fn only_the_bureau_decides_filings() {
        let w = world();
        assert!(may_decide_filing(&Viewer { member_id: MemberId::new(), role: Role::Bureau, campus_id: None }));
        assert!(!may_decide_filing(&admin(w.a)));
        assert!(!may_decide_filing(&member(w.a)));
    }

    #[test]
    fn an_interconnection_is_started_by_an_admin_with_a_filing() {
        let w = world();
        assert_eq!(may_create(&admin(w.a), true), Ok(()));
        assert_eq!(may_create(&admin(w.a), false), Err(Refusal::FilingRequired));
        assert_eq!(may_create(&member(w.a), true), Err(Refusal::NotAdmin));
    }

    #[test]
    fn invitations_come_from_the_initiator_with_a_filing() {
        let w = world();
        let live = ic(&w, &[w.a], false, false);
        assert_eq!(may_invite(&admin(w.a), &live, true), Ok(()));
        assert_eq!(may_invite(&admin(w.a), &live, false), Err(Refusal::FilingRequired));
        assert_eq!(may_invite(&admin(w.b), &live, true), Err(Refusal::NotInitiator));
        assert_eq!(may_invite(&member(w.a), &live, true), Err(Refusal::NotAdmin));
        assert_eq!(may_invite(&admin(w.a), &ic(&w, &[w.a], false, true), true), Err(Refusal::Dissolved));
    }

    #[test]
    fn tokens_expire_are_single_use_and_revocable() {
        let cases = [
            (Token { expires_at: 1_000, used: false, revoked: false }, 999, Ok(())),
            (Token { expires_at: 1_000, used: false, revoked: false }, 1_000, Err(Refusal::InvitationExpired)),
            (Token { expires_at: 1_000, used: true, revoked: false }, 10, Err(Refusal::InvitationUsed)),
            (Token { expires_at: 1_000, used: false, revoked: true }, 10, Err(Refusal::InvitationRevoked)),
            (Token { expires_at: 1_000, used: true, revoked: true }, 5_000, Err(Refusal::InvitationRevoked)),
        ];
        for (t, now, want) in cases {
            assert_eq!(token_usable(&t, now), want, "{t:?} at {now}");
        }
    }

    #[test]
    fn acceptance_rules() {
        let w = world();
        let pending = ic(&w, &[w.a], false, false);
        let cases: Vec<(Viewer, SchoolId, &Facts, Token, bool, Result<(), Refusal>)> = vec![
            (admin(w.b), w.school, &pending, LIVE, true, Ok(())),
            (admin(w.x), w.other_school, &pending, LIVE, true, Err(Refusal::OtherSchool)),
            (member(w.b), w.school, &pending, LIVE, true, Err(Refusal::NotAdmin)),
            (admin(w.a), w.school, &pending, LIVE, true, Err(Refusal::AlreadyMember)),
            (admin(w.b), w.school, &pending, LIVE, false, Err(Refusal::FilingRequired)),
            (admin(w.b), w.school, &pending, Token { used: true, ..LIVE }, true, Err(Refusal::InvitationUsed)),
            (admin(w.b), w.school, &pending, Token { revoked: true, ..LIVE }, true, Err(Refusal::InvitationRevoked)),
            (admin(w.b), w.school, &pending, Token { expires_at: 0, ..LIVE }, true, Err(Refusal::InvitationExpired)),
        ];
        for (v, school, facts, token, filed, want) in cases {
            assert_eq!(may_accept(&v, school, facts, &token, 500, filed), want, "{v:?}");
        }
        let dissolved = ic(&w, &[w.a], false, true);
        assert_eq!(may_accept(&admin(w.b), w.school, &dissolved, &LIVE, 500, true), Err(Refusal::Dissolved));
    }

    #[test]
    fn exposure_publish_and_removal_rights() {
        let w = world();
        let live = ic(&w, &[w.a, w.b, w.c], false, false);
        assert_eq!(may_set_exposure(&admin(w.b), w.b, &live), Ok(()));
        assert_eq!(may_set_exposure(&admin(w.a), w.b, &live), Err(Refusal::NotAdmin), "only the campus's own admin");
        assert_eq!(may_set_exposure(&member(w.b), w.b, &live), Err(Refusal::NotAdmin));
        assert_eq!(may_set_exposure(&admin(w.x), w.x, &live), Err(Refusal::NotMember));
        assert_eq!(may_publish(&admin(w.a), &live), Ok(()));
        assert_eq!(may_publish(&admin(w.b), &live), Err(Refusal::NotInitiator));
        assert_eq!(may_remove(&admin(w.a), &live, w.b), Ok(()));
        assert_eq!(may_remove(&admin(w.b), &live, w.c), Err(Refusal::NotInitiator));
        assert_eq!(may_remove(&admin(w.a), &live, w.a), Err(Refusal::CannotRemoveInitiator));
        assert_eq!(may_remove(&admin(w.a), &live, w.x), Err(Refusal::NotMember));
        assert!(!removal_dissolves(&live, w.b));
        assert!(removal_dissolves(&ic(&w, &[w.a, w.b], true, false), w.b));
    }

    /// V1/V2 as a table: published or not, both members or not, viewer exposed or not,
    /// removed or dissolved.
    #[test]
    fn who_sees_across() {
        let w = world();
        let published = ic(&w, &[w.a, w.b], true, false);
        let unpublished = ic(&w, &[w.a, w.b], false, false);
        let b_removed = ic(&w, &[w.a, w.c], true, false);
        let dissolved = ic(&w, &[w.a, w.b], true, true);
        let cases = [
            (&published, w.a, true, w.b, true),
            (&published, w.b, true, w.a, true),
            (&published, w.a, false, w.b, false),
            (&unpublished, w.a, true, w.b, false),
            (&b_removed, w.a, true, w.b, false),
            (&b_removed, w.b, true, w.a, false),
            (&dissolved, w.a, true, w.b, false),
            (&published, w.a, true, w.a, false),
            (&published, w.x, true, w.a, false),
        ];
        for (facts, own, exposed, other, want) in cases {
            assert_eq!(sees_across(facts, own, exposed, other), want, "{own:?}→{other:?} exposed={exposed}");
        }
    }
}
