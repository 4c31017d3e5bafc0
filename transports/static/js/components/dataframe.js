import { cssSize, h } from "../dom.js";
import { Block } from "./block.js";

/**
 * `gr.Dataframe`: an HTML table of `{headers, data}`. When interactive each cell is a text
 * field; an edit fires edit, change and input with the new table (a cell of a "number"
 * column, or one that held a number, is sent as a number when it reads as one; "bool" cells
 * are checkboxes). Clicking a cell fires select with `{index: [row, column], value}`.
 */
export class DataframeBlock extends Block {
  static EVENTS = ["change", "input", "select", "edit"];

  build() {
    this.table = h("table", { class: "dataframe", id: this.controlId, "data-testid": `dataframe-${this.key}` });
    const labelled = Boolean(this.props.label) && this.props.show_label !== false;
    if (labelled) this.table.setAttribute("aria-labelledby", `${this.controlId}-label`);
    const wrapper = h("div", { class: "dataframe-wrap" }, this.table);
    const height = cssSize(this.props.max_height);
    if (height) wrapper.style.maxHeight = height;
    if (this.props.wrap) this.table.classList.add("wrap");
    this.body.append(wrapper);
  }

  /** @param {{headers?: unknown[], data?: unknown[][]}|null} value */
  show(value) {
    const headers = value?.headers ?? this.props.headers ?? [];
    const rows = value?.data ?? [];
    const head = h("thead", {}, h("tr", {}, ...headers.map((name) => h("th", { scope: "col", text: String(name) }))));
    const body = h("tbody", {});
    rows.forEach((row, r) => {
      body.append(h("tr", {}, ...row.map((cell, c) => this.cellElement(cell, r, c, headers))));
    });
    this.table.replaceChildren(head, body);
  }

  /**
   * @param {unknown} cell
   * @param {number} row
   * @param {number} column
   * @param {unknown[]} headers
   * @returns {HTMLTableCellElement}
   */
  cellElement(cell, row, column, headers) {
    const td = h("td", { on: { click: () => this.emit("select", { index: [row, column], value: cell }) } });
    const editable = this.interactive && !(this.props.static_columns ?? []).includes(column);
    const label = `${headers[column] ?? column + 1}, row ${row + 1}`;
    if (this.columnType(column) === "bool" || typeof cell === "boolean") {
      td.append(h("input", {
        type: "checkbox",
        checked: cell === true,
        disabled: !editable,
        "aria-label": label,
        on: { change: (event) => this.edit(row, column, event.target.checked) },
      }));
    } else if (editable) {
      td.append(h("input", {
        class: "cell-field",
        value: cell === null || cell === undefined ? "" : String(cell),
        "aria-label": label,
        "data-cell": `${row},${column}`,
        on: { change: (event) => this.edit(row, column, this.parse(event.target.value, column, cell)) },
      }));
    } else {
      td.textContent = cell === null || cell === undefined ? "" : String(cell);
    }
    return td;
  }

  /** @param {number} column @returns {string} the column's datatype */
  columnType(column) {
    const datatype = this.props.datatype ?? "str";
    return Array.isArray(datatype) ? (datatype[column] ?? "str") : datatype;
  }

  /**
   * @param {string} text what the user typed
   * @param {number} column
   * @param {unknown} previous the cell's value before
   * @returns {string|number|null} the cell's new value
   */
  parse(text, column, previous) {
    const numeric = this.columnType(column) === "number" || typeof previous === "number";
    if (numeric && text.trim() !== "" && Number.isFinite(Number(text))) return Number(text);
    if (numeric && text.trim() === "") return null;
    return text;
  }

  /** Set one cell from the user; fires edit, change, input. */
  edit(row, column, cell) {
    const value = structuredClone(this.value ?? { headers: this.props.headers ?? [], data: [] });
    value.data[row][column] = cell;
    this.value = value;
    for (const event of ["edit", "change", "input"]) this.emit(event);
  }
}
