//! The upload step: a real `object_store` put, to a local directory by
//! default, with an optional simulated network and injected failures.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use object_store::path::Path as ObjectPath;
use object_store::ObjectStore;

pub struct Bucket {
    store: Arc<dyn ObjectStore>,
    prefix: ObjectPath,
    /// The bucket as the user named it, for spans and messages.
    pub url: String,
}

impl Bucket {
    /// Opens `url` (default: file:// of target/workload-bucket).
    pub fn open(url: Option<&str>) -> anyhow::Result<Self> {
        let url = match url {
            Some(url) => url.to_owned(),
            None => {
                let dir = std::env::current_dir()?.join("target/workload-bucket");
                format!("file://{}", dir.display())
            }
        };
        let parsed = url::Url::parse(&url).with_context(|| {
            format!("--bucket {url:?} is not a URL (try file:///tmp/bucket or s3://bucket/prefix)")
        })?;
        if parsed.scheme() == "file" {
            let dir = parsed
                .to_file_path()
                .map_err(|_| anyhow::anyhow!("--bucket {url:?} is not a local path"))?;
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create the bucket directory {}", dir.display()))?;
            let store = object_store::local::LocalFileSystem::new_with_prefix(&dir)
                .with_context(|| format!("cannot open the bucket directory {}", dir.display()))?;
            return Ok(Self {
                store: Arc::new(store),
                prefix: ObjectPath::default(),
                url,
            });
        }
        match object_store::parse_url(&parsed) {
            Ok((store, prefix)) => Ok(Self {
                store: Arc::from(store),
                prefix,
                url,
            }),
            Err(error) if !cfg!(feature = "cloud") => bail!(
                "--bucket {url:?}: {error}; uploads to s3://, gs:// and az:// need the `cloud` \
                 feature (cargo run -p tracelens-workload --features cloud)"
            ),
            Err(error) => bail!("--bucket {url:?}: {error}"),
        }
    }

    /// Puts `bytes` at `name` under the bucket.
    pub async fn put(&self, name: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
        let location = if self.prefix.as_ref().is_empty() {
            ObjectPath::from(name)
        } else {
            self.prefix.child(name)
        };
        self.store
            .put(&location, bytes.into())
            .await
            .with_context(|| format!("upload of {name} to {} failed", self.url))?;
        Ok(())
    }
}

/// How long `bytes` take over a link of `mbps` megabits per second.
pub fn simulated_transfer(bytes: usize, mbps: f64) -> Duration {
    Duration::from_secs_f64(bytes as f64 * 8.0 / (mbps * 1e6))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_megabyte_takes_eight_seconds_at_one_megabit() {
        assert_eq!(simulated_transfer(1_000_000, 1.0), Duration::from_secs(8));
    }

    #[test]
    fn a_bad_bucket_url_says_what_to_try() {
        let error = Bucket::open(Some("not a url")).err().unwrap().to_string();
        assert!(error.contains("file:///"), "{error}");
    }
}
