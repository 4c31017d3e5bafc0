import { h } from "../dom.js";
import { Block } from "./block.js";

/** `gr.Code`: code in a fixed-width text area (no syntax colouring); fires change, input,
 * focus and blur. */
export class CodeBlock extends Block {
  static EVENTS = ["change", "input", "focus", "blur"];
  static LABELS_CONTROL = true;

  build() {
    const props = this.props;
    this.field = h("textarea", {
      id: this.controlId,
      class: "field code",
      rows: props.lines ?? 5,
      readonly: !this.interactive,
      spellcheck: "false",
      wrap: props.wrap_lines ? "soft" : "off",
      "data-language": props.language,
      "aria-label": props.show_label === false ? props.label : null,
      on: {
        input: () => this.userSet(this.field.value),
        focus: () => this.emit("focus"),
        blur: () => this.emit("blur"),
      },
    });
    this.body.append(this.field);
  }

  /** @param {string|null} value */
  show(value) {
    if (this.field.value !== (value ?? "")) this.field.value = value ?? "";
  }
}
