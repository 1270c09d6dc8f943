//! The same story against SQLite and PostgreSQL: registry, directory, search, import,
//! sessions. If the two dialects ever disagree, one of these two tests fails.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use domain::member_row::{MemberFields, RawMemberFields, parse_import};
use domain::values::Code;
use domain::{Invalid, Role};
use store::testing::TestDb;
use store::{Dialect, MemberFilter, MemberStatus, MemberWrite, Names, StoreError};

fn fields(login: &str, zh: &str, pt: &str, title: &str) -> MemberFields {
    MemberFields::parse(&RawMemberFields { login, name_zh: zh, name_pt: pt, title, ..Default::default() }).unwrap()
}

async fn story(dialect: Dialect) {
    let db = TestDb::of(dialect).await;
    let store = db.connect().await.unwrap();
    // Migrations apply once: connecting again is a no-op.
    store::Store::connect(&db.url).await.unwrap().close().await;

    // Registry.
    let names = |zh| Names { zh, pt: "Escola", en: "School" };
    let school = store.create_school(&Code::parse("SCH1").unwrap(), names("示範學校")).await.unwrap();
    let dup = store.create_school(&Code::parse("sch1").unwrap(), names("重複")).await;
    assert!(matches!(dup, Err(StoreError::Duplicate(store::Unique::Code))), "codes are unique without case: {dup:?}");
    let a = store.create_campus(school.id, &Code::parse("SCH1-A").unwrap(), names("中學部")).await.unwrap();
    let b = store.create_campus(school.id, &Code::parse("SCH1-B").unwrap(), names("小學部")).await.unwrap();
    let listed = store.list_schools().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].campuses.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), ["SCH1-A", "SCH1-B"]);

    // Departments: tree, order, cycle refusal, delete only when empty.
    let teaching = store.create_department(a.id, None, "教務處", "Serviço Pedagógico").await.unwrap();
    let maths = store.create_department(a.id, Some(teaching.id), "數學科", "Matemática").await.unwrap();
    let admin_office = store.create_department(a.id, None, "行政部", "Administração").await.unwrap();
    assert_eq!(admin_office.position, 1);
    let cycle = store.move_department(a.id, teaching.id, Some(maths.id), 0).await;
    assert!(matches!(cycle, Err(StoreError::DepartmentCycle)), "{cycle:?}");
    let moved = store.move_department(a.id, admin_office.id, None, 0).await.unwrap();
    assert_eq!(moved.position, 0);
    assert_eq!(store.department(a.id, teaching.id).await.unwrap().position, 1);
    // Campus B cannot use campus A's departments.
    let foreign = store.create_department(b.id, Some(teaching.id), "外部", "").await;
    assert!(matches!(foreign, Err(StoreError::UnknownDepartment)), "{foreign:?}");

    // Members.
    let chan = store
        .create_member(
            Some(a.id),
            MemberWrite {
                fields: &fields("chan.tm", "陳大文", "Chan Tai Man", "數學科主任"),
                role: Role::Member,
                department_ids: &[maths.id, admin_office.id],
            },
            Some("hash"),
        )
        .await
        .unwrap();
    assert_eq!(chan.department_ids.len(), 2);
    let ana = store
        .create_member(
            Some(a.id),
            MemberWrite {
                fields: &fields("ana.c", "施安娜", "Ana Conceição", "Professora de Música"),
                role: Role::Member,
                department_ids: &[teaching.id],
            },
            None,
        )
        .await
        .unwrap();
    let taken = store
        .create_member(
            Some(b.id),
            MemberWrite { fields: &fields("CHAN.TM", "另一", "", ""), role: Role::Member, department_ids: &[] },
            None,
        )
        .await;
    assert!(matches!(taken, Err(StoreError::Duplicate(store::Unique::Login))), "{taken:?}");
    let wrong_dept = store
        .create_member(
            Some(b.id),
            MemberWrite { fields: &fields("b.one", "乙", "", ""), role: Role::Member, department_ids: &[maths.id] },
            None,
        )
        .await;
    assert!(matches!(wrong_dept, Err(StoreError::UnknownDepartment)), "{wrong_dept:?}");
    assert_eq!(store.member_count(b.id).await.unwrap(), 0, "refused writes leave nothing behind");

    // Search: Chinese pairs and characters, Portuguese without accents, titles.
    let search = |q: &str| {
        let store = store.clone();
        let q = q.to_owned();
        async move {
            let page = store
                .list_members(a.id, &MemberFilter { query: Some(q), limit: 50, ..Default::default() })
                .await
                .unwrap();
            page.members.into_iter().map(|m| m.login).collect::<Vec<_>>()
        }
    };
    assert_eq!(search("陳").await, ["chan.tm"]);
    assert_eq!(search("大文").await, ["chan.tm"]);
    assert_eq!(search("conceicao").await, ["ana.c"]);
    assert_eq!(search("CONCEIÇÃO").await, ["ana.c"]);
    assert_eq!(search("música").await, ["ana.c"]);
    assert_eq!(search("主任").await, ["chan.tm"]);
    assert!(search("李").await.is_empty());

    // Department listing and counts; disabling hides from members' listings.
    let in_maths = store
        .list_members(a.id, &MemberFilter { department_id: Some(maths.id), limit: 50, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(in_maths.total, 1);
    store.set_member_status(a.id, ana.id, MemberStatus::Disabled).await.unwrap();
    let active = store.list_members(a.id, &MemberFilter { limit: 50, ..Default::default() }).await.unwrap();
    assert_eq!(active.total, 1);
    let all = store
        .list_members(a.id, &MemberFilter { include_disabled: true, limit: 50, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(all.total, 2);
    // One page carries its members' departments and the total of every match, and a
    // page past the end still tells the total.
    let listed_chan = all.members.iter().find(|m| m.login == "chan.tm").unwrap();
    let mut want = chan.department_ids.clone();
    let mut got = listed_chan.department_ids.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want, "the page lists chan.tm's two departments");
    let first = store
        .list_members(a.id, &MemberFilter { include_disabled: true, limit: 1, ..Default::default() })
        .await
        .unwrap();
    assert_eq!((first.total, first.members.len()), (2, 1));
    let past = store
        .list_members(a.id, &MemberFilter { include_disabled: true, limit: 1, offset: 5, ..Default::default() })
        .await
        .unwrap();
    assert_eq!((past.total, past.members.len()), (2, 0));
    let deleting = store.delete_department(a.id, teaching.id).await;
    assert!(matches!(deleting, Err(StoreError::DepartmentNotEmpty)), "{deleting:?}");

    // Import: all or nothing.
    let header: Vec<String> = domain::member_row::IMPORT_COLUMNS.iter().map(|s| s.to_string()).collect();
    let row = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let good = parse_import(
        &header,
        &[
            row(&["li.m", "李明", "Lei Meng", "教師", "教務處/數學科;新部門/小組", "", "li@escola.mo", "T9"]),
            row(&["chan.tm", "陳大文", "Chan Tai Man", "副校長", "行政部", "", "", ""]),
        ],
    )
    .unwrap();
    let clash = parse_import(
        &header,
        &[row(&["x.new", "新", "", "", "新部門二", "", "", ""]), row(&["ana.c", "安娜", "", "", "", "", "", ""])],
    )
    .unwrap();
    // Make ana's login belong to campus B's view: importing chan.tm into B must be refused.
    let refused = store.import_members(b.id, &good).await;
    match refused {
        Err(StoreError::ImportRefused(lines)) => {
            assert_eq!(lines.len(), 1);
            assert_eq!((lines[0].line, lines[0].invalid), (3, Invalid::DuplicateLogin));
        }
        other => panic!("expected refusal, got {other:?}"),
    }
    assert_eq!(store.member_count(b.id).await.unwrap(), 0);
    assert!(store.departments(b.id).await.unwrap().is_empty(), "a refused import creates no departments");
    let outcome = store.import_members(a.id, &good).await.unwrap();
    assert_eq!((outcome.created, outcome.updated), (1, 1));
    assert_eq!(store.member_by_login("chan.tm").await.unwrap().unwrap().title, "副校長");
    // The update replaced chan.tm's departments and search tokens, not added to them.
    let exported = store.export_members(a.id).await.unwrap();
    let chan_now = exported.iter().find(|(m, _)| m.login == "chan.tm").unwrap();
    assert_eq!(chan_now.1, ["行政部"], "departments as the file says");
    assert_eq!(search("副校").await, ["chan.tm"], "found by the new title");
    assert_eq!(search("lei").await, ["li.m"]);
    let depts = store.departments(a.id).await.unwrap();
    assert!(depts.iter().any(|d| d.name_zh == "小組"), "missing path levels are created");
    let outcome = store.import_members(a.id, &clash).await.unwrap();
    assert_eq!((outcome.created, outcome.updated), (1, 1));
    let exported = store.export_members(a.id).await.unwrap();
    let li = exported.iter().find(|(m, _)| m.login == "li.m").unwrap();
    assert!(li.1.contains(&"教務處/數學科".to_string()), "{:?}", li.1);

    // Sessions and lockout.
    store.create_session("h1", chan.id, "csrf", 60_000).await.unwrap();
    assert_eq!(store.session("h1").await.unwrap().unwrap().member.id, chan.id);
    store.create_session("h0", chan.id, "csrf", -1).await.unwrap();
    assert!(store.session("h0").await.unwrap().is_none(), "expired sessions do not count");
    assert!(!store.record_login_failure(chan.id, 2, 60_000).await.unwrap());
    assert!(store.record_login_failure(chan.id, 2, 60_000).await.unwrap());
    assert!(store.login_record("chan.tm").await.unwrap().unwrap().locked_until > 0);
    store.set_password(chan.id, "new-hash", None).await.unwrap();
    assert!(store.session("h1").await.unwrap().is_none(), "a new password ends sessions");
    let rec = store.login_record("CHAN.TM").await.unwrap().unwrap();
    assert_eq!((rec.password_hash.as_deref(), rec.locked_until), (Some("new-hash"), 0));
    store.create_session("h2", ana.id, "csrf", 60_000).await.unwrap();
    assert!(store.session("h2").await.unwrap().is_none(), "disabled members have no sessions");
    store.create_session("h3", chan.id, "csrf", -1).await.unwrap();
    assert_eq!(store.purge_sessions().await.unwrap(), 1);

    // The mail outbox: written with the step, claimed by one worker, kept until sent.
    let filing = store
        .create_filing(school.id, chan.id, &[a.id, b.id], |f| store::Effects {
            events: vec![],
            mails: vec![store::Mail {
                to: "bureau@dsedj.test".into(), subject: f.number.clone(), body: "校部".into()
            }],
            audits: vec![],
        })
        .await
        .unwrap();
    assert!(filing.number.starts_with("F-") && filing.number.ends_with("-0001"), "{}", filing.number);
    let due = store.due_mail(10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].subject, filing.number);
    assert!(store.claim_mail(&due[0].id, 60_000).await.unwrap(), "the first worker claims it");
    assert!(!store.claim_mail(&due[0].id, 60_000).await.unwrap(), "a second worker does not");
    assert!(store.due_mail(10).await.unwrap().is_empty(), "claimed mail is not due");
    store.mail_failed(&due[0].id, "connection refused", -1).await.unwrap();
    assert_eq!(store.due_mail(10).await.unwrap()[0].attempts, 1, "a failed send stays, for a retry");
    store.mail_sent(&due[0].id).await.unwrap();
    assert_eq!(store.outbox_counts().await.unwrap(), (0, 1));

    store.close().await;
    db.drop_db().await;
}

#[tokio::test]
async fn story_on_sqlite() {
    story(Dialect::Sqlite).await;
}

#[tokio::test]
async fn story_on_postgres() {
    story(Dialect::Postgres).await;
}

/// A database from before search tokens were kept per field: the migration rebuilds
/// every member's tokens, so search works at once after the upgrade.
async fn search_tokens_rebuilt_on_upgrade(dialect: Dialect) {
    let db = TestDb::of(dialect).await;
    let store = db.connect().await.unwrap();
    let names = || Names { zh: "示範學校", pt: "", en: "" };
    let school = store.create_school(&Code::parse("S9").unwrap(), names()).await.unwrap();
    let a = store.create_campus(school.id, &Code::parse("S9-A").unwrap(), names()).await.unwrap();
    let mut f = fields("lei.m", "李美玲", "Lei Mei Ling", "音樂科");
    f.staff_no = "T0042".into();
    store
        .create_member(Some(a.id), MemberWrite { fields: &f, role: Role::Member, department_ids: &[] }, None)
        .await
        .unwrap();
    // Back to the old shape, as schema version 4 left it.
    store::testing::execute(
        &store,
        "DROP TABLE member_search; \
         CREATE TABLE member_search (campus_id TEXT NOT NULL, token TEXT NOT NULL, member_id TEXT NOT NULL, PRIMARY KEY (campus_id, token, member_id)); \
         DELETE FROM schema_migrations WHERE version = 5;",
    )
    .await;
    store.close().await;
    let store = db.connect().await.unwrap();
    for (q, search_in, want) in [
        ("美玲", vec![domain::access::SearchField::Card], 1),
        ("T0042", vec![domain::access::SearchField::Card], 0),
        ("T0042", vec![domain::access::SearchField::Card, domain::access::SearchField::StaffNo], 1),
        ("lei.m", vec![domain::access::SearchField::Login], 1),
        ("音樂", vec![domain::access::SearchField::Login], 0),
    ] {
        let filter = MemberFilter { query: Some(q.into()), search_in, limit: 10, ..Default::default() };
        assert_eq!(store.list_members(a.id, &filter).await.unwrap().total, want, "{q}");
    }
    store.close().await;
    db.drop_db().await;
}

#[tokio::test]
async fn search_tokens_rebuilt_on_upgrade_sqlite() {
    search_tokens_rebuilt_on_upgrade(Dialect::Sqlite).await;
}

#[tokio::test]
async fn search_tokens_rebuilt_on_upgrade_postgres() {
    search_tokens_rebuilt_on_upgrade(Dialect::Postgres).await;
}
