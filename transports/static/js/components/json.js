import { h } from "../dom.js";
import { Block } from "./block.js";

/** `gr.JSON`: the value pretty-printed; fires change. */
export class JsonBlock extends Block {
  static EVENTS = ["change"];

  build() {
    this.view = h("pre", { class: "json", id: this.controlId });
    this.body.append(this.view);
  }

  /** @param {unknown} value */
  show(value) {
    this.view.textContent = value === null || value === undefined ? "" : JSON.stringify(value, null, 2);
  }
}
