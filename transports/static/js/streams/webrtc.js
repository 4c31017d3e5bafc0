/**
 * A webcam stream over WebRTC: the peer connection, its offer/answer signalling over the
 * page's WebSocket, the data channel, and the fallback to a WebSocket stream.
 */

import { refusal } from "../protocol.js";
import { RtpLatency } from "../rtp_latency.js";
import { STATS_REFRESH_MS } from "../stats.js";
import { SendTimes, sendTimesMode } from "./send_times.js";
import { WebSocketStream } from "./websocket.js";

/** WebRTC: the server's `rtc_answer` must come this soon after the offer, else fall back. */
const RTC_ANSWER_TIMEOUT_MS = 5000;
/** WebRTC: the peer connection must be connected this soon after the answer, else fall back. */
const RTC_CONNECT_TIMEOUT_MS = 10000;
/** WebRTC: the offer goes out with the candidates gathered by then (ICE is not trickled). */
const ICE_GATHERING_TIMEOUT_MS = 3000;
/** WebRTC: after Stop, the peer is closed when `completed` comes, or after this long. */
const RTC_CLOSE_GRACE_MS = 3000;
/** WebRTC: the label of the data channel that carries the stream's messages. */
const RTC_DATA_CHANNEL = "streamcore";
/** Completion reasons that, before the peer connected, mean the server gave up on it. */
const RTC_GAVE_UP_REASONS = new Set(["cancelled", "idle"]);

/** The peer connections open on this page (closed when the page goes away). */
const PEERS = new Set();

/**
 * A webcam stream over WebRTC (docs/protocol.md, "WebRTC streams"). The camera's track is
 * sent (`sendrecv`) on a peer connection with a data channel; once every ICE candidate is
 * gathered (ICE is not trickled) the offer goes out as `rtc_offer` on the page's WebSocket,
 * which answers `accepted` then `rtc_answer`. The server decodes every frame into the
 * stream's latest-wins slot and sends each result once on its video track, which the
 * output image plays; the stream's `output`, `frame_error` and `completed` messages come on
 * the data channel (or the WebSocket before the channel opens; `started`, `estimation` and
 * `completed` always come on the WebSocket too). Stop sends `close_stream`; the peer
 * connection closes when the stream completes.
 *
 * Mirroring: the preview is mirrored with CSS as in WebSocket mode, and the frames sent are
 * the camera's own track; the offer says `mirror: true` (`hooks.mirror()`, the webcam's
 * `webcam_options.mirror`) and the server flips each frame before the fn. So the fn sees
 * what the WebSocket mode sends (Gradio's mirrored picture) and the processed video is
 * mirrored as the WebSocket output is, without a canvas redrawn on the page per frame.
 *
 * Statistics: `sent` is the peer's `framesSent`, `received` counts `output` messages, and
 * `dropped` the server's `replaced` count. Latency is camera-to-screen (`latency_source:
 * "page"`): a pass-through encoded transform on the sender ({@link SendTimes}) notes when
 * each frame leaves the page by its RTP timestamp, `requestVideoFrameCallback` on the
 * output `<video>` gives each processed frame's RTP timestamp as it is painted, and
 * {@link RtpLatency} matches the two. A browser without those APIs shows the server's own
 * per-frame latency instead (`latency_source: "server"`), and so does the page until the
 * first camera-to-screen figure of the stream is known.
 *
 * If WebRTC cannot connect — no `RTCPeerConnection`, the offer refused with an `error`, no
 * `rtc_answer` within {@link RTC_ANSWER_TIMEOUT_MS}, a connection that fails or is not
 * connected {@link RTC_CONNECT_TIMEOUT_MS} after the answer, a stream the server gave up
 * before it connected — the job is cancelled, the peer closed, and the same stream runs as
 * a {@link WebSocketStream} with the same hooks (`hooks.fallback` tells the app why).
 */
export class WebRtcStream {
  /**
   * @param {Connection} connection
   * @param {object} dep the stream event (a config dependency)
   * @param {Stats} stats
   * @param {StreamHooks} hooks
   * @param {StreamOptions} options
   */
  constructor(connection, dep, stats, hooks, options) {
    this.connection = connection;
    this.dep = dep;
    this.stats = stats;
    this.hooks = hooks;
    this.options = options;
    /** @type {RTCPeerConnection|null} */
    this.pc = null;
    /** @type {MediaStream|null} the processed video, once its track arrived */
    this.remote = null;
    this.job = null;
    this.data = null;
    this.running = false;
    this.connected = false;
    this.stopped = false;
    this.ended = false;
    /** @type {WebSocketStream|null} the stream that took over after a fallback */
    this.fallback = null;
    this.framesSent = 0;
    this.timers = { answer: null, connect: null, close: null, stats: null };
    /** @type {SendTimes|null} the sender's send times (null: latency from the server) */
    this.sendTimes = null;
    this.rtpLatency = new RtpLatency();
    /** @type {(() => void)|null} stops watching the output video's frames */
    this.stopWatching = null;
    /** whether a camera-to-screen latency was measured (the server's is shown until then) */
    this.measured = false;
  }

  /**
   * Offer the stream; it runs once the server has answered and the peer has connected.
   * @param {any[]} data the starting input values (null for the frame input)
   * @returns {Promise<void>} rejects with a {@link RequestError} if the stream is refused
   *   (after a fallback: if the WebSocket stream is refused)
   */
  async open(data) {
    this.data = data;
    let sdp;
    try {
      sdp = await this.prepareOffer();
    } catch (error) {
      if (!this.stopped) return this.fallBack(`WebRTC is not available: ${error.message}`);
    }
    if (this.stopped) {
      this.endUnsent();
      return undefined;
    }
    const waited = RTC_ANSWER_TIMEOUT_MS / 1000;
    this.timers.answer = setTimeout(() => this.fail(`no answer from the server within ${waited} s`), RTC_ANSWER_TIMEOUT_MS);
    let job;
    try {
      job = await this.connection.request(
        { type: "rtc_offer", api_name: this.dep.api_name, sdp, data, mirror: this.hooks.mirror?.() ?? false },
        {
          estimation: (message) => this.current && this.hooks.estimation(message),
          started: (message) => this.onStarted(message),
          rtc_answer: (message) => this.onAnswer(message),
          output: (message) => this.onOutput(message),
          frame_error: (message) => this.onFrameError(message),
          completed: (message) => this.onCompleted(message),
          error: (message) => this.onError(message),
        },
      );
    } catch (error) {
      if (this.fallback) return undefined; // the answer timed out first: fallen back already
      if (error.code === "closed" || this.stopped) {
        this.release();
        throw error;
      }
      clearTimeout(this.timers.answer);
      return this.fallBack(`the server refused the offer: ${error.message}`);
    }
    this.job = job;
    // stopped while the offer was on its way, or fallen back meanwhile: drop the job
    if (this.stopped || this.fallback) this.connection.send({ type: "cancel", job });
    return undefined;
  }

  /** Stopped before the offer went out: no job to end, so the stream ends here. */
  endUnsent() {
    this.ended = true;
    this.release();
    this.hooks.completed({ type: "completed", reason: "cancelled", success: false, data: null });
  }

  /** @returns {boolean} whether this WebRTC stream still runs (not ended, not replaced) */
  get current() {
    return !this.ended && !this.fallback;
  }

  /**
   * Make the peer connection (camera track out, processed track and data channel in),
   * set its offer and gather its ICE candidates.
   * @returns {Promise<string>} the offer's SDP, with the candidates
   */
  async prepareOffer() {
    if (typeof window.RTCPeerConnection !== "function") throw new Error("this browser has no RTCPeerConnection");
    const camera = this.hooks.camera();
    const track = camera?.getVideoTracks()[0];
    if (!track) throw new Error("the camera gives no video track");
    const mode = typeof HTMLVideoElement.prototype.requestVideoFrameCallback === "function" ? sendTimesMode() : null;
    if (mode) this.sendTimes = new SendTimes(mode, (rtp, at) => this.rtpLatency.sent(rtp, at));
    const pc = new RTCPeerConnection({ ...(this.options.rtcConfiguration ?? {}), ...this.sendTimes?.rtcConfiguration });
    this.pc = pc;
    PEERS.add(pc);
    const transceiver = pc.addTransceiver(track, { direction: "sendrecv", streams: [camera] });
    this.sendTimes?.attach(transceiver.sender);
    this.sendTimes?.passThrough(transceiver.receiver);
    const channel = pc.createDataChannel(RTC_DATA_CHANNEL);
    channel.addEventListener("message", (event) => this.onChannelMessage(event.data));
    pc.addEventListener("track", (event) => this.onTrack(event));
    pc.addEventListener("connectionstatechange", () => this.onConnectionState(pc));
    await pc.setLocalDescription(await pc.createOffer());
    await iceGatheringComplete(pc, ICE_GATHERING_TIMEOUT_MS);
    return pc.localDescription.sdp;
  }

  /** @param {any[]} data new values of the stream's other inputs */
  updateInputs(data) {
    if (this.fallback) {
      this.fallback.updateInputs(data);
      return;
    }
    this.data = data;
    if (this.job && !this.ended) this.connection.send({ type: "inputs", job: this.job, data });
  }

  /**
   * Stop (the user's Stop): `close_stream` once running (its last result still comes),
   * `cancel` while queued; the peer closes when `completed` comes (or after a grace period).
   */
  close() {
    if (this.fallback) {
      this.fallback.close();
      return;
    }
    if (this.stopped || this.ended) return;
    this.stopped = true;
    clearTimeout(this.timers.answer);
    clearTimeout(this.timers.connect);
    if (this.job) this.connection.send({ type: this.running ? "close_stream" : "cancel", job: this.job });
    this.timers.close = setTimeout(() => this.release(), RTC_CLOSE_GRACE_MS);
  }

  /** @param {object} message `started` */
  onStarted(message) {
    if (!this.current || this.stopped) return;
    this.running = true;
    this.hooks.started(message);
  }

  /** @param {{sdp: string}} message `rtc_answer`: apply it, then wait for the connection */
  async onAnswer(message) {
    clearTimeout(this.timers.answer);
    const pc = this.pc;
    if (!this.current || !pc) return;
    try {
      await pc.setRemoteDescription({ type: "answer", sdp: message.sdp });
    } catch (error) {
      this.fail(`the server's answer cannot be used: ${error.message}`);
      return;
    }
    this.timers.stats = setInterval(() => this.pollStats(), STATS_REFRESH_MS);
    if (this.connected || this.stopped) return;
    const waited = RTC_CONNECT_TIMEOUT_MS / 1000;
    this.timers.connect = setTimeout(() => this.fail(`not connected ${waited} s after the answer`), RTC_CONNECT_TIMEOUT_MS);
  }

  /** @param {RTCPeerConnection} pc */
  onConnectionState(pc) {
    if (pc !== this.pc) return;
    if (pc.connectionState === "connected") {
      this.connected = true;
      clearTimeout(this.timers.connect);
    } else if (pc.connectionState === "failed") {
      this.fail("the connection failed");
    }
  }

  /** @param {RTCTrackEvent} event the processed video arrived: the output image plays it */
  onTrack(event) {
    if (event.track.kind !== "video" || !this.current) return;
    this.remote = event.streams[0] ?? new MediaStream([event.track]);
    const video = this.hooks.remoteStream(this.remote);
    if (video && this.sendTimes) this.watchShown(video);
  }

  /**
   * Time every processed frame the output `<video>` paints: its RTP timestamp and the
   * start of the rendering frame that paints it (`requestVideoFrameCallback`'s `now`, the
   * clock `requestAnimationFrame` uses) give its camera-to-screen latency.
   * @param {HTMLVideoElement} video
   */
  watchShown(video) {
    this.stopWatching?.();
    let handle = 0;
    const onFrame = (now, metadata) => {
      if (metadata.rtpTimestamp !== undefined) {
        const latency = this.rtpLatency.shown(metadata.rtpTimestamp, now);
        if (latency !== null) {
          this.measured = true;
          this.stats.latencyMeasured(latency, "page");
        }
      }
      handle = video.requestVideoFrameCallback(onFrame);
    };
    handle = video.requestVideoFrameCallback(onFrame);
    this.stopWatching = () => video.cancelVideoFrameCallback(handle);
  }

  /** @param {string|ArrayBuffer} data a message of the data channel (JSON text) */
  onChannelMessage(data) {
    if (typeof data !== "string") return;
    const message = JSON.parse(data);
    if (message.type === "output") this.onOutput(message);
    else if (message.type === "frame_error") this.onFrameError(message);
    else if (message.type === "completed") this.onCompleted(message);
  }

  /**
   * @returns {boolean} whether the server's latency stands in for the page's: when this
   *   browser cannot time frames, or until this stream's first camera-to-screen figure
   *   unless the page already shows one (a stream that rejoined keeps showing the page's)
   */
  get showsServerLatency() {
    if (!this.sendTimes) return true;
    return !this.measured && this.stats.values.latency_source !== "page";
  }

  /** @param {object} message `output` (its image, at `trackIndex`, is on the video track) */
  onOutput(message) {
    if (!this.current) return;
    this.stats.outputReceived();
    this.stats.framesReplaced(this, message.replaced);
    if (this.showsServerLatency && typeof message.latency_ms === "number") {
      this.stats.latencyMeasured(message.latency_ms, "server");
    }
    const index = this.options.trackIndex;
    this.hooks.output(message.data ?? [], index >= 0 ? { index, track: true } : null);
  }

  /** @param {object} message `frame_error`: the frame was refused, the stream goes on */
  onFrameError(message) {
    if (this.current) this.hooks.frameError(message);
  }

  /** @param {object} message an `error` about this job */
  onError(message) {
    if (this.current && message.code !== "stream_ended") {
      this.hooks.frameError({ error: { message: message.message } });
    }
  }

  /**
   * The stream ended (`completed` comes on the data channel and on the WebSocket: the
   * first one counts). Ended by the server before the peer connected (it gave up waiting
   * for it), it runs over the WebSocket instead.
   * @param {object} message `completed`
   */
  onCompleted(message) {
    if (!this.current) return;
    if (!this.connected && !this.stopped && RTC_GAVE_UP_REASONS.has(message.reason)) {
      this.ended = true; // the job is over: nothing to cancel
      this.fail(`the server ended the stream before the connection was up (${message.reason})`, true);
      return;
    }
    this.ended = true;
    this.stats.streamEnded(this, message.stats ?? null);
    this.release();
    this.hooks.completed(message);
  }

  /**
   * WebRTC could not connect: cancel the job, close the peer and run the stream over the
   * WebSocket; a refusal of that stream ends it.
   * @param {string} reason
   * @param {boolean} [jobEnded] the job already ended (no cancel to send)
   * @returns {Promise<void>}
   */
  fail(reason, jobEnded = false) {
    if (this.fallback || this.stopped || (this.ended && !jobEnded)) return Promise.resolve();
    if (this.job && !jobEnded) this.connection.send({ type: "cancel", job: this.job });
    return this.fallBack(reason).catch((error) => this.hooks.completed(refusal(error)));
  }

  /**
   * Close the peer and hand the stream to a {@link WebSocketStream} (same hooks), opened
   * with the latest input values.
   * @param {string} reason why WebRTC is not used
   * @returns {Promise<void>} rejects if the WebSocket stream is refused
   */
  fallBack(reason) {
    this.release();
    this.fallback = new WebSocketStream(this.connection, this.dep, this.stats, this.hooks);
    this.hooks.fallback(reason);
    return this.fallback.open(this.data);
  }

  /** Count the camera frames the peer sent since the last poll. */
  async pollStats() {
    const pc = this.pc;
    if (!pc) return;
    let sent = 0;
    try {
      const report = await pc.getStats();
      report.forEach((entry) => {
        if (entry.type === "outbound-rtp" && entry.kind === "video") sent += entry.framesSent ?? entry.framesEncoded ?? 0;
      });
    } catch {
      return; // closed meanwhile
    }
    if (sent > this.framesSent) {
      this.stats.addSent(sent - this.framesSent);
      this.framesSent = sent;
    }
  }

  /** Stop the timers, take the last picture of the processed video and close the peer. */
  release() {
    for (const timer of Object.values(this.timers)) clearTimeout(timer);
    clearInterval(this.timers.stats);
    this.stopWatching?.();
    this.stopWatching = null;
    const pc = this.pc;
    if (!pc) return;
    if (this.remote) this.hooks.remoteEnded(this.remote);
    this.remote = null;
    // count what was sent since the last poll (pollStats takes this.pc at once), then close
    const sendTimes = this.sendTimes;
    this.pollStats().finally(() => {
      PEERS.delete(pc);
      pc.close();
      sendTimes?.close();
    });
    this.pc = null;
  }
}

/**
 * Wait until the peer has gathered its ICE candidates (at most `timeoutMs`: a STUN or TURN
 * server that does not answer must not hold the stream back; the offer then carries the
 * candidates found so far).
 * @param {RTCPeerConnection} pc
 * @param {number} timeoutMs
 * @returns {Promise<void>}
 */
function iceGatheringComplete(pc, timeoutMs) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (pc.iceGatheringState === "complete") finish();
    };
    const finish = () => {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      resolve();
    };
    const timer = setTimeout(finish, timeoutMs);
    pc.addEventListener("icegatheringstatechange", check);
  });
}

/** Close every peer connection at once (the page is going away). */
export function closePeers() {
  for (const pc of PEERS) pc.close();
  PEERS.clear();
}
