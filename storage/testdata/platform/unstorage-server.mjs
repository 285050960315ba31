// unstorage's own storage server (createStorageServer) mounting one of
// unstorage's drivers, for the unstoragehttp driver tests:
//
//   node unstorage-server.mjs <token> fs <folder>
//   node unstorage-server.mjs <token> redis <redis URL> <base>
//
// Requests must carry "Authorization: Bearer <token>" (unstorage's authorize
// hook). Prints {"url": ...} on one line once it listens; stops when stdin closes.
import { createServer } from "node:http";
import { createStorage } from "unstorage";
import { createStorageServer } from "unstorage/server";
import fsDriver from "unstorage/drivers/fs";
import redisDriver from "unstorage/drivers/redis";

const [token, kind, arg, base] = process.argv.slice(2);
let driver;
if (kind === "fs") {
  driver = fsDriver({ base: arg });
} else if (kind === "redis") {
  driver = redisDriver({ url: arg, base });
} else {
  throw new Error("unknown driver " + kind);
}
const storage = createStorage({ driver });
const { handle } = createStorageServer(storage, {
  authorize({ event }) {
    if (event.node.req.headers.authorization !== "Bearer " + token) {
      throw new Error("wrong token");
    }
  },
});
const server = createServer(handle);
server.listen(0, "127.0.0.1", () => {
  console.log(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` }));
});
process.stdin.resume();
process.stdin.on("end", async () => {
  server.close();
  await storage.dispose();
  process.exit(0);
});
