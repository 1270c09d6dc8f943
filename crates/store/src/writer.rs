//! The writer: one task that takes whatever sends and reads are waiting and commits
//! them as one transaction (group commit), so a burst costs one fsync instead of one per
//! message, and a handful of statements instead of several per message
//! (`Store::write_batch`: the facts for the whole batch first, then multi-row inserts).
//! A unit that is refused (a reused client id, a sender no longer in the conversation)
//! writes nothing and its neighbours commit; a database failure fails the whole batch,
//! whose callers resend with the same client ids. Every caller is
//! answered only after the commit is durable, and the committed events go to
//! `on_commit` (the hub) before any caller hears back.

use crate::chat::{Committed, NewText, Sent};
use crate::events::Audience;
use crate::{Result, Store, StoreError};
use domain::{ConversationId, MemberId};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};

/// Most units in one transaction: enough to amortize the fsync, few enough that the
/// first caller in a batch does not wait long for the last.
const MAX_BATCH: usize = 256;

#[derive(Clone, Debug)]
pub enum WriteOp {
    Send(Box<NewText>),
    Read { conversation: ConversationId, member: MemberId, position: i64, audience: Audience },
}

#[derive(Clone, Debug)]
pub enum WriteOutcome {
    Sent(Sent),
    Read(i64),
}

struct Job {
    op: WriteOp,
    reply: oneshot::Sender<Result<WriteOutcome>>,
}

/// A handle to the writer task; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer on `store`. It stops when every handle is dropped.
    pub fn start(store: Store, on_commit: impl Fn(Committed) + Send + Sync + 'static) -> Writer {
        let (jobs, rx) = mpsc::channel(4096);
        tokio::spawn(run(store, rx, on_commit));
        Writer { jobs }
    }

    /// Whether the writer task still runs (it owns the receiving end), for `/readyz`.
    pub fn is_running(&self) -> bool {
        !self.jobs.is_closed()
    }

    /// Queues `op` and waits until it is durable (or refused).
    pub async fn write(&self, op: WriteOp) -> Result<WriteOutcome> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job { op, reply }).await.map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }
}

/// Least time between two of the writer's checkpoints of SQLite's log.
const CHECKPOINT_REST: Duration = Duration::from_millis(100);

async fn run(store: Store, mut rx: mpsc::Receiver<Job>, on_commit: impl Fn(Committed) + Send + Sync) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // Commits wake the checkpointer, which stops when the writer does (the sender drops).
    let (committed_tx, committed_rx) = watch::channel(());
    if store.dialect() == crate::Dialect::Sqlite {
        tokio::spawn(checkpoints(store.clone(), committed_rx));
    }
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let size = batch.len();
        metrics::histogram!("campuslink_writer_batch_size").record(size as f64);
        match commit(&store, &batch).await {
            Ok((committed, results)) => {
                committed_tx.send_replace(());
                if !committed.events.is_empty() {
                    on_commit(committed);
                }
                for (job, r) in batch.drain(..).zip(results) {
                    let _ = job.reply.send(r);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, size, "writer: batch not committed");
                let msg = e.to_string();
                for job in batch.drain(..) {
                    let _ = job.reply.send(Err(StoreError::CommitFailed(msg.clone())));
                }
            }
        }
    }
}

/// Copies SQLite's log into the database beside the writer, on a read connection, at
/// most every `CHECKPOINT_REST` while there are commits: a commit that finds the log past
/// its limit must otherwise checkpoint it itself, and its callers wait for that. The
/// write connection's own limit is set high (`WRITE_AUTOCHECKPOINT`), so it rarely has
/// to; and a page that many batches change (a busy conversation's newest) is copied
/// once per checkpoint rather than once per commit.
async fn checkpoints(store: Store, mut committed: watch::Receiver<()>) {
    while committed.changed().await.is_ok() {
        if let Err(e) = store.checkpoint().await {
            tracing::warn!(error = %e, "writer: checkpoint failed");
        }
        tokio::time::sleep(CHECKPOINT_REST).await;
    }
}

async fn commit(store: &Store, batch: &[Job]) -> Result<(Committed, Vec<Result<WriteOutcome>>)> {
    let ops: Vec<&WriteOp> = batch.iter().map(|j| &j.op).collect();
    store.write_batch(&ops).await
}
