//! Where attachment bytes live: the blob store. By default a directory (the data
//! directory's `attachments/`); an upload is written to `incoming/` as it arrives and
//! moved into place (a rename, on the same file system) only once it is accepted, so a
//! reader never sees half a file. Or S3-compatible object storage (`blobs_s3`), which
//! uploads are streamed to from `incoming/` once accepted. Keys are attachment ids (and
//! `<id>.thumb`); the database says who may read them.

use axum::body::Body;
use futures_util::stream;
use std::io;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// Bytes read from disk per chunk of a download.
const CHUNK: usize = 64 * 1024;

#[derive(Debug)]
pub enum Blobs {
    Local {
        root: PathBuf,
    },
    /// `root` keeps only `incoming/`.
    S3 {
        root: PathBuf,
        s3: crate::blobs_s3::S3,
    },
}

/// A file being uploaded: deleted when dropped unless `Blobs::keep` took it.
#[derive(Debug)]
pub struct Incoming {
    pub path: PathBuf,
    kept: bool,
}

impl Drop for Incoming {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Part of a blob to read: bytes `start..end` of `len`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: u64,
    pub end: u64,
}

impl Blobs {
    /// A blob store in `root`, created if missing. Uploads left in `incoming/` by a
    /// crash are removed.
    pub fn local(root: impl Into<PathBuf>) -> io::Result<Blobs> {
        let root = root.into();
        std::fs::create_dir_all(root.join("incoming"))?;
        std::fs::create_dir_all(root.join("blobs"))?;
        for entry in std::fs::read_dir(root.join("incoming"))?.flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
        Ok(Blobs::Local { root })
    }

    /// Blobs in S3-compatible storage; uploads arrive in `root/incoming` first.
    pub fn s3(root: impl Into<PathBuf>, settings: &crate::blobs_s3::S3Settings) -> io::Result<Blobs> {
        let root = root.into();
        std::fs::create_dir_all(root.join("incoming"))?;
        for entry in std::fs::read_dir(root.join("incoming"))?.flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
        Ok(Blobs::S3 { root, s3: crate::blobs_s3::S3::new(settings)? })
    }

    fn path(&self, key: &str) -> io::Result<PathBuf> {
        let root = self.root();
        check_key(key)?;
        // Spread over 256 folders by the id's last two characters (v7 ids start with
        // the time, so the front would put a day's uploads in one folder).
        let id = key.split('.').next().unwrap_or(key);
        let shard = &id[id.len().saturating_sub(2)..];
        Ok(root.join("blobs").join(shard).join(key))
    }

    /// A new file to write an upload into.
    pub async fn incoming(&self) -> io::Result<(Incoming, tokio::fs::File)> {
        let path = self.root().join("incoming").join(uuid::Uuid::now_v7().to_string());
        let file = tokio::fs::File::create_new(&path).await?;
        Ok((Incoming { path, kept: false }, file))
    }

    /// Stores an accepted upload under `key`.
    pub async fn keep(&self, key: &str, mut incoming: Incoming) -> io::Result<()> {
        if let Blobs::S3 { s3, .. } = self {
            check_key(key)?;
            // `incoming` is dropped after, which deletes the local copy.
            return s3.put_file(key, &incoming.path).await;
        }
        let to = self.path(key)?;
        if let Some(dir) = to.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        tokio::fs::rename(&incoming.path, &to).await?;
        incoming.kept = true;
        Ok(())
    }

    /// Stores small bytes (a thumbnail) under `key`, through `incoming/`.
    pub async fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        if let Blobs::S3 { s3, .. } = self {
            check_key(key)?;
            return s3.put(key, bytes).await;
        }
        let (incoming, mut file) = self.incoming().await?;
        tokio::io::AsyncWriteExt::write_all(&mut file, bytes).await?;
        file.sync_all().await?;
        drop(file);
        self.keep(key, incoming).await
    }

    /// Stores the bytes of `from` under `to` as well (a forwarded attachment): a hard
    /// link, so the bytes are on disk once and deleting one key leaves the other.
    pub async fn link(&self, from: &str, to: &str) -> io::Result<()> {
        if let Blobs::S3 { s3, .. } = self {
            check_key(from)?;
            check_key(to)?;
            return s3.copy(from, to).await;
        }
        let (from, to) = (self.path(from)?, self.path(to)?);
        if let Some(dir) = to.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        match tokio::fs::hard_link(&from, &to).await {
            Ok(()) => Ok(()),
            // A folder on another file system (or one without hard links): copy.
            Err(e) if e.kind() != io::ErrorKind::NotFound => tokio::fs::copy(&from, &to).await.map(|_| ()),
            Err(e) => Err(e),
        }
    }

    /// The blob's length, or `None` if there is none.
    pub async fn len(&self, key: &str) -> io::Result<Option<u64>> {
        if let Blobs::S3 { s3, .. } = self {
            check_key(key)?;
            return s3.len(key).await;
        }
        match tokio::fs::metadata(self.path(key)?).await {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A body streaming `span` of the blob (all of it when `None`), read in chunks:
    /// never the whole file in memory.
    pub async fn read(&self, key: &str, span: Option<Span>) -> io::Result<Option<Body>> {
        if let Blobs::S3 { s3, .. } = self {
            check_key(key)?;
            return s3.read(key, span.map(|s| (s.start, s.end))).await;
        }
        let mut file = match tokio::fs::File::open(self.path(key)?).await {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let len = file.metadata().await?.len();
        let span = span.unwrap_or(Span { start: 0, end: len });
        file.seek(io::SeekFrom::Start(span.start)).await?;
        let remaining = span.end.saturating_sub(span.start);
        let chunks = stream::unfold((file, remaining), |(mut file, remaining)| async move {
            if remaining == 0 {
                return None;
            }
            let mut buf = vec![0; CHUNK.min(remaining as usize)];
            match file.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok::<_, io::Error>(buf), (file, remaining - n as u64)))
                }
                Err(e) => Some((Err(e), (file, 0))),
            }
        });
        Ok(Some(Body::from_stream(chunks)))
    }

    /// Deletes a blob; one already gone is not an error.
    pub async fn delete(&self, key: &str) -> io::Result<()> {
        if let Blobs::S3 { s3, .. } = self {
            check_key(key)?;
            return s3.delete(key).await;
        }
        match tokio::fs::remove_file(self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Where this node keeps its files: all of them for a local store, the uploads
    /// arriving for S3.
    pub fn root(&self) -> &Path {
        match self {
            Blobs::Local { root } | Blobs::S3 { root, .. } => root,
        }
    }
}

/// Keys are ids of our own making; refuse anything that could leave the store's folder
/// (or name another prefix of a bucket).
fn check_key(key: &str) -> io::Result<()> {
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') || key.contains("..")
    {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "bad blob key"));
    }
    Ok(())
}

/// A `Range` that cannot be satisfied (416).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsatisfiable;

/// The span a `Range` header asks for, of a blob of `len` bytes: `Ok(None)` for the
/// whole blob (no header, or one this server does not serve: several ranges, other
/// units), `Err(Unsatisfiable)` when it cannot be satisfied. RFC 9110 §14.1.2.
pub fn range(header: Option<&str>, len: u64) -> Result<Option<Span>, Unsatisfiable> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else { return Ok(None) };
    if spec.contains(',') {
        return Ok(None);
    }
    let (a, b) = spec.split_once('-').ok_or(Unsatisfiable)?;
    let (a, b) = (a.trim(), b.trim());
    let span = if a.is_empty() {
        // The last n bytes.
        let n: u64 = b.parse().map_err(|_| Unsatisfiable)?;
        if n == 0 {
            return Err(Unsatisfiable);
        }
        Span { start: len.saturating_sub(n), end: len }
    } else {
        let start: u64 = a.parse().map_err(|_| Unsatisfiable)?;
        let end =
            if b.is_empty() { len } else { b.parse::<u64>().map_err(|_| Unsatisfiable)?.saturating_add(1).min(len) };
        if start >= len || end <= start {
            return Err(Unsatisfiable);
        }
        Span { start, end }
    };
    if span.start >= span.end {
        return Err(Unsatisfiable);
    }
    Ok(Some(span))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_the_rfc() {
        let s = |start, end| Ok(Some(Span { start, end }));
        assert_eq!(range(None, 100), Ok(None));
        assert_eq!(range(Some("bytes=0-9"), 100), s(0, 10));
        assert_eq!(range(Some("bytes=90-"), 100), s(90, 100));
        assert_eq!(range(Some("bytes=-10"), 100), s(90, 100));
        assert_eq!(range(Some("bytes=-500"), 100), s(0, 100), "more than there is: all of it");
        assert_eq!(range(Some("bytes=50-500"), 100), s(50, 100), "an end past the blob is cut");
        assert_eq!(range(Some("bytes=100-"), 100), Err(Unsatisfiable));
        assert_eq!(range(Some("bytes=9-3"), 100), Err(Unsatisfiable));
        assert_eq!(range(Some("bytes=-0"), 100), Err(Unsatisfiable));
        assert_eq!(range(Some("bytes=x-3"), 100), Err(Unsatisfiable));
        assert_eq!(range(Some("bytes=0-1,5-6"), 100), Ok(None), "several ranges: the whole blob");
        assert_eq!(range(Some("items=0-1"), 100), Ok(None));
        assert_eq!(range(Some("bytes=0-0"), 0), Err(Unsatisfiable));
    }

    #[tokio::test]
    async fn blobs_are_kept_read_in_spans_and_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::local(dir.path()).unwrap();
        blobs.put("0190-ab", b"hello world").await.unwrap();
        assert_eq!(blobs.len("0190-ab").await.unwrap(), Some(11));
        let body = blobs.read("0190-ab", Some(Span { start: 6, end: 11 })).await.unwrap().unwrap();
        let bytes = axum::body::to_bytes(body, 100).await.unwrap();
        assert_eq!(&bytes[..], b"world");
        assert!(blobs.read("../x", None).await.is_err(), "keys cannot leave the store");
        blobs.delete("0190-ab").await.unwrap();
        blobs.delete("0190-ab").await.unwrap();
        assert!(blobs.read("0190-ab", None).await.unwrap().is_none());
        let (incoming, _) = blobs.incoming().await.unwrap();
        let path = incoming.path.clone();
        drop(incoming);
        assert!(!path.exists(), "an upload not kept is removed");
    }
}
