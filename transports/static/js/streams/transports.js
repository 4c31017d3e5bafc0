/**
 * The stream transports and how the page picks one. Each transport class is constructed as
 * `new Transport(connection, dep, stats, hooks, options)` and has `open(data)`,
 * `updateInputs(data)` and `close()`; the typedefs below are the contract between a
 * transport and the app.
 */

import { notify } from "../page.js";
import { WebRtcStream } from "./webrtc.js";
import { WebSocketStream } from "./websocket.js";

const QUERY = new URLSearchParams(window.location.search);

/**
 * What a stream transport gets from, and reports to, the app about one stream event.
 * @typedef {object} StreamHooks
 * @property {() => Promise<Blob|null>} capture a JPEG of the webcam's current picture
 * @property {() => MediaStream|null} camera the webcam's media stream (WebRTC sends its track)
 * @property {() => boolean} mirror whether the webcam's preview is mirrored (WebRTC asks the
 *   server to flip the frames, as the WebSocket mode sends them flipped)
 * @property {(message: object) => void} estimation the stream waits in the queue
 * @property {(message: object) => void} started the stream runs
 * @property {(data: any[], image: StreamImage|null) => void} output
 * @property {(message: object) => void} frameError one frame was refused
 * @property {(message: object) => void} completed the stream ended (always last)
 * @property {() => Promise<number|null>} painted resolves, once the output just applied is
 *   decoded, with the start (`requestAnimationFrame` time) of the rendering frame that first
 *   paints it; null if it was replaced before it could be painted
 * @property {(media: MediaStream) => HTMLVideoElement|null} remoteStream WebRTC: the
 *   processed video arrived; returns the `<video>` that plays it (null: none)
 * @property {(media: MediaStream) => void} remoteEnded WebRTC: the processed video ended
 * @property {(reason: string) => void} fallback WebRTC could not connect: the stream now
 *   runs over the WebSocket
 */

/**
 * Where an output's image is: `bytes` of a binary WebSocket output, or (`track: true`) on
 * the video track of a WebRTC stream, shown by {@link ImageBlock.showTrack}.
 * @typedef {{index: number, bytes?: Uint8Array, mime?: string, track?: boolean}} StreamImage
 */

/**
 * What the app tells a transport beyond the hooks: the ICE configuration from /config and
 * the output whose image comes on the video track (the first Image output, -1 if none).
 * @typedef {{rtcConfiguration: object|null, trackIndex: number}} StreamOptions
 */

/** Stream transports by `?transport=` name; each has `open`, `updateInputs` and `close`. */
export const STREAM_TRANSPORTS = { webrtc: WebRtcStream, websocket: WebSocketStream };

/**
 * @returns {string} the stream transport to use: `?transport=` when it names one, else
 *   WebRTC when the browser has it, else WebSocket (an unknown name is reported)
 */
export function chooseTransport() {
  const fallback = typeof window.RTCPeerConnection === "function" ? "webrtc" : "websocket";
  const wanted = QUERY.get("transport");
  if (wanted === null) return fallback;
  if (Object.hasOwn(STREAM_TRANSPORTS, wanted)) return wanted;
  notify("info", `The transport "${wanted}" is not available in this page; streaming over ${fallback}.`);
  return fallback;
}
