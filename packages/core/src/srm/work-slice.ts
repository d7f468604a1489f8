/**
 * How background work (k-means, quantizer training, routing a refit) shares the event loop with
 * queries. It gives the loop a turn once it has run for a slice, and looks at the clock every few
 * rows, so a slice ends on time: a query that arrives meanwhile waits at most about one slice. A
 * shorter slice shortens that wait but starves a refit under a writer that never pauses (the write
 * lock gives the loop a turn only every 20 ms, and the refit then gets one slice).
 */
export const WORK_SLICE_MS = 20;
/** Rows of work between looks at the clock, as a mask: 64 rows (a few hundred microseconds of k-means or routing at K=256). */
export const WORK_CHECK_MASK = 63;
