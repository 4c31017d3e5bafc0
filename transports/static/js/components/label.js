import { h } from "../dom.js";
import { Block } from "./block.js";

/** `gr.Label`: a class label with its confidences as bars; fires change. */
export class LabelBlock extends Block {
  static EVENTS = ["change"];

  build() {
    this.view = h("div", { class: "label-view", id: this.controlId });
    this.body.append(this.view);
  }

  /** @param {{label?: string, confidences?: {label: string, confidence: number}[]|null}|null} value */
  show(value) {
    this.view.replaceChildren();
    if (!value || value.label === undefined) return;
    if (this.props.show_heading !== false) {
      this.view.append(h("p", { class: "label-heading", text: String(value.label) }));
    }
    for (const { label, confidence } of value.confidences ?? []) {
      const percent = Math.round(confidence * 100);
      const bar = h("div", { class: "confidence-bar" });
      bar.style.width = `${percent}%`;
      if (this.props.color) bar.style.background = this.props.color;
      this.view.append(
        h(
          "div",
          { class: "confidence" },
          h("span", { class: "confidence-name", text: String(label) }),
          h("span", { class: "confidence-value", text: `${percent}%` }),
          bar,
        ),
      );
    }
  }
}
