import { h } from "../dom.js";
import { Block } from "./block.js";
import { choiceIndex, choicesOf, groupName } from "./choices.js";

/** `gr.Radio`: one radio button per choice; picking one fires select, change and input. */
export class RadioBlock extends Block {
  static EVENTS = ["select", "change", "input"];

  build() {
    const props = this.props;
    this.choices = choicesOf(props);
    const name = groupName();
    this.group = h("div", {
      class: "choice-group",
      role: "radiogroup",
      id: this.controlId,
      dir: props.rtl ? "rtl" : null,
      "aria-labelledby": props.show_label === false ? null : `${this.controlId}-label`,
      "aria-label": props.show_label === false ? props.label : null,
    });
    this.inputs = this.choices.map(([label, value], index) => {
      const input = h("input", {
        type: "radio",
        name,
        value: String(index),
        disabled: !this.interactive,
        on: { change: () => this.picked(index, value) },
      });
      this.group.append(h("label", { class: "choice" }, input, h("span", { text: label })));
      return input;
    });
    const info = props.info ? h("p", { class: "block-info", text: props.info }) : null;
    this.body.append(info ?? "", this.group);
  }

  /** @param {number} index @param {string|number} value the choice the user picked */
  picked(index, value) {
    this.value = value;
    this.emit("select", { index, value, selected: true });
    this.emit("change");
    this.emit("input");
  }

  /** @param {string|number|null} value */
  show(value) {
    const index = choiceIndex(this.choices, value);
    this.inputs.forEach((input, n) => {
      input.checked = n === index;
    });
  }
}
