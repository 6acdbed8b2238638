//! Talking to Grafana Tempo from the browser: trace by id and TraceQL
//! search. Connection settings live in sessionStorage (never in the URL)
//! and go only to the Tempo the user named.

use js_sys::Uint8Array;
use tracelens_core::tempo::{
    parse_buildinfo, parse_search, parse_tag_values, parse_tags, unwrap_trace_by_id, SearchHit,
};
use tracelens_core::TraceId;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

use crate::loader::describe;

const STORAGE_KEY: &str = "tracelens.tempo";
/// How long one request to Tempo may take.
const TIMEOUT_MS: u32 = 30_000;

/// Where Tempo is and how to authenticate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Connection {
    /// Base URL, e.g. http://localhost:3200 (or a CORS proxy in front of it).
    pub base: String,
    /// A whole `Authorization` header value ("Bearer …", "Basic …"), if any.
    pub authorization: String,
    /// The `X-Scope-OrgID` tenant, if any.
    pub tenant: String,
}

impl Connection {
    /// The settings of this browser session, if any were saved.
    pub fn load() -> Self {
        let Some(storage) = session_storage() else {
            return Self::default();
        };
        let text = storage
            .get_item(STORAGE_KEY)
            .ok()
            .flatten()
            .unwrap_or_default();
        let mut parts = text.splitn(3, '\n').map(str::to_owned);
        Self {
            base: parts.next().unwrap_or_default(),
            authorization: parts.next().unwrap_or_default(),
            tenant: parts.next().unwrap_or_default(),
        }
    }

    /// Keeps the settings for this browser session only.
    pub fn save(&self) {
        if let Some(storage) = session_storage() {
            let text = format!("{}\n{}\n{}", self.base, self.authorization, self.tenant);
            let _ = storage.set_item(STORAGE_KEY, &text);
        }
    }

    fn url(&self, path: &str) -> Result<String, String> {
        let base = self.base.trim().trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(format!(
                "the Tempo URL {base:?} must start with http:// or https:// (e.g. http://localhost:3200)"
            ));
        }
        Ok(format!("{base}{path}"))
    }

    /// GETs `path`; the status and body, or why nothing came back.
    async fn get(&self, path: &str, accept: &str) -> Result<(u16, Vec<u8>), String> {
        self.get_typed(path, accept)
            .await
            .map(|(status, _, body)| (status, body))
    }

    /// GETs `path`; the status, content type and body.
    async fn get_typed(&self, path: &str, accept: &str) -> Result<(u16, String, Vec<u8>), String> {
        let url = self.url(path)?;
        let headers = Headers::new().map_err(describe)?;
        headers.append("Accept", accept).map_err(describe)?;
        if !self.authorization.trim().is_empty() {
            headers
                .append("Authorization", self.authorization.trim())
                .map_err(describe)?;
        }
        if !self.tenant.trim().is_empty() {
            headers
                .append("X-Scope-OrgID", self.tenant.trim())
                .map_err(describe)?;
        }
        let init = RequestInit::new();
        init.set_method("GET");
        init.set_headers(&headers);
        init.set_signal(Some(&web_sys::AbortSignal::timeout_with_u32(TIMEOUT_MS)));
        let request = Request::new_with_str_and_init(&url, &init).map_err(describe)?;
        let window = web_sys::window().ok_or("no window")?;
        let response: Response = JsFuture::from(window.fetch_with_request(&request))
            .await
            .map_err(|error| {
                let timed_out = error
                    .dyn_ref::<js_sys::Error>()
                    .is_some_and(|e| e.name() == "TimeoutError");
                if timed_out {
                    format!(
                        "{url} did not answer within {} s: Tempo is overloaded or the query is \
                         too broad; narrow the time range or the query",
                        TIMEOUT_MS / 1000
                    )
                } else {
                    format!(
                        "could not reach {url}: Tempo is not running there, or it does not allow \
                         this page's origin (Tempo sends no CORS headers: put a proxy in front of \
                         it, see the README)"
                    )
                }
            })?
            .dyn_into()
            .map_err(describe)?;
        let buffer = JsFuture::from(response.array_buffer().map_err(describe)?)
            .await
            .map_err(describe)?;
        let content_type = response
            .headers()
            .get("content-type")
            .ok()
            .flatten()
            .unwrap_or_default();
        Ok((
            response.status(),
            content_type,
            Uint8Array::new(&buffer).to_vec(),
        ))
    }
}

/// Checks `/api/echo` and `/api/status/buildinfo`; Tempo's version, or
/// what is wrong.
pub async fn test_connection(connection: &Connection) -> Result<String, String> {
    let (status, body) = connection.get("/api/echo", "text/plain").await?;
    if status != 200 {
        return Err(explain(status, &body, "/api/echo"));
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
        _ => return Err(explain(status, &body, &v2)),
    }
    let v1 = format!("/api/traces/{trace_id}{query}");
    let (status, body) = connection.get(&v1, "application/json").await?;
    match status {
        200 => Ok((body, None)),
        404 => Err(format!(
            "trace {trace_id} was not found in Tempo in that time range"
        )),
        _ => Err(explain(status, &body, &v1)),
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
        return Err(explain(status, &body, "/api/search"));
    }
    parse_search(&body).map_err(|e| e.to_string())
}

/// TraceQL snippets for the query box: every tag, and every service.
pub async fn suggestions(connection: &Connection) -> Result<Vec<String>, String> {
    let (status, body) = connection
        .get("/api/v2/search/tags", "application/json")
        .await?;
    if status != 200 {
        return Err(explain(status, &body, "/api/v2/search/tags"));
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
        return Err(explain(status, &body, &path));
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

fn explain(status: u16, body: &[u8], path: &str) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let hint = match status {
        400 => "Tempo could not run the query",
        401 => "Tempo wants credentials: check the Authorization header",
        403 => "Tempo refused these credentials: check the Authorization header and the tenant",
        404 => "not found",
        429 => "Tempo is rate-limiting this tenant: wait a little and try again",
        500..=599 => "Tempo failed: try again, and check Tempo's logs if it keeps failing",
        _ => "Tempo answered with an error",
    };
    let detail: String = text.chars().take(300).collect();
    if detail.is_empty() {
        format!("{path}: {status}: {hint}")
    } else {
        format!("{path}: {status}: {hint}: {detail}")
    }
}

fn encode(text: &str) -> String {
    String::from(js_sys::encode_uri_component(text))
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}
