//! Campus interconnection in the database: filings, interconnections and their member
//! campuses, invitations, external directories, removal confirmations. Every step
//! writes its audit entry and any e-mail to the outbox in the same transaction.

use crate::db::{self, Row, Tx};
use crate::directory::Department;
use crate::sql::{dynq, id, int, opt_id, opt_int, placeholders, text};
use crate::{Result, Store, StoreError};
use domain::access::Grant;
use domain::interconnection::Facts;
use domain::{CampusId, ConfirmationId, DepartmentId, FilingId, InterconnectionId, InvitationId, MemberId, SchoolId};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// An e-mail to send through the outbox.
#[derive(Clone, Debug)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// An audit-log entry: who did what, about which campuses.
#[derive(Clone, Debug)]
pub struct Audit {
    pub actor: Option<(MemberId, String)>,
    pub action: &'static str,
    pub interconnection: Option<InterconnectionId>,
    pub campuses: Vec<CampusId>,
    pub detail: String,
}

/// What a step writes besides its own rows.
#[derive(Clone, Debug, Default)]
pub struct Effects {
    pub mails: Vec<Mail>,
    pub audits: Vec<Audit>,
    /// What open apps are told (the hub reads them from the log after commit).
    pub events: Vec<crate::events::NewEvent>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FilingStatus {
    Pending,
    Confirmed,
    Rejected,
}

impl FilingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FilingStatus::Pending => "pending",
            FilingStatus::Confirmed => "confirmed",
            FilingStatus::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "confirmed" => Some(Self::Confirmed),
            "rejected" => Some(Self::Rejected),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Filing {
    pub id: FilingId,
    pub number: String,
    pub school_id: SchoolId,
    pub campus_ids: Vec<CampusId>,
    pub status: FilingStatus,
    pub reason: String,
    pub filed_by: MemberId,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct IcCampus {
    pub campus_id: CampusId,
    pub joined_at: i64,
    pub removed_at: Option<i64>,
    pub show_phone: bool,
    pub show_email: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Interconnection {
    pub id: InterconnectionId,
    pub school_id: SchoolId,
    pub initiator: CampusId,
    pub name: String,
    pub created_at: i64,
    pub published_at: Option<i64>,
    pub dissolved_at: Option<i64>,
    /// Every campus that ever joined, removed ones with `removed_at`.
    pub campuses: Vec<IcCampus>,
}

impl Interconnection {
    pub fn facts(&self) -> Facts {
        Facts {
            school: self.school_id,
            initiator: self.initiator,
            members: self.campuses.iter().filter(|c| c.removed_at.is_none()).map(|c| c.campus_id).collect(),
            published: self.published_at.is_some(),
            dissolved: self.dissolved_at.is_some(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Invitation {
    pub id: InvitationId,
    pub interconnection_id: InterconnectionId,
    pub created_by: MemberId,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Exposure {
    pub department_ids: Vec<DepartmentId>,
    pub member_ids: Vec<MemberId>,
    pub show_phone: bool,
    pub show_email: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Confirmation {
    pub id: ConfirmationId,
    pub member_id: MemberId,
    pub action: String,
    pub interconnection_id: InterconnectionId,
    pub target_campus_id: CampusId,
    pub created_at: i64,
    pub expires_at: i64,
    pub approved_at: Option<i64>,
    pub used_at: Option<i64>,
}

/// What one campus shows in the interconnections that let a viewer see it: the
/// departments (with their sub-departments resolved) and individually chosen members.
#[derive(Clone, Debug, Default)]
pub struct ExposedSet {
    pub interconnections: Vec<InterconnectionId>,
    pub departments: HashSet<DepartmentId>,
    pub show_phone: bool,
    pub show_email: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct AuditEntry {
    pub id: String,
    pub at: i64,
    pub actor_login: String,
    pub action: String,
    pub interconnection_id: Option<InterconnectionId>,
    pub campus_ids: Vec<CampusId>,
    pub detail: String,
}

#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// `None`: every entry (the bureau).
    pub campus: Option<CampusId>,
    pub action: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub limit: i64,
}

async fn write_effects(store: &Store, tx: &mut Tx, now: i64, effects: Effects) -> Result<()> {
    let mut positions = crate::events::Positions::default();
    for e in &effects.events {
        crate::events::append(tx, store, &mut positions, now, e).await?;
    }
    for m in effects.mails {
        crate::outbox::queue(tx, now, m).await?;
    }
    for a in effects.audits {
        let id = uuid::Uuid::now_v7().to_string();
        db::query(
            "INSERT INTO audit_log (id, at, actor_id, actor_login, action, interconnection_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(now)
        .bind(a.actor.as_ref().map(|(m, _)| m.to_string()))
        .bind(a.actor.as_ref().map(|(_, l)| l.clone()).unwrap_or_default())
        .bind(a.action)
        .bind(a.interconnection.map(|i| i.to_string()))
        .bind(a.detail)
        .execute(&mut *tx)
        .await?;
        let mut seen = HashSet::new();
        for c in a.campuses.into_iter().filter(|c| seen.insert(*c)) {
            db::query("INSERT INTO audit_campuses (audit_id, campus_id) VALUES ($1, $2)")
                .bind(&id)
                .bind(c.to_string())
                .execute(&mut *tx)
                .await?;
        }
    }
    Ok(())
}

fn filing_row(r: &Row) -> Result<Filing> {
    let status = text(r, "status")?;
    Ok(Filing {
        id: id(r, "id")?,
        number: text(r, "number")?,
        school_id: id(r, "school_id")?,
        campus_ids: Vec::new(),
        status: FilingStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("filing status {status:?}")))?,
        reason: text(r, "reason")?,
        filed_by: id(r, "filed_by")?,
        created_at: int(r, "created_at")?,
        decided_at: opt_int(r, "decided_at")?,
    })
}

const FILING_COLS: &str = "f.id, f.number, f.school_id, f.status, f.reason, f.filed_by, f.created_at, f.decided_at";

impl Store {
    // ---- filings ------------------------------------------------------------------

    /// Files campuses with the bureau; `compose` writes the e-mail and audit entry
    /// once the filing's number (`F-<year>-<n>`, from a per-year counter) is known, all
    /// in one transaction. Should a number be taken anyway, it tries again.
    pub async fn create_filing(
        &self,
        school: SchoolId,
        filed_by: MemberId,
        campuses: &[CampusId],
        compose: impl Fn(&Filing) -> Effects,
    ) -> Result<Filing> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.try_create_filing(school, filed_by, campuses, &compose).await {
                Err(StoreError::Duplicate(crate::Unique::FilingNumber)) if attempt < 5 => continue,
                other => return other,
            }
        }
    }

    async fn try_create_filing(
        &self,
        school: SchoolId,
        filed_by: MemberId,
        campuses: &[CampusId],
        compose: &impl Fn(&Filing) -> Effects,
    ) -> Result<Filing> {
        let mut tx = self.begin().await?;
        let now = self.now();
        let year = domain::time::civil(now).0;
        let prefix = format!("F-{year}-");
        // The counter row's lock serializes concurrent filings on both databases.
        let counter = format!("filing-{year}");
        db::query("INSERT INTO counters (name, value) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING")
            .bind(&counter)
            .execute(&mut tx)
            .await?;
        let n = int(
            &db::query("UPDATE counters SET value = value + 1 WHERE name = $1 RETURNING value")
                .bind(&counter)
                .fetch_one(&mut tx)
                .await?,
            "value",
        )?;
        let filing = Filing {
            id: FilingId::new(),
            number: format!("{prefix}{n:04}"),
            school_id: school,
            campus_ids: campuses.to_vec(),
            status: FilingStatus::Pending,
            reason: String::new(),
            filed_by,
            created_at: now,
            decided_at: None,
        };
        db::query(
            "INSERT INTO filings (id, number, school_id, filed_by, status, reason, created_at) VALUES ($1, $2, $3, $4, 'pending', '', $5)",
        )
        .bind(filing.id.to_string())
        .bind(&filing.number)
        .bind(school.to_string())
        .bind(filed_by.to_string())
        .bind(now)
        .execute(&mut tx)
        .await
        .map_err(crate::sql::unique(crate::Unique::FilingNumber))?;
        for c in campuses {
            db::query("INSERT INTO filing_campuses (filing_id, campus_id) VALUES ($1, $2)")
                .bind(filing.id.to_string())
                .bind(c.to_string())
                .execute(&mut tx)
                .await?;
        }
        write_effects(self, &mut tx, self.now(), compose(&filing)).await?;
        self.commit(tx).await?;
        Ok(filing)
    }

    /// Filings, newest first: all of them, or those naming `campus`.
    pub async fn filings(&self, campus: Option<CampusId>, status: Option<FilingStatus>) -> Result<Vec<Filing>> {
        let mut sql = format!("SELECT {FILING_COLS} FROM filings f WHERE 1 = 1");
        let mut args = Vec::new();
        if let Some(c) = campus {
            args.push(c.to_string());
            sql.push_str(&format!(
                " AND f.id IN (SELECT filing_id FROM filing_campuses WHERE campus_id = ${})",
                args.len()
            ));
        }
        if let Some(s) = status {
            args.push(s.as_str().to_owned());
            sql.push_str(&format!(" AND f.status = ${}", args.len()));
        }
        sql.push_str(" ORDER BY f.created_at DESC, f.id DESC LIMIT 500");
        let mut q = dynq(sql);
        for a in args {
            q = q.bind(a);
        }
        let mut filings: Vec<Filing> = q.fetch_all(&self.pool).await?.iter().map(filing_row).collect::<Result<_>>()?;
        if filings.is_empty() {
            return Ok(filings);
        }
        let sql = format!(
            "SELECT fc.filing_id, fc.campus_id FROM filing_campuses fc JOIN campuses c ON c.id = fc.campus_id \
             WHERE fc.filing_id IN ({}) ORDER BY c.code_key",
            placeholders(1, filings.len())
        );
        let mut q = dynq(sql);
        for f in &filings {
            q = q.bind(f.id.to_string());
        }
        let mut by: HashMap<FilingId, Vec<CampusId>> = HashMap::new();
        for r in q.fetch_all(&self.pool).await? {
            by.entry(id(&r, "filing_id")?).or_default().push(id(&r, "campus_id")?);
        }
        for f in &mut filings {
            f.campus_ids = by.remove(&f.id).unwrap_or_default();
        }
        Ok(filings)
    }

    pub async fn filing(&self, filing_id: FilingId) -> Result<Filing> {
        let row = dynq(format!("SELECT {FILING_COLS} FROM filings f WHERE f.id = $1"))
            .bind(filing_id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut f = filing_row(&row)?;
        let rows = db::query(
            "SELECT fc.campus_id FROM filing_campuses fc JOIN campuses c ON c.id = fc.campus_id WHERE fc.filing_id = $1 ORDER BY c.code_key",
        )
        .bind(filing_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        f.campus_ids = rows.iter().map(|r| id(r, "campus_id")).collect::<Result<_>>()?;
        Ok(f)
    }

    /// Confirms or rejects a pending filing (only once: `Conflict` otherwise).
    pub async fn decide_filing(
        &self,
        filing_id: FilingId,
        by: MemberId,
        status: FilingStatus,
        reason: &str,
        compose: impl FnOnce(&Filing) -> Effects,
    ) -> Result<Filing> {
        let mut filing = self.filing(filing_id).await?;
        let mut tx = self.begin().await?;
        let now = self.now();
        let done = db::query(
            "UPDATE filings SET status = $1, reason = $2, decided_at = $3, decided_by = $4 WHERE id = $5 AND status = 'pending'",
        )
        .bind(status.as_str())
        .bind(reason)
        .bind(now)
        .bind(by.to_string())
        .bind(filing_id.to_string())
        .execute(&mut tx)
        .await?;
        if done == 0 {
            return Err(StoreError::Conflict(crate::Conflict::FilingNotPending));
        }
        filing.status = status;
        filing.reason = reason.to_owned();
        filing.decided_at = Some(now);
        write_effects(self, &mut tx, self.now(), compose(&filing)).await?;
        self.commit(tx).await?;
        Ok(filing)
    }

    /// Whether a confirmed filing names every one of `campuses`.
    pub async fn filing_covers(&self, campuses: &[CampusId]) -> Result<bool> {
        let distinct: HashSet<CampusId> = campuses.iter().copied().collect();
        let sql = format!(
            "SELECT fc.filing_id FROM filing_campuses fc JOIN filings f ON f.id = fc.filing_id \
             WHERE f.status = 'confirmed' AND fc.campus_id IN ({}) GROUP BY fc.filing_id HAVING COUNT(*) = {}",
            placeholders(1, distinct.len()),
            distinct.len()
        );
        let mut q = dynq(sql);
        for c in &distinct {
            q = q.bind(c.to_string());
        }
        Ok(q.fetch_optional(&self.pool).await?.is_some())
    }

    /// E-mail addresses of a campus's active admins.
    pub async fn admin_emails(&self, campus: CampusId) -> Result<Vec<String>> {
        let rows = db::query(
            "SELECT email FROM members WHERE campus_id = $1 AND role = 'admin' AND status = 'active' AND email <> '' ORDER BY login",
        )
        .bind(campus.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| text(r, "email")).collect()
    }

    // ---- interconnections -------------------------------------------------------------

    pub async fn create_interconnection(
        &self,
        school: SchoolId,
        initiator: CampusId,
        name: &str,
        compose: impl FnOnce(InterconnectionId) -> Effects,
    ) -> Result<Interconnection> {
        let id = InterconnectionId::new();
        let now = self.now();
        let mut tx = self.begin().await?;
        db::query(
            "INSERT INTO interconnections (id, school_id, initiator_campus_id, name, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.to_string())
        .bind(school.to_string())
        .bind(initiator.to_string())
        .bind(name)
        .bind(now)
        .execute(&mut tx)
        .await?;
        db::query(
            "INSERT INTO interconnection_campuses (interconnection_id, campus_id, joined_at) VALUES ($1, $2, $3)",
        )
        .bind(id.to_string())
        .bind(initiator.to_string())
        .bind(now)
        .execute(&mut tx)
        .await?;
        write_effects(self, &mut tx, self.now(), compose(id)).await?;
        self.commit(tx).await?;
        self.interconnection(id).await
    }

    pub async fn interconnection(&self, ic: InterconnectionId) -> Result<Interconnection> {
        self.load_interconnections(&[ic]).await?.pop().ok_or(StoreError::NotFound)
    }

    /// Interconnections `campus` is or was in, newest first.
    pub async fn interconnections_of(&self, campus: CampusId) -> Result<Vec<Interconnection>> {
        let rows = db::query(
            "SELECT i.id FROM interconnections i JOIN interconnection_campuses ic ON ic.interconnection_id = i.id \
             WHERE ic.campus_id = $1 ORDER BY i.created_at DESC",
        )
        .bind(campus.to_string())
        .fetch_all(&self.pool)
        .await?;
        let ids: Vec<InterconnectionId> = rows.iter().map(|r| id(r, "id")).collect::<Result<_>>()?;
        self.load_interconnections(&ids).await
    }

    /// Loads interconnections with their campuses: two queries whatever the number.
    async fn load_interconnections(&self, ids: &[InterconnectionId]) -> Result<Vec<Interconnection>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, school_id, initiator_campus_id, name, created_at, published_at, dissolved_at FROM interconnections WHERE id IN ({})",
            placeholders(1, ids.len())
        );
        let mut q = dynq(sql);
        for i in ids {
            q = q.bind(i.to_string());
        }
        let mut found: HashMap<InterconnectionId, Interconnection> = HashMap::new();
        for r in q.fetch_all(&self.pool).await? {
            let ic = Interconnection {
                id: id(&r, "id")?,
                school_id: id(&r, "school_id")?,
                initiator: id(&r, "initiator_campus_id")?,
                name: text(&r, "name")?,
                created_at: int(&r, "created_at")?,
                published_at: opt_int(&r, "published_at")?,
                dissolved_at: opt_int(&r, "dissolved_at")?,
                campuses: Vec::new(),
            };
            found.insert(ic.id, ic);
        }
        let sql = format!(
            "SELECT interconnection_id, campus_id, joined_at, removed_at, show_phone, show_email FROM interconnection_campuses \
             WHERE interconnection_id IN ({}) ORDER BY joined_at",
            placeholders(1, ids.len())
        );
        let mut q = dynq(sql);
        for i in ids {
            q = q.bind(i.to_string());
        }
        for r in q.fetch_all(&self.pool).await? {
            let ic: InterconnectionId = id(&r, "interconnection_id")?;
            if let Some(i) = found.get_mut(&ic) {
                i.campuses.push(IcCampus {
                    campus_id: id(&r, "campus_id")?,
                    joined_at: int(&r, "joined_at")?,
                    removed_at: opt_int(&r, "removed_at")?,
                    show_phone: int(&r, "show_phone")? != 0,
                    show_email: int(&r, "show_email")? != 0,
                });
            }
        }
        Ok(ids.iter().filter_map(|i| found.remove(i)).collect())
    }

    pub async fn create_invitation(
        &self,
        ic: InterconnectionId,
        token_hash: &str,
        by: MemberId,
        ttl_ms: i64,
        effects: Effects,
    ) -> Result<Invitation> {
        let inv = Invitation {
            id: InvitationId::new(),
            interconnection_id: ic,
            created_by: by,
            created_at: self.now(),
            expires_at: self.now() + ttl_ms,
            used_at: None,
            revoked_at: None,
        };
        let mut tx = self.begin().await?;
        db::query(
            "INSERT INTO invitations (id, interconnection_id, token_hash, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(inv.id.to_string())
        .bind(ic.to_string())
        .bind(token_hash)
        .bind(by.to_string())
        .bind(inv.created_at)
        .bind(inv.expires_at)
        .execute(&mut tx)
        .await?;
        write_effects(self, &mut tx, self.now(), effects).await?;
        self.commit(tx).await?;
        Ok(inv)
    }

    fn invitation_row(r: &Row) -> Result<Invitation> {
        Ok(Invitation {
            id: id(r, "id")?,
            interconnection_id: id(r, "interconnection_id")?,
            created_by: id(r, "created_by")?,
            created_at: int(r, "created_at")?,
            expires_at: int(r, "expires_at")?,
            used_at: opt_int(r, "used_at")?,
            revoked_at: opt_int(r, "revoked_at")?,
        })
    }

    /// Invitations not used, revoked or expired.
    pub async fn pending_invitations(&self, ic: InterconnectionId) -> Result<Vec<Invitation>> {
        let rows = db::query(
            "SELECT id, interconnection_id, created_by, created_at, expires_at, used_at, revoked_at FROM invitations \
             WHERE interconnection_id = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at DESC",
        )
        .bind(ic.to_string())
        .bind(self.now())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::invitation_row).collect()
    }

    pub async fn invitation(&self, inv: InvitationId) -> Result<Invitation> {
        let r = db::query(
            "SELECT id, interconnection_id, created_by, created_at, expires_at, used_at, revoked_at FROM invitations WHERE id = $1",
        )
        .bind(inv.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Self::invitation_row(&r)
    }

    pub async fn invitation_by_token(&self, token_hash: &str) -> Result<Option<Invitation>> {
        db::query(
            "SELECT id, interconnection_id, created_by, created_at, expires_at, used_at, revoked_at FROM invitations WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| Self::invitation_row(&r))
        .transpose()
    }

    pub async fn revoke_invitation(&self, inv: InvitationId, effects: Effects) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = db::query(
            "UPDATE invitations SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL AND used_at IS NULL",
        )
        .bind(self.now())
        .bind(inv.to_string())
        .execute(&mut tx)
        .await?;
        if done == 0 {
            drop(tx);
            return Err(self.invitation_conflict(inv).await?);
        }
        write_effects(self, &mut tx, self.now(), effects).await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// Why an invitation can no longer be used or revoked.
    async fn invitation_conflict(&self, inv: InvitationId) -> Result<StoreError> {
        let i = self.invitation(inv).await?;
        Ok(StoreError::Conflict(if i.revoked_at.is_some() {
            crate::Conflict::InvitationRevoked
        } else if i.used_at.is_some() {
            crate::Conflict::InvitationUsed
        } else {
            crate::Conflict::InvitationExpired
        }))
    }

    /// Why a confirmation cannot be approved or spent (or is not for this removal).
    async fn confirmation_conflict(&self, c: ConfirmationId) -> Result<StoreError> {
        let c = match self.confirmation(c).await {
            Ok(c) => c,
            Err(StoreError::NotFound) => return Ok(StoreError::Conflict(crate::Conflict::ConfirmationRequired)),
            Err(e) => return Err(e),
        };
        Ok(StoreError::Conflict(if c.used_at.is_some() {
            crate::Conflict::ConfirmationUsed
        } else if c.expires_at <= self.now() {
            crate::Conflict::ConfirmationExpired
        } else {
            crate::Conflict::ConfirmationRequired
        }))
    }

    /// Uses the invitation and adds `campus` (again, if it was removed before). The
    /// token is claimed with a conditional update, so two acceptances cannot both win.
    pub async fn accept_invitation(&self, inv: &Invitation, campus: CampusId, effects: Effects) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let done = db::query(
            "UPDATE invitations SET used_at = $1, used_by_campus_id = $2 WHERE id = $3 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $4",
        )
        .bind(now)
        .bind(campus.to_string())
        .bind(inv.id.to_string())
        .bind(now)
        .execute(&mut tx)
        .await?;
        if done == 0 {
            drop(tx);
            return Err(self.invitation_conflict(inv.id).await?);
        }
        let rejoined = db::query(
            "UPDATE interconnection_campuses SET removed_at = NULL, joined_at = $1 WHERE interconnection_id = $2 AND campus_id = $3",
        )
        .bind(now)
        .bind(inv.interconnection_id.to_string())
        .bind(campus.to_string())
        .execute(&mut tx)
        .await?;
        if rejoined == 0 {
            db::query(
                "INSERT INTO interconnection_campuses (interconnection_id, campus_id, joined_at) VALUES ($1, $2, $3)",
            )
            .bind(inv.interconnection_id.to_string())
            .bind(campus.to_string())
            .bind(now)
            .execute(&mut tx)
            .await?;
        }
        write_effects(self, &mut tx, self.now(), effects).await?;
        self.commit(tx).await?;
        Ok(())
    }

    pub async fn exposure(&self, ic: InterconnectionId, campus: CampusId) -> Result<Exposure> {
        let flags = db::query(
            "SELECT show_phone, show_email FROM interconnection_campuses WHERE interconnection_id = $1 AND campus_id = $2",
        )
        .bind(ic.to_string())
        .bind(campus.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let depts =
            db::query("SELECT department_id FROM exposed_departments WHERE interconnection_id = $1 AND campus_id = $2")
                .bind(ic.to_string())
                .bind(campus.to_string())
                .fetch_all(&self.pool)
                .await?;
        let members =
            db::query("SELECT member_id FROM exposed_members WHERE interconnection_id = $1 AND campus_id = $2")
                .bind(ic.to_string())
                .bind(campus.to_string())
                .fetch_all(&self.pool)
                .await?;
        Ok(Exposure {
            department_ids: depts.iter().map(|r| id(r, "department_id")).collect::<Result<_>>()?,
            member_ids: members.iter().map(|r| id(r, "member_id")).collect::<Result<_>>()?,
            show_phone: int(&flags, "show_phone")? != 0,
            show_email: int(&flags, "show_email")? != 0,
        })
    }

    /// Replaces what `campus` shows in `ic`. Departments and members must be the campus's.
    pub async fn set_exposure(
        &self,
        ic: InterconnectionId,
        campus: CampusId,
        e: &Exposure,
        effects: Effects,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let depts: HashSet<DepartmentId> = e.department_ids.iter().copied().collect();
        let members: HashSet<MemberId> = e.member_ids.iter().copied().collect();
        for (table, ids) in [
            ("departments", depts.iter().map(|d| d.to_string()).collect::<Vec<_>>()),
            ("members", members.iter().map(|m| m.to_string()).collect::<Vec<_>>()),
        ] {
            if ids.is_empty() {
                continue;
            }
            let sql = format!(
                "SELECT COUNT(*) AS n FROM {table} WHERE campus_id = $1 AND id IN ({})",
                placeholders(2, ids.len())
            );
            let mut q = dynq(sql).bind(campus.to_string());
            for i in &ids {
                q = q.bind(i.clone());
            }
            if int(&q.fetch_one(&mut tx).await?, "n")? != ids.len() as i64 {
                return Err(if table == "departments" { StoreError::UnknownDepartment } else { StoreError::NotFound });
            }
        }
        let done = db::query(
            "UPDATE interconnection_campuses SET show_phone = $1, show_email = $2 WHERE interconnection_id = $3 AND campus_id = $4 AND removed_at IS NULL",
        )
        .bind(i64::from(e.show_phone))
        .bind(i64::from(e.show_email))
        .bind(ic.to_string())
        .bind(campus.to_string())
        .execute(&mut tx)
        .await?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        for table in ["exposed_departments", "exposed_members"] {
            dynq(format!("DELETE FROM {table} WHERE interconnection_id = $1 AND campus_id = $2"))
                .bind(ic.to_string())
                .bind(campus.to_string())
                .execute(&mut tx)
                .await?;
        }
        for d in depts {
            db::query(
                "INSERT INTO exposed_departments (interconnection_id, campus_id, department_id) VALUES ($1, $2, $3)",
            )
            .bind(ic.to_string())
            .bind(campus.to_string())
            .bind(d.to_string())
            .execute(&mut tx)
            .await?;
        }
        for m in members {
            db::query("INSERT INTO exposed_members (interconnection_id, campus_id, member_id) VALUES ($1, $2, $3)")
                .bind(ic.to_string())
                .bind(campus.to_string())
                .bind(m.to_string())
                .execute(&mut tx)
                .await?;
        }
        write_effects(self, &mut tx, self.now(), effects).await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// How many active members each campus shows in `ic`: three queries however many
    /// campuses (department ids are unique across campuses, so one grouped count
    /// serves them all).
    pub async fn exposed_member_counts(&self, ic: InterconnectionId) -> Result<HashMap<CampusId, i64>> {
        let roots = db::query("SELECT campus_id, department_id FROM exposed_departments WHERE interconnection_id = $1")
            .bind(ic.to_string())
            .fetch_all(&self.pool)
            .await?;
        let roots: Vec<(CampusId, DepartmentId)> =
            roots.iter().map(|r| Ok((id(r, "campus_id")?, id(r, "department_id")?))).collect::<Result<_>>()?;
        let mut departments: HashSet<DepartmentId> = HashSet::new();
        if !roots.is_empty() {
            let campuses: HashSet<CampusId> = roots.iter().map(|(c, _)| *c).collect();
            let sql = format!(
                "SELECT id, parent_id FROM departments WHERE campus_id IN ({})",
                placeholders(1, campuses.len())
            );
            let mut q = dynq(sql);
            for c in &campuses {
                q = q.bind(c.to_string());
            }
            let parents: HashMap<DepartmentId, Option<DepartmentId>> = q
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| Ok((id(r, "id")?, opt_id(r, "parent_id")?)))
                .collect::<Result<_>>()?;
            departments = roots.iter().flat_map(|(_, d)| domain::tree::subtree(&parents, *d)).collect();
        }
        let mut depts: Vec<String> = departments.iter().map(|d| d.to_string()).collect();
        depts.sort();
        let by_department = if depts.is_empty() {
            String::new()
        } else {
            format!(
                "EXISTS (SELECT 1 FROM member_departments md WHERE md.member_id = m.id AND md.department_id IN ({})) OR ",
                placeholders(2, depts.len())
            )
        };
        let sql = format!(
            "SELECT m.campus_id, COUNT(*) AS n FROM members m WHERE m.status = 'active' AND m.campus_id IN \
             (SELECT campus_id FROM interconnection_campuses WHERE interconnection_id = $1) AND ({by_department}\
             EXISTS (SELECT 1 FROM exposed_members em WHERE em.member_id = m.id AND em.interconnection_id = $1)) \
             GROUP BY m.campus_id"
        );
        let mut q = dynq(sql).bind(ic.to_string());
        for d in depts {
            q = q.bind(d);
        }
        q.fetch_all(&self.pool).await?.iter().map(|r| Ok((id(r, "campus_id")?, int(r, "n")?))).collect()
    }

    /// Whether `member` of `campus` is in the exposed set.
    pub async fn member_exposed(&self, campus: CampusId, set: &ExposedSet, member: MemberId) -> Result<bool> {
        let (cond, args) = exposed_condition(campus, set, 3);
        let sql = format!(
            "SELECT m.id FROM members m WHERE m.campus_id = $1 AND m.id = $2 AND m.status = 'active' AND ({cond})"
        );
        let mut q = dynq(sql).bind(campus.to_string()).bind(member.to_string());
        for a in args {
            q = q.bind(a);
        }
        Ok(q.fetch_optional(&self.pool).await?.is_some())
    }

    pub async fn publish(&self, ic: InterconnectionId, effects: Effects) -> Result<()> {
        let mut tx = self.begin().await?;
        db::query("UPDATE interconnections SET published_at = $1 WHERE id = $2 AND published_at IS NULL AND dissolved_at IS NULL")
            .bind(self.now())
            .bind(ic.to_string())
            .execute(&mut tx)
            .await?;
        write_effects(self, &mut tx, self.now(), effects).await?;
        self.commit(tx).await?;
        Ok(())
    }

    // ---- removal with identity confirmation ------------------------------------------

    pub async fn create_confirmation(
        &self,
        token_hash: &str,
        member: MemberId,
        action: &str,
        ic: InterconnectionId,
        target: CampusId,
        ttl_ms: i64,
    ) -> Result<Confirmation> {
        let c = Confirmation {
            id: ConfirmationId::new(),
            member_id: member,
            action: action.to_owned(),
            interconnection_id: ic,
            target_campus_id: target,
            created_at: self.now(),
            expires_at: self.now() + ttl_ms,
            approved_at: None,
            used_at: None,
        };
        db::query(
            "INSERT INTO confirmations (id, token_hash, member_id, action, interconnection_id, target_campus_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(c.id.to_string())
        .bind(token_hash)
        .bind(member.to_string())
        .bind(action)
        .bind(ic.to_string())
        .bind(target.to_string())
        .bind(c.created_at)
        .bind(c.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(c)
    }

    fn confirmation_row(r: &Row) -> Result<Confirmation> {
        Ok(Confirmation {
            id: id(r, "id")?,
            member_id: id(r, "member_id")?,
            action: text(r, "action")?,
            interconnection_id: id(r, "interconnection_id")?,
            target_campus_id: id(r, "target_campus_id")?,
            created_at: int(r, "created_at")?,
            expires_at: int(r, "expires_at")?,
            approved_at: opt_int(r, "approved_at")?,
            used_at: opt_int(r, "used_at")?,
        })
    }

    const CONFIRMATION_COLS: &str =
        "id, member_id, action, interconnection_id, target_campus_id, created_at, expires_at, approved_at, used_at";

    pub async fn confirmation(&self, c: ConfirmationId) -> Result<Confirmation> {
        let r = dynq(format!("SELECT {} FROM confirmations WHERE id = $1", Self::CONFIRMATION_COLS))
            .bind(c.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Self::confirmation_row(&r)
    }

    pub async fn confirmation_by_token(&self, token_hash: &str) -> Result<Option<Confirmation>> {
        dynq(format!("SELECT {} FROM confirmations WHERE token_hash = $1", Self::CONFIRMATION_COLS))
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| Self::confirmation_row(&r))
            .transpose()
    }

    /// Marks a live, unused confirmation approved, and tells the admin's open consoles.
    pub async fn approve_confirmation(&self, c: &Confirmation) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = db::query(
            "UPDATE confirmations SET approved_at = $1 WHERE id = $2 AND approved_at IS NULL AND used_at IS NULL AND expires_at > $3",
        )
        .bind(self.now())
        .bind(c.id.to_string())
        .bind(self.now())
        .execute(&mut tx)
        .await?;
        if done == 0 {
            drop(tx);
            return Err(self.confirmation_conflict(c.id).await?);
        }
        let event = crate::events::NewEvent {
            kind: "confirmation_approved",
            audience: crate::events::Audience::Member(c.member_id),
            data: serde_json::json!({ "confirmation_id": c.id }).to_string(),
        };
        write_effects(self, &mut tx, self.now(), Effects { events: vec![event], ..Default::default() }).await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// Removes `target` from `ic`, spending the approved confirmation; dissolves the
    /// interconnection when `dissolve`. All or nothing.
    pub async fn remove_campus(
        &self,
        ic: InterconnectionId,
        target: CampusId,
        confirmation: ConfirmationId,
        dissolve: bool,
        effects: Effects,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let spent = db::query(
            "UPDATE confirmations SET used_at = $1 WHERE id = $2 AND interconnection_id = $3 AND target_campus_id = $4 \
             AND approved_at IS NOT NULL AND used_at IS NULL AND expires_at > $5",
        )
        .bind(now)
        .bind(confirmation.to_string())
        .bind(ic.to_string())
        .bind(target.to_string())
        .bind(now)
        .execute(&mut tx)
        .await?;
        if spent == 0 {
            drop(tx);
            return Err(self.confirmation_conflict(confirmation).await?);
        }
        db::query("UPDATE interconnection_campuses SET removed_at = $1 WHERE interconnection_id = $2 AND campus_id = $3 AND removed_at IS NULL")
            .bind(now)
            .bind(ic.to_string())
            .bind(target.to_string())
            .execute(&mut tx)
            .await?;
        if dissolve {
            db::query("UPDATE interconnections SET dissolved_at = $1 WHERE id = $2")
                .bind(now)
                .bind(ic.to_string())
                .execute(&mut tx)
                .await?;
        }
        write_effects(self, &mut tx, self.now(), effects).await?;
        self.commit(tx).await?;
        Ok(())
    }

    // ---- who sees what ------------------------------------------------------------------

    /// The grants of a member of `campus`: every live interconnection the campus is a
    /// current member of, and whether `member` is in the campus's own external
    /// directory of it. Constant number of queries.
    pub async fn grants(&self, campus: CampusId, member: MemberId) -> Result<Vec<Grant>> {
        let rows = db::query(
            "SELECT i.id FROM interconnections i JOIN interconnection_campuses ic ON ic.interconnection_id = i.id \
             WHERE ic.campus_id = $1 AND ic.removed_at IS NULL AND i.dissolved_at IS NULL AND i.published_at IS NOT NULL",
        )
        .bind(campus.to_string())
        .fetch_all(&self.pool)
        .await?;
        let ids: Vec<InterconnectionId> = rows.iter().map(|r| id(r, "id")).collect::<Result<_>>()?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ics = self.load_interconnections(&ids).await?;
        let member_departments: Vec<DepartmentId> =
            db::query("SELECT department_id FROM member_departments WHERE member_id = $1")
                .bind(member.to_string())
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| id(r, "department_id"))
                .collect::<Result<_>>()?;
        let parents = self.department_parents(campus).await?;
        let exposed_depts = self.exposed_departments_by_ic(campus, &ids).await?;
        let sql = format!(
            "SELECT interconnection_id FROM exposed_members WHERE campus_id = $1 AND member_id = $2 AND interconnection_id IN ({})",
            placeholders(3, ids.len())
        );
        let mut q = dynq(sql).bind(campus.to_string()).bind(member.to_string());
        for i in &ids {
            q = q.bind(i.to_string());
        }
        let by_member: HashSet<InterconnectionId> =
            q.fetch_all(&self.pool).await?.iter().map(|r| id(r, "interconnection_id")).collect::<Result<_>>()?;
        Ok(ics
            .into_iter()
            .map(|ic| {
                let roots = exposed_depts.get(&ic.id).cloned().unwrap_or_default();
                let covered: HashSet<DepartmentId> =
                    roots.iter().flat_map(|r| domain::tree::subtree(&parents, *r)).collect();
                let viewer_exposed =
                    by_member.contains(&ic.id) || member_departments.iter().any(|d| covered.contains(d));
                Grant { interconnection: ic.id, facts: ic.facts(), viewer_exposed }
            })
            .collect())
    }

    async fn department_parents(&self, campus: CampusId) -> Result<HashMap<DepartmentId, Option<DepartmentId>>> {
        let rows = db::query("SELECT id, parent_id FROM departments WHERE campus_id = $1")
            .bind(campus.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((id(r, "id")?, opt_id(r, "parent_id")?))).collect()
    }

    async fn exposed_departments_by_ic(
        &self,
        campus: CampusId,
        ics: &[InterconnectionId],
    ) -> Result<HashMap<InterconnectionId, Vec<DepartmentId>>> {
        let sql = format!(
            "SELECT interconnection_id, department_id FROM exposed_departments WHERE campus_id = $1 AND interconnection_id IN ({})",
            placeholders(2, ics.len())
        );
        let mut q = dynq(sql).bind(campus.to_string());
        for i in ics {
            q = q.bind(i.to_string());
        }
        let mut out: HashMap<InterconnectionId, Vec<DepartmentId>> = HashMap::new();
        for r in q.fetch_all(&self.pool).await? {
            out.entry(id(&r, "interconnection_id")?).or_default().push(id(&r, "department_id")?);
        }
        Ok(out)
    }

    /// What `campus` shows through the given interconnections (their union).
    pub async fn exposed_set(&self, campus: CampusId, ics: &[InterconnectionId]) -> Result<ExposedSet> {
        if ics.is_empty() {
            return Ok(ExposedSet::default());
        }
        let parents = self.department_parents(campus).await?;
        let roots = self.exposed_departments_by_ic(campus, ics).await?;
        let departments = roots.values().flatten().flat_map(|r| domain::tree::subtree(&parents, *r)).collect();
        let sql = format!(
            "SELECT MAX(show_phone) AS p, MAX(show_email) AS e FROM interconnection_campuses WHERE campus_id = $1 AND interconnection_id IN ({})",
            placeholders(2, ics.len())
        );
        let mut q = dynq(sql).bind(campus.to_string());
        for i in ics {
            q = q.bind(i.to_string());
        }
        let flags = q.fetch_one(&self.pool).await?;
        Ok(ExposedSet {
            interconnections: ics.to_vec(),
            departments,
            show_phone: opt_int(&flags, "p")?.unwrap_or(0) != 0,
            show_email: opt_int(&flags, "e")?.unwrap_or(0) != 0,
        })
    }

    /// The departments an external viewer sees: the exposed ones and, for the path to
    /// them, their ancestors (`exposed: false`).
    pub async fn exposed_departments(&self, campus: CampusId, set: &ExposedSet) -> Result<Vec<(Department, bool)>> {
        let all = self.departments_without_counts(campus).await?;
        let by_id: HashMap<DepartmentId, &Department> = all.iter().map(|d| (d.id, d)).collect();
        let mut keep: HashSet<DepartmentId> = HashSet::new();
        for d in &set.departments {
            let mut cur = Some(*d);
            while let Some(c) = cur {
                if !keep.insert(c) {
                    break;
                }
                cur = by_id.get(&c).and_then(|d| d.parent_id);
            }
        }
        let counts = self.exposed_counts_by_department(campus, set).await?;
        Ok(all
            .into_iter()
            .filter(|d| keep.contains(&d.id))
            .map(|mut d| {
                let exposed = set.departments.contains(&d.id);
                d.member_count = counts.get(&d.id).copied().unwrap_or(0);
                (d, exposed)
            })
            .collect())
    }

    async fn exposed_counts_by_department(
        &self,
        campus: CampusId,
        set: &ExposedSet,
    ) -> Result<HashMap<DepartmentId, i64>> {
        let (cond, args) = exposed_condition(campus, set, 2);
        let sql = format!(
            "SELECT md.department_id, COUNT(*) AS n FROM member_departments md JOIN members m ON m.id = md.member_id \
             WHERE m.campus_id = $1 AND m.status = 'active' AND ({cond}) GROUP BY md.department_id"
        );
        let mut q = dynq(sql).bind(campus.to_string());
        for a in args {
            q = q.bind(a);
        }
        q.fetch_all(&self.pool).await?.iter().map(|r| Ok((id(r, "department_id")?, int(r, "n")?))).collect()
    }

    // ---- audit log ----------------------------------------------------------------------

    pub async fn audit(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let mut sql = String::from(
            "SELECT a.id, a.at, a.actor_login, a.action, a.interconnection_id, a.detail FROM audit_log a WHERE 1 = 1",
        );
        let mut args: Vec<String> = Vec::new();
        let mut ints: Vec<i64> = Vec::new();
        if let Some(c) = f.campus {
            args.push(c.to_string());
            sql.push_str(&format!(
                " AND a.id IN (SELECT audit_id FROM audit_campuses WHERE campus_id = ${})",
                args.len()
            ));
        }
        if let Some(a) = &f.action {
            args.push(a.clone());
            sql.push_str(&format!(" AND a.action = ${}", args.len()));
        }
        let n = args.len();
        if let Some(s) = f.since {
            ints.push(s);
            sql.push_str(&format!(" AND a.at >= ${}", n + ints.len()));
        }
        if let Some(u) = f.until {
            ints.push(u);
            sql.push_str(&format!(" AND a.at < ${}", n + ints.len()));
        }
        sql.push_str(&format!(" ORDER BY a.at DESC, a.id DESC LIMIT {}", f.limit.clamp(1, 10_000)));
        let mut q = dynq(sql);
        for a in args {
            q = q.bind(a);
        }
        for i in ints {
            q = q.bind(i);
        }
        let mut entries: Vec<AuditEntry> = q
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: text(r, "id")?,
                    at: int(r, "at")?,
                    actor_login: text(r, "actor_login")?,
                    action: text(r, "action")?,
                    interconnection_id: opt_id(r, "interconnection_id")?,
                    campus_ids: Vec::new(),
                    detail: text(r, "detail")?,
                })
            })
            .collect::<Result<_>>()?;
        for chunk in entries.chunks_mut(500) {
            let sql = format!(
                "SELECT audit_id, campus_id FROM audit_campuses WHERE audit_id IN ({})",
                placeholders(1, chunk.len())
            );
            let mut q = dynq(sql);
            for e in chunk.iter() {
                q = q.bind(e.id.clone());
            }
            let mut by: HashMap<String, Vec<CampusId>> = HashMap::new();
            for r in q.fetch_all(&self.pool).await? {
                by.entry(text(&r, "audit_id")?).or_default().push(id(&r, "campus_id")?);
            }
            for e in chunk.iter_mut() {
                e.campus_ids = by.remove(&e.id).unwrap_or_default();
            }
        }
        Ok(entries)
    }
}

/// `m.id` is in the exposed set: in an exposed department (sub-departments resolved)
/// or chosen one by one. Returns the SQL and its arguments, numbered from `first`.
pub(crate) fn exposed_condition(campus: CampusId, set: &ExposedSet, first: usize) -> (String, Vec<String>) {
    let mut args: Vec<String> = Vec::new();
    let mut parts = Vec::new();
    if !set.departments.is_empty() {
        let mut depts: Vec<String> = set.departments.iter().map(|d| d.to_string()).collect();
        depts.sort();
        parts.push(format!(
            "EXISTS (SELECT 1 FROM member_departments md WHERE md.member_id = m.id AND md.department_id IN ({}))",
            placeholders(first, depts.len())
        ));
        args.extend(depts);
    }
    if !set.interconnections.is_empty() {
        let n = first + args.len();
        args.push(campus.to_string());
        let ics: Vec<String> = set.interconnections.iter().map(|i| i.to_string()).collect();
        parts.push(format!(
            "EXISTS (SELECT 1 FROM exposed_members em WHERE em.member_id = m.id AND em.campus_id = ${n} AND em.interconnection_id IN ({}))",
            placeholders(n + 1, ics.len())
        ));
        args.extend(ics);
    }
    if parts.is_empty() {
        return ("1 = 0".into(), args);
    }
    // Checked per member (an index probe each), so a page in name order stops after
    // its last row instead of first building the whole exposed set.
    (format!("({})", parts.join(" OR ")), args)
}
