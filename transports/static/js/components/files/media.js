import { h } from "../../dom.js";
import { Block } from "../block.js";
import { fileName, filePicker, fileSource, UploadState } from "./common.js";

/**
 * The base of `gr.Video` and `gr.Audio`: a `<video>` or `<audio>` element that plays the
 * value (a FileData), a download link, and, when interactive, an upload button. Fires
 * upload, change, input, clear, play, pause and end.
 */
class MediaBlock extends Block {
  static EVENTS = ["change", "input", "upload", "clear", "play", "pause", "end", "stop"];

  /** @type {"video"|"audio"} the element that plays the value */
  static TAG = "video";

  build() {
    const tag = this.constructor.TAG;
    this.uploads = new UploadState(this);
    this.player = h(tag, {
      class: `media-${tag}`,
      controls: true,
      autoplay: Boolean(this.props.autoplay),
      loop: Boolean(this.props.loop),
      preload: "metadata",
      "data-testid": `${tag}-${this.key}`,
      hidden: true,
      on: {
        play: () => this.emit("play"),
        pause: () => this.emit("pause"),
        ended: () => this.emit("end"),
      },
    });
    if (tag === "video") {
      if (this.props.height) this.player.style.height = typeof this.props.height === "number" ? `${this.props.height}px` : this.props.height;
      if (this.props.width) this.player.style.width = typeof this.props.width === "number" ? `${this.props.width}px` : this.props.width;
    }
    this.empty = h("p", { class: "file-empty", text: `No ${tag}` });
    this.download = h("a", { class: "tool", text: "Download", hidden: true });
    this.body.append(this.player, this.empty, this.download);
    if (!this.interactive) return;
    this.picker = filePicker({ ...this.props, file_count: "single" }, (files) => this.uploads.accept(files), `${tag}/*`);
    this.picker.dataset.testid = `file-input-${this.key}`;
    this.body.append(
      h(
        "div",
        { class: "file-tools" },
        h("button", { type: "button", class: "button button-secondary button-sm", text: `Upload ${tag}`, on: { click: () => this.picker.click() } }),
        h("button", { type: "button", class: "button button-secondary button-sm", text: "Clear", on: { click: () => this.userSet(null, ["clear"]) } }),
        this.picker,
      ),
    );
  }

  /** @param {object|null} value a FileData */
  show(value) {
    const source = fileSource(value);
    this.player.hidden = !source;
    this.empty.hidden = Boolean(source);
    this.download.hidden = !source || !(this.props.buttons ?? ["download"]).includes("download");
    if (source) {
      if (this.player.getAttribute("src") !== source) this.player.setAttribute("src", source);
      this.download.href = source;
      this.download.download = fileName(value);
    } else {
      this.player.removeAttribute("src");
      this.player.load();
    }
  }

  async payload() {
    await this.uploads.wait();
    return super.payload();
  }
}

/** `gr.Video`: plays the value with `<video>`. */
export class VideoBlock extends MediaBlock {
  static TAG = "video";
}

/** `gr.Audio`: plays the value with `<audio>`. */
export class AudioBlock extends MediaBlock {
  static TAG = "audio";
}
