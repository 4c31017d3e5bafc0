/**
 * The page's frame statistics: the counters of every stream, the live panel in the header
 * and `window.streamcore.stats`.
 */

const LATENCY_WINDOW = 100;
const FPS_WINDOW_MS = 1000;
/** How often the panel is redrawn and a WebRTC sender's progress polled. */
export const STATS_REFRESH_MS = 500;

/**
 * Frame counters of every stream on the page, shown live and mirrored into
 * `window.streamcore.stats` = {sent, received, dropped, latency_ms_p50}.
 *
 * Over the WebSocket: `sent` counts the JPEG frames sent, `received` the outputs and
 * `latency_ms_p50` is from sending a frame to receiving its output. Over WebRTC: `sent`
 * counts the camera frames the peer connection sent (`getStats()` outbound-rtp
 * `framesSent`), `received` the stream's `output` messages and `latency_ms_p50` is the
 * server's own per-frame latency (`output.latency_ms`). In both, `dropped` adds the
 * server's count (`completed.stats.dropped`) to the capture opportunities the page skipped.
 */
export class Stats {
  /** @param {HTMLElement} view the statistics panel (its `[data-stat]` fields are filled) */
  constructor(view) {
    this.view = view;
    this.values = { sent: 0, received: 0, dropped: 0, latency_ms_p50: 0 };
    this.latencies = [];
    this.sendTimes = [];
    this.receiveTimes = [];
    this.skipped = 0;
    this.serverDropped = 0;
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

  /**
   * Count one stream output received.
   * @param {number|null} latencyMs time from sending its frame to receiving it, if known
   */
  outputReceived(latencyMs) {
    this.values.received += 1;
    this.receiveTimes.push(performance.now());
    if (latencyMs === null) return;
    this.latencies.push(latencyMs);
    if (this.latencies.length > LATENCY_WINDOW) this.latencies.shift();
    this.values.latency_ms_p50 = median(this.latencies);
  }

  /** @param {number} count capture opportunities the page skipped (a frame was in flight) */
  framesSkipped(count) {
    this.skipped += count;
    this.updateDropped();
  }

  /** @param {object|null} serverStats `completed.stats` of a stream (its `dropped` is added) */
  streamEnded(serverStats) {
    this.serverDropped += serverStats?.dropped ?? 0;
    this.updateDropped();
  }

  /** Recompute `dropped` = frames the page skipped + frames the server reported dropped. */
  updateDropped() {
    this.values.dropped = this.skipped + this.serverDropped;
  }

  /** Show the figures in the panel (called on a timer: fps need a moving window). */
  render() {
    const now = performance.now();
    const fields = {
      sent: this.values.sent,
      received: this.values.received,
      dropped: this.values.dropped,
      sent_fps: recentCount(this.sendTimes, now),
      received_fps: recentCount(this.receiveTimes, now),
      latency_ms_p50: this.latencies.length ? this.values.latency_ms_p50.toFixed(1) : "–",
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
