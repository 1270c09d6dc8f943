//! A campus's directory: departments tree, members, their department links and search
//! tokens. Every write that touches several tables runs in one transaction.

use crate::Unique;
use crate::db::{self, Row, Tx};
use crate::sql::{self, dynq, dynq_bound, id, int, opt_id, opt_text, placeholders, text, unique};
use crate::{Dialect, Result, Store, StoreError};
use domain::access::SearchField;
use domain::member_row::{ImportRow, LineError, MemberFields};
use domain::search::{index_tokens, prefix_upper_bound, query_terms};
use domain::{CampusId, DepartmentId, Invalid, MemberId, Role};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Department {
    pub id: DepartmentId,
    pub campus_id: CampusId,
    pub parent_id: Option<DepartmentId>,
    pub name_zh: String,
    pub name_pt: String,
    pub position: i64,
    /// Active members directly in this department.
    pub member_count: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    Active,
    Disabled,
}

impl MemberStatus {
    fn as_str(self) -> &'static str {
        match self {
            MemberStatus::Active => "active",
            MemberStatus::Disabled => "disabled",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Member {
    pub id: MemberId,
    pub campus_id: Option<CampusId>,
    pub login: String,
    pub role: Role,
    pub status: MemberStatus,
    pub name_zh: String,
    pub name_pt: String,
    pub title: String,
    pub phone: String,
    pub email: String,
    pub staff_no: String,
    pub department_ids: Vec<DepartmentId>,
}

/// A member to create or the new state of one to update.
pub struct MemberWrite<'a> {
    pub fields: &'a MemberFields,
    pub role: Role,
    pub department_ids: &'a [DepartmentId],
}

#[derive(Clone, Debug, Default)]
pub struct MemberFilter {
    pub department_id: Option<DepartmentId>,
    pub query: Option<String>,
    pub include_disabled: bool,
    /// For a viewer from a connected campus: only the campus's external directory.
    pub exposed: Option<std::sync::Arc<crate::ExposedSet>>,
    /// The fields `query` may match: only those the viewer sees (`access::shown`).
    pub search_in: Vec<SearchField>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct MemberPage {
    pub total: i64,
    pub members: Vec<Member>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    pub created: usize,
    pub updated: usize,
}

pub(crate) const MEMBER_COLS: &str =
    "m.id, m.campus_id, m.login, m.role, m.status, m.name_zh, m.name_pt, m.title, m.phone, m.email, m.staff_no";

/// A member row without its departments (filled in by `with_departments`).
pub(crate) fn member(r: &Row) -> Result<Member> {
    let role = text(r, "role")?;
    Ok(Member {
        id: id(r, "id")?,
        campus_id: opt_id(r, "campus_id")?,
        login: text(r, "login")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?,
        status: if text(r, "status")? == "disabled" { MemberStatus::Disabled } else { MemberStatus::Active },
        name_zh: text(r, "name_zh")?,
        name_pt: text(r, "name_pt")?,
        title: text(r, "title")?,
        phone: text(r, "phone")?,
        email: text(r, "email")?,
        staff_no: text(r, "staff_no")?,
        department_ids: Vec::new(),
    })
}

fn department(r: &Row) -> Result<Department> {
    Ok(Department {
        id: id(r, "id")?,
        campus_id: id(r, "campus_id")?,
        parent_id: opt_id(r, "parent_id")?,
        name_zh: text(r, "name_zh")?,
        name_pt: text(r, "name_pt")?,
        position: int(r, "position")?,
        member_count: int(r, "member_count")?,
    })
}

impl Store {
    // ---- departments ------------------------------------------------------------

    /// The campus's departments, flat, siblings by position.
    pub async fn departments(&self, campus: CampusId) -> Result<Vec<Department>> {
        // One pass over the campus's memberships, grouped, instead of a count per department.
        let rows = db::query(
            "SELECT d.id, d.campus_id, d.parent_id, d.name_zh, d.name_pt, d.position, COALESCE(c.n, 0) AS member_count \
             FROM departments d LEFT JOIN ( \
               SELECT md.department_id, COUNT(*) AS n FROM member_departments md JOIN members m ON m.id = md.member_id \
               WHERE m.campus_id = $1 AND m.status = 'active' GROUP BY md.department_id \
             ) c ON c.department_id = d.id \
             WHERE d.campus_id = $2 ORDER BY d.position, d.name_zh",
        )
        .bind(campus.to_string())
        .bind(campus.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(department).collect()
    }

    /// The departments alone (`member_count` 0), for callers that count differently.
    pub(crate) async fn departments_without_counts(&self, campus: CampusId) -> Result<Vec<Department>> {
        let rows = db::query(
            "SELECT d.id, d.campus_id, d.parent_id, d.name_zh, d.name_pt, d.position, 0 AS member_count \
             FROM departments d WHERE d.campus_id = $1 ORDER BY d.position, d.name_zh",
        )
        .bind(campus.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(department).collect()
    }

    pub async fn department(&self, campus: CampusId, dept: DepartmentId) -> Result<Department> {
        self.departments(campus).await?.into_iter().find(|d| d.id == dept).ok_or(StoreError::NotFound)
    }

    pub async fn create_department(
        &self,
        campus: CampusId,
        parent: Option<DepartmentId>,
        name_zh: &str,
        name_pt: &str,
    ) -> Result<Department> {
        let mut tx = self.begin().await?;
        let id = insert_department(&mut tx, self.now(), campus, parent, name_zh, name_pt).await?;
        self.commit_directory(tx, Some(campus)).await?;
        self.department(campus, id).await
    }

    pub async fn rename_department(
        &self,
        campus: CampusId,
        dept: DepartmentId,
        name_zh: &str,
        name_pt: &str,
    ) -> Result<Department> {
        let mut tx = self.begin().await?;
        let parents = parents_of(&mut tx, campus).await?;
        let Some(parent) = parents.get(&dept).copied() else { return Err(StoreError::NotFound) };
        refuse_sibling_named(&mut tx, campus, parent, name_zh, Some(dept)).await?;
        db::query("UPDATE departments SET name_zh = $1, name_pt = $2 WHERE id = $3 AND campus_id = $4")
            .bind(name_zh)
            .bind(name_pt)
            .bind(dept.to_string())
            .bind(campus.to_string())
            .execute(&mut tx)
            .await?;
        self.commit_directory(tx, Some(campus)).await?;
        self.department(campus, dept).await
    }

    /// Moves `dept` under `parent` (or to the top) at `position` among its new siblings,
    /// renumbering the siblings so positions stay 0, 1, 2…
    pub async fn move_department(
        &self,
        campus: CampusId,
        dept: DepartmentId,
        parent: Option<DepartmentId>,
        position: i64,
    ) -> Result<Department> {
        let mut tx = self.begin().await?;
        let parents = parents_of(&mut tx, campus).await?;
        if !parents.contains_key(&dept) {
            return Err(StoreError::NotFound);
        }
        if let Some(p) = parent
            && !parents.contains_key(&p)
        {
            return Err(StoreError::UnknownDepartment);
        }
        if domain::tree::would_create_cycle(&parents, dept, parent) {
            return Err(StoreError::DepartmentCycle);
        }
        let old_parent = parents.get(&dept).copied().flatten();
        if old_parent != parent {
            let name = db::query("SELECT name_zh FROM departments WHERE id = $1")
                .bind(dept.to_string())
                .fetch_one(&mut tx)
                .await?;
            refuse_sibling_named(&mut tx, campus, parent, &text(&name, "name_zh")?, Some(dept)).await?;
        }
        let mut siblings = sibling_ids(&mut tx, campus, parent).await?;
        siblings.retain(|d| *d != dept);
        let at = usize::try_from(position.max(0)).unwrap_or(0).min(siblings.len());
        siblings.insert(at, dept);
        db::query("UPDATE departments SET parent_id = $1 WHERE id = $2")
            .bind(parent.map(|p| p.to_string()))
            .bind(dept.to_string())
            .execute(&mut tx)
            .await?;
        renumber(&mut tx, &siblings).await?;
        if old_parent != parent {
            let old = sibling_ids(&mut tx, campus, old_parent).await?;
            renumber(&mut tx, &old).await?;
        }
        self.commit_directory(tx, Some(campus)).await?;
        self.department(campus, dept).await
    }

    /// Deletes an empty department: one with no sub-departments and no members, active
    /// or disabled, so no one loses their place without the admin deciding where.
    pub async fn delete_department(&self, campus: CampusId, dept: DepartmentId) -> Result<()> {
        let mut tx = self.begin().await?;
        let exists = db::query("SELECT parent_id FROM departments WHERE id = $1 AND campus_id = $2")
            .bind(dept.to_string())
            .bind(campus.to_string())
            .fetch_optional(&mut tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let parent: Option<DepartmentId> = opt_id(&exists, "parent_id")?;
        let busy = db::query(
            "SELECT (SELECT COUNT(*) FROM departments WHERE parent_id = $1) + (SELECT COUNT(*) FROM member_departments WHERE department_id = $2) AS n",
        )
        .bind(dept.to_string())
        .bind(dept.to_string())
        .fetch_one(&mut tx)
        .await?;
        if int(&busy, "n")? > 0 {
            return Err(StoreError::DepartmentNotEmpty);
        }
        // Leaving an external directory goes with the department (its members stay).
        db::query("DELETE FROM exposed_departments WHERE department_id = $1")
            .bind(dept.to_string())
            .execute(&mut tx)
            .await?;
        db::query("DELETE FROM departments WHERE id = $1").bind(dept.to_string()).execute(&mut tx).await?;
        let rest = sibling_ids(&mut tx, campus, parent).await?;
        renumber(&mut tx, &rest).await?;
        self.commit_directory(tx, Some(campus)).await?;
        Ok(())
    }

    // ---- members ------------------------------------------------------------------

    /// Creates a member of `campus` (or a bureau officer when `campus` is `None`).
    pub async fn create_member(
        &self,
        campus: Option<CampusId>,
        write: MemberWrite<'_>,
        password_hash: Option<&str>,
    ) -> Result<Member> {
        let mut tx = self.begin().await?;
        let id = insert_member(&mut tx, self.now(), campus, &write, password_hash).await?;
        self.commit_directory(tx, campus).await?;
        self.member(id).await
    }

    pub async fn update_member(&self, campus: CampusId, member: MemberId, write: MemberWrite<'_>) -> Result<Member> {
        let mut tx = self.begin().await?;
        let found = db::query("SELECT id FROM members WHERE id = $1 AND campus_id = $2")
            .bind(member.to_string())
            .bind(campus.to_string())
            .fetch_optional(&mut tx)
            .await?;
        if found.is_none() {
            return Err(StoreError::NotFound);
        }
        write_member(&mut tx, self.now(), campus, member, &write).await?;
        self.commit_directory(tx, Some(campus)).await?;
        self.member(member).await
    }

    pub async fn set_member_status(&self, campus: CampusId, member: MemberId, status: MemberStatus) -> Result<Member> {
        let mut tx = self.begin().await?;
        let done = db::query("UPDATE members SET status = $1, updated_at = $2 WHERE id = $3 AND campus_id = $4")
            .bind(status.as_str())
            .bind(self.now())
            .bind(member.to_string())
            .bind(campus.to_string())
            .execute(&mut tx)
            .await?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        if status == MemberStatus::Disabled {
            db::query("DELETE FROM sessions WHERE member_id = $1").bind(member.to_string()).execute(&mut tx).await?;
        }
        self.commit_directory(tx, Some(campus)).await?;
        self.member(member).await
    }

    /// Sets a new password hash, clears lockout, and ends every session of the member.
    /// Sets a member's password and ends their sessions: every one, or every one but
    /// `keep` (a token hash: the session that changed its own password goes on).
    pub async fn set_password(&self, member: MemberId, hash: &str, keep: Option<&str>) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = db::query(
            "UPDATE members SET password_hash = $1, failed_logins = 0, locked_until = 0, updated_at = $2 WHERE id = $3",
        )
        .bind(hash)
        .bind(self.now())
        .bind(member.to_string())
        .execute(&mut tx)
        .await?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        db::query("DELETE FROM sessions WHERE member_id = $1 AND token_hash <> $2")
            .bind(member.to_string())
            .bind(keep.unwrap_or_default())
            .execute(&mut tx)
            .await?;
        self.commit(tx).await?;
        Ok(())
    }

    pub async fn member(&self, member_id: MemberId) -> Result<Member> {
        let row = dynq(format!("SELECT {MEMBER_COLS} FROM members m WHERE m.id = $1"))
            .bind(member_id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut m = vec![member(&row)?];
        self.with_departments(&mut m).await?;
        m.pop().ok_or(StoreError::NotFound)
    }

    /// Members by id (any campus), with their departments: two queries.
    pub async fn members_by_ids(&self, ids: &[MemberId]) -> Result<Vec<Member>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut q =
                dynq(format!("SELECT {MEMBER_COLS} FROM members m WHERE m.id IN ({})", placeholders(1, chunk.len())));
            for id in chunk {
                q = q.bind(id.to_string());
            }
            let mut members: Vec<Member> = q.fetch_all(&self.pool).await?.iter().map(member).collect::<Result<_>>()?;
            self.with_departments(&mut members).await?;
            out.extend(members);
        }
        Ok(out)
    }

    /// A campus's members: in a department, matching a search, or all; by name.
    pub async fn list_members(&self, campus: CampusId, filter: &MemberFilter) -> Result<MemberPage> {
        let mut args: Vec<String> = vec![campus.to_string()];
        let mut cond = String::from("m.campus_id = $1");
        if !filter.include_disabled {
            cond.push_str(" AND m.status = 'active'");
        }
        if let Some(d) = filter.department_id {
            args.push(d.to_string());
            cond.push_str(&format!(
                " AND m.id IN (SELECT member_id FROM member_departments WHERE department_id = ${})",
                args.len()
            ));
        }
        if let Some(set) = &filter.exposed {
            let (c, a) = crate::interconnect::exposed_condition(campus, set, args.len() + 1);
            cond.push_str(&format!(" AND m.status = 'active' AND {c}"));
            args.extend(a);
        }
        if let Some(q) = &filter.query {
            let terms = query_terms(q);
            if terms.is_empty() {
                return Ok(MemberPage { total: 0, members: Vec::new() });
            }
            let fields: Vec<String> = if filter.search_in.is_empty() {
                vec![SearchField::Card.as_str().to_owned()]
            } else {
                filter.search_in.iter().map(|f| f.as_str().to_owned()).collect()
            };
            for t in terms {
                args.push(campus.to_string());
                args.push(prefix_upper_bound(&t));
                args.push(t);
                let n = args.len();
                let first_field = n + 1;
                args.extend(fields.iter().cloned());
                cond.push_str(&format!(
                    " AND m.id IN (SELECT member_id FROM member_search WHERE campus_id = ${} AND token >= ${} AND token < ${} AND field IN ({}))",
                    n - 2,
                    n,
                    n - 1,
                    crate::sql::placeholders(first_field, fields.len())
                ));
            }
        }
        // One statement for the page, its total and each member's departments: the
        // total is a window over every match (computed before LIMIT), and departments
        // are aggregated for the page's rows only, outside the inner query.
        let page_sql = format!(
            "SELECT p.*, (SELECT string_agg(md.department_id, ',' ORDER BY d.position) FROM member_departments md \
               JOIN departments d ON d.id = md.department_id WHERE md.member_id = p.id) AS department_ids \
             FROM (SELECT {MEMBER_COLS}, COUNT(*) OVER () AS total FROM members m WHERE {cond} \
               ORDER BY m.name_zh, m.id LIMIT {} OFFSET {}) p ORDER BY p.name_zh, p.id",
            filter.limit.clamp(1, 1000),
            filter.offset.max(0)
        );
        let rows = dynq_bound(page_sql, &args).fetch_all(&self.pool).await?;
        let total = match rows.first() {
            Some(r) => int(r, "total")?,
            // A page past the end still says how many there are.
            None if filter.offset > 0 => int(
                &dynq_bound(format!("SELECT COUNT(*) AS n FROM members m WHERE {cond}"), &args)
                    .fetch_one(&self.pool)
                    .await?,
                "n",
            )?,
            None => 0,
        };
        let members = rows
            .iter()
            .map(|r| {
                let mut m = member(r)?;
                m.department_ids = match opt_text(r, "department_ids")? {
                    Some(list) => list
                        .split(',')
                        .map(|d| d.parse().map_err(|_| StoreError::Corrupt(format!("department id {d:?}"))))
                        .collect::<Result<_>>()?,
                    None => Vec::new(),
                };
                Ok(m)
            })
            .collect::<Result<_>>()?;
        Ok(MemberPage { total, members })
    }

    /// Fills in `department_ids` for a page of members with one query.
    pub(crate) async fn with_departments(&self, members: &mut [Member]) -> Result<()> {
        if members.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "SELECT md.member_id, md.department_id FROM member_departments md JOIN departments d ON d.id = md.department_id \
             WHERE md.member_id IN ({}) ORDER BY d.position",
            placeholders(1, members.len())
        );
        let mut q = dynq(sql);
        for m in members.iter() {
            q = q.bind(m.id.to_string());
        }
        let mut by_member: HashMap<MemberId, Vec<DepartmentId>> = HashMap::new();
        for r in q.fetch_all(&self.pool).await? {
            by_member.entry(id(&r, "member_id")?).or_default().push(id(&r, "department_id")?);
        }
        for m in members {
            m.department_ids = by_member.remove(&m.id).unwrap_or_default();
        }
        Ok(())
    }

    /// Imports members: all lines or none. Department paths that do not exist are
    /// created; a login already on this campus updates that member; a login taken
    /// anywhere else refuses its line.
    pub async fn import_members(&self, campus: CampusId, rows: &[ImportRow]) -> Result<ImportOutcome> {
        self.import_members_with(campus, rows, Vec::new()).await
    }

    /// `import_members` of the lines of a file that parsed, `refused` being what was
    /// wrong with its other lines: nothing is written unless both that and what the
    /// store finds (logins of other campuses) are empty, and the refusal reports them
    /// all, in line order.
    pub async fn import_members_with(
        &self,
        campus: CampusId,
        rows: &[ImportRow],
        mut refused: Vec<LineError>,
    ) -> Result<ImportOutcome> {
        let mut tx = self.begin().await?;
        let mut existing: HashMap<String, (MemberId, Option<CampusId>)> = HashMap::new();
        for chunk in rows.chunks(500) {
            let sql =
                format!("SELECT id, campus_id, login FROM members WHERE login IN ({})", placeholders(1, chunk.len()));
            let mut q = dynq(sql);
            for r in chunk {
                q = q.bind(r.fields.login.as_str().to_owned());
            }
            for r in q.fetch_all(&mut tx).await? {
                existing.insert(text(&r, "login")?, (id(&r, "id")?, opt_id(&r, "campus_id")?));
            }
        }
        refused.extend(
            rows.iter()
                .filter(|r| matches!(existing.get(r.fields.login.as_str()), Some((_, c)) if *c != Some(campus)))
                .map(|r| LineError { line: r.line, column: "login".into(), invalid: Invalid::DuplicateLogin }),
        );
        if !refused.is_empty() {
            refused.sort_by_key(|e| e.line);
            return Err(StoreError::ImportRefused(refused));
        }

        let now = self.now();
        let mut paths = DepartmentPaths::load(&mut tx, campus).await?;
        let mut creates = Vec::new();
        let mut updates = Vec::new();
        for row in rows {
            let mut dept_ids = Vec::new();
            for path in &row.departments {
                let d = paths.resolve(&mut tx, now, campus, path).await?;
                if !dept_ids.contains(&d) {
                    dept_ids.push(d);
                }
            }
            match existing.get(row.fields.login.as_str()) {
                Some((member, _)) => updates.push(Imported { id: *member, fields: &row.fields, dept_ids }),
                None => creates.push(Imported { id: MemberId::new(), fields: &row.fields, dept_ids }),
            }
        }
        let outcome = ImportOutcome { created: creates.len(), updated: updates.len() };
        write_imported(&mut tx, self.dialect, now, campus, &creates, &updates).await?;
        self.commit_directory(tx, Some(campus)).await?;
        self.analyze().await?;
        Ok(outcome)
    }

    /// Every member of the campus with their department paths, for export.
    pub async fn export_members(&self, campus: CampusId) -> Result<Vec<(Member, Vec<String>)>> {
        let page = self
            .list_members(campus, &MemberFilter { include_disabled: true, limit: 1000, ..Default::default() })
            .await?;
        let mut all = page.members;
        let mut offset = all.len() as i64;
        while offset < page.total {
            let more = self
                .list_members(
                    campus,
                    &MemberFilter { include_disabled: true, limit: 1000, offset, ..Default::default() },
                )
                .await?;
            if more.members.is_empty() {
                break;
            }
            offset += more.members.len() as i64;
            all.extend(more.members);
        }
        let depts = self.departments(campus).await?;
        let by_id: HashMap<DepartmentId, &Department> = depts.iter().map(|d| (d.id, d)).collect();
        let path = |d: DepartmentId| {
            let mut names = Vec::new();
            let mut cur = Some(d);
            while let Some(c) = cur.and_then(|c| by_id.get(&c)) {
                names.push(c.name_zh.clone());
                cur = c.parent_id;
                if names.len() > by_id.len() {
                    break;
                }
            }
            names.reverse();
            names.join("/")
        };
        Ok(all
            .into_iter()
            .map(|m| {
                let paths = m.department_ids.iter().map(|d| path(*d)).collect();
                (m, paths)
            })
            .collect())
    }

    /// The number of members of a campus, for the console and benchmarks.
    pub async fn member_count(&self, campus: CampusId) -> Result<i64> {
        let r = db::query("SELECT COUNT(*) AS n FROM members WHERE campus_id = $1")
            .bind(campus.to_string())
            .fetch_one(&self.pool)
            .await?;
        int(&r, "n")
    }

    /// Finds a campus member by login, for seeding and tests.
    pub async fn member_by_login(&self, login: &str) -> Result<Option<Member>> {
        let row = dynq(format!("SELECT {MEMBER_COLS} FROM members m WHERE m.login = $1"))
            .bind(login.to_ascii_lowercase())
            .fetch_optional(&self.pool)
            .await?;
        match row {
            None => Ok(None),
            Some(r) => {
                let mut m = vec![member(&r)?];
                self.with_departments(&mut m).await?;
                Ok(m.pop())
            }
        }
    }

    /// A campus's members with a given role, e.g. its admins for the bureau console.
    pub async fn members_with_role(&self, campus: CampusId, role: Role) -> Result<Vec<Member>> {
        let rows = dynq(format!(
            "SELECT {MEMBER_COLS} FROM members m WHERE m.campus_id = $1 AND m.role = $2 ORDER BY m.login"
        ))
        .bind(campus.to_string())
        .bind(role.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(member).collect()
    }
}

async fn parents_of(tx: &mut Tx, campus: CampusId) -> Result<HashMap<DepartmentId, Option<DepartmentId>>> {
    let rows = db::query("SELECT id, parent_id FROM departments WHERE campus_id = $1")
        .bind(campus.to_string())
        .fetch_all(&mut *tx)
        .await?;
    rows.iter().map(|r| Ok((id(r, "id")?, opt_id(r, "parent_id")?))).collect()
}

async fn sibling_ids(tx: &mut Tx, campus: CampusId, parent: Option<DepartmentId>) -> Result<Vec<DepartmentId>> {
    let rows = match parent {
        Some(p) => {
            db::query("SELECT id FROM departments WHERE campus_id = $1 AND parent_id = $2 ORDER BY position, name_zh")
                .bind(campus.to_string())
                .bind(p.to_string())
                .fetch_all(&mut *tx)
                .await?
        }
        None => {
            db::query(
                "SELECT id FROM departments WHERE campus_id = $1 AND parent_id IS NULL ORDER BY position, name_zh",
            )
            .bind(campus.to_string())
            .fetch_all(&mut *tx)
            .await?
        }
    };
    rows.iter().map(|r| id(r, "id")).collect()
}

async fn renumber(tx: &mut Tx, ordered: &[DepartmentId]) -> Result<()> {
    for (i, d) in ordered.iter().enumerate() {
        db::query("UPDATE departments SET position = $1 WHERE id = $2")
            .bind(i as i64)
            .bind(d.to_string())
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Refuses a department name that another department (but `except`) under `parent`
/// has already: two siblings of one name could not be told apart in the tree, in an
/// import's department path, or in a picker.
async fn refuse_sibling_named(
    tx: &mut Tx,
    campus: CampusId,
    parent: Option<DepartmentId>,
    name_zh: &str,
    except: Option<DepartmentId>,
) -> Result<()> {
    let except = except.map(|d| d.to_string()).unwrap_or_default();
    let taken = db::query(
        "SELECT 1 AS taken FROM departments WHERE campus_id = $1 AND COALESCE(parent_id, '') = $2 AND name_zh = $3 AND id <> $4",
    )
    .bind(campus.to_string())
    .bind(parent.map(|p| p.to_string()).unwrap_or_default())
    .bind(name_zh)
    .bind(except)
    .fetch_optional(&mut *tx)
    .await?;
    match taken {
        Some(_) => Err(StoreError::Duplicate(crate::Unique::DepartmentName)),
        None => Ok(()),
    }
}

async fn insert_department(
    tx: &mut Tx,
    now: i64,
    campus: CampusId,
    parent: Option<DepartmentId>,
    name_zh: &str,
    name_pt: &str,
) -> Result<DepartmentId> {
    if let Some(p) = parent {
        let found = db::query("SELECT id FROM departments WHERE id = $1 AND campus_id = $2")
            .bind(p.to_string())
            .bind(campus.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if found.is_none() {
            return Err(StoreError::UnknownDepartment);
        }
    }
    refuse_sibling_named(tx, campus, parent, name_zh, None).await?;
    let position = sibling_ids(tx, campus, parent).await?.len() as i64;
    let id = DepartmentId::new();
    db::query("INSERT INTO departments (id, campus_id, parent_id, name_zh, name_pt, position, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(id.to_string())
        .bind(campus.to_string())
        .bind(parent.map(|p| p.to_string()))
        .bind(name_zh)
        .bind(name_pt)
        .bind(position)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(id)
}

async fn insert_member(
    tx: &mut Tx,
    now: i64,
    campus: Option<CampusId>,
    write: &MemberWrite<'_>,
    password_hash: Option<&str>,
) -> Result<MemberId> {
    let id = MemberId::new();
    let f = write.fields;
    db::query(
        "INSERT INTO members (id, campus_id, login, role, status, name_zh, name_pt, title, phone, email, staff_no, password_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'active', $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(id.to_string())
    .bind(campus.map(|c| c.to_string()))
    .bind(f.login.as_str())
    .bind(write.role.as_str())
    .bind_card(f)
    .bind(password_hash.map(str::to_owned))
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(unique(Unique::Login))?;
    if let Some(campus) = campus {
        set_departments(tx, campus, id, write.department_ids).await?;
        set_search_tokens(tx, campus, id, f).await?;
    }
    Ok(id)
}

async fn write_member(
    tx: &mut Tx,
    now: i64,
    campus: CampusId,
    member: MemberId,
    write: &MemberWrite<'_>,
) -> Result<()> {
    let f = write.fields;
    db::query(
        "UPDATE members SET login = $1, role = $2, name_zh = $3, name_pt = $4, title = $5, phone = $6, email = $7, staff_no = $8, updated_at = $9 WHERE id = $10",
    )
    .bind(f.login.as_str())
    .bind(write.role.as_str())
    .bind_card(f)
    .bind(now)
    .bind(member.to_string())
    .execute(&mut *tx)
    .await
    .map_err(unique(Unique::Login))?;
    set_departments(tx, campus, member, write.department_ids).await?;
    set_search_tokens(tx, campus, member, f).await
}

/// Binds a member's card fields in the order every members statement lists them:
/// name_zh, name_pt, title, phone, email, staff_no.
trait BindCard<'a> {
    fn bind_card(self, f: &'a MemberFields) -> Self;
}

impl<'a> BindCard<'a> for db::Query<'a> {
    fn bind_card(self, f: &'a MemberFields) -> Self {
        self.bind(&f.name_zh).bind(&f.name_pt).bind(&f.title).bind(&f.phone).bind(&f.email).bind(&f.staff_no)
    }
}

async fn set_departments(tx: &mut Tx, campus: CampusId, member: MemberId, depts: &[DepartmentId]) -> Result<()> {
    if !depts.is_empty() {
        let sql = format!(
            "SELECT COUNT(*) AS n FROM departments WHERE campus_id = $1 AND id IN ({})",
            placeholders(2, depts.len())
        );
        let mut q = dynq(sql).bind(campus.to_string());
        for d in depts {
            q = q.bind(d.to_string());
        }
        let mut unique_ids = depts.to_vec();
        unique_ids.sort();
        unique_ids.dedup();
        if int(&q.fetch_one(&mut *tx).await?, "n")? != unique_ids.len() as i64 {
            return Err(StoreError::UnknownDepartment);
        }
    }
    db::query("DELETE FROM member_departments WHERE member_id = $1").bind(member.to_string()).execute(&mut *tx).await?;
    let mut seen = Vec::new();
    for d in depts {
        if seen.contains(d) {
            continue;
        }
        seen.push(*d);
        db::query("INSERT INTO member_departments (member_id, department_id) VALUES ($1, $2)")
            .bind(member.to_string())
            .bind(d.to_string())
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// One member of an import, as it will be written.
struct Imported<'a> {
    id: MemberId,
    fields: &'a MemberFields,
    dept_ids: Vec<DepartmentId>,
}

/// Most rows per multi-row statement of an import: 256 × 14 placeholders for members,
/// inside both databases' limits.
const IMPORT_ROWS: usize = 256;

/// Writes an import's new and changed members with multi-row statements — a few dozen
/// for 5,000 members instead of several per member — so the transaction, and with it
/// the database's write lock that sends wait on, is held as briefly as possible.
async fn write_imported(
    tx: &mut Tx,
    dialect: Dialect,
    now: i64,
    campus: CampusId,
    creates: &[Imported<'_>],
    updates: &[Imported<'_>],
) -> Result<()> {
    let campus_text = campus.to_string();
    for chunk in creates.chunks(IMPORT_ROWS) {
        let mut q = dynq(format!(
            "INSERT INTO members (id, campus_id, login, role, status, name_zh, name_pt, title, phone, email, \
             staff_no, password_hash, created_at, updated_at) VALUES {}",
            sql::values(dialect, 14, chunk.len())
        ));
        for m in chunk {
            let f = m.fields;
            q = q
                .bind(m.id.to_string())
                .bind(&campus_text)
                .bind(f.login.as_str())
                .bind(Role::Member.as_str())
                .bind(MemberStatus::Active.as_str())
                .bind_card(f)
                .bind(None::<String>)
                .bind(now)
                .bind(now);
        }
        q.execute(&mut *tx).await.map_err(unique(Unique::Login))?;
    }
    for chunk in updates.chunks(IMPORT_ROWS) {
        // UPDATE … FROM a VALUES list: both databases name its columns column1, column2…
        let mut q = dynq(format!(
            "UPDATE members SET login = v.column2, name_zh = v.column3, name_pt = v.column4, title = v.column5, \
             phone = v.column6, email = v.column7, staff_no = v.column8, updated_at = v.column9 \
             FROM (VALUES {}) AS v WHERE members.id = v.column1",
            sql::values(dialect, 9, chunk.len())
        ));
        for m in chunk {
            let f = m.fields;
            q = q.bind(m.id.to_string()).bind(f.login.as_str()).bind_card(f).bind(now);
        }
        q.execute(&mut *tx).await.map_err(unique(Unique::Login))?;
        let ids: Vec<String> = chunk.iter().map(|m| m.id.to_string()).collect();
        for table in ["member_departments", "member_search"] {
            dynq_bound(format!("DELETE FROM {table} WHERE member_id IN ({})", placeholders(1, ids.len())), &ids)
                .execute(&mut *tx)
                .await?;
        }
    }
    let all = || creates.iter().chain(updates);
    let links: Vec<(String, String)> =
        all().flat_map(|m| m.dept_ids.iter().map(move |d| (m.id.to_string(), d.to_string()))).collect();
    for chunk in links.chunks(4096) {
        let mut q = dynq(format!(
            "INSERT INTO member_departments (member_id, department_id) VALUES {}",
            sql::values(dialect, 2, chunk.len())
        ));
        for (m, d) in chunk {
            q = q.bind(m).bind(d);
        }
        q.execute(&mut *tx).await?;
    }
    let tokens: Vec<(String, &'static str, String)> = all()
        .flat_map(|m| {
            let id = m.id.to_string();
            member_tokens(&Searchable::of(m.fields)).into_iter().map(move |(field, t)| (id.clone(), field, t))
        })
        .collect();
    for chunk in tokens.chunks(4096) {
        let mut q = dynq(format!(
            "INSERT INTO member_search (campus_id, member_id, field, token) VALUES {}",
            sql::values(dialect, 4, chunk.len())
        ));
        for (m, field, t) in chunk {
            q = q.bind(&campus_text).bind(m).bind(*field).bind(t);
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

/// A member's search tokens, each with the field it comes from, so a search matches
/// only the fields its viewer may see.
/// What a member is found by: the card (names, title), the staff number, the login.
struct Searchable<'a> {
    card: [&'a str; 3],
    staff_no: &'a str,
    login: &'a str,
}

impl<'a> Searchable<'a> {
    fn of(f: &'a MemberFields) -> Self {
        Searchable { card: [&f.name_zh, &f.name_pt, &f.title], staff_no: &f.staff_no, login: f.login.as_str() }
    }
}

fn member_tokens(s: &Searchable<'_>) -> Vec<(&'static str, String)> {
    let mut tokens: Vec<(&'static str, String)> = Vec::new();
    for t in index_tokens(s.card) {
        tokens.push((SearchField::Card.as_str(), t));
    }
    for t in index_tokens([s.staff_no]) {
        tokens.push((SearchField::StaffNo.as_str(), t));
    }
    for t in index_tokens([s.login]) {
        tokens.push((SearchField::Login.as_str(), t));
    }
    tokens
}

async fn set_search_tokens(tx: &mut Tx, campus: CampusId, member: MemberId, f: &MemberFields) -> Result<()> {
    write_search_tokens(tx, campus, member, &Searchable::of(f)).await
}

/// Rewrites a member's search tokens.
async fn write_search_tokens(tx: &mut Tx, campus: CampusId, member: MemberId, s: &Searchable<'_>) -> Result<()> {
    db::query("DELETE FROM member_search WHERE member_id = $1").bind(member.to_string()).execute(&mut *tx).await?;
    let tokens = member_tokens(s);
    if tokens.is_empty() {
        return Ok(());
    }
    // One statement per member: a 5,000-line import stays a few thousand round trips.
    let values: Vec<String> = (0..tokens.len()).map(|i| format!("($1, $2, ${}, ${})", 2 * i + 3, 2 * i + 4)).collect();
    let sql = format!("INSERT INTO member_search (campus_id, member_id, field, token) VALUES {}", values.join(", "));
    let mut q = dynq(sql).bind(campus.to_string()).bind(member.to_string());
    for (field, t) in tokens {
        q = q.bind(field).bind(t);
    }
    q.execute(&mut *tx).await?;
    Ok(())
}

impl Store {
    /// Builds every member's search tokens again (after a migration changed how they
    /// are stored), a few hundred members per transaction.
    pub(crate) async fn reindex_search(&self) -> Result<()> {
        let rows = db::query(
            "SELECT id, campus_id, login, name_zh, name_pt, title, staff_no FROM members WHERE campus_id IS NOT NULL ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        for chunk in rows.chunks(300) {
            let mut tx = self.begin().await?;
            for r in chunk {
                let [zh, pt, title, staff_no, login] =
                    ["name_zh", "name_pt", "title", "staff_no", "login"].map(|c| text(r, c));
                let (zh, pt, title, staff_no, login) = (zh?, pt?, title?, staff_no?, login?);
                let s = Searchable { card: [&zh, &pt, &title], staff_no: &staff_no, login: &login };
                write_search_tokens(&mut tx, id(r, "campus_id")?, id(r, "id")?, &s).await?;
            }
            self.commit(tx).await?;
        }
        tracing::info!(members = rows.len(), "search tokens rebuilt");
        Ok(())
    }
}

/// Resolves department paths by zh-Hant names during an import, creating what is missing.
struct DepartmentPaths {
    /// (parent, name_zh) → id
    known: HashMap<(Option<DepartmentId>, String), DepartmentId>,
}

impl DepartmentPaths {
    async fn load(tx: &mut Tx, campus: CampusId) -> Result<Self> {
        let rows = db::query("SELECT id, parent_id, name_zh FROM departments WHERE campus_id = $1 ORDER BY position")
            .bind(campus.to_string())
            .fetch_all(&mut *tx)
            .await?;
        let mut known = HashMap::new();
        for r in &rows {
            known.entry((opt_id(r, "parent_id")?, text(r, "name_zh")?)).or_insert(id(r, "id")?);
        }
        Ok(Self { known })
    }

    async fn resolve(&mut self, tx: &mut Tx, now: i64, campus: CampusId, path: &[String]) -> Result<DepartmentId> {
        let mut parent = None;
        let mut current = None;
        for name in path {
            let key = (parent, name.clone());
            let id = match self.known.get(&key) {
                Some(id) => *id,
                None => {
                    let id = insert_department(tx, now, campus, parent, name, "").await?;
                    self.known.insert(key, id);
                    id
                }
            };
            current = Some(id);
            parent = Some(id);
        }
        current.ok_or(StoreError::UnknownDepartment)
    }
}
