//! What makes the slow traces slow: a slow set picked by a rule, compared
//! with the rest — which stages take a bigger share of the critical path,
//! which attribute values are over-represented (as Honeycomb's BubbleUp
//! ranks them), and which numeric attributes a stage's time follows —
//! with the findings as sentences a person can act on.

use std::collections::{BTreeMap, HashMap};

use rustc_hash::{FxHashMap, FxHashSet};

use crate::analysis::aggregate::percentile;
use crate::analysis::breakdown::{
    analyze, group_key, visit_grouping_attributes, GroupBy, GroupKey,
};
use crate::attributes::Value;
use crate::intern::Sym;
use crate::model::{StatusCode, Trace, TraceSet};
use crate::units::format_duration;

/// Which traces are the slow ones.
#[derive(Clone, Debug, PartialEq)]
pub enum SlowRule {
    /// The slowest `0 < p < 100` percent by duration (at least one trace,
    /// and at least one left for the rest).
    SlowestPercent(f64),
    /// Traces longer than this many nanoseconds.
    Over(u64),
    /// Traces lasting from the first to the second many nanoseconds (a
    /// range brushed on the duration histogram).
    Between(u64, u64),
    /// Traces starting within `starts` (ns after the earliest trace's
    /// start) and lasting within `durations` (ns), ends included: a box
    /// drawn on the start/duration scatter.
    Within {
        starts: (u64, u64),
        durations: (u64, u64),
    },
    /// Traces with a span whose status is ERROR.
    Errors,
}

impl SlowRule {
    /// The rule in words.
    pub fn describe(&self) -> String {
        match self {
            Self::SlowestPercent(p) => format!("the slowest {p}% by duration"),
            Self::Over(ns) => format!("longer than {}", format_duration(*ns)),
            Self::Between(from, to) => format!(
                "lasting {} to {}",
                format_duration(*from),
                format_duration(*to)
            ),
            Self::Within { starts, durations } => format!(
                "starting {} to {} after the first and lasting {} to {}",
                format_duration(starts.0),
                format_duration(starts.1),
                format_duration(durations.0),
                format_duration(durations.1)
            ),
            Self::Errors => "with an error".to_owned(),
        }
    }

    /// Which of `traces` are slow by this rule.
    pub fn pick(&self, traces: &[Trace]) -> Vec<bool> {
        let n = traces.len();
        match self {
            Self::SlowestPercent(p) => {
                let mut by_duration: Vec<usize> = (0..n).collect();
                by_duration.sort_by_key(|&i| std::cmp::Reverse(traces[i].duration_ns()));
                let count =
                    ((n as f64 * p / 100.0).ceil() as usize).clamp(1, n.saturating_sub(1).max(1));
                let mut slow = vec![false; n];
                for &i in by_duration.iter().take(count) {
                    slow[i] = true;
                }
                slow
            }
            Self::Over(ns) => traces.iter().map(|t| t.duration_ns() > *ns).collect(),
            Self::Between(from, to) => traces
                .iter()
                .map(|t| (*from..=*to).contains(&t.duration_ns()))
                .collect(),
            Self::Within { starts, durations } => {
                let first = traces.iter().map(Trace::start_ns).min().unwrap_or(0);
                traces
                    .iter()
                    .map(|t| {
                        (starts.0..=starts.1).contains(&(t.start_ns() - first))
                            && (durations.0..=durations.1).contains(&t.duration_ns())
                    })
                    .collect()
            }
            Self::Errors => traces
                .iter()
                .map(|t| t.spans.iter().any(|s| s.status == StatusCode::Error))
                .collect(),
        }
    }
}

/// A stage's median share of the critical path in each set.
#[derive(Clone, Debug, PartialEq)]
pub struct StageShift {
    pub group: String,
    /// p50 of the slow traces' critical share, percent.
    pub slow_p50_pct: f64,
    /// p50 of the other traces' critical share, percent.
    pub rest_p50_pct: f64,
}

/// How many traces of each set carry an attribute value.
#[derive(Clone, Debug, PartialEq)]
pub struct AttributeShift {
    pub key: String,
    pub value: String,
    /// Share of the slow traces carrying `key=value`, 0 to 1.
    pub slow_share: f64,
    /// Share of the other traces carrying it.
    pub rest_share: f64,
}

/// A numeric attribute that is larger in the slow traces: the median of
/// its per-trace value (the largest a trace's spans carry) in each set.
#[derive(Clone, Debug, PartialEq)]
pub struct NumberShift {
    pub key: String,
    pub slow_p50: f64,
    pub rest_p50: f64,
}

impl NumberShift {
    /// How many times larger in the slow traces.
    pub fn ratio(&self) -> f64 {
        self.slow_p50 / self.rest_p50
    }
}

/// A stage's critical time per trace against a numeric attribute of its
/// spans (summed per trace), fitted by least squares.
#[derive(Clone, Debug, PartialEq)]
pub struct Correlation {
    pub group: String,
    pub attribute: String,
    /// Nanoseconds of the stage per unit of the attribute.
    pub slope_ns_per_unit: f64,
    /// Where the fitted line crosses zero of the attribute, ns.
    pub intercept_ns: f64,
    /// Pearson's correlation coefficient.
    pub r: f64,
    /// Per trace the fit is over: (the attribute's sum, the stage's
    /// critical ns).
    pub points: Vec<(f64, f64)>,
}

impl Correlation {
    /// The fit in words: "compress ≈ 0.46 s per MB of input_bytes, r = 0.99
    /// over 5 traces".
    pub fn describe(&self) -> String {
        format!(
            "{} ≈ {}, r = {:.2} over {} traces",
            self.group,
            readable_slope(self.slope_ns_per_unit, &self.attribute),
            self.r,
            self.points.len()
        )
    }
}

/// The slow set against the rest.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// The rule, in words.
    pub rule: String,
    /// Which traces (indices into the set's traces) are slow.
    pub slow: Vec<usize>,
    /// How many traces are not.
    pub rest: usize,
    /// Biggest difference of median critical share first.
    pub stages: Vec<StageShift>,
    /// Biggest difference of share first (BubbleUp's ranking).
    pub attributes: Vec<AttributeShift>,
    /// Numeric attributes larger in the slow traces, most first.
    pub numbers: Vec<NumberShift>,
    /// Strongest correlation first.
    pub correlations: Vec<Correlation>,
    /// The findings, biggest effect first in each kind.
    pub findings: Vec<Finding>,
}

impl Explanation {
    /// The slow set against the rest, in words: "2 traces the slowest 40%
    /// by duration against 3 others".
    pub fn heading(&self) -> String {
        let (slow, rest) = (self.slow.len(), self.rest);
        let plural = |n: usize, one: &'static str, many: &'static str| match n {
            1 => one,
            _ => many,
        };
        format!(
            "{slow} {} {} against {rest} {}",
            plural(slow, "trace", "traces"),
            self.rule,
            plural(rest, "other", "others")
        )
    }
}

/// One finding: what kind, about what, and the sentence that says it.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// `stage`, `attribute` or `correlation`.
    pub kind: &'static str,
    /// The stage, the attribute key, or the stage a correlation is of.
    pub key: String,
    /// The attribute's value, or the attribute a correlation is with.
    pub value: String,
    /// The finding as a sentence.
    pub text: String,
}

/// Attribute values listed at most.
const ATTRIBUTES_LISTED: usize = 20;
/// Correlations listed at most, and the weakest listed.
const CORRELATIONS_LISTED: usize = 10;
const WEAKEST_R: f64 = 0.5;

/// Compares the traces `rule` picks with the rest, grouping spans by
/// `group_by` as the breakdown does.
pub fn explain(set: &TraceSet, group_by: &GroupBy, rule: &SlowRule) -> Explanation {
    let slow_flags = rule.pick(&set.traces);
    let analyses: Vec<_> = set
        .traces
        .iter()
        .map(|t| analyze(set, t, group_by))
        .collect();
    let slow: Vec<usize> = (0..set.traces.len()).filter(|&i| slow_flags[i]).collect();
    let rest: Vec<usize> = (0..set.traces.len()).filter(|&i| !slow_flags[i]).collect();

    // Stages: each trace's critical share per group (0 where it lacks one).
    let mut shares: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (i, analysis) in analyses.iter().enumerate() {
        for group in &analysis.breakdown {
            let per_trace = shares
                .entry(group.group.clone())
                .or_insert_with(|| vec![0.0; set.traces.len()]);
            per_trace[i] = group.critical_pct;
        }
    }
    let p50 = |values: &[f64], of: &[usize]| {
        let mut picked: Vec<f64> = of.iter().map(|&i| values[i]).collect();
        picked.sort_by(f64::total_cmp);
        percentile(&picked, 50.0)
    };
    let mut stages: Vec<StageShift> = shares
        .iter()
        .map(|(group, values)| StageShift {
            group: group.clone(),
            slow_p50_pct: p50(values, &slow),
            rest_p50_pct: p50(values, &rest),
        })
        .collect();
    stages.sort_by(|a, b| {
        let gap = |s: &StageShift| (s.slow_p50_pct - s.rest_p50_pct).abs();
        gap(b)
            .total_cmp(&gap(a))
            .then_with(|| a.group.cmp(&b.group))
    });

    let attributes = attribute_shifts(set, &slow, &rest);
    let numbers = number_shifts(set, &slow, &rest);
    let correlations = correlations(set, group_by, &analyses);
    let findings = findings(
        &stages,
        &attributes,
        &numbers,
        &correlations,
        slow.len(),
        rest.len(),
    );
    Explanation {
        rule: rule.describe(),
        rest: rest.len(),
        slow,
        stages,
        attributes,
        numbers,
        correlations,
        findings,
    }
}

/// How many times larger a numeric attribute's median must be in the slow
/// set to be a finding.
const LARGER_BY: f64 = 1.5;

/// Numeric attributes (integers and doubles of spans, scopes, resources)
/// whose median per-trace value is at least [`LARGER_BY`] times larger in
/// the slow set: "the slow batches are the big ones".
fn number_shifts(set: &TraceSet, slow: &[usize], rest: &[usize]) -> Vec<NumberShift> {
    let values_of = |trace: &Trace| -> FxHashMap<Sym, f64> {
        let mut values: FxHashMap<Sym, f64> = FxHashMap::default();
        visit_grouping_attributes(set, trace, |a| {
            let number = match a.value {
                Value::Int(n) => n as f64,
                Value::Double(d) if d.is_finite() => d,
                _ => return,
            };
            let value = values.entry(a.key).or_insert(number);
            *value = value.max(number);
        });
        values
    };
    let mut per_key: FxHashMap<Sym, (Vec<f64>, Vec<f64>)> = FxHashMap::default();
    for (of, slow_side) in [(slow, true), (rest, false)] {
        for &i in of {
            for (key, value) in values_of(&set.traces[i]) {
                let sides = per_key.entry(key).or_default();
                match slow_side {
                    true => sides.0.push(value),
                    false => sides.1.push(value),
                }
            }
        }
    }
    let median = |values: &mut Vec<f64>| {
        values.sort_by(f64::total_cmp);
        percentile(values, 50.0)
    };
    let mut shifts: Vec<NumberShift> = per_key
        .into_iter()
        .filter(|(_, (s, r))| !s.is_empty() && !r.is_empty())
        .map(|(key, (mut s, mut r))| NumberShift {
            key: set.strings.get(key).to_owned(),
            slow_p50: median(&mut s),
            rest_p50: median(&mut r),
        })
        .filter(|n| n.rest_p50 > 0.0 && n.ratio() >= LARGER_BY)
        .collect();
    shifts.sort_by(|a, b| {
        b.ratio()
            .total_cmp(&a.ratio())
            .then_with(|| a.key.cmp(&b.key))
    });
    shifts.truncate(ATTRIBUTES_LISTED);
    shifts
}

/// An attribute value as counted: strings by their symbol, integers and
/// booleans as they are (no text is made until a pair is reported).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Plain {
    Str(Sym),
    Int(i64),
    Bool(bool),
}

impl Plain {
    fn text(self, set: &TraceSet) -> String {
        let value = match self {
            Self::Str(sym) => Value::Str(sym),
            Self::Int(n) => Value::Int(n),
            Self::Bool(b) => Value::Bool(b),
        };
        let text = value.display(&set.strings).to_string();
        text
    }
}

/// Each trace's `key=value` pairs (span, scope and resource attributes),
/// counted once per trace, as shares of each set; identifiers left out.
fn attribute_shifts(set: &TraceSet, slow: &[usize], rest: &[usize]) -> Vec<AttributeShift> {
    let mut counts: FxHashMap<(Sym, Plain), (usize, usize)> = FxHashMap::default();
    let mut pairs: FxHashSet<(Sym, Plain)> = FxHashSet::default();
    for (of, slow_side) in [(slow, true), (rest, false)] {
        for &i in of {
            pairs.clear();
            visit_grouping_attributes(set, &set.traces[i], |a| {
                let value = match a.value {
                    Value::Str(sym) => Plain::Str(sym),
                    Value::Int(n) => Plain::Int(n),
                    Value::Bool(b) => Plain::Bool(b),
                    _ => return,
                };
                pairs.insert((a.key, value));
            });
            for &pair in &pairs {
                let count = counts.entry(pair).or_default();
                match slow_side {
                    true => count.0 += 1,
                    false => count.1 += 1,
                }
            }
        }
    }
    // Keys whose values nearly every trace has its own of (request ids,
    // object keys) are identifiers: each value is in one trace, and
    // would rank first for a slow set of one. They are left out.
    let traces = slow.len() + rest.len();
    let mut distinct: FxHashMap<Sym, usize> = FxHashMap::default();
    for (key, _) in counts.keys() {
        *distinct.entry(*key).or_default() += 1;
    }
    counts.retain(|(key, _), _| !(traces >= 4 && distinct[key] * 2 > traces));
    let share = |count: usize, of: usize| {
        if of == 0 {
            0.0
        } else {
            count as f64 / of as f64
        }
    };
    let mut shifts: Vec<AttributeShift> = counts
        .into_iter()
        .map(|((key, value), (in_slow, in_rest))| {
            (
                key,
                value,
                share(in_slow, slow.len()),
                share(in_rest, rest.len()),
            )
        })
        .filter(|&(_, _, slow_share, rest_share)| slow_share != rest_share)
        .map(|(key, value, slow_share, rest_share)| AttributeShift {
            key: set.strings.get(key).to_owned(),
            value: value.text(set),
            slow_share,
            rest_share,
        })
        .collect();
    shifts.sort_by(|a, b| {
        let gap = |s: &AttributeShift| (s.slow_share - s.rest_share).abs();
        gap(b)
            .total_cmp(&gap(a))
            .then_with(|| (&a.key, &a.value).cmp(&(&b.key, &b.value)))
    });
    shifts.truncate(ATTRIBUTES_LISTED);
    shifts
}

/// Per stage and numeric attribute of the stage's spans: the stage's
/// critical time per trace against the attribute summed over its spans in
/// that trace.
fn correlations(
    set: &TraceSet,
    group_by: &GroupBy,
    analyses: &[crate::analysis::breakdown::TraceAnalysis],
) -> Vec<Correlation> {
    let key_sym = group_by.key_sym(set);
    // (group, attribute) → per trace (attribute sum, stage critical ns).
    let mut points: BTreeMap<(String, String), Vec<(f64, f64)>> = BTreeMap::new();
    for (t, trace) in set.traces.iter().enumerate() {
        let critical: HashMap<&str, u64> = analyses[t]
            .breakdown
            .iter()
            .map(|g| (g.group.as_str(), g.critical_ns))
            .collect();
        // Per group, per attribute key: the sum over its spans. A span's
        // group is worked out only when it has a number to add.
        let mut sums: FxHashMap<GroupKey, FxHashMap<Sym, f64>> = FxHashMap::default();
        for i in 0..trace.spans.len() as u32 {
            let numbers = trace
                .span_attributes(i)
                .iter()
                .filter_map(|a| match a.value {
                    Value::Int(n) => Some((a.key, n as f64)),
                    Value::Double(x) if x.is_finite() => Some((a.key, x)),
                    _ => None,
                });
            let mut numbers = numbers.peekable();
            if numbers.peek().is_none() {
                continue;
            }
            let group = group_key(set, trace, i, group_by, key_sym);
            let per_key = sums.entry(group).or_default();
            for (key, number) in numbers {
                *per_key.entry(key).or_default() += number;
            }
        }
        for (group, per_key) in sums {
            let group = group.label(set);
            let y = critical.get(group.as_str()).copied().unwrap_or(0) as f64;
            for (key, x) in per_key {
                let key = set.strings.get(key).to_owned();
                points.entry((group.clone(), key)).or_default().push((x, y));
            }
        }
    }
    let mut found: Vec<Correlation> = points
        .into_iter()
        .filter_map(|((group, attribute), points)| {
            let (slope, intercept, r) = fit(&points)?;
            Some(Correlation {
                group,
                attribute,
                slope_ns_per_unit: slope,
                intercept_ns: intercept,
                r,
                points,
            })
        })
        .filter(|c| c.r.abs() >= WEAKEST_R)
        .collect();
    found.sort_by(|a, b| {
        b.r.abs()
            .total_cmp(&a.r.abs())
            .then_with(|| (&a.group, &a.attribute).cmp(&(&b.group, &b.attribute)))
    });
    found.truncate(CORRELATIONS_LISTED);
    found
}

/// The least-squares slope and intercept and Pearson's r of `points`;
/// `None` for fewer than three or no spread.
fn fit(points: &[(f64, f64)]) -> Option<(f64, f64, f64)> {
    if points.len() < 3 {
        return None;
    }
    let n = points.len() as f64;
    let (mx, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for &(x, y) in points {
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
        sxy += (x - mx) * (y - my);
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    Some((slope, my - slope * mx, sxy / (sxx * syy).sqrt()))
}

/// The findings worth a sentence: stages whose median share differs by
/// five points or more, attribute values whose shares differ by a quarter
/// or more, and the correlations.
fn findings(
    stages: &[StageShift],
    attributes: &[AttributeShift],
    numbers: &[NumberShift],
    correlations: &[Correlation],
    slow: usize,
    rest: usize,
) -> Vec<Finding> {
    let mut found = Vec::new();
    let mut say = |kind, key: &str, value: &str, text: String| {
        found.push(Finding {
            kind,
            key: key.to_owned(),
            value: value.to_owned(),
            text,
        })
    };
    if slow == 0 || rest == 0 {
        say(
            "none",
            "",
            "",
            format!("{slow} slow trace(s) against {rest} other(s): there is nothing to compare"),
        );
        return found;
    }
    for stage in stages
        .iter()
        .filter(|s| (s.slow_p50_pct - s.rest_p50_pct).abs() >= 5.0)
        .take(3)
    {
        let text = format!(
            "{}: {:.0}% of the slow traces' critical path against {:.0}% of the others' (medians)",
            stage.group, stage.slow_p50_pct, stage.rest_p50_pct
        );
        say(
            "stage",
            &stage.group,
            &format!("{:.1}", stage.slow_p50_pct),
            text,
        );
    }
    for shift in attributes
        .iter()
        .filter(|s| (s.slow_share - s.rest_share).abs() >= 0.25)
        .take(3)
    {
        let text = format!(
            "{}={} in {:.0}% of the slow traces, {:.0}% of the rest",
            shift.key,
            shift.value,
            shift.slow_share * 100.0,
            shift.rest_share * 100.0
        );
        say("attribute", &shift.key, &shift.value, text);
    }
    for number in numbers.iter().take(3) {
        let text = format!(
            "{} is {:.1}× larger in the slow traces: median {} against {}",
            number.key,
            number.ratio(),
            readable_number(number.slow_p50),
            readable_number(number.rest_p50)
        );
        say("attribute", &number.key, "larger", text);
    }
    for c in correlations.iter().take(3) {
        say("correlation", &c.group, &c.attribute, c.describe());
    }
    found
}

/// A number with thousands apart (integers) or three significant digits.
fn readable_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        let digits = (value.abs() as u64).to_string();
        let mut grouped = String::new();
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        return if value < 0.0 {
            format!("-{grouped}")
        } else {
            grouped
        };
    }
    format!("{value:.3}")
}

/// A slope as a person reads it: per MB of a byte count, else per unit.
fn readable_slope(ns_per_unit: f64, attribute: &str) -> String {
    let (per, scale) = match attribute.contains("bytes") || attribute.ends_with(".size") {
        true => ("MB", 1e6),
        false => ("unit", 1.0),
    };
    let ns = ns_per_unit * scale;
    let sign = if ns < 0.0 { "−" } else { "" };
    format!(
        "{sign}{} per {per} of {attribute}",
        format_duration(ns.abs() as u64)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A set of batches: (duration µs of compress, input bytes, level).
    /// Each batch: a root of compress + 10 µs, compress under it.
    fn batches(rows: &[(u64, i64, i64)]) -> TraceSet {
        let resource_spans: Vec<String> = rows
            .iter()
            .enumerate()
            .map(|(i, &(compress_us, bytes, level))| {
                let trace = format!("{:032x}", i + 1);
                let root = format!(
                    r#"{{"traceId":"{trace}","spanId":"{:016x}","name":"batch","startTimeUnixNano":"1000","endTimeUnixNano":"{}"}}"#,
                    2 * i + 1,
                    1000 + (compress_us + 10) * 1000
                );
                let compress = format!(
                    r#"{{"traceId":"{trace}","spanId":"{:016x}","parentSpanId":"{:016x}","name":"compress","startTimeUnixNano":"6000","endTimeUnixNano":"{}","attributes":[{{"key":"input_bytes","value":{{"intValue":"{bytes}"}}}},{{"key":"level","value":{{"intValue":"{level}"}}}}]}}"#,
                    2 * i + 2,
                    2 * i + 1,
                    6000 + compress_us * 1000
                );
                format!(r#"{{"scopeSpans":[{{"spans":[{root},{compress}]}}]}}"#)
            })
            .collect();
        let json = format!(r#"{{"resourceSpans":[{}]}}"#, resource_spans.join(","));
        crate::ingest(json.as_bytes()).unwrap()
    }

    #[test]
    fn an_attribute_only_the_slow_traces_carry_ranks_first() {
        // Two slow batches at level 19, eight fast ones at level 3.
        let mut rows = vec![(900, 400, 19), (1000, 500, 19)];
        rows.extend((0..8).map(|i| (100 + i, 100 + i as i64, 3)));
        let set = batches(&rows);
        let found = explain(&set, &GroupBy::Name, &SlowRule::SlowestPercent(20.0));
        assert_eq!(found.slow.len(), 2);
        assert_eq!(found.rest, 8);
        assert_eq!(
            found.heading(),
            "2 traces the slowest 20% by duration against 8 others"
        );
        let top = &found.attributes[0];
        assert_eq!(
            (top.key.as_str(), top.slow_share, top.rest_share),
            ("level", 1.0, 0.0)
        );
        assert!(["19", "3"].contains(&top.value.as_str()));
        assert!(found
            .findings
            .iter()
            .any(|f| f.text == "level=19 in 100% of the slow traces, 0% of the rest"));
    }

    #[test]
    fn identifiers_are_not_findings() {
        // Every batch has its own input_bytes: a key with a value per
        // trace says nothing about the slow set. level does.
        let mut rows = vec![(900, 400, 19)];
        rows.extend((0..7).map(|i| (100 + i, 100 + i as i64, 3)));
        let set = batches(&rows);
        let found = explain(&set, &GroupBy::Name, &SlowRule::SlowestPercent(10.0));
        assert!(
            found.attributes.iter().all(|a| a.key != "input_bytes"),
            "{:?}",
            found.attributes
        );
        assert_eq!(found.attributes[0].key, "level");
    }

    #[test]
    fn a_stage_twice_an_attribute_gives_slope_two_and_r_one() {
        // compress takes 2 µs per input byte: slope 2,000 ns per byte.
        let rows: Vec<(u64, i64, i64)> = (1..=6).map(|b| (2 * b * 10, b as i64 * 10, 3)).collect();
        let set = batches(&rows);
        let found = explain(&set, &GroupBy::Name, &SlowRule::SlowestPercent(34.0));
        let c = found
            .correlations
            .iter()
            .find(|c| c.group == "compress" && c.attribute == "input_bytes")
            .unwrap();
        assert!((c.slope_ns_per_unit - 2_000.0).abs() < 1e-6, "{c:?}");
        assert!((c.r - 1.0).abs() < 1e-9, "{c:?}");
        assert!(c.intercept_ns.abs() < 1e-6, "{c:?}");
        assert_eq!(c.points.len(), 6);
        assert!(c.points.contains(&(30.0, 60_000.0)), "{:?}", c.points);
        assert!(
            found.findings.iter().any(|f| f
                .text
                .starts_with("compress ≈ 2.00 s per MB of input_bytes, r = 1.00")),
            "{:?}",
            found.findings
        );
    }

    #[test]
    fn a_number_larger_in_the_slow_traces_is_found_and_one_that_is_not_is_not() {
        // The slow batches are the big ones; the level is the same.
        let mut rows = vec![(900, 40_000, 3), (1000, 50_000, 3)];
        rows.extend((0..8).map(|i| (100 + i, 10_000 + i as i64, 3)));
        let set = batches(&rows);
        let found = explain(&set, &GroupBy::Name, &SlowRule::SlowestPercent(20.0));
        assert_eq!(found.numbers.len(), 1, "{:?}", found.numbers);
        let bytes = &found.numbers[0];
        // Medians (nearest rank): 40,000 of the slow two, 10,003 of the rest.
        assert_eq!(
            (bytes.key.as_str(), bytes.slow_p50, bytes.rest_p50),
            ("input_bytes", 40_000.0, 10_003.0)
        );
        assert!(found.findings.iter().any(|f| f.text
            == "input_bytes is 4.0× larger in the slow traces: median 40,000 against 10,003"));
    }

    #[test]
    fn a_stage_bigger_in_the_slow_traces_is_found() {
        // Slow batches spend 99% of their path compressing, fast ones 50%.
        let mut rows = vec![(990, 1, 3), (990, 2, 3)];
        rows.extend((0..4).map(|i| (10, 3 + i, 3)));
        let set = batches(&rows);
        let found = explain(&set, &GroupBy::Name, &SlowRule::Over(500_000));
        assert_eq!(found.slow.len(), 2);
        // compress grows by as much as the batch's own share shrinks.
        let top: Vec<&str> = found.stages[..2].iter().map(|s| s.group.as_str()).collect();
        assert_eq!(top, ["batch", "compress"]);
        let stage = &found.stages[1];
        assert!(
            stage.slow_p50_pct > 98.0 && (stage.rest_p50_pct - 50.0).abs() < 1e-9,
            "{stage:?}"
        );
        assert!(
            found.findings.iter().any(|f| f
                .text
                .starts_with("compress: 99% of the slow traces' critical path against 50%")),
            "{:?}",
            found.findings
        );
    }

    #[test]
    fn a_brushed_range_picks_the_traces_lasting_within_it() {
        let set = batches(&[(100, 1, 3), (500, 1, 3), (900, 1, 3)]);
        // Durations: compress + 10 µs from 1 µs on: 110, 510, 910 µs.
        let picked = SlowRule::Between(400_000, 910_000).pick(&set.traces);
        let durations: Vec<u64> = set.traces.iter().map(|t| t.duration_ns()).collect();
        let expect: Vec<bool> = durations
            .iter()
            .map(|&d| (400_000..=910_000).contains(&d))
            .collect();
        assert_eq!(picked, expect);
        assert_eq!(picked.iter().filter(|&&p| p).count(), 2);
        assert_eq!(
            SlowRule::Between(1_000, 2_000_000).describe(),
            "lasting 1.00 µs to 2.00 ms"
        );
    }

    #[test]
    fn a_box_on_the_scatter_picks_the_traces_starting_and_lasting_within_it() {
        // All start together; durations 110, 510, 910 µs.
        let set = batches(&[(100, 1, 3), (500, 1, 3), (900, 1, 3)]);
        let within = |starts, durations| SlowRule::Within { starts, durations };
        assert_eq!(
            within((0, 0), (500_000, 600_000)).pick(&set.traces),
            [false, true, false]
        );
        // The same durations, but a start range the traces are not in.
        assert_eq!(
            within((1, 10), (0, 1_000_000)).pick(&set.traces),
            [false; 3]
        );
    }

    #[test]
    fn slow_sets_by_percent_keep_one_trace_each_side() {
        let set = batches(&[(10, 1, 3), (20, 2, 3), (30, 3, 3)]);
        assert_eq!(
            SlowRule::SlowestPercent(1.0)
                .pick(&set.traces)
                .iter()
                .filter(|s| **s)
                .count(),
            1
        );
        assert_eq!(
            SlowRule::SlowestPercent(100.0)
                .pick(&set.traces)
                .iter()
                .filter(|s| **s)
                .count(),
            2
        );
        assert_eq!(SlowRule::Errors.pick(&set.traces), [false, false, false]);
        let none = explain(&set, &GroupBy::Name, &SlowRule::Errors);
        assert_eq!(
            none.findings[0].text,
            "0 slow trace(s) against 3 other(s): there is nothing to compare"
        );
    }
}
