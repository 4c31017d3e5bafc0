import { cssSize, h } from "../../dom.js";
import { Block } from "../block.js";
import { filePicker, fileSource, uploadFiles } from "./common.js";

/**
 * `gr.Gallery`: the images (or videos) of the value in a grid of `columns`, captions
 * under them; a click selects one and fires select (`{index, value}`). When interactive,
 * images can be added by upload (fires upload, change, input).
 */
export class GalleryBlock extends Block {
  static EVENTS = ["select", "change", "input", "upload"];

  build() {
    this.selected = this.props.selected_index ?? null;
    this.grid = h("div", { class: "gallery-grid", "data-testid": `gallery-${this.key}` });
    this.grid.style.gridTemplateColumns = `repeat(${this.props.columns ?? 2}, minmax(0, 1fr))`;
    const height = cssSize(this.props.height);
    if (height) this.grid.style.maxHeight = height;
    this.body.append(this.grid);
    if (!this.interactive) return;
    this.picker = filePicker({ ...this.props, file_count: "multiple" }, (files) => this.add(files), "image/*");
    this.picker.dataset.testid = `file-input-${this.key}`;
    const choose = h("button", { type: "button", class: "button button-secondary button-sm", text: "Add images", on: { click: () => this.picker.click() } });
    this.body.append(h("div", { class: "file-tools" }, choose, this.picker));
  }

  /** @param {File[]} files images to upload and append to the value */
  async add(files) {
    const token = Symbol("upload");
    this.setProgress(token, "Uploading…");
    try {
      const added = await uploadFiles(this.services, files);
      this.userSet([...(this.value ?? []), ...added.map((image) => ({ image, caption: null }))], ["upload"]);
    } catch (error) {
      this.showMessage(`Upload failed: ${error.message}`);
    } finally {
      this.clearProgress(token);
    }
  }

  /** @param {object[]|null} value a list of `{image|video, caption}` */
  show(value) {
    const items = value ?? [];
    this.grid.replaceChildren(
      ...items.map((item, index) => {
        const media = item.video
          ? h("video", { src: fileSource(item.video), controls: true, preload: "metadata" })
          : h("img", { src: fileSource(item.image), alt: item.caption ?? `image ${index + 1}` });
        if (this.props.object_fit) media.style.objectFit = this.props.object_fit;
        const figure = h(
          "figure",
          {
            class: `gallery-item${index === this.selected ? " selected" : ""}`,
            tabindex: 0,
            on: { click: () => this.select(index, item) },
          },
          media,
          item.caption ? h("figcaption", { text: item.caption }) : null,
        );
        return figure;
      }),
    );
  }

  /** @param {number} index @param {object} item */
  select(index, item) {
    this.selected = index;
    [...this.grid.children].forEach((figure, i) => figure.classList.toggle("selected", i === index));
    this.emit("select", { index, value: item, selected: true });
  }
}

/**
 * `gr.ImageSlider`: two images over each other; a slider shows more of one or the other.
 */
export class ImageSliderBlock extends Block {
  static EVENTS = ["change", "select"];

  build() {
    this.frame = h("div", { class: "slider-frame", "data-testid": `imageslider-${this.key}` });
    const height = cssSize(this.props.height ?? this.props.max_height);
    if (height) this.frame.style.maxHeight = height;
    this.under = h("img", { class: "slider-image", alt: "first image" });
    this.over = h("img", { class: "slider-image slider-over", alt: "second image" });
    this.range = h("input", {
      type: "range",
      min: 0,
      max: 100,
      value: this.props.slider_position ?? 50,
      "aria-label": "slider position",
      on: { input: () => this.clip() },
    });
    this.frame.append(this.under, this.over);
    this.body.append(this.frame, this.range);
    this.clip();
  }

  clip() {
    this.over.style.clipPath = `inset(0 0 0 ${this.range.value}%)`;
  }

  /** @param {Array<object|null>|null} value a pair of ImageData */
  show(value) {
    const [first, second] = value ?? [null, null];
    for (const [img, data] of [[this.under, first], [this.over, second]]) {
      const source = fileSource(data);
      img.hidden = !source;
      if (source) img.src = source;
      else img.removeAttribute("src");
    }
  }
}

/**
 * `gr.AnnotatedImage`: the base image with each annotation's mask over it, and a legend
 * of the labels (a click on one fires select with `{index, value: label}`).
 */
export class AnnotatedImageBlock extends Block {
  static EVENTS = ["change", "select"];

  build() {
    this.frame = h("div", { class: "annotated-frame", "data-testid": `annotatedimage-${this.key}` });
    this.legend = h("div", { class: "annotated-legend" });
    this.body.append(this.frame, this.legend);
  }

  /** @param {{image: object, annotations: {image: object, label: string}[]}|null} value */
  show(value) {
    this.frame.replaceChildren();
    this.legend.replaceChildren();
    if (!value) return;
    this.frame.append(h("img", { class: "annotated-base", src: fileSource(value.image), alt: this.props.label ?? "image" }));
    value.annotations.forEach((annotation, index) => {
      this.frame.append(h("img", { class: "annotated-mask", src: fileSource(annotation.image), alt: annotation.label }));
      if (this.props.show_legend === false) return;
      this.legend.append(
        h("button", {
          type: "button",
          class: "button button-secondary button-sm",
          text: annotation.label,
          on: { click: () => this.emit("select", { index, value: annotation.label }) },
        }),
      );
    });
  }
}
