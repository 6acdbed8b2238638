//! Where the time goes across every loaded trace: per group the median and
//! 95th-percentile share of the critical path, and the spread of durations.

use leptos::prelude::*;
use tracelens_core::analysis::aggregate::{aggregate, duration_stats};
use tracelens_core::analysis::breakdown::analyze;
use tracelens_core::units::format_duration;

use crate::state::{AppState, Shared};

#[component]
pub fn AggregateView(state: AppState) -> impl IntoView {
    let computed = Memo::new(move |_| {
        let loaded = state.loaded.get()?;
        if loaded.set.traces.len() < 2 {
            return None;
        }
        let group_by = state.group_by.get();
        let analyses: Vec<_> = loaded
            .set
            .traces
            .iter()
            .map(|trace| analyze(&loaded.set, trace, &group_by))
            .collect();
        Some(Shared::new((
            aggregate(&analyses),
            duration_stats(&analyses),
        )))
    });
    let summary = move || {
        let computed = computed.get()?;
        let d = &computed.0 .1;
        Some(format!(
            "All {} traces · duration p50 {} · p95 {} · p99 {} · max {}",
            d.count,
            format_duration(d.p50_ns),
            format_duration(d.p95_ns),
            format_duration(d.p99_ns),
            format_duration(d.max_ns)
        ))
    };
    let rows = move || {
        let computed = computed.get()?;
        Some(
            computed
                .0
                 .0
                .iter()
                .map(|row| {
                    let width = format!("width:{:.3}%", row.critical_pct_p50.clamp(0.0, 100.0));
                    view! {
                        <tr
                            data-testid="aggregate-row"
                            data-group=row.group.clone()
                            data-critical-pct-p50=row.critical_pct_p50.to_string()
                            data-critical-pct-p95=row.critical_pct_p95.to_string()
                        >
                            <td class="group">{row.group.clone()}</td>
                            <td class="num">{row.traces}</td>
                            <td class="num">{row.count}</td>
                            <td class="share">
                                <div class="share-bar"><div style=width></div></div>
                                <span>{format!("{:.1}%", row.critical_pct_p50)}</span>
                            </td>
                            <td class="num">{format!("{:.1}%", row.critical_pct_p95)}</td>
                            <td class="num">{format_duration(row.critical_ns)}</td>
                            <td class="num">{format_duration(row.self_ns)}</td>
                        </tr>
                    }
                })
                .collect::<Vec<_>>(),
        )
    };
    view! {
        <Show when=move || computed.get().is_some()>
            <details class="aggregate-panel" open>
                <summary>{summary}</summary>
                <table class="breakdown" data-testid="aggregate">
                    <thead>
                        <tr>
                            <th>"Group"</th>
                            <th class="num">"Traces"</th>
                            <th class="num">"Spans"</th>
                            <th>"Critical share, median"</th>
                            <th class="num">"p95"</th>
                            <th class="num">"Critical, total"</th>
                            <th class="num">"Self, total"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
        </Show>
    }
}
