/**
 * The worker of an `RTCRtpScriptTransform` on a sender (see send_times.js): passes every
 * encoded frame on unchanged and posts `[rtpTimestamp, at]` for each, `at` being
 * `performance.timeOrigin + performance.now()` (a worker's clock has its own origin).
 */

/** @param {RTCEncodedVideoFrame} frame @returns {number} its RTP timestamp */
function rtpTimestampOf(frame) {
  return frame.getMetadata?.().rtpTimestamp ?? frame.timestamp;
}

self.addEventListener("rtctransform", (event) => {
  const { readable, writable } = event.transformer;
  const stamp = new TransformStream({
    transform(frame, controller) {
      self.postMessage([rtpTimestampOf(frame), performance.timeOrigin + performance.now()]);
      controller.enqueue(frame);
    },
  });
  readable.pipeThrough(stamp).pipeTo(writable).catch(() => {}); // ends with the sender
});
