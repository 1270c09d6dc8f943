//! The event log and the writer, on SQLite and on PostgreSQL: many concurrent writers
//! (the writer's group commits and steps with their own transactions) leave a log with
//! no gap and no duplicate; a refused unit in a batch fails alone; a reader resumes
//! from any position; pruning raises the floor.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use domain::member_row::{MemberFields, RawMemberFields};
use domain::values::Code;
use domain::{MemberId, Role};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use store::testing::TestDb;
use store::{Audience, Dialect, MemberWrite, Names, NewText, Reader, StoreError, WriteOp, WriteOutcome, Writer};

fn fields(login: &str) -> MemberFields {
    MemberFields::parse(&RawMemberFields { login, name_zh: login, ..Default::default() }).unwrap()
}

fn text(c: domain::ConversationId, sender: MemberId, client_id: String) -> WriteOp {
    WriteOp::Send(Box::new(NewText {
        conversation_id: c,
        sender,
        client_id,
        text: "開會".into(),
        mentions: vec![],
        mention_all: false,
        reply_to: None,
        attachment: None,
        forwarded: None,
    }))
}

async fn log_story(dialect: Dialect) {
    let db = TestDb::of(dialect).await;
    let store = db.connect().await.unwrap();
    let names = || Names { zh: "示範學校", pt: "", en: "" };
    let school = store.create_school(&Code::parse("S1").unwrap(), names()).await.unwrap();
    let campus = store.create_campus(school.id, &Code::parse("S1-A").unwrap(), names()).await.unwrap();
    let mut people = Vec::new();
    for i in 0..6 {
        let f = fields(&format!("t{i}"));
        let m = store
            .create_member(Some(campus.id), MemberWrite { fields: &f, role: Role::Member, department_ids: &[] }, None)
            .await
            .unwrap();
        people.push(m.id);
    }
    let (group, committed) = store.create_group(people[0], campus.id, "教研組", &people[1..4]).await.unwrap();
    assert_eq!(committed.events.len(), 1, "the created message");
    let created = committed.events[0].event.position;

    let handed: Arc<Mutex<Vec<i64>>> = Arc::default();
    let sink = handed.clone();
    let writer = Writer::start(store.clone(), move |c| {
        sink.lock().unwrap().extend(c.events.iter().map(|p| p.event.position));
    });

    // Concurrent writers: 4 senders × 30 sends through the writer, while other steps
    // commit their own transactions (renames) at the same time.
    let mut tasks = Vec::new();
    for (s, sender) in people.iter().copied().enumerate().take(4) {
        let w = writer.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0..30 {
                match w.write(text(group.id, sender, format!("{s}-{n}"))).await.unwrap() {
                    WriteOutcome::Sent(sent) => assert!(!sent.duplicate),
                    other => panic!("{other:?}"),
                }
            }
        }));
    }
    let renamer = {
        let store = store.clone();
        let owner = people[0];
        tokio::spawn(async move {
            for n in 0..10 {
                store.rename_group(group.id, owner, &format!("教研組{n}")).await.unwrap();
            }
        })
    };
    for t in tasks {
        t.await.unwrap();
    }
    renamer.await.unwrap();
    let last = store.last_position().await.unwrap();
    let all = store.events_between(0, last).await.unwrap();
    let positions: Vec<i64> = all.iter().map(|e| e.position).collect();
    assert_eq!(positions, (1..=last).collect::<Vec<_>>(), "gap-free, in order, each once");
    // 6 directory changes (the members) + 1 created + 120 sends + 10 × (system
    // message + conversation event)
    assert_eq!(last, 6 + 1 + 120 + 20);
    let handed = handed.lock().unwrap().clone();
    assert_eq!(handed.len(), 120, "the writer hands every committed send to the hub");
    assert!(handed.windows(2).all(|w| w[0] < w[1]), "in commit order");

    // A resend is the first message; a refused unit does not take its batch down.
    let again = writer.write(text(group.id, people[0], "0-0".into())).await.unwrap();
    assert!(matches!(again, WriteOutcome::Sent(ref s) if s.duplicate));
    let outsider = people[5];
    let (ok, refused) = tokio::join!(
        writer.write(text(group.id, people[1], "batch-ok".into())),
        writer.write(text(group.id, outsider, "batch-refused".into())),
    );
    assert!(ok.is_ok(), "{ok:?}");
    assert!(matches!(refused, Err(StoreError::NotMember)), "{refused:?}");
    let after = store.last_position().await.unwrap();
    assert_eq!(after, last + 1, "the refused unit left no position behind");
    assert_eq!(store.events_between(0, after).await.unwrap().len() as i64, after);

    // One batch, decided unit by unit in order: a send, its resend in the same batch
    // (the first message again), other content under that client id (refused), a
    // sender outside the group (refused), a read mark that sees the batch's own send,
    // and another send. The refusals write nothing; the rest take consecutive positions.
    let base = store.last_position().await.unwrap();
    let mut other = text(group.id, people[2], "b-1".into());
    if let WriteOp::Send(m) = &mut other {
        m.text = "別的內容".into();
    }
    let read = WriteOp::Read {
        conversation: group.id,
        member: people[3],
        position: i64::MAX,
        audience: Audience::Member(people[3]),
    };
    let batch = [
        text(group.id, people[2], "b-1".into()),
        text(group.id, people[2], "b-1".into()),
        other,
        text(group.id, outsider, "b-2".into()),
        read,
        text(group.id, people[1], "b-3".into()),
    ];
    let (committed, results) = store.write_batch(&batch.iter().collect::<Vec<_>>()).await.unwrap();
    let sent = |i: usize| match &results[i] {
        Ok(WriteOutcome::Sent(s)) => s.clone(),
        other => panic!("unit {i}: {other:?}"),
    };
    let (first, resent, last_send) = (sent(0), sent(1), sent(5));
    assert!(!first.duplicate && resent.duplicate && resent.message.id == first.message.id);
    assert!(matches!(results[2], Err(StoreError::ClientIdReused)), "{:?}", results[2]);
    assert!(matches!(results[3], Err(StoreError::NotMember)), "{:?}", results[3]);
    assert!(
        matches!(results[4], Ok(WriteOutcome::Read(p)) if p == first.message.position),
        "read up to the batch's own send, not past what came before it: {:?}",
        results[4]
    );
    assert_eq!(
        (first.message.position, last_send.message.position),
        (base + 1, base + 3),
        "two messages and one read event"
    );
    let handed: Vec<i64> = committed.events.iter().map(|p| p.event.position).collect();
    assert_eq!(handed, [base + 1, base + 2, base + 3]);
    assert_eq!(store.last_position().await.unwrap(), base + 3);
    let read_back = store.membership(group.id, people[3]).await.unwrap().unwrap();
    assert_eq!(read_back.read_position, first.message.position);
    let again = writer.write(text(group.id, people[2], "b-1".into())).await.unwrap();
    assert!(matches!(again, WriteOutcome::Sent(ref s) if s.duplicate && s.message.id == first.message.id));
    let after = base + 3;

    // A member reads exactly their window: t4 joins now and sees nothing before.
    let committed = store.add_members(group.id, people[0], &[people[4]]).await.unwrap();
    let joined_at = committed.events[0].event.position;
    let reader = |m: MemberId| Reader { member: m, campus: Some(campus.id), admin: false };
    let in_group = |e: &&store::LogEntry| matches!(e.event.audience, Audience::Conversation(_));
    let seen = store.events_for(&reader(people[4]), 0, i64::MAX, 1000).await.unwrap();
    assert!(seen.iter().filter(in_group).all(|e| e.event.position >= joined_at), "nothing from before joining");
    assert!(!seen.is_empty());
    let everything = store.events_for(&reader(people[1]), 0, i64::MAX, 1000).await.unwrap();
    for cut in [0, 5, 60, after] {
        let page = store.events_for(&reader(people[1]), cut, i64::MAX, 1000).await.unwrap();
        let want: Vec<i64> = everything.iter().map(|e| e.event.position).filter(|p| *p > cut).collect();
        assert_eq!(page.iter().map(|e| e.event.position).collect::<Vec<_>>(), want, "resume after {cut}");
    }
    let outsider_log = store.events_for(&reader(outsider), 0, i64::MAX, 1000).await.unwrap();
    assert_eq!(outsider_log.iter().filter(in_group).count(), 0, "an outsider reads nothing of the group");
    assert!(!outsider_log.is_empty(), "but their own campus's directory changes");
    let kinds: HashSet<String> = everything.iter().map(|e| e.event.kind.clone()).collect();
    assert!(kinds.contains("message") && kinds.contains("conversation"), "{kinds:?}");
    assert!(everything.iter().all(|e| e.event.kind == "directory_changed" || in_group(&e)));

    // Pruning drops old events and raises the floor.
    assert_eq!(store.event_floor().await.unwrap(), 0);
    let top = store.last_position().await.unwrap();
    assert_eq!(store.log_bounds().await.unwrap(), (0, top), "floor and last read together");
    let pruned = store.prune_events(store.now() + 1).await.unwrap();
    assert!(pruned > 0);
    assert_eq!(store.event_floor().await.unwrap(), top);
    assert_eq!(store.log_bounds().await.unwrap(), (top, top), "an empty log's last position is its floor");
    assert_eq!(store.last_position().await.unwrap(), top, "positions never start over");
    let next = writer.write(text(group.id, people[1], "after-prune".into())).await.unwrap();
    assert!(matches!(next, WriteOutcome::Sent(ref s) if s.message.position == top + 1), "{next:?}");
    assert_eq!(store.messages_at(&[created]).await.unwrap().len(), 1, "message history stays");

    drop(writer);
    store.close().await;
    db.drop_db().await;
}

#[tokio::test]
async fn event_log_on_sqlite() {
    log_story(Dialect::Sqlite).await;
}

#[tokio::test]
async fn event_log_on_postgres() {
    log_story(Dialect::Postgres).await;
}
