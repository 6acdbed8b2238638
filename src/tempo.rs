//! Talking to Grafana Tempo from the browser: trace by id and TraceQL
//! search. Connection settings live in sessionStorage (never in the URL)
//! and go only to the Tempo the user named.

use tracelens_core::tempo::{
    parse_buildinfo, parse_search, parse_tag_values, parse_tags, unwrap_trace_by_id, SearchHit,
};
use tracelens_core::TraceId;

pub use crate::http::Connection;
use crate::http::{encode, Product};

/// The Tempo settings of this browser session.
pub fn saved_connection() -> Connection {
    Connection::load(Product::Tempo)
}

/// Checks `/api/echo` and `/api/status/buildinfo`; Tempo's version, or
/// what is wrong.
pub async fn test_connection(connection: &Connection) -> Result<String, String> {
    let (status, body) = connection.get("/api/echo", "text/plain").await?;
    if status != 200 {
        return Err(connection.explain(status, &body, "/api/echo"));
    }
    let (status, body) = connection
        .get("/api/status/buildinfo", "application/json")
        .await?;
    if status != 200 {
        return Ok("Tempo answers (its version is not available)".to_owned());
    }
    let version = parse_buildinfo(&body).unwrap_or_else(|| "of unknown version".to_owned());
    Ok(format!("connected: Tempo {version}"))
}

/// A fetched trace: bytes for ingest, and Tempo's PARTIAL warning if any.
pub type Fetched = (Vec<u8>, Option<String>);

/// The trace: `/api/v2/traces/{id}` as protobuf (Tempo's
/// `TraceByIDResponse`), as JSON where protobuf is not offered, else the
/// v1 path older Tempos have. `range` limits the lookup, in seconds.
pub async fn fetch_trace(
    connection: &Connection,
    trace_id: TraceId,
    range: Option<(u64, u64)>,
) -> Result<Fetched, String> {
    let query = range.map_or_else(String::new, |(start, end)| {
        format!("?start={start}&end={end}")
    });
    let v2 = format!("/api/v2/traces/{trace_id}{query}");
    let accept = "application/protobuf, application/json;q=0.5";
    let (status, content_type, body) = connection.get_typed(&v2, accept).await?;
    match status {
        200 if content_type.contains("protobuf") => {
            let (trace, warning) = unwrap_trace_by_id(&body).map_err(|e| e.to_string())?;
            return Ok((trace.to_vec(), warning));
        }
        // Ingest reads a JSON answer's PARTIAL status itself.
        200 => return Ok((body, None)),
        404 => {}
        _ => return Err(connection.explain(status, &body, &v2)),
    }
    let v1 = format!("/api/traces/{trace_id}{query}");
    let (status, body) = connection.get(&v1, "application/json").await?;
    let where_ = match range {
        Some(_) => "in that time range (untick the range to look everywhere)",
        None => "anywhere it keeps traces",
    };
    match status {
        200 => Ok((body, None)),
        404 if !body.trim_ascii_start().starts_with(b"<") => Err(format!(
            "trace {trace_id} was not found: Tempo looked {where_}"
        )),
        _ => Err(connection.explain(status, &body, &v1)),
    }
}

/// Runs a TraceQL search over `range` (seconds), at most `limit` traces.
pub async fn search(
    connection: &Connection,
    traceql: &str,
    range: Option<(u64, u64)>,
    limit: u32,
) -> Result<Vec<SearchHit>, String> {
    let mut path = format!("/api/search?q={}&limit={limit}", encode(traceql.trim()));
    if let Some((start, end)) = range {
        path.push_str(&format!("&start={start}&end={end}"));
    }
    let (status, body) = connection.get(&path, "application/json").await?;
    if status != 200 {
        return Err(connection.explain(status, &body, "/api/search"));
    }
    parse_search(&body).map_err(|e| e.to_string())
}

/// TraceQL snippets for the query box: every tag, and every service.
pub async fn suggestions(connection: &Connection) -> Result<Vec<String>, String> {
    let (status, body) = connection
        .get("/api/v2/search/tags", "application/json")
        .await?;
    if status != 200 {
        return Err(connection.explain(status, &body, "/api/v2/search/tags"));
    }
    let tags = parse_tags(&body).map_err(|e| e.to_string())?;
    let mut snippets = Vec::new();
    let path = "/api/v2/search/tag/resource.service.name/values";
    if let Ok((200, body)) = connection.get(path, "application/json").await {
        for value in parse_tag_values(&body).unwrap_or_default() {
            snippets.push(format!("{{ resource.service.name = \"{}\" }}", value.value));
        }
    }
    snippets.extend(tags.into_iter().map(|tag| format!("{{ {tag} = }}")));
    Ok(snippets)
}

/// TraceQL snippets with the values Tempo knows for `tag` (a scoped name
/// such as `span.http.route`): strings quoted, other types bare.
pub async fn value_suggestions(connection: &Connection, tag: &str) -> Result<Vec<String>, String> {
    let path = format!("/api/v2/search/tag/{}/values", encode(tag));
    let (status, body) = connection.get(&path, "application/json").await?;
    if status != 200 {
        return Err(connection.explain(status, &body, &path));
    }
    let values = parse_tag_values(&body).map_err(|e| e.to_string())?;
    Ok(values
        .into_iter()
        .map(|v| match v.kind.as_str() {
            "string" => format!("{{ {tag} = \"{}\" }}", v.value),
            _ => format!("{{ {tag} = {} }}", v.value),
        })
        .collect())
}
