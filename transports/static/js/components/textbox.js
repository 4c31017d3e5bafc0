import { h } from "../dom.js";
import { Block } from "./block.js";

/** `gr.Textbox`: a one-line input or a text area; fires change, input, submit, focus, blur. */
export class TextboxBlock extends Block {
  static EVENTS = ["change", "input", "submit", "focus", "blur"];
  static LABELS_CONTROL = true;

  build() {
    const props = this.props;
    const multiline = (props.lines ?? 1) > 1 || (props.max_lines ?? 1) > 1;
    const attrs = {
      id: this.controlId,
      class: "field",
      placeholder: props.placeholder,
      readonly: !this.interactive,
      maxlength: props.max_length,
      dir: props.rtl ? "rtl" : null,
      "aria-label": props.show_label === false ? props.label : null,
      on: {
        input: () => this.userSet(this.field.value),
        focus: () => this.emit("focus"),
        blur: () => this.emit("blur"),
        keydown: (event) => this.onKey(event),
      },
    };
    this.field = multiline
      ? h("textarea", { ...attrs, rows: props.lines ?? 1 })
      : h("input", { ...attrs, type: ["password", "email"].includes(props.type) ? props.type : "text" });
    if (props.text_align) this.field.style.textAlign = props.text_align;
    const info = props.info ? h("p", { class: "block-info", text: props.info }) : null;
    this.body.append(info ?? "", this.field);
  }

  /** Enter submits a one-line box. @param {KeyboardEvent} event */
  onKey(event) {
    if (event.key === "Enter" && this.field.tagName === "INPUT") this.emit("submit");
  }

  /** @param {string|null} value */
  show(value) {
    if (this.field.value !== (value ?? "")) this.field.value = value ?? "";
  }
}
