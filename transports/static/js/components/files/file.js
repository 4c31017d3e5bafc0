import { h } from "../../dom.js";
import { Block } from "../block.js";
import { fileName, filePicker, fileSource, UploadState } from "./common.js";

/**
 * `gr.File`: a list of files, each a download link; when interactive, a button that
 * chooses files to upload. Fires upload, change, input, clear and select (`{index, value}`).
 */
export class FileBlock extends Block {
  static EVENTS = ["change", "input", "upload", "clear", "select", "download"];

  build() {
    this.uploads = new UploadState(this);
    this.list = h("ul", { class: "file-list", "data-testid": `files-${this.key}` });
    this.body.append(this.list);
    if (!this.interactive) return;
    this.picker = filePicker(this.props, (files) => this.uploads.accept(files));
    this.picker.dataset.testid = `file-input-${this.key}`;
    const many = (this.props.file_count ?? "single") !== "single";
    const choose = h("button", {
      type: "button",
      class: "button button-secondary button-sm",
      text: many ? "Choose files" : "Choose a file",
      on: { click: () => this.picker.click() },
    });
    const clear = h("button", {
      type: "button",
      class: "button button-secondary button-sm",
      text: "Clear",
      on: { click: () => this.userSet(null, ["clear"]) },
    });
    this.body.append(h("div", { class: "file-tools" }, choose, clear, this.picker));
  }

  /** @param {object|object[]|null} value one FileData or a list of them */
  show(value) {
    const files = value === null || value === undefined ? [] : Array.isArray(value) ? value : [value];
    this.list.replaceChildren(
      ...files.map((file, index) => {
        const name = fileName(file);
        const link = h("a", {
          href: fileSource(file),
          download: name,
          text: name,
          on: {
            click: () => {
              this.emit("download", { index, value: file });
              this.emit("select", { index, value: name });
            },
          },
        });
        const size = typeof file.size === "number" ? h("span", { class: "file-size", text: formatSize(file.size) }) : "";
        return h("li", { class: "file-item" }, link, size);
      }),
    );
    if (!files.length) this.list.append(h("li", { class: "file-empty", text: "No file" }));
  }

  async payload() {
    await this.uploads.wait();
    return super.payload();
  }
}

/**
 * `gr.UploadButton`: a button that chooses files and uploads them; fires click when
 * pressed, then upload, change and input once the files are the value.
 */
export class UploadButtonBlock extends Block {
  static EVENTS = ["click", "upload", "change", "input"];
  static FRAMED = false;

  labelElement() {
    return null;
  }

  build() {
    this.uploads = new UploadState(this);
    this.picker = filePicker(this.props, (files) => this.uploads.accept(files));
    this.picker.dataset.testid = `file-input-${this.key}`;
    this.button = h("button", {
      type: "button",
      id: this.controlId,
      class: `button button-${this.props.variant ?? "secondary"} button-${this.props.size ?? "lg"}`,
      text: this.props.label ?? "Upload a File",
      disabled: !this.interactive,
      on: {
        click: () => {
          this.emit("click");
          this.picker.click();
        },
      },
    });
    this.body.append(this.button, this.picker);
  }

  async payload() {
    await this.uploads.wait();
    return super.payload();
  }
}

/** @param {number} bytes @returns {string} e.g. "1.2 KB" */
function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
