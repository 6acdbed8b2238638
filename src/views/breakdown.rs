//! Where the selected trace's time goes, per group: the shares of the
//! critical path and of self time, biggest first.

use std::collections::BTreeSet;

use leptos::prelude::*;
use tracelens_core::analysis::breakdown::GroupBy;
use tracelens_core::units::format_duration;
use web_sys::HtmlSelectElement;

use crate::state::AppState;

#[component]
pub fn Breakdown(state: AppState) -> impl IntoView {
    // Attribute keys of the selected trace (spans and their resources).
    let attribute_keys = Memo::new(move |_| {
        let loaded = state.loaded.get()?;
        let trace = loaded.set.traces.get(state.selected.get()?)?;
        let mut keys = BTreeSet::new();
        for (index, span) in trace.spans.iter().enumerate() {
            for attribute in trace.span_attributes(index as u32) {
                keys.insert(loaded.set.strings.get(attribute.key).to_owned());
            }
            if let Some(resource) = loaded.set.resources.get(span.resource as usize) {
                for attribute in &resource.attributes {
                    keys.insert(loaded.set.strings.get(attribute.key).to_owned());
                }
            }
        }
        Some(keys.into_iter().collect::<Vec<_>>())
    });
    let on_group_by = move |ev| {
        let select: HtmlSelectElement = event_target(&ev);
        if let Ok(group_by) = select.value().parse::<GroupBy>() {
            state.group_by.set(group_by);
        }
    };
    let rows = move || {
        let analysis = state.analysis.get()?;
        let rows = analysis
            .0
            .breakdown
            .iter()
            .enumerate()
            .map(|(rank, share)| {
                let width = format!("width:{:.3}%", share.critical_pct.clamp(0.0, 100.0));
                let biggest = rank == 0 && share.critical_pct > 0.0;
                view! {
                    <tr
                        data-testid="breakdown-row"
                        data-group=share.group.clone()
                        data-critical-pct=share.critical_pct.to_string()
                        data-self-pct=share.self_pct.to_string()
                        class:top=biggest
                    >
                        <td class="group">{share.group.clone()}</td>
                        <td class="num">{share.count}</td>
                        <td class="share">
                            <div class="share-bar"><div style=width></div></div>
                            <span>{format!("{:.1}%", share.critical_pct)}</span>
                        </td>
                        <td class="num">{format_duration(share.critical_ns)}</td>
                        <td class="num">{format!("{:.1}%", share.self_pct)}</td>
                        <td class="num">{format_duration(share.self_ns)}</td>
                        <td class="num">{format_duration(share.total_ns)}</td>
                    </tr>
                }
            })
            .collect::<Vec<_>>();
        Some(rows)
    };
    view! {
        <Show when=move || state.analysis.get().is_some()>
            <section class="breakdown-panel">
                <header>
                    <h2>"Where the time goes"</h2>
                    <label>
                        "Group by "
                        <select data-testid="group-by" on:change=on_group_by
                            prop:value=move || state.group_by.get().to_string()>
                            <option value="name">"span name"</option>
                            <option value="service">"service"</option>
                            {move || {
                                attribute_keys
                                    .get()
                                    .unwrap_or_default()
                                    .into_iter()
                                    .map(|key| {
                                        let value = format!("attr:{key}");
                                        view! { <option value=value>{key}</option> }
                                    })
                                    .collect::<Vec<_>>()
                            }}
                        </select>
                    </label>
                </header>
                <table class="breakdown" data-testid="breakdown">
                    <thead>
                        <tr>
                            <th>"Group"</th>
                            <th class="num">"Spans"</th>
                            <th>"Critical path share"</th>
                            <th class="num">"Critical"</th>
                            <th class="num">"Self %"</th>
                            <th class="num">"Self"</th>
                            <th class="num">"Total"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </section>
        </Show>
    }
}
