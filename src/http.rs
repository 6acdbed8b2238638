//! HTTP from the browser to the services a user names (Tempo, Loki),
//! through gloo-net's fetch:
//! connection settings kept in sessionStorage (never in the URL), sent only
//! to the URL the user gave, with a timeout and a readable reason for every
//! failure.

/// How long one request may take.
const TIMEOUT_MS: u32 = 30_000;

/// Which service a connection is for: its name in messages and where its
/// settings are kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Product {
    /// Grafana Tempo.
    #[default]
    Tempo,
    /// Grafana Loki.
    Loki,
}

impl Product {
    pub fn name(self) -> &'static str {
        match self {
            Product::Tempo => "Tempo",
            Product::Loki => "Loki",
        }
    }

    fn storage_key(self) -> &'static str {
        match self {
            Product::Tempo => "tracelens.tempo",
            Product::Loki => "tracelens.loki",
        }
    }

    fn example(self) -> &'static str {
        match self {
            Product::Tempo => "http://localhost:3200",
            Product::Loki => "http://localhost:3100",
        }
    }
}

/// Where a service is and how to authenticate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Connection {
    /// The service the settings are for.
    pub product: Product,
    /// Base URL, e.g. http://localhost:3200 (or a CORS proxy in front of it).
    pub base: String,
    /// A whole `Authorization` header value ("Bearer …", "Basic …"), if any.
    pub authorization: String,
    /// The `X-Scope-OrgID` tenant, if any.
    pub tenant: String,
}

impl Connection {
    /// The settings of this browser session for `product`, if any were
    /// saved; else, when `tracelens serve` serves the page, its own origin.
    pub fn load(product: Product) -> Self {
        let text = session_storage()
            .and_then(|s| s.get_item(product.storage_key()).ok().flatten())
            .unwrap_or_default();
        let mut parts = text.splitn(3, '\n').map(str::to_owned);
        let base = parts.next().filter(|b| !b.trim().is_empty());
        Self {
            product,
            base: base.or_else(served_origin).unwrap_or_default(),
            authorization: parts.next().unwrap_or_default(),
            tenant: parts.next().unwrap_or_default(),
        }
    }

    /// Keeps the settings for this browser session only.
    pub fn save(&self) {
        if let Some(storage) = session_storage() {
            let text = format!("{}\n{}\n{}", self.base, self.authorization, self.tenant);
            let _ = storage.set_item(self.product.storage_key(), &text);
        }
    }

    fn url(&self, path: &str) -> Result<String, String> {
        let base = self.base.trim().trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(format!(
                "the {} URL {base:?} must start with http:// or https:// (e.g. {})",
                self.product.name(),
                self.product.example()
            ));
        }
        Ok(format!("{base}{path}"))
    }

    /// GETs `path`; the status and body, or why nothing came back.
    pub async fn get(&self, path: &str, accept: &str) -> Result<(u16, Vec<u8>), String> {
        self.get_typed(path, accept)
            .await
            .map(|(status, _, body)| (status, body))
    }

    /// GETs `path`; the status, content type and body.
    pub async fn get_typed(
        &self,
        path: &str,
        accept: &str,
    ) -> Result<(u16, String, Vec<u8>), String> {
        let name = self.product.name();
        let url = self.url(path)?;
        let mut request = gloo_net::http::Request::get(&url).header("Accept", accept);
        if !self.authorization.trim().is_empty() {
            request = request.header("Authorization", self.authorization.trim());
        }
        if !self.tenant.trim().is_empty() {
            request = request.header("X-Scope-OrgID", self.tenant.trim());
        }
        let timeout = web_sys::AbortSignal::timeout_with_u32(TIMEOUT_MS);
        let response = request
            .abort_signal(Some(&timeout))
            .send()
            .await
            .map_err(|error| match error {
                gloo_net::Error::JsError(e) if e.name == "TimeoutError" => format!(
                    "{url} did not answer within {} s: {name} is overloaded or the query is \
                     too broad; narrow the time range or the query",
                    TIMEOUT_MS / 1000
                ),
                _ => format!(
                    "could not reach {url}: {name} is not running there, or it does not allow \
                     this page's origin ({name} sends no CORS headers: put a proxy in front of \
                     it, see the README)"
                ),
            })?;
        let content_type = response.headers().get("content-type").unwrap_or_default();
        let body = response.binary().await.map_err(|e| e.to_string())?;
        Ok((response.status(), content_type, body))
    }

    /// A failed answer as one readable line: what the status means here,
    /// and what the service said.
    pub fn explain(&self, status: u16, body: &[u8], path: &str) -> String {
        let name = self.product.name();
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if is_html(text) {
            // A web server or proxy answered, not the service: its page
            // says nothing useful, where the URL should point does.
            return format!(
                "{path}: {status}: this is not {name}'s API (the answer is a web page): give \
                 {name}'s own address, e.g. {}, or the path a proxy forwards to it, e.g. \
                 http://your-host:8080/{}, without /api at the end",
                self.product.example(),
                name.to_lowercase()
            );
        }
        let hint = match status {
            400 => format!("{name} could not run the query"),
            401 => format!("{name} wants credentials: check the Authorization header"),
            403 => format!(
                "{name} refused these credentials: check the Authorization header and the tenant"
            ),
            404 => "not found".to_owned(),
            429 => format!("{name} is rate-limiting this tenant: wait a little and try again"),
            500..=599 => {
                format!("{name} failed: try again, and check {name}'s logs if it keeps failing")
            }
            _ => format!("{name} answered with an error"),
        };
        let detail: String = text.chars().take(300).collect();
        if detail.is_empty() {
            format!("{path}: {status}: {hint}")
        } else {
            format!("{path}: {status}: {hint}: {detail}")
        }
    }
}

/// Whether an answer is a web page (a proxy's or web server's error page)
/// rather than what an API answers.
fn is_html(text: &str) -> bool {
    let start: String = text
        .chars()
        .take(200)
        .collect::<String>()
        .to_ascii_lowercase();
    start.starts_with("<!doctype html") || start.starts_with("<html") || start.contains("<body")
}

/// `text` as a URL query component.
pub fn encode(text: &str) -> String {
    String::from(js_sys::encode_uri_component(text))
}

/// The page's origin when `tracelens serve` served it (it marks the page
/// with `<meta name="tracelens-serve">` and answers Tempo's and Loki's
/// queries itself).
pub fn served_origin() -> Option<String> {
    let window = web_sys::window()?;
    window
        .document()?
        .query_selector("meta[name=tracelens-serve]")
        .ok()
        .flatten()?;
    window.location().origin().ok()
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempo() -> Connection {
        Connection {
            product: Product::Tempo,
            base: "http://host:8080".into(),
            ..Connection::default()
        }
    }

    #[test]
    fn a_web_page_answer_says_the_url_is_not_the_api() {
        let page = b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>";
        let message = tempo().explain(404, page, "/api/echo");
        assert!(message.contains("this is not Tempo's API"), "{message}");
        assert!(message.contains("http://your-host:8080/tempo"), "{message}");
        assert!(!message.contains("<h1>"), "{message}");
        // What Tempo itself says is kept.
        let message = tempo().explain(400, b"parse error at line 1", "/api/search");
        assert!(
            message.ends_with("Tempo could not run the query: parse error at line 1"),
            "{message}"
        );
    }
}
