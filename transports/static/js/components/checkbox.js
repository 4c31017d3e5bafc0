import { h, sameValue } from "../dom.js";
import { Block } from "./block.js";
import { choicesOf } from "./choices.js";

/** `gr.Checkbox`: a box with its label beside it; ticking fires select, change and input. */
export class CheckboxBlock extends Block {
  static EVENTS = ["change", "input", "select"];

  /** The label goes beside the box, not above it. */
  labelElement() {
    return null;
  }

  build() {
    const props = this.props;
    this.box = h("input", {
      type: "checkbox",
      id: this.controlId,
      disabled: !this.interactive,
      on: { change: () => this.ticked() },
    });
    const text = props.show_label === false ? null : h("span", { text: props.label ?? "" });
    const info = props.info ? h("p", { class: "block-info", text: props.info }) : null;
    this.body.append(info ?? "", h("label", { class: "choice" }, this.box, text));
    if (props.show_label === false && props.label) this.box.setAttribute("aria-label", props.label);
  }

  ticked() {
    this.value = this.box.checked;
    this.emit("select", { index: null, value: this.props.label ?? null, selected: this.box.checked });
    this.emit("change");
    this.emit("input");
  }

  /** @param {boolean|null} value */
  show(value) {
    this.box.checked = Boolean(value);
  }
}

/** `gr.CheckboxGroup`: one box per choice; ticking one fires select, change and input. */
export class CheckboxGroupBlock extends Block {
  static EVENTS = ["change", "input", "select"];

  build() {
    const props = this.props;
    this.choices = choicesOf(props);
    this.group = h("div", {
      class: "choice-group",
      role: "group",
      id: this.controlId,
      "aria-labelledby": props.show_label === false ? null : `${this.controlId}-label`,
      "aria-label": props.show_label === false ? props.label : null,
    });
    this.boxes = this.choices.map(([label], index) => {
      const box = h("input", {
        type: "checkbox",
        value: String(index),
        disabled: !this.interactive,
        on: { change: () => this.ticked(index) },
      });
      this.group.append(h("label", { class: "choice" }, box, h("span", { text: label })));
      return box;
    });
    this.all = null;
    if (props.show_select_all) {
      this.all = h("input", { type: "checkbox", disabled: !this.interactive, on: { change: () => this.tickAll() } });
      this.group.prepend(h("label", { class: "choice choice-all" }, this.all, h("span", { text: "Select All" })));
    }
    const info = props.info ? h("p", { class: "block-info", text: props.info }) : null;
    this.body.append(info ?? "", this.group);
  }

  /** "Select All" ticks every box, or unticks them all when all were ticked. */
  tickAll() {
    const every = this.choices.map(([, value]) => value);
    const wasAll = Array.isArray(this.value) && this.value.length === every.length;
    this.value = wasAll ? [] : every;
    this.show(this.value);
    this.emit("change");
    this.emit("input");
  }

  showAllTicked() {
    if (this.all) this.all.checked = Array.isArray(this.value) && this.value.length === this.choices.length && this.choices.length > 0;
  }

  /** @param {number} index the box the user ticked or unticked */
  ticked(index) {
    // as Gradio's: a ticked choice is added at the end, an unticked one removed
    const choice = this.choices[index][1];
    const selected = this.boxes[index].checked;
    const others = (Array.isArray(this.value) ? this.value : []).filter((item) => !sameValue(item, choice));
    this.value = selected ? [...others, choice] : others;
    this.showAllTicked();
    this.emit("select", { index, value: this.choices[index][1], selected });
    this.emit("change");
    this.emit("input");
  }

  /** @param {(string|number)[]|null} value the ticked choices' values */
  show(value) {
    const ticked = Array.isArray(value) ? value : [];
    this.choices.forEach(([, choice], n) => {
      this.boxes[n].checked = ticked.some((item) => sameValue(item, choice));
    });
    this.showAllTicked();
  }
}
