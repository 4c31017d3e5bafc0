import { h } from "../dom.js";
import { Block } from "./block.js";

/** `gr.Markdown`: text with headings, lists, code, emphasis and http(s) links; fires change. */
export class MarkdownBlock extends Block {
  static EVENTS = ["change"];

  build() {
    this.view = h("div", { class: "markdown", id: this.controlId });
    this.body.append(this.view);
  }

  /** @param {string|null} value Markdown source */
  show(value) {
    this.view.innerHTML = renderMarkdown(value ?? "");
  }
}

/**
 * @param {string} text
 * @returns {string} the text with HTML's special characters escaped
 */
function escapeHtml(text) {
  const entities = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  return text.replace(/[&<>"']/g, (c) => entities[c]);
}

/**
 * @param {string} text one line or paragraph, not escaped yet
 * @returns {string} safe HTML with code, bold, italics and http(s) links
 */
function inlineMarkdown(text) {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/\*([^*]+)\*/g, "<em>$1</em>")
    .replace(/\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g, '<a href="$2" rel="noopener noreferrer">$1</a>');
}

/**
 * A small, safe Markdown subset, line by line: headings, list items, fenced code and
 * paragraphs (everything is escaped first).
 * @param {string} source
 * @returns {string} HTML
 */
function renderMarkdown(source) {
  const html = [];
  let open = null; // the element being filled: "p", "ul" or "pre"
  const close = () => {
    if (open) html.push({ p: "</p>", ul: "</ul>", pre: "</code></pre>" }[open]);
    open = null;
  };
  const enter = (kind, start) => {
    if (open === kind) return false;
    close();
    html.push(start);
    open = kind;
    return true;
  };
  for (const line of source.split("\n")) {
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const item = /^\s*[-*]\s+(.*)$/.exec(line);
    if (line.startsWith("```")) {
      if (open === "pre") close();
      else enter("pre", "<pre><code>");
    } else if (open === "pre") {
      html.push(`${escapeHtml(line)}\n`);
    } else if (!line.trim()) {
      close();
    } else if (heading) {
      close();
      html.push(`<h${heading[1].length}>${inlineMarkdown(heading[2])}</h${heading[1].length}>`);
    } else if (item) {
      enter("ul", "<ul>");
      html.push(`<li>${inlineMarkdown(item[1])}</li>`);
    } else {
      if (!enter("p", "<p>")) html.push("<br>");
      html.push(inlineMarkdown(line));
    }
  }
  close();
  return html.join("");
}
