import { h } from "../dom.js";
import { Block } from "./block.js";

/**
 * `gr.ColorPicker`: the browser's colour input. Picking fires change and input (the value
 * is `#rrggbb`, as Gradio's picker sends), closing the picker fires release.
 */
export class ColorPickerBlock extends Block {
  static EVENTS = ["change", "input", "release", "focus", "blur"];
  static LABELS_CONTROL = true;

  build() {
    const props = this.props;
    this.picker = h("input", {
      type: "color",
      id: this.controlId,
      class: "color-picker",
      disabled: !this.interactive,
      "aria-label": props.show_label === false ? props.label : null,
      on: {
        input: () => this.userSet(this.picker.value),
        change: () => this.emit("release"),
        focus: () => this.emit("focus"),
        blur: () => this.emit("blur"),
      },
    });
    this.text = h("output", { class: "color-text", for: this.controlId });
    const info = props.info ? h("p", { class: "block-info", text: props.info }) : null;
    this.body.append(info ?? "", h("div", { class: "color-row" }, this.picker, this.text));
  }

  /** @param {string|null} value any CSS colour the server accepted */
  show(value) {
    this.text.textContent = value ?? "";
    const hex = toHex(value);
    if (hex && this.picker.value !== hex) this.picker.value = hex;
  }
}

/**
 * @param {string|null} colour a CSS colour (`#rgb`, `rgba(...)`, a name...)
 * @returns {string|null} it as `#rrggbb` (alpha dropped), or null if it is not a colour
 */
function toHex(colour) {
  if (!colour) return null;
  const context = document.createElement("canvas").getContext("2d");
  context.fillStyle = "#010203";
  context.fillStyle = colour; // an invalid colour leaves the sentinel
  const parsed = context.fillStyle;
  if (parsed.startsWith("#")) return parsed === "#010203" && colour.toLowerCase() !== "#010203" ? null : parsed;
  const channels = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(parsed);
  if (!channels) return null;
  return `#${channels.slice(1, 4).map((c) => Number(c).toString(16).padStart(2, "0")).join("")}`;
}
