// node submit.mjs <url> <endpoint> <inputs JSON>: client.submit with data and status events,
// iterated to its end; print {"events": [every event, in order]}.
import { arg, connect, inputs, plain, run } from "./common.mjs";

run(async () => {
	const client = await connect(arg(0, "the server URL"), { events: ["data", "status"] });
	try {
		const job = client.submit(arg(1, "the endpoint"), inputs(arg(2, "the inputs")));
		const events = [];
		for await (const event of job) {
			events.push(plain(event));
		}
		return { events };
	} finally {
		client.close();
	}
});
