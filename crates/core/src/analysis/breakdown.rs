//! Where one trace's time goes, per group of spans (span name by default,
//! or service, or any attribute).

use rustc_hash::FxHashMap;
use std::fmt;
use std::str::FromStr;

use crate::analysis::critical_path::{critical_path, Section};
use crate::analysis::self_time::SelfTimes;
use crate::attributes::{Attribute, Value};
use crate::intern::Sym;
use crate::model::{SpanBrief, Trace, TraceSet};

/// The group a span's time is counted under.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum GroupBy {
    /// The span name.
    #[default]
    Name,
    /// The span's `service.name`.
    Service,
    /// An attribute key, looked up on the span, then its scope, then its
    /// resource.
    Attribute(String),
}

impl GroupBy {
    /// The span's name or service when grouping by it; `None` when
    /// grouping by an attribute.
    fn symbol_of(&self, span: &SpanBrief) -> Option<Sym> {
        match self {
            Self::Name => Some(span.name),
            Self::Service => Some(span.service),
            Self::Attribute(_) => None,
        }
    }

    /// The attribute key grouped by, as `set` interned it; `None` when
    /// grouping by name or service, or when no span carries the key.
    pub(crate) fn key_sym(&self, set: &TraceSet) -> Option<Sym> {
        match self {
            Self::Attribute(key) => set.strings.lookup(key),
            _ => None,
        }
    }
}

impl FromStr for GroupBy {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "name" => Ok(Self::Name),
            "service" => Ok(Self::Service),
            _ => match text.strip_prefix("attr:") {
                Some(key) if !key.is_empty() => Ok(Self::Attribute(key.to_owned())),
                _ => Err(format!(
                    "unknown grouping {text:?}: use name, service or attr:KEY"
                )),
            },
        }
    }
}

impl fmt::Display for GroupBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name => f.write_str("name"),
            Self::Service => f.write_str("service"),
            Self::Attribute(key) => write!(f, "attr:{key}"),
        }
    }
}

/// The label of spans that lack the grouping attribute.
pub const NO_GROUP: &str = "(none)";

/// One group's share of a trace.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupShare {
    /// The group's label (a span name, a service, an attribute value).
    pub group: String,
    /// Spans in the group.
    pub count: u64,
    /// Sum of the spans' durations.
    pub total_ns: u64,
    /// Sum of the spans' self times.
    pub self_ns: u64,
    /// `self_ns` / trace duration × 100.
    pub self_pct: f64,
    /// Time the group holds on the critical path.
    pub critical_ns: u64,
    /// `critical_ns` / root duration × 100; sums to 100 over the groups.
    pub critical_pct: f64,
}

/// Everything the views and the CLI show of one trace.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceAnalysis {
    /// The root the path and shares are measured from (see
    /// [`Trace::main_root`]); `None` for a trace without spans.
    pub root: Option<u32>,
    /// Latest span end minus earliest span start.
    pub duration_ns: u64,
    /// The main root's critical path, in time order.
    pub critical_path: Vec<Section>,
    /// Self time per span, indexed like `trace.spans`.
    pub self_times: Vec<u64>,
    /// Time on the critical path per span, indexed like `trace.spans`.
    pub critical_times: Vec<u64>,
    /// The shares, biggest critical time first.
    pub breakdown: Vec<GroupShare>,
}

/// Critical path, self times and the breakdown of `trace` by `group_by`.
pub fn analyze(set: &TraceSet, trace: &Trace, group_by: &GroupBy) -> TraceAnalysis {
    let path = trace
        .main_root()
        .map_or_else(Vec::new, |root| critical_path(trace, root));
    analyze_with_path(set, trace, group_by, path)
}

/// [`analyze`] given the main root's critical path, found before (a page
/// finds it in steps, [`crate::analysis::critical_path::PathSearch`], and
/// adds up the rest with [`Breakdown`], in steps between frames).
pub fn analyze_with_path(
    set: &TraceSet,
    trace: &Trace,
    group_by: &GroupBy,
    critical_path: Vec<Section>,
) -> TraceAnalysis {
    let mut adding = Breakdown::new(set, trace, group_by, critical_path);
    while !adding.step(set, trace, usize::MAX) {}
    adding.finish(trace)
}

/// Spans gone over at a time by a step of [`Breakdown`]: their self
/// times' pass, then their groups', while they are still in the cache
/// (448 KB of spans).
const CHUNK: usize = 4_096;

/// The spans' self times and the breakdown, added up a bounded number of
/// spans at a time ([`analyze_with_path`] at once): at five million spans
/// it held a page for a tenth of a second.
///
/// Both read every span, so they go over the spans together, a chunk at a
/// time: at a million spans reading them from memory once more cost
/// about as much as the grouping itself.
pub struct Breakdown {
    group_by: GroupBy,
    key_sym: Option<Sym>,
    critical_path: Vec<Section>,
    finding: SelfTimes,
    /// The self times, once found.
    self_times: Option<Vec<u64>>,
    /// Each span's row, for adding up the self times once found.
    row_of: Vec<u32>,
    /// Rows by the group's key, grouping by an attribute.
    index: FxHashMap<GroupKey, u32>,
    /// Rows by the symbol of the name or service grouped by
    /// ([`NO_ROW`] where none is yet).
    by_sym: Vec<u32>,
    rows: Vec<GroupShare>,
    /// Spans whose self time is added to their row.
    summed: usize,
}

impl Breakdown {
    /// The breakdown of `trace` by `group_by`, given the main root's
    /// critical path, still to add up.
    pub fn new(
        set: &TraceSet,
        trace: &Trace,
        group_by: &GroupBy,
        critical_path: Vec<Section>,
    ) -> Self {
        Self {
            group_by: group_by.clone(),
            key_sym: group_by.key_sym(set),
            critical_path,
            finding: SelfTimes::default(),
            self_times: None,
            row_of: Vec::with_capacity(trace.spans.len()),
            index: FxHashMap::default(),
            by_sym: Vec::new(),
            rows: Vec::new(),
            summed: 0,
        }
    }

    /// Goes on for about `budget` more spans of `trace` (the same trace
    /// each time); true once all are added.
    pub fn step(&mut self, set: &TraceSet, trace: &Trace, budget: usize) -> bool {
        let len = trace.spans.len();
        let mut budget = budget.max(1);
        while budget > 0 && self.summed < len {
            let chunk = budget.min(CHUNK);
            budget -= chunk;
            if self.row_of.len() < len {
                if self.self_times.is_none() {
                    self.self_times = self.finding.step(trace, chunk);
                }
                let from = self.row_of.len();
                let end = len.min(from + chunk);
                for (i, span) in trace.briefs().iter().enumerate().take(end).skip(from) {
                    let r = self.row(set, trace, i as u32);
                    let row = &mut self.rows[r as usize];
                    row.count += 1;
                    row.total_ns += span.duration_ns();
                    self.row_of.push(r);
                }
            } else if let Some(self_times) = &self.self_times {
                let end = len.min(self.summed + chunk);
                let (rows, from) = (
                    &self.row_of[self.summed..end],
                    &self_times[self.summed..end],
                );
                for (&r, &time) in rows.iter().zip(from) {
                    self.rows[r as usize].self_ns += time;
                }
                self.summed = end;
            } else {
                // The self times still being taken, or gone over parent by
                // parent (which takes longer).
                self.self_times = self.finding.step(trace, chunk);
            }
        }
        self.summed == len
    }

    /// The row of the group span `span` counts under, made if new.
    fn row(&mut self, set: &TraceSet, trace: &Trace, span: u32) -> u32 {
        let Some(sym) = self.group_by.symbol_of(&trace.briefs()[span as usize]) else {
            let key = group_key(set, trace, span, &self.group_by, self.key_sym);
            let rows = &mut self.rows;
            return *self
                .index
                .entry(key)
                .or_insert_with_key(|key| new_row(rows, key.label(set)));
        };
        // A name's or a service's row found by its symbol, not hashed: at
        // 10k spans the hashing was two thirds of the breakdown's time.
        let slot = sym.0 as usize;
        if slot >= self.by_sym.len() {
            self.by_sym.resize(slot + 1, NO_ROW);
        }
        if self.by_sym[slot] == NO_ROW {
            self.by_sym[slot] = new_row(&mut self.rows, set.strings.get(sym).to_owned());
        }
        self.by_sym[slot]
    }

    /// The analysis, once [`Breakdown::step`] said all spans are added.
    pub fn finish(self, trace: &Trace) -> TraceAnalysis {
        let root = trace.main_root();
        let duration_ns = trace.duration_ns();
        let root_duration = root.map_or(0, |r| trace.spans[r as usize].duration_ns());
        let mut rows = self.rows;
        let mut critical = vec![0u64; trace.spans.len()];
        for section in &self.critical_path {
            let length = section.end_ns - section.start_ns;
            critical[section.span as usize] += length;
            rows[self.row_of[section.span as usize] as usize].critical_ns += length;
        }
        for row in &mut rows {
            row.self_pct = percent(row.self_ns, duration_ns);
            row.critical_pct = percent(row.critical_ns, root_duration);
        }
        rows.sort_by(|a, b| {
            b.critical_ns
                .cmp(&a.critical_ns)
                .then(b.self_ns.cmp(&a.self_ns))
                .then_with(|| a.group.cmp(&b.group))
        });
        TraceAnalysis {
            root,
            duration_ns,
            critical_path: self.critical_path,
            self_times: self.self_times.unwrap_or_default(),
            critical_times: critical,
            breakdown: rows,
        }
    }
}

/// No row yet for a symbol, in [`Breakdown`]'s rows by symbol.
const NO_ROW: u32 = u32::MAX;

/// A new empty row labelled `group`; its index.
fn new_row(rows: &mut Vec<GroupShare>, group: String) -> u32 {
    rows.push(GroupShare {
        group,
        count: 0,
        total_ns: 0,
        self_ns: 0,
        self_pct: 0.0,
        critical_ns: 0,
        critical_pct: 0.0,
    });
    (rows.len() - 1) as u32
}

/// `part` / `whole` × 100, and 0 for an empty whole.
pub fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64 * 100.0
    }
}

/// The label of the group span `span` of `trace` is counted under, as in
/// [`analyze`]'s breakdown.
pub fn group_of(set: &TraceSet, trace: &Trace, span: u32, group_by: &GroupBy) -> String {
    let key_sym = group_by.key_sym(set);
    group_key(set, trace, span, group_by, key_sym).label(set)
}

/// The spans of `trace` counted under the group labelled `group`, in
/// index order: what the breakdown row of that label sums.
pub fn spans_in_group(set: &TraceSet, trace: &Trace, group_by: &GroupBy, group: &str) -> Vec<u32> {
    let key_sym = group_by.key_sym(set);
    (0..trace.spans.len() as u32)
        .filter(|&i| match group_key(set, trace, i, group_by, key_sym) {
            GroupKey::Sym(sym) => set.strings.get(sym) == group,
            GroupKey::Text(text) => text == group,
            GroupKey::Missing => group == NO_GROUP,
        })
        .collect()
}

pub(crate) fn group_key(
    set: &TraceSet,
    trace: &Trace,
    span: u32,
    group_by: &GroupBy,
    key_sym: Option<Sym>,
) -> GroupKey {
    match group_by.symbol_of(&trace.briefs()[span as usize]) {
        Some(sym) => GroupKey::Sym(sym),
        None => attribute_key(set, trace, span, key_sym),
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) enum GroupKey {
    Sym(Sym),
    Text(String),
    Missing,
}

impl GroupKey {
    pub(crate) fn label(&self, set: &TraceSet) -> String {
        match self {
            Self::Sym(sym) => set.strings.get(*sym).to_owned(),
            Self::Text(text) => text.clone(),
            Self::Missing => NO_GROUP.to_owned(),
        }
    }
}

fn attribute_key(set: &TraceSet, trace: &Trace, span: u32, key: Option<Sym>) -> GroupKey {
    let Some(key) = key else {
        return GroupKey::Missing;
    };
    let value = grouping_attributes(set, trace, span)
        .into_iter()
        .find_map(|attributes| find(attributes, key));
    match value {
        None | Some(Value::Empty) => GroupKey::Missing,
        Some(Value::Str(sym)) => GroupKey::Sym(*sym),
        Some(other) => GroupKey::Text(other.display(&set.strings).to_string()),
    }
}

/// Where grouping by an attribute looks for it, first found first: the
/// span's own attributes, its scope's, its resource's (never its events'
/// or links').
fn grouping_attributes<'a>(set: &'a TraceSet, trace: &'a Trace, span: u32) -> [&'a [Attribute]; 3] {
    let s = &trace.spans[span as usize];
    let scope = set
        .scopes
        .get(s.scope as usize)
        .map(|sc| &sc.attributes[..]);
    let resource = set
        .resources
        .get(s.resource as usize)
        .map(|r| &r.attributes[..]);
    [
        trace.span_attributes(span),
        scope.unwrap_or_default(),
        resource.unwrap_or_default(),
    ]
}

/// Calls `visit` with every attribute grouping reads in `trace`: each
/// span's own, and each of its scopes' and resources' once (a million
/// spans share a few).
pub(crate) fn visit_grouping_attributes<'a>(
    set: &'a TraceSet,
    trace: &'a Trace,
    mut visit: impl FnMut(&'a Attribute),
) {
    let mut seen_scope = vec![false; set.scopes.len()];
    let mut seen_resource = vec![false; set.resources.len()];
    for (i, span) in trace.spans.iter().enumerate() {
        let [own, scope, resource] = grouping_attributes(set, trace, i as u32);
        own.iter().for_each(&mut visit);
        if let Some(seen) = seen_scope.get_mut(span.scope as usize).filter(|s| !**s) {
            *seen = true;
            scope.iter().for_each(&mut visit);
        }
        if let Some(seen) = seen_resource
            .get_mut(span.resource as usize)
            .filter(|s| !**s)
        {
            *seen = true;
            resource.iter().for_each(&mut visit);
        }
    }
}

/// The attribute keys a breakdown of `trace` can be grouped by: those
/// [`GroupBy::Attribute`] reads (spans', scopes' and resources'), sorted.
pub fn attribute_keys(set: &TraceSet, trace: &Trace) -> Vec<String> {
    let mut keys = Vec::new();
    visit_grouping_attributes(set, trace, |a| keys.push(a.key));
    set.strings
        .distinct(keys)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

fn find(attributes: &[Attribute], key: Sym) -> Option<&Value> {
    attributes.iter().find(|a| a.key == key).map(|a| &a.value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::ascii::{
        trace_from_ascii, trace_from_jaeger_ascii, trace_from_zipkin_ascii,
    };
    use crate::analysis::self_time::self_times;

    /// (group, critical µs, self µs), biggest critical share first.
    fn by_service(set: &TraceSet, trace: &Trace) -> Vec<(String, u64, u64)> {
        analyze(set, trace, &GroupBy::Service)
            .breakdown
            .iter()
            .map(|g| (g.group.clone(), g.critical_ns / 1_000, g.self_ns / 1_000))
            .collect()
    }

    /// A Zipkin trace in which the client and server sides of a call share
    /// span id 2, as B3 single-host joins write them; `query` names the
    /// shared id as its parent and runs in the server's service.
    const SHARED_ID: [&str; 4] = [
        "web:get@server#1      [--------------------]",
        "  web:call@client#2       [------------]",
        "  api:handle@server#2       [--------]",
        "    api:query#3               [---]",
    ];
    // get 22..43; call 26..39; handle 28..37; query 30..34

    #[test]
    fn a_shared_span_id_nests_the_server_under_its_client() {
        for marked in [true, false] {
            let (set, trace) = trace_from_zipkin_ascii(&SHARED_ID, marked);
            let name = |i: u32| set.strings.get(trace.spans[i as usize].name);
            let parent_of = |n: &str| {
                let i = (0..trace.spans.len() as u32)
                    .find(|&i| name(i) == n)
                    .unwrap();
                trace.spans[i as usize].parent.map(name)
            };
            assert_eq!(parent_of("call"), Some("get"), "marked {marked}");
            assert_eq!(parent_of("handle"), Some("call"), "marked {marked}");
            assert_eq!(parent_of("query"), Some("handle"), "marked {marked}");
            // Nothing to warn of: sharing an id is Zipkin's design.
            assert!(set.warnings.is_empty(), "{:?}", set.warnings);
            // Each service is credited its own time.
            assert_eq!(
                by_service(&set, &trace),
                [("web".to_owned(), 12, 12), ("api".to_owned(), 9, 9),],
                "marked {marked}"
            );
        }
    }

    #[test]
    fn two_spans_sharing_an_id_that_are_not_client_and_server_are_warned_of() {
        let (set, _) = trace_from_zipkin_ascii(
            &["web:get#1 [------]", "  web:a#2  [-]", "  web:b#2     [-]"],
            false,
        );
        assert_eq!(set.warnings.len(), 1);
        assert!(set.warnings[0]
            .message
            .contains("used by more than one span"));
    }

    #[test]
    fn a_follows_from_child_hangs_under_its_parent_without_blocking_it() {
        let drawing = [
            "api:request        [----------]",
            "  api:validate       [--]",
            "  worker:notify@follows  [------------]",
            "    worker:send              [----]",
        ];
        // request 19..30, validate 21..24, notify 23..36 (after the
        // request ended, as asynchronous work does), send 27..32.
        let (set, trace) = trace_from_jaeger_ascii(&drawing);
        assert_eq!(trace.roots.len(), 1, "notify is no root of its own");
        let notify = trace
            .spans
            .iter()
            .position(|s| set.strings.get(s.name) == "notify")
            .unwrap();
        assert!(trace.spans[notify].follows_from);
        assert_eq!(trace.spans[notify].depth, 1);
        let path = crate::analysis::critical_path::critical_path(&trace, trace.roots[0]);
        let names: Vec<&str> = path
            .iter()
            .map(|s| set.strings.get(trace.spans[s.span as usize].name))
            .collect();
        assert_eq!(names, ["request", "validate", "request"]);
    }

    #[test]
    fn shares_follow_the_critical_path_and_sum_to_100() {
        let drawing = [
            "batch [---------------------]",
            "  compress [------------]",
            "  upload                 [--]",
        ];
        // batch 6..28; compress 11..24; upload 25..28
        let (set, trace) = trace_from_ascii(&drawing);
        let analysis = analyze(&set, &trace, &GroupBy::Name);
        let shares: Vec<(&str, u64, u64)> = analysis
            .breakdown
            .iter()
            .map(|g| (g.group.as_str(), g.critical_ns / 1_000, g.self_ns / 1_000))
            .collect();
        assert_eq!(
            shares,
            [("compress", 13, 13), ("batch", 6, 6), ("upload", 3, 3)]
        );
        let total: f64 = analysis.breakdown.iter().map(|g| g.critical_pct).sum();
        assert!((total - 100.0).abs() < 1e-9);
        assert!((analysis.breakdown[0].critical_pct - 13.0 / 22.0 * 100.0).abs() < 1e-9);
    }

    #[test]
    fn added_in_steps_with_a_child_before_its_parent_the_shares_are_the_same() {
        // b1 starts before b (clock skew): self times go parent by parent,
        // and take longer than the grouping beside them.
        let drawing = [
            "root [--------------------]",
            "  a       [------]",
            "    a1  [---]",
            "  b        [-------]",
            "    b1 [-------------]",
        ];
        let (set, trace) = trace_from_ascii(&drawing);
        let at_once = analyze(&set, &trace, &GroupBy::Name);
        let self_ns: u64 = at_once.breakdown.iter().map(|g| g.self_ns).sum();
        assert_eq!(self_ns, at_once.self_times.iter().sum::<u64>());
        assert_eq!(at_once.self_times, self_times(&trace));
        for budget in [1, 2, 3, 7] {
            let path = critical_path(&trace, trace.main_root().unwrap());
            let mut adding = Breakdown::new(&set, &trace, &GroupBy::Name, path);
            let mut steps = 1;
            while !adding.step(&set, &trace, budget) {
                steps += 1;
            }
            // Every span grouped, its self time found, then added.
            assert!(
                steps >= 2 * trace.spans.len() / budget,
                "{steps} steps of {budget}"
            );
            assert_eq!(adding.finish(&trace), at_once, "steps of {budget}");
        }
    }

    #[test]
    fn spans_without_the_attribute_share_one_group() {
        let (set, trace) = trace_from_ascii(&["root [---]", "  a  [-]"]);
        let analysis = analyze(&set, &trace, &GroupBy::Attribute("zstd.level".to_owned()));
        assert_eq!(analysis.breakdown.len(), 1);
        assert_eq!(analysis.breakdown[0].group, NO_GROUP);
        assert_eq!(analysis.breakdown[0].count, 2);
    }

    #[test]
    fn the_spans_of_a_group_are_those_its_row_counts() {
        let (set, owned) = trace_from_ascii(&[
            "root          [----------]",
            "  compress     [----]",
            "  compress           [--]",
            "  upload               [-]",
        ]);
        let trace = &owned;
        let analysis = analyze(&set, trace, &GroupBy::Name);
        for row in &analysis.breakdown {
            let spans = spans_in_group(&set, trace, &GroupBy::Name, &row.group);
            assert_eq!(spans.len() as u64, row.count, "{}", row.group);
            assert!(spans
                .iter()
                .all(|&s| set.strings.get(trace.spans[s as usize].name) == row.group));
        }
        let missing = spans_in_group(&set, trace, &GroupBy::Attribute("nope".into()), NO_GROUP);
        assert_eq!(missing.len(), 4);
    }

    #[test]
    fn the_keys_offered_are_the_keys_grouping_reads() {
        // A span attribute, a scope attribute, a resource attribute; an
        // event's and a link's attributes are not read by grouping.
        let json = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},"scopeSpans":[{"scope":{"name":"lib","attributes":[{"key":"scope.team","value":{"stringValue":"infra"}}]},"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0000000000000001","name":"a","startTimeUnixNano":"1","endTimeUnixNano":"5","attributes":[{"key":"db.system","value":{"stringValue":"pg"}}],"events":[{"timeUnixNano":"2","name":"e","attributes":[{"key":"event.only","value":{"stringValue":"x"}}]}],"links":[{"traceId":"0102030405060708090a0b0c0d0e0f11","spanId":"0000000000000009","attributes":[{"key":"link.only","value":{"stringValue":"y"}}]}]}]}]}]}"#;
        let set = crate::ingest(json.as_bytes()).unwrap();
        let trace = &set.traces[0];
        let keys = attribute_keys(&set, trace);
        assert_eq!(keys, ["db.system", "scope.team", "service.name"]);
        // Each offered key groups the span under a value, never "(none)".
        for key in &keys {
            let group = group_of(&set, trace, 0, &GroupBy::Attribute(key.clone()));
            assert_ne!(group, NO_GROUP, "{key}");
        }
    }

    #[test]
    fn groupings_parse_from_text() {
        assert_eq!("service".parse(), Ok(GroupBy::Service));
        assert_eq!(
            "attr:http.route".parse(),
            Ok(GroupBy::Attribute("http.route".to_owned()))
        );
        assert!("attr:".parse::<GroupBy>().is_err());
        assert!("colour".parse::<GroupBy>().is_err());
    }
}
