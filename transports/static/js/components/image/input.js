/**
 * `gr.Image` as an input: its sources (upload, webcam, clipboard), the uploads they make
 * and the webcam's snapshot and streaming controls, on top of the display in view.js.
 */

import { h } from "../../dom.js";
import { ImageView } from "./view.js";
import { Webcam } from "./webcam.js";

const SOURCE_NAMES = { upload: "Upload", webcam: "Webcam", clipboard: "Clipboard" };

/**
 * `gr.Image`: shows an image (from a file, a data URL, binary stream bytes or, as the
 * output of a WebRTC stream, a live video track) and, when interactive, takes one from its
 * `sources`: upload (file picker, drag and drop), webcam (a snapshot, or a stream when an
 * event streams from it) and clipboard (paste).
 * Fires upload, change, input, clear and select (`{index: [x, y]}` in image pixels); its
 * `stream` events are run by the app from the start/stop buttons.
 */
export class ImageBlock extends ImageView {
  static EVENTS = ["upload", "change", "input", "clear", "select"];

  constructor(config, index, services) {
    super(config, index, services);
    this.pendingUpload = null;
    this.streaming = false;
    this.mode = null;
  }

  /** @returns {string[]} the sources the user may take an image from */
  get sources() {
    return this.interactive ? (this.props.sources ?? ["upload", "webcam", "clipboard"]) : [];
  }

  /** The source picker, the file input, the webcam preview and their controls. */
  buildSources() {
    const sources = this.sources;
    if (!sources.length) return;
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
    // the webcam fills the component and its buttons sit on the video, as Gradio's
    const onVideo = source === "webcam";
    this.frame.classList.toggle("webcam", onVideo);
    this.controls.classList.toggle("on-video", onVideo);
    if (onVideo) this.frame.append(this.controls);
    else this.body.append(this.controls);
    this.refresh();
  }

  /**
   * Show how much of a stream's time limit is left, as a bar across the top of the video
   * that empties in `seconds` (Gradio's bar); `null` removes it.
   * @param {number|null} seconds
   */
  showTimeLimit(seconds) {
    this.timeLimitBar?.remove();
    this.timeLimitBar = null;
    if (!seconds) return;
    this.timeLimitBar = h("div", { class: "time-limit-bar", "data-testid": `time-limit-${this.key}` });
    this.timeLimitBar.style.animationDuration = `${seconds}s`;
    this.timeLimitBar.title = `The stream ends after ${seconds} s`;
    this.frame.append(this.timeLimitBar);
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

  // -- the webcam ------------------------------------------------------------------------------

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

  /**
   * The camera preview is shown while the camera is on, behind the image when there is one.
   * @param {boolean} hasImage
   * @returns {boolean} whether the camera is on
   */
  refreshCamera(hasImage) {
    const live = this.webcamActive;
    if (this.video) {
      this.video.hidden = !live;
      this.video.classList.toggle("behind", live && hasImage);
    }
    return live;
  }

  // -- upload and clipboard ----------------------------------------------------------------------

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

  /** @returns {string} what the empty frame says: how to give an image from the active source */
  placeholderText() {
    if (this.props.placeholder || !this.interactive) return super.placeholderText();
    if (this.mode === "upload") return "Drop an image here, or choose a file";
    if (this.mode === "clipboard") return "Paste an image here (Ctrl+V)";
    return this.streamButtons ? "Start streaming to turn on the camera" : "Turn on the camera";
  }

  /** @returns {Promise<object|null>} the value as an input, waiting for an upload in progress */
  async payload() {
    if (this.pendingUpload) await this.pendingUpload;
    return super.payload();
  }
}
