// Download progress for the UI: every chunk of a download would be an event, and each event a
// repaint of the page; on two cores that took time from the start-up itself.

/** Called with bytes loaded so far and the total. */
export type Progress = (loaded: number, total: number) => void;

/** At most one report per `intervalMs`, besides the first and the last (loaded === total). */
export function throttled(report: Progress, intervalMs = 100, now: () => number = () => performance.now()): Progress {
  let last = -Infinity;
  return (loaded, total) => {
    const t = now();
    if (loaded < total && loaded > 0 && t - last < intervalMs) return;
    last = t;
    report(loaded, total);
  };
}
