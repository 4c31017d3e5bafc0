/** The base of every rendered component: element, label, value, events, progress and messages. */

import { cssSize, h, sameValue } from "../dom.js";

/**
 * What components need from the app: `upload(name, bytes)` → server path,
 * `startStreams(image)` / `stopStreams(image)` for a streaming webcam, and
 * `componentConfig(id)` to look up another component.
 * @typedef {object} BlockServices
 */

/**
 * A rendered component: its element, its value and the events it fires.
 * Subclasses set `static EVENTS`, build their body in `build()` and show values in `show()`.
 */
export class Block {
  /** @type {string[]} the events this page can fire for the component */
  static EVENTS = [];

  /** Whether the component's control is a form field its label names. */
  static LABELS_CONTROL = false;

  /** Whether `container` draws a frame around the component (buttons stand alone). */
  static FRAMED = true;

  /**
   * @param {{id: number, type: string, props: object}} config one entry of config.components
   * @param {number} index its position in config.components
   * @param {BlockServices} services
   */
  constructor(config, index, services) {
    this.id = config.id;
    this.type = config.type;
    this.props = config.props ?? {};
    this.services = services;
    /** Names the component in `data-testid`s: its label, else its position. */
    this.key = this.props.label ?? String(index);
    this.value = this.props.value ?? null;
    /** @type {Map<string, Set<Function>>} */
    this.listeners = new Map();
    /** @type {Map<symbol, {text: string, fraction: number|null}>} the runs in progress */
    this.progress = new Map();
    this.root = null;
  }

  /** Create the element (`this.root`) with its label, body, progress and message areas. */
  render() {
    const props = this.props;
    const classes = ["block", `block-${this.type}`];
    if (props.container !== false && this.constructor.FRAMED) classes.push("container");
    const extra = props.elem_classes;
    if (extra) classes.push(...(Array.isArray(extra) ? extra : [extra]));
    this.root = h("div", { class: classes.join(" "), id: props.elem_id });
    this.root.dataset.component = String(this.id);
    if (props.visible === "hidden" || props.visible === false) this.root.hidden = true;
    if (props.scale !== null && props.scale !== undefined) this.root.style.flexGrow = String(props.scale);
    if (props.min_width) this.root.style.minWidth = cssSize(props.min_width);
    this.controlId = `component-${this.id}`;
    this.body = h("div", { class: "block-body" });
    this.statusLine = h("p", { class: "block-progress", role: "status", hidden: true });
    this.messageLine = h("p", { class: "block-message", role: "alert", hidden: true });
    this.root.append(this.labelElement() ?? "", this.body, this.statusLine, this.messageLine);
    this.build();
    this.show(this.value);
  }

  /**
   * @returns {HTMLElement|null} the label shown above the component (null if hidden): a
   *   `<label>` of the form control when the component has one (`static LABELS_CONTROL`)
   */
  labelElement() {
    if (this.props.show_label === false || !this.props.label) return null;
    if (this.constructor.LABELS_CONTROL) {
      return h("label", { class: "block-label", for: this.controlId, text: this.props.label });
    }
    return h("span", { class: "block-label", id: `${this.controlId}-label`, text: this.props.label });
  }

  /** @returns {boolean} whether the user may change the value */
  get interactive() {
    return this.props.interactive !== false;
  }

  /** Fill `this.body` (subclasses). */
  build() {}

  /**
   * Display `value` (subclasses).
   * @param {unknown} value a client value
   */
  show(value) {
    void value;
  }

  /**
   * Listen to one of the component's events.
   * @param {string} event
   * @param {(eventData: object|null) => void} handler
   * @returns {() => void} removes the listener
   */
  on(event, handler) {
    if (!this.constructor.EVENTS.includes(event)) {
      console.info(`streamcore: the ${this.type} event "${event}" never fires in this page.`);
    }
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(handler);
    return () => this.listeners.get(event).delete(handler);
  }

  /** @param {string} event @returns {boolean} whether something listens to `event` */
  hasListeners(event) {
    return (this.listeners.get(event)?.size ?? 0) > 0;
  }

  /**
   * Fire an event.
   * @param {string} event
   * @param {object|null} [eventData] sent as the submit's `event_data`
   */
  emit(event, eventData = null) {
    for (const handler of this.listeners.get(event) ?? []) handler(eventData);
  }

  /**
   * Set the value from an event's output; fires `change` when it differs.
   * @param {unknown} value a client value
   */
  setValue(value) {
    const changed = !sameValue(this.value, value);
    this.value = value;
    this.show(value);
    if (changed) this.emit("change");
  }

  /**
   * Set the value from a user action and fire `events` (then `change` and `input`).
   * @param {unknown} value
   * @param {string[]} [events] events to fire before `change`, e.g. ["upload"]
   */
  userSet(value, events = []) {
    this.value = value;
    this.show(value);
    for (const event of [...events, "change", "input"]) this.emit(event);
  }

  /** @returns {Promise<unknown>} the value to send as an event input */
  async payload() {
    return this.value;
  }

  /**
   * Show that a run is in progress (the latest run's text, and its bar when it has a
   * fraction, are shown).
   * @param {symbol} run identifies the run
   * @param {string} text
   * @param {number|null} [fraction] how far it has got, 0 to 1 (`gr.Progress`); null: no bar
   */
  setProgress(run, text, fraction = null) {
    this.progress.set(run, { text, fraction });
    this.renderProgress();
  }

  /** @param {symbol} run a run that ended */
  clearProgress(run) {
    this.progress.delete(run);
    this.renderProgress();
  }

  /** Show the latest progress text (and bar), or nothing when no run is in progress. */
  renderProgress() {
    const runs = [...this.progress.values()];
    const latest = runs.at(-1);
    this.statusLine.hidden = runs.length === 0;
    this.statusLine.replaceChildren(latest?.text ?? "");
    if (latest && latest.fraction !== null) {
      const percent = Math.round(Math.min(Math.max(latest.fraction, 0), 1) * 100);
      const fill = h("span", { class: "progress-fill" });
      fill.style.width = `${percent}%`;
      const bar = h("span", { class: "progress-bar", role: "progressbar" }, fill);
      bar.setAttribute("aria-valuenow", String(percent));
      bar.setAttribute("aria-valuemin", "0");
      bar.setAttribute("aria-valuemax", "100");
      this.statusLine.append(bar);
    }
    this.root.classList.toggle("pending", runs.length > 0);
  }

  /**
   * Apply a fn's update of the component's props (`gr.update(...)`, or a component
   * returned as an output): `label` and `visible` change in place; any other prop renders
   * the component again with the new props (its value, listeners and progress are kept).
   * The value, if the update has one, is set by the caller.
   * @param {object} props the props to change
   */
  update(props) {
    Object.assign(this.props, props);
    if (!this.root) return;
    const label = this.root.querySelector(":scope > .block-label");
    const inPlace = Object.keys(props).every(
      (key) => key === "visible" || (key === "label" && label && props.label),
    );
    if (!inPlace) {
      const old = this.root;
      this.render();
      old.replaceWith(this.root);
      this.renderProgress();
      return;
    }
    if ("label" in props) label.textContent = props.label;
    if ("visible" in props) this.root.hidden = props.visible === false || props.visible === "hidden";
  }

  /**
   * Show how long the last run that gave this component its value took (Gradio shows
   * its timer there), under the component.
   * @param {string} text e.g. "0.8s"
   */
  showDuration(text) {
    if (!this.durationTag) {
      this.durationTag = h("p", { class: "block-duration", "data-testid": `duration-${this.key}` });
      this.root.append(this.durationTag);
    }
    this.durationTag.textContent = text;
    this.durationTag.title = `The last run took ${text}`;
  }

  /**
   * Show an error or validation message in the component's area.
   * @param {string} text
   */
  showMessage(text) {
    this.messageLine.textContent = text;
    this.messageLine.hidden = false;
  }

  /** Remove the message shown by {@link Block.showMessage}. */
  clearMessage() {
    this.messageLine.textContent = "";
    this.messageLine.hidden = true;
  }
}
