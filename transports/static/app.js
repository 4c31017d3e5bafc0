/**
 * The streamcore browser page.
 *
 * It fetches the app description (GET /config), renders its components in order, wires the
 * events of its dependencies and runs them over one WebSocket speaking the protocol of
 * docs/protocol.md. Webcam streams go through a stream transport (`STREAM_TRANSPORTS`):
 * WebRTC when the browser has it (the camera track goes out on a peer connection, the
 * processed track comes back on it), else frames over the WebSocket; `?transport=webrtc` or
 * `?transport=websocket` forces one. A WebRTC stream that cannot connect falls back to the
 * WebSocket, and says so.
 *
 * Sections: page state and statistics; notices; the connection; the webcam; components;
 * stream transports; the app (event wiring, calls and streams); start-up.
 */

const QUERY = new URLSearchParams(window.location.search);
const PROTOCOL_VERSION = 1;
const JPEG_QUALITY = 0.9;
const LATENCY_WINDOW = 100;
const FPS_WINDOW_MS = 1000;
const STATS_REFRESH_MS = 500;
/** A frame whose result never comes back stops blocking its stream after this long. */
const IN_FLIGHT_TIMEOUT_MS = 10000;
/** Bytes kept free for the binary header when checking an upload against the size limit. */
const HEADER_ALLOWANCE = 1024;
const INFO_TOAST_SECONDS = 6;
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
const FALLBACK_NOTE = "WebRTC could not connect; streaming over WebSocket instead";
/** Completion reasons after which nothing ran, so chained events do not fire. */
const NOT_RUN_REASONS = new Set(["skipped", "superseded"]);
/** Errors about a job that already ended (a frame sent as it ended): nothing to show. */
const LATE_ERRORS = new Set(["stream_ended", "unknown_job"]);
/** Completion reasons of a job that went wrong (`success` events do not fire). */
const FAILED_REASONS = new Set(["error", "validation"]);

// -- page state and statistics ------------------------------------------------------------

/**
 * What tests and tools read from the page: `ready` (config rendered and socket open),
 * `stats` (see {@link Stats}), `transport` (the stream transport in use: "webrtc" or
 * "websocket", which it becomes after a fallback) and `lastError` (the last error message
 * shown, or null).
 */
const page = { ready: false, lastError: null, stats: null, transport: null };
window.streamcore = page;

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
class Stats {
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

// -- small DOM helpers ----------------------------------------------------------------------

/**
 * Create an element.
 * @param {string} tag
 * @param {object} [attrs] attributes; `class`, `text` (textContent) and `on` ({event: fn})
 *   are special; null, undefined and false values are left out, true sets an empty attribute
 * @param {...(Node|string|null)} children
 * @returns {HTMLElement}
 */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "on") {
      for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    } else if (name === "class") {
      node.className = value;
    } else if (name === "text") {
      node.textContent = value;
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

/**
 * @param {number|string|null|undefined} size a number of pixels or a CSS length
 * @returns {string} the CSS value ("" for none)
 */
function cssSize(size) {
  if (size === null || size === undefined) return "";
  return typeof size === "number" ? `${size}px` : String(size);
}

/**
 * @param {string} path a file path on the server
 * @returns {string} the URL that serves it (`/file=<path>`)
 */
function fileUrl(path) {
  return `/file=${path.split("/").map(encodeURIComponent).join("/")}`;
}

/**
 * @param {unknown} a
 * @param {unknown} b
 * @returns {boolean} whether two client values are the same (JSON-equal)
 */
function sameValue(a, b) {
  if (a === b) return true;
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}

/**
 * @param {Blob} blob
 * @returns {Promise<string>} the blob as a `data:` URL
 */
function blobToDataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

// -- notices --------------------------------------------------------------------------------

/**
 * Show a toast. Errors also become `window.streamcore.lastError`.
 * @param {"error"|"info"} kind
 * @param {string} message
 * @param {{title?: string, duration?: number|null}} [options] `duration` in seconds;
 *   null keeps it until closed (the default for errors)
 */
function notify(kind, message, { title, duration } = {}) {
  if (kind === "error") page.lastError = message;
  const seconds = duration === undefined ? (kind === "error" ? null : INFO_TOAST_SECONDS) : duration;
  const toast = h(
    "div",
    { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status" },
    title ? h("strong", { text: title }) : null,
    h("p", { text: message }),
  );
  const close = h("button", {
    type: "button",
    class: "toast-close",
    "aria-label": "Close this message",
    text: "×",
    on: { click: () => toast.remove() },
  });
  toast.prepend(close);
  document.getElementById("toasts").append(toast);
  if (seconds !== null) setTimeout(() => toast.remove(), seconds * 1000);
}

/**
 * Show a message across the top of the page (start-up failures, a lost connection).
 * @param {string} message
 */
function showBanner(message) {
  page.lastError = message;
  const banner = document.getElementById("banner");
  banner.textContent = message;
  banner.hidden = false;
}

// -- the connection -------------------------------------------------------------------------

/** A refusal from the server (`error` message) or a request that could not be sent. */
class RequestError extends Error {
  /**
   * @param {string} code the protocol error code (or a page-side one)
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/**
 * `4-byte big-endian header length | JSON header | payload` (docs/protocol.md).
 * @param {object} header
 * @param {Uint8Array} payload
 * @returns {Uint8Array}
 */
function packBinary(header, payload) {
  const head = new TextEncoder().encode(JSON.stringify(header));
  const message = new Uint8Array(4 + head.length + payload.byteLength);
  new DataView(message.buffer).setUint32(0, head.length);
  message.set(head, 4);
  message.set(payload, 4 + head.length);
  return message;
}

/**
 * @param {ArrayBuffer} buffer a binary message
 * @returns {{header: object, payload: Uint8Array}}
 */
function unpackBinary(buffer) {
  const length = new DataView(buffer).getUint32(0);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
  return { header, payload: new Uint8Array(buffer, 4 + length) };
}

/**
 * One WebSocket session with the server. Requests that carry a `ref` get a promise of
 * their reply; the messages of a job go to the handlers registered with its request
 * (`{estimation, started, output, frame_error, completed, error}`, each optional;
 * `output` also receives the payload of a binary output).
 */
class Connection {
  /**
   * Open the socket, ask for binary stream outputs and wait for the server's `welcome`.
   * @param {string} url a ws:// or wss:// URL
   * @param {(event: CloseEvent) => void} onClose called once if the socket closes later
   * @returns {Promise<Connection>}
   */
  static open(url, onClose) {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.binaryType = "arraybuffer";
      const connection = new Connection(socket);
      connection.welcomed = (welcome) => {
        connection.limits = welcome.limits ?? {};
        resolve(connection);
      };
      socket.addEventListener("open", () =>
        connection.send({ type: "hello", binary_frames: true, protocol: PROTOCOL_VERSION }),
      );
      socket.addEventListener("close", (event) => {
        const wasOpen = connection.limits !== null;
        connection.failJobs(`the connection to the server closed (code ${event.code})`);
        if (wasOpen) onClose(event);
        else reject(new Error(`could not connect to ${url} (code ${event.code})`));
      });
    });
  }

  /** @param {WebSocket} socket use {@link Connection.open} */
  constructor(socket) {
    this.socket = socket;
    this.limits = null;
    this.welcomed = null;
    this.nextRef = 0;
    /** @type {Map<string, {resolve: Function, reject: Function, handlers: object|null}>} */
    this.pending = new Map();
    /** @type {Map<string, object>} */
    this.jobs = new Map();
    socket.addEventListener("message", (event) => this.receive(event.data));
  }

  /** @returns {boolean} whether messages can be sent */
  get isOpen() {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** @param {object} message a control message (sent as JSON text) */
  send(message) {
    if (this.isOpen) this.socket.send(JSON.stringify(message));
  }

  /**
   * @param {object} header the binary header (`type` frame or upload)
   * @param {Uint8Array} payload
   */
  sendBinary(header, payload) {
    if (this.isOpen) this.socket.send(packBinary(header, payload));
  }

  /**
   * Send a request that carries a `ref` and wait for its reply.
   * @param {object} message `submit` or `open_stream` (the ref is added)
   * @param {object} handlers the job's message handlers, registered when it is accepted
   * @returns {Promise<string>} the job id; rejects with a {@link RequestError}
   */
  request(message, handlers) {
    if (!this.isOpen) return Promise.reject(new RequestError("closed", "the connection is closed"));
    const ref = this.newRef();
    const reply = this.awaitReply(ref, handlers);
    this.send({ ...message, ref });
    return reply;
  }

  /**
   * Store a file in the server's cache (binary `upload`).
   * @param {string} name the file's name
   * @param {Uint8Array} bytes its content
   * @returns {Promise<string>} its path on the server
   */
  upload(name, bytes) {
    const limit = this.limits?.max_message_bytes;
    if (limit && bytes.byteLength + HEADER_ALLOWANCE > limit) {
      const message = `${name} is too large to send (${bytes.byteLength} bytes; the limit is ${limit})`;
      return Promise.reject(new RequestError("too_large", message));
    }
    if (!this.isOpen) return Promise.reject(new RequestError("closed", "the connection is closed"));
    const ref = this.newRef();
    const reply = this.awaitReply(ref, null);
    this.sendBinary({ type: "upload", ref, name }, bytes);
    return reply;
  }

  /** @returns {string} a fresh request reference */
  newRef() {
    this.nextRef += 1;
    return `r${this.nextRef}`;
  }

  /**
   * @param {string} ref
   * @param {object|null} handlers job handlers to register on `accepted`
   * @returns {Promise<string>} the job id (accepted) or the path (uploaded)
   */
  awaitReply(ref, handlers) {
    return new Promise((resolve, reject) => this.pending.set(ref, { resolve, reject, handlers }));
  }

  /** @param {string|ArrayBuffer} data one message from the server */
  receive(data) {
    if (typeof data === "string") {
      this.dispatch(JSON.parse(data), null);
      return;
    }
    const { header, payload } = unpackBinary(data);
    this.dispatch(header, payload);
  }

  /**
   * Route one message: replies to their request, job messages to their job's handlers.
   * @param {object} message
   * @param {Uint8Array|null} payload the bytes of a binary message
   */
  dispatch(message, payload) {
    switch (message.type) {
      case "welcome":
        this.welcomed?.(message);
        return;
      case "accepted":
        this.settle(message.ref, message.job, message.job);
        return;
      case "uploaded":
        this.settle(message.ref, message.path, null);
        return;
      case "error":
        this.refuse(message);
        return;
      case "pong":
        return;
      default:
        this.toJob(message, payload);
    }
  }

  /**
   * Resolve a pending request; an accepted job's handlers are registered first, so that
   * none of its messages can arrive unrouted.
   * @param {string} ref
   * @param {string} value what the request's promise resolves to
   * @param {string|null} job the accepted job id
   */
  settle(ref, value, job) {
    const request = this.pending.get(ref);
    if (!request) return;
    this.pending.delete(ref);
    if (job !== null && request.handlers) this.jobs.set(job, request.handlers);
    request.resolve(value);
  }

  /** @param {{code: string, message: string, ref?: string, job?: string}} message an `error` */
  refuse(message) {
    const request = message.ref ? this.pending.get(message.ref) : undefined;
    if (request) {
      this.pending.delete(message.ref);
      request.reject(new RequestError(message.code, message.message));
      return;
    }
    const handlers = message.job ? this.jobs.get(message.job) : undefined;
    if (handlers?.error) handlers.error(message);
    else if (message.job && LATE_ERRORS.has(message.code)) console.info(`streamcore: ${message.message}`);
    else notify("error", message.message, { title: `Server refused a request (${message.code})` });
  }

  /**
   * @param {object} message a job message (estimation, started, output, frame_error, completed)
   * @param {Uint8Array|null} payload
   */
  toJob(message, payload) {
    const handlers = this.jobs.get(message.job);
    if (!handlers) return;
    if (message.type === "completed") this.jobs.delete(message.job);
    handlers[message.type]?.(message, payload);
  }

  /**
   * End every pending request and job as failed (the socket closed).
   * @param {string} reason
   */
  failJobs(reason) {
    for (const request of this.pending.values()) request.reject(new RequestError("closed", reason));
    this.pending.clear();
    const jobs = [...this.jobs.entries()];
    this.jobs.clear();
    for (const [job, handlers] of jobs) {
      handlers.completed?.(
        { type: "completed", job, reason: "error", success: false, error: { message: reason } },
        null,
      );
    }
  }
}

// -- the webcam -----------------------------------------------------------------------------

/**
 * A camera shown in a `<video>` preview, whose current picture can be captured. With
 * `mirror` the preview is flipped and so are the captured pictures (as Gradio does); a
 * WebRTC stream sends the camera's track itself, not mirrored (see {@link WebRtcStream}).
 */
class Webcam {
  /**
   * @param {HTMLVideoElement} video the preview element
   * @param {{mirror?: boolean, constraints?: object|null}} options Image's `webcam_options`
   */
  constructor(video, options) {
    this.video = video;
    this.mirror = options?.mirror ?? true;
    this.constraints = options?.constraints ?? null;
    this.stream = null;
    this.canvas = document.createElement("canvas");
    this.video.classList.toggle("mirrored", this.mirror);
  }

  /** @returns {boolean} whether the camera is on */
  get active() {
    return this.stream !== null && this.stream.getVideoTracks().some((t) => t.readyState === "live");
  }

  /**
   * Turn the camera on (no-op when on). Rejects with getUserMedia's error.
   * @param {() => void} onEnded called if the camera stops by itself (unplugged, revoked)
   */
  async start(onEnded) {
    if (this.active) return;
    const stream = await navigator.mediaDevices.getUserMedia({
      video: this.constraints ?? true,
      audio: false,
    });
    this.stream = stream;
    for (const track of stream.getVideoTracks()) track.addEventListener("ended", onEnded);
    this.video.srcObject = stream;
    await this.video.play();
  }

  /** Turn the camera off. */
  stop() {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
    this.video.srcObject = null;
  }

  /**
   * @param {string} [type] the image MIME type
   * @returns {Promise<Blob|null>} the current picture, encoded (null when no picture yet)
   */
  capture(type = "image/jpeg") {
    const { videoWidth: width, videoHeight: height } = this.video;
    if (!this.active || !width || !height) return Promise.resolve(null);
    this.canvas.width = width;
    this.canvas.height = height;
    const context = this.canvas.getContext("2d");
    context.setTransform(this.mirror ? -1 : 1, 0, 0, 1, this.mirror ? width : 0, 0);
    context.drawImage(this.video, 0, 0, width, height);
    return new Promise((resolve) => this.canvas.toBlob(resolve, type, JPEG_QUALITY));
  }
}

// -- components -----------------------------------------------------------------------------

/**
 * What components need from the app: `upload(name, bytes)` → server path,
 * `startStreams(image)` / `stopStreams(image)` for a streaming webcam, and
 * `componentConfig(id)` to look up another component.
 * @typedef {object} BlockServices
 */

/**
 * A rendered component: its element, its value and the events it fires.
 * Subclasses set `static EVENTS`, build their body in `build()` and show values in `show()`.
 */
class Block {
  /** @type {string[]} the events this page can fire for the component */
  static EVENTS = [];

  /** Whether the component's control is a form field its label names. */
  static LABELS_CONTROL = false;

  /** Whether `container` draws a frame around the component (buttons stand alone). */
  static FRAMED = true;

  /**
   * @param {{id: number, type: string, props: object}} config one entry of config.components
   * @param {number} index its position in config.components
   * @param {BlockServices} services
   */
  constructor(config, index, services) {
    this.id = config.id;
    this.type = config.type;
    this.props = config.props ?? {};
    this.services = services;
    /** Names the component in `data-testid`s: its label, else its position. */
    this.key = this.props.label ?? String(index);
    this.value = this.props.value ?? null;
    /** @type {Map<string, Set<Function>>} */
    this.listeners = new Map();
    /** @type {Map<symbol, string>} progress texts of the runs in progress */
    this.progress = new Map();
    this.root = null;
  }

  /** Create the element (`this.root`) with its label, body, progress and message areas. */
  render() {
    const props = this.props;
    const classes = ["block", `block-${this.type}`];
    if (props.container !== false && this.constructor.FRAMED) classes.push("container");
    const extra = props.elem_classes;
    if (extra) classes.push(...(Array.isArray(extra) ? extra : [extra]));
    this.root = h("div", { class: classes.join(" "), id: props.elem_id });
    this.root.dataset.component = String(this.id);
    if (props.visible === "hidden" || props.visible === false) this.root.hidden = true;
    if (props.scale !== null && props.scale !== undefined) this.root.style.flexGrow = String(props.scale);
    if (props.min_width) this.root.style.minWidth = cssSize(props.min_width);
    this.controlId = `component-${this.id}`;
    this.body = h("div", { class: "block-body" });
    this.statusLine = h("p", { class: "block-progress", role: "status", hidden: true });
    this.messageLine = h("p", { class: "block-message", role: "alert", hidden: true });
    this.root.append(this.labelElement() ?? "", this.body, this.statusLine, this.messageLine);
    this.build();
    this.show(this.value);
  }

  /**
   * @returns {HTMLElement|null} the label shown above the component (null if hidden): a
   *   `<label>` of the form control when the component has one (`static LABELS_CONTROL`)
   */
  labelElement() {
    if (this.props.show_label === false || !this.props.label) return null;
    if (this.constructor.LABELS_CONTROL) {
      return h("label", { class: "block-label", for: this.controlId, text: this.props.label });
    }
    return h("span", { class: "block-label", id: `${this.controlId}-label`, text: this.props.label });
  }

  /** @returns {boolean} whether the user may change the value */
  get interactive() {
    return this.props.interactive !== false;
  }

  /** Fill `this.body` (subclasses). */
  build() {}

  /**
   * Display `value` (subclasses).
   * @param {unknown} value a client value
   */
  show(value) {
    void value;
  }

  /**
   * Listen to one of the component's events.
   * @param {string} event
   * @param {(eventData: object|null) => void} handler
   * @returns {() => void} removes the listener
   */
  on(event, handler) {
    if (!this.constructor.EVENTS.includes(event)) {
      console.info(`streamcore: the ${this.type} event "${event}" never fires in this page.`);
    }
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(handler);
    return () => this.listeners.get(event).delete(handler);
  }

  /** @param {string} event @returns {boolean} whether something listens to `event` */
  hasListeners(event) {
    return (this.listeners.get(event)?.size ?? 0) > 0;
  }

  /**
   * Fire an event.
   * @param {string} event
   * @param {object|null} [eventData] sent as the submit's `event_data`
   */
  emit(event, eventData = null) {
    for (const handler of this.listeners.get(event) ?? []) handler(eventData);
  }

  /**
   * Set the value from an event's output; fires `change` when it differs.
   * @param {unknown} value a client value
   */
  setValue(value) {
    const changed = !sameValue(this.value, value);
    this.value = value;
    this.show(value);
    if (changed) this.emit("change");
  }

  /**
   * Set the value from a user action and fire `events` (then `change` and `input`).
   * @param {unknown} value
   * @param {string[]} [events] events to fire before `change`, e.g. ["upload"]
   */
  userSet(value, events = []) {
    this.value = value;
    this.show(value);
    for (const event of [...events, "change", "input"]) this.emit(event);
  }

  /** @returns {Promise<unknown>} the value to send as an event input */
  async payload() {
    return this.value;
  }

  /**
   * Show that a run is in progress (the latest text of the runs in progress is shown).
   * @param {symbol} run identifies the run
   * @param {string} text
   */
  setProgress(run, text) {
    this.progress.set(run, text);
    this.renderProgress();
  }

  /** @param {symbol} run a run that ended */
  clearProgress(run) {
    this.progress.delete(run);
    this.renderProgress();
  }

  /** Show the latest progress text, or nothing when no run is in progress. */
  renderProgress() {
    const texts = [...this.progress.values()];
    this.statusLine.hidden = texts.length === 0;
    this.statusLine.textContent = texts.at(-1) ?? "";
    this.root.classList.toggle("pending", texts.length > 0);
  }

  /**
   * Show an error or validation message in the component's area.
   * @param {string} text
   */
  showMessage(text) {
    this.messageLine.textContent = text;
    this.messageLine.hidden = false;
  }

  /** Remove the message shown by {@link Block.showMessage}. */
  clearMessage() {
    this.messageLine.textContent = "";
    this.messageLine.hidden = true;
  }
}

/** `gr.Button`: a button whose value is its text; fires `click`. */
class ButtonBlock extends Block {
  static EVENTS = ["click", "change"];
  static FRAMED = false;

  /** A button labels itself: no separate label. */
  labelElement() {
    return null;
  }

  build() {
    const variant = this.props.variant ?? "secondary";
    this.button = h("button", {
      type: "button",
      id: this.controlId,
      class: `button button-${variant} button-${this.props.size ?? "lg"}`,
      disabled: !this.interactive,
      on: { click: () => this.emit("click") },
    });
    this.body.append(this.button);
  }

  /** @param {string|null} value the button's text */
  show(value) {
    this.button.textContent = value ?? "";
  }
}

/** `gr.Textbox`: a one-line input or a text area; fires change, input, submit, focus, blur. */
class TextboxBlock extends Block {
  static EVENTS = ["change", "input", "submit", "focus", "blur"];
  static LABELS_CONTROL = true;

  build() {
    const props = this.props;
    const multiline = (props.lines ?? 1) > 1 || (props.max_lines ?? 1) > 1;
    const attrs = {
      id: this.controlId,
      class: "field",
      placeholder: props.placeholder,
      readonly: !this.interactive,
      maxlength: props.max_length,
      dir: props.rtl ? "rtl" : null,
      "aria-label": props.show_label === false ? props.label : null,
      on: {
        input: () => this.userSet(this.field.value),
        focus: () => this.emit("focus"),
        blur: () => this.emit("blur"),
        keydown: (event) => this.onKey(event),
      },
    };
    this.field = multiline
      ? h("textarea", { ...attrs, rows: props.lines ?? 1 })
      : h("input", { ...attrs, type: ["password", "email"].includes(props.type) ? props.type : "text" });
    if (props.text_align) this.field.style.textAlign = props.text_align;
    const info = props.info ? h("p", { class: "block-info", text: props.info }) : null;
    this.body.append(info ?? "", this.field);
  }

  /** Enter submits a one-line box. @param {KeyboardEvent} event */
  onKey(event) {
    if (event.key === "Enter" && this.field.tagName === "INPUT") this.emit("submit");
  }

  /** @param {string|null} value */
  show(value) {
    if (this.field.value !== (value ?? "")) this.field.value = value ?? "";
  }
}

/** `gr.Number`: a number field (null when empty); fires change, input, submit, focus, blur. */
class NumberBlock extends TextboxBlock {
  build() {
    const props = this.props;
    this.field = h("input", {
      id: this.controlId,
      class: "field",
      type: "number",
      min: props.minimum,
      max: props.maximum,
      step: props.step ?? "any",
      placeholder: props.placeholder,
      readonly: !this.interactive,
      "aria-label": props.show_label === false ? props.label : null,
      on: {
        input: () => this.userSet(this.field.value === "" ? null : Number(this.field.value)),
        focus: () => this.emit("focus"),
        blur: () => this.emit("blur"),
        keydown: (event) => this.onKey(event),
      },
    });
    const info = props.info ? h("p", { class: "block-info", text: props.info }) : null;
    this.body.append(info ?? "", this.field);
  }

  /** @param {number|null} value */
  show(value) {
    const text = value === null || value === undefined ? "" : String(value);
    if (this.field.value !== text) this.field.value = text;
  }
}

/** `gr.Slider`: a range with its number; fires change and input while moving, release after. */
class SliderBlock extends Block {
  static EVENTS = ["change", "input", "release"];
  static LABELS_CONTROL = true;

  build() {
    const props = this.props;
    const common = {
      min: props.minimum,
      max: props.maximum,
      step: props.step,
      disabled: !this.interactive,
    };
    this.range = h("input", {
      ...common,
      id: this.controlId,
      type: "range",
      class: "slider",
      "aria-label": props.show_label === false ? props.label : null,
      on: {
        input: () => this.moved(Number(this.range.value)),
        change: () => this.emit("release"),
      },
    });
    this.number = h("input", {
      ...common,
      type: "number",
      class: "field slider-number",
      "aria-label": `${props.label ?? "value"} (number)`,
      on: {
        input: () => this.moved(Number(this.number.value)),
        change: () => this.emit("release"),
      },
    });
    const info = props.info ? h("p", { class: "block-info", text: props.info }) : null;
    this.body.append(info ?? "", h("div", { class: "slider-row" }, this.range, this.number));
  }

  /** @param {number} value the value the user moved to */
  moved(value) {
    this.value = value;
    this.show(value);
    this.emit("change");
    this.emit("input");
  }

  /** @param {number|null} value */
  show(value) {
    const text = String(value ?? this.props.minimum ?? 0);
    if (this.range.value !== text) this.range.value = text;
    if (this.number.value !== text) this.number.value = text;
  }
}

/** `gr.Label`: a class label with its confidences as bars; fires change. */
class LabelBlock extends Block {
  static EVENTS = ["change"];

  build() {
    this.view = h("div", { class: "label-view", id: this.controlId });
    this.body.append(this.view);
  }

  /** @param {{label?: string, confidences?: {label: string, confidence: number}[]|null}|null} value */
  show(value) {
    this.view.replaceChildren();
    if (!value || value.label === undefined) return;
    if (this.props.show_heading !== false) {
      this.view.append(h("p", { class: "label-heading", text: String(value.label) }));
    }
    for (const { label, confidence } of value.confidences ?? []) {
      const percent = Math.round(confidence * 100);
      const bar = h("div", { class: "confidence-bar" });
      bar.style.width = `${percent}%`;
      if (this.props.color) bar.style.background = this.props.color;
      this.view.append(
        h(
          "div",
          { class: "confidence" },
          h("span", { class: "confidence-name", text: String(label) }),
          h("span", { class: "confidence-value", text: `${percent}%` }),
          bar,
        ),
      );
    }
  }
}

/** `gr.Markdown`: text with headings, lists, code, emphasis and http(s) links; fires change. */
class MarkdownBlock extends Block {
  static EVENTS = ["change"];

  build() {
    this.view = h("div", { class: "markdown", id: this.controlId });
    this.body.append(this.view);
  }

  /** @param {string|null} value Markdown source */
  show(value) {
    this.view.innerHTML = renderMarkdown(value ?? "");
  }
}

/**
 * @param {string} text
 * @returns {string} the text with HTML's special characters escaped
 */
function escapeHtml(text) {
  const entities = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  return text.replace(/[&<>"']/g, (c) => entities[c]);
}

/**
 * @param {string} text one line or paragraph, not escaped yet
 * @returns {string} safe HTML with code, bold, italics and http(s) links
 */
function inlineMarkdown(text) {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/\*([^*]+)\*/g, "<em>$1</em>")
    .replace(/\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g, '<a href="$2" rel="noopener noreferrer">$1</a>');
}

/**
 * A small, safe Markdown subset, line by line: headings, list items, fenced code and
 * paragraphs (everything is escaped first).
 * @param {string} source
 * @returns {string} HTML
 */
function renderMarkdown(source) {
  const html = [];
  let open = null; // the element being filled: "p", "ul" or "pre"
  const close = () => {
    if (open) html.push({ p: "</p>", ul: "</ul>", pre: "</code></pre>" }[open]);
    open = null;
  };
  const enter = (kind, start) => {
    if (open === kind) return false;
    close();
    html.push(start);
    open = kind;
    return true;
  };
  for (const line of source.split("\n")) {
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const item = /^\s*[-*]\s+(.*)$/.exec(line);
    if (line.startsWith("```")) {
      if (open === "pre") close();
      else enter("pre", "<pre><code>");
    } else if (open === "pre") {
      html.push(`${escapeHtml(line)}\n`);
    } else if (!line.trim()) {
      close();
    } else if (heading) {
      close();
      html.push(`<h${heading[1].length}>${inlineMarkdown(heading[2])}</h${heading[1].length}>`);
    } else if (item) {
      enter("ul", "<ul>");
      html.push(`<li>${inlineMarkdown(item[1])}</li>`);
    } else {
      if (!enter("p", "<p>")) html.push("<br>");
      html.push(inlineMarkdown(line));
    }
  }
  close();
  return html.join("");
}

/** `gr.JSON`: the value pretty-printed; fires change. */
class JsonBlock extends Block {
  static EVENTS = ["change"];

  build() {
    this.view = h("pre", { class: "json", id: this.controlId });
    this.body.append(this.view);
  }

  /** @param {unknown} value */
  show(value) {
    this.view.textContent = value === null || value === undefined ? "" : JSON.stringify(value, null, 2);
  }
}

/** `gr.State`: not shown; its value lives on the server, so the page sends null. */
class StateBlock extends Block {
  static EVENTS = ["change"];

  /** Nothing to render. */
  render() {}

  /** @returns {Promise<null>} */
  async payload() {
    return null;
  }

  setValue() {}
}

/** `gr.Timer`: not shown; fires `tick` every `value` seconds while `active`. */
class TimerBlock extends Block {
  static EVENTS = ["tick"];

  /** Nothing to render. */
  render() {}

  /** Start ticking (called once the app is ready). */
  start() {
    this.restart();
  }

  /** (Re)start the interval from the current value. */
  restart() {
    clearInterval(this.interval);
    const seconds = Number(this.value);
    if (this.props.active === false || !(seconds > 0)) return;
    this.interval = setInterval(() => this.emit("tick"), seconds * 1000);
  }

  /** @param {number|null} value a new interval in seconds */
  setValue(value) {
    this.value = value;
    if (this.interval !== undefined) this.restart();
  }
}

/** A component type this page does not know: its label and a note. */
class UnknownBlock extends Block {
  build() {
    this.body.append(h("p", { class: "block-info", text: `(${this.type} is not shown by this page)` }));
  }
}

/**
 * `gr.Image`: shows an image (from a file, a data URL, binary stream bytes or, as the
 * output of a WebRTC stream, a live video track) and, when interactive, takes one from its
 * `sources`: upload (file picker, drag and drop), webcam (a snapshot, or a stream when an
 * event streams from it) and clipboard (paste).
 * Fires upload, change, input, clear and select (`{index: [x, y]}` in image pixels); its
 * `stream` events are run by the app from the start/stop buttons.
 */
class ImageBlock extends Block {
  static EVENTS = ["upload", "change", "input", "clear", "select"];

  constructor(config, index, services) {
    super(config, index, services);
    /** @type {{blob: Blob, url: string}|null} the displayed binary output, if any */
    this.binary = null;
    this.pendingUpload = null;
    this.streaming = false;
    this.mode = null;
    /** @type {MediaStream|null} the live track shown (a WebRTC stream's output), if any */
    this.live = null;
    /** @type {HTMLVideoElement|null} where the live track plays (made on first use) */
    this.liveVideo = null;
    /** @type {Promise<void>|null} the last picture of a live track becoming the value */
    this.pendingSnapshot = null;
  }

  /** @returns {string[]} the sources the user may take an image from */
  get sources() {
    return this.interactive ? (this.props.sources ?? ["upload", "webcam", "clipboard"]) : [];
  }

  build() {
    const labelled = Boolean(this.props.label) && this.props.show_label !== false;
    this.frame = h("div", {
      class: "image-frame",
      role: "group",
      "aria-labelledby": labelled ? `${this.controlId}-label` : null,
      "aria-label": labelled ? null : (this.props.label ?? "image"),
      tabindex: this.interactive ? 0 : null,
    });
    const height = cssSize(this.props.height);
    if (height) this.frame.style.height = height;
    const width = cssSize(this.props.width);
    if (width) this.frame.style.width = width;
    this.frame.classList.toggle("fixed-height", Boolean(height));
    this.img = h("img", {
      class: "image-view",
      id: this.controlId,
      alt: this.props.alt_text ?? this.props.label ?? "image",
      "data-testid": `output-${this.key}`,
      hidden: true,
      on: { click: (event) => this.onImageClick(event) },
    });
    this.placeholder = h("div", {
      class: "image-placeholder",
      on: { click: () => this.onPlaceholderClick() },
    });
    this.frame.append(this.img, this.placeholder);
    this.toolbar = this.buildToolbar();
    this.note = h("p", { class: "image-note", role: "status", hidden: true });
    this.body.append(this.toolbar, this.frame);
    if (this.sources.length) this.buildSources();
    this.body.append(this.note);
  }

  /** @returns {HTMLElement} the download / fullscreen / share / custom / clear buttons */
  buildToolbar() {
    const bar = h("div", { class: "image-toolbar", role: "toolbar", "aria-label": `${this.key} tools` });
    for (const button of this.props.buttons ?? []) {
      if (button === "download") {
        this.download = h("a", { class: "tool", download: "", text: "Download", hidden: true });
        bar.append(this.download);
      } else if (button === "fullscreen") {
        bar.append(this.toolButton("Fullscreen", () => this.toggleFullscreen()));
      } else if (button === "share") {
        bar.append(this.toolButton("Share", () => notify("info", "Sharing is not available here.")));
      } else if (button && typeof button === "object") {
        bar.append(this.customButton(button.id));
      }
    }
    if (this.interactive) {
      this.clearButton = this.toolButton("Clear", () => this.clear());
      this.clearButton.hidden = true;
      bar.append(this.clearButton);
    }
    return bar;
  }

  /**
   * @param {string} text
   * @param {() => void} action
   * @returns {HTMLButtonElement}
   */
  toolButton(text, action) {
    return h("button", { type: "button", class: "tool", text, on: { click: action } });
  }

  /**
   * A toolbar button standing for a Button component: clicking it clicks that button.
   * @param {number} id the Button component's id
   * @returns {HTMLButtonElement}
   */
  customButton(id) {
    const config = this.services.componentConfig(id);
    const text = config?.props?.value ?? config?.props?.label ?? `button ${id}`;
    return this.toolButton(String(text), () => this.services.emit(id, "click"));
  }

  /** The source picker, the file input, the webcam preview and their controls. */
  buildSources() {
    const sources = this.sources;
    this.fileInput = h("input", {
      type: "file",
      accept: "image/*",
      class: "visually-hidden",
      id: `${this.controlId}-file`,
      "data-testid": `upload-${this.key}`,
      on: { change: () => this.onFileChosen() },
    });
    this.video = h("video", { class: "image-video", muted: true, playsinline: true, hidden: true });
    this.video.muted = true;
    this.webcam = new Webcam(this.video, this.props.webcam_options);
    this.frame.append(this.video);
    this.controls = h("div", { class: "image-controls" });
    this.tabs = h("div", { class: "source-tabs", role: "group", "aria-label": "Image source" });
    if (sources.length > 1) {
      for (const source of sources) {
        const tab = this.toolButton(SOURCE_NAMES[source] ?? source, () => this.selectSource(source));
        tab.dataset.source = source;
        this.tabs.append(tab);
      }
    }
    this.body.append(this.fileInput, this.tabs, this.controls);
    this.frame.addEventListener("dragover", (event) => this.onDragOver(event));
    this.frame.addEventListener("dragleave", () => this.frame.classList.remove("dragging"));
    this.frame.addEventListener("drop", (event) => this.onDrop(event));
    this.frame.addEventListener("paste", (event) => this.onPaste(event));
    this.selectSource(sources[0]);
  }

  /**
   * Switch the active source: its controls and placeholder are shown.
   * @param {string} source "upload", "webcam" or "clipboard"
   */
  selectSource(source) {
    if (this.mode === "webcam" && source !== "webcam" && !this.streaming) this.webcam.stop();
    this.mode = source;
    for (const tab of this.tabs.children) {
      tab.setAttribute("aria-pressed", String(tab.dataset.source === source));
    }
    this.controls.replaceChildren(...this.sourceControls(source));
    this.refresh();
  }

  /**
   * @param {string} source
   * @returns {HTMLElement[]} the buttons for that source
   */
  sourceControls(source) {
    if (source === "upload") {
      return [this.toolButton("Choose a file", () => this.fileInput.click())];
    }
    if (source === "clipboard") {
      return [this.toolButton("Paste from the clipboard", () => this.readClipboard())];
    }
    if (this.streamButtons) return [this.streamButtons];
    return [
      this.toolButton("Turn on the camera", () => this.startWebcam()),
      this.toolButton("Capture", () => this.captureSnapshot()),
      this.toolButton("Turn off the camera", () => this.stopWebcam()),
    ];
  }

  /**
   * Make this image the webcam of a stream event: start/stop buttons replace the snapshot
   * controls. The app calls it for each image a `stream` event targets.
   */
  enableStreaming() {
    if (!this.webcam || this.streamButtons) return;
    this.startButton = h("button", {
      type: "button",
      class: "button button-primary",
      "data-testid": `start-${this.key}`,
      text: "Start streaming",
      on: { click: () => this.startStreaming() },
    });
    this.stopButton = h("button", {
      type: "button",
      class: "button button-stop",
      "data-testid": `stop-${this.key}`,
      text: "Stop",
      hidden: true,
      on: { click: () => this.stopStreaming() },
    });
    this.streamButtons = h("div", { class: "stream-buttons" }, this.startButton, this.stopButton);
    if (this.mode === "webcam") this.selectSource("webcam");
  }

  /** Turn the camera on and start this image's stream events. */
  async startStreaming() {
    if (this.streaming || this.startButton.disabled) return;
    this.clearMessage();
    this.setNote("");
    this.startButton.disabled = true;
    const on = await this.startWebcam();
    this.startButton.disabled = false;
    if (!on) return;
    this.setStreaming(true);
    this.services.startStreams(this);
  }

  /** Stop this image's streams (the user's Stop) and turn the camera off. */
  stopStreaming() {
    this.setStreaming(false);
    this.services.stopStreams(this);
    this.webcam.stop();
    this.refresh();
  }

  /** @param {boolean} on whether the streams run (toggles the start/stop buttons) */
  setStreaming(on) {
    this.streaming = on;
    this.startButton.hidden = on;
    this.stopButton.hidden = !on;
  }

  /**
   * Turn the camera on; a failure is shown in the component.
   * @returns {Promise<boolean>} whether the camera is on
   */
  async startWebcam() {
    try {
      await this.webcam.start(() => this.onWebcamEnded());
      this.refresh();
      return true;
    } catch (error) {
      this.showMessage(`Could not open the webcam: ${error.message || error.name}`);
      return false;
    }
  }

  /** Turn the camera off (the snapshot controls' button). */
  stopWebcam() {
    this.webcam.stop();
    this.refresh();
  }

  /** The camera stopped by itself: end the streams that used it. */
  onWebcamEnded() {
    if (this.streaming) this.stopStreaming();
    else this.stopWebcam();
  }

  /** @returns {boolean} whether the camera is on (streams rejoin only then) */
  get webcamActive() {
    return Boolean(this.webcam?.active);
  }

  /** @returns {Promise<Blob|null>} a JPEG of the current camera picture */
  captureFrame() {
    return this.webcam.capture("image/jpeg");
  }

  /** Take a snapshot as the value (webcam source without streaming). */
  async captureSnapshot() {
    const blob = await this.webcam.capture("image/png");
    if (!blob) {
      this.showMessage("Turn on the camera first.");
      return;
    }
    this.webcam.stop();
    await this.acceptImage(blob, "webcam.png");
  }

  /** A click on the empty frame: choose a file (upload) or turn the camera on (webcam). */
  onPlaceholderClick() {
    if (this.mode === "upload") this.fileInput.click();
    else if (this.mode === "webcam" && !this.streamButtons) this.startWebcam();
  }

  /** The file picker's choice becomes the value. */
  async onFileChosen() {
    const file = this.fileInput.files?.[0];
    this.fileInput.value = "";
    if (file) await this.acceptImage(file, file.name);
  }

  /** @param {DragEvent} event */
  onDragOver(event) {
    if (!this.sources.includes("upload")) return;
    event.preventDefault();
    this.frame.classList.add("dragging");
  }

  /** @param {DragEvent} event a drop: its first image file becomes the value */
  async onDrop(event) {
    if (!this.sources.includes("upload")) return;
    event.preventDefault();
    this.frame.classList.remove("dragging");
    const file = [...(event.dataTransfer?.files ?? [])].find((f) => f.type.startsWith("image/"));
    if (file) await this.acceptImage(file, file.name);
    else this.showMessage("Drop an image file.");
  }

  /** @param {ClipboardEvent} event a paste: its first image becomes the value */
  async onPaste(event) {
    if (!this.sources.includes("clipboard")) return;
    const item = [...(event.clipboardData?.items ?? [])].find((i) => i.type.startsWith("image/"));
    const file = item?.getAsFile();
    if (!file) return;
    event.preventDefault();
    await this.acceptImage(file, file.name || "pasted.png");
  }

  /** Read an image from the clipboard (the "Paste" button). */
  async readClipboard() {
    try {
      for (const item of await navigator.clipboard.read()) {
        const type = item.types.find((t) => t.startsWith("image/"));
        if (type) {
          await this.acceptImage(await item.getType(type), `pasted.${type.split("/")[1]}`);
          return;
        }
      }
      this.showMessage("The clipboard holds no image.");
    } catch (error) {
      this.showMessage(`Could not read the clipboard (${error.message}); press Ctrl+V on the image instead.`);
    }
  }

  /**
   * Upload an image the user gave and make it the value; fires upload, change, input.
   * Event inputs wait for the upload (see {@link ImageBlock.payload}).
   * @param {Blob} blob
   * @param {string} name its file name
   */
  async acceptImage(blob, name) {
    if (blob.type && !blob.type.startsWith("image/")) {
      this.showMessage(`${name} is not an image.`);
      return;
    }
    this.clearMessage();
    const upload = this.uploadImage(blob, name);
    const token = Symbol("upload");
    this.pendingUpload = upload;
    this.setProgress(token, `Uploading ${name}…`);
    const value = await upload;
    this.clearProgress(token);
    if (this.pendingUpload === upload) this.pendingUpload = null;
    if (value) this.userSet(value, ["upload"]);
  }

  /**
   * @param {Blob} blob
   * @param {string} name
   * @returns {Promise<object|null>} the uploaded image's value (null after showing the failure)
   */
  async uploadImage(blob, name) {
    try {
      const path = await this.services.upload(name, new Uint8Array(await blob.arrayBuffer()));
      return { path, orig_name: name, mime_type: blob.type || null, size: blob.size };
    } catch (error) {
      this.showMessage(`Upload failed: ${error.message}`);
      return null;
    }
  }

  /** Remove the value; fires clear, change, input. */
  clear() {
    this.userSet(null, ["clear"]);
  }

  /**
   * Show a stream output that came as bytes (binary mode); fires change.
   * @param {Uint8Array} bytes the encoded image
   * @param {string} mime its type
   */
  showBytes(bytes, mime) {
    this.showBlob(new Blob([bytes], { type: mime || "image/jpeg" }));
  }

  /** @param {Blob} blob an encoded image to show as the value; fires change */
  showBlob(blob) {
    const previous = this.binary;
    this.binary = { blob, url: URL.createObjectURL(blob) };
    this.value = null;
    this.display(this.binary.url, `stream.${blob.type.split("/")[1]}`);
    // the previous picture stays on screen until this one is decoded (or replaced in turn)
    const revoke = () => previous && URL.revokeObjectURL(previous.url);
    this.img.decode().then(revoke, revoke);
    this.emit("change");
  }

  /** @param {object|null} value an image value ({path} / {url}) */
  setValue(value) {
    this.dropBinary();
    super.setValue(value);
  }

  userSet(value, events = []) {
    this.dropBinary();
    super.userSet(value, events);
  }

  /** Forget a binary output (a value replaced it). */
  dropBinary() {
    if (!this.binary) return;
    URL.revokeObjectURL(this.binary.url);
    this.binary = null;
  }

  /** @param {object|null} value an image value: shown from its `url` or its `/file=` path */
  show(value) {
    const source = value?.url ?? (value?.path ? fileUrl(value.path) : null);
    this.display(source, value?.orig_name ?? null);
  }

  /**
   * @param {string|null} source what the `<img>` shows (null: nothing)
   * @param {string|null} name the download's file name
   */
  display(source, name) {
    if (source) this.img.src = source;
    else this.img.removeAttribute("src");
    if (this.download) {
      this.download.hidden = !source;
      this.download.href = source ?? "";
      this.download.download = name ?? "image";
    }
    this.refresh();
  }

  /**
   * Play a live track (the processed video of a WebRTC stream) in place of the image. The
   * `<video>` is shown, and takes the `output-<key>` test id, once its first frame is in;
   * until then the image stays.
   * @param {MediaStream} media
   */
  showTrack(media) {
    if (!this.liveVideo) {
      this.liveVideo = h("video", {
        class: "image-view image-live",
        autoplay: true,
        muted: true,
        playsinline: true,
        hidden: true,
        "aria-label": this.props.label ?? "image",
        on: { loadeddata: () => this.refresh(), emptied: () => this.refresh() },
      });
      this.liveVideo.muted = true;
      this.img.after(this.liveVideo);
    }
    this.live = media;
    this.liveVideo.srcObject = media;
    this.refresh();
  }

  /**
   * A live track ended: its last picture becomes the value (as the last output of a
   * WebSocket stream does) and is shown in place of the video.
   * @param {MediaStream|null} media the track's stream (nothing happens unless it is shown)
   */
  endTrack(media) {
    if (!this.live || this.live !== media) return;
    const video = this.liveVideo;
    const { videoWidth: width, videoHeight: height } = video;
    if (width && height && video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) {
      const canvas = document.createElement("canvas");
      canvas.width = width;
      canvas.height = height;
      canvas.getContext("2d").drawImage(video, 0, 0, width, height);
      const snapshot = new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", JPEG_QUALITY)).then(
        (blob) => {
          if (blob) this.showBlob(blob);
          if (this.pendingSnapshot === snapshot) this.pendingSnapshot = null;
        },
      );
      this.pendingSnapshot = snapshot;
    }
    this.live = null;
    video.srcObject = null;
    this.refresh();
  }

  /** @returns {boolean} whether a live track is shown (it has a picture) */
  get liveShown() {
    const video = this.liveVideo;
    return this.live !== null && video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && video.videoWidth > 0;
  }

  /** Update what depends on the state: placeholder, preview, clear button, select cursor. */
  refresh() {
    const liveShown = this.liveShown;
    this.img.hidden = !this.img.getAttribute("src") || liveShown;
    if (this.liveVideo) {
      this.liveVideo.hidden = !liveShown;
      // the test id names what shows the output: the live video while it plays, else the image
      const [shown, other] = liveShown ? [this.liveVideo, this.img] : [this.img, this.liveVideo];
      shown.dataset.testid = `output-${this.key}`;
      delete other.dataset.testid;
    }
    const hasImage = !this.img.hidden || liveShown;
    const live = this.webcamActive;
    if (this.video) {
      this.video.hidden = !live;
      this.video.classList.toggle("behind", live && hasImage);
    }
    if (this.clearButton) this.clearButton.hidden = !hasImage;
    this.placeholder.hidden = hasImage || live;
    this.placeholder.textContent = this.placeholderText();
    this.img.classList.toggle("selectable", this.hasListeners("select"));
  }

  /** @returns {string} what the empty frame says */
  placeholderText() {
    if (this.props.placeholder) return this.props.placeholder;
    if (!this.interactive) return "No image";
    if (this.mode === "upload") return "Drop an image here, or choose a file";
    if (this.mode === "clipboard") return "Paste an image here (Ctrl+V)";
    return this.streamButtons ? "Start streaming to turn on the camera" : "Turn on the camera";
  }

  /**
   * A click on the image fires `select` with the clicked pixel `[x, y]`.
   * @param {MouseEvent} event
   */
  onImageClick(event) {
    if (!this.hasListeners("select")) return;
    const box = this.img.getBoundingClientRect();
    const scaleX = this.img.naturalWidth / box.width;
    const scaleY = this.img.naturalHeight / box.height;
    const x = clamp(Math.floor((event.clientX - box.left) * scaleX), this.img.naturalWidth - 1);
    const y = clamp(Math.floor((event.clientY - box.top) * scaleY), this.img.naturalHeight - 1);
    this.emit("select", { index: [x, y], value: null, selected: true });
  }

  /** Show the image full screen, or leave full screen. */
  toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else this.frame.requestFullscreen().catch((error) => notify("info", `Full screen refused: ${error.message}`));
  }

  /**
   * A note under the image (stream status such as rejoining after a time limit).
   * @param {string} text empty to hide it
   */
  setNote(text) {
    this.note.textContent = text;
    this.note.hidden = !text;
  }

  /** @returns {Promise<object|null>} the value as an input, waiting for an upload in progress */
  async payload() {
    if (this.pendingUpload) await this.pendingUpload;
    if (this.pendingSnapshot) await this.pendingSnapshot;
    if (this.binary) return { url: await blobToDataUrl(this.binary.blob) };
    return this.value;
  }
}

const SOURCE_NAMES = { upload: "Upload", webcam: "Webcam", clipboard: "Clipboard" };

/**
 * @param {number} value
 * @param {number} max
 * @returns {number} value limited to [0, max]
 */
function clamp(value, max) {
  return Math.min(Math.max(value, 0), Math.max(max, 0));
}

const BLOCK_TYPES = {
  image: ImageBlock,
  button: ButtonBlock,
  textbox: TextboxBlock,
  number: NumberBlock,
  slider: SliderBlock,
  label: LabelBlock,
  markdown: MarkdownBlock,
  json: JsonBlock,
  state: StateBlock,
  timer: TimerBlock,
};

/**
 * @param {{id: number, type: string, props: object}} config one entry of config.components
 * @param {number} index its position in config.components
 * @param {BlockServices} services
 * @returns {Block} the rendered component
 */
function createBlock(config, index, services) {
  const Type = BLOCK_TYPES[config.type] ?? UnknownBlock;
  const block = new Type(config, index, services);
  block.render();
  return block;
}

// -- stream transports ------------------------------------------------------------------------

/**
 * What a stream transport gets from, and reports to, the app about one stream event.
 * @typedef {object} StreamHooks
 * @property {() => Promise<Blob|null>} capture a JPEG of the webcam's current picture
 * @property {() => MediaStream|null} camera the webcam's media stream (WebRTC sends its track)
 * @property {(message: object) => void} estimation the stream waits in the queue
 * @property {(message: object) => void} started the stream runs
 * @property {(data: any[], image: StreamImage|null) => void} output
 * @property {(message: object) => void} frameError one frame was refused
 * @property {(message: object) => void} completed the stream ended (always last)
 * @property {(media: MediaStream) => void} remoteStream WebRTC: the processed video arrived
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

/**
 * A webcam stream over the page's WebSocket: `open_stream`, then binary JPEG frames, at
 * most one in flight and at most one per `stream_every`; `close_stream` to stop.
 */
class WebSocketStream {
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
    const latency = message.seq === this.inFlight?.seq ? performance.now() - this.inFlight.sentAt : null;
    this.stats.outputReceived(latency);
    const image = payload ? { index: message.index, bytes: payload, mime: message.mime } : null;
    this.hooks.output(message.data ?? [], image);
    this.settle(message.seq);
  }

  /** @param {object} message `frame_error`: the frame was refused, the stream goes on */
  onFrameError(message) {
    this.hooks.frameError(message);
    this.settle(message.seq);
  }

  /**
   * The frame in flight got its answer (or timed out): count the capture opportunities
   * missed while it was in flight, then schedule the next frame.
   * @param {number|null} seq the answered frame (null: the in-flight one timed out)
   */
  settle(seq) {
    if (!this.inFlight || (seq !== null && seq !== this.inFlight.seq)) return;
    clearTimeout(this.watchdog);
    if (this.everyMs > 0) {
      const periods = Math.floor((performance.now() - this.inFlight.sentAt) / this.everyMs);
      if (periods > 1) this.stats.framesSkipped(periods - 1);
    }
    if (seq === null) this.stats.framesSkipped(1);
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
    this.stats.streamEnded(message.stats ?? null);
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
 * Mirroring: the preview is mirrored with CSS as in WebSocket mode, but the frames sent are
 * the camera's own, NOT mirrored (Gradio and the WebSocket mode send mirrored pictures).
 * Mirroring them would need a canvas redrawn for every frame and its capture track: a copy
 * per frame, and frame timing left to the page. So over WebRTC the fn sees the scene as
 * the camera does, and the processed video is not mirrored.
 *
 * If WebRTC cannot connect — no `RTCPeerConnection`, the offer refused with an `error`, no
 * `rtc_answer` within {@link RTC_ANSWER_TIMEOUT_MS}, a connection that fails or is not
 * connected {@link RTC_CONNECT_TIMEOUT_MS} after the answer, a stream the server gave up
 * before it connected — the job is cancelled, the peer closed, and the same stream runs as
 * a {@link WebSocketStream} with the same hooks (`hooks.fallback` tells the app why).
 */
class WebRtcStream {
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
        { type: "rtc_offer", api_name: this.dep.api_name, sdp, data },
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
    const pc = new RTCPeerConnection(this.options.rtcConfiguration ?? undefined);
    this.pc = pc;
    PEERS.add(pc);
    pc.addTransceiver(track, { direction: "sendrecv", streams: [camera] });
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
    this.hooks.remoteStream(this.remote);
  }

  /** @param {string|ArrayBuffer} data a message of the data channel (JSON text) */
  onChannelMessage(data) {
    if (typeof data !== "string") return;
    const message = JSON.parse(data);
    if (message.type === "output") this.onOutput(message);
    else if (message.type === "frame_error") this.onFrameError(message);
    else if (message.type === "completed") this.onCompleted(message);
  }

  /** @param {object} message `output` (its image, at `trackIndex`, is on the video track) */
  onOutput(message) {
    if (!this.current) return;
    this.stats.outputReceived(message.latency_ms ?? null);
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
    this.stats.streamEnded(message.stats ?? null);
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
    const pc = this.pc;
    if (!pc) return;
    if (this.remote) this.hooks.remoteEnded(this.remote);
    this.remote = null;
    // count what was sent since the last poll (pollStats takes this.pc at once), then close
    this.pollStats().finally(() => {
      PEERS.delete(pc);
      pc.close();
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

/** Stream transports by `?transport=` name; each has `open`, `updateInputs` and `close`. */
const STREAM_TRANSPORTS = { webrtc: WebRtcStream, websocket: WebSocketStream };

/**
 * @returns {string} the stream transport to use: `?transport=` when it names one, else
 *   WebRTC when the browser has it, else WebSocket (an unknown name is reported)
 */
function chooseTransport() {
  const fallback = typeof window.RTCPeerConnection === "function" ? "webrtc" : "websocket";
  const wanted = QUERY.get("transport");
  if (wanted === null) return fallback;
  if (Object.hasOwn(STREAM_TRANSPORTS, wanted)) return wanted;
  notify("info", `The transport "${wanted}" is not available in this page; streaming over ${fallback}.`);
  return fallback;
}

/**
 * Use `name` for the streams that start from now on (shown in the statistics panel and
 * as `window.streamcore.transport`).
 * @param {string} name a key of {@link STREAM_TRANSPORTS}
 */
function setTransport(name) {
  page.transport = name;
  const field = document.querySelector('#stats [data-stat="transport"]');
  if (field) field.textContent = name;
}

/**
 * Show a lasting note under the header (e.g. the WebRTC fallback).
 * @param {string} text
 */
function showNotice(text) {
  const notice = document.getElementById("notice");
  notice.textContent = text;
  notice.hidden = false;
}

// -- the app -----------------------------------------------------------------------------------

/**
 * The rendered app: its components, its events and the runs of those events.
 */
class App {
  /**
   * @param {object} config the app description (GET /config)
   * @param {Stats} stats
   * @param {string} transport the stream transport (a key of {@link STREAM_TRANSPORTS})
   */
  constructor(config, stats, transport) {
    this.config = config;
    this.stats = stats;
    this.transport = transport;
    this.connection = null;
    /** @type {Map<number, Block>} */
    this.blocks = new Map();
    this.componentConfigs = new Map(config.components.map((c) => [c.id, c]));
    /** @type {Map<string, {dep: object, when: string}[]>} chained events by parent dep id */
    this.chains = new Map();
    this.loadDeps = [];
    /** @type {Map<ImageBlock, object[]>} stream events by webcam image */
    this.streamDeps = new Map();
    /** @type {Map<ImageBlock, object[]>} running stream transports by webcam image */
    this.streams = new Map();
  }

  /** @returns {BlockServices} */
  services() {
    return {
      upload: (name, bytes) => this.connection.upload(name, bytes),
      startStreams: (image) => this.startStreams(image),
      stopStreams: (image) => this.stopStreams(image),
      componentConfig: (id) => this.componentConfigs.get(id),
      emit: (id, event) => this.blocks.get(id)?.emit(event),
    };
  }

  /** @param {HTMLElement} main render every component into it, in order */
  render(main) {
    const services = this.services();
    main.replaceChildren();
    for (const [index, config] of this.config.components.entries()) {
      const block = createBlock(config, index, services);
      this.blocks.set(config.id, block);
      if (block.root && config.props?.visible !== false) main.append(block.root);
    }
    this.wire();
    for (const block of this.blocks.values()) if (block instanceof ImageBlock) block.refresh();
  }

  /** Connect every dependency to what triggers it. */
  wire() {
    for (const dep of this.config.dependencies) {
      if (dep.js) console.info(`streamcore: the js of the event "${dep.api_name}" is ignored by this page.`);
      for (const [source, event] of dep.targets) this.wireTarget(dep, source, event);
    }
  }

  /**
   * @param {object} dep a config dependency
   * @param {number|string} source a component id or "dep:<id>"
   * @param {string} event
   */
  wireTarget(dep, source, event) {
    if (typeof source === "string" && source.startsWith("dep:")) {
      const parent = source.slice("dep:".length);
      if (!this.chains.has(parent)) this.chains.set(parent, []);
      this.chains.get(parent).push({ dep, when: event });
      return;
    }
    const block = this.blocks.get(source);
    if (block && event === "stream" && block instanceof ImageBlock) {
      this.addStreamDep(block, dep);
    } else if (block) {
      block.on(event, (eventData) => this.trigger(dep, eventData));
    } else if (event === "load") {
      this.loadDeps.push(dep);
    } else {
      console.info(`streamcore: the event "${dep.api_name}" listens to an unknown target ${source}.${event}.`);
    }
  }

  /**
   * @param {ImageBlock} image a webcam image
   * @param {object} dep a stream event that takes its frames
   */
  addStreamDep(image, dep) {
    if (!this.streamDeps.has(image)) this.streamDeps.set(image, []);
    this.streamDeps.get(image).push(dep);
    image.enableStreaming();
  }

  /**
   * Connect to the server, then run the load events and start the timers.
   * @param {Connection} connection
   */
  start(connection) {
    this.connection = connection;
    for (const dep of this.loadDeps) this.trigger(dep, null);
    for (const block of this.blocks.values()) if (block instanceof TimerBlock) block.start();
  }

  // -- calls -----------------------------------------------------------------------------------

  /**
   * Run an event once (a `submit`); stream events start from their webcam instead.
   * @param {object} dep
   * @param {object|null} eventData
   */
  async trigger(dep, eventData) {
    if (dep.connection === "stream") return;
    const run = this.beginRun(dep);
    const data = await this.inputPayloads(dep, null);
    const handlers = {
      estimation: (message) => this.showRunProgress(run, queueText(message)),
      started: () => this.showRunProgress(run, "Running…"),
      output: (message) => this.applyOutputs(run, message.data),
      completed: (message) => this.finishRun(run, message),
      error: (message) => notify("error", message.message, { title: `Refused (${message.code})` }),
    };
    const message = { type: "submit", api_name: dep.api_name, data, event_data: eventData };
    try {
      await this.connection.request(message, handlers);
    } catch (error) {
      this.finishRun(run, refusal(error));
    }
  }

  /**
   * Start tracking a run: clear the inputs' old messages and show progress on the outputs.
   * @param {object} dep
   * @returns {{dep: object, token: symbol, outputsApplied: boolean}}
   */
  beginRun(dep) {
    const run = { dep, token: Symbol(dep.api_name), outputsApplied: false };
    for (const block of this.rendered([...dep.inputs, ...dep.outputs])) block.clearMessage();
    this.showRunProgress(run, "Waiting…");
    return run;
  }

  /**
   * @param {{dep: object, token: symbol}} run
   * @param {string} text shown on the run's progress components (per `show_progress`)
   */
  showRunProgress(run, text) {
    if (run.dep.show_progress === "hidden") return;
    for (const block of this.progressBlocks(run.dep)) block.setProgress(run.token, text);
  }

  /** @param {object} dep @returns {Block[]} where the event's progress shows */
  progressBlocks(dep) {
    return this.rendered(dep.show_progress_on ?? dep.outputs);
  }

  /** @param {number[]} ids @returns {Block[]} those components that are rendered */
  rendered(ids) {
    return ids.map((id) => this.blocks.get(id)).filter((block) => block?.root);
  }

  /**
   * @param {object} dep
   * @param {number|null} frameIndex the stream's frame input (sent as null), if any
   * @returns {Promise<any[]>} one value per input
   */
  inputPayloads(dep, frameIndex) {
    return Promise.all(
      dep.inputs.map((id, index) => (index === frameIndex ? null : this.blocks.get(id)?.payload() ?? null)),
    );
  }

  /**
   * Show outputs: `data` has one value per output; a binary image goes to its index, and
   * an image on a WebRTC video track is already playing there.
   * @param {{dep: object, outputsApplied: boolean}} run
   * @param {any[]} data
   * @param {StreamImage|null} [image]
   */
  applyOutputs(run, data, image = null) {
    run.outputsApplied = true;
    run.dep.outputs.forEach((id, index) => {
      const block = this.blocks.get(id);
      if (!block) return;
      if (image && index === image.index && block instanceof ImageBlock) {
        if (image.bytes) block.showBytes(image.bytes, image.mime);
      } else {
        block.setValue(data[index] ?? null);
      }
    });
  }

  /**
   * A run ended: show its final outputs, errors or validation messages, then run the
   * events chained to it.
   * @param {{dep: object, token: symbol, outputsApplied: boolean}} run
   * @param {object} message `completed` (or a page-made equivalent)
   */
  finishRun(run, message) {
    for (const block of this.progressBlocks(run.dep)) block.clearProgress(run.token);
    if (message.data && !run.outputsApplied && !FAILED_REASONS.has(message.reason)) {
      this.applyOutputs(run, message.data);
    }
    if (message.error) this.showError(run.dep, message.error);
    if (message.validation) this.showValidation(run.dep, message.validation);
    this.runChains(run.dep, message);
  }

  /**
   * @param {object} dep
   * @param {{message: string, title?: string, duration?: number|null, visible?: boolean}} error
   */
  showError(dep, error) {
    const text = error.message || "Something went wrong.";
    for (const block of this.progressBlocks(dep)) block.showMessage(text);
    if (error.visible === false) page.lastError = text;
    else notify("error", text, { title: error.title ?? "Error", duration: error.duration ?? null });
  }

  /**
   * Show each refused input's message next to it (entries are in input order).
   * @param {object} dep
   * @param {{parameter_name: string, is_valid: boolean, message: string}[]} results
   */
  showValidation(dep, results) {
    results.forEach((result, index) => {
      if (result.is_valid) return;
      const text = result.message || `${result.parameter_name} is not valid`;
      const block = this.blocks.get(dep.inputs[index]);
      if (block?.root) block.showMessage(text);
      else notify("error", text, { title: `Invalid ${result.parameter_name}` });
    });
    page.lastError = results.find((result) => !result.is_valid)?.message ?? page.lastError;
  }

  /**
   * Run the events chained to `dep`: `then` after any run, `success` after a good one.
   * @param {object} dep
   * @param {{reason: string, success: boolean}} message its completion
   */
  runChains(dep, message) {
    if (NOT_RUN_REASONS.has(message.reason)) return;
    const succeeded = message.success && !FAILED_REASONS.has(message.reason);
    for (const { dep: next, when } of this.chains.get(String(dep.id)) ?? []) {
      if (when === "then" || (when === "success" && succeeded)) this.trigger(next, null);
    }
  }

  // -- streams -----------------------------------------------------------------------------------

  /** @param {ImageBlock} image start every stream event fed by this webcam */
  startStreams(image) {
    for (const dep of this.streamDeps.get(image) ?? []) this.openStream(image, dep);
  }

  /** @param {ImageBlock} image stop (the user's Stop) every stream fed by this webcam */
  stopStreams(image) {
    for (const stream of this.streams.get(image) ?? []) stream.close();
  }

  /**
   * Open one stream event with its transport; it rejoins by itself after its time limit
   * while the camera is still on.
   * @param {ImageBlock} image the webcam
   * @param {object} dep the stream event
   */
  async openStream(image, dep) {
    const run = this.beginRun(dep);
    const frameIndex = streamFrameIndex(dep, image, this.componentConfigs);
    // the server sends the first Image output on the WebRTC video track
    const trackIndex = dep.outputs.findIndex((id) => this.componentConfigs.get(id)?.type === "image");
    const trackBlock = trackIndex >= 0 ? this.blocks.get(dep.outputs[trackIndex]) : null;
    const Transport = STREAM_TRANSPORTS[this.transport];
    const hooks = {
      capture: () => image.captureFrame(),
      camera: () => image.webcam.stream,
      estimation: (message) => this.showStreamStatus(image, run, queueText(message)),
      started: (message) => this.showStreamStatus(image, run, streamingText(message)),
      output: (data, streamImage) => this.applyOutputs(run, data, streamImage),
      frameError: (message) => image.showMessage(`A frame was refused: ${message.error?.message ?? "unknown error"}`),
      completed: (message) => end(message),
      remoteStream: (media) => trackBlock?.showTrack(media),
      remoteEnded: (media) => trackBlock?.endTrack(media),
      fallback: (reason) => this.fellBack(reason),
    };
    const stream = new Transport(this.connection, dep, this.stats, hooks, {
      rtcConfiguration: this.config.rtc_configuration ?? null,
      trackIndex,
    });
    this.addStream(image, stream);
    const stopFollowing = this.followInputs(dep, frameIndex, stream);
    const end = (message) => {
      stopFollowing();
      this.streamEnded(image, dep, run, stream, message);
    };
    try {
      await stream.open(await this.inputPayloads(dep, frameIndex));
    } catch (error) {
      end(refusal(error));
    }
  }

  /**
   * A WebRTC stream could not connect and now runs over the WebSocket: so do the streams
   * started from now on, and the page says so.
   * @param {string} reason
   */
  fellBack(reason) {
    console.info(`streamcore: WebRTC could not connect (${reason}); streaming over WebSocket.`);
    if (this.transport === "websocket") return;
    this.transport = "websocket";
    setTransport("websocket");
    showNotice(`${FALLBACK_NOTE} (${reason}).`);
  }

  /** Close every peer connection at once (the page is going away). */
  closePeers() {
    for (const pc of PEERS) pc.close();
    PEERS.clear();
  }

  /**
   * @param {ImageBlock} image
   * @param {{dep: object, token: symbol}} run
   * @param {string} text shown on the webcam image and the run's progress components
   */
  showStreamStatus(image, run, text) {
    image.setProgress(run.token, text);
    this.showRunProgress(run, text);
  }

  /**
   * Send a stream's other inputs again whenever one of them changes.
   * @param {object} dep
   * @param {number} frameIndex
   * @param {{updateInputs: (data: any[]) => void}} stream
   * @returns {() => void} stops following
   */
  followInputs(dep, frameIndex, stream) {
    const stops = dep.inputs
      .filter((_, index) => index !== frameIndex)
      .map((id) => this.blocks.get(id))
      .filter(Boolean)
      .map((block) =>
        block.on("change", async () => stream.updateInputs(await this.inputPayloads(dep, frameIndex))),
      );
    return () => stops.forEach((stop) => stop());
  }

  /** @param {ImageBlock} image @param {object} stream a running stream of that webcam */
  addStream(image, stream) {
    if (!this.streams.has(image)) this.streams.set(image, []);
    this.streams.get(image).push(stream);
  }

  /**
   * A stream ended: finish its run, rejoin after a time limit while the camera is on
   * (as Gradio does, with a note), and reset the controls once no stream is left.
   * @param {ImageBlock} image
   * @param {object} dep
   * @param {object} run
   * @param {object} stream
   * @param {object} message `completed`
   */
  streamEnded(image, dep, run, stream, message) {
    this.streams.set(image, (this.streams.get(image) ?? []).filter((s) => s !== stream));
    image.clearProgress(run.token);
    this.finishRun(run, message);
    if (message.reason === "time_limit" && image.streaming && image.webcamActive) {
      image.setNote(`The stream reached its time limit of ${dep.time_limit} s and rejoined.`);
      this.openStream(image, dep);
      return;
    }
    if (message.error) image.showMessage(message.error.message ?? "The stream failed.");
    if (!this.streams.get(image)?.length && image.streaming) image.stopStreaming();
  }
}

/**
 * @param {object} dep a stream event
 * @param {ImageBlock} image the webcam that feeds it
 * @param {Map<number, object>} configs component configs by id
 * @returns {number} the input that receives the frames: this image if it is an input, else
 *   the first Image input (the server's choice)
 */
function streamFrameIndex(dep, image, configs) {
  const own = dep.inputs.indexOf(image.id);
  return own >= 0 ? own : dep.inputs.findIndex((id) => configs.get(id)?.type === "image");
}

/** @param {{rank: number, queue_size: number}} message @returns {string} */
function queueText(message) {
  return `In queue: ${message.rank + 1} of ${message.queue_size}`;
}

/** @param {{time_limit?: number|null}} message `started` @returns {string} */
function streamingText(message) {
  return message.time_limit ? `Streaming (time limit ${message.time_limit} s)` : "Streaming";
}

/**
 * @param {Error} error why a request failed
 * @returns {object} a `completed`-like message for it
 */
function refusal(error) {
  const title = error instanceof RequestError ? `Refused (${error.code})` : "Error";
  return { type: "completed", reason: "error", success: false, error: { message: error.message, title } };
}

// -- start-up -------------------------------------------------------------------------------------

/**
 * @param {string} path config.ws_path
 * @returns {string} the WebSocket URL on this page's host
 */
function socketUrl(path) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${window.location.host}${path}`;
}

/** Load the config, render the app, connect, then mark the page ready. */
async function main() {
  const statsView = document.getElementById("stats");
  const stats = new Stats(statsView);
  page.stats = stats.values;
  const response = await fetch("/config");
  if (!response.ok) throw new Error(`GET /config answered ${response.status}`);
  const config = await response.json();
  document.title = config.title ?? "streamcore";
  document.getElementById("app-title").textContent = config.title ?? "streamcore";
  const transport = chooseTransport();
  setTransport(transport);
  const app = new App(config, stats, transport);
  window.addEventListener("pagehide", () => app.closePeers());
  const root = document.getElementById("app");
  app.render(root);
  statsView.hidden = app.streamDeps.size === 0;
  setInterval(() => stats.render(), STATS_REFRESH_MS);
  const connection = await Connection.open(socketUrl(config.ws_path ?? "/ws"), (event) => {
    page.ready = false;
    showBanner(`The connection to the server closed (code ${event.code}). Reload the page to reconnect.`);
  });
  app.start(connection);
  root.setAttribute("aria-busy", "false");
  page.ready = true;
}

main().catch((error) => {
  showBanner(`The app could not start: ${error.message}`);
  console.error(error);
});
