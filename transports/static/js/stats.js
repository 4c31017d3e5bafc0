/**
 * The page's frame statistics: the counters of every stream, the live panel in the header
 * and `window.streamcore.stats`.
 */

const LATENCY_WINDOW = 100;
const FPS_WINDOW_MS = 1000;
/** How often the panel is redrawn and a WebRTC sender's progress polled. */
export const STATS_REFRESH_MS = 500;

/**
 * Where a latency figure comes from: `page`, camera-to-screen as the page measures it (see
 * docs/metrics.md, "The page's figures"); `server`, the server's own per-frame latency
 * (`output.latency_ms`: arrival at the server to the result ready), when the browser lacks
 * what the page needs to measure a WebRTC stream's.
 * @typedef {"page"|"server"} LatencySource
 */

/**
 * Frame counters of every stream on the page, shown live and mirrored into
 * `window.streamcore.stats` = {sent, received, dropped, skipped, latency_ms_p50,
 * latency_source}. docs/metrics.md ("The page's figures") says what each means and which
 * `/metrics` figure it matches:
 * - `sent`: frames sent (WebSocket: JPEG frames; WebRTC: the peer's `framesSent`);
 * - `received`: stream outputs received;
 * - `dropped`: frames sent and then replaced by a newer one before the fn took them (the
 *   server's `replaced` count of each stream: live from its outputs, final from its
 *   `completed.stats`); the page itself never replaces a captured frame;
 * - `skipped`: capture opportunities the page let pass on purpose (WebSocket: a frame was
 *   in flight for longer than `stream_every`); not frames, and not drops;
 * - `latency_ms_p50`: the median of the last {@link LATENCY_WINDOW} latencies, of the
 *   source named by `latency_source` (null until one is known).
 */
export class Stats {
  /** @param {HTMLElement} view the statistics panel (its `[data-stat]` fields are filled) */
  constructor(view) {
    this.view = view;
    this.values = { sent: 0, received: 0, dropped: 0, skipped: 0, latency_ms_p50: 0, latency_source: null };
    this.latencies = [];
    this.sendTimes = [];
    this.receiveTimes = [];
    /** @type {Map<object, number>} the replaced count of each running stream */
    this.liveReplaced = new Map();
    /** replaced frames of the streams that ended */
    this.endedReplaced = 0;
  }

  /** Count one frame sent to the server. */
  frameSent() {
    this.addSent(1);
  }

  /** @param {number} count frames sent since the last count (a WebRTC sender's progress) */
  addSent(count) {
    this.values.sent += count;
    const now = performance.now();
    for (let i = 0; i < count; i += 1) this.sendTimes.push(now);
  }

  /** Count one stream output received. */
  outputReceived() {
    this.values.received += 1;
    this.receiveTimes.push(performance.now());
  }

  /**
   * A stream's frames replaced so far, as its latest `output` says (`replaced`; absent from
   * an older server's outputs: nothing changes then).
   * @param {object} stream the stream (a key)
   * @param {number|undefined} replaced
   */
  framesReplaced(stream, replaced) {
    if (typeof replaced !== "number") return;
    this.liveReplaced.set(stream, Math.max(replaced, this.liveReplaced.get(stream) ?? 0));
    this.updateDropped();
  }

  /**
   * Record one latency; a source other than the last one's starts the window afresh.
   * @param {number} ms
   * @param {LatencySource} source
   */
  latencyMeasured(ms, source) {
    if (source !== this.values.latency_source) this.latencies = [];
    this.values.latency_source = source;
    this.latencies.push(ms);
    if (this.latencies.length > LATENCY_WINDOW) this.latencies.shift();
    this.values.latency_ms_p50 = median(this.latencies);
  }

  /** @param {number} count capture opportunities the page let pass (not drops) */
  framesSkipped(count) {
    this.values.skipped += count;
  }

  /**
   * A stream ended: its final replaced count is `completed.stats.replaced` (an older
   * server's `dropped`, which also counts a frame discarded at the end).
   * @param {object} stream the stream (the key of {@link framesReplaced})
   * @param {object|null} serverStats `completed.stats`
   */
  streamEnded(stream, serverStats) {
    const final = serverStats?.replaced ?? serverStats?.dropped ?? null;
    this.endedReplaced += final ?? this.liveReplaced.get(stream) ?? 0;
    this.liveReplaced.delete(stream);
    this.updateDropped();
  }

  /** `dropped` = the replaced frames of the streams that ended + those of the running ones. */
  updateDropped() {
    let live = 0;
    for (const count of this.liveReplaced.values()) live += count;
    this.values.dropped = this.endedReplaced + live;
  }

  /** Show the figures in the panel (called on a timer: fps need a moving window). */
  render() {
    const now = performance.now();
    const source = this.values.latency_source;
    const fields = {
      sent: this.values.sent,
      received: this.values.received,
      dropped: this.values.dropped,
      skipped: this.values.skipped,
      sent_fps: recentCount(this.sendTimes, now),
      received_fps: recentCount(this.receiveTimes, now),
      latency_ms_p50: this.latencies.length ? this.values.latency_ms_p50.toFixed(1) : "–",
      latency_source: source === "server" ? "server only" : source === "page" ? "camera to screen" : "",
    };
    for (const [name, value] of Object.entries(fields)) {
      const field = this.view.querySelector(`[data-stat="${name}"]`);
      if (field) field.textContent = String(value);
    }
  }
}

/**
 * @param {number[]} values a non-empty list
 * @returns {number} its median (the mean of the two middle values for an even count)
 */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Drop timestamps older than the fps window from `times` (in place) and count the rest.
 * @param {number[]} times increasing `performance.now()` values
 * @param {number} now
 * @returns {number} events in the last second
 */
function recentCount(times, now) {
  while (times.length && times[0] < now - FPS_WINDOW_MS) times.shift();
  return times.length;
}
