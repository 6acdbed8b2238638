// Writes N zerolog-style JSON lines (5,000 traces, 50,000 span ids, time
// order) for the browser benchmark: node tests/bench/log_lines.mjs N FILE
import { createWriteStream } from 'node:fs';

const [count, file] = [Number(process.argv[2]), process.argv[3]];
const out = createWriteStream(file);
const levels = ['debug', 'info', 'info', 'warn', 'error'];
let buffer = '';
for (let i = 0; i < count; i++) {
  buffer += JSON.stringify({
    level: levels[i % levels.length],
    service: 'bench',
    component: `c${i % 7}`,
    bytes: i * 13,
    time: 1741572000 + Math.floor(i / 100),
    trace_id: (i % 5000).toString(16).padStart(32, '0'),
    span_id: ((i % 50000) + 1).toString(16).padStart(16, '0'),
    message: `processed item ${i} of the batch`,
  }) + '\n';
  if (buffer.length > 1 << 20) {
    out.write(buffer);
    buffer = '';
  }
}
out.end(buffer);
