//! Asking the kernel for huge pages where the model's vectors are big.
//!
//! Natively, reading a trace is bound by memory more than by work: at
//! 100k spans the span and attribute vectors take 23 MB, and touching
//! them first faulted in 6,000 pages of 4 KiB, a sixth of the time of an
//! ingest (measured with `perf stat`). Debian's kernels hand out 2 MiB
//! pages to memory that asks for them (`transparent_hugepage=madvise`).
//! Elsewhere (the browser, other systems) this does nothing.

/// Below this a vector does not span a huge page worth asking for.
#[cfg(target_os = "linux")]
const WORTH: usize = 4 << 20;

/// Asks for huge pages for the spare and used room of `vector`.
pub(crate) fn advise_huge_pages<T>(vector: &Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        let bytes = vector.capacity() * std::mem::size_of::<T>();
        if bytes < WORTH {
            return;
        }
        const PAGE: usize = 4096;
        let start = vector.as_ptr() as usize;
        let first = start.next_multiple_of(PAGE);
        let end = (start + bytes) & !(PAGE - 1);
        // SAFETY: the range lies within the vector's own allocation, and
        // MADV_HUGEPAGE only changes how the kernel backs it, never what
        // it holds.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = vector;
}
