/**
 * The page's shared state and its notices: the `window.streamcore` object that tests and
 * tools read, toasts, the banner, the notice line and the transport shown in the header.
 */

import { h } from "./dom.js";

const INFO_TOAST_SECONDS = 6;

/**
 * What tests and tools read from the page: `ready` (config rendered and socket open),
 * `stats` (see {@link Stats}), `transport` (the stream transport in use: "webrtc" or
 * "websocket", which it becomes after a fallback) and `lastError` (the last error message
 * shown, or null).
 */
export const page = { ready: false, lastError: null, stats: null, transport: null };
window.streamcore = page;

/**
 * Show a toast. Errors also become `window.streamcore.lastError`.
 * @param {"error"|"info"|"warning"|"success"} kind
 * @param {string} message
 * @param {{title?: string, duration?: number|null}} [options] `duration` in seconds;
 *   null keeps it until closed (the default for errors)
 */
export function notify(kind, message, { title, duration } = {}) {
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
export function showBanner(message) {
  page.lastError = message;
  const banner = document.getElementById("banner");
  banner.textContent = message;
  banner.hidden = false;
}

/**
 * Show a lasting note under the header (e.g. the WebRTC fallback).
 * @param {string} text
 */
export function showNotice(text) {
  const notice = document.getElementById("notice");
  notice.textContent = text;
  notice.hidden = false;
}

/**
 * Use `name` for the streams that start from now on (shown in the statistics panel and
 * as `window.streamcore.transport`).
 * @param {string} name a key of `STREAM_TRANSPORTS` (streams/transports.js)
 */
export function setTransport(name) {
  page.transport = name;
  const field = document.querySelector('#stats [data-stat="transport"]');
  if (field) field.textContent = name;
}
