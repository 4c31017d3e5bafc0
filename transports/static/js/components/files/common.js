/** What the file-valued widgets share: a FileData value's URL, the file picker, uploads. */

import { h } from "../../dom.js";
import { fileUrl } from "../../urls.js";

/**
 * @param {object|null} file a FileData value
 * @returns {string|null} where the browser loads it: its `url`, else its `/file=` path
 */
export function fileSource(file) {
  if (!file) return null;
  return file.url ?? (file.path ? fileUrl(file.path) : null);
}

/**
 * @param {object} file a FileData value
 * @returns {string} the name to show it by
 */
export function fileName(file) {
  return file.orig_name ?? String(file.path ?? file.url ?? "file").split("/").pop();
}

/** `file_types` entries Gradio names by kind, as an `accept` attribute wants them. */
const KINDS = { image: "image/*", audio: "audio/*", video: "video/*", text: "text/*", file: "*/*" };

/**
 * A hidden `<input type=file>` for `file_count` and `file_types`.
 * @param {object} props the component's props
 * @param {(files: File[]) => void} onFiles called with the files chosen
 * @param {string} [accept] what to accept when `file_types` says nothing
 * @returns {HTMLInputElement}
 */
export function filePicker(props, onFiles, accept) {
  const types = props.file_types ? props.file_types.map((t) => KINDS[t] ?? t).join(",") : accept;
  const input = h("input", {
    type: "file",
    hidden: true,
    accept: types || null,
    multiple: props.file_count === "multiple" || props.file_count === "directory",
    webkitdirectory: props.file_count === "directory",
    on: {
      change: () => {
        const files = [...input.files];
        input.value = "";
        if (files.length) onFiles(files);
      },
    },
  });
  return input;
}

/**
 * Upload `files` to the server's cache.
 * @param {BlockServices} services
 * @param {File[]} files
 * @returns {Promise<object[]>} their FileData values, in order
 */
export async function uploadFiles(services, files) {
  const values = [];
  for (const file of files) {
    const path = await services.upload(file.name, new Uint8Array(await file.arrayBuffer()));
    values.push({
      path,
      orig_name: file.name,
      size: file.size,
      mime_type: file.type || null,
      meta: { _type: "gradio.FileData" },
    });
  }
  return values;
}

/**
 * The part of a widget that takes files from the user: uploads them, shows progress,
 * and makes them the value (one FileData, or a list for `file_count` other than single).
 * Event inputs wait for an upload in progress ({@link UploadState.wait}).
 */
export class UploadState {
  /** @param {Block} block the widget */
  constructor(block) {
    this.block = block;
    /** @type {Promise<void>|null} */
    this.pending = null;
  }

  /** @param {File[]} files @param {string[]} events fired after the value is set */
  accept(files, events = ["upload"]) {
    const block = this.block;
    const token = Symbol("upload");
    block.clearMessage();
    block.setProgress(token, `Uploading ${files.map((f) => f.name).join(", ")}…`);
    const work = uploadFiles(block.services, files).then(
      (values) => {
        const single = (block.props.file_count ?? "single") === "single";
        block.userSet(single ? values[0] : values, events);
      },
      (error) => block.showMessage(`Upload failed: ${error.message}`),
    );
    this.pending = work.finally(() => {
      block.clearProgress(token);
      if (this.pending === work) this.pending = null;
    });
  }

  /** @returns {Promise<void>} once no upload is in progress */
  async wait() {
    if (this.pending) await this.pending;
  }
}
