//! Bytes → [`TraceSet`]: sniff the format from the bytes (never the file
//! name), decompress, decode, and join spans into traces.

mod assemble;
mod compression;
mod cursor;
mod jaeger;
pub(crate) mod json_syntax;
mod otlp_json;
pub(crate) mod otlp_proto;
pub(crate) mod sniff;
mod zipkin;

use thiserror::Error;

use crate::model::TraceSet;
pub(crate) use assemble::cut_text;
pub use assemble::TraceSetBuilder;
pub use assemble::TEXT_LIMIT;
pub use compression::{expanded_limit, is_compressed, set_expanded_limit, Expanding};
use sniff::JsonKind;

/// Why an input could not be read at all.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum IngestError {
    /// The input holds no bytes, or only whitespace.
    #[error("the file is empty")]
    Empty,
    /// The bytes are not any trace format tracelens reads.
    #[error("not a trace file: {0}")]
    UnknownFormat(String),
    /// Compressed data that could not be decompressed.
    #[error("{format} data is corrupt or truncated: {reason}")]
    Decompression {
        /// `gzip` or `zstd`.
        format: &'static str,
        /// What the decoder said.
        reason: String,
    },
    /// The format was recognised but nothing in it could be decoded.
    #[error("{0}")]
    Malformed(String),
    /// Compressed input that expands past the limit
    /// ([`set_expanded_limit`]).
    #[error(
        "the {format} data expands to {}{}, past the limit of {} that this reader \
         can hold beside the traces; nothing is wrong with the file. The CLI reads \
         bigger inputs (`tracelens analyze --max-input-size`)",
        if *counted_all { "" } else { "more than " },
        compression::format_bytes(*expanded),
        compression::format_bytes(*limit)
    )]
    TooBig {
        /// `gzip` or `zstd`.
        format: &'static str,
        /// How many bytes it expands to (at least).
        expanded: u64,
        /// The limit.
        limit: u64,
        /// Whether `expanded` is its whole size, not just what was counted.
        counted_all: bool,
    },
    /// Memory ran out while compressed input was expanded.
    #[error(
        "memory ran out after expanding {} of {format} data (the limit is {}); nothing \
         is wrong with the file: the CLI reads bigger inputs (`tracelens analyze`)",
        compression::format_bytes(*expanded),
        compression::format_bytes(*limit)
    )]
    OutOfMemory {
        /// `gzip` or `zstd`.
        format: &'static str,
        /// How many bytes were expanded when it ran out.
        expanded: u64,
        /// The limit.
        limit: u64,
    },
}

/// The input formats, for callers that know an input's format better than
/// sniffing does (and for the fuzzers, one per decoder).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// OTLP/JSON: one request, JSON Lines of them, or a Tempo answer.
    OtlpJson,
    /// One OTLP protobuf `TracesData` / `ExportTraceServiceRequest`.
    OtlpProtobuf,
    /// Length-prefixed OTLP protobuf messages (the Collector's file exporter).
    OtlpProtobufStream,
    /// Jaeger JSON.
    Jaeger,
    /// Zipkin v2 JSON.
    Zipkin,
}

/// The bytes with gzip or zstd undone (borrowed when not compressed).
pub fn decompressed(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, IngestError> {
    Ok(match compression::decompress(bytes)? {
        Some(owned) => std::borrow::Cow::Owned(owned),
        None => std::borrow::Cow::Borrowed(bytes),
    })
}

/// An input being read in steps (see [`TraceSetBuilder::start`]), perhaps
/// while it still arrives (see [`TraceSetBuilder::start_arriving`]).
pub struct TraceLoad {
    bytes: Vec<u8>,
    kind: LoadKind,
    /// Whether every byte of the input has been given.
    complete: bool,
    /// The input's length once complete, for the progress.
    length: usize,
    /// Spans the builder held before this input.
    spans_before: usize,
    /// Whether bytes were given since the last step: a stepper that said
    /// it was waiting for them has not looked at them yet.
    fed: bool,
}

/// What the readers that go a step at a time, reading an input while it
/// arrives, have in common: OTLP/JSON (a few spans a step), OTLP protobuf
/// (a resource spans field a step, a message at a time in a stream),
/// Jaeger JSON (a span a step) and Zipkin JSON (a span a step, twice).
pub(super) trait ReadInSteps {
    /// Whether it keeps the whole input until it is done (it lets nothing
    /// go): room for all of it is made at once then, as growing by
    /// doubling copied a million Zipkin spans' 368 MB in steps of up to
    /// 243 ms in the browser.
    fn keeps_input(&self) -> bool {
        false
    }

    /// Bytes read so far.
    fn offset(&self) -> usize;

    /// How many bytes from the point let go it holds before it can read on
    /// (a part it reads only once all of it is there): room for them is
    /// made at once as the input arrives, as growing by doubling copied a
    /// protobuf batch of 125,000 spans (24 MB) on its way, 16 MB in one
    /// step, 30 ms in the browser.
    fn held_for(&self) -> usize {
        0
    }

    /// How many of the first `bytes` (as given to the last step) are read
    /// and no longer needed: the next step is given the bytes from there on.
    fn let_go(&mut self, bytes: &[u8]) -> usize;

    /// Whether the last step used up the bytes given so far: an input still
    /// arriving needs more before the next step can read on.
    fn waiting(&self) -> bool;

    /// Reads about `budget` more bytes; the outcome once the input is done.
    /// While the input is not `complete`, `bytes` is what has arrived.
    fn step(
        &mut self,
        bytes: &[u8],
        builder: &mut TraceSetBuilder,
        budget: usize,
        complete: bool,
    ) -> Option<Result<(), IngestError>>;
}

enum LoadKind {
    /// OTLP/JSON, OTLP protobuf or Jaeger JSON, read in steps.
    Stepping(Box<dyn ReadInSteps>),
    /// Any other format: read whole in the first step.
    Whole,
    /// Compressed, or not OTLP/JSON: sniffed and read once complete.
    Collecting,
    /// Not told yet by what has come (the first frames of a protobuf
    /// stream, or the key of a JSON document that tells its format, are
    /// still to come): told again as more comes, up to [`SNIFF_UNTIL`]
    /// bytes, then collected.
    Sniffing,
    /// Complete and compressed: expanded a bounded amount a step, and read
    /// as what is expanded arrives.
    Expanding(Box<Expansion>),
    Done,
}

/// Bytes of a compressed input expanded before reading them begins.
const EXPANDED_FIRST: usize = 1 << 20;

/// A compressed input being expanded, and what is expanded being read as
/// it comes ([`TraceSetBuilder::start_arriving`]): only the compressed
/// bytes and what is not read yet are held, not the whole expanded text
/// (held, a million spans' 485 MB of OTLP/JSON from 39 MB of gzip more
/// than doubled the page's memory).
struct Expansion {
    expanding: compression::Expanding<Vec<u8>>,
    reading: Option<TraceLoad>,
    /// Why expanding stopped short, once it did.
    damage: Option<IngestError>,
    ended: bool,
}

impl TraceLoad {
    /// How much of the input has been read, from 0 to 1.
    pub fn progress(&self) -> f64 {
        match &self.kind {
            LoadKind::Stepping(stepper) if self.length > 0 => {
                stepper.offset() as f64 / self.length as f64
            }
            // What is read keeps up with what is expanded.
            LoadKind::Expanding(expansion) => expansion.expanding.progress(),
            LoadKind::Whole | LoadKind::Collecting | LoadKind::Sniffing => 0.0,
            _ => 1.0,
        }
    }

    /// Adds the next bytes of an input given by
    /// [`TraceSetBuilder::start_arriving`].
    pub fn append(&mut self, more: &[u8]) {
        self.append_with(more.len(), |room| room.copy_from_slice(more));
    }

    /// Adds the next `length` bytes, which `fill` writes into the room
    /// made for them (a caller copying from elsewhere, such as a browser
    /// buffer, then needs no copy of its own in between).
    pub fn append_with(&mut self, length: usize, fill: impl FnOnce(&mut [u8])) {
        if !self.complete {
            // What a stepper has read is let go: the buffer holds what is
            // still to read (at most a part of an element) and the new part.
            let read = match &mut self.kind {
                LoadKind::Stepping(stepper) => stepper.let_go(&self.bytes),
                _ => 0,
            };
            self.bytes.drain(..read);
            let from = self.bytes.len();
            let held_for = match &self.kind {
                LoadKind::Stepping(stepper) => stepper.held_for(),
                _ => 0,
            };
            let wanted = held_for.max(from + length);
            if wanted > self.bytes.capacity() {
                // Room for what is held and a part more, not twice as much;
                // only what is held is copied, not the room after it.
                let mut room = Vec::with_capacity(wanted.saturating_add(length));
                room.extend_from_slice(&self.bytes);
                self.bytes = room;
            }
            self.bytes.resize(from + length, 0);
            fill(&mut self.bytes[from..]);
            self.fed = true;
            if matches!(self.kind, LoadKind::Sniffing) {
                self.kind = match self.bytes.len() > SNIFF_UNTIL {
                    true => LoadKind::Collecting,
                    false => LoadKind::arriving(&self.bytes, self.spans_before, self.length),
                };
                self.kind.make_room(&mut self.bytes, self.length);
            }
        }
    }

    /// Says that every byte of the input has been given.
    pub fn complete(&mut self) -> Result<(), IngestError> {
        if self.complete {
            return Ok(());
        }
        self.complete = true;
        if matches!(self.kind, LoadKind::Collecting | LoadKind::Sniffing) {
            *self = TraceLoad::sniffed(std::mem::take(&mut self.bytes), self.spans_before)?;
        }
        Ok(())
    }

    /// How many bytes of the input are held: what is still to read (or
    /// may be read again) of what was given.
    pub fn held_bytes(&self) -> usize {
        match &self.kind {
            LoadKind::Expanding(expansion) => {
                expansion.expanding.held_bytes()
                    + expansion.reading.as_ref().map_or(0, TraceLoad::held_bytes)
            }
            _ => self.bytes.len(),
        }
    }

    /// How many bytes of room the load has made for the input: what it
    /// holds in memory, filled or not.
    pub fn room_bytes(&self) -> usize {
        self.bytes.capacity()
    }

    /// Whether reading on needs bytes that have not been given yet.
    pub fn wants_input(&self) -> bool {
        !self.complete
            && !self.fed
            && match &self.kind {
                LoadKind::Stepping(stepper) => stepper.waiting(),
                _ => true,
            }
    }

    /// A complete input: sniffed, or to expand first when compressed
    /// (a step at a time: at once, a big file held a page for all of it).
    fn sniffed(bytes: Vec<u8>, spans_before: usize) -> Result<Self, IngestError> {
        let (kind, bytes) = match compression::is_compressed(&bytes) {
            true => {
                let expansion = Expansion {
                    expanding: compression::Expanding::new(bytes)?,
                    reading: None,
                    damage: None,
                    ended: false,
                };
                (LoadKind::Expanding(Box::new(expansion)), Vec::new())
            }
            false => {
                let kind = LoadKind::stepping(&bytes, spans_before, bytes.len(), true);
                (kind.unwrap_or(LoadKind::Whole), bytes)
            }
        };
        Ok(TraceLoad {
            length: bytes.len(),
            bytes,
            kind,
            complete: true,
            spans_before,
            fed: false,
        })
    }
}

impl LoadKind {
    /// Makes room in `bytes` for all of an input of `length` bytes if it is
    /// kept whole until it is read (collected, or read twice): growing by
    /// doubling would hold up to twice the input while copying. The other
    /// steppers keep only what is not read yet.
    fn make_room(&self, bytes: &mut Vec<u8>, length: usize) {
        let keeps_input = match self {
            LoadKind::Collecting => true,
            LoadKind::Stepping(stepper) => stepper.keeps_input(),
            _ => false,
        };
        if keeps_input {
            bytes.reserve_exact(length.saturating_sub(bytes.len()));
        }
    }

    /// How an input of `length` bytes that arrives in parts is read, told
    /// by its first bytes, `first`.
    fn arriving(first: &[u8], spans_before: usize, length: usize) -> LoadKind {
        // Sniffing needs the bytes that tell text from binary, and the
        // keys up to the one that tells the format.
        if first.len() < SNIFF_BYTES.min(length).max(4) {
            return LoadKind::Sniffing;
        }
        if compression::is_compressed(first) {
            return LoadKind::Collecting;
        }
        match LoadKind::stepping(first, spans_before, length, false) {
            None => LoadKind::Sniffing,
            Some(LoadKind::Whole) => LoadKind::Collecting,
            Some(stepping) => stepping,
        }
    }

    /// The reader of an (uncompressed) input that starts with `bytes` (all
    /// of it if `complete`), if it is read in steps: OTLP/JSON (or a Tempo
    /// or Jaeger v2 answer), Jaeger JSON, one OTLP protobuf message
    /// (binary, as [`TraceSetBuilder::add`] tells it: a text file that
    /// starts with a blank line starts with protobuf's first byte too) and
    /// a stream of them. `Some(Whole)` for the other formats, `None` when
    /// the bytes end before that is told. `length` is the whole input's
    /// (for the readers' estimate of the spans to come).
    fn stepping(
        bytes: &[u8],
        spans_before: usize,
        length: usize,
        complete: bool,
    ) -> Option<LoadKind> {
        if looks_binary(bytes) {
            if otlp_proto::arrives_as_message(bytes) {
                let message = otlp_proto::Stepper::new(spans_before, length);
                return Some(LoadKind::Stepping(Box::new(message)));
            }
            return Some(
                match otlp_proto::arrives_as_stream(bytes, length, complete)? {
                    true => LoadKind::Stepping(Box::new(otlp_proto::StreamStepper::new(
                        spans_before,
                        length,
                    ))),
                    false => LoadKind::Whole,
                },
            );
        }
        let Some(at) = bytes.iter().position(|b| !b.is_ascii_whitespace()) else {
            return Some(LoadKind::Whole);
        };
        if !matches!(bytes[at], b'{' | b'[') {
            return Some(LoadKind::Whole);
        }
        Some(match sniff::json_kind(bytes, at)? {
            JsonKind::OtlpTraces if bytes[at] == b'{' => {
                LoadKind::Stepping(Box::new(otlp_json::Stepper::new(spans_before, length)))
            }
            JsonKind::Jaeger => LoadKind::Stepping(Box::new(jaeger::Stepper::new(
                jaeger::Shape::Document,
                spans_before,
                length,
            ))),
            JsonKind::JaegerSpans => LoadKind::Stepping(Box::new(jaeger::Stepper::new(
                jaeger::Shape::of_spans(bytes),
                spans_before,
                length,
            ))),
            JsonKind::Zipkin => {
                LoadKind::Stepping(Box::new(zipkin::Stepper::new(spans_before, length)))
            }
            _ => LoadKind::Whole,
        })
    }
}

/// Reads one input into a fresh [`TraceSet`]. Errors only when nothing in
/// it could be read; partial damage becomes warnings.
pub fn ingest(bytes: &[u8]) -> Result<TraceSet, IngestError> {
    let mut builder = TraceSetBuilder::default();
    builder.add(bytes)?;
    Ok(builder.finish())
}

impl TraceSetBuilder {
    /// Starts reading one input in steps, for callers that must stay
    /// responsive (the browser): call [`TraceSetBuilder::advance`] until it
    /// returns the outcome. The spans are the same as [`TraceSetBuilder::add`]
    /// gives.
    pub fn start(&mut self, bytes: Vec<u8>) -> Result<TraceLoad, IngestError> {
        TraceLoad::sniffed(bytes, self.span_total())
    }

    /// Starts reading an input of `length` bytes that arrives in parts (a
    /// file read in slices), `first` being its first part: reading goes on
    /// as the parts come ([`TraceLoad::append`], then
    /// [`TraceLoad::complete`]), so reading the file and reading the
    /// traces overlap. OTLP/JSON and one OTLP protobuf message are read as
    /// they arrive; compressed input and other formats are read once
    /// complete. The spans and warnings
    /// are those [`TraceSetBuilder::add`] gives for the whole input.
    pub fn start_arriving(&mut self, mut first: Vec<u8>, length: usize) -> TraceLoad {
        let kind = LoadKind::arriving(&first, self.span_total(), length);
        kind.make_room(&mut first, length);
        TraceLoad {
            bytes: first,
            kind,
            complete: false,
            length,
            spans_before: self.span_total(),
            fed: false,
        }
    }

    /// Reads about `budget` more bytes of `load`; the outcome once the
    /// input is done (`None` while there is more).
    pub fn advance(
        &mut self,
        load: &mut TraceLoad,
        budget: usize,
    ) -> Option<Result<(), IngestError>> {
        load.fed = false;
        let outcome = match &mut load.kind {
            LoadKind::Stepping(stepper) => {
                stepper.step(&load.bytes, self, budget, load.complete)?
            }
            LoadKind::Expanding(expansion) => self.expand(expansion, load.spans_before, budget)?,
            LoadKind::Whole => self.add(&load.bytes),
            LoadKind::Collecting | LoadKind::Sniffing | LoadKind::Done => return None,
        };
        self.tell_cut_texts();
        load.kind = LoadKind::Done;
        load.bytes = Vec::new();
        Some(outcome)
    }

    /// Expands about `budget` more bytes of `expansion` when its reading
    /// wants them, and reads on; the outcome once all is read. Damage
    /// further on in the compressed data (or expanding past the limit)
    /// keeps what came before it, and is told as a warning; an error when
    /// nothing before it could be read.
    fn expand(
        &mut self,
        expansion: &mut Expansion,
        spans_before: usize,
        budget: usize,
    ) -> Option<Result<(), IngestError>> {
        let wants = expansion
            .reading
            .as_ref()
            .is_none_or(|reading| reading.wants_input());
        if wants && !expansion.ended {
            let outcome = expansion.expanding.step(budget);
            expansion.ended = outcome.is_some();
            // Reading begins once the format can be told, as a file's
            // reading begins with its first slice.
            if outcome.is_none()
                && expansion.reading.is_none()
                && expansion.expanding.so_far().len() < EXPANDED_FIRST
            {
                return None;
            }
            let part = match outcome {
                None => expansion.expanding.take(),
                Some(Ok(rest)) => rest,
                Some(Err(damage)) => {
                    expansion.damage = Some(damage);
                    expansion.expanding.take()
                }
            };
            match &mut expansion.reading {
                Some(reading) => reading.append(&part),
                None => {
                    let length = expansion.expanding.expected().unwrap_or(0);
                    let first = self.start_arriving(part, length);
                    expansion.reading = Some(first);
                }
            }
            if expansion.ended {
                if let Some(reading) = &mut expansion.reading {
                    if let Err(error) = reading.complete() {
                        return Some(Err(expansion.damage.take().unwrap_or(error)));
                    }
                }
            }
        }
        let outcome = self.advance(expansion.reading.as_mut()?, budget)?;
        Some(match (outcome, expansion.damage.take()) {
            (outcome, None) => outcome,
            (Ok(()), Some(damage)) if self.span_total() > spans_before => {
                self.warn(format!("{damage}; what came before it is read"));
                Ok(())
            }
            (_, Some(damage)) => Err(damage),
        })
    }

    /// Decodes one input and adds its spans. Spans of one trace may be
    /// spread over several inputs: [`TraceSetBuilder::finish`] joins them.
    pub fn add(&mut self, bytes: &[u8]) -> Result<(), IngestError> {
        let read = self.read(bytes);
        self.tell_cut_texts();
        read
    }

    fn read(&mut self, bytes: &[u8]) -> Result<(), IngestError> {
        // As in steps, given everything: expanded, and read as it comes.
        if compression::is_compressed(bytes) {
            let mut load = TraceLoad::sniffed(bytes.to_vec(), self.span_total())?;
            loop {
                if let Some(outcome) = self.advance(&mut load, usize::MAX) {
                    return outcome;
                }
            }
        }
        if looks_binary(bytes) {
            // A big message can pass for a stream frame by its first bytes,
            // so the exact reading comes first.
            if otlp_proto::is_whole_message(bytes) {
                return otlp_proto::read_message(bytes, 0, self, true);
            }
            if otlp_proto::is_stream(bytes) {
                return otlp_proto::read_stream(bytes, self, true);
            }
            if otlp_proto::is_message(bytes) {
                return otlp_proto::read_message(bytes, 0, self, true);
            }
            return Err(IngestError::UnknownFormat(format!(
                "binary data starting with {} is neither OTLP protobuf nor gzip or zstd",
                hex_prefix(bytes)
            )));
        }
        let text_start = bytes
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .ok_or(IngestError::Empty)?;
        let Some(kind) = sniff::json_kind(bytes, text_start) else {
            // Cut short before any key told the format: the readers say
            // where the JSON breaks.
            return match bytes[text_start] {
                b'[' => zipkin::read(bytes, self),
                _ => otlp_json::read(bytes, self),
            };
        };
        let not_traces = |what: &str| Err(IngestError::UnknownFormat(what.to_owned()));
        match kind {
            JsonKind::OtlpTraces => otlp_json::read(bytes, self),
            JsonKind::Jaeger => jaeger::read(bytes, self),
            JsonKind::JaegerSpans => jaeger::read_spans(bytes, self),
            JsonKind::Zipkin => zipkin::read(bytes, self),
            JsonKind::TempoSearch => not_traces(
                "it is a Tempo search result (a list of matching traces, not their spans): \
                 search Tempo from the page, or open a trace by its id",
            ),
            JsonKind::OtlpLogs | JsonKind::Loki => not_traces(
                "it holds log lines (OTLP logs or a Loki answer), not spans: drop them on the \
                 page beside their traces, or give them to `tracelens analyze --logs`",
            ),
            JsonKind::JaegerInternal => not_traces(
                "it is Jaeger's internal span model (base64 \"traceId\"/\"spanId\", as its \
                 storage writes them), not Jaeger's JSON: download the trace from Jaeger UI \
                 or its /api/traces/ID, and open that",
            ),
            JsonKind::EmptyArray => Err(IngestError::Malformed(
                "the file is an empty JSON array: it holds no spans".to_owned(),
            )),
            JsonKind::Unknown(keys) => match bytes[text_start] {
                // JSON Lines may start with a broken line: the OTLP/JSON
                // reader skips it and says so, if any line is a request.
                b'{' => otlp_json::read(bytes, self).map_err(|error| match error {
                    IngestError::UnknownFormat(_) => unknown_object(&keys),
                    other => other,
                }),
                first => Err(IngestError::UnknownFormat(
                    match delimited_header(&bytes[text_start..]) {
                        Some(header) => format!(
                            "it looks like a table (CSV or TSV, first line {header:?}), not a \
                             trace: export traces as OTLP/JSON or protobuf, Jaeger or Zipkin JSON"
                        ),
                        None => format!(
                            "it starts with the byte 0x{first:02x} at offset {text_start}, \
                             where a JSON trace file starts with '{{' or '['"
                        ),
                    },
                )),
            },
        }
    }

    /// Decodes one (already decompressed) input as `format`, without
    /// sniffing.
    pub fn add_as(&mut self, format: Format, bytes: &[u8]) -> Result<(), IngestError> {
        match format {
            Format::OtlpJson => otlp_json::read(bytes, self),
            Format::OtlpProtobuf => otlp_proto::read_message(bytes, 0, self, true),
            Format::OtlpProtobufStream => otlp_proto::read_stream(bytes, self, true),
            Format::Jaeger => jaeger::read(bytes, self),
            Format::Zipkin => zipkin::read(bytes, self),
        }
    }

    /// Reads OTLP/JSON with serde alone, never the direct reader that
    /// [`TraceSetBuilder::add`] tries first: for the tests and the fuzz
    /// target that check the two give the same spans and warnings.
    #[doc(hidden)]
    pub fn add_otlp_json_by_seeds(&mut self, bytes: &[u8]) -> Result<(), IngestError> {
        otlp_json::read_by_seeds(bytes, self)
    }

    /// Reads OTLP protobuf (one message, or a length-prefixed stream of
    /// them, as `format` says) with prost alone, never the direct reader
    /// of spans that [`TraceSetBuilder::add`] tries first: for the tests
    /// and the fuzz target that check the two give the same spans and
    /// warnings.
    #[doc(hidden)]
    pub fn add_otlp_protobuf_by_prost(
        &mut self,
        format: Format,
        bytes: &[u8],
    ) -> Result<(), IngestError> {
        match format {
            Format::OtlpProtobufStream => otlp_proto::read_stream(bytes, self, false),
            _ => otlp_proto::read_message(bytes, 0, self, false),
        }
    }

    /// Reads Jaeger JSON with serde alone, never the narrow reader that
    /// [`TraceSetBuilder::add`] tries first: for the tests that check the
    /// two give the same.
    #[doc(hidden)]
    pub fn add_jaeger_by_serde(&mut self, bytes: &[u8]) -> Result<(), IngestError> {
        jaeger::read_by_serde(bytes, self)
    }

    /// Records a warning about the input that the caller found (a Tempo
    /// answer marked PARTIAL, say), to be listed with ingest's own.
    pub fn add_warning(&mut self, message: String) {
        self.warn(message);
    }

    pub(crate) fn warn(&mut self, message: String) {
        self.warnings.push(message);
    }
}

/// How many of the first bytes tell text from binary.
const SNIFF_BYTES: usize = 256;

/// An input arriving in parts is told again as more comes up to this many
/// bytes (a few of the page's slices); past it, it is read once complete.
const SNIFF_UNTIL: usize = 16 << 20;

/// JSON never holds raw control characters other than whitespace, while
/// protobuf's tags and lengths are full of them early on.
fn looks_binary(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .take(SNIFF_BYTES)
        .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
}

fn hex_prefix(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first line of text that reads as a table's header: a comma or tab
/// between fields, and the next line (if any) as many.
fn delimited_header(text: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(&text[..text.len().min(4096)]).ok()?;
    let mut lines = text.lines();
    let first = lines.next()?;
    let separator = [',', '\t', ';']
        .into_iter()
        .max_by_key(|&c| first.matches(c).count())?;
    let fields = first.matches(separator).count();
    let agrees = lines
        .next()
        .is_none_or(|second| second.matches(separator).count() == fields);
    (fields > 0 && agrees).then(|| first.chars().take(80).collect())
}

/// The message for a JSON object no format is told by: the keys it has.
fn unknown_object(keys: &[String]) -> IngestError {
    let listed: Vec<String> = keys.iter().take(8).map(|k| format!("{k:?}")).collect();
    let has = match listed.is_empty() {
        true => "no keys".to_owned(),
        false => format!(
            "the keys {}{}",
            listed.join(", "),
            if keys.len() > 8 { ", …" } else { "" }
        ),
    };
    IngestError::UnknownFormat(format!(
        "a JSON object with {has}; trace files have \"resourceSpans\" (OTLP/JSON), \
         \"batches\" or \"trace\" (Tempo), \"result\" (Jaeger's /api/v3), \"data\" or \
         \"traceID\" (Jaeger), or are an array of spans (Zipkin)"
    ))
}
