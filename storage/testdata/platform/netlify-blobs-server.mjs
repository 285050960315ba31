// Netlify's local Blobs server (the one the Netlify CLI runs), for the
// netlifyblobs driver tests: node netlify-blobs-server.mjs <directory> <token>.
// Prints {"url": ...} on one line once it listens; stops when stdin closes.
import { BlobsServer } from "@netlify/blobs/server";

const [directory, token] = process.argv.slice(2);
const server = new BlobsServer({ directory, token, port: 0 });
const { port } = await server.start();
console.log(JSON.stringify({ url: `http://127.0.0.1:${port}` }));
process.stdin.resume();
process.stdin.on("end", async () => {
  await server.stop();
  process.exit(0);
});
