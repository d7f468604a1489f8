/**
 * How background work (k-means, quantizer training, routing a refit) shares the event loop with
 * queries. It gives the loop a turn once it has run for a slice, and looks at the clock every few
 * rows, so a slice ends on time: a query that arrives meanwhile waits at most about one slice.
 * The slice is short because a query should not wait longer than it runs itself. A large refit
 * trains and routes in a worker thread, so its slices on the main thread only read vectors and
 * place rows. Short slices slow down mostly the in-process work of a small memory, and then only
 * under a writer that never pauses (the write lock gives the loop a turn every 20 ms, and the
 * work then gets one slice).
 */
export const WORK_SLICE_MS = 3;
/** Rows of work between looks at the clock, as a mask: 64 rows (a few hundred microseconds of k-means or routing at K=256). */
export const WORK_CHECK_MASK = 63;
