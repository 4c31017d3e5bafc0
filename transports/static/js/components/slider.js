import { h } from "../dom.js";
import { Block } from "./block.js";

/** `gr.Slider`: a range with its number; fires change and input while moving, release after. */
export class SliderBlock extends Block {
  static EVENTS = ["change", "input", "release"];
  static LABELS_CONTROL = true;

  build() {
    const props = this.props;
    const common = {
      min: props.minimum,
      max: props.maximum,
      step: props.step,
      disabled: !this.interactive,
    };
    this.range = h("input", {
      ...common,
      id: this.controlId,
      type: "range",
      class: "slider",
      "aria-label": props.show_label === false ? props.label : null,
      on: {
        input: () => this.moved(Number(this.range.value)),
        change: () => this.emit("release"),
      },
    });
    this.number = h("input", {
      ...common,
      type: "number",
      class: "field slider-number",
      "aria-label": `${props.label ?? "value"} (number)`,
      on: {
        input: () => this.moved(Number(this.number.value)),
        change: () => this.emit("release"),
      },
    });
    const info = props.info ? h("p", { class: "block-info", text: props.info }) : null;
    this.body.append(info ?? "", h("div", { class: "slider-row" }, this.range, this.number));
  }

  /** @param {number} value the value the user moved to */
  moved(value) {
    this.value = value;
    this.show(value);
    this.emit("change");
    this.emit("input");
  }

  /** @param {number|null} value */
  show(value) {
    const text = String(value ?? this.props.minimum ?? 0);
    if (this.range.value !== text) this.range.value = text;
    if (this.number.value !== text) this.number.value = text;
  }
}
