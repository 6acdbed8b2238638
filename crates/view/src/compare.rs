//! The compare pane's two sets: how the loaded traces are split (two
//! traces, two files, or two values of an attribute), what each side can
//! be set to, and which traces each choice holds.

use std::collections::BTreeSet;

use tracelens_core::analysis::breakdown::attribute_keys;
use tracelens_core::analysis::compare::{distinct_values, trace_value};
use tracelens_core::units::format_duration;
use tracelens_core::{TraceSet, TraceSummary};

/// How the traces are split into A and B.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    Traces,
    Attribute,
    Files,
}

impl Split {
    /// The split a `<select>` value names (two traces by default).
    pub fn parse(text: &str) -> Split {
        match text {
            "attribute" => Split::Attribute,
            "files" => Split::Files,
            _ => Split::Traces,
        }
    }
}

/// What the sides choose from: the loaded traces, the file each came
/// from, and (splitting by an attribute) each trace's value of it.
pub struct Loaded<'a> {
    pub summaries: &'a [TraceSummary],
    pub files: &'a [String],
    pub file_of: &'a [Option<u32>],
    pub values: Option<&'a [Option<String>]>,
}

/// The attribute keys a split can use: those the grouping reads, over
/// every trace, by name.
pub fn split_keys(set: &TraceSet) -> Vec<String> {
    let keys: BTreeSet<String> = set
        .traces
        .iter()
        .flat_map(|trace| attribute_keys(set, trace))
        .collect();
    keys.into_iter().collect()
}

/// Each trace's value of `key` (`None`: it has none).
pub fn trace_values(set: &TraceSet, key: &str) -> Vec<Option<String>> {
    set.traces
        .iter()
        .map(|t| trace_value(set, t, key))
        .collect()
}

impl Loaded<'_> {
    /// The distinct values of the split's attribute, numbers by number.
    pub fn distinct(&self) -> Vec<String> {
        self.values.map_or_else(Vec::new, |values| {
            distinct_values(values.iter().flatten().map(String::as_str))
        })
    }

    /// What a side can be set to: `(value, label)`.
    pub fn choices(&self, split: Split) -> Vec<(String, String)> {
        match split {
            Split::Traces => self
                .summaries
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let id = s.trace_id.to_string();
                    let label = format!(
                        "{} · {} · {}",
                        s.root,
                        format_duration(s.duration_ns),
                        &id[..8]
                    );
                    (i.to_string(), label)
                })
                .collect(),
            Split::Files => self
                .files
                .iter()
                .enumerate()
                .map(|(i, f)| (i.to_string(), f.clone()))
                .collect(),
            Split::Attribute => self
                .distinct()
                .into_iter()
                .map(|v| (v.clone(), v))
                .collect(),
        }
    }

    /// The two choices a new split starts from.
    pub fn first_two(&self, split: Split) -> (String, String) {
        match split {
            Split::Attribute => {
                let d = self.distinct();
                let nth = |n: usize| d.get(n).cloned().unwrap_or_default();
                (nth(0), nth(1))
            }
            _ => ("0".to_owned(), "1".to_owned()),
        }
    }

    /// The traces (indices) a side set to `choice` holds.
    pub fn members(&self, split: Split, choice: &str) -> Vec<usize> {
        let count = self.summaries.len();
        match split {
            Split::Traces => choice
                .parse()
                .ok()
                .filter(|&i| i < count)
                .into_iter()
                .collect(),
            Split::Files => match choice.parse::<u32>() {
                Ok(file) => (0..count)
                    .filter(|&i| self.file_of.get(i) == Some(&Some(file)))
                    .collect(),
                Err(_) => Vec::new(),
            },
            Split::Attribute => self.values.map_or_else(Vec::new, |values| {
                (0..values.len())
                    .filter(|&i| values[i].as_deref() == Some(choice))
                    .collect()
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracelens_core::TraceId;

    fn summary(n: u8, root: &str, ms: u64) -> TraceSummary {
        TraceSummary {
            trace_id: TraceId([n; 16]),
            span_count: 1,
            root: root.to_owned(),
            service: "svc".to_owned(),
            start_ns: 0,
            duration_ns: ms * 1_000_000,
            errors: 0,
            services: vec!["svc".to_owned()],
            depth: 1,
        }
    }

    #[test]
    fn each_split_lists_its_choices_and_the_traces_they_hold() {
        let summaries = [
            summary(1, "a", 10),
            summary(2, "b", 20),
            summary(3, "c", 30),
        ];
        let files = ["x.json".to_owned(), "y.json".to_owned()];
        let values = [Some("19".to_owned()), Some("3".to_owned()), None];
        let loaded = Loaded {
            summaries: &summaries,
            files: &files,
            file_of: &[Some(0), Some(1), Some(1)],
            values: Some(&values),
        };
        let traces = loaded.choices(Split::Traces);
        assert_eq!(
            traces[1],
            ("1".to_owned(), "b · 20.00 ms · 02020202".to_owned())
        );
        assert_eq!(loaded.members(Split::Traces, "2"), [2]);
        assert!(loaded.members(Split::Traces, "9").is_empty());
        assert_eq!(loaded.members(Split::Files, "1"), [1, 2]);
        assert!(loaded.members(Split::Files, "").is_empty());
        // Values sort as numbers: 3 before 19; a trace without one is in neither.
        assert_eq!(
            loaded.first_two(Split::Attribute),
            ("3".to_owned(), "19".to_owned())
        );
        assert_eq!(loaded.members(Split::Attribute, "19"), [0]);
        assert_eq!(
            loaded.first_two(Split::Files),
            ("0".to_owned(), "1".to_owned())
        );
        assert_eq!(Split::parse("files"), Split::Files);
        assert_eq!(Split::parse("anything"), Split::Traces);
    }
}
