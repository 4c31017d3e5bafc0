import { h } from "../dom.js";
import { Block } from "./block.js";

/** A component type this page does not know: its label and a note. */
export class UnknownBlock extends Block {
  build() {
    this.body.append(h("p", { class: "block-info", text: `(${this.type} is not shown by this page)` }));
  }
}
