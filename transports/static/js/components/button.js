import { h } from "../dom.js";
import { Block } from "./block.js";

/** `gr.Button`: a button whose value is its text; fires `click`. */
export class ButtonBlock extends Block {
  static EVENTS = ["click", "change"];
  static FRAMED = false;

  /** A button labels itself: no separate label. */
  labelElement() {
    return null;
  }

  build() {
    const variant = this.props.variant ?? "secondary";
    this.button = h("button", {
      type: "button",
      id: this.controlId,
      class: `button button-${variant} button-${this.props.size ?? "lg"}`,
      disabled: !this.interactive,
      on: { click: () => this.emit("click") },
    });
    this.body.append(this.button);
  }

  /** @param {string|null} value the button's text */
  show(value) {
    this.button.textContent = value ?? "";
  }
}
