// node cancel.mjs <url> <endpoint> <inputs JSON> <outputs before cancel>: submit, and once
// that many data events have arrived call job.cancel(); print {"events": [...]} of every
// event until the iterator ends, with {"type": "cancelled"} where cancel() returned.
import { arg, connect, inputs, plain, run } from "./common.mjs";

run(async () => {
	const client = await connect(arg(0, "the server URL"), { events: ["data", "status"] });
	const wanted = Number(arg(3, "how many outputs before cancelling"));
	try {
		const job = client.submit(arg(1, "the endpoint"), inputs(arg(2, "the inputs")));
		const events = [];
		let outputs = 0;
		for await (const event of job) {
			events.push(plain(event));
			if (event.type === "data" && ++outputs === wanted) {
				await job.cancel();
				events.push({ type: "cancelled" });
			}
		}
		return { events };
	} finally {
		client.close();
	}
});
