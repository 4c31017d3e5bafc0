/**
 * The page's WebSocket session with the server: `hello` / `welcome`, requests and their
 * replies, uploads, and the routing of each job's messages to its handlers.
 */

import { notify } from "./page.js";
import { PROTOCOL_VERSION, RequestError, packBinary, unpackBinary } from "./protocol.js";

/** Bytes kept free for the binary header when checking an upload against the size limit. */
const HEADER_ALLOWANCE = 1024;
/** An open page pings this many times per `session_idle_timeout`, so it is never reaped. */
const PINGS_PER_IDLE_TIMEOUT = 3;
/** Errors about a job that already ended (a frame sent as it ended): nothing to show. */
const LATE_ERRORS = new Set(["stream_ended", "unknown_job"]);

/**
 * One WebSocket session with the server. Requests that carry a `ref` get a promise of
 * their reply; the messages of a job go to the handlers registered with its request
 * (`{estimation, started, output, frame_error, completed, error}`, each optional;
 * `output` also receives the payload of a binary output).
 */
export class Connection {
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
        connection.keepAlive(connection.limits.session_idle_timeout);
        resolve(connection);
      };
      socket.addEventListener("open", () =>
        connection.send({ type: "hello", binary_frames: true, protocol: PROTOCOL_VERSION }),
      );
      socket.addEventListener("close", (event) => {
        clearInterval(connection.keepAliveTimer);
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
    this.keepAliveTimer = null;
    this.nextRef = 0;
    /** @type {Map<string, {resolve: Function, reject: Function, handlers: object|null}>} */
    this.pending = new Map();
    /** @type {Map<string, object>} */
    this.jobs = new Map();
    socket.addEventListener("message", (event) => this.receive(event.data));
  }

  /**
   * The server closes a session with no job and no message for `session_idle_timeout`
   * seconds (code 1001); an open page is a user, so it sends a `ping` often enough.
   * @param {number|null|undefined} seconds the welcome's `session_idle_timeout`
   */
  keepAlive(seconds) {
    if (!seconds) return;
    const every = (seconds * 1000) / PINGS_PER_IDLE_TIMEOUT;
    this.keepAliveTimer = setInterval(() => this.send({ type: "ping" }), every);
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
