//! The OpenTelemetry SDK set-up: spans go to an OTLP/JSON file (built from
//! the SDK's span data through opentelemetry-proto's types) and, when
//! asked, over OTLP/HTTP protobuf. A failing network exporter never costs
//! the file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{anyhow, Context};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::KeyValue;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider, SpanData, SpanExporter};
use opentelemetry_sdk::Resource;

/// Spans collected for the file, shared between the exporter the SDK owns
/// and the writer that runs after shutdown.
#[derive(Debug, Default)]
struct Collected {
    spans: Vec<SpanData>,
    resource: Option<ResourceAttributesWithSchema>,
}

/// Keeps every finished span for the OTLP/JSON file.
#[derive(Debug, Clone)]
struct FileExporter(Arc<Mutex<Collected>>);

impl SpanExporter for FileExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        if let Ok(mut collected) = self.0.lock() {
            collected.spans.extend(batch);
        }
        Ok(())
    }

    fn set_resource(&mut self, resource: &Resource) {
        if let Ok(mut collected) = self.0.lock() {
            collected.resource = Some(resource.into());
        }
    }
}

pub struct Telemetry {
    provider: SdkTracerProvider,
    collected: Arc<Mutex<Collected>>,
    out: PathBuf,
    endpoint: Option<String>,
}

impl Telemetry {
    pub fn start(out: &Path, endpoint: Option<&str>) -> anyhow::Result<Self> {
        // Fail before any work when the output cannot be written.
        File::create(out)
            .with_context(|| format!("cannot write the trace file {}", out.display()))?;
        let collected = Arc::new(Mutex::new(Collected::default()));
        let resource = Resource::builder()
            .with_service_name("batch-worker")
            .with_attributes([
                KeyValue::new("service.version", env!("CARGO_PKG_VERSION")),
                KeyValue::new("service.namespace", "tracelens-sample"),
                KeyValue::new("host.name", hostname()),
                KeyValue::new("process.pid", i64::from(std::process::id())),
                KeyValue::new("process.runtime.name", "rust"),
            ])
            .build();
        let mut builder = SdkTracerProvider::builder()
            .with_resource(resource)
            .with_simple_exporter(FileExporter(collected.clone()));
        let endpoint = match endpoint {
            Some(endpoint) => {
                let url = traces_url(endpoint)?;
                let exporter = opentelemetry_otlp::SpanExporter::builder()
                    .with_http()
                    .with_endpoint(url.clone())
                    .with_timeout(Duration::from_secs(5))
                    .build()
                    .with_context(|| format!("cannot set up OTLP/HTTP export to {url}"))?;
                builder = builder.with_batch_exporter(exporter);
                Some(url)
            }
            None => None,
        };
        Ok(Self {
            provider: builder.build(),
            collected,
            out: out.to_path_buf(),
            endpoint,
        })
    }

    pub fn tracer(&self) -> SdkTracer {
        self.provider.tracer("tracelens-workload")
    }

    /// Flushes every exporter and writes the file. The file is written even
    /// when the network export failed; that failure is the error returned.
    pub fn shutdown(self) -> anyhow::Result<()> {
        let flushed = self.provider.force_flush();
        let shut = self.provider.shutdown();
        self.write_file()?;
        match (self.endpoint, flushed.and(shut)) {
            (Some(url), Err(error)) => Err(anyhow!(
                "the traces could not be sent to {url}: {error} (they are in {})",
                self.out.display()
            )),
            _ => Ok(()),
        }
    }

    fn write_file(&self) -> anyhow::Result<()> {
        let mut collected = self
            .collected
            .lock()
            .map_err(|_| anyhow!("the span buffer was poisoned"))?;
        let spans = std::mem::take(&mut collected.spans);
        let resource = collected
            .resource
            .take()
            .unwrap_or_else(|| (&Resource::builder().build()).into());
        let request = ExportTraceServiceRequest {
            resource_spans: group_spans_by_resource_and_scope(spans, &resource),
        };
        let file = File::create(&self.out)
            .with_context(|| format!("cannot write {}", self.out.display()))?;
        let mut out = BufWriter::new(file);
        serde_json::to_writer(&mut out, &request)?;
        out.write_all(b"\n")?;
        out.flush()
            .with_context(|| format!("cannot write {}", self.out.display()))
    }
}

/// The OTLP/HTTP traces URL for a collector's base URL.
fn traces_url(endpoint: &str) -> anyhow::Result<String> {
    let url = url::Url::parse(endpoint).with_context(|| {
        format!("--otlp-endpoint {endpoint:?} is not a URL (try http://localhost:4318)")
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        anyhow::bail!("--otlp-endpoint must be an http:// or https:// URL, not {endpoint:?}");
    }
    Ok(match url.path() {
        "" | "/" => format!("{}/v1/traces", endpoint.trim_end_matches('/')),
        _ => endpoint.to_owned(),
    })
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "localhost".to_owned())
}

#[cfg(test)]
mod tests {
    use super::traces_url;

    #[test]
    fn a_base_url_gets_the_traces_path() {
        assert_eq!(
            traces_url("http://localhost:4318").unwrap(),
            "http://localhost:4318/v1/traces"
        );
        assert_eq!(
            traces_url("http://tempo:4318/").unwrap(),
            "http://tempo:4318/v1/traces"
        );
        assert_eq!(
            traces_url("http://c:4318/custom").unwrap(),
            "http://c:4318/custom"
        );
        assert!(traces_url("localhost:4318").is_err());
        assert!(traces_url("not a url").is_err());
    }
}
