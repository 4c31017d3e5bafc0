// node predict_many.mjs <url> <endpoint> <list of inputs JSON>: on one client (so on one
// event stream), client.predict of every inputs at once, then each again one after the
// other; print {"together": [data...], "one_by_one": [data...]} in the order given.
import { arg, connect, inputs, run } from "./common.mjs";

run(async () => {
	const client = await connect(arg(0, "the server URL"));
	const endpoint = arg(1, "the endpoint");
	const calls = inputs(arg(2, "the list of inputs"));
	try {
		const together = await Promise.all(calls.map((data) => client.predict(endpoint, data)));
		const one_by_one = [];
		for (const data of calls) {
			one_by_one.push(await client.predict(endpoint, data));
		}
		return {
			together: together.map((result) => result.data),
			one_by_one: one_by_one.map((result) => result.data)
		};
	} finally {
		client.close();
	}
});
