//! Getting bytes into tracelens-core: picked or dropped files, and `?trace=URL`.

use std::sync::Arc;

use js_sys::Uint8Array;
use leptos::prelude::{GetUntracked, Set, Update, WithUntracked};
use tracelens_core::analysis::breakdown::{analyze, Breakdown, GroupBy, TraceAnalysis};
use tracelens_core::analysis::critical_path::PathSearch;
use tracelens_core::logs::{looks_like_logs, LogFields, LogSet};
use tracelens_core::summary::Summaries;
use tracelens_core::{TraceSetBuilder, TraceSummary};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, Response};

use crate::slices::{read_slice, Slices, SLICE_BYTES};
use crate::state::{AppState, Opened, Shared};
use crate::stored;

/// Bytes of JSON Lines logs read between two frames: small enough that the
/// page keeps painting, big enough that yielding costs little.
const LOG_STEP_BYTES: usize = 1 << 20;

/// Reads every file, shows the traces of those that could be read, and
/// reports the others by name. Says of each file whether it was read.
pub async fn load_files(state: AppState, files: Vec<File>) -> Vec<bool> {
    let mut read_ok = vec![false; files.len()];
    if files.is_empty() {
        return read_ok;
    }
    let source = match files.as_slice() {
        [one] => one.name(),
        many => format!("{} files", many.len()),
    };
    state.errors.set(Vec::new());
    mark("tracelens:read");
    let mut builder = TraceSetBuilder::default();
    let mut errors = Vec::new();
    let mut read_any = false;
    let mut logs = Vec::new();
    let mut trace_files = Vec::new();
    let mut first_seen = std::collections::HashMap::new();
    // What is on screen now, back on screen if a partial view was shown
    // and nothing could be read in the end.
    let before = state.on_screen();
    let mut partial_shown = false;
    for (place, file) in files.iter().enumerate() {
        state.loading.set(Some(format!(
            "Reading {} ({})…",
            file.name(),
            size(file.size())
        )));
        // A big plain trace file is read while it arrives (the rest of the
        // file comes from disk meanwhile); anything else once it is whole.
        // The first big file is shown in part while the rest is read, if
        // that will take long (see `Pace`).
        let partial = (!partial_shown && file.size() >= PARTIAL_FROM_BYTES).then(|| source.clone());
        let first = read_first(file, partial.is_some()).await;
        let arriving = first
            .as_ref()
            .is_ok_and(|first| (first.len() as f64) < file.size() && !looks_like_logs(first));
        let first = match first {
            Ok(first) if arriving => {
                let partial = partial.filter(|_| builder.span_total() == 0);
                partial_shown |= partial.is_some();
                match add_arriving(state, &mut builder, file, first, partial).await {
                    Ok(()) => {
                        read_any = true;
                        read_ok[place] = true;
                        traces_read_from(&builder, file.name(), &mut trace_files, &mut first_seen);
                    }
                    Err(error) => errors.push(format!("{}: {error}", file.name())),
                }
                continue;
            }
            other => other,
        };
        // gzip/zstd is undone by core, a step at a time.
        let read = match first {
            Ok(first) => read_rest(file, first).await,
            Err(error) => Err(error),
        };
        match read {
            // Logs are told from traces by their bytes, like every format.
            Ok(bytes) if looks_like_logs(&bytes) => {
                read_ok[place] = true;
                logs.push((file.name(), bytes));
            }
            Ok(bytes) => match add_in_steps(state, &mut builder, bytes, &file.name()).await {
                Ok(()) => {
                    read_any = true;
                    read_ok[place] = true;
                    traces_read_from(&builder, file.name(), &mut trace_files, &mut first_seen);
                }
                Err(error) => errors.push(format!("{}: {error}", file.name())),
            },
            Err(error) => errors.push(format!("{}: cannot be read: {error}", file.name())),
        }
    }
    if read_any {
        let set = join(state, builder).await;
        measure("tracelens:ingest", "tracelens:read");
        // A big set gets frames between the steps of analysing it; for a
        // small one the frames would cost more than they give.
        let big = set.span_count() > BIG_SET_SPANS;
        let found = match (big, set.traces.first()) {
            (true, Some(trace)) => Some(analyse_in_steps(state, &set, trace).await),
            _ => None,
        };
        let summaries = match big {
            true => Some(summarise_in_steps(&set).await),
            false => None,
        };
        let prepared = state.prepare(&set, found);
        // The view is built in a task of its own, a small set's too: read,
        // joined and shown in one task, a 10k-span file held the page for
        // a frame of 64–72 ms.
        next_frame().await;
        state.show_files(
            set,
            source,
            trace_files,
            first_seen.into_iter().collect(),
            prepared,
            summaries,
        );
    }
    if partial_shown && !read_any {
        state.restore(before);
    }
    if read_any && logs.is_empty() {
        // The logs beside other traces (the sample's) are not these traces'.
        state.logs.set(None);
    }
    if !logs.is_empty() {
        // Logs read with traces replace the old ones; logs dropped alone
        // join the traces already open.
        let base = match read_any {
            true => LogSet::default(),
            false => current_logs(state),
        };
        let set = read_logs(state, base, logs, &mut errors).await;
        state.logs.set(Some(Shared::new(set)));
    }
    state.errors.set(errors);
    state.loading.set(None);
    read_ok
}

/// Opens `new` files beside those the user opened before (the sample
/// gives way to them), keeps them in this browser and reads them all:
/// spans of one trace join across files as they do in one drop.
pub async fn open_more(state: AppState, new: Vec<File>) {
    let mut opened = state.opened.get_untracked();
    let before = opened.len();
    for file in new {
        // The same file dropped again is read once.
        let same = |o: &Opened| {
            o.file.name() == file.name()
                && o.file.size() == file.size()
                && o.file.last_modified() == file.last_modified()
        };
        if !opened.iter().any(same) {
            opened.push(Opened {
                file,
                kept_as: None,
            });
        }
    }
    if opened.len() > before {
        open_these(state, opened).await;
    }
}

/// Closes the file at `place` of those opened, reading the rest again.
pub async fn close_file(state: AppState, place: usize) {
    let mut opened = state.opened.get_untracked();
    if place < opened.len() {
        opened.remove(place);
    }
    match opened.is_empty() {
        true => forget_all(state).await,
        false => open_these(state, opened).await,
    }
}

/// Forgets every opened file (here and in this browser's storage) and
/// shows the sample again.
pub async fn forget_all(state: AppState) {
    state.opened.set(Vec::new());
    if let Err(error) = stored::forget().await {
        state.errors.set(vec![format!(
            "The kept files could not be removed: {error}"
        )]);
    }
    state.logs.set(None);
    load_sample(state).await;
}

/// Opens the files kept from an earlier visit; `false` when there are none.
pub async fn open_kept(state: AppState) -> bool {
    match stored::kept().await {
        Ok(kept) if kept.is_empty() => false,
        Ok(kept) => {
            open_these(state, kept).await;
            true
        }
        Err(error) => {
            state.errors.set(vec![format!(
                "The files kept from the last visit are gone: {error}"
            )]);
            false
        }
    }
}

/// The bundled sample and its log lines (or `?logs=URL`'s), then the
/// sample read again while the page waits for a file ([`warm_up`]).
pub async fn load_sample(state: AppState) {
    let sample = load_url(state, SAMPLE.to_owned()).await;
    let logs =
        crate::address::param(tracelens_view::url::LOGS).unwrap_or_else(|| SAMPLE_LOGS.to_owned());
    load_logs_url(state, logs).await;
    if let Some(sample) = sample {
        warm_up(state, sample).await;
    }
}

/// Reads, joins, analyses and summarises the sample's bytes again, as a
/// file is, [`WARM_UP_ROUNDS`] times, a round a task, and stops for good
/// once anything else is being loaded or has been shown. (Looking only at
/// whether a load is under way, a run of the e2e suite with the processor
/// slowed twentyfold had every round run, to 0.7 s after a small file's
/// reading began; the likely cause, a file read whole between two looks,
/// is not seen by the rounds that way.)
///
/// The browser first runs WebAssembly in code compiled fast and plain,
/// and compiles a function's optimised code only once it has run for a
/// while: core's ingest alone took 40–90 ms more the first time than the
/// times after (in Chromium, the bench's 100k files; no more once the
/// browser is told to compile all of it optimised at once). A page's
/// load, spread over frames, is optimised meanwhile, so it gains less:
/// the bench's 100k OTLP/JSON came whole some 10–60 ms sooner. The first file
/// is read in optimised code if the user gives it more than a blink
/// after the sample is shown.
async fn warm_up(state: AppState, sample: Vec<u8>) {
    let group_by = state.group_by.get_untracked();
    let on_screen = || state.loaded.with_untracked(|l| l.as_ref().map(Arc::as_ptr));
    let sample_shown = on_screen();
    mark("tracelens:warm-up");
    for _ in 0..WARM_UP_ROUNDS {
        next_frame().await;
        if state.loading.get_untracked().is_some() || on_screen() != sample_shown {
            break;
        }
        let mut builder = TraceSetBuilder::default();
        let Ok(mut load) = builder.start(sample.clone()) else {
            break;
        };
        let read = loop {
            if let Some(outcome) = builder.advance(&mut load, TRACE_STEP_BYTES) {
                break outcome;
            }
        };
        if read.is_err() {
            break;
        }
        let set = builder.finish();
        for trace in &set.traces {
            analyze(&set, trace, &group_by);
            TraceSummary::of(&set, trace);
        }
    }
    measure("tracelens:warm-up", "tracelens:warm-up");
}

/// Rounds of [`warm_up`].
const WARM_UP_ROUNDS: usize = 100;

/// The bundled sample, shown when the page is opened with nothing else.
const SAMPLE: &str = "sample.otlp.json";
/// The sample run's log lines, opened beside it.
const SAMPLE_LOGS: &str = "sample.logs.jsonl";

/// Reads `opened` as the user's files: those read stay opened and are
/// kept in this browser (a file that could not be read is dropped).
async fn open_these(state: AppState, opened: Vec<Opened>) {
    let files = opened.iter().map(|o| o.file.clone()).collect();
    let read = load_files(state, files).await;
    if !read.contains(&true) {
        return;
    }
    let mut opened: Vec<Opened> = opened
        .into_iter()
        .zip(read)
        .filter_map(|(o, read)| read.then_some(o))
        .collect();
    state.opened.set(opened.clone());
    // Kept once the trace is on screen: opening the browser's storage
    // took a few milliseconds of the frame that showed it.
    after_paint().await;
    let kept = stored::keep(&mut opened).await;
    // Where each is kept, unless other files were opened meanwhile.
    state.opened.update(|now| {
        let same = |a: &Opened, b: &Opened| {
            a.file.name() == b.file.name() && a.file.size() == b.file.size()
        };
        if now.len() == opened.len() && now.iter().zip(&opened).all(|(a, b)| same(a, b)) {
            *now = opened;
        }
    });
    if let Err(error) = kept {
        state.errors.update(|errors| {
            errors.push(format!(
                "These files are shown but not kept for a reload: {error}"
            ))
        });
    }
}

/// Spans from which a set is analysed and summarised in steps, with turns
/// of the page between them (at 100k spans each takes a few tens of
/// milliseconds at once).
const BIG_SET_SPANS: usize = 250_000;
/// Span-stages of joining in one piece of work; pieces go on until a
/// frame's worth of time has passed, so a piece is what a frame can run
/// over by. At five million spans a piece of 40,000 took 8–10 ms natively
/// while moving, indexing and linking, and 31 ms where indexing began (the
/// index's memory touched for the first time).
const JOIN_STEP_SPANS: usize = 10_000;
/// Spans' worth of the critical-path search in one piece of work.
const PATH_STEP_SPANS: usize = 50_000;
/// Spans' worth of finding self times and adding up the breakdown in one
/// piece of work.
const BREAKDOWN_STEP_SPANS: usize = 50_000;
/// Spans summarised for the trace list in one piece of work.
const SUMMARY_STEP_SPANS: usize = 200_000;

/// The analysis of `set`'s `trace` by the current grouping (given with
/// it): its main root's critical path, then the breakdown with the
/// spans' self times, a frame's worth of bounded steps at a time, then a
/// frame before the view.
async fn analyse_in_steps(
    state: AppState,
    set: &tracelens_core::TraceSet,
    trace: &tracelens_core::Trace,
) -> (GroupBy, TraceAnalysis) {
    state
        .loading
        .set(Some("Finding the critical path…".to_owned()));
    let mut search = PathSearch::new(trace.main_root());
    let path = until_done(|| search.step(trace, PATH_STEP_SPANS)).await;
    state
        .loading
        .set(Some("Adding up where the time goes…".to_owned()));
    let group_by = state.group_by.get_untracked();
    let mut adding = Breakdown::new(set, trace, &group_by, path);
    until_done(|| adding.step(set, trace, BREAKDOWN_STEP_SPANS).then_some(())).await;
    next_frame().await;
    (group_by, adding.finish(trace))
}

/// The summaries of `set`'s traces for the trace list, a frame's worth of
/// bounded steps at a time.
async fn summarise_in_steps(set: &tracelens_core::TraceSet) -> Vec<TraceSummary> {
    let mut summaries = Summaries::default();
    until_done(|| summaries.step(set, SUMMARY_STEP_SPANS)).await
}

/// Runs `step` until it gives its outcome, each step after a turn of the
/// page if one is due (the first step too).
async fn until_done<T>(mut step: impl FnMut() -> Option<T>) -> T {
    loop {
        turn_if_due().await;
        if let Some(done) = step() {
            return done;
        }
    }
}

/// Joins the spans read into traces, a frame's worth at a time, showing
/// progress.
async fn join(state: AppState, builder: TraceSetBuilder) -> tracelens_core::TraceSet {
    let mut finishing = builder.finishing();
    loop {
        if turn_due() {
            state.progress.set(Some(finishing.progress()));
            state.loading.set(Some(format!(
                "Joining spans into traces: {:.0} %",
                finishing.progress() * 100.0
            )));
            next_frame().await;
        }
        if finishing.step(JOIN_STEP_SPANS) {
            break;
        }
    }
    state.progress.set(None);
    finishing.finish()
}

/// Whether a frame's worth of time has passed since the browser last
/// began a frame ([`watch_frames`]), or, where it draws none (a hidden
/// tab), since the page last gave it a turn.
///
/// Counted from a frame the browser began, not from a turn the page gave
/// it: a turn is a task of its own, and the browser draws a frame between
/// two tasks only when one is due, so counting from turns let two
/// frames' worth of reading (a slice arrived from disk, then the rest of
/// a step) into one frame: 50–67 ms between frames at a million spans.
fn turn_due() -> bool {
    let now = js_sys::Date::now();
    watch_frames(now);
    let frame = FRAME_BEGAN.get();
    let since = match now - frame < FRAMES_STOPPED_MS {
        true => frame,
        false => TURN_ENDED.get(),
    };
    now - since >= FRAME_BUDGET_MS
}

/// A browser that began no frame for this long is drawing none (a hidden
/// tab): the budget then counts from the page's turns.
const FRAMES_STOPPED_MS: f64 = 250.0;

/// Notes when the browser begins each frame ([`FRAME_BEGAN`]) while the
/// page asks whether a turn is due, and for a second after it last asked.
fn watch_frames(now: f64) {
    ASKED.set(now);
    if WATCHING.replace(true) {
        return;
    }
    fn next() {
        leptos::prelude::request_animation_frame(|| {
            let now = js_sys::Date::now();
            FRAME_BEGAN.set(now);
            match now - ASKED.get() < 1_000.0 {
                true => next(),
                false => WATCHING.set(false),
            }
        });
    }
    next();
}

/// Gives the browser a turn if one is due ([`turn_due`]).
async fn turn_if_due() {
    if turn_due() {
        next_frame().await;
    }
}

/// Bytes of a trace input read in one step (a millisecond or two; the
/// first steps of a load, in code the browser has not optimised yet, took
/// up to 20 ms at 256 KB).
const TRACE_STEP_BYTES: usize = 128 << 10;
/// The first steps of reading an input are this small: they run in code
/// the browser compiles as it is first called, and a first step of 128 KB
/// held its task for 32-48 ms (14-20 ms at 8 KB; the longest frame gap of
/// three loads each of the 1M protobuf file and gen_trace.py's 100k Jaeger
/// JSON 67-83 ms before, 50 ms or less after).
const COLD_STEP_BYTES: usize = 8 << 10;
/// Steps of an input read [`COLD_STEP_BYTES`] at a time.
const COLD_STEPS: usize = 16;
/// Reading goes on until this long after the browser last began a frame:
/// with the frame it then draws (a few milliseconds) the next one mostly
/// begins on the display's second beat, 33 ms on. At 35 ms it began on
/// the third, 50 ms on, and a step that ran long made it the fourth: in
/// three loads of each million-span file (OTLP/JSON, protobuf), 7-12
/// gaps of 50 ms or more a load against 0-4 now, the whole trace on
/// screen in about the same time.
const FRAME_BUDGET_MS: f64 = 28.0;

/// Adds one input to `builder` in steps, showing progress and yielding to
/// the browser between them.
async fn add_in_steps(
    state: AppState,
    builder: &mut TraceSetBuilder,
    bytes: Vec<u8>,
    name: &str,
) -> Result<(), tracelens_core::IngestError> {
    let mut load = builder.start(bytes)?;
    let mut steps = 0;
    loop {
        if let Some(outcome) = read_for_a_frame(state, builder, &mut load, &mut steps) {
            return outcome;
        }
        make_room(builder).await;
        show_reading(state, name, &load);
        next_frame().await;
    }
}

/// Reads `load` in steps until a turn of the browser is due
/// ([`turn_due`]), or it needs bytes still to come; its outcome once it
/// is done.
///
/// The time counts from the last frame, not from this call: a slice of
/// the file that has already arrived resumes reading at once, in the same
/// task, and two slices' reading in one task held frames for 50–60 ms.
fn read_for_a_frame(
    state: AppState,
    builder: &mut TraceSetBuilder,
    load: &mut tracelens_core::ingest::TraceLoad,
    steps: &mut usize,
) -> Option<Result<(), tracelens_core::IngestError>> {
    // A step at least: a small input is then read in the task that opens
    // it, not after a turn of the page.
    loop {
        let bytes = match *steps < COLD_STEPS {
            true => COLD_STEP_BYTES,
            false => TRACE_STEP_BYTES,
        };
        *steps += 1;
        if let Some(outcome) = builder.advance(load, bytes) {
            state.progress.set(None);
            return Some(outcome);
        }
        if load.wants_input() || turn_due() || builder.room_wanted() {
            return None;
        }
    }
}

/// Makes the room the spans still to come want
/// ([`TraceSetBuilder::room_wanted`]) at the start of a frame: growing the
/// WebAssembly memory by a hundred megabytes sets off a full garbage
/// collection of the page (17–36 ms), which in the middle of a turn of
/// reading held a frame for 67–100 ms.
async fn make_room(builder: &mut TraceSetBuilder) {
    if builder.room_wanted() {
        after_paint().await;
        builder.make_room();
    }
}

/// Shows how far reading `name` is.
fn show_reading(state: AppState, name: &str, load: &tracelens_core::ingest::TraceLoad) {
    let done = load.progress();
    state.progress.set(Some(done));
    state
        .loading
        .set(Some(format!("Reading {name}: {:.0} %", done * 100.0)));
}

/// Notes that the file `name` was read: the traces first seen in it
/// belong to it.
fn traces_read_from(
    builder: &TraceSetBuilder,
    name: String,
    trace_files: &mut Vec<String>,
    first_seen: &mut std::collections::HashMap<tracelens_core::TraceId, u32>,
) {
    let index = trace_files.len() as u32;
    for id in builder.trace_ids() {
        first_seen.entry(id).or_insert(index);
    }
    trace_files.push(name);
}

/// Reads a file into `builder` while it arrives: the next slice is being
/// read from disk while the bytes already there are read as traces, a
/// frame's worth at a time.
///
/// With `partial` (the source's name), the spans read so far are shown as
/// a partial view while the rest is read, as soon as its [`Pace`] says the
/// rest will take long.
async fn add_arriving(
    state: AppState,
    builder: &mut TraceSetBuilder,
    file: &File,
    first: Vec<u8>,
    mut partial: Option<String>,
) -> Result<(), String> {
    let mut slices = Slices::new(file, first.len() as f64);
    let mut load = builder.start_arriving(first, file.size() as usize);
    let mut steps = 0;
    let mut pace = Pace::new(file.size());
    loop {
        if let Some(outcome) = read_for_a_frame(state, builder, &mut load, &mut steps) {
            return outcome.map_err(|e| e.to_string());
        }
        let due = |_: &mut String| {
            builder.span_total() > 0 && pace.long_to_go(load.progress(), js_sys::Date::now())
        };
        if let Some(source) = partial.take_if(due) {
            // The first view is built, laid out and painted in tasks of
            // its own, after the frame of the first reading is painted:
            // after a bare turn the two (the reading in code the browser
            // has not optimised yet) still shared a frame of 104–145 ms.
            // The spans read so far are joined in a task of their own
            // too: where the pace decides, tens of thousands of them.
            after_paint().await;
            let set = builder.provisional();
            next_frame().await;
            state.show_partial(set, source);
            after_paint().await;
        }
        make_room(builder).await;
        show_reading(state, &file.name(), &load);
        if !load.wants_input() {
            next_frame().await;
            continue;
        }
        match slices.next().await {
            Some(slice) => {
                let slice = slice?;
                load.append_with(slice.length() as usize, |room| slice.copy_to(room));
                if slices.done() {
                    load.complete().map_err(|e| e.to_string())?;
                }
            }
            None => load.complete().map_err(|e| e.to_string())?,
        }
    }
}

/// How fast an input is being read: whether the rest of it will take long
/// enough to be worth a partial view.
///
/// A partial view costs a load its own view, built, laid out and painted
/// (the bench's 100k spans of protobuf were whole 20–40 ms later with
/// one, in about 0.2 s, as OTLP/JSON not clearly later; on the slower
/// machine of the stop before, either about 60 ms later, in 0.3–0.4 s),
/// and for a file read in a blink it shows for a quarter of a second
/// before the whole trace replaces it, its rows, breakdown and critical
/// path changing under the user's eyes. So below [`PARTIAL_AT_ONCE_BYTES`]
/// it is shown only where the rest will take longer than
/// [`PARTIAL_WHEN_MS`], measured rather than guessed from the file's size,
/// since a processor slower or busier than this one takes longer over the
/// same bytes. Above, it is shown at once: by the time the pace is known,
/// tens of thousands of spans are read, and a partial view of them held a
/// million-span file's page for a frame of 50–83 ms, where one of its
/// first 556 took 33.
struct Pace {
    /// The input's length in bytes.
    length: f64,
    /// When reading had passed the first [`PACE_FROM_BYTES`], and its
    /// progress then.
    from: Option<(f64, f64)>,
}

impl Pace {
    fn new(length: f64) -> Self {
        Self { length, from: None }
    }

    /// Whether reading the rest at the pace since the first
    /// [`PACE_FROM_BYTES`] would take longer than [`PARTIAL_WHEN_MS`],
    /// `done` being the part read and `now` the time in ms. False until the
    /// pace has been measured for [`PACE_OVER_MS`]. The first bytes do not
    /// count: they are read while the browser still compiles the code and
    /// the first slices come from disk (the bench's 100k spans of OTLP/JSON
    /// 2 % in the first 45 ms, then 9 % in the next 15).
    fn long_to_go(&mut self, done: f64, now: f64) -> bool {
        if self.length >= PARTIAL_AT_ONCE_BYTES {
            return true;
        }
        let Some((then, done_then)) = self.from else {
            if done * self.length >= PACE_FROM_BYTES {
                self.from = Some((now, done));
            }
            return false;
        };
        let over = now - then;
        over >= PACE_OVER_MS && (1.0 - done) * over > (done - done_then) * PARTIAL_WHEN_MS
    }
}

/// A partial view is shown for an input whose rest is due to take longer
/// than this to read: the whole trace then comes later than about 0.7 s
/// (joined, analysed and drawn after). On this project's two-core machine
/// the bench's 100k-span files (0.1–0.4 s to go after their first
/// megabyte, whole in 0.2–0.35 s) and 300k spans of protobuf (57 MB,
/// whole in 0.45 s) are shown whole; the corpus's 15 MB file, the
/// processor slowed twentyfold, in part.
const PARTIAL_WHEN_MS: f64 = 500.0;
/// An input this long is shown in part as soon as spans of it are read:
/// 140k spans of the bench's OTLP/JSON or 350k of its protobuf, whole in
/// about 0.4 and 0.5 s on this project's machine, more on a slower one.
const PARTIAL_AT_ONCE_BYTES: f64 = 64.0 * 1024.0 * 1024.0;
/// The pace is measured from this far into an input...
const PACE_FROM_BYTES: f64 = 1024.0 * 1024.0;
/// ...over at least this long: about a frame's worth of reading.
const PACE_OVER_MS: f64 = 30.0;

/// A copy of the loaded logs to add to.
pub fn current_logs(state: AppState) -> LogSet {
    state
        .logs
        .get_untracked()
        .map(|logs| (*logs.0).clone())
        .unwrap_or_default()
}

/// Reads log files into `logs` in steps, showing progress and yielding to
/// the browser between them, so a million lines never freeze the tab.
pub async fn read_logs(
    state: AppState,
    mut logs: LogSet,
    inputs: Vec<(String, Vec<u8>)>,
    errors: &mut Vec<String>,
) -> LogSet {
    let fields = match LogFields::default().with_overrides(&state.log_fields.get_untracked()) {
        Ok(fields) => fields,
        Err(error) => {
            errors.push(format!("log field names: {error}"));
            LogFields::default()
        }
    };
    for (name, bytes) in inputs {
        state.loading.set(Some(format!("Reading logs {name}…")));
        let mut load = match logs.start(bytes, &fields) {
            Ok(load) => load,
            Err(error) => {
                errors.push(format!("{name}: {error}"));
                continue;
            }
        };
        loop {
            if let Some(result) = logs.advance(&mut load, LOG_STEP_BYTES) {
                if let Err(error) = result {
                    errors.push(format!("{name}: {error}"));
                }
                break;
            }
            let done = load.progress();
            state.progress.set(Some(done));
            state
                .loading
                .set(Some(format!("Reading logs {name}: {:.0} %", done * 100.0)));
            next_frame().await;
        }
    }
    state.progress.set(None);
    logs
}

/// A User Timing mark, for the benchmarks (and anyone's performance panel).
fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}

/// A User Timing measure from mark `from` to now: `tracelens:ingest` is
/// the files read and their traces joined, as the page does it (frames
/// between steps included); `tracelens:warm-up` is [`warm_up`], until it
/// ends or stops for a load.
fn measure(name: &str, from: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.measure_with_start_mark(name, from);
    }
}

/// Gives the browser a turn (to paint, to take input) and goes on in a
/// task of its own.
pub async fn next_frame() {
    // A message posted to itself: a task of its own after whatever the
    // browser has queued (input, painting), without the 4 ms that nested
    // `setTimeout`s wait at least (a 1M-span load yields about a hundred
    // times).
    let promise = js_sys::Promise::new(&mut |resolve, _| match web_sys::MessageChannel::new() {
        Ok(channel) => {
            channel.port1().set_onmessage(Some(resolve.unchecked_ref()));
            let _ = channel.port2().post_message(&wasm_bindgen::JsValue::NULL);
        }
        Err(_) => {
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
            }
        }
    });
    let _ = JsFuture::from(promise).await;
    TURN_ENDED.set(js_sys::Date::now());
}

thread_local! {
    /// When the browser's last turn ([`next_frame`]) ended.
    static TURN_ENDED: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
    /// When the browser last began a frame, while [`watch_frames`] watches.
    static FRAME_BEGAN: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
    /// Whether [`watch_frames`] watches.
    static WATCHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// When the page last asked whether a turn is due.
    static ASKED: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
}

/// Waits until what is on the page now has been painted: a frame, then a
/// task after it.
pub async fn after_paint() {
    let frame = js_sys::Promise::new(&mut |resolve, _| {
        leptos::prelude::request_animation_frame(move || {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        });
    });
    let _ = JsFuture::from(frame).await;
    next_frame().await;
}

/// Fetches `url` and shows its traces (the `?trace=URL` deep link); the
/// bytes, where they were read.
pub async fn load_url(state: AppState, url: String) -> Option<Vec<u8>> {
    state.errors.set(Vec::new());
    state.loading.set(Some(format!("Fetching {url}…")));
    let mut builder = TraceSetBuilder::default();
    let read = fetch(&url)
        .await
        .and_then(|bytes| match builder.add(&bytes) {
            Ok(()) => Ok(bytes),
            Err(error) => Err(error.to_string()),
        });
    let shown = match read {
        Ok(bytes) => {
            state.show(builder.finish(), url);
            Some(bytes)
        }
        Err(error) => {
            state.errors.set(vec![format!("{url}: {error}")]);
            None
        }
    };
    state.loading.set(None);
    shown
}

/// Fetches `url` and opens its log lines beside the traces.
pub async fn load_logs_url(state: AppState, url: String) {
    let mut errors = state.errors.get_untracked();
    match fetch(&url).await {
        Ok(bytes) => {
            let logs = read_logs(state, current_logs(state), vec![(url, bytes)], &mut errors).await;
            state.logs.set(Some(Shared::new(logs)));
        }
        Err(error) => errors.push(format!("{url}: {error}")),
    }
    state.errors.set(errors);
    state.loading.set(None);
}

/// Shows the traces of several fetched answers (Tempo) as one set; a
/// partial answer's warning is kept. Returns those that could not be read,
/// by name, for the panel that asked.
pub fn show_fetched(
    state: AppState,
    answers: Vec<(String, Result<crate::tempo::Fetched, String>)>,
    source: String,
) -> Vec<String> {
    let mut builder = TraceSetBuilder::default();
    let mut errors = Vec::new();
    let mut read_any = false;
    for (name, answer) in answers {
        let added = answer.and_then(|(bytes, warning)| {
            if let Some(warning) = warning {
                builder.add_warning(format!("{name}: {warning}"));
            }
            builder.add(&bytes).map_err(|e| e.to_string())
        });
        match added {
            Ok(()) => read_any = true,
            Err(error) => errors.push(format!("{name}: {error}")),
        }
    }
    if read_any {
        state.show(builder.finish(), source);
    }
    state.loading.set(None);
    errors
}

/// The first slice of a file not shown in part: a file up to this size is
/// read in one slice and then read whole (in slices of 4 MB, a 10k-span
/// file of 4.8 MB waited for its second slice, with a turn of the page
/// between the two).
const FIRST_BYTES: f64 = 8.0 * 1024.0 * 1024.0;
/// The first slice of a file shown in part: read and shown in a few
/// milliseconds (a couple of thousand spans of OTLP/JSON).
const PARTIAL_FIRST_BYTES: f64 = 1024.0 * 1024.0;
/// Files from this size on may be shown in part while the rest is read (if
/// its [`Pace`] says it will take long): below it, all of it is on screen
/// in about the time a partial view would take.
const PARTIAL_FROM_BYTES: f64 = 12.0 * 1024.0 * 1024.0;

/// The first slice of a file (a short one if `short`). Reading it whole
/// makes room for the rest then; reading it as it arrives keeps only what
/// is not read yet.
async fn read_first(file: &File, short: bool) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    let length = if short {
        PARTIAL_FIRST_BYTES
    } else {
        FIRST_BYTES
    };
    append(&mut bytes, &read_slice(file, 0.0, length).await?);
    Ok(bytes)
}

/// Copies a slice read from a file onto the end of `bytes`.
fn append(bytes: &mut Vec<u8>, chunk: &Uint8Array) {
    let from = bytes.len();
    bytes.resize(from + chunk.length() as usize, 0);
    chunk.copy_to(&mut bytes[from..]);
}

/// The whole file, given its first slice: read in slices so that copying a
/// big one into wasm never holds the page for long.
async fn read_rest(file: &File, first: Vec<u8>) -> Result<Vec<u8>, String> {
    let total = file.size();
    let mut bytes = first;
    bytes.reserve_exact((total as usize).saturating_sub(bytes.len()));
    while (bytes.len() as f64) < total {
        let chunk = read_slice(file, bytes.len() as f64, SLICE_BYTES).await?;
        if chunk.length() == 0 {
            break;
        }
        append(&mut bytes, &chunk);
    }
    Ok(bytes)
}

async fn fetch(url: &str) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response: Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| format!("cannot be fetched: {}", describe(e)))?
        .dyn_into()
        .map_err(describe)?;
    if !response.ok() {
        return Err(format!(
            "the server answered {} {}",
            response.status(),
            response.status_text()
        ));
    }
    let buffer = JsFuture::from(response.array_buffer().map_err(describe)?)
        .await
        .map_err(describe)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// A JavaScript error as one readable line.
pub fn describe(error: JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}

fn size(bytes: f64) -> String {
    if bytes >= 1e6 {
        format!("{:.1} MB", bytes / 1e6)
    } else if bytes >= 1e3 {
        format!("{:.1} kB", bytes / 1e3)
    } else {
        format!("{bytes} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: f64 = 1024.0 * 1024.0;

    /// Asks `pace` at each (ms, MB read) of `frames`; what it answered.
    fn answers(pace: &mut Pace, frames: &[(f64, f64)]) -> Vec<bool> {
        frames
            .iter()
            .map(|&(now, read)| pace.long_to_go(read * MB / pace.length, now))
            .collect()
    }

    #[test]
    fn a_file_read_fast_after_its_first_megabyte_is_not_shown_in_part() {
        // 48 MB, as the bench's 100k spans of OTLP/JSON read in the page:
        // slowly at first, then 0.3 MB a millisecond (the rest in 150 ms).
        let mut pace = Pace::new(48.0 * MB);
        let frames = [
            (10.0, 0.1),
            (45.0, 1.0),
            (60.0, 5.5),
            (78.0, 9.4),
            (120.0, 22.0),
        ];
        assert_eq!(answers(&mut pace, &frames), [false; 5]);
    }

    #[test]
    fn a_file_whose_rest_takes_long_is_shown_in_part_once_its_pace_is_known() {
        // The same 48 MB read at a tenth of that pace: 2.4 s to go.
        let mut pace = Pace::new(48.0 * MB);
        let frames = [(45.0, 1.0), (60.0, 1.5), (78.0, 2.0)];
        // Not before the pace has been measured for 30 ms.
        assert_eq!(answers(&mut pace, &frames), [false, false, true]);
    }

    #[test]
    fn the_pace_is_taken_after_the_first_megabyte() {
        // 40 MB whose first megabyte took 300 ms (the browser's first
        // code): from there on 0.2 MB a millisecond, the rest in 160 ms.
        // Measured from the first frame, the pace would say a second.
        let mut pace = Pace::new(40.0 * MB);
        let frames = [(100.0, 0.3), (300.0, 1.0), (335.0, 8.0)];
        assert_eq!(answers(&mut pace, &frames), [false; 3]);
    }

    #[test]
    fn a_file_of_64_mb_or_more_is_shown_in_part_at_once() {
        let mut pace = Pace::new(PARTIAL_AT_ONCE_BYTES);
        assert!(pace.long_to_go(0.0001, 1.0));
        let mut pace = Pace::new(PARTIAL_AT_ONCE_BYTES - 1.0);
        assert!(!pace.long_to_go(0.0001, 1.0));
    }
}
