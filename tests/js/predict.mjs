// node predict.mjs <url> <endpoint> <inputs JSON>: print {"data": [...]} of client.predict,
// or {"error": message, ...the failed status's fields} and exit 1.
import { arg, connect, inputs, run } from "./common.mjs";

run(async () => {
	const client = await connect(arg(0, "the server URL"));
	try {
		const result = await client.predict(arg(1, "the endpoint"), inputs(arg(2, "the inputs")));
		return { data: result.data };
	} finally {
		client.close();
	}
});
