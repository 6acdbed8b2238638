//! The view state in the address bar, read and written in one place: the
//! query string as pairs, parameters set or removed while the others stay,
//! and the names every view uses.

/// `?trace=URL`: a trace file to open on load.
pub const TRACE: &str = "trace";
/// `?logs=URL`: a log file to open with it.
pub const LOGS: &str = "logs";
/// `?id=TRACE_ID`: the trace on screen, of those loaded.
pub const SELECTED: &str = "id";
/// `?view=NAME`: how the trace is seen (flame, spans, graph; the
/// timeline when absent).
pub const VIEW: &str = "view";
/// `?pane=NAME`: the pane under the timeline.
pub const PANE: &str = "pane";
/// `?span=ID`: the span in the detail panel.
pub const SPAN: &str = "span";
/// `?find=TEXT`: the find text.
pub const FIND: &str = "find";
/// `?group=LABEL`: the breakdown group in focus.
pub const GROUP: &str = "group";
/// `?zoom=FROM-TO`: the time window, ns after the trace's start.
pub const ZOOM: &str = "zoom";
/// `?tempo=BASE`: the Tempo the view came from.
pub const TEMPO: &str = "tempo";
/// `?traceid=ID`: a trace opened from Tempo.
pub const TRACE_ID: &str = "traceid";
/// `?q=TRACEQL`: a Tempo search.
pub const QUERY: &str = "q";

/// The pairs of a query string (with or without its `?`), decoded.
pub fn pairs(search: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(search.trim_start_matches('?').as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The value of `name` in a query string, if set and not blank.
pub fn get(search: &str, name: &str) -> Option<String> {
    pairs(search)
        .into_iter()
        .find(|(k, v)| k == name && !v.trim().is_empty())
        .map(|(_, v)| v)
}

/// The query string (without `?`, empty for none) with each of `changes`
/// set to its value or, for `None`, removed; the other parameters stay as
/// they were, in their order.
pub fn with(search: &str, changes: &[(&str, Option<String>)]) -> String {
    let mut kept = pairs(search);
    for (name, value) in changes {
        let at = kept.iter().position(|(k, _)| k == name);
        kept.retain(|(k, _)| k != name);
        if let Some(value) = value {
            let pair = (name.to_string(), value.clone());
            match at {
                Some(at) => kept.insert(at.min(kept.len()), pair),
                None => kept.push(pair),
            }
        }
    }
    encode(&kept)
}

/// Pairs as a query string (without `?`).
pub fn encode(pairs: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_decoded_and_blank_ones_are_absent() {
        let search = "?trace=%2Fa%20b.json&find=zstd+level&span=";
        assert_eq!(get(search, TRACE).as_deref(), Some("/a b.json"));
        assert_eq!(get(search, FIND).as_deref(), Some("zstd level"));
        assert_eq!(get(search, SPAN), None);
        assert_eq!(get("", ZOOM), None);
    }

    #[test]
    fn changes_keep_the_other_parameters_in_place() {
        let search = "?trace=%2Fx.json&span=a1&logs=%2Fl.jsonl";
        assert_eq!(
            with(
                search,
                &[(SPAN, Some("b2".into())), (ZOOM, Some("0-5".into()))]
            ),
            "trace=%2Fx.json&span=b2&logs=%2Fl.jsonl&zoom=0-5"
        );
        assert_eq!(
            with(search, &[(SPAN, None)]),
            "trace=%2Fx.json&logs=%2Fl.jsonl"
        );
        assert_eq!(with("", &[(FIND, None)]), "");
        // Text that needs escaping round-trips.
        let written = with(
            "",
            &[(QUERY, Some("{ span.http.route = \"/a&b\" }".into()))],
        );
        assert_eq!(
            get(&written, QUERY).as_deref(),
            Some("{ span.http.route = \"/a&b\" }")
        );
    }
}
