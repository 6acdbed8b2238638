// Reads a file the page opened, slice by slice, off the page's thread.
//
// The page's own reads of a file are drained into memory by tasks on the
// page's thread, which is busy reading traces: a million-span file waited
// 0.3-0.5 s in all for its slices that way, and 35-45 ms from here. Each
// slice is handed over, not copied; at most `ahead` are read and not yet
// taken, so memory stays bounded whatever the file's size.
//
// In: { file, from, slice, ahead } once, then 'more' each time the page
// has taken a slice. Out: an ArrayBuffer per slice, in order, or a string
// saying why the file could not be read.
let file;
let next = 0;
let slice = 0;
let ahead = 0;
let untaken = 0;
let failed = false;
let handed = Promise.resolve();

function ask() {
  while (!failed && untaken < ahead && next < file.size) {
    const reading = file.slice(next, Math.min(next + slice, file.size)).arrayBuffer();
    next += slice;
    untaken += 1;
    handed = handed.then(() => reading).then(
      (bytes) => {
        if (!failed) postMessage(bytes, [bytes]);
      },
      (error) => {
        if (!failed) postMessage(String(error));
        failed = true;
      },
    );
  }
}

onmessage = (event) => {
  if (event.data === 'more') {
    untaken -= 1;
  } else {
    ({ file, from: next, slice, ahead } = event.data);
  }
  ask();
};
