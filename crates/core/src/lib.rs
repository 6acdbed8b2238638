//! tracelens-core: the trace model, every input format and every analysis.
//!
//! Data flows one way: bytes → [`ingest`] → [`TraceSet`] → analyses. This
//! crate has no web dependency: it compiles natively and to wasm32, and the
//! app, the CLI and the benchmarks are thin clients of it.

pub mod analysis;
pub mod attributes;
pub mod ids;
pub mod ingest;
pub mod intern;
pub mod logs;
pub mod model;
pub mod summary;
pub mod tempo;
pub mod units;
pub mod warnings;

pub use attributes::{Attribute, Event, Link, Range32, Resource, Scope, Value};
pub use ids::{SpanId, TraceId};
pub use ingest::{ingest, Format, IngestError, TraceSetBuilder};
pub use intern::{Interner, Sym};
pub use model::{Span, SpanBrief, SpanKind, StatusCode, Trace, TraceSet, Warning};
pub use summary::TraceSummary;
