/** A webcam stream whose frames go over the page's WebSocket (docs/protocol.md, streams). */

/** A frame whose result never comes back stops blocking its stream after this long. */
const IN_FLIGHT_TIMEOUT_MS = 10000;

/**
 * A webcam stream over the page's WebSocket: `open_stream`, then binary JPEG frames, at
 * most one in flight and at most one per `stream_every`; `close_stream` to stop.
 */
export class WebSocketStream {
  /**
   * @param {Connection} connection
   * @param {object} dep the stream event (a config dependency)
   * @param {Stats} stats
   * @param {StreamHooks} hooks
   */
  constructor(connection, dep, stats, hooks) {
    this.connection = connection;
    this.dep = dep;
    this.stats = stats;
    this.hooks = hooks;
    this.everyMs = Math.max(0, Number(dep.stream_every ?? 0.5) * 1000);
    this.job = null;
    this.running = false;
    this.stopped = false;
    this.ended = false;
    this.busy = false;
    this.seq = 0;
    this.inFlight = null;
    this.lastSendAt = -Infinity;
    this.timer = null;
    this.watchdog = null;
  }

  /**
   * Open the stream; frames start when the server says `started`.
   * @param {any[]} data the starting input values (null for the frame input)
   * @returns {Promise<void>} rejects with a {@link RequestError} if refused
   */
  async open(data) {
    const job = await this.connection.request(
      { type: "open_stream", api_name: this.dep.api_name, data },
      {
        estimation: (message) => this.hooks.estimation(message),
        started: (message) => this.onStarted(message),
        output: (message, payload) => this.onOutput(message, payload),
        frame_error: (message) => this.onFrameError(message),
        completed: (message) => this.onCompleted(message),
        error: (message) => this.onError(message),
      },
    );
    this.job = job;
    if (this.stopped) this.connection.send({ type: "cancel", job });
  }

  /** @param {any[]} data new values of the stream's other inputs */
  updateInputs(data) {
    if (this.job && !this.ended) this.connection.send({ type: "inputs", job: this.job, data });
  }

  /**
   * Stop: `close_stream` once running (its last result still comes), `cancel` while
   * queued or not yet accepted.
   */
  close() {
    if (this.stopped || this.ended) return;
    this.stopped = true;
    if (this.job) this.connection.send({ type: this.running ? "close_stream" : "cancel", job: this.job });
    this.stopSending();
  }

  /** @param {object} message `started` */
  onStarted(message) {
    if (this.stopped) return;
    this.running = true;
    this.hooks.started(message);
    this.scheduleFrame();
  }

  /** Send the next frame when nothing is in flight and `stream_every` has passed. */
  scheduleFrame() {
    if (!this.running || this.busy || this.timer !== null) return;
    const wait = Math.max(0, this.lastSendAt + this.everyMs - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.sendFrame();
    }, wait);
  }

  /** Capture and send one frame (retried later while the camera has no picture yet). */
  async sendFrame() {
    this.busy = true;
    const blob = await this.hooks.capture();
    const bytes = blob ? new Uint8Array(await blob.arrayBuffer()) : null;
    if (!this.running) return;
    if (!bytes) {
      this.busy = false;
      this.lastSendAt = performance.now();
      this.scheduleFrame();
      return;
    }
    this.seq += 1;
    this.inFlight = { seq: this.seq, sentAt: performance.now() };
    this.lastSendAt = this.inFlight.sentAt;
    this.connection.sendBinary({ type: "frame", job: this.job, seq: this.seq }, bytes);
    this.stats.frameSent();
    this.watchdog = setTimeout(() => this.settle(null), IN_FLIGHT_TIMEOUT_MS);
  }

  /**
   * @param {object} message `output` (a binary one has `index` and `mime`)
   * @param {Uint8Array|null} payload the image bytes of a binary output
   */
  onOutput(message, payload) {
    this.stats.outputReceived();
    this.stats.framesReplaced(this, message.replaced);
    const image = payload ? { index: message.index, bytes: payload, mime: message.mime } : null;
    this.hooks.output(message.data ?? [], image);
    if (message.seq === this.inFlight?.seq) this.measureLatency(this.inFlight.sentAt);
    this.settle(message.seq);
  }

  /**
   * Camera-to-screen latency of the output just applied: from its frame's sending to the
   * start of the rendering frame that first paints it (`hooks.painted`).
   * @param {number} sentAt when its frame was sent (performance.now() ms)
   */
  measureLatency(sentAt) {
    this.hooks.painted().then((at) => {
      if (at !== null) this.stats.latencyMeasured(at - sentAt, "page");
    });
  }

  /** @param {object} message `frame_error`: the frame was refused, the stream goes on */
  onFrameError(message) {
    this.hooks.frameError(message);
    this.settle(message.seq);
  }

  /**
   * The frame in flight got its answer (or timed out): count the capture opportunities
   * let pass while it was in flight (`skipped`: one per `stream_every` beyond the first;
   * none when `stream_every` is 0), then schedule the next frame.
   * @param {number|null} seq the answered frame (null: the in-flight one timed out)
   */
  settle(seq) {
    if (!this.inFlight || (seq !== null && seq !== this.inFlight.seq)) return;
    clearTimeout(this.watchdog);
    if (this.everyMs > 0) {
      const periods = Math.floor((performance.now() - this.inFlight.sentAt) / this.everyMs);
      if (periods > 1) this.stats.framesSkipped(periods - 1);
    }
    this.inFlight = null;
    this.busy = false;
    this.scheduleFrame();
  }

  /** @param {object} message an `error` about this job (e.g. a frame after the end) */
  onError(message) {
    if (message.code !== "stream_ended") this.hooks.frameError({ error: { message: message.message } });
  }

  /** @param {object} message `completed` */
  onCompleted(message) {
    this.stopSending();
    this.ended = true;
    this.stats.streamEnded(this, message.stats ?? null);
    this.hooks.completed(message);
  }

  /** No more frames: clear the timers. */
  stopSending() {
    this.running = false;
    clearTimeout(this.timer);
    clearTimeout(this.watchdog);
    this.timer = null;
  }
}
