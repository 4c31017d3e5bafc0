import { h, sameValue } from "../dom.js";
import { Block } from "./block.js";
import { choiceIndex, choicesOf } from "./choices.js";

/**
 * `gr.Dropdown`: a `<select>` (a multiple one with `multiselect`), or a text field with
 * the choices as suggestions when `allow_custom_value` is set. A choice the user makes
 * fires select (with its index and value), change and input; the field fires focus, blur
 * and key_up. With `max_choices`, a selection over the limit is undone.
 */
export class DropdownBlock extends Block {
  static EVENTS = ["change", "input", "select", "focus", "blur", "key_up"];
  static LABELS_CONTROL = true;

  build() {
    const props = this.props;
    this.choices = choicesOf(props);
    const common = {
      id: this.controlId,
      class: "field dropdown",
      disabled: !this.interactive,
      "aria-label": props.show_label === false ? props.label : null,
      on: {
        focus: () => this.emit("focus"),
        blur: () => this.emit("blur"),
        keyup: (event) => this.emit("key_up", { key: event.key, input_value: this.field.value }),
      },
    };
    if (props.allow_custom_value && !props.multiselect) {
      const list = h("datalist", { id: `${this.controlId}-choices` });
      list.append(...this.choices.map(([label]) => h("option", { value: label })));
      this.field = h("input", { ...common, type: "text", list: list.id, autocomplete: "off" });
      this.field.addEventListener("change", () => this.typed(this.field.value));
      this.body.append(list);
    } else {
      this.field = h("select", { ...common, multiple: Boolean(props.multiselect) });
      if (props.multiselect) this.field.size = Math.min(Math.max(this.choices.length, 2), 8);
      else this.field.append(h("option", { value: "", text: "", disabled: true, hidden: true }));
      this.choices.forEach(([label], index) => this.field.append(h("option", { value: String(index), text: label })));
      this.field.addEventListener("change", () => this.picked());
    }
    const info = props.info ? h("p", { class: "block-info", text: props.info }) : null;
    this.body.prepend(info ?? "");
    this.body.append(this.field);
  }

  /** The user changed the `<select>`. */
  picked() {
    if (!this.props.multiselect) {
      const index = Number(this.field.value);
      this.choose(this.choices[index][1], { index, value: this.choices[index][1], selected: true });
      return;
    }
    const indices = [...this.field.selectedOptions].map((option) => Number(option.value));
    const limit = this.props.max_choices;
    if (limit !== null && limit !== undefined && indices.length > limit) {
      this.show(this.value); // over the limit: undo
      this.showMessage(`Choose at most ${limit}.`);
      return;
    }
    this.clearMessage();
    const before = Array.isArray(this.value) ? this.value : [];
    const values = indices.map((index) => this.choices[index][1]);
    const added = values.find((value) => !before.some((old) => sameValue(old, value)));
    const removed = before.find((old) => !values.some((value) => sameValue(old, value)));
    const changed = added !== undefined ? added : removed;
    const index = choiceIndex(this.choices, changed);
    this.choose(values, { index, value: changed ?? null, selected: added !== undefined });
  }

  /** @param {string} text what the user typed (custom values allowed) */
  typed(text) {
    const index = this.choices.findIndex(([label]) => label === text);
    const value = index >= 0 ? this.choices[index][1] : text;
    this.choose(value, { index: index >= 0 ? index : null, value, selected: true });
  }

  /**
   * @param {unknown} value the new value
   * @param {object} selectData the select event's data
   */
  choose(value, selectData) {
    this.value = value;
    this.show(value);
    this.emit("select", selectData);
    this.emit("change");
    this.emit("input");
  }

  /** @param {unknown} value a choice's value, a list of them, or null */
  show(value) {
    if (this.field.tagName === "INPUT") {
      const index = choiceIndex(this.choices, value);
      const text = index >= 0 ? this.choices[index][0] : value === null || value === undefined ? "" : String(value);
      if (this.field.value !== text) this.field.value = text;
      return;
    }
    const chosen = this.props.multiselect ? (Array.isArray(value) ? value : []) : [value];
    const indices = new Set(chosen.map((item) => choiceIndex(this.choices, item)));
    for (const option of this.field.options) {
      option.selected = option.value === "" ? !indices.size || indices.has(-1) : indices.has(Number(option.value));
    }
  }
}
