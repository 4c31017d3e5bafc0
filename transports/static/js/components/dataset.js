import { fileUrl } from "../urls.js";
import { h } from "../dom.js";
import { Block } from "./block.js";

/**
 * `gr.Dataset` (and so `gr.Examples`): its samples as a table, one row per sample and one
 * column per component, a page of `samples_per_page` at a time. Images show as thumbnails.
 * Clicking a sample sets the value to its index and fires click, select (`{index, value}`)
 * and, when the index changed, change.
 */
export class DatasetBlock extends Block {
  static EVENTS = ["click", "select", "change"];

  build() {
    this.page = 0;
    this.table = h("table", { class: "dataset", "data-testid": `dataset-${this.key}` });
    this.pager = h("div", { class: "dataset-pager" });
    this.body.append(this.table, this.pager);
  }

  /** @returns {unknown[][]} the samples as the page shows them */
  get samples() {
    return this.props.samples ?? [];
  }

  show() {
    const perPage = this.props.samples_per_page ?? 10;
    const start = this.page * perPage;
    const headers = this.props.headers ?? [];
    const head = headers.length ? h("thead", {}, h("tr", {}, ...headers.map((name) => h("th", { text: name })))) : "";
    const body = h("tbody", {});
    this.samples.slice(start, start + perPage).forEach((sample, offset) => {
      const index = start + offset;
      const label = this.props.sample_labels?.[index];
      const cells = label ? [h("td", { text: label })] : sample.map((value, column) => this.cell(value, column));
      const row = h("tr", {
        class: "sample",
        tabindex: 0,
        "data-testid": `sample-${index}`,
        on: {
          click: () => this.choose(index),
          keydown: (event) => (event.key === "Enter" || event.key === " ") && this.choose(index),
        },
      }, ...cells);
      body.append(row);
    });
    this.table.replaceChildren(head, body);
    this.showPager(perPage);
  }

  /** @param {number} perPage the page buttons, when there is more than one page */
  showPager(perPage) {
    const pages = Math.ceil(this.samples.length / perPage);
    this.pager.replaceChildren();
    if (pages <= 1) return;
    for (let page = 0; page < pages; page += 1) {
      const button = h("button", { type: "button", class: "tool", text: String(page + 1), "aria-pressed": String(page === this.page) });
      button.addEventListener("click", () => {
        this.page = page;
        this.show();
      });
      this.pager.append(button);
    }
  }

  /**
   * @param {unknown} value a component's client value
   * @param {number} column its component's position
   * @returns {HTMLTableCellElement}
   */
  cell(value, column) {
    const kind = this.props.components?.[column];
    if (value === null || value === undefined) return h("td", {});
    if (kind === "image" && typeof value === "object") {
      const source = value.url ?? (value.path ? fileUrl(value.path) : null);
      return h("td", {}, h("img", { class: "sample-thumbnail", src: source, alt: value.orig_name ?? "example image" }));
    }
    if (kind === "dataframe" && typeof value === "object") {
      const rows = (value.data ?? []).slice(0, 3).map((row) => row.join(", "));
      return h("td", { text: rows.join(" | ") });
    }
    return h("td", { text: typeof value === "object" ? JSON.stringify(value) : String(value) });
  }

  /** @param {number} index the sample clicked */
  choose(index) {
    const changed = this.value !== index;
    this.value = index;
    this.emit("click");
    this.emit("select", { index, value: this.samples[index] });
    if (changed) this.emit("change");
  }
}
