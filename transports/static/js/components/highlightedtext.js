import { h } from "../dom.js";
import { Block } from "./block.js";

const PALETTE = ["#fde68a", "#bfdbfe", "#bbf7d0", "#fecaca", "#ddd6fe", "#fbcfe8", "#fed7aa", "#a5f3fc"];

/**
 * `gr.HighlightedText`: text whose spans have a category (a colour from `color_map` or
 * the palette, the category beside it) or a confidence (red for positive, blue for
 * negative); spans are text, never HTML. Clicking a span fires select with its index and
 * `[token, label]`.
 */
export class HighlightedTextBlock extends Block {
  static EVENTS = ["change", "select"];

  build() {
    this.legend = h("div", { class: "highlight-legend", hidden: true });
    this.view = h("div", { class: "highlighted", id: this.controlId, dir: this.props.rtl ? "rtl" : null });
    this.body.append(this.legend, this.view);
  }

  /**
   * @param {string} category
   * @param {string[]} categories every category of the value, in order of appearance
   * @returns {string} its colour
   */
  colour(category, categories) {
    const mapped = this.props.color_map?.[category];
    return mapped ?? PALETTE[categories.indexOf(category) % PALETTE.length];
  }

  /** @param {{token: string, class_or_confidence: string|number|null}[]|null} value */
  show(value) {
    const spans = Array.isArray(value) ? value : [];
    const categories = [
      ...new Set(spans.map((s) => s.class_or_confidence).filter((label) => typeof label === "string")),
    ];
    this.view.replaceChildren(...spans.map((span, index) => this.span(span, index, categories)));
    this.legend.hidden = !this.props.show_legend || categories.length === 0;
    this.legend.replaceChildren(
      ...categories.map((category) => {
        const item = h("span", { class: "highlight-category", text: category });
        item.style.background = this.colour(category, categories);
        return item;
      }),
    );
  }

  /**
   * @param {{token: string, class_or_confidence: string|number|null}} span
   * @param {number} index
   * @param {string[]} categories
   * @returns {HTMLElement}
   */
  span({ token, class_or_confidence: label }, index, categories) {
    const element = h("span", { class: "highlight", text: String(token) });
    if (typeof label === "string") {
      element.classList.add("highlight-labelled");
      element.style.background = this.colour(label, categories);
      element.dataset.label = label;
      if (this.props.show_inline_category !== false && !this.props.show_legend) {
        element.append(h("span", { class: "highlight-tag", text: label }));
      }
    } else if (typeof label === "number") {
      const strength = Math.min(Math.abs(label), 1);
      element.style.background = label >= 0 ? `rgba(239, 68, 68, ${strength})` : `rgba(59, 130, 246, ${strength})`;
      element.dataset.label = String(label);
    }
    element.addEventListener("click", () => this.emit("select", { index, value: [token, label ?? null], selected: true }));
    return element;
  }
}
