// What the scripts of tests/js share: reading their arguments, connecting, printing JSON.
//
// Every script takes the server URL as its first argument; the rest are its own. The
// environment variable STREAMCORE_AUTH, when set, is a JSON pair ["user", "password"] given
// to Client.connect as `auth`. Inputs are a JSON list (or object, by parameter name) in
// which any {"$file": "<local path>"} becomes handle_file(<local path>), so a file is
// uploaded by the client as a user's would be. Each script prints one JSON document on
// stdout (only there) and exits 0; a failure prints {"error": ..., ...} and exits 1.
// Every fetch is checked: one to a host other than the loopback one fails, so a client that
// reached out to another service (as Gradio 3's path would) cannot pass unnoticed.

import { Client, handle_file } from "@gradio/client";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const loopback_fetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
	const url = new URL(input instanceof Request ? input.url : String(input));
	if (!LOOPBACK.has(url.hostname)) {
		return Promise.reject(new Error(`refused: a fetch outside loopback, to ${url.href}`));
	}
	return loopback_fetch(input, init);
};

/** The argument at `index` (after `node script.mjs`), or exit 2 naming `what`. */
export function arg(index, what) {
	const value = process.argv[2 + index];
	if (value === undefined) {
		process.stderr.write(`missing argument ${index + 1}: ${what}\n`);
		process.exit(2);
	}
	return value;
}

/** The inputs in `text` (JSON), with every {"$file": path} made handle_file(path). */
export function inputs(text) {
	const walk = (value) => {
		if (Array.isArray(value)) return value.map(walk);
		if (value !== null && typeof value === "object") {
			if (typeof value.$file === "string") return handle_file(value.$file);
			return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
		}
		return value;
	};
	return walk(JSON.parse(text));
}

/** A client connected to `url`, with STREAMCORE_AUTH's credentials when given. */
export async function connect(url, options = {}) {
	const auth = process.env.STREAMCORE_AUTH;
	return Client.connect(url, { ...(auth ? { auth: JSON.parse(auth) } : {}), ...options });
}

/** Print `value` as JSON on stdout and exit with `code` once it is written. */
export function finish(value, code = 0) {
	process.stdout.write(JSON.stringify(value) + "\n", () => process.exit(code));
}

/** An error as JSON: its message and every own field (a failed status keeps its own). */
export function describe_error(error) {
	if (error instanceof Error) {
		return { ...Object.fromEntries(Object.entries(error)), error: error.message };
	}
	return { error: String(error), value: error };
}

/** The JSON-safe fields of a submit() event (a Date becomes its ISO text). */
export function plain(event) {
	return JSON.parse(JSON.stringify(event));
}

/** Run `main`; whatever it throws is printed as JSON and exits 1. */
export function run(main) {
	main().then(
		(value) => finish(value),
		(error) => finish(describe_error(error), 1)
	);
}
