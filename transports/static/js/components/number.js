import { h } from "../dom.js";
import { TextboxBlock } from "./textbox.js";

/** `gr.Number`: a number field (null when empty); fires change, input, submit, focus, blur. */
export class NumberBlock extends TextboxBlock {
  build() {
    const props = this.props;
    this.field = h("input", {
      id: this.controlId,
      class: "field",
      type: "number",
      min: props.minimum,
      max: props.maximum,
      step: props.step ?? "any",
      placeholder: props.placeholder,
      readonly: !this.interactive,
      "aria-label": props.show_label === false ? props.label : null,
      on: {
        input: () => this.userSet(this.field.value === "" ? null : Number(this.field.value)),
        focus: () => this.emit("focus"),
        blur: () => this.emit("blur"),
        keydown: (event) => this.onKey(event),
      },
    });
    const info = props.info ? h("p", { class: "block-info", text: props.info }) : null;
    this.body.append(info ?? "", this.field);
  }

  /** @param {number|null} value */
  show(value) {
    const text = value === null || value === undefined ? "" : String(value);
    if (this.field.value !== text) this.field.value = text;
  }
}
