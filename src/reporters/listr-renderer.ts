// listr2's default (redrawing) renderer with a bounded repaint rate. Out of the box it redraws the
// whole tree on every title, state and output change, plus every 100 ms for the spinner, and each
// redraw measures every line with string-width (Intl.Segmenter) twice, in listr2's wrap and in
// log-update's: 10–40 ms per frame for a 40-line tree. On a loaded 2-core machine that CPU was
// taken from the SSH sessions: under a pty a lab ha-restore took 41 s drawn that way (plain
// reporter: 17 s), a 50-host fan-out 226 s (plain: 8 s). Here a change only asks for a frame: at
// most one per REPAINT_MS, and the spinner (listr2's, ticking every 100 ms) redraws an unchanged
// tree once per HEARTBEAT_MS. Same runs after: 16 s and 9 s.
import { DefaultRenderer, ListrLogger, ProcessOutput, Spinner } from 'listr2';

/** Minimum time between two frames: 4 a second is plenty for a tree of steps that take seconds. */
export const REPAINT_MS = 250;
/** How often the spinner alone redraws a tree in which nothing changed (it shows the run is alive). */
export const HEARTBEAT_MS = 1000;

/** A terminal to draw on; process.stdout/stderr in the CLI, a fake TTY in tests. */
export interface Terminal {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export class ThrottledRenderer extends DefaultRenderer {
  // The reporter has already decided the terminal is one (listr2 would only look at process.stdout).
  static override nonTTY = true;
  #lastPaint = Number.NEGATIVE_INFINITY;
  #pending: NodeJS.Timeout | undefined;
  #ended = false;

  /** Called by listr2 on every change and spinner tick: paints now, or once when the interval is over. */
  override update(): void {
    if (this.#pending !== undefined || this.#ended) return;
    const wait = this.#lastPaint + REPAINT_MS - Date.now();
    if (wait <= 0) return this.#paint();
    this.#pending = setTimeout(() => {
      this.#pending = undefined;
      this.#paint();
    }, wait);
  }

  override end(): void {
    this.#ended = true;
    clearTimeout(this.#pending);
    this.#pending = undefined;
    super.end();
  }

  #paint(): void {
    this.#lastPaint = Date.now();
    super.update();
  }
}

/** listr2's spinner, turning (and so redrawing) once per HEARTBEAT_MS instead of every 100 ms. */
class HeartbeatSpinner extends Spinner {
  override start(cb?: () => void): void {
    super.start(cb, HEARTBEAT_MS);
  }
}

/** Options for the renderer: the terminal to draw on and the slow spinner. */
export function rendererOptionsFor(terminal: Terminal): { logger: ListrLogger; spinner: Spinner } {
  return { logger: loggerFor(terminal), spinner: new HeartbeatSpinner() };
}

/** listr2's logger bound to the given terminal (the renderer writes and hijacks through it). */
function loggerFor(terminal: Terminal): ListrLogger {
  return new ListrLogger({ useIcons: true, toStderr: [], processOutput: new ProcessOutput(terminal.stdout, terminal.stderr) });
}
