// node view_api.mjs <url>: connect, then print {"protocol", "version", "api": view_api()}.
import { arg, connect, run } from "./common.mjs";

run(async () => {
	const client = await connect(arg(0, "the server URL"));
	try {
		const api = await client.view_api();
		return { protocol: client.config.protocol, version: client.config.version, api };
	} finally {
		client.close();
	}
});
