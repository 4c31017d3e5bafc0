/**
 * When each encoded frame of a WebRTC sender leaves the page, by RTP timestamp: a
 * pass-through encoded transform on the sender (frames go on unchanged).
 *
 * Two browser APIs do it: `RTCRtpScriptTransform` (a transform in a worker, the standard
 * one) where the browser has it, else Chrome's `createEncodedStreams()`, which needs the
 * peer connection made with `encodedInsertableStreams: true` and then every sender and
 * receiver piped (the receivers are passed through by {@link SendTimes.passThrough}).
 * Where the browser has neither, {@link sendTimesMode} is null and the page falls back to
 * the server's latency.
 */

/** @typedef {"script"|"insertable"} SendTimesMode */

/** @returns {SendTimesMode|null} the API this browser offers (null: none) */
export function sendTimesMode() {
  if (typeof window.RTCRtpScriptTransform === "function") return "script";
  if (typeof window.RTCRtpSender?.prototype?.createEncodedStreams === "function") return "insertable";
  return null;
}

/** @param {RTCEncodedVideoFrame} frame @returns {number} its RTP timestamp */
function rtpTimestampOf(frame) {
  return frame.getMetadata?.().rtpTimestamp ?? frame.timestamp;
}

/**
 * The send times of one peer connection's video sender.
 */
export class SendTimes {
  /**
   * @param {SendTimesMode} mode from {@link sendTimesMode}
   * @param {(rtpTimestamp: number, at: number) => void} onSent called for every frame
   *   sent, `at` in this page's `performance.now()` milliseconds
   */
  constructor(mode, onSent) {
    this.mode = mode;
    this.onSent = onSent;
    /** @type {Worker|null} */
    this.worker = null;
  }

  /** @returns {object} what the peer connection's configuration must add for this mode */
  get rtcConfiguration() {
    return this.mode === "insertable" ? { encodedInsertableStreams: true } : {};
  }

  /** @param {RTCRtpSender} sender the camera's sender: its frames are timed from now on */
  attach(sender) {
    if (this.mode === "script") {
      this.worker = new Worker(new URL("./send_times_worker.js", import.meta.url));
      this.worker.addEventListener("message", (event) => {
        const [rtpTimestamp, at] = event.data;
        this.onSent(rtpTimestamp, at - performance.timeOrigin);
      });
      sender.transform = new window.RTCRtpScriptTransform(this.worker, { side: "send" });
      return;
    }
    const { readable, writable } = sender.createEncodedStreams();
    const stamp = new TransformStream({
      transform: (frame, controller) => {
        this.onSent(rtpTimestampOf(frame), performance.now());
        controller.enqueue(frame);
      },
    });
    readable.pipeThrough(stamp).pipeTo(writable).catch(() => {}); // ends with the sender
  }

  /**
   * A receiver of the same peer connection: with `createEncodedStreams` its frames must be
   * piped too (unchanged), or they would not reach the video. Nothing to do otherwise.
   * @param {RTCRtpReceiver} receiver
   */
  passThrough(receiver) {
    if (this.mode !== "insertable") return;
    const { readable, writable } = receiver.createEncodedStreams();
    readable.pipeTo(writable).catch(() => {});
  }

  /** Stop the worker, if any (the peer connection is closed). */
  close() {
    this.worker?.terminate();
    this.worker = null;
  }
}
