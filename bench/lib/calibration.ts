import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';

const block = Buffer.alloc(64 * 1024, 7);
const document = { items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item ${i}`, price: i * 100, tags: ['a', 'b'] })) };

/**
 * Milliseconds this process takes for a fixed piece of CPU work (hashing and JSON, as services
 * do): the same at every call on the same machine, so two readings show how fast the machine was
 * at those moments. This virtual machine's speed moves by up to 60% within an hour, and a
 * benchmark's numbers mean little without it.
 *
 * The fastest of seven timings: anything else running makes a timing slower, never faster. A
 * process that has just loaded its modules goes on compiling them for a while; the bench's reading
 * before the run, taken then, came out at 56–79 ms while the machine did the work in 37–40.
 */
function calibrate(): number {
  return Math.round(
    fastestOf(() => {
      for (let i = 0; i < 300; i++) {
        createHash('sha256').update(block).digest();
        JSON.parse(JSON.stringify(document));
      }
    }),
  );
}

/**
 * Microseconds one system call takes here (a one-byte write to /dev/null), the fastest of seven
 * timings. The services' work is mostly system calls (sockets, SQLite's file locks and writes), and
 * on this virtual machine their cost seems to move apart from the CPU work's: on 2026-12-07 the fixed
 * work took 36-40 ms, hardly slower than the evening before (31-35), while a sale cost twice the
 * CPU. Nothing measured system calls then; this reading is there to tell from now on.
 */
function syscallMicros(): number {
  const sink = openSync('/dev/null', 'w');
  const byte = Buffer.alloc(1);
  try {
    const writes = 20_000;
    const micros = (fastestOf(() => {
      for (let i = 0; i < writes; i++) writeSync(sink, byte);
    }) * 1000) / writes;
    return Math.round(micros * 100) / 100;
  } finally {
    closeSync(sink);
  }
}

/** Both readings, as the bench prints them before and after a run. */
export const machineSpeed = (): { 'CPU work ms': number; 'syscall µs': number } => ({ 'CPU work ms': calibrate(), 'syscall µs': syscallMicros() });

function fastestOf(work: () => void): number {
  let fastest = Infinity;
  for (let timing = 0; timing < 7; timing++) {
    const started = performance.now();
    work();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}
