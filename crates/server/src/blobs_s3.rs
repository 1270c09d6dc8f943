//! Attachment bytes in S3-compatible object storage (AWS S3, MinIO, Ceph, Garage…), for an
//! installation of several nodes or one that keeps files off its own disk. Uploads still
//! arrive in a local `incoming/` folder (they are checked and rewritten there first) and
//! are then streamed to the bucket in parts: never whole in memory.

use object_store::aws::AmazonS3Builder;
use object_store::path::Path as Key;
use object_store::{GetOptions, GetRange, ObjectStore, PutPayload, WriteMultipart};
use std::io;
use std::sync::Arc;
use tokio::io::AsyncReadExt;

/// Where an S3-compatible store is and how to sign in to it.
#[derive(Clone, Default)]
pub struct S3Settings {
    /// e.g. `https://s3.ap-east-1.amazonaws.com` or `http://127.0.0.1:9000`.
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key: String,
    pub secret_key: String,
    /// Keys are `<prefix>/<id>`; empty for none.
    pub prefix: String,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key", &self.access_key)
            .field("secret_key", &"****")
            .field("prefix", &self.prefix)
            .finish()
    }
}

/// Bytes read from a file per part of a multipart upload (S3's minimum part is 5 MiB).
const PART: usize = 8 * 1024 * 1024;

pub struct S3 {
    store: Arc<dyn ObjectStore>,
    prefix: String,
}

impl std::fmt::Debug for S3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

fn io_err(e: object_store::Error) -> io::Error {
    match e {
        object_store::Error::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, "no such object"),
        e => io::Error::other(e.to_string()),
    }
}

impl S3 {
    pub fn new(s: &S3Settings) -> io::Result<S3> {
        let store = AmazonS3Builder::new()
            .with_endpoint(&s.endpoint)
            .with_bucket_name(&s.bucket)
            .with_region(if s.region.is_empty() { "us-east-1" } else { &s.region })
            .with_access_key_id(&s.access_key)
            .with_secret_access_key(&s.secret_key)
            .with_allow_http(s.endpoint.starts_with("http://"))
            // Path-style addressing (`endpoint/bucket/key`): what MinIO and most
            // self-hosted stores expect.
            .with_virtual_hosted_style_request(false)
            .build()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        Ok(S3 { store: Arc::new(store), prefix: s.prefix.trim_matches('/').to_owned() })
    }

    fn key(&self, key: &str) -> Key {
        if self.prefix.is_empty() { Key::from(key) } else { Key::from(format!("{}/{key}", self.prefix)) }
    }

    /// Streams a local file to `key`, part by part.
    pub async fn put_file(&self, key: &str, path: &std::path::Path) -> io::Result<()> {
        let mut file = tokio::fs::File::open(path).await?;
        let upload = self.store.put_multipart(&self.key(key)).await.map_err(io_err)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = file.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            writer.wait_for_capacity(4).await.map_err(io_err)?;
            writer.write(&buf[..n]);
        }
        writer.finish().await.map_err(io_err)?;
        Ok(())
    }

    pub async fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        self.store.put(&self.key(key), PutPayload::from(bytes.to_vec())).await.map_err(io_err)?;
        Ok(())
    }

    pub async fn copy(&self, from: &str, to: &str) -> io::Result<()> {
        self.store.copy(&self.key(from), &self.key(to)).await.map_err(io_err)
    }

    pub async fn len(&self, key: &str) -> io::Result<Option<u64>> {
        match self.store.head(&self.key(key)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(io_err(e)),
        }
    }

    /// A stream of bytes `start..end` (all of it when `None`).
    pub async fn read(&self, key: &str, span: Option<(u64, u64)>) -> io::Result<Option<axum::body::Body>> {
        let opts = GetOptions { range: span.map(|(a, b)| GetRange::Bounded(a..b)), ..Default::default() };
        match self.store.get_opts(&self.key(key), opts).await {
            Ok(r) => {
                use futures_util::StreamExt;
                let stream = r.into_stream().map(|c| c.map_err(io_err));
                Ok(Some(axum::body::Body::from_stream(stream)))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(io_err(e)),
        }
    }

    pub async fn delete(&self, key: &str) -> io::Result<()> {
        match self.store.delete(&self.key(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(io_err(e)),
        }
    }
}
