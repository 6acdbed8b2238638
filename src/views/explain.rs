//! Why the slow traces are slow: the slow set (the slowest N %, or those
//! with errors) against the rest, as core's `explain` finds it — the same
//! findings as `tracelens explain`.

use leptos::prelude::*;
use tracelens_core::analysis::explain::{explain, SlowRule};

use crate::state::{AppState, Shared};

/// The slow sets offered, as `(value, label)`.
const RULES: [(&str, &str); 5] = [
    ("10", "the slowest 10 %"),
    ("25", "the slowest 25 %"),
    ("40", "the slowest 40 %"),
    ("50", "the slowest half"),
    ("errors", "those with errors"),
];

/// `shown`: whether its pane is on screen; it analyses every trace, so
/// only then.
#[component]
pub fn ExplainView(state: AppState, shown: Signal<bool>) -> impl IntoView {
    let rule = RwSignal::new("10".to_owned());
    let found = Memo::new(move |_| {
        if !shown.get() {
            return None;
        }
        let loaded = state.loaded.get()?;
        if loaded.set.traces.len() < 2 || loaded.partial {
            return None;
        }
        let rule = match rule.get().as_str() {
            "errors" => SlowRule::Errors,
            pct => SlowRule::SlowestPercent(pct.parse().unwrap_or(10.0)),
        };
        Some(Shared::new(explain(
            &loaded.set,
            &state.group_by.get(),
            &rule,
        )))
    });
    let heading = move || {
        found.get().map(|f| {
            format!(
                "{} trace(s) {} against {} other(s)",
                f.0.slow.len(),
                f.0.rule,
                f.0.rest
            )
        })
    };
    let findings = move || {
        found.get().map(|f| {
            f.0.findings
                .iter()
                .map(|finding| {
                    view! {
                        <li data-testid="explain-finding" data-kind=finding.kind
                            data-key=finding.key.clone() data-value=finding.value.clone()>
                            {finding.text.clone()}
                        </li>
                    }
                })
                .collect::<Vec<_>>()
        })
    };
    let stages = move || {
        found.get().map(|f| {
            f.0.stages
                .iter()
                .take(12)
                .map(|s| {
                    view! {
                        <tr>
                            <td class="group">{s.group.clone()}</td>
                            <td class="num">{format!("{:.1}%", s.slow_p50_pct)}</td>
                            <td class="num">{format!("{:.1}%", s.rest_p50_pct)}</td>
                        </tr>
                    }
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section class="explain-panel" data-testid="explain">
            <h3>"Why the slow traces are slow"</h3>
            <label>
                "Slow: "
                <select data-testid="explain-rule" aria-label="Which traces are the slow ones"
                    on:change=move |ev| rule.set(event_target_value(&ev))>
                    {RULES.into_iter().map(|(value, label)| view! { <option value=value>{label}</option> }).collect::<Vec<_>>()}
                </select>
            </label>
            <p class="muted">{heading}</p>
            <ul class="findings">{findings}</ul>
            <table class="breakdown">
                <thead>
                    <tr><th>"Stage"</th><th class="num">"Slow, median share"</th><th class="num">"Others, median share"</th></tr>
                </thead>
                <tbody>{stages}</tbody>
            </table>
        </section>
    }
}
