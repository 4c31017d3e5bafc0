import { h } from "../dom.js";
import { Block } from "./block.js";

/**
 * `gr.HTML`: the app author's HTML, shown as HTML (trusted, as in Gradio; a user's text
 * never reaches it unless the app's fn puts it there). `html_template` gets `${value}` and
 * `${prop}` filled in; `css_template` applies inside the component; `js_on_load` runs once
 * with `element`, `trigger(event, data)` and `props` (by default a click fires `click`).
 */
export class HtmlBlock extends Block {
  static EVENTS = ["change", "click", "input", "select", "submit", "focus", "blur", "key_up"];

  build() {
    const props = this.props;
    this.view = h("div", { class: "html", id: this.controlId });
    if (props.padding) this.view.classList.add("html-padded");
    if (props.min_height) this.view.style.minHeight = `${props.min_height}px`;
    if (props.max_height) {
      this.view.style.maxHeight = `${props.max_height}px`;
      this.view.style.overflow = "auto";
    }
    this.body.append(this.view);
    if (props.css_template) {
      this.body.append(h("style", { text: `#${this.controlId} { ${this.fill(props.css_template)} }` }));
    }
    this.loaded = false;
  }

  /**
   * Any event a script of the app triggers is fired, not only the listed ones.
   * @param {string} event
   * @param {(eventData: object|null) => void} handler
   * @returns {() => void}
   */
  on(event, handler) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(handler);
    return () => this.listeners.get(event).delete(handler);
  }

  /**
   * @param {string} template
   * @returns {string} the template with each `${name}` replaced by the value or that prop
   */
  fill(template) {
    return template.replace(/\$\{\s*([A-Za-z_$][\w$]*)\s*\}/g, (_, name) => {
      const filled = name === "value" ? this.value : this.props[name];
      return filled === null || filled === undefined ? "" : String(filled);
    });
  }

  /** @param {unknown} value the HTML (or a value for `html_template`) */
  show(value) {
    this.value = value;
    this.view.innerHTML = this.fill(this.props.html_template ?? "${value}");
    if (!this.loaded && this.props.js_on_load) {
      this.loaded = true;
      this.runOnLoad(this.props.js_on_load);
    }
  }

  /** @param {string} code the app's `js_on_load` */
  runOnLoad(code) {
    const trigger = (event, data = null) => this.emit(String(event), data);
    try {
      new Function("element", "trigger", "props", code)(this.view, trigger, this.props);
    } catch (error) {
      console.warn(`streamcore: js_on_load of ${this.key} failed: ${error}`);
    }
  }
}
