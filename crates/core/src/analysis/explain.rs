//! What makes the slow traces slow: a slow set picked by a rule, compared
//! with the rest — which stages take a bigger share of the critical path,
//! which attribute values are over-represented (as Honeycomb's BubbleUp
//! ranks them), and which numeric attributes a stage's time follows —
//! with the findings as sentences a person can act on.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::analysis::aggregate::percentile;
use crate::analysis::breakdown::{analyze, group_of, visit_grouping_attributes, GroupBy};
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
    /// Traces with a span whose status is ERROR.
    Errors,
}

impl SlowRule {
    /// The rule in words.
    pub fn describe(&self) -> String {
        match self {
            Self::SlowestPercent(p) => format!("the slowest {p}% by duration"),
            Self::Over(ns) => format!("longer than {}", format_duration(*ns)),
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

/// A stage's critical time per trace against a numeric attribute of its
/// spans (summed per trace), fitted by least squares.
#[derive(Clone, Debug, PartialEq)]
pub struct Correlation {
    pub group: String,
    pub attribute: String,
    /// Nanoseconds of the stage per unit of the attribute.
    pub slope_ns_per_unit: f64,
    /// Pearson's correlation coefficient.
    pub r: f64,
    /// Traces the fit is over.
    pub traces: usize,
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
    /// Strongest correlation first.
    pub correlations: Vec<Correlation>,
    /// The findings, biggest effect first in each kind.
    pub findings: Vec<Finding>,
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
    let correlations = correlations(set, group_by, &analyses);
    let findings = findings(&stages, &attributes, &correlations, slow.len(), rest.len());
    Explanation {
        rule: rule.describe(),
        rest: rest.len(),
        slow,
        stages,
        attributes,
        correlations,
        findings,
    }
}

/// Each trace's `key=value` pairs (span, scope and resource attributes),
/// counted once per trace, as shares of each set; identifiers left out.
fn attribute_shifts(set: &TraceSet, slow: &[usize], rest: &[usize]) -> Vec<AttributeShift> {
    let pairs_of = |trace: &Trace| -> HashSet<(String, String)> {
        let mut pairs = HashSet::new();
        visit_grouping_attributes(set, trace, |a| {
            if matches!(a.value, Value::Str(_) | Value::Int(_) | Value::Bool(_)) {
                let value = a.value.display(&set.strings).to_string();
                pairs.insert((set.strings.get(a.key).to_owned(), value));
            }
        });
        pairs
    };
    let mut counts: HashMap<(String, String), (usize, usize)> = HashMap::new();
    for (of, slow_side) in [(slow, true), (rest, false)] {
        for &i in of {
            for pair in pairs_of(&set.traces[i]) {
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
    let mut distinct: HashMap<&str, usize> = HashMap::new();
    for (key, _) in counts.keys() {
        *distinct.entry(key.as_str()).or_default() += 1;
    }
    let identifiers: HashSet<String> = distinct
        .into_iter()
        .filter(|&(_, values)| traces >= 4 && values * 2 > traces)
        .map(|(key, _)| key.to_owned())
        .collect();
    counts.retain(|(key, _), _| !identifiers.contains(key));
    let share = |count: usize, of: usize| {
        if of == 0 {
            0.0
        } else {
            count as f64 / of as f64
        }
    };
    let mut shifts: Vec<AttributeShift> = counts
        .into_iter()
        .map(|((key, value), (in_slow, in_rest))| AttributeShift {
            key,
            value,
            slow_share: share(in_slow, slow.len()),
            rest_share: share(in_rest, rest.len()),
        })
        .filter(|s| s.slow_share != s.rest_share)
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
    // (group, attribute) → per trace (attribute sum, stage critical ns).
    let mut points: BTreeMap<(String, String), Vec<(f64, f64)>> = BTreeMap::new();
    for (t, trace) in set.traces.iter().enumerate() {
        let critical: HashMap<&str, u64> = analyses[t]
            .breakdown
            .iter()
            .map(|g| (g.group.as_str(), g.critical_ns))
            .collect();
        // Per group label, per attribute key: the sum over its spans. A
        // span's group is worked out only when it has a number to add.
        let mut sums: HashMap<String, HashMap<Sym, f64>> = HashMap::new();
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
            let per_key = sums.entry(group_of(set, trace, i, group_by)).or_default();
            for (key, number) in numbers {
                *per_key.entry(key).or_default() += number;
            }
        }
        for (group, per_key) in sums {
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
            let (slope, r) = fit(&points)?;
            Some(Correlation {
                group,
                attribute,
                slope_ns_per_unit: slope,
                r,
                traces: points.len(),
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

/// The least-squares slope and Pearson's r of `points`; `None` for fewer
/// than three or no spread.
fn fit(points: &[(f64, f64)]) -> Option<(f64, f64)> {
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
    Some((sxy / sxx, sxy / (sxx * syy).sqrt()))
}

/// The findings worth a sentence: stages whose median share differs by
/// five points or more, attribute values whose shares differ by a quarter
/// or more, and the correlations.
fn findings(
    stages: &[StageShift],
    attributes: &[AttributeShift],
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
    for c in correlations.iter().take(3) {
        let text = format!(
            "{} ≈ {}, r = {:.2} over {} traces",
            c.group,
            readable_slope(c.slope_ns_per_unit, &c.attribute),
            c.r,
            c.traces
        );
        say("correlation", &c.group, &c.attribute, text);
    }
    found
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
        assert_eq!(c.traces, 6);
        assert!(
            found.findings.iter().any(|f| f
                .text
                .starts_with("compress ≈ 2.00 s per MB of input_bytes, r = 1.00")),
            "{:?}",
            found.findings
        );
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
