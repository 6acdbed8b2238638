//! Grafana Tempo: connection settings, open a trace by id, TraceQL search.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tracelens_core::tempo::{normalize_trace_id, SearchHit};
use tracelens_core::units::format_duration;
use tracelens_core::TraceId;
use tracelens_view::url;

use crate::address;
use crate::loader;
use crate::state::AppState;
use crate::tempo::{self, Connection};

/// Time range presets, in seconds back from now; 0 means no range and
/// `CUSTOM` the two date fields.
const RANGES: [(&str, u64); 6] = [
    ("last 15 minutes", 15 * 60),
    ("last hour", 3_600),
    ("last 24 hours", 86_400),
    ("last 7 days", 7 * 86_400),
    ("any time", 0),
    ("custom", CUSTOM),
];
const CUSTOM: u64 = u64::MAX;

const EXAMPLES: &str = "{ status = error }   { span.http.response.status_code >= 500 }   \
                        { resource.service.name = \"checkout\" && duration > 2s }";

/// The panel's fields and what they found, as signals (so it is `Copy`
/// and each part takes it whole); the user's actions are its methods.
#[derive(Clone, Copy)]
struct Panel {
    state: AppState,
    base: RwSignal<String>,
    authorization: RwSignal<String>,
    tenant: RwSignal<String>,
    trace_id: RwSignal<String>,
    traceql: RwSignal<String>,
    range: RwSignal<usize>,
    custom_from: RwSignal<String>,
    custom_to: RwSignal<String>,
    limit: RwSignal<u32>,
    /// Tempo's latest answer, good or bad: one place for all of them.
    status: RwSignal<Option<Result<String, String>>>,
    hits: RwSignal<Vec<SearchHit>>,
    suggestions: RwSignal<Vec<String>>,
    lookup_in_range: RwSignal<bool>,
    /// Tags whose values were fetched for the suggestions.
    fetched_tags: RwSignal<Vec<String>>,
    /// Whether the search runs again every [`FOLLOW_EVERY`].
    following: RwSignal<bool>,
    /// Traces found since following began that were not listed before.
    fresh: RwSignal<Vec<TraceId>>,
    follow_timer: StoredValue<Option<IntervalHandle>>,
    /// A search is on its way (a follow-up waits for it).
    searching: StoredValue<bool>,
    /// Open the first trace the next search finds (served, nothing open).
    open_first: StoredValue<bool>,
}

/// How often a followed search runs again.
const FOLLOW_EVERY: Duration = Duration::from_secs(2);

impl Panel {
    fn new(state: AppState) -> Self {
        let saved = tempo::saved_connection();
        Self {
            state,
            base: RwSignal::new(saved.base),
            authorization: RwSignal::new(saved.authorization),
            tenant: RwSignal::new(saved.tenant),
            trace_id: RwSignal::new(String::new()),
            traceql: RwSignal::new("{ }".to_owned()),
            range: RwSignal::new(1),
            custom_from: RwSignal::new(String::new()),
            custom_to: RwSignal::new(String::new()),
            limit: RwSignal::new(20),
            status: RwSignal::new(None),
            hits: RwSignal::new(Vec::new()),
            suggestions: RwSignal::new(Vec::new()),
            lookup_in_range: RwSignal::new(false),
            fetched_tags: RwSignal::new(Vec::new()),
            following: RwSignal::new(false),
            fresh: RwSignal::new(Vec::new()),
            follow_timer: StoredValue::new(None),
            searching: StoredValue::new(false),
            open_first: StoredValue::new(false),
        }
    }

    /// The connection as the fields say, remembered for this session.
    fn connection(self) -> Connection {
        let connection = Connection {
            product: crate::http::Product::Tempo,
            base: self.base.get_untracked(),
            authorization: self.authorization.get_untracked(),
            tenant: self.tenant.get_untracked(),
        };
        connection.save();
        connection
    }

    /// The time range chosen, in Unix seconds (`None`: any time).
    fn seconds(self) -> Option<(u64, u64)> {
        let back = RANGES[self.range.get_untracked()].1;
        if back == CUSTOM {
            let from = parse_local(&self.custom_from.get_untracked())?;
            let to = parse_local(&self.custom_to.get_untracked())
                .unwrap_or((js_sys::Date::now() / 1000.0) as u64);
            return Some((from, to));
        }
        (back > 0).then(|| {
            let now = (js_sys::Date::now() / 1000.0) as u64;
            (now - back, now)
        })
    }

    /// Fetches the traces `ids` and shows them as one set.
    fn open_all(self, ids: Vec<TraceId>) {
        let (state, status) = (self.state, self.status);
        let connection = self.connection();
        let range = match self.lookup_in_range.get_untracked() {
            true => self.seconds(),
            false => None,
        };
        status.set(Some(Ok("fetching…".to_owned())));
        spawn_local(async move {
            let total = ids.len();
            let done = std::cell::Cell::new(0usize);
            state
                .loading
                .set(Some(format!("Fetching {total} trace(s) from Tempo…")));
            // All at once: the browser spreads them over its connections.
            let fetches = ids.iter().map(|&id| {
                let (connection, done) = (&connection, &done);
                async move {
                    let answer = tempo::fetch_trace(connection, id, range).await;
                    done.set(done.get() + 1);
                    state.loading.set(Some(format!(
                        "Fetched {} of {total} trace(s) from Tempo…",
                        done.get()
                    )));
                    (format!("trace {id}"), answer)
                }
            });
            let answers = futures::future::join_all(fetches).await;
            let source = match ids.as_slice() {
                [one] => format!("Tempo trace {one}"),
                _ => format!("{total} traces from Tempo"),
            };
            let failed = loader::show_fetched(state, answers, source);
            status.set(Some(match failed.is_empty() {
                true => Ok(format!("opened {total} trace(s)")),
                false => Err(failed.join("\n")),
            }));
        });
    }

    /// Opens one trace, the link in the address saying which.
    fn open(self, id: TraceId) {
        set_deep_link(&self.base.get_untracked(), url::TRACE_ID, &id.to_string());
        self.open_all(vec![id]);
    }

    /// Opens the trace whose id is typed.
    fn open_typed(self) {
        match normalize_trace_id(&self.trace_id.get_untracked()) {
            Ok(id) => self.open(id),
            Err(error) => self.status.set(Some(Err(error))),
        }
    }

    /// Asks Tempo who it is; once connected, fetches suggestions.
    fn test(self) {
        let (status, suggestions) = (self.status, self.suggestions);
        let connection = self.connection();
        status.set(Some(Ok("testing…".to_owned())));
        spawn_local(async move {
            let result = tempo::test_connection(&connection).await;
            let connected = result.is_ok();
            status.set(Some(result));
            if connected {
                if let Ok(found) = tempo::suggestions(&connection).await {
                    suggestions.set(found);
                }
            }
        });
    }

    /// Runs the TraceQL search, the link in the address saying which.
    fn search(self) {
        set_deep_link(
            &self.base.get_untracked(),
            url::QUERY,
            &self.traceql.get_untracked(),
        );
        self.run_search(false);
    }

    /// Runs the search; a follow-up (`again`) says what is new instead of
    /// "searching…", and is skipped while another is on its way.
    fn run_search(self, again: bool) {
        if again && self.searching.get_value() {
            return;
        }
        self.searching.set_value(true);
        let Panel {
            status,
            hits,
            fresh,
            searching,
            ..
        } = self;
        let connection = self.connection();
        let query = self.traceql.get_untracked();
        let (range, limit) = (self.seconds(), self.limit.get_untracked());
        if !again {
            status.set(Some(Ok("searching…".to_owned())));
        }
        spawn_local(async move {
            let result = tempo::search(&connection, &query, range, limit).await;
            searching.set_value(false);
            let found = match result {
                Ok(found) => found,
                Err(error) => return status.set(Some(Err(error))),
            };
            let new: Vec<TraceId> = match again {
                true => hits.with_untracked(|before| {
                    found
                        .iter()
                        .map(|hit| hit.trace_id)
                        .filter(|id| !before.iter().any(|b| b.trace_id == *id))
                        .collect()
                }),
                false => Vec::new(),
            };
            status.set(Some(Ok(match again {
                true => format!(
                    "following: {}, {} new at {}",
                    traces(found.len()),
                    new.len(),
                    clock_time()
                ),
                false => format!("{} found", traces(found.len())),
            })));
            let first = found.first().map(|hit| hit.trace_id);
            // A follow-up that finds the same leaves the list as it is.
            if !again || hits.with_untracked(|listed| *listed != found) {
                hits.set(found);
            }
            // Marked new since the follow began (or the search was run).
            match again {
                true => fresh.update(|marked| marked.extend(new)),
                false => fresh.set(Vec::new()),
            }
            if self.open_first.get_value() && self.state.loaded.get_untracked().is_none() {
                if let Some(first) = first {
                    self.open_first.set_value(false);
                    self.open_all(vec![first]);
                }
            }
        });
    }

    /// Starts or stops running the search again every [`FOLLOW_EVERY`].
    fn follow(self, on: bool) {
        self.following.set(on);
        if let Some(timer) = self.follow_timer.get_value() {
            timer.clear();
        }
        self.follow_timer.set_value(None);
        if on {
            self.fresh.set(Vec::new());
            self.run_search(true);
            let timer = set_interval_with_handle(move || self.run_search(true), FOLLOW_EVERY).ok();
            self.follow_timer.set_value(timer);
        }
    }

    /// Typing `{ span.http.route = ` fetches that tag's values, once.
    fn suggest_values(self, text: &str) {
        let Some(tag) = tag_being_compared(text) else {
            return;
        };
        if self.fetched_tags.get_untracked().contains(&tag)
            || self.base.get_untracked().trim().is_empty()
        {
            return;
        }
        self.fetched_tags.update(|tags| tags.push(tag.clone()));
        let (connection, suggestions) = (self.connection(), self.suggestions);
        spawn_local(async move {
            if let Ok(values) = tempo::value_suggestions(&connection, &tag).await {
                suggestions.update(|all| {
                    for value in values {
                        if !all.contains(&value) {
                            all.insert(0, value);
                        }
                    }
                });
            }
        });
    }

    /// Deep links: `?tempo=BASE&traceid=ID` or `?tempo=BASE&q=TRACEQL`.
    /// Whether the address had one.
    fn follow_deep_link(self) -> bool {
        let Some((linked_base, action)) = deep_link() else {
            return false;
        };
        self.base.set(linked_base);
        match action {
            DeepLink::Trace(id) => match normalize_trace_id(&id) {
                Ok(id) => {
                    self.trace_id.set(id.to_string());
                    self.open_all(vec![id]);
                }
                Err(error) => self.status.set(Some(Err(error))),
            },
            DeepLink::Search(query) => {
                self.traceql.set(query);
                self.search();
            }
            DeepLink::Nothing => {}
        }
        true
    }
}

#[component]
pub fn TempoPanel(state: AppState) -> impl IntoView {
    let panel = Panel::new(state);
    // Served by `tracelens serve`: it is the Tempo, and what it received
    // is what the user came to see.
    let served = crate::http::served_origin().is_some();
    let linked = panel.follow_deep_link();
    if served && !linked {
        panel.open_first.set_value(true);
        panel.run_search(false);
    }
    on_cleanup(move || panel.follow(false));
    let expanded = linked || served;
    let status = panel.status;
    view! {
        <details class="tempo-panel" open=expanded>
            <summary>"Grafana Tempo"</summary>
            <ConnectionFields panel=panel />
            <div class="tempo-row">
                <input type="text" data-testid="tempo-trace-id" placeholder="trace id" aria-label="Trace id to open from Tempo"
                    prop:value=move || panel.trace_id.get() on:input=move |ev| panel.trace_id.set(event_target_value(&ev))
                    on:keydown=move |ev| if ev.key() == "Enter" { panel.open_typed() } />
                <button on:click=move |_| panel.open_typed()>"Open trace"</button>
            </div>
            <SearchRow panel=panel />
            <label class="tempo-check">
                <input type="checkbox" data-testid="tempo-follow" prop:checked=move || panel.following.get()
                    on:change=move |ev| panel.follow(event_target_checked(&ev)) />
                " follow: search again every 2 s, new traces marked"
            </label>
            <label class="tempo-check">
                <input type="checkbox" prop:checked=move || panel.lookup_in_range.get()
                    on:change=move |ev| panel.lookup_in_range.set(event_target_checked(&ev)) />
                " look traces up by id only within the time range"
            </label>
            <p class="tempo-examples">"Examples: " {EXAMPLES}</p>
            // Every answer of Tempo, good or bad, in this one place; the
            // next try replaces it.
            {move || status.get().map(|s| match s {
                Ok(text) => view! { <p class="tempo-status" data-testid="tempo-status">{text}</p> }.into_any(),
                Err(text) => view! { <p class="tempo-status error" data-testid="tempo-error" role="alert">{text}</p> }.into_any(),
            })}
            <Results panel=panel />
        </details>
    }
}

/// Where Tempo is and how to ask it: URL, credentials, tenant, a test.
#[component]
fn ConnectionFields(panel: Panel) -> impl IntoView {
    let Panel {
        base,
        authorization,
        tenant,
        ..
    } = panel;
    view! {
        <div class="tempo-grid">
            <label>"Tempo URL"
                <input type="url" data-testid="tempo-url" placeholder="e.g. http://localhost:3200"
                    prop:value=move || base.get() on:input=move |ev| base.set(event_target_value(&ev)) />
            </label>
            <label>"Authorization"
                <input type="password" placeholder="Bearer … or Basic … (optional)"
                    prop:value=move || authorization.get()
                    on:input=move |ev| authorization.set(event_target_value(&ev)) />
            </label>
            <label>"Tenant (X-Scope-OrgID)"
                <input type="text" placeholder="optional"
                    prop:value=move || tenant.get() on:input=move |ev| tenant.set(event_target_value(&ev)) />
            </label>
            <button on:click=move |_| panel.test()>"Test connection"</button>
        </div>
    }
}

/// TraceQL, with suggestions; the time range; how many traces.
#[component]
fn SearchRow(panel: Panel) -> impl IntoView {
    let Panel {
        traceql,
        range,
        custom_from,
        custom_to,
        limit,
        suggestions,
        ..
    } = panel;
    view! {
        <div class="tempo-row">
            <input type="text" class="traceql" data-testid="tempo-search" title=EXAMPLES aria-label="TraceQL search"
                list="traceql-suggestions" autocomplete="off"
                placeholder="TraceQL, e.g. { status = error }"
                prop:value=move || traceql.get()
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    panel.suggest_values(&text);
                    traceql.set(text);
                }
                on:keydown=move |ev| if ev.key() == "Enter" { panel.search() } />
            <select aria-label="Time range" on:change=move |ev| range.set(event_target_value(&ev).parse().unwrap_or(1))>
                {RANGES.iter().enumerate().map(|(i, (label, _))| {
                    view! { <option value=i.to_string() selected=i == 1>{*label}</option> }
                }).collect::<Vec<_>>()}
            </select>
            <Show when=move || RANGES[range.get()].1 == CUSTOM>
                <input type="datetime-local" title="from" aria-label="from"
                    on:input=move |ev| custom_from.set(event_target_value(&ev)) />
                <input type="datetime-local" title="to" aria-label="to"
                    on:input=move |ev| custom_to.set(event_target_value(&ev)) />
            </Show>
            <input type="number" min="1" max="1000" class="limit" title="most traces" aria-label="Most traces to list"
                prop:value=move || limit.get().to_string()
                on:input=move |ev| limit.set(event_target_value(&ev).parse().unwrap_or(20)) />
            <button on:click=move |_| panel.search()>"Search"</button>
            <datalist id="traceql-suggestions">
                {move || suggestions.get().into_iter().map(|s| view! { <option value=s></option> }).collect::<Vec<_>>()}
            </datalist>
        </div>
    }
}

/// The search's traces, each opened by a click, or all at once.
#[component]
fn Results(panel: Panel) -> impl IntoView {
    let (hits, fresh) = (panel.hits, panel.fresh);
    view! {
        <Show when=move || { hits.get().len() > 1 }>
            <button class="tempo-open-all" on:click=move |_| {
                panel.open_all(hits.get_untracked().iter().map(|h| h.trace_id).collect())
            }>{move || format!("Open all {} results", hits.get().len())}</button>
        </Show>
        <ul class="tempo-results" data-testid="tempo-results">
            {move || hits.get().into_iter().map(|hit| {
                let id = hit.trace_id;
                let name = if hit.root_name.is_empty() { "—".to_owned() } else { hit.root_name.clone() };
                view! {
                    <li>
                        <button class="tempo-hit" class:new=move || fresh.with(|f| f.contains(&id))
                            data-trace-id=id.to_string() on:click=move |_| panel.open(id)>
                            <span class="root">{hit.root_service.clone()}" · "{name}</span>
                            <span class="meta">
                                {start_time(hit.start_ns)}" · "
                                {format_duration(hit.duration_ms * 1_000_000)}
                                {format!(" · {} matched · ", hit.matched)}
                                <code>{hit.trace_id_as_written.clone()}</code>
                            </span>
                        </button>
                    </li>
                }
            }).collect::<Vec<_>>()}
        </ul>
    }
}

/// "1 trace", "3 traces".
fn traces(count: usize) -> String {
    match count {
        1 => "1 trace".to_owned(),
        n => format!("{n} traces"),
    }
}

/// The time now, local, hours to seconds.
fn clock_time() -> String {
    String::from(js_sys::Date::new_0().to_locale_time_string("en-GB"))
}

/// A start time as ISO 8601 (UTC), millisecond precision.
fn start_time(ns: u64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64((ns / 1_000_000) as f64));
    String::from(date.to_iso_string())
}

/// Seconds since the epoch of a `datetime-local` value, read as local time.
fn parse_local(value: &str) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    let ms = js_sys::Date::parse(value);
    (ms.is_finite() && ms > 0.0).then(|| (ms / 1000.0) as u64)
}

enum DeepLink {
    Trace(String),
    Search(String),
    Nothing,
}

/// The Tempo base URL and what to do, from the page's query string.
fn deep_link() -> Option<(String, DeepLink)> {
    let base = address::param(url::TEMPO)?;
    let action = match (address::param(url::TRACE_ID), address::param(url::QUERY)) {
        (Some(id), _) => DeepLink::Trace(id),
        (None, Some(query)) => DeepLink::Search(query),
        (None, None) => DeepLink::Nothing,
    };
    Some((base, action))
}

/// Puts `?tempo=BASE&KEY=VALUE` in the address bar, in place of the rest
/// (no credentials: those stay in sessionStorage), so the link reopens
/// this view.
fn set_deep_link(base: &str, key: &str, value: &str) {
    address::replace_all(&[(url::TEMPO, base.trim()), (key, value)]);
}

/// The scoped tag of the last comparison in a TraceQL query, typed or
/// being typed: `{ span.http.route = "/a` → `span.http.route`.
fn tag_being_compared(text: &str) -> Option<String> {
    let before = &text[..text.rfind('=')?];
    let before = before.strip_suffix('!').unwrap_or(before).trim_end();
    let tag = before
        .rsplit(|c: char| c.is_whitespace() || c == '{' || c == '(')
        .next()?;
    let scoped = ["resource.", "span.", "event.", "link.", "instrumentation."];
    scoped
        .iter()
        .any(|s| tag.starts_with(s))
        .then(|| tag.to_owned())
}
