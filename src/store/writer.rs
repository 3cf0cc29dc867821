//! Group commit for new comments. SQLite with `synchronous=FULL` pays one fsync per
//! transaction, so committing each comment on its own caps throughput at the disk's sync
//! rate. One writer task takes every comment waiting at that moment, inserts them all in
//! one transaction, commits once, and only then answers each submission: every reader
//! still gets their 303 only after their comment is on disk.
use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use super::comments::insert_comment;
use super::{Dialect, InsertOutcome, StoreError, StoredComment};

/// Most comments in one transaction; more wait for the next one.
const MAX_BATCH: usize = 256;

type Reply = oneshot::Sender<Result<InsertOutcome, StoreError>>;

/// The submission side, held by the store.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<(StoredComment, Reply)>,
}

impl Writer {
    /// Starts the writer task on the current Tokio runtime.
    pub fn start(pool: AnyPool, dialect: Dialect) -> Self {
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(pool, dialect, rx));
        Self { tx }
    }

    /// Stores one comment; returns once it is committed.
    pub async fn insert(&self, comment: StoredComment) -> Result<InsertOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        let stopped = || StoreError::Unavailable("the comment writer has stopped".into());
        self.tx
            .send((comment, reply))
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn run(pool: AnyPool, dialect: Dialect, mut rx: mpsc::Receiver<(StoredComment, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        crate::metrics::write_batch(batch.len());
        match write_batch(&pool, dialect, &batch).await {
            Ok(outcomes) => {
                for ((_, reply), outcome) in batch.drain(..).zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(err) => {
                // Nothing of this batch was committed: every submitter hears so.
                let message = err.to_string();
                let unavailable = matches!(err, StoreError::Unavailable(_));
                for (_, reply) in batch.drain(..) {
                    let error = if unavailable {
                        StoreError::Unavailable(message.clone())
                    } else {
                        StoreError::Other(anyhow::anyhow!("{message}"))
                    };
                    let _ = reply.send(Err(error));
                }
            }
        }
    }
}

async fn write_batch(
    pool: &AnyPool,
    dialect: Dialect,
    batch: &[(StoredComment, Reply)],
) -> Result<Vec<InsertOutcome>, StoreError> {
    let mut tx = pool
        .begin_with(dialect.begin_write())
        .await
        .map_err(dialect.error("starting to store comments"))?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for (comment, _) in batch {
        outcomes.push(
            insert_comment(&mut tx, comment)
                .await
                .map_err(dialect.error("storing a comment"))?,
        );
    }
    tx.commit()
        .await
        .map_err(dialect.error("committing comments"))?;
    Ok(outcomes)
}
