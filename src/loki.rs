//! Asking Grafana Loki for the selected trace's log lines: a LogQL query
//! the user can edit, over the trace's own time range.

use tracelens_core::TraceId;

use crate::http::{encode, Connection, Product};

/// The query by default: the root service's lines that mention the trace.
pub const DEFAULT_QUERY: &str = r#"{service_name="{service}"} |= "{trace_id}""#;
/// Lines asked for at most.
const LIMIT: u32 = 5000;
/// Loki stamps lines when an agent read them, a little after they were
/// logged, and clocks drift: the range reaches a minute beyond the trace.
const MARGIN_NS: u64 = 60_000_000_000;

/// The Loki settings of this browser session.
pub fn saved_connection() -> Connection {
    Connection::load(Product::Loki)
}

/// The query with `{service}` and `{trace_id}` filled in.
pub fn fill(template: &str, service: &str, trace_id: TraceId) -> String {
    template
        .replace("{service}", service)
        .replace("{trace_id}", &trace_id.to_string())
}

/// Runs `query` over the trace's span `[start_ns, end_ns]` (widened by a
/// minute each way); Loki's answer, or why there is none.
pub async fn query_range(
    connection: &Connection,
    query: &str,
    start_ns: u64,
    end_ns: u64,
) -> Result<Vec<u8>, String> {
    let path = format!(
        "/loki/api/v1/query_range?query={}&start={}&end={}&limit={LIMIT}&direction=backward",
        encode(query.trim()),
        start_ns.saturating_sub(MARGIN_NS),
        end_ns.saturating_add(MARGIN_NS),
    );
    let (status, body) = connection.get(&path, "application/json").await?;
    if status != 200 {
        return Err(connection.explain(status, &body, "/loki/api/v1/query_range"));
    }
    Ok(body)
}
