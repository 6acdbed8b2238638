//! The analyses: pure functions of a [`Trace`](crate::Trace) (or many).
//! Each is linear or n·log n and none recurses, so a chain of 100,000
//! nested spans is as safe as a flat trace.

pub mod aggregate;
pub mod breakdown;
pub mod compare;
pub mod critical_path;
pub mod explain;
pub mod graph;
pub mod search;
pub mod self_time;
pub mod structure;

/// Traces drawn as ASCII timelines: for tests, here and in the crates
/// built on core (the view model's).
#[doc(hidden)]
pub mod ascii;
