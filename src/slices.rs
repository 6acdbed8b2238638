//! The slices of a file read as it arrives, in order.
//!
//! A worker (`public/reader.js`) reads them from disk, off the page's
//! thread: the page's own reads are drained into memory by tasks on its
//! thread, which is busy reading traces, and at a million spans they kept
//! it waiting 0.3–0.5 s in all. Where no worker can start, or it fails,
//! the page reads the rest itself, a few slices ahead.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use js_sys::Uint8Array;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, Worker};

use crate::loader::describe;

/// Bytes in a slice.
pub const SLICE_BYTES: f64 = 4.0 * 1024.0 * 1024.0;
/// Slices read ahead of the one being read as traces.
const AHEAD: u32 = 4;

/// A file's slices from a point on.
pub struct Slices {
    file: File,
    /// Bytes handed out so far (from the start of the file).
    given: f64,
    source: Source,
}

enum Source {
    Worker(Reader),
    Page(VecDeque<Pending>),
}

type Pending = Pin<Box<dyn Future<Output = Result<Uint8Array, String>>>>;

impl Slices {
    /// The slices of `file` from byte `from` on.
    pub fn new(file: &File, from: f64) -> Self {
        let source = match Reader::start(file, from) {
            Some(reader) => Source::Worker(reader),
            None => Source::Page(VecDeque::new()),
        };
        let mut slices = Self {
            file: file.clone(),
            given: from,
            source,
        };
        slices.ask();
        slices
    }

    /// The next slice; `None` once the file has been given whole.
    pub async fn next(&mut self) -> Option<Result<Uint8Array, String>> {
        if self.done() {
            return None;
        }
        let slice = match &mut self.source {
            Source::Worker(reader) => match reader.next().await {
                Ok(slice) => Ok(slice),
                Err(Failure::Worker) => {
                    // The worker could not run: the page reads the rest.
                    self.source = Source::Page(VecDeque::new());
                    self.ask();
                    return Box::pin(self.next()).await;
                }
                Err(Failure::File(error)) => Err(error),
            },
            Source::Page(pending) => match pending.pop_front() {
                Some(reading) => reading.await,
                None => Err("nothing was asked of the file".to_owned()),
            },
        };
        if let Ok(slice) = &slice {
            self.given += f64::from(slice.length());
            if slice.length() == 0 {
                // A file that shrank while read ends here.
                self.given = self.file.size();
            }
        }
        self.ask();
        Some(slice)
    }

    /// Whether every byte of the file has been given.
    pub fn done(&self) -> bool {
        self.given >= self.file.size()
    }

    /// Keeps `AHEAD` slices asked of the disk when the page reads them.
    fn ask(&mut self) {
        let Source::Page(pending) = &mut self.source else {
            return;
        };
        let mut start = self.given + pending.len() as f64 * SLICE_BYTES;
        while pending.len() < AHEAD as usize && start < self.file.size() {
            pending.push_back(Box::pin(read_slice(&self.file, start, SLICE_BYTES)));
            start += SLICE_BYTES;
        }
    }
}

/// Starts reading `length` bytes of `file` from `start` on; its bytes once
/// the returned future is awaited.
pub fn read_slice(
    file: &File,
    start: f64,
    length: f64,
) -> impl Future<Output = Result<Uint8Array, String>> {
    let end = (start + length).min(file.size());
    let reading = file
        .slice_with_f64_and_f64(start, end)
        .map(|slice| JsFuture::from(slice.array_buffer()))
        .map_err(describe);
    async move { Ok(Uint8Array::new(&reading?.await.map_err(describe)?)) }
}

/// The reader worker's script.
const READER: &str = "reader.js";

/// A reader worker started ahead of need ([`warm_up`]).
struct Warm {
    worker: Worker,
    /// Whether it failed to start meanwhile.
    failed: Rc<std::cell::Cell<bool>>,
    _on_error: Closure<dyn FnMut(JsValue)>,
}

thread_local! {
    static WARM: RefCell<Option<Warm>> = const { RefCell::new(None) };
}

/// Starts a reader worker for the next file to open, unless one waits
/// already. From its creation to its first slice a worker took 130-150 ms
/// (its script fetched and started), and a 100k-span file spent most of
/// that waiting, its first view painted and its first slice read; a worker
/// started beforehand has only the disk to wait for.
pub fn warm_up() {
    WARM.with(|warm| {
        let mut warm = warm.borrow_mut();
        if warm.is_some() {
            return;
        }
        let Ok(worker) = Worker::new(READER) else {
            return;
        };
        let failed = Rc::new(std::cell::Cell::new(false));
        let on_error = {
            let failed = failed.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| failed.set(true))
        };
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        *warm = Some(Warm {
            worker,
            failed,
            _on_error: on_error,
        });
    });
}

/// The worker [`warm_up`] started, if it is still sound; else a new one.
fn worker() -> Option<Worker> {
    let warm = WARM.with(|warm| warm.borrow_mut().take());
    if let Some(warm) = warm {
        if !warm.failed.get() {
            return Some(warm.worker);
        }
        warm.worker.terminate();
    }
    Worker::new(READER).ok()
}

/// Why the worker gave no slice.
enum Failure {
    /// It could not start or run (the page reads instead).
    Worker,
    /// The file could not be read.
    File(String),
}

/// The worker reading a file, and what it has sent.
struct Reader {
    worker: Worker,
    inbox: Rc<RefCell<Inbox>>,
    _on_message: Closure<dyn FnMut(JsValue)>,
    _on_error: Closure<dyn FnMut(JsValue)>,
}

#[derive(Default)]
struct Inbox {
    slices: VecDeque<Result<Uint8Array, Failure>>,
    /// Resolves the page's wait for the next slice.
    waiting: Option<js_sys::Function>,
}

impl Inbox {
    fn receive(&mut self, slice: Result<Uint8Array, Failure>) {
        self.slices.push_back(slice);
        if let Some(wake) = self.waiting.take() {
            let _ = wake.call0(&JsValue::NULL);
        }
    }
}

impl Reader {
    /// A worker reading `file` from `from` on, if one can start.
    fn start(file: &File, from: f64) -> Option<Self> {
        let worker = worker()?;
        let inbox = Rc::new(RefCell::new(Inbox::default()));
        let on_message = {
            let inbox = inbox.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                let data = js_sys::Reflect::get(&event, &"data".into()).unwrap_or_default();
                let slice = match data.dyn_into::<js_sys::ArrayBuffer>() {
                    Ok(bytes) => Ok(Uint8Array::new(&bytes)),
                    Err(said) => Err(Failure::File(
                        said.as_string().unwrap_or_else(|| format!("{said:?}")),
                    )),
                };
                inbox.borrow_mut().receive(slice);
            })
        };
        let on_error = {
            let inbox = inbox.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
                inbox.borrow_mut().receive(Err(Failure::Worker));
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let asked = js_sys::Object::new();
        let set = |key: &str, value: JsValue| js_sys::Reflect::set(&asked, &key.into(), &value);
        set("file", file.into()).ok()?;
        set("from", from.into()).ok()?;
        set("slice", SLICE_BYTES.into()).ok()?;
        set("ahead", AHEAD.into()).ok()?;
        worker.post_message(&asked).ok()?;
        Some(Self {
            worker,
            inbox,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// The next slice the worker sends, once it has.
    async fn next(&mut self) -> Result<Uint8Array, Failure> {
        loop {
            if let Some(slice) = self.inbox.borrow_mut().slices.pop_front() {
                if slice.is_ok() {
                    let _ = self.worker.post_message(&"more".into());
                }
                return slice;
            }
            let inbox = self.inbox.clone();
            let arrived = js_sys::Promise::new(&mut |resolve, _| {
                inbox.borrow_mut().waiting = Some(resolve);
            });
            let _ = JsFuture::from(arrived).await;
        }
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.worker.terminate();
        warm_up();
    }
}
