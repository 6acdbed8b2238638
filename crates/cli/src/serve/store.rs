//! What `tracelens serve` received, kept on disk before it is acknowledged.
//!
//! Files in the data folder are numbered segments, `000001.traces.binpb`
//! and `000002.logs.binpb`, in the OpenTelemetry Collector file exporter's
//! format (each message preceded by its length as a 4-byte big-endian
//! integer), so `tracelens analyze` and the app read them as they are.
//! Every record holds one trace's part of one request (a `TracesData`, or a
//! `LogsData` for log records), so a trace is read back from its records
//! alone. The index in memory says where each trace's records are; it is
//! rebuilt from the files on start.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use opentelemetry_proto::tonic::logs::v1::LogsData;
use opentelemetry_proto::tonic::trace::v1::TracesData;
use prost::Message;

use super::otlp::{log_pieces, trace_pieces, LogPiece, TracePiece};

/// A segment is closed and a new one begun past an eighth of the size
/// limit, within these bounds (so removing the oldest frees little).
const SEGMENT_BYTES: (u64, u64) = (64 << 10, 64 << 20);
/// Distinct values kept per tag for autocompletion.
const VALUES_PER_TAG: usize = 200;
/// Tags kept per scope for autocompletion.
const TAGS_PER_SCOPE: usize = 1_000;

/// A trace id's 16 bytes (all zero for log records without one).
pub type TraceKey = [u8; 16];

/// Which kind of record a segment holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Traces,
    Logs,
}

impl Kind {
    fn suffix(self) -> &'static str {
        match self {
            Kind::Traces => "traces.binpb",
            Kind::Logs => "logs.binpb",
        }
    }
}

/// Where one record is: segment number, offset of its message (after the
/// length prefix) and its length.
#[derive(Clone, Copy, Debug)]
pub struct Piece {
    segment: u32,
    offset: u64,
    len: u32,
    /// Spans in it (of a trace record; 0 for log records).
    count: u32,
}

/// What the index knows of a trace without reading it.
#[derive(Clone, Debug, Default)]
pub struct TraceEntry {
    pub pieces: Vec<Piece>,
    pub start_ns: u64,
    pub end_ns: u64,
    pub spans: u64,
    /// The root span's service and name, once it has arrived.
    pub root: Option<(String, String)>,
}

/// Log records' place and time range, per trace.
#[derive(Clone, Copy, Debug)]
pub struct LogRef {
    pub piece: Piece,
    pub start_ns: u64,
    pub end_ns: u64,
}

/// A value as Tempo types it (`string`, `int`, `float`, `bool`) and its text.
pub type TypedValue = (&'static str, String);

/// An attribute seen: scope (`resource`, `span`), key and value if worth
/// suggesting.
pub type TagSeen = (&'static str, String, Option<TypedValue>);

/// Tag names per scope (`resource`, `span`) and some of their values, typed
/// as Tempo types them (`string`, `int`, `float`, `bool`).
#[derive(Default)]
pub struct Tags {
    pub scopes: BTreeMap<&'static str, BTreeMap<String, BTreeSet<TypedValue>>>,
}

impl Tags {
    pub fn add(&mut self, scope: &'static str, key: &str, value: Option<TypedValue>) {
        let tags = self.scopes.entry(scope).or_default();
        // Every attribute of every span comes here: a key seen before is
        // looked up, not copied.
        if !tags.contains_key(key) {
            if tags.len() >= TAGS_PER_SCOPE {
                return;
            }
            tags.insert(key.to_owned(), BTreeSet::new());
        }
        let values = tags.get_mut(key).expect("there");
        if let Some(value) = value {
            if values.len() < VALUES_PER_TAG {
                values.insert(value);
            }
        }
    }
}

#[derive(Debug)]
struct Segment {
    kind: Kind,
    path: PathBuf,
    bytes: u64,
}

/// The file being appended to, per kind.
struct Open {
    number: u32,
    file: File,
    len: u64,
}

#[derive(Default)]
struct Inner {
    segments: BTreeMap<u32, Segment>,
    /// The segment being appended to, per kind (`Kind as usize`).
    open: [Option<Open>; 2],
    traces: HashMap<TraceKey, TraceEntry>,
    logs: HashMap<TraceKey, Vec<LogRef>>,
    tags: Tags,
    total_bytes: u64,
}

/// The data folder and its index. Writes are serialised by one lock, held
/// while a request's records are appended and indexed.
pub struct Store {
    dir: PathBuf,
    limit: u64,
    segment_bytes: u64,
    inner: Mutex<Inner>,
}

/// What replaying the folder found, for the start-up log.
#[derive(Debug, Default)]
pub struct Replayed {
    pub log_records: u64,
    pub bytes: u64,
    /// Sentences about damage found and repaired.
    pub notes: Vec<String>,
}

impl Store {
    /// Opens `dir` (creating it), replaying every segment in it.
    pub fn open(dir: &Path, limit: u64) -> io::Result<(Self, Replayed)> {
        fs::create_dir_all(dir)?;
        let store = Self {
            dir: dir.to_owned(),
            limit,
            segment_bytes: (limit / 8).clamp(SEGMENT_BYTES.0, SEGMENT_BYTES.1),
            inner: Mutex::new(Inner::default()),
        };
        let replayed = store.replay()?;
        Ok((store, replayed))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn replay(&self) -> io::Result<Replayed> {
        let mut found = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            let path = entry?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let Some((number, suffix)) = name.split_once('.') else {
                continue;
            };
            let kind = match suffix {
                "traces.binpb" => Kind::Traces,
                "logs.binpb" => Kind::Logs,
                _ => continue,
            };
            if let Ok(number) = number.parse::<u32>() {
                found.push((number, kind, path));
            }
        }
        found.sort_by_key(|(number, ..)| *number);
        let mut replayed = Replayed::default();
        let mut inner = self.inner.lock().unwrap();
        for (number, kind, path) in found {
            // As long as the file says it is: a device standing in for a
            // file (a test's /dev/full) has nothing to replay.
            let mut bytes = Vec::new();
            File::open(&path)?
                .take(fs::metadata(&path)?.len())
                .read_to_end(&mut bytes)?;
            let mut at = 0usize;
            while at < bytes.len() {
                let Some(prefix) = bytes.get(at..at + 4) else {
                    break;
                };
                let len = u32::from_be_bytes(prefix.try_into().unwrap()) as usize;
                let Some(message) = bytes.get(at + 4..at + 4 + len) else {
                    break;
                };
                let piece = Piece {
                    segment: number,
                    offset: (at + 4) as u64,
                    len: len as u32,
                    count: 0,
                };
                let indexed = match kind {
                    Kind::Traces => TracesData::decode(message).ok().map(|data| {
                        for (key, part) in trace_pieces(data) {
                            inner.index_trace(key, piece, &part);
                        }
                    }),
                    Kind::Logs => LogsData::decode(message).ok().map(|data| {
                        for (key, part) in log_pieces(data) {
                            replayed.log_records += part.records;
                            inner.index_logs(key, piece, &part);
                        }
                    }),
                };
                if indexed.is_none() {
                    break;
                }
                at += 4 + len;
            }
            if at < bytes.len() {
                replayed.notes.push(format!(
                    "{}: the last {} bytes are not a whole record (the server stopped while \
                     writing them, before acknowledging them); kept the {at} bytes before",
                    path.display(),
                    bytes.len() - at
                ));
                OpenOptions::new()
                    .write(true)
                    .open(&path)?
                    .set_len(at as u64)?;
            }
            replayed.bytes += at as u64;
            inner.total_bytes += at as u64;
            inner.segments.insert(
                number,
                Segment {
                    kind,
                    path,
                    bytes: at as u64,
                },
            );
        }
        Ok(replayed)
    }

    /// Appends one request's trace records and indexes them; returns only
    /// once the bytes are written to the file. Nothing is indexed when the
    /// write fails (the file is cut back to where it was).
    pub fn append_traces(&self, parts: Vec<(TraceKey, TracePiece)>) -> io::Result<Vec<String>> {
        let messages = parts.iter().map(|(_, p)| p.data.encode_to_vec()).collect();
        self.append(Kind::Traces, messages, |inner, pieces| {
            for ((key, part), piece) in parts.iter().zip(pieces) {
                inner.index_trace(*key, piece, part);
            }
        })
    }

    /// Appends one request's log records and indexes them.
    pub fn append_logs(&self, parts: Vec<(TraceKey, LogPiece)>) -> io::Result<Vec<String>> {
        let messages = parts.iter().map(|(_, p)| p.data.encode_to_vec()).collect();
        self.append(Kind::Logs, messages, |inner, pieces| {
            for ((key, part), piece) in parts.iter().zip(pieces) {
                inner.index_logs(*key, piece, part);
            }
        })
    }

    /// Writes `messages`, has `index` note their places, and keeps the
    /// folder under the limit (a sentence for each file removed).
    fn append(
        &self,
        kind: Kind,
        messages: Vec<Vec<u8>>,
        index: impl FnOnce(&mut Inner, Vec<Piece>),
    ) -> io::Result<Vec<String>> {
        let mut inner = self.inner.lock().unwrap();
        let pieces = inner.append(&self.dir, self.segment_bytes, kind, messages)?;
        index(&mut inner, pieces);
        Ok(inner.keep_under(self.limit))
    }

    /// The index entry of a trace.
    pub fn trace(&self, key: &TraceKey) -> Option<TraceEntry> {
        self.inner.lock().unwrap().traces.get(key).cloned()
    }

    /// Every trace whose time overlaps `[from_ns, to_ns]`, newest first
    /// (a search reads the entries of those it gets to, not of all).
    pub fn traces_between(&self, from_ns: u64, to_ns: u64) -> Vec<TraceKey> {
        let inner = self.inner.lock().unwrap();
        let mut found: Vec<(u64, TraceKey)> = inner
            .traces
            .iter()
            .filter(|(_, t)| t.end_ns >= from_ns && t.start_ns <= to_ns)
            .map(|(k, t)| (t.start_ns, *k))
            .collect();
        found.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        found.into_iter().map(|(_, key)| key).collect()
    }

    /// Log records' places: of one trace, or of every record in range.
    pub fn logs(&self, trace: Option<&TraceKey>, from_ns: u64, to_ns: u64) -> Vec<LogRef> {
        let inner = self.inner.lock().unwrap();
        let overlaps = |r: &&LogRef| r.end_ns >= from_ns && r.start_ns <= to_ns;
        match trace {
            Some(key) => inner
                .logs
                .get(key)
                .map(|refs| refs.iter().filter(overlaps).copied().collect())
                .unwrap_or_default(),
            None => inner
                .logs
                .values()
                .flatten()
                .filter(overlaps)
                .copied()
                .collect(),
        }
    }

    /// Calls `f` with the tags seen so far.
    pub fn with_tags<T>(&self, f: impl FnOnce(&Tags) -> T) -> T {
        f(&self.inner.lock().unwrap().tags)
    }

    /// Spans and traces held, for the log.
    pub fn counts(&self) -> (usize, u64) {
        let inner = self.inner.lock().unwrap();
        (
            inner.traces.len(),
            inner.traces.values().map(|t| t.spans).sum(),
        )
    }

    /// The bytes of a record; `None` when its segment was removed since.
    pub fn read(&self, piece: Piece) -> Option<Vec<u8>> {
        let path = self
            .inner
            .lock()
            .unwrap()
            .segments
            .get(&piece.segment)?
            .path
            .clone();
        let mut bytes = vec![0; piece.len as usize];
        File::open(path)
            .and_then(|f| f.read_exact_at(&mut bytes, piece.offset))
            .ok()?;
        Some(bytes)
    }
}

impl Inner {
    /// Writes `messages` with their length prefixes in one write; their
    /// places.
    fn append(
        &mut self,
        dir: &Path,
        segment_bytes: u64,
        kind: Kind,
        messages: Vec<Vec<u8>>,
    ) -> io::Result<Vec<Piece>> {
        let size: u64 = messages.iter().map(|m| 4 + m.len() as u64).sum();
        if self.open[kind as usize]
            .as_ref()
            .is_none_or(|o| o.len > 0 && o.len + size > segment_bytes)
        {
            self.begin_segment(dir, segment_bytes, kind)?;
        }
        let open = self.open[kind as usize]
            .as_mut()
            .expect("a segment was just opened");
        let mut buffer = Vec::with_capacity(size as usize);
        let mut pieces = Vec::with_capacity(messages.len());
        for message in &messages {
            buffer.extend_from_slice(&(message.len() as u32).to_be_bytes());
            pieces.push(Piece {
                segment: open.number,
                offset: open.len + buffer.len() as u64,
                len: message.len() as u32,
                count: 0,
            });
            buffer.extend_from_slice(message);
        }
        if let Err(error) = open.file.write_all(&buffer) {
            // Whatever part was written is not a whole record: cut it off
            // so the file stays a clean stream.
            let _ = open.file.set_len(open.len);
            return Err(error);
        }
        open.len += size;
        let number = open.number;
        self.total_bytes += size;
        if let Some(segment) = self.segments.get_mut(&number) {
            segment.bytes += size;
        }
        Ok(pieces)
    }

    /// Continues the newest segment of `kind` if it has room, else starts
    /// a new one numbered after every other.
    fn begin_segment(&mut self, dir: &Path, segment_bytes: u64, kind: Kind) -> io::Result<()> {
        // Only on start (nothing open yet) is an earlier segment continued.
        let reopen = match self.open[kind as usize] {
            None => self
                .segments
                .iter()
                .rev()
                .find(|(_, s)| s.kind == kind)
                .filter(|(_, s)| s.bytes < segment_bytes),
            Some(_) => None,
        };
        let (number, path) = match reopen {
            Some((number, segment)) => (*number, segment.path.clone()),
            None => {
                let number = self.segments.keys().next_back().map_or(1, |n| n + 1);
                (number, dir.join(format!("{number:06}.{}", kind.suffix())))
            }
        };
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        let len = self.segments.get(&number).map_or(0, |s| s.bytes);
        self.segments.entry(number).or_insert(Segment {
            kind,
            path,
            bytes: 0,
        });
        self.open[kind as usize] = Some(Open { number, file, len });
        Ok(())
    }

    fn index_trace(&mut self, key: TraceKey, piece: Piece, part: &TracePiece) {
        let summary = &part.summary;
        let entry = self.traces.entry(key).or_insert_with(|| TraceEntry {
            start_ns: u64::MAX,
            ..TraceEntry::default()
        });
        entry.pieces.push(Piece {
            count: summary.spans as u32,
            ..piece
        });
        entry.start_ns = entry.start_ns.min(summary.start_ns);
        entry.end_ns = entry.end_ns.max(summary.end_ns);
        entry.spans += summary.spans;
        if summary.root.is_some() {
            entry.root.clone_from(&summary.root);
        }
        for (scope, key, value) in &part.tags {
            self.tags.add(scope, key, value.clone());
        }
    }

    fn index_logs(&mut self, key: TraceKey, piece: Piece, part: &LogPiece) {
        self.logs.entry(key).or_default().push(LogRef {
            piece,
            start_ns: part.start_ns,
            end_ns: part.end_ns,
        });
    }

    /// Removes the oldest segments (never one being written) until the
    /// folder is under `limit`; a sentence for each removed.
    fn keep_under(&mut self, limit: u64) -> Vec<String> {
        let mut removed = Vec::new();
        let writing = self.open.each_ref().map(|o| o.as_ref().map(|o| o.number));
        while self.total_bytes > limit {
            let Some(number) = self
                .segments
                .keys()
                .copied()
                .find(|n| !writing.contains(&Some(*n)))
            else {
                break;
            };
            let segment = self.segments.remove(&number).expect("listed");
            if let Err(error) = fs::remove_file(&segment.path) {
                removed.push(format!(
                    "could not remove {}: {error}",
                    segment.path.display()
                ));
            }
            self.total_bytes -= segment.bytes;
            let (traces_before, mut spans) = (self.traces.len(), 0u64);
            self.traces.retain(|_, t| {
                t.pieces.retain(|p| {
                    let keep = p.segment != number;
                    if !keep {
                        t.spans -= u64::from(p.count);
                        spans += u64::from(p.count);
                    }
                    keep
                });
                !t.pieces.is_empty()
            });
            self.logs.retain(|_, refs| {
                refs.retain(|r| r.piece.segment != number);
                !refs.is_empty()
            });
            removed.push(format!(
                "removed {} ({} bytes, the oldest) to keep the data folder under --max-data-size \
                 ({limit} bytes): {spans} spans are no longer kept, {} traces gone whole",
                segment.path.display(),
                segment.bytes,
                traces_before - self.traces.len(),
            ));
        }
        removed
    }
}
