//! Below the timeline, one pane at a time: where the time goes, all the
//! traces, compare, why the slow ones are slow, logs. A tab bar picks it
//! (kept in the address, a step Back returns from); the timeline above
//! never moves.

use leptos::prelude::*;

use super::aggregate::AggregateView;
use super::breakdown::Breakdown;
use super::compare::CompareView;
use super::explain::ExplainView;
use super::logs::LogsPanel;
use tracelens_view::url;

use crate::address;
use crate::state::AppState;

/// The panes under the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Breakdown,
    AllTraces,
    Compare,
    Explain,
    Logs,
}

impl Pane {
    /// Its name in `data-pane` and the tests.
    fn id(self) -> &'static str {
        match self {
            Pane::Breakdown => "breakdown",
            Pane::AllTraces => "all-traces",
            Pane::Compare => "compare",
            Pane::Explain => "explain",
            Pane::Logs => "logs",
        }
    }

    const ALL: [Pane; 5] = [
        Pane::Breakdown,
        Pane::AllTraces,
        Pane::Compare,
        Pane::Explain,
        Pane::Logs,
    ];

    /// The pane the address names (the first when it names none).
    fn in_address() -> Pane {
        let named = address::param(url::PANE);
        Pane::ALL
            .into_iter()
            .find(|p| Some(p.id()) == named.as_deref())
            .unwrap_or(Pane::Breakdown)
    }
}

#[component]
pub fn Panes(state: AppState) -> impl IntoView {
    let pane = RwSignal::new(Pane::in_address());
    // Back and Forward bring back the pane of their entry.
    Effect::new(move |first: Option<()>| {
        state.address_moved.track();
        if first.is_some() {
            pane.set(Pane::in_address());
        }
    });
    // A pane the user opens is a step Back returns from.
    let open = move |which: Pane| {
        pane.set(which);
        let name = (which != Pane::Breakdown).then(|| which.id().to_owned());
        address::push_params(&[(url::PANE, name)]);
    };
    let traces = move || state.loaded.get().map_or(0, |l| l.set.traces.len());
    let whole = move || state.loaded.get().is_some_and(|l| !l.partial);
    let log_lines = move || state.trace_logs.get().map(|j| j.0.lines.len());
    // A pane that is not on offer (one trace: nothing to compare) gives
    // way to the first.
    Effect::new(move |_| {
        let offered = match pane.get() {
            Pane::AllTraces | Pane::Compare | Pane::Explain => traces() >= 2 && whole(),
            _ => true,
        };
        if !offered {
            pane.set(Pane::Breakdown);
        }
    });
    let tab = move |which: Pane, label: Signal<String>, shown: Signal<bool>| {
        view! {
            <button role="tab" class="pane-tab" data-testid=format!("pane-{}", which.id())
                hidden=move || !shown.get()
                aria-selected=move || (pane.get() == which).to_string()
                class:active=move || pane.get() == which
                on:click=move |_| open(which)>
                {label}
            </button>
        }
    };
    let pane_box = move |which: Pane, content: AnyView| {
        view! {
            <div class="pane" role="tabpanel" data-pane=which.id() hidden=move || pane.get() != which>
                {content}
            </div>
        }
    };
    // Panes that analyse every trace do so only while they are shown.
    let shown = move |which: Pane| Signal::derive(move || pane.get() == which);
    // Compare is built once first opened (and kept, with its choices):
    // its two lists of every trace, built with the page, were two
    // thousand options for a thousand traces, 30 ms of opening them.
    let compare_opened = RwSignal::new(false);
    Effect::new(move |_| {
        if pane.get() == Pane::Compare {
            compare_opened.set(true);
        }
    });
    let many = Signal::derive(move || traces() >= 2 && whole());
    let always = Signal::derive(|| true);
    view! {
        <section class="panes" data-testid="panes">
            <nav class="pane-tabs" role="tablist" aria-label="Views of the traces">
                {tab(Pane::Breakdown, Signal::derive(|| "Where the time goes".to_owned()), always)}
                {tab(Pane::AllTraces, Signal::derive(move || format!("All {} traces", traces())), many)}
                {tab(Pane::Compare, Signal::derive(|| "Compare".to_owned()), many)}
                {tab(Pane::Explain, Signal::derive(|| "Why slow".to_owned()), many)}
                {tab(Pane::Logs, Signal::derive(move || match log_lines() {
                    Some(lines) => format!("Logs ({lines})"),
                    None => "Logs".to_owned(),
                }), always)}
            </nav>
            {pane_box(Pane::Breakdown, view! { <Breakdown state=state /> }.into_any())}
            {pane_box(Pane::AllTraces, view! { <AggregateView state=state shown=shown(Pane::AllTraces) /> }.into_any())}
            {pane_box(Pane::Compare, view! {
                <Show when=move || compare_opened.get()>
                    <CompareView state=state />
                </Show>
            }.into_any())}
            {pane_box(Pane::Explain, view! { <ExplainView state=state shown=shown(Pane::Explain) /> }.into_any())}
            {pane_box(Pane::Logs, view! { <LogsPanel state=state /> }.into_any())}
        </section>
    }
}
