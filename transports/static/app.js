/**
 * The streamcore browser page: its entry module (index.html loads it as
 * `<script type="module" src="static/app.js">`; the other modules, under `js/`, are plain
 * ES modules too, served as they are: no build step).
 *
 * It fetches the app description (GET /config), renders its components in order, wires the
 * events of its dependencies and runs them over one WebSocket speaking the protocol of
 * docs/protocol.md. Webcam streams go through a stream transport (`STREAM_TRANSPORTS`):
 * WebRTC when the browser has it (the camera track goes out on a peer connection, the
 * processed track comes back on it), else frames over the WebSocket; `?transport=webrtc` or
 * `?transport=websocket` forces one. A WebRTC stream that cannot connect falls back to the
 * WebSocket, and says so.
 *
 * Modules (each with one job):
 * - js/page.js: `window.streamcore` (page state for tests and tools) and the notices
 * - js/dom.js: small DOM and value helpers
 * - js/stats.js: the frame statistics and their panel
 * - js/rtp_latency.js: a WebRTC stream's camera-to-screen latency from RTP timestamps (no I/O)
 * - js/urls.js: every URL, relative to where the page is served (so it works under a prefix)
 * - js/protocol.js: protocol version, binary framing, request errors
 * - js/connection.js: the WebSocket session (hello/welcome, requests, job messages)
 * - js/streams/transports.js: the stream transports' contract and how one is chosen
 * - js/streams/websocket.js, js/streams/webrtc.js: the two stream transports
 * - js/streams/send_times.js (+ send_times_worker.js): when each frame of a WebRTC sender
 *   leaves the page, by RTP timestamp (a pass-through encoded transform)
 * - js/components/index.js: the component types; one module per component under
 *   js/components/ (Image as image/view.js, image/input.js and image/webcam.js)
 * - js/app.js: the rendered app (layout, event wiring, calls and streams)
 * - js/api_view.js: the footer's "Use via API" view (endpoints and client snippets)
 * - app.js (this one): start-up
 */

import { installApiView } from "./js/api_view.js";
import { App } from "./js/app.js";
import { Connection } from "./js/connection.js";
import { page, setTransport, showBanner } from "./js/page.js";
import { STATS_REFRESH_MS, Stats } from "./js/stats.js";
import { chooseTransport } from "./js/streams/transports.js";
import { appUrl, socketUrl } from "./js/urls.js";

/** Load the config, render the app, connect, then mark the page ready. */
async function main() {
  const statsView = document.getElementById("stats");
  const stats = new Stats(statsView);
  page.stats = stats.values;
  const response = await fetch(appUrl("config"));
  if (!response.ok) throw new Error(`GET /config answered ${response.status}`);
  const config = await response.json();
  document.title = config.title ?? "streamcore";
  // an Interface draws its title in the page itself (as Gradio's): the header then names the library
  const titledInBody = config.components.some((c) => (c.props?.elem_classes ?? []).includes("interface-title"));
  document.getElementById("app-title").textContent = titledInBody ? "streamcore" : config.title ?? "streamcore";
  const transport = chooseTransport();
  setTransport(transport);
  const app = new App(config, stats, transport);
  window.addEventListener("pagehide", () => app.closePeers());
  const root = document.getElementById("app");
  app.render(root);
  statsView.hidden = app.streamDeps.size === 0;
  installApiView(config);
  setInterval(() => stats.render(), STATS_REFRESH_MS);
  const connection = await Connection.open(socketUrl(config.ws_path ?? "ws"), (event) => {
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
