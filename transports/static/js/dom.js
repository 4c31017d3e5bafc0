/** Small DOM and value helpers shared by the page's modules. */

/**
 * Create an element.
 * @param {string} tag
 * @param {object} [attrs] attributes; `class`, `text` (textContent) and `on` ({event: fn})
 *   are special; null, undefined and false values are left out, true sets an empty attribute
 * @param {...(Node|string|null)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "on") {
      for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    } else if (name === "class") {
      node.className = value;
    } else if (name === "text") {
      node.textContent = value;
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

/**
 * @param {number|string|null|undefined} size a number of pixels or a CSS length
 * @returns {string} the CSS value ("" for none)
 */
export function cssSize(size) {
  if (size === null || size === undefined) return "";
  return typeof size === "number" ? `${size}px` : String(size);
}

/**
 * @param {unknown} a
 * @param {unknown} b
 * @returns {boolean} whether two client values are the same (JSON-equal)
 */
export function sameValue(a, b) {
  if (a === b) return true;
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}

/**
 * @param {Blob} blob
 * @returns {Promise<string>} the blob as a `data:` URL
 */
export function blobToDataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/**
 * @returns {Promise<number>} resolves at the next rendering frame with its start time (the
 *   `requestAnimationFrame` timestamp, in `performance.now()` milliseconds)
 */
export function nextPaint() {
  return new Promise((resolve) => requestAnimationFrame(resolve));
}
