//! Memory measurements for `cargo xtask bench`, each in its own process so
//! the peak is the loader's alone:
//!
//! - `bench_memory generate SPANS PATH` writes a synthetic trace as OTLP/JSON
//!   (`generate-protobuf`: as OTLP protobuf; `generate-batch-per-service`:
//!   as OTLP protobuf, a `ResourceSpans` a service; `generate-backwards`: as
//!   OTLP protobuf, every span ending before it starts, a warning each);
//! - `bench_memory generate-stream SPANS PATH` writes it as a stream of
//!   OTLP protobuf messages, `generate-zipkin` as Zipkin JSON;
//! - `bench_memory tempo-v2 FROM TO` writes FROM (OTLP/JSON) as Tempo's v2
//!   answer wraps it;
//! - `bench_memory gzip FROM TO` writes FROM gzipped (fast) to TO;
//! - `bench_memory night TRACES SPANS PATH` writes TRACES such traces of
//!   SPANS spans each, of varied durations, as OTLP/JSON;
//! - `bench_memory load PATH` loads it and prints
//!   `spans=… heap_bytes=… peak_rss_kb=…`.

#[allow(dead_code)] // the generator is shared with the benchmarks
#[path = "../benches/support/mod.rs"]
mod support;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // The generated trace of SPANS spans, and a file written.
    let trace = |spans: &str| support::trace(spans.parse().expect("SPANS is a number"));
    let write = |path: &str, bytes: Vec<u8>| std::fs::write(path, bytes).expect("PATH is writable");
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["generate", spans, path] => write(path, support::json(&trace(spans))),
        ["generate-protobuf", spans, path] => write(path, support::protobuf(&trace(spans))),
        ["generate-batch-per-service", spans, path] => write(
            path,
            support::protobuf(&support::batch_per_service(trace(spans))),
        ),
        ["generate-stream", spans, path] => write(path, support::protobuf_stream(&trace(spans))),
        ["generate-zipkin", spans, path] => write(path, support::zipkin(&trace(spans))),
        ["tempo-v2", from, to] => {
            // Tempo's `/api/v2/traces/{id}` answer wraps the request.
            let bytes = std::fs::read(from).expect("FROM is readable");
            let answer = [&b"{\"trace\":"[..], &bytes, b"}"].concat();
            std::fs::write(to, answer).expect("TO is writable");
        }
        ["gzip", from, to] => {
            use std::io::Write;
            let bytes = std::fs::read(from).expect("FROM is readable");
            let file = std::fs::File::create(to).expect("TO is writable");
            let mut gzip = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
            gzip.write_all(&bytes).expect("TO is writable");
            gzip.finish().expect("TO is writable");
        }
        ["generate-backwards", spans, path] => {
            let mut data = trace(spans);
            for span in data
                .resource_spans
                .iter_mut()
                .flat_map(|r| &mut r.scope_spans)
                .flat_map(|s| &mut s.spans)
            {
                std::mem::swap(&mut span.start_time_unix_nano, &mut span.end_time_unix_nano);
            }
            write(path, support::protobuf(&data));
        }
        ["night", traces, spans, path] => {
            let traces: usize = traces.parse().expect("TRACES is a number");
            let spans: usize = spans.parse().expect("SPANS is a number");
            write(path, support::json(&support::night(traces, spans)));
        }
        ["load", path] => {
            let bytes = std::fs::read(path).expect("PATH is readable");
            let set = tracelens_core::ingest(&bytes).expect("PATH holds a trace");
            drop(bytes);
            println!(
                "spans={} heap_bytes={} peak_rss_kb={}",
                set.span_count(),
                set.heap_bytes(),
                peak_rss_kb()
            );
        }
        _ => {
            eprintln!(
                "usage: bench_memory generate[-protobuf] SPANS PATH | night TRACES SPANS PATH | load PATH"
            );
            std::process::exit(2);
        }
    }
}

/// The process's peak resident set (VmHWM), from /proc.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
