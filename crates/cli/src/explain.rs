//! The `explain` output: the slow set against the rest, as the testing
//! contract's JSON or as sentences and a table of stages.

use std::io::{self, Write};

use owo_colors::OwoColorize;
use serde::Serialize;
use tracelens_core::analysis::explain::Explanation;

/// `tracelens explain --json`.
#[derive(Serialize)]
struct Json<'a> {
    slow: SlowSet<'a>,
    rest: RestSet,
    stages: Vec<Stage<'a>>,
    attributes: Vec<Attribute<'a>>,
    /// Numeric attributes larger in the slow set (beyond the contract's
    /// keys, which stay as they were).
    numbers: Vec<Number<'a>>,
    correlations: Vec<Correlation<'a>>,
    findings: Vec<&'a str>,
}

#[derive(Serialize)]
struct Number<'a> {
    key: &'a str,
    slow_p50: f64,
    rest_p50: f64,
}

#[derive(Serialize)]
struct SlowSet<'a> {
    traces: usize,
    rule: &'a str,
}

#[derive(Serialize)]
struct RestSet {
    traces: usize,
}

#[derive(Serialize)]
struct Stage<'a> {
    group: &'a str,
    slow_p50_pct: f64,
    rest_p50_pct: f64,
}

#[derive(Serialize)]
struct Attribute<'a> {
    key: &'a str,
    value: &'a str,
    slow_share: f64,
    rest_share: f64,
}

#[derive(Serialize)]
struct Correlation<'a> {
    group: &'a str,
    attribute: &'a str,
    slope_ns_per_unit: f64,
    r: f64,
}

/// Writes one JSON object (the contract's shape).
pub fn write_json(out: &mut impl Write, found: &Explanation) -> io::Result<()> {
    let json = Json {
        slow: SlowSet {
            traces: found.slow.len(),
            rule: &found.rule,
        },
        rest: RestSet { traces: found.rest },
        stages: found
            .stages
            .iter()
            .map(|s| Stage {
                group: &s.group,
                slow_p50_pct: s.slow_p50_pct,
                rest_p50_pct: s.rest_p50_pct,
            })
            .collect(),
        attributes: found
            .attributes
            .iter()
            .map(|a| Attribute {
                key: &a.key,
                value: &a.value,
                slow_share: a.slow_share,
                rest_share: a.rest_share,
            })
            .collect(),
        numbers: found
            .numbers
            .iter()
            .map(|n| Number {
                key: &n.key,
                slow_p50: n.slow_p50,
                rest_p50: n.rest_p50,
            })
            .collect(),
        correlations: found
            .correlations
            .iter()
            .map(|c| Correlation {
                group: &c.group,
                attribute: &c.attribute,
                slope_ns_per_unit: c.slope_ns_per_unit,
                r: c.r,
            })
            .collect(),
        findings: found.findings.iter().map(|f| f.text.as_str()).collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &json)?;
    writeln!(out)
}

/// Writes the findings as sentences, then the stages as a table.
pub fn write_text(out: &mut impl Write, found: &Explanation) -> io::Result<()> {
    writeln!(out, "{}", found.heading())?;
    for finding in &found.findings {
        writeln!(out, "  {} {}", "•".yellow(), finding.text)?;
    }
    let width = found
        .stages
        .iter()
        .map(|s| s.group.len())
        .max()
        .unwrap_or(5)
        .clamp(5, 48);
    writeln!(
        out,
        "\n  {:<width$}  {:>10}  {:>10}",
        "STAGE", "SLOW P50", "REST P50"
    )?;
    for stage in found.stages.iter().take(12) {
        writeln!(
            out,
            "  {:<width$}  {:>9.1}%  {:>9.1}%",
            stage.group, stage.slow_p50_pct, stage.rest_p50_pct
        )?;
    }
    Ok(())
}
