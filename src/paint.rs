//! Work put off until the page has painted: what a change shows first
//! (the timeline of a new trace) gets a frame of its own, and what follows
//! (the breakdown, the charts) the frames after.

use leptos::prelude::*;

use crate::loader::after_paint;

/// Runs `work` in a task of its own once the page has painted what
/// changed, unless another was asked for meanwhile: `asked` counts them.
pub fn latest_after_paint(asked: StoredValue<u32>, work: impl FnOnce() + 'static) {
    let ask = asked.get_value().wrapping_add(1);
    asked.set_value(ask);
    leptos::task::spawn_local(async move {
        after_paint().await;
        if asked.try_get_value() == Some(ask) {
            work();
        }
    });
}

/// `source`'s value, following each change once the page has painted
/// what else the change made, so that what reads it is built in a frame
/// of its own; until then `None`, never the value from before the change
/// (a breakdown of another trace beside the new one).
pub fn deferred<T: Clone + PartialEq + Send + Sync + 'static>(
    source: Memo<Option<T>>,
) -> Signal<Option<T>> {
    let (caught_up, set) = signal(source.get_untracked());
    let asked = StoredValue::new(0);
    Effect::new(move |ran: Option<()>| {
        let next = source.get();
        if ran.is_some() {
            latest_after_paint(asked, move || set.set(next));
        }
    });
    // Checked against the source as it is read: the effect above runs
    // after the change's views are built, and they must not see the value
    // from before.
    Signal::derive(move || {
        let shown = caught_up.get()?;
        source
            .with(|now| now.as_ref() == Some(&shown))
            .then_some(shown)
    })
}
