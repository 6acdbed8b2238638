//! Before and after: two sets of the loaded traces — two traces, the
//! traces of two files, or those whose attribute has one value against
//! another (`compression.level` 3 against 19) — and per group how the
//! critical time changed, biggest change first.

use std::collections::BTreeSet;

use leptos::prelude::*;
use tracelens_core::analysis::breakdown::analyze;
use tracelens_core::analysis::breakdown::attribute_keys;
use tracelens_core::analysis::compare::{compare, distinct_values, trace_value, GroupChange};
use tracelens_core::units::format_duration;

use crate::state::{AppState, Shared};

/// How the traces are split into A and B.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Split {
    Traces,
    Attribute,
    Files,
}

impl Split {
    fn parse(text: &str) -> Split {
        match text {
            "attribute" => Split::Attribute,
            "files" => Split::Files,
            _ => Split::Traces,
        }
    }
}

#[component]
pub fn CompareView(state: AppState) -> impl IntoView {
    let split = RwSignal::new(Split::Traces);
    let a = RwSignal::new(String::from("0"));
    let b = RwSignal::new(String::from("1"));
    let key = RwSignal::new(String::new());

    // Attribute keys over every loaded trace, only when splitting by one.
    let keys = Memo::new(move |_| {
        if split.get() != Split::Attribute {
            return Vec::new();
        }
        let Some(loaded) = state.loaded.get() else {
            return Vec::new();
        };
        // The keys a trace's value is read by (see `trace_value`).
        let set = &loaded.set;
        let keys: BTreeSet<String> = set
            .traces
            .iter()
            .flat_map(|trace| attribute_keys(set, trace))
            .collect();
        keys.into_iter().collect()
    });
    // Each trace's value of the key.
    let values = Memo::new(move |_| {
        let key = key.get();
        let loaded = state.loaded.get()?;
        (split.get() == Split::Attribute && !key.is_empty()).then(|| {
            Shared::new(
                loaded
                    .set
                    .traces
                    .iter()
                    .map(|t| trace_value(&loaded.set, t, &key))
                    .collect::<Vec<_>>(),
            )
        })
    });
    let distinct = move || {
        values.get().map_or_else(Vec::new, |v| {
            distinct_values(v.0.iter().flatten().map(String::as_str))
        })
    };
    // A new split or key starts from its first two choices.
    Effect::new(move |_| {
        let (first, second) = match split.get() {
            Split::Attribute => {
                let d = distinct();
                (
                    d.first().cloned().unwrap_or_default(),
                    d.get(1).cloned().unwrap_or_default(),
                )
            }
            _ => ("0".to_owned(), "1".to_owned()),
        };
        a.set(first);
        b.set(second);
    });

    // The traces (indices) in A and in B.
    let members = move |choice: String| -> Vec<usize> {
        let Some(loaded) = state.loaded.get() else {
            return Vec::new();
        };
        match split.get() {
            Split::Traces => choice
                .parse()
                .ok()
                .filter(|&i| i < loaded.set.traces.len())
                .into_iter()
                .collect(),
            Split::Files => {
                let file: Option<u32> = choice.parse().ok();
                (0..loaded.set.traces.len())
                    .filter(|&i| loaded.file_of[i] == file && file.is_some())
                    .collect()
            }
            Split::Attribute => values.get().map_or_else(Vec::new, |v| {
                (0..v.0.len())
                    .filter(|&i| v.0[i].as_deref() == Some(choice.as_str()))
                    .collect()
            }),
        }
    };
    let changes = Memo::new(move |_| {
        let loaded = state.loaded.get()?;
        let group_by = state.group_by.get();
        let analyses = |indices: Vec<usize>| {
            indices
                .into_iter()
                .map(|i| analyze(&loaded.set, &loaded.set.traces[i], &group_by))
                .collect::<Vec<_>>()
        };
        let (before, after) = (analyses(members(a.get())), analyses(members(b.get())));
        if before.is_empty() || after.is_empty() {
            return None;
        }
        Some(Shared::new((
            before.len(),
            after.len(),
            compare(&before, &after),
        )))
    });

    let options = move || -> Vec<(String, String)> {
        let Some(loaded) = state.loaded.get() else {
            return Vec::new();
        };
        match split.get() {
            Split::Traces => loaded
                .summaries
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let id = s.trace_id.to_string();
                    (
                        i.to_string(),
                        format!(
                            "{} · {} · {}",
                            s.root,
                            format_duration(s.duration_ns),
                            &id[..8]
                        ),
                    )
                })
                .collect(),
            Split::Files => loaded
                .files
                .iter()
                .enumerate()
                .map(|(i, f)| (i.to_string(), f.clone()))
                .collect(),
            Split::Attribute => distinct().into_iter().map(|v| (v.clone(), v)).collect(),
        }
    };
    let choice = move |signal: RwSignal<String>, testid: &'static str| {
        view! {
            <select data-testid=testid aria-label=if testid == "compare-a" { "Set A" } else { "Set B" }
                prop:value=move || signal.get()
                on:change=move |ev| signal.set(event_target_value(&ev))>
                {move || options().into_iter().map(|(value, label)| {
                    let selected = value == signal.get_untracked();
                    view! { <option value=value selected=selected>{label}</option> }
                }).collect::<Vec<_>>()}
            </select>
        }
    };
    let rows = move || {
        let computed = changes.get()?;
        let (_, _, changes) = &*computed.0;
        Some(changes.iter().map(row).collect::<Vec<_>>())
    };
    let heading = move || {
        changes.get().map(|c| {
            let (before, after, _) = &*c.0;
            format!("Per group, the mean critical time per trace: A ({before} trace(s)) against B ({after}); biggest change first.")
        })
    };

    view! {
        <Show when=move || state.loaded.get().is_some_and(|l| l.set.traces.len() >= 2 && !l.partial)>
            <section class="compare-panel" data-testid="compare-panel">
                <h3>"Compare two sets of traces"</h3>
                <div class="compare-controls">
                    <select data-testid="compare-mode" aria-label="What to compare" on:change=move |ev| split.set(Split::parse(&event_target_value(&ev)))>
                        <option value="traces">"two traces"</option>
                        <option value="attribute">"by an attribute's value"</option>
                        {move || state.loaded.get().is_some_and(|l| l.files.len() >= 2).then(|| view! {
                            <option value="files">"by file"</option>
                        })}
                    </select>
                    <Show when=move || split.get() == Split::Attribute>
                        <select data-testid="compare-key" aria-label="Attribute to split by" prop:value=move || key.get()
                            on:change=move |ev| key.set(event_target_value(&ev))>
                            <option value="">"choose an attribute…"</option>
                            {move || keys.get().into_iter().map(|k| { let label = k.clone(); view! { <option value=k>{label}</option> } }).collect::<Vec<_>>()}
                        </select>
                    </Show>
                    "A: " {choice(a, "compare-a")}
                    "B: " {choice(b, "compare-b")}
                </div>
                <p class="muted">{heading}</p>
                <table class="breakdown" data-testid="compare">
                    <thead>
                        <tr>
                            <th>"Group"</th>
                            <th class="num">"A"</th>
                            <th class="num">"B"</th>
                            <th class="num">"Change"</th>
                            <th class="num">"Share A"</th>
                            <th class="num">"Share B"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </section>
        </Show>
    }
}

fn row(change: &GroupChange) -> impl IntoView + use<> {
    let delta = change.delta_ns();
    let text = if delta < 0 {
        format!("−{}", format_duration(delta.unsigned_abs() as u64))
    } else {
        format!("+{}", format_duration(delta as u64))
    };
    let (faster, slower) = (delta < 0, delta > 0);
    view! {
        <tr data-testid="compare-row" data-group=change.group.clone() data-delta-ns=delta.to_string()
            class:faster=faster class:slower=slower>
            <td class="group">{change.group.clone()}</td>
            <td class="num">{format_duration(change.before_ns)}</td>
            <td class="num">{format_duration(change.after_ns)}</td>
            <td class="num change">{text}</td>
            <td class="num">{format!("{:.1}%", change.before_pct)}</td>
            <td class="num">{format!("{:.1}%", change.after_pct)}</td>
        </tr>
    }
}
