/**
 * The containers of the app's layout tree (`config.layout`): rows, columns, groups, tabs,
 * accordions and the sidebar. Each has a `root` element, an `add(child, childConfig)` that
 * puts a child's element in place, and the events its Python class has (`on`, `emit`), so
 * that `tabs.select(...)` or `accordion.expand(...)` wire as a component's events do.
 */

import { cssSize, h } from "./dom.js";

/** A container: its element, where children go, and its events. */
class Layout {
  /** @type {string[]} */
  static EVENTS = [];

  /** @param {{id: number, type: string, props: object}} config an entry of config.components */
  constructor(config) {
    this.id = config.id;
    this.type = config.type;
    this.props = config.props ?? {};
    /** @type {Map<string, Set<Function>>} */
    this.listeners = new Map();
    this.root = this.build();
    this.root.dataset.layout = String(this.id);
    const extra = this.props.elem_classes;
    if (extra) this.root.classList.add(...(Array.isArray(extra) ? extra : [extra]));
    if (this.props.elem_id) this.root.id = this.props.elem_id;
    if (this.props.visible === false || this.props.visible === "hidden") this.root.hidden = true;
  }

  /** @returns {boolean} always true: a container has no value, progress or messages */
  get isLayout() {
    return true;
  }

  /** @returns {HTMLElement} the container's element (children go in `this.slot`) */
  build() {
    this.slot = h("div", { class: `layout layout-${this.type}` });
    return this.slot;
  }

  /**
   * @param {HTMLElement} element the child's element
   * @param {{type: string, props: object}} childConfig
   */
  add(element, childConfig) {
    this.slot.append(element);
  }

  /** @param {string} event @param {Function} handler */
  on(event, handler) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(handler);
    return () => this.listeners.get(event).delete(handler);
  }

  /** @param {string} event @param {object|null} eventData */
  emit(event, eventData = null) {
    for (const handler of this.listeners.get(event) ?? []) handler(eventData);
  }

  /** Change props from an update (visibility is what every container has). @param {object} props */
  update(props) {
    if ("visible" in props) this.root.hidden = props.visible === false || props.visible === "hidden";
  }
}

/** Draws the `variant` panel or compact look of rows and columns. */
function variantClass(variant) {
  return variant && variant !== "default" ? ` variant-${variant}` : "";
}

/** `gr.Row`: children side by side, wrapping when narrow. */
class RowLayout extends Layout {
  build() {
    const props = this.props;
    const equal = props.equal_height ? " equal-height" : "";
    this.slot = h("div", { class: `layout layout-row${equal}${variantClass(props.variant)}` });
    if (props.scale !== null && props.scale !== undefined) this.slot.style.flexGrow = String(props.scale);
    if (props.height) this.slot.style.height = cssSize(props.height);
    if (props.min_height) this.slot.style.minHeight = cssSize(props.min_height);
    if (props.max_height) {
      this.slot.style.maxHeight = cssSize(props.max_height);
      this.slot.style.overflowY = "auto";
    }
    return this.slot;
  }
}

/** `gr.Column`: children stacked; in a row it takes `scale` shares, never under `min_width`. */
class ColumnLayout extends Layout {
  build() {
    const props = this.props;
    this.slot = h("div", { class: `layout layout-column${variantClass(props.variant)}` });
    this.slot.style.flexGrow = String(props.scale ?? 1);
    this.slot.style.minWidth = `min(${cssSize(props.min_width ?? 320)}, 100%)`;
    return this.slot;
  }
}

/** `gr.Group`: children as one block, without gaps. */
class GroupLayout extends Layout {}

/** `gr.Accordion`: a title that opens and closes its children; fires expand and collapse. */
class AccordionLayout extends Layout {
  static EVENTS = ["expand", "collapse"];

  build() {
    const props = this.props;
    this.slot = h("div", { class: "layout-accordion-body" });
    const details = h(
      "details",
      { class: "layout layout-accordion", open: props.open !== false },
      h("summary", { text: props.label ?? "" }),
      this.slot,
    );
    details.addEventListener("toggle", () => this.emit(details.open ? "expand" : "collapse"));
    this.details = details;
    return details;
  }

  update(props) {
    super.update(props);
    if ("open" in props) this.details.open = Boolean(props.open);
    if ("label" in props) this.details.querySelector("summary").textContent = props.label ?? "";
  }
}

/**
 * `gr.Sidebar`: a collapsible panel at the side of the page; fires expand and collapse.
 * While it is open and shown, the page's content is pushed aside to keep clear of it (the
 * body's `--sidebar-left` / `--sidebar-right`; narrow screens are overlaid, style.css).
 */
class SidebarLayout extends AccordionLayout {
  build() {
    const details = super.build();
    details.className = `layout layout-sidebar sidebar-${this.props.position ?? "left"}`;
    details.style.setProperty("--sidebar-width", cssSize(this.props.width ?? 320));
    details.addEventListener("toggle", () => this.makeRoom());
    queueMicrotask(() => this.makeRoom()); // once the constructor has applied `visible`
    return details;
  }

  /** Push the page's content aside by the panel's width while it is open and shown. */
  makeRoom() {
    const side = this.props.position === "right" ? "right" : "left";
    const room = this.details.open && !this.root.hidden ? cssSize(this.props.width ?? 320) : "0px";
    document.body.style.setProperty(`--sidebar-${side}`, room);
  }

  update(props) {
    super.update(props);
    this.makeRoom();
  }
}

/** `gr.TabItem`: one tab's panel; its title lives in the enclosing Tabs. Fires select. */
class TabLayout extends Layout {
  static EVENTS = ["select"];

  build() {
    this.slot = h("div", { class: "layout layout-tabitem", role: "tabpanel" });
    return this.slot;
  }
}

/**
 * `gr.Tabs`: a row of tab titles and one visible panel. Choosing a tab fires the tab's
 * `select` and the Tabs' `select` and `change`, with `{index, value: label}` as event data.
 */
class TabsLayout extends Layout {
  static EVENTS = ["change", "select"];

  build() {
    this.titles = h("div", { class: "tab-titles", role: "tablist" });
    this.slot = h("div", { class: "tab-panels" });
    /** @type {{tab: TabLayout, button: HTMLButtonElement, id: unknown}[]} */
    this.tabs = [];
    this.current = -1;
    return h("div", { class: "layout layout-tabs" }, this.titles, this.slot);
  }

  /**
   * @param {HTMLElement} element a tab's panel
   * @param {{props: object}} childConfig
   * @param {TabLayout} tab
   */
  add(element, childConfig, tab) {
    const index = this.tabs.length;
    const props = childConfig.props ?? {};
    const button = h("button", {
      type: "button",
      class: "tab-title",
      role: "tab",
      text: props.label ?? `Tab ${index + 1}`,
      disabled: props.interactive === false,
      hidden: props.visible === false,
      on: { click: () => this.choose(index, true) },
    });
    this.tabs.push({ tab, button, id: props.id ?? null });
    this.titles.append(button);
    this.slot.append(element);
    const selected = this.props.selected;
    const wanted =
      selected === null || selected === undefined
        ? this.current < 0 && props.visible !== false
        : selected === props.id || (props.id === null && selected === index);
    if (wanted) this.choose(index, false);
    else element.hidden = true;
  }

  /** @param {number} index @param {boolean} byUser */
  choose(index, byUser) {
    const previous = this.current;
    this.current = index;
    this.tabs.forEach(({ tab, button }, position) => {
      const shown = position === index;
      tab.root.hidden = !shown;
      button.setAttribute("aria-selected", String(shown));
      button.classList.toggle("selected", shown);
    });
    if (!byUser || previous === index) return;
    const { tab, button } = this.tabs[index];
    const eventData = { index, value: button.textContent, selected: true };
    tab.emit("select", eventData);
    this.emit("select", eventData);
    this.emit("change", null);
  }

  update(props) {
    super.update(props);
    if ("selected" in props) {
      const index = this.tabs.findIndex(({ id }, position) => id === props.selected || position === props.selected);
      if (index >= 0) this.choose(index, false);
    }
  }
}

const LAYOUT_TYPES = {
  row: RowLayout,
  column: ColumnLayout,
  group: GroupLayout,
  accordion: AccordionLayout,
  sidebar: SidebarLayout,
  tabs: TabsLayout,
  tabitem: TabLayout,
  tab: TabLayout,
  form: GroupLayout,
};

/** @param {string} type @returns {boolean} whether `type` names a container */
export function isLayoutType(type) {
  return Object.hasOwn(LAYOUT_TYPES, type);
}

/**
 * @param {{id: number, type: string, props: object}} config a container's entry of config.components
 * @returns {Layout}
 */
export function createLayout(config) {
  return new LAYOUT_TYPES[config.type](config);
}
