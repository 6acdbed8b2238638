//! Before and after: two sets of the loaded traces — two traces, the
//! traces of two files, or those whose attribute has one value against
//! another (`compression.level` 3 against 19) — and per group how the
//! critical time changed, biggest change first. Which traces each side
//! holds is `tracelens_view::compare`'s.

use leptos::prelude::*;
use tracelens_core::analysis::breakdown::analyze;
use tracelens_core::analysis::compare::{compare, GroupChange};
use tracelens_core::units::format_duration;
use tracelens_view::compare::{split_keys, trace_values, Loaded, Split};

use crate::state::{AppState, Shared};

/// The pane's choices: how to split, the attribute, the two sides.
#[derive(Clone, Copy)]
struct Sides {
    split: RwSignal<Split>,
    key: RwSignal<String>,
    a: RwSignal<String>,
    b: RwSignal<String>,
    /// Each trace's value of the attribute, when splitting by one.
    values: Memo<Option<Shared<Vec<Option<String>>>>>,
}

impl Sides {
    /// Runs `f` on what the sides choose from (tracked).
    fn with<T>(self, state: AppState, f: impl FnOnce(&Loaded) -> T) -> Option<T> {
        let loaded = state.loaded.get()?;
        let values = self.values.get();
        Some(f(&Loaded {
            summaries: &loaded.summaries,
            files: &loaded.files,
            file_of: &loaded.file_of,
            values: values.as_ref().map(|v| &v.0[..]),
        }))
    }
}

#[component]
pub fn CompareView(state: AppState) -> impl IntoView {
    let (split, key) = (RwSignal::new(Split::Traces), RwSignal::new(String::new()));
    let values = Memo::new(move |_| {
        let key = key.get();
        let loaded = state.loaded.get()?;
        (split.get() == Split::Attribute && !key.is_empty())
            .then(|| Shared::new(trace_values(&loaded.set, &key)))
    });
    let sides = Sides {
        split,
        key,
        a: RwSignal::new("0".to_owned()),
        b: RwSignal::new("1".to_owned()),
        values,
    };
    // A new split or key starts from its first two choices.
    Effect::new(move |_| {
        if let Some((first, second)) = sides.with(state, |l| l.first_two(split.get())) {
            sides.a.set(first);
            sides.b.set(second);
        }
    });
    let changes = Memo::new(move |_| {
        let loaded = state.loaded.get()?;
        let group_by = state.group_by.get();
        let analysed = |side: RwSignal<String>| {
            let members = sides.with(state, |l| l.members(split.get(), &side.get()))?;
            let analyses = members
                .into_iter()
                .map(|i| analyze(&loaded.set, &loaded.set.traces[i], &group_by));
            Some(analyses.collect::<Vec<_>>()).filter(|a| !a.is_empty())
        };
        let (before, after) = (analysed(sides.a)?, analysed(sides.b)?);
        Some(Shared::new((
            before.len(),
            after.len(),
            compare(&before, &after),
        )))
    });
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
                <Controls state=state sides=sides />
                <p class="muted">{heading}</p>
                <ChangeTable changes=Signal::derive(move || changes.get().map(|c| c.0.2.clone())) />
            </section>
        </Show>
    }
}

/// How to split, the attribute to split by, and the two sides.
#[component]
fn Controls(state: AppState, sides: Sides) -> impl IntoView {
    let Sides { split, key, .. } = sides;
    // Attribute keys over every loaded trace, only when splitting by one.
    let keys = Memo::new(move |_| match split.get() {
        Split::Attribute => state
            .loaded
            .get()
            .map_or_else(Vec::new, |l| split_keys(&l.set)),
        _ => Vec::new(),
    });
    let choice = move |signal: RwSignal<String>, testid: &'static str, label: &'static str| {
        let options = move || {
            sides
                .with(state, |l| l.choices(split.get()))
                .unwrap_or_default()
        };
        view! {
            <select data-testid=testid aria-label=label
                prop:value=move || signal.get()
                on:change=move |ev| signal.set(event_target_value(&ev))>
                {move || options().into_iter().map(|(value, label)| {
                    let selected = value == signal.get_untracked();
                    view! { <option value=value selected=selected>{label}</option> }
                }).collect::<Vec<_>>()}
            </select>
        }
    };
    view! {
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
            "A: " {choice(sides.a, "compare-a", "Set A")}
            "B: " {choice(sides.b, "compare-b", "Set B")}
        </div>
    }
}

/// Per group: A, B, the change and the shares.
#[component]
fn ChangeTable(changes: Signal<Option<Vec<GroupChange>>>) -> impl IntoView {
    let rows = move || Some(changes.get()?.iter().map(row).collect::<Vec<_>>());
    view! {
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
