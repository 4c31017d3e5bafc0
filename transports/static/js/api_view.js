/**
 * The "Use via API" view: a dialog opened from the footer link that lists the app's public
 * events (GET gradio_api/info) with their parameters and returns, and a ready-to-run
 * snippet per event for four clients: streamcore's `transports.Client`, `gradio_client`,
 * `@gradio/client` and curl. Stream events, which Gradio's clients cannot feed, get a
 * `transports.Client.stream` snippet instead.
 *
 * Snippets name the app by its absolute root URL as this page sees it (so they are right
 * under a mount path and behind a proxy), and use each parameter's `example_input`; image
 * parameters use the sample picture served with the page (`static/api-example.png`):
 * the Python snippets save it as a file first, @gradio/client fetches it as a Blob and
 * curl sends it inline as a `data:` URL, since the server takes pictures as uploads or
 * data, never as URLs to fetch. Every snippet thus runs as it is.
 * Every server string reaches the page as text (`textContent`), never as markup.
 */

import { blobToDataUrl, h } from "./dom.js";
import { appRoot, appUrl } from "./urls.js";

/** The sample picture that image parameters' examples name, relative to the app's root. */
export const EXAMPLE_IMAGE = "static/api-example.png";

/** How long a Copy button says "Copied" (ms). */
const COPIED_MS = 2000;

/**
 * The clients a snippet is written for, in the order the view offers them.
 * @type {{key: string, label: string, hint: string}[]}
 */
export const CLIENTS = [
  {
    key: "streamcore",
    label: "transports.Client",
    hint: "streamcore's own Python client (pip install streamcore); see docs/client.md.",
  },
  {
    key: "gradio_client",
    label: "gradio_client",
    hint: "Gradio's Python client (pip install gradio_client).",
  },
  {
    key: "gradio_js",
    label: "@gradio/client",
    hint: "Gradio's JavaScript client (npm install @gradio/client), in an ES module.",
  },
  {
    key: "curl",
    label: "curl",
    hint: "Gradio's HTTP call API: POST the inputs to get an event id, then read the result as server-sent events.",
  },
];

/**
 * @typedef {object} Parameter one entry of an endpoint's `parameters` in gradio_api/info
 * @property {string} parameter_name
 * @property {string} label
 * @property {string} component
 * @property {{type: string, description: string}} python_type
 * @property {boolean} [parameter_has_default]
 * @property {any} [parameter_default]
 * @property {any} [example_input]
 */

/**
 * @typedef {object} Endpoint one value of `named_endpoints` in gradio_api/info
 * @property {Parameter[]} parameters
 * @property {{label: string, component: string, python_type: {type: string}}[]} returns
 * @property {boolean} is_stream
 */

/**
 * @typedef {{file: string}|{value: any}} Example a parameter's example: a file (its URL)
 *   or a plain JSON value
 */

// -- example values and literals -------------------------------------------------------------

/**
 * @param {Parameter} parameter
 * @returns {Example} the value a snippet passes for it: images name the page's sample
 *   picture under this page's own root; other values are the info's `example_input`
 */
export function exampleOf(parameter) {
  const example = parameter.example_input;
  if (parameter.component === "Image" || isFileData(example)) return { file: appUrl(EXAMPLE_IMAGE) };
  return { value: example === undefined ? null : example };
}

/** @param {unknown} value @returns {boolean} whether it is a Gradio FileData dict */
function isFileData(value) {
  return typeof value === "object" && value !== null && value.meta?._type === "gradio.FileData";
}

/**
 * @param {any} value a JSON value
 * @returns {string} it as a Python literal (`None`, `True`, dicts and lists)
 */
export function pythonLiteral(value) {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") {
    if (Number.isFinite(value)) return String(value);
    return Number.isNaN(value) ? 'float("nan")' : `float("${value > 0 ? "inf" : "-inf"}")`;
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(", ")}]`;
  const items = Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}: ${pythonLiteral(item)}`);
  return `{${items.join(", ")}}`;
}

/** @param {string} name @returns {string} a JavaScript object key for it */
function jsKey(name) {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

/** @param {string} text @returns {string} it in single shell quotes */
function shellSingle(text) {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** @param {string} text @returns {string} it escaped for double shell quotes */
function shellEscaped(text) {
  return text.replace(/["$`\\]/g, (ch) => `\\${ch}`);
}

/** @param {string} apiName e.g. "/greet" @returns {string} its path segment ("greet") */
function callPath(apiName) {
  return encodeURIComponent(apiName.replace(/^\//, ""));
}

// -- snippets ------------------------------------------------------------------------------

/** The file name Python snippets save the sample picture as. */
const SAMPLE_FILE = EXAMPLE_IMAGE.split("/").pop();

/**
 * @param {Example[]} examples
 * @returns {string|null} the URL of the (one) sample picture they use, if any
 */
function sampleUrl(examples) {
  return examples.find((example) => "file" in example)?.file ?? null;
}

/**
 * The lines that save the sample picture as a local file `sample` (Python snippets: the
 * server takes images as uploads, data URLs or its own paths, not as URLs to fetch).
 * @param {string|null} url
 * @returns {string[]}
 */
function pythonSample(url) {
  if (url === null) return [];
  return [
    "# a sample picture served by this app; put the path of any image file instead\n",
    `sample, _ = urllib.request.urlretrieve(${JSON.stringify(url)}, ${JSON.stringify(SAMPLE_FILE)})\n`,
    "\n",
  ];
}

/**
 * The `transports.Client` snippet of a call: inputs in order, the result printed.
 * @param {string} root the app's absolute root URL (ending in `/`)
 * @param {string} apiName e.g. "/greet"
 * @param {Endpoint} endpoint
 * @returns {string}
 */
export function streamcoreSnippet(root, apiName, endpoint) {
  const examples = endpoint.parameters.map(exampleOf);
  const sample = sampleUrl(examples);
  const args = endpoint.parameters.map((parameter, index) => {
    const example = examples[index];
    const value = "file" in example ? "sample" : pythonLiteral(example.value);
    return `    ${value},  # ${parameter.parameter_name} (${parameter.component})\n`;
  });
  return pythonCall("from transports import Client\n", root, apiName, args, sample);
}

/**
 * A Python script that makes a `Client` for `root`, calls `predict` with `args` (one line
 * each) and prints the result; with a `sample`, it downloads that picture first.
 * @param {string} importLine the `from ... import Client...` line
 * @param {string} root
 * @param {string} apiName
 * @param {string[]} args
 * @param {string|null} sample
 * @returns {string}
 */
function pythonCall(importLine, root, apiName, args, sample) {
  return [
    sample === null ? "" : "import urllib.request\n\n",
    importLine,
    "\n",
    ...pythonSample(sample),
    `client = Client(${JSON.stringify(root)})\n`,
    "result = client.predict(\n",
    ...args,
    `    api_name=${JSON.stringify(apiName)},\n`,
    ")\n",
    "print(result)\n",
  ].join("");
}

/**
 * The `gradio_client` snippet of a call: inputs by name, files through `handle_file`.
 * @param {string} root the app's absolute root URL (ending in `/`)
 * @param {string} apiName
 * @param {Endpoint} endpoint
 * @returns {string}
 */
export function gradioClientSnippet(root, apiName, endpoint) {
  const examples = endpoint.parameters.map(exampleOf);
  const sample = sampleUrl(examples);
  const args = endpoint.parameters.map((parameter, index) => {
    const example = examples[index];
    const value = "file" in example ? "handle_file(sample)" : pythonLiteral(example.value);
    return `    ${parameter.parameter_name}=${value},\n`;
  });
  const importLine = `from gradio_client import Client${sample === null ? "" : ", handle_file"}\n`;
  return pythonCall(importLine, root, apiName, args, sample);
}

/**
 * The `@gradio/client` snippet of a call (an ES module: top-level `await`); a picture is
 * fetched as a Blob, which the client uploads.
 * @param {string} root the app's absolute root URL (ending in `/`)
 * @param {string} apiName
 * @param {Endpoint} endpoint
 * @returns {string}
 */
export function gradioJsSnippet(root, apiName, endpoint) {
  const examples = endpoint.parameters.map(exampleOf);
  const sample = sampleUrl(examples);
  const fields = endpoint.parameters.map((parameter, index) => {
    const example = examples[index];
    const value = "file" in example ? "handle_file(sample)" : JSON.stringify(example.value ?? null);
    return `  ${jsKey(parameter.parameter_name)}: ${value},\n`;
  });
  const call = fields.length
    ? [`const result = await client.predict(${JSON.stringify(apiName)}, {\n`, ...fields, "});\n"]
    : [`const result = await client.predict(${JSON.stringify(apiName)});\n`];
  const fetchSample =
    sample === null
      ? []
      : [
          "// a sample picture served by this app; any Blob or File of an image works\n",
          `const sample = await (await fetch(${JSON.stringify(sample)})).blob();\n`,
        ];
  return [
    `import { Client${sample === null ? "" : ", handle_file"} } from "@gradio/client";\n`,
    "\n",
    ...fetchSample,
    `const client = await Client.connect(${JSON.stringify(root)});\n`,
    ...call,
    "console.log(result.data);\n",
  ].join("");
}

/**
 * The curl snippet of a call: `POST gradio_api/call/<name>` answers `{"event_id": ...}`,
 * then `GET gradio_api/call/<name>/<event_id>` streams the result as server-sent events.
 * A picture goes inline as a `data:` URL.
 * @param {string} root the app's absolute root URL (ending in `/`)
 * @param {string} apiName
 * @param {Endpoint} endpoint
 * @param {string|null} [sampleData] the sample picture as a `data:` URL (else its URL)
 * @returns {string}
 */
export function curlSnippet(root, apiName, endpoint, sampleData = null) {
  const data = endpoint.parameters.map((parameter) => {
    const example = exampleOf(parameter);
    if (!("file" in example)) return example.value ?? null;
    const meta = { _type: "gradio.FileData" };
    return sampleData ? { url: sampleData, meta } : { path: example.file, url: example.file, meta };
  });
  const url = `${root}gradio_api/call/${callPath(apiName)}`;
  return [
    `EVENT_ID=$(curl -s -X POST "${shellEscaped(url)}" \\\n`,
    '  -H "Content-Type: application/json" \\\n',
    `  -d ${shellSingle(JSON.stringify({ data }))} \\\n`,
    `  | sed -E 's/.*"event_id": *"([^"]+)".*/\\1/')\n`,
    `curl -N "${shellEscaped(url)}/$EVENT_ID"\n`,
  ].join("");
}

/**
 * The `transports.Client.stream` snippet of a stream event: frames in, one output per frame.
 * @param {string} root the app's absolute root URL (ending in `/`)
 * @param {string} apiName
 * @param {Endpoint} endpoint
 * @returns {string}
 */
export function streamSnippet(root, apiName, endpoint) {
  const oneImage = endpoint.returns.length === 1 && endpoint.returns[0].component === "Image";
  return [
    "import numpy as np\n",
    "from transports import Client\n",
    "\n",
    `client = Client(${JSON.stringify(root)})\n`,
    "# any iterable of frames: numpy arrays, PIL images, image paths or JPEG/PNG bytes\n",
    "frames = (np.full((240, 320, 3), 128, np.uint8) for _ in range(10))\n",
    `with client.stream(frames, api_name=${JSON.stringify(apiName)}) as stream:\n`,
    oneImage
      ? "    for result in stream:  # an (H, W, 3) uint8 array per frame\n"
      : "    for result in stream:  # the outputs of each frame (images as (H, W, 3) uint8 arrays)\n",
    oneImage ? "        print(result.shape)\n" : "        print(result)\n",
  ].join("");
}

/**
 * Every snippet of one endpoint, by client key (see {@link CLIENTS}); a stream event has
 * only `stream`.
 * @param {string} root the app's absolute root URL (ending in `/`)
 * @param {string} apiName
 * @param {Endpoint} endpoint
 * @param {string|null} [sampleData] the sample picture as a `data:` URL, for curl
 * @returns {Record<string, string>}
 */
export function snippetsOf(root, apiName, endpoint, sampleData = null) {
  if (endpoint.is_stream) return { stream: streamSnippet(root, apiName, endpoint) };
  return {
    streamcore: streamcoreSnippet(root, apiName, endpoint),
    gradio_client: gradioClientSnippet(root, apiName, endpoint),
    gradio_js: gradioJsSnippet(root, apiName, endpoint),
    curl: curlSnippet(root, apiName, endpoint, sampleData),
  };
}

/**
 * @returns {Promise<string|null>} the sample picture as a `data:` URL, or null if it
 *   could not be read
 */
async function sampleDataUrl() {
  try {
    const response = await fetch(appUrl(EXAMPLE_IMAGE));
    return response.ok ? await blobToDataUrl(await response.blob()) : null;
  } catch {
    return null;
  }
}

// -- copying ---------------------------------------------------------------------------------

/**
 * Put `text` on the clipboard: the Clipboard API where the page may use it, else a
 * selected hidden textarea and `execCommand("copy")`.
 * @param {string} text
 * @param {HTMLElement} host where the fallback's textarea goes (inside an open modal
 *   dialog, since the rest of the page is inert then)
 * @returns {Promise<boolean>} whether it was copied
 */
export async function copyText(text, host) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // refused (no permission, no focus): try the old way
    }
  }
  const area = h("textarea", { class: "visually-hidden", readonly: true, "aria-hidden": "true" });
  area.value = text;
  host.append(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } catch {
    copied = false;
  }
  area.remove();
  return copied;
}

/** @param {HTMLElement} element select its text, for the user to copy by hand */
function selectText(element) {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

// -- the view ------------------------------------------------------------------------------

/**
 * The dialog and its state: the info is fetched the first time it opens.
 */
export class ApiView {
  /**
   * @param {HTMLElement} link the footer link that opens it (focused again on close)
   */
  constructor(link) {
    this.link = link;
    this.client = CLIENTS[0].key;
    this.loaded = null;
    this.body = h("div", { class: "api-view-body" });
    const close = h("button", {
      type: "button",
      class: "api-view-close",
      "aria-label": "Close the API view",
      "data-testid": "api-view-close",
      text: "×",
      on: { click: () => this.close() },
    });
    this.dialog = h(
      "dialog",
      { class: "api-view", "aria-labelledby": "api-view-title", "data-testid": "api-view" },
      h("div", { class: "api-view-head" }, h("h2", { id: "api-view-title", text: "Use via API" }), close),
      this.body,
    );
    this.dialog.addEventListener("close", () => this.link.focus());
    // a click on the backdrop (outside the dialog's box) closes it
    this.dialog.addEventListener("click", (event) => {
      if (event.target === this.dialog && outsideBox(this.dialog, event)) this.close();
    });
    document.body.append(this.dialog);
  }

  /** Open the view (Escape or the close button closes it), loading the info once. */
  open() {
    if (!this.dialog.open) this.dialog.showModal();
    this.loaded ??= this.load();
  }

  /** Close the view. */
  close() {
    if (this.dialog.open) this.dialog.close();
  }

  /** Fetch gradio_api/info and render it (or say why it could not). */
  async load() {
    this.body.replaceChildren(h("p", { class: "api-status", role: "status", text: "Loading the API description…" }));
    try {
      const response = await fetch(appUrl("gradio_api/info"));
      if (!response.ok) throw new Error(`GET gradio_api/info answered ${response.status}`);
      const info = await response.json();
      this.render(info, await sampleDataUrl());
    } catch (error) {
      this.loaded = null; // try again on the next open
      this.body.replaceChildren(
        h("p", { class: "api-status api-error", role: "alert", text: `The API description could not be loaded: ${error.message}` }),
      );
    }
  }

  /**
   * @param {{named_endpoints: Record<string, Endpoint>}} info
   * @param {string|null} sampleData the sample picture as a `data:` URL, for curl
   */
  render(info, sampleData) {
    const root = appRoot.href;
    const endpoints = Object.entries(info.named_endpoints ?? {});
    const count = endpoints.length;
    const intro = h(
      "p",
      { class: "api-intro" },
      `${count} public endpoint${count === 1 ? "" : "s"} at `,
      h("code", { "data-testid": "api-root", text: root }),
      ". Pick a client: each snippet below is ready to copy and run.",
    );
    if (count === 0) {
      this.body.replaceChildren(intro, h("p", { class: "api-status", text: "This app has no public endpoint." }));
      return;
    }
    this.body.replaceChildren(
      intro,
      this.clientChooser(),
      ...endpoints.map(([name, endpoint]) => this.endpointSection(root, name, endpoint, sampleData)),
    );
    this.showClient(this.client);
  }

  /** @returns {HTMLElement} the radio buttons that choose the snippets' client */
  clientChooser() {
    const options = CLIENTS.map(({ key, label }) =>
      h(
        "label",
        { class: "api-client" },
        h("input", {
          type: "radio",
          name: "api-client",
          value: key,
          checked: key === this.client,
          "data-testid": `api-client-${key}`,
          on: { change: () => this.showClient(key) },
        }),
        label,
      ),
    );
    this.hint = h("p", { class: "api-hint" });
    return h("fieldset", { class: "api-clients" }, h("legend", { text: "Client" }), ...options, this.hint);
  }

  /** @param {string} key show the snippets of this client (a key of {@link CLIENTS}) */
  showClient(key) {
    this.client = key;
    this.hint.textContent = CLIENTS.find((client) => client.key === key)?.hint ?? "";
    for (const snippet of this.body.querySelectorAll(".api-snippet[data-client]")) {
      const client = snippet.dataset.client;
      snippet.hidden = client !== "stream" && client !== key;
    }
  }

  /**
   * @param {string} root
   * @param {string} name the api name ("/greet")
   * @param {Endpoint} endpoint
   * @param {string|null} sampleData the sample picture as a `data:` URL, for curl
   * @returns {HTMLElement}
   */
  endpointSection(root, name, endpoint, sampleData) {
    const snippets = Object.entries(snippetsOf(root, name, endpoint, sampleData));
    return h(
      "section",
      { class: "api-endpoint", "data-endpoint": name, "aria-label": `Endpoint ${name}` },
      h("h3", {}, h("code", { text: name }), endpoint.is_stream ? h("span", { class: "api-badge", text: "stream" }) : null),
      endpoint.is_stream
        ? h("p", {
            class: "api-note",
            text:
              "A stream event: its frames travel over streamcore's WebSocket or WebRTC connection, " +
              "which gradio_client, @gradio/client and curl cannot feed. Stream to it with transports.Client:",
          })
        : null,
      parameterTable(endpoint.parameters),
      returnTable(endpoint.returns),
      ...snippets.map(([client, text]) => this.snippetBlock(name, client, text)),
    );
  }

  /**
   * @param {string} name the api name
   * @param {string} client a key of {@link CLIENTS}, or "stream"
   * @param {string} text the snippet
   * @returns {HTMLElement}
   */
  snippetBlock(name, client, text) {
    const code = h("code", { "data-testid": "snippet", text });
    const label = client === "stream" ? "transports.Client (stream)" : CLIENTS.find((c) => c.key === client).label;
    const status = h("span", { class: "api-copy-status", role: "status" });
    const button = h("button", {
      type: "button",
      class: "tool api-copy",
      "aria-label": `Copy the ${label} snippet of ${name}`,
      "data-testid": "copy",
      text: "Copy",
    });
    button.addEventListener("click", async () => {
      const copied = await copyText(text, this.dialog);
      if (!copied) selectText(code);
      button.textContent = copied ? "Copied" : "Press Ctrl+C";
      status.textContent = copied ? "Copied to the clipboard" : "Selected: press Ctrl+C to copy";
      setTimeout(() => {
        button.textContent = "Copy";
        status.textContent = "";
      }, COPIED_MS);
    });
    return h(
      "div",
      { class: "api-snippet", "data-client": client },
      h("div", { class: "api-snippet-head" }, h("span", { text: label }), status, button),
      h("pre", {}, code),
    );
  }
}

/**
 * @param {Parameter[]} parameters
 * @returns {HTMLElement} their table: name, type, component, default (or "required")
 */
function parameterTable(parameters) {
  if (!parameters.length) return h("p", { class: "api-none", text: "Parameters: none." });
  const rows = parameters.map((parameter) =>
    h(
      "tr",
      {},
      h("td", {}, h("code", { text: parameter.parameter_name })),
      h("td", {}, h("code", { text: parameter.python_type?.type ?? "" })),
      h("td", { text: parameter.component }),
      h("td", {
        text: parameter.parameter_has_default ? pythonLiteral(parameter.parameter_default) : "required",
      }),
    ),
  );
  return table("Parameters", ["Name", "Type", "Component", "Default"], rows, "parameters");
}

/**
 * @param {Endpoint["returns"]} returns
 * @returns {HTMLElement} their table: label, type, component
 */
function returnTable(returns) {
  if (!returns.length) return h("p", { class: "api-none", text: "Returns: nothing." });
  const rows = returns.map((value) =>
    h(
      "tr",
      {},
      h("td", { text: value.label }),
      h("td", {}, h("code", { text: value.python_type?.type ?? "" })),
      h("td", { text: value.component }),
    ),
  );
  return table("Returns", ["Label", "Type", "Component"], rows, "returns");
}

/**
 * @param {string} caption
 * @param {string[]} headings
 * @param {HTMLElement[]} rows
 * @param {string} testid
 * @returns {HTMLElement}
 */
function table(caption, headings, rows, testid) {
  return h(
    "table",
    { class: "api-table", "data-testid": testid },
    h("caption", { text: caption }),
    h("thead", {}, h("tr", {}, ...headings.map((text) => h("th", { scope: "col", text })))),
    h("tbody", {}, ...rows),
  );
}

/** @param {HTMLElement} element @param {MouseEvent} event @returns {boolean} */
function outsideBox(element, event) {
  const box = element.getBoundingClientRect();
  return event.clientX < box.left || event.clientX > box.right || event.clientY < box.top || event.clientY > box.bottom;
}

/**
 * Show the footer's "Use via API" link unless the app was launched with `show_api=False`,
 * and open the view from it (or at once when the page's address ends with `#api`).
 * @param {{show_api?: boolean}} config the app description (GET /config)
 * @returns {ApiView|null} the view, or null when the link stays hidden
 */
export function installApiView(config) {
  const link = document.getElementById("api-link");
  if (!link || config.show_api === false) return null;
  const view = new ApiView(link);
  link.hidden = false;
  link.addEventListener("click", (event) => {
    event.preventDefault();
    view.open();
  });
  if (window.location.hash === "#api") view.open();
  return view;
}
