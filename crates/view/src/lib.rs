//! The view model of tracelens: every decision a view makes about trace
//! data, with no DOM in sight, so that each rule is a function tested
//! natively (the traces drawn as ASCII timelines, as core's are). The
//! app's components render what these return and send events back.
//!
//! - [`rows`]: which spans have a row, in which order (tree order, folds,
//!   the breakdown group in focus), folding to a depth, moving by keys;
//! - [`scroll`]: lists taller than a browser lays out, the scroll
//!   position scaled onto the rows;
//! - [`window`]: the time window on screen (zoom at a point, pan, clamp,
//!   a minimum width) and its form in a link;
//! - [`flame`]: the flame graph's boxes at a width, merged below a pixel,
//!   zoomed to a subtree;
//! - [`graph`]: the operation graph placed by a layered layout;
//! - [`find`]: the find form as a query, its matches and walking them;
//! - [`row`]: what one row shows of its span (bar, critical sections,
//!   events, status chip and kind of call);
//! - [`detail`]: what the trace header and the span detail say;
//! - [`spans`]: spans by id, and a partial view's spans in the whole trace;
//! - [`traces`]: the trace list's order;
//! - [`compare`]: the compare pane's split, its choices and their traces;
//! - [`structure`]: the average trace's structure as an icicle;
//! - [`tables`]: the breakdown table's columns and their order;
//! - [`logs`]: the logs panel's filter, counts, and lines without ids
//!   near a trace;
//! - [`url`]: the view state in the address bar, read and written in one
//!   place.

pub mod compare;
pub mod detail;
pub mod find;
pub mod flame;
pub mod graph;
pub mod logs;
pub mod row;
pub mod rows;
pub mod scroll;
pub mod spans;
pub mod structure;
pub mod tables;
pub mod traces;
pub mod url;
pub mod window;
