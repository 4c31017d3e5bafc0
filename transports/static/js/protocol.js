/**
 * The wire format of docs/protocol.md that does not depend on a socket: the protocol
 * version, binary framing and the error a refused request becomes.
 */

export const PROTOCOL_VERSION = 1;

/** A refusal from the server (`error` message) or a request that could not be sent. */
export class RequestError extends Error {
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
export function packBinary(header, payload) {
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
export function unpackBinary(buffer) {
  const length = new DataView(buffer).getUint32(0);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
  return { header, payload: new Uint8Array(buffer, 4 + length) };
}

/**
 * @param {Error} error why a request failed
 * @returns {object} a `completed`-like message for it
 */
export function refusal(error) {
  const title = error instanceof RequestError ? `Refused (${error.code})` : "Error";
  return { type: "completed", reason: "error", success: false, error: { message: error.message, title } };
}
