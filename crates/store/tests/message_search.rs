//! History search on SQLite and on PostgreSQL: what matches (Chinese by characters and
//! pairs, Portuguese with or without accents, English in any case, the last word as a
//! prefix, every term), who finds what (only current members, only inside their window,
//! never a recalled message), and the indexer following the log (after a restart it goes
//! on from its cursor; two at once write each message once).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use domain::member_row::{MemberFields, RawMemberFields};
use domain::search::message_terms;
use domain::values::Code;
use domain::{CampusId, ConversationId, MemberId, Role};
use store::testing::TestDb;
use store::{Dialect, MemberWrite, Message, MessageSearch, Names, NewText, Store, WriteOp, WriteOutcome};

struct School {
    campus: CampusId,
    people: Vec<MemberId>,
}

async fn school(store: &Store, n: usize) -> School {
    let names = || Names { zh: "示範學校", pt: "", en: "" };
    let school = store.create_school(&Code::parse("S1").unwrap(), names()).await.unwrap();
    let campus = store.create_campus(school.id, &Code::parse("S1-A").unwrap(), names()).await.unwrap();
    let mut people = Vec::new();
    for i in 0..n {
        let login = format!("t{i}");
        let f = MemberFields::parse(&RawMemberFields { login: &login, name_zh: &login, ..Default::default() }).unwrap();
        let m = store
            .create_member(Some(campus.id), MemberWrite { fields: &f, role: Role::Member, department_ids: &[] }, None)
            .await
            .unwrap();
        people.push(m.id);
    }
    School { campus: campus.id, people }
}

async fn say(store: &Store, c: ConversationId, sender: MemberId, text: &str) -> Message {
    let op = WriteOp::Send(Box::new(NewText {
        conversation_id: c,
        sender,
        client_id: uuid::Uuid::now_v7().to_string(),
        text: text.into(),
        mentions: vec![],
        mention_all: false,
        reply_to: None,
        attachment: None,
        forwarded: None,
    }));
    let (_, mut results) = store.write_batch(&[&op]).await.unwrap();
    match results.pop().unwrap().unwrap() {
        WriteOutcome::Sent(s) => (*s.message).clone(),
        other => panic!("{other:?}"),
    }
}

/// Runs the indexer until it has caught up (bounded: a step indexes up to `batch`).
async fn index_all(store: &Store, batch: usize) -> usize {
    let mut indexed = 0;
    for _ in 0..10_000 {
        let step = store.index_messages(batch).await.unwrap();
        indexed += step.indexed;
        if step.caught_up {
            return indexed;
        }
    }
    panic!("the indexer did not catch up");
}

/// What `member` finds for `query` in all their conversations (or in `only`): texts,
/// newest first.
async fn find(store: &Store, member: MemberId, query: &str, only: Option<ConversationId>) -> Vec<String> {
    let mine: Vec<ConversationId> =
        store.current_conversations(member).await.unwrap().into_iter().map(|c| c.0).collect();
    let conversations: Vec<ConversationId> = match only {
        Some(c) => mine.into_iter().filter(|x| *x == c).collect(),
        None => mine,
    };
    let terms = message_terms(query);
    let s = MessageSearch { member, conversations: &conversations, terms: &terms, before: None, limit: 50 };
    store.search_messages(&s).await.unwrap().0.into_iter().map(|m| m.text).collect()
}

async fn story(dialect: Dialect) {
    let db = TestDb::of(dialect).await;
    let store = db.connect().await.unwrap();
    let s = school(&store, 5).await;
    let p = &s.people;
    let (group, _) = store.create_group(p[0], s.campus, "教研組", &p[1..3]).await.unwrap();
    let (direct, _, _) = store.open_direct(p[0], p[3], s.campus).await.unwrap();
    let lines = [
        "明天下午三點開家長會",
        "A reunião é amanhã na sala 204",
        "A reuniao de pais foi adiada",
        "Parents' MEETING moved to Friday",
        "家長會議程已上載",
    ];
    for line in lines {
        say(&store, group.id, p[1], line).await;
    }
    say(&store, direct.id, p[3], "私下說：家長會我會遲到").await;
    assert_eq!(find(&store, p[0], "家長", None).await, Vec::<String>::new(), "nothing before the indexer ran");
    assert_eq!(index_all(&store, 2).await, 6, "six text messages (system messages have no text)");
    assert_eq!(store.search_cursor().await.unwrap(), store.last_position().await.unwrap());

    // What matches.
    let cases: &[(&str, &[&str])] = &[
        ("家長", &["私下說：家長會我會遲到", "家長會議程已上載", "明天下午三點開家長會"]),
        ("長會", &["私下說：家長會我會遲到", "家長會議程已上載", "明天下午三點開家長會"]),
        ("家長會議", &["家長會議程已上載"]),
        ("會家", &[]),
        ("reunião", &["A reuniao de pais foi adiada", "A reunião é amanhã na sala 204"]),
        ("reuniao", &["A reuniao de pais foi adiada", "A reunião é amanhã na sala 204"]),
        ("REUNIÃO AMANHÃ", &["A reunião é amanhã na sala 204"]),
        ("meeting", &["Parents' MEETING moved to Friday"]),
        ("Meeting FRIDAY", &["Parents' MEETING moved to Friday"]),
        ("meet", &["Parents' MEETING moved to Friday"]),
        ("reun", &["A reuniao de pais foi adiada", "A reunião é amanhã na sala 204"]),
        ("reu", &["A reuniao de pais foi adiada", "A reunião é amanhã na sala 204"]),
        ("reunx", &[]),
        ("reun pais", &[]),
        ("pais reun", &["A reuniao de pais foi adiada"]),
        ("reunião 204", &["A reunião é amanhã na sala 204"]),
        ("家長 204", &[]),
        ("sala", &["A reunião é amanhã na sala 204"]),
    ];
    for (query, want) in cases {
        assert_eq!(find(&store, p[0], query, None).await, *want, "{dialect:?}: {query:?}");
    }
    assert_eq!(find(&store, p[0], "家長", Some(direct.id)).await, vec!["私下說：家長會我會遲到"], "within one");
    assert_eq!(find(&store, p[1], "家長", None).await.len(), 2, "p1 is not in the direct chat");

    // Windows: someone added later finds only what came after; someone who left finds
    // nothing of the group; an outsider finds nothing.
    store.add_members(group.id, p[0], &[p[4]]).await.unwrap();
    say(&store, group.id, p[0], "新同事：家長日的安排").await;
    store.remove_members(group.id, Some(p[2]), &[p[2]], "left").await.unwrap();
    index_all(&store, 1000).await;
    assert_eq!(find(&store, p[4], "家長", None).await, vec!["新同事：家長日的安排"], "nothing from before joining");
    assert_eq!(find(&store, p[2], "家長", None).await, Vec::<String>::new(), "nothing of a group one left");
    assert_eq!(find(&store, p[2], "家長", Some(group.id)).await, Vec::<String>::new());
    assert_eq!(find(&store, p[3], "reunião", None).await, Vec::<String>::new(), "an outsider of the group");
    assert_eq!(find(&store, p[0], "家長", None).await.len(), 4);

    // Paging, newest first.
    let conversations = vec![group.id, direct.id];
    let terms = message_terms("家長");
    let page = |before| MessageSearch { member: p[0], conversations: &conversations, terms: &terms, before, limit: 3 };
    let (first, more) = store.search_messages(&page(None)).await.unwrap();
    assert!(more && first.len() == 3 && first.windows(2).all(|w| w[0].position > w[1].position));
    let (second, more) = store.search_messages(&page(Some(first[2].position))).await.unwrap();
    assert_eq!((second.len(), more), (1, false));
    assert_eq!(second[0].text, "明天下午三點開家長會");

    // A recall: gone at once (the search reads the messages), and from the index when the
    // indexer reaches the recall.
    let target = first.iter().find(|m| m.text == "家長會議程已上載").unwrap().clone();
    store.recall(&target).await.unwrap();
    assert!(!find(&store, p[0], "議程", None).await.contains(&"家長會議程已上載".to_owned()));
    assert_eq!(index_rows(&store, "議程").await, 1, "still in the index until the indexer reads the recall");
    let step = store.index_messages(1000).await.unwrap();
    assert_eq!((step.removed, step.caught_up), (1, true));
    assert_eq!(index_rows(&store, "議程").await, 0, "the recall removed its row");

    // A restart: the indexer goes on from its cursor, and writes nothing twice.
    let cursor = store.search_cursor().await.unwrap();
    say(&store, group.id, p[1], "重開之後：家長會改期").await;
    say(&store, direct.id, p[0], "reunião remarcada").await;
    store.close().await;
    let store = db.connect().await.unwrap();
    assert_eq!(store.search_cursor().await.unwrap(), cursor, "the cursor is kept");
    assert_eq!(index_all(&store, 1000).await, 2, "only what came after it");
    assert_eq!(find(&store, p[0], "改期", None).await, vec!["重開之後：家長會改期"]);
    assert_eq!(find(&store, p[0], "remarcada", None).await, vec!["reunião remarcada"]);
    assert_eq!(index_rows(&store, "家長").await, 4, "each message once (one was recalled)");

    // Two indexers at once (nodes on one database, or two callers): each message once.
    for i in 0..40 {
        say(&store, group.id, p[1], &format!("並發第{i}條：家長通知")).await;
    }
    let other = db.connect().await.unwrap();
    let (a, b) = tokio::join!(index_all(&store, 7), index_all(&other, 5));
    assert_eq!(a + b, 40, "{a} + {b}");
    assert_eq!(index_rows(&store, "通知").await, 40);
    other.close().await;

    store.close().await;
    db.drop_db().await;
}

/// Index rows holding `token` (read from the index itself, whoever may find them).
async fn index_rows(store: &Store, token: &str) -> i64 {
    let sql = match store.dialect() {
        Dialect::Sqlite => format!("SELECT COUNT(*) FROM message_search WHERE message_search MATCH '\"{token}\"'"),
        Dialect::Postgres => format!("SELECT COUNT(*) FROM message_search WHERE tokens @@ '''{token}'''::tsquery"),
    };
    store::testing::query_as::<(i64,)>(store, &sql).await[0].0
}

#[tokio::test]
async fn message_search_on_sqlite() {
    story(Dialect::Sqlite).await;
}

#[tokio::test]
async fn message_search_on_postgres() {
    story(Dialect::Postgres).await;
}
