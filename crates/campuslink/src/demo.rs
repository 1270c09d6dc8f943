//! The demo school: 示範學校 with three campuses, and 另一學校 with one, each with
//! departments and members with plausible Chinese and Portuguese names. Seeding is
//! idempotent: a second run finds the school and changes nothing.

use domain::member_row::{MemberFields, RawMemberFields};
use domain::values::{Code, Password};
use domain::{CampusId, DepartmentId, Role};
use store::{MemberWrite, Names, Store};

pub const PASSWORD: &str = "campuslink";

struct CampusPlan {
    code: &'static str,
    names: [&'static str; 3],
    letter: &'static str,
    teachers: usize,
}

const SURNAMES: [(&str, &str); 16] = [
    ("陳", "Chan"),
    ("李", "Lei"),
    ("黃", "Wong"),
    ("梁", "Leong"),
    ("何", "Ho"),
    ("林", "Lam"),
    ("張", "Cheong"),
    ("劉", "Lau"),
    ("鄭", "Cheang"),
    ("吳", "Ng"),
    ("羅", "Lo"),
    ("蘇", "Sou"),
    ("葉", "Ip"),
    ("馮", "Fong"),
    ("區", "Au"),
    ("郭", "Kuok"),
];
const GIVEN: [(&str, &str); 20] = [
    ("嘉欣", "Ka Ian"),
    ("志明", "Chi Meng"),
    ("美玲", "Mei Leng"),
    ("家豪", "Ka Hou"),
    ("詠詩", "Weng Si"),
    ("俊傑", "Chon Kit"),
    ("曉彤", "Hio Tong"),
    ("偉倫", "Wai Lon"),
    ("婉婷", "Un Teng"),
    ("子軒", "Chi Hin"),
    ("雅琪", "Nga Kei"),
    ("浩然", "Hou In"),
    ("慧敏", "Wai Man"),
    ("國強", "Kuok Keong"),
    ("淑儀", "Sok I"),
    ("文傑", "Man Kit"),
    ("寶儀", "Pou I"),
    ("振華", "Chan Wa"),
    ("麗珊", "Lai San"),
    ("家樂", "Ka Lok"),
];
/// Macau's Portuguese-speaking teachers, with the Chinese names they use.
const PORTUGUESE: [(&str, &str); 8] = [
    ("施安娜", "Ana Conceição Sousa"),
    ("高若昂", "João Gonçalves"),
    ("費瑪麗亞", "Maria Fernandes"),
    ("羅佩德", "Pedro Rodrigues"),
    ("馬蓮娜", "Helena Marques"),
    ("鮑路易", "Luís Baptista"),
    ("柯蘇菲", "Sofia Correia"),
    ("湯明高", "Tomás Monteiro"),
];
const TITLES: [&str; 6] = ["教師", "教師", "教師", "科主任", "輔導員", "教學助理"];

/// (zh, pt) names of a department.
type Names2 = (&'static str, &'static str);

fn departments(kind: &str) -> Vec<(&'static str, &'static str, Vec<Names2>)> {
    let teaching = match kind {
        "kinder" => vec![("幼兒班", "Turmas de Infância"), ("高班", "Turmas Avançadas")],
        "primary" => vec![("中文科", "Chinês"), ("數學科", "Matemática"), ("常識科", "Estudo do Meio")],
        _ => vec![("中文科", "Chinês"), ("數學科", "Matemática"), ("英文科", "Inglês"), ("葡文科", "Português")],
    };
    vec![
        ("校長室", "Direcção", vec![]),
        ("教務處", "Serviço Pedagógico", teaching),
        ("訓導處", "Disciplina", vec![]),
        ("輔導室", "Aconselhamento", vec![]),
        ("總務處", "Serviços Gerais", vec![]),
    ]
}

pub async fn seed(store: &Store) -> anyhow::Result<()> {
    if store.school_by_code("DEMO").await?.is_some() {
        tracing::info!("demo school already seeded");
        return Ok(());
    }
    // One hash for every demo account: all share the published demo password, and
    // hashing it once keeps `campuslink demo` quick to start.
    let hash = server::auth::hash_password(&Password::parse(PASSWORD).map_err(|e| anyhow::anyhow!("{e:?}"))?)
        .await
        .map_err(|e| anyhow::anyhow!("hashing failed: {e:?}"))?;

    let school = store
        .create_school(
            &code("DEMO")?,
            Names { zh: "示範學校", pt: "Escola de Demonstração", en: "Demonstration School" },
        )
        .await?;
    let plans = [
        CampusPlan {
            code: "DEMO-S",
            names: ["中學部", "Secção Secundária", "Secondary Section"],
            letter: "a",
            teachers: 40,
        },
        CampusPlan {
            code: "DEMO-P",
            names: ["小學部", "Secção Primária", "Primary Section"],
            letter: "b",
            teachers: 40,
        },
        CampusPlan {
            code: "DEMO-K",
            names: ["幼稚園部", "Secção Infantil", "Kindergarten Section"],
            letter: "c",
            teachers: 40,
        },
    ];
    for (i, plan) in plans.iter().enumerate() {
        let campus = store
            .create_campus(
                school.id,
                &code(plan.code)?,
                Names { zh: plan.names[0], pt: plan.names[1], en: plan.names[2] },
            )
            .await?;
        let kind = ["secondary", "primary", "kinder"][i];
        seed_campus(store, campus.id, plan, kind, &hash, i).await?;
    }
    let other = store
        .create_school(&code("OTHER")?, Names { zh: "另一學校", pt: "Outra Escola", en: "Another School" })
        .await?;
    let x =
        store.create_campus(other.id, &code("OTHER-1")?, Names { zh: "本部", pt: "Sede", en: "Main Campus" }).await?;
    let plan = CampusPlan { code: "OTHER-1", names: ["本部", "Sede", "Main Campus"], letter: "x", teachers: 10 };
    seed_campus(store, x.id, &plan, "primary", &hash, 3).await?;

    let bureau = fields("bureau", "教育局主任", "Chefe da DSEDJ", "教育局職員")?;
    store
        .create_member(None, MemberWrite { fields: &bureau, role: Role::Bureau, department_ids: &[] }, Some(&hash))
        .await?;
    store.analyze().await?;
    tracing::info!("demo school seeded");
    Ok(())
}

async fn seed_campus(
    store: &Store,
    campus: CampusId,
    plan: &CampusPlan,
    kind: &str,
    hash: &str,
    salt: usize,
) -> anyhow::Result<()> {
    let mut leaves: Vec<DepartmentId> = Vec::new();
    let mut principal_office = None;
    for (zh, pt, children) in departments(kind) {
        let d = store.create_department(campus, None, zh, pt).await?;
        if principal_office.is_none() {
            principal_office = Some(d.id);
        }
        if children.is_empty() {
            leaves.push(d.id);
        }
        for (czh, cpt) in children {
            leaves.push(store.create_department(campus, Some(d.id), czh, cpt).await?.id);
        }
    }
    let mut admin =
        fields(&format!("admin.{}", plan.letter), &format!("{}管理員", plan.names[0]), "Administrador", "資訊主任")?;
    // Filing replies and removal notices go to the admins' e-mail addresses.
    admin.email = format!("admin.{}@{}.demo.campuslink.mo", plan.letter, plan.code.to_lowercase());
    let office: Vec<DepartmentId> = principal_office.into_iter().collect();
    store
        .create_member(
            Some(campus),
            MemberWrite { fields: &admin, role: Role::Admin, department_ids: &office },
            Some(hash),
        )
        .await?;

    for n in 1..=plan.teachers {
        let k = n + salt * 7;
        let (zh, pt) = if n % 6 == 0 {
            let (zh, pt) = PORTUGUESE[(k / 6) % PORTUGUESE.len()];
            (zh.to_owned(), pt.to_owned())
        } else {
            let (sz, sp) = SURNAMES[k % SURNAMES.len()];
            let (gz, gp) = GIVEN[(k * 7 + salt) % GIVEN.len()];
            (format!("{sz}{gz}"), format!("{sp} {gp}"))
        };
        let title = TITLES[k % TITLES.len()];
        let mut f = fields(&format!("teacher.{}{n}", plan.letter), &zh, &pt, title)?;
        f.staff_no = format!("{}-{n:03}", plan.code);
        f.email = format!("teacher.{}{n}@{}.demo.campuslink.mo", plan.letter, plan.code.to_lowercase());
        f.phone = format!("+853 6{:03} {:04}", 100 + salt * 10 + n % 10, 1000 + n * 37);
        let mut depts = vec![leaves[n % leaves.len()]];
        if n % 9 == 0 {
            let second = leaves[(n / 9) % leaves.len()];
            if second != depts[0] {
                depts.push(second);
            }
        }
        store
            .create_member(
                Some(campus),
                MemberWrite { fields: &f, role: Role::Member, department_ids: &depts },
                Some(hash),
            )
            .await?;
    }
    Ok(())
}

fn code(s: &str) -> anyhow::Result<Code> {
    Code::parse(s).map_err(|e| anyhow::anyhow!("bad demo code {s}: {e:?}"))
}

fn fields(login: &str, zh: &str, pt: &str, title: &str) -> anyhow::Result<MemberFields> {
    MemberFields::parse(&RawMemberFields { login, name_zh: zh, name_pt: pt, title, ..Default::default() })
        .map_err(|e| anyhow::anyhow!("bad demo member {login}: {e:?}"))
}

pub fn print_accounts() {
    println!(
        "demo accounts (password for all: {PASSWORD}):\n\
         \x20 bureau                       bureau officer (/bureau)\n\
         \x20 admin.a  admin.b  admin.c    admins of 中學部, 小學部, 幼稚園部 (/admin)\n\
         \x20 admin.x                      admin of 另一學校's campus\n\
         \x20 teacher.a1…a40, teacher.b1…b40, teacher.c1…c40, teacher.x1…x10   teachers (/)"
    );
}
