//! The bureau's registry: schools and their campuses.

use crate::Unique;
use crate::db::{self, Row};
use crate::sql::{dynq, id, text, unique};
use crate::{Result, Store, StoreError};
use domain::values::Code;
use domain::{CampusId, SchoolId};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct School {
    pub id: SchoolId,
    pub code: String,
    pub name_zh: String,
    pub name_pt: String,
    pub name_en: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Campus {
    pub id: CampusId,
    pub school_id: SchoolId,
    pub code: String,
    pub name_zh: String,
    pub name_pt: String,
    pub name_en: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct SchoolWithCampuses {
    #[serde(flatten)]
    pub school: School,
    pub campuses: Vec<Campus>,
}

/// Names in the three languages, already checked.
pub struct Names<'a> {
    pub zh: &'a str,
    pub pt: &'a str,
    pub en: &'a str,
}

fn school(r: &Row) -> Result<School> {
    Ok(School {
        id: id(r, "id")?,
        code: text(r, "code")?,
        name_zh: text(r, "name_zh")?,
        name_pt: text(r, "name_pt")?,
        name_en: text(r, "name_en")?,
    })
}

fn campus(r: &Row) -> Result<Campus> {
    Ok(Campus {
        id: id(r, "id")?,
        school_id: id(r, "school_id")?,
        code: text(r, "code")?,
        name_zh: text(r, "name_zh")?,
        name_pt: text(r, "name_pt")?,
        name_en: text(r, "name_en")?,
    })
}

const CAMPUS_COLS: &str = "id, school_id, code, name_zh, name_pt, name_en";

impl Store {
    pub async fn create_school(&self, code: &Code, names: Names<'_>) -> Result<School> {
        let s = School {
            id: SchoolId::new(),
            code: code.as_str().to_owned(),
            name_zh: names.zh.to_owned(),
            name_pt: names.pt.to_owned(),
            name_en: names.en.to_owned(),
        };
        db::query(
            "INSERT INTO schools (id, code, code_key, name_zh, name_pt, name_en, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(s.id.to_string())
        .bind(&s.code)
        .bind(s.code.to_lowercase())
        .bind(&s.name_zh)
        .bind(&s.name_pt)
        .bind(&s.name_en)
        .bind(self.now())
        .execute(&self.pool)
        .await
        .map_err(unique(Unique::Code))?;
        Ok(s)
    }

    pub async fn update_school(&self, school: SchoolId, names: Names<'_>) -> Result<School> {
        let done = db::query("UPDATE schools SET name_zh = $1, name_pt = $2, name_en = $3 WHERE id = $4")
            .bind(names.zh)
            .bind(names.pt)
            .bind(names.en)
            .bind(school.to_string())
            .execute(&self.pool)
            .await?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        self.school(school).await
    }

    pub async fn school(&self, school_id: SchoolId) -> Result<School> {
        let row = db::query("SELECT id, code, name_zh, name_pt, name_en FROM schools WHERE id = $1")
            .bind(school_id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        school(&row)
    }

    pub async fn school_by_code(&self, code: &str) -> Result<Option<School>> {
        db::query("SELECT id, code, name_zh, name_pt, name_en FROM schools WHERE code_key = $1")
            .bind(code.to_lowercase())
            .fetch_optional(&self.pool)
            .await?
            .map(|r| school(&r))
            .transpose()
    }

    /// Every school with its campuses, by code.
    pub async fn list_schools(&self) -> Result<Vec<SchoolWithCampuses>> {
        let schools = db::query("SELECT id, code, name_zh, name_pt, name_en FROM schools ORDER BY code_key")
            .fetch_all(&self.pool)
            .await?;
        let campuses =
            dynq(format!("SELECT {CAMPUS_COLS} FROM campuses ORDER BY code_key")).fetch_all(&self.pool).await?;
        let campuses: Vec<Campus> = campuses.iter().map(campus).collect::<Result<_>>()?;
        schools
            .iter()
            .map(|r| {
                let school = school(r)?;
                let campuses = campuses.iter().filter(|c| c.school_id == school.id).cloned().collect();
                Ok(SchoolWithCampuses { school, campuses })
            })
            .collect()
    }

    pub async fn create_campus(&self, school_id: SchoolId, code: &Code, names: Names<'_>) -> Result<Campus> {
        self.school(school_id).await?;
        let c = Campus {
            id: CampusId::new(),
            school_id,
            code: code.as_str().to_owned(),
            name_zh: names.zh.to_owned(),
            name_pt: names.pt.to_owned(),
            name_en: names.en.to_owned(),
        };
        db::query(
            "INSERT INTO campuses (id, school_id, code, code_key, name_zh, name_pt, name_en, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(c.id.to_string())
        .bind(school_id.to_string())
        .bind(&c.code)
        .bind(c.code.to_lowercase())
        .bind(&c.name_zh)
        .bind(&c.name_pt)
        .bind(&c.name_en)
        .bind(self.now())
        .execute(&self.pool)
        .await
        .map_err(unique(Unique::Code))?;
        Ok(c)
    }

    pub async fn update_campus(&self, campus_id: CampusId, names: Names<'_>) -> Result<Campus> {
        let done = db::query("UPDATE campuses SET name_zh = $1, name_pt = $2, name_en = $3 WHERE id = $4")
            .bind(names.zh)
            .bind(names.pt)
            .bind(names.en)
            .bind(campus_id.to_string())
            .execute(&self.pool)
            .await?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        self.campus(campus_id).await
    }

    pub async fn campus(&self, campus_id: CampusId) -> Result<Campus> {
        let row = dynq(format!("SELECT {CAMPUS_COLS} FROM campuses WHERE id = $1"))
            .bind(campus_id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        campus(&row)
    }

    /// Every campus of a school, by code.
    pub async fn campuses_of_school(&self, school: SchoolId) -> Result<Vec<Campus>> {
        let rows = dynq(format!("SELECT {CAMPUS_COLS} FROM campuses WHERE school_id = $1 ORDER BY code_key"))
            .bind(school.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(campus).collect()
    }

    /// Imports schools and campuses in one transaction: a school code seen for the first
    /// time is created, a known one reused; every campus is new. Any duplicate campus
    /// code refuses the whole import, reported by the line it came from, with `refused`
    /// (what was wrong with the file's lines that did not parse), in line order.
    pub async fn import_registry(
        &self,
        rows: &[RegistryRow],
        refused: Vec<domain::member_row::LineError>,
    ) -> Result<(usize, usize)> {
        let mut tx = self.begin().await?;
        let mut schools_created = 0;
        let mut campuses_created = 0;
        let mut errors = refused;
        let mut known: std::collections::HashMap<String, SchoolId> = Default::default();
        for row in rows {
            let key = row.school_code.as_str().to_lowercase();
            let school_id = match known.get(&key) {
                Some(id) => *id,
                None => {
                    let existing = db::query("SELECT id FROM schools WHERE code_key = $1")
                        .bind(&key)
                        .fetch_optional(&mut tx)
                        .await?;
                    let id = match existing {
                        Some(r) => id(&r, "id")?,
                        None => {
                            let id = SchoolId::new();
                            db::query("INSERT INTO schools (id, code, code_key, name_zh, name_pt, name_en, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                                .bind(id.to_string())
                                .bind(row.school_code.as_str())
                                .bind(&key)
                                .bind(&row.school_names[0])
                                .bind(&row.school_names[1])
                                .bind(&row.school_names[2])
                                .bind(self.now())
                                .execute(&mut tx)
                                .await?;
                            schools_created += 1;
                            id
                        }
                    };
                    known.insert(key, id);
                    id
                }
            };
            let campus_key = row.campus_code.as_str().to_lowercase();
            let taken = db::query("SELECT id FROM campuses WHERE code_key = $1")
                .bind(&campus_key)
                .fetch_optional(&mut tx)
                .await?
                .is_some();
            if taken {
                errors.push(domain::member_row::LineError {
                    line: row.line,
                    column: "campus_code".into(),
                    invalid: domain::Invalid::DuplicateCode,
                });
                continue;
            }
            db::query("INSERT INTO campuses (id, school_id, code, code_key, name_zh, name_pt, name_en, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(CampusId::new().to_string())
                .bind(school_id.to_string())
                .bind(row.campus_code.as_str())
                .bind(&campus_key)
                .bind(&row.campus_names[0])
                .bind(&row.campus_names[1])
                .bind(&row.campus_names[2])
                .bind(self.now())
                .execute(&mut tx)
                .await?;
            campuses_created += 1;
        }
        if !errors.is_empty() {
            tx.rollback().await?;
            errors.sort_by_key(|e| e.line);
            return Err(StoreError::ImportRefused(errors));
        }
        self.commit(tx).await?;
        self.analyze().await?;
        Ok((schools_created, campuses_created))
    }
}

/// One checked line of a registry import.
#[derive(Clone, Debug)]
pub struct RegistryRow {
    pub line: usize,
    pub school_code: Code,
    /// zh, pt, en
    pub school_names: [String; 3],
    pub campus_code: Code,
    pub campus_names: [String; 3],
}
