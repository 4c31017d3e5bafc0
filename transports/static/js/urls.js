/**
 * Every URL the page uses, built from where the page itself is served.
 *
 * The app may be mounted under a path prefix (`gr.mount_gradio_app(app, demo, path="/x")`)
 * or sit behind a proxy that adds one, so no URL here starts with `/`: each is resolved
 * against the app's root, the folder above `static/`, found from this module's own URL.
 */

/** The app's root URL, ending in `/` (this module is `<root>static/js/urls.js`). */
export const appRoot = new URL("../../", import.meta.url);

/**
 * @param {string} path a path relative to the app's root (`config`, `file=...`)
 * @returns {string} its absolute URL
 */
export function appUrl(path) {
  return new URL(path, appRoot).href;
}

/**
 * @param {string} path the WebSocket's path relative to the app's root (config.ws_path)
 * @returns {string} its `ws:` or `wss:` URL
 */
export function socketUrl(path) {
  const url = new URL(path, appRoot);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

/**
 * @param {string} path a file path on the server
 * @returns {string} the URL that serves it (`<root>file=<path>`)
 */
export function fileUrl(path) {
  return appUrl(`file=${path.split("/").map(encodeURIComponent).join("/")}`);
}
