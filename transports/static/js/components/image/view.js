/**
 * `gr.Image` as a display: the frame, the toolbar and whatever the image shows — a value
 * (file or data URL), the bytes of a binary stream output, or the live video track of a
 * WebRTC stream — plus `select` clicks. Taking an image from the user is added on top of
 * it by {@link ImageBlock} (input.js), through the hooks marked below.
 */

import { blobToDataUrl, cssSize, h, nextPaint } from "../../dom.js";
import { fileUrl } from "../../urls.js";
import { notify } from "../../page.js";
import { Block } from "../block.js";
import { JPEG_QUALITY } from "./webcam.js";

/**
 * The display half of `gr.Image`: shows an image (from a file, a data URL, binary stream
 * bytes or, as the output of a WebRTC stream, a live video track). Fires clear (its Clear
 * button), change and select (`{index: [x, y]}` in image pixels).
 */
export class ImageView extends Block {
  constructor(config, index, services) {
    super(config, index, services);
    /** @type {{blob: Blob, url: string}|null} the displayed binary output, if any */
    this.binary = null;
    /** @type {MediaStream|null} the live track shown (a WebRTC stream's output), if any */
    this.live = null;
    /** @type {HTMLVideoElement|null} where the live track plays (made on first use) */
    this.liveVideo = null;
    /** @type {Promise<void>|null} the last picture of a live track becoming the value */
    this.pendingSnapshot = null;
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
    this.buildSources();
    this.body.append(this.note);
  }

  /**
   * Hook: add the controls that take an image from the user (appended to `this.body`
   * between the frame and the note). A display has none.
   */
  buildSources() {}

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

  /** Hook: a click on the empty frame (a display does nothing). */
  onPlaceholderClick() {}

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

  /**
   * @returns {Promise<number|null>} once the picture now set is decoded, the start of the
   *   rendering frame that first paints it (`requestAnimationFrame` time); null if it was
   *   replaced (or could not be decoded) first
   */
  painted() {
    return this.img.decode().then(nextPaint, () => null);
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
   * @returns {HTMLVideoElement} the `<video>` that plays it
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
    return this.liveVideo;
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
    const live = this.refreshCamera(hasImage);
    if (this.clearButton) this.clearButton.hidden = !hasImage;
    this.placeholder.hidden = hasImage || live;
    this.placeholder.textContent = this.placeholderText();
    this.img.classList.toggle("selectable", this.hasListeners("select"));
  }

  /**
   * Hook: show or hide a camera preview (called by {@link ImageView.refresh}).
   * @param {boolean} hasImage whether an image or a live track is shown
   * @returns {boolean} whether a camera is on (then the placeholder is hidden); a display
   *   has none
   */
  refreshCamera(hasImage) {
    void hasImage;
    return false;
  }

  /** @returns {string} what the empty frame says (an input says more, see input.js) */
  placeholderText() {
    if (this.props.placeholder) return this.props.placeholder;
    return "No image";
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

  /** @returns {Promise<object|null>} the value as an input, waiting for a live track's last picture */
  async payload() {
    if (this.pendingSnapshot) await this.pendingSnapshot;
    if (this.binary) return { url: await blobToDataUrl(this.binary.blob) };
    return this.value;
  }
}

/**
 * @param {number} value
 * @param {number} max
 * @returns {number} value limited to [0, max]
 */
function clamp(value, max) {
  return Math.min(Math.max(value, 0), Math.max(max, 0));
}
