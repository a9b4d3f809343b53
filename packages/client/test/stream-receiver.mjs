// A receiver for the 50 MB upload test, run in its own process so that only the client's memory
// is measured in the test process. It checks every byte of the file part against the pattern
// (byte i is i % 251), keeps nothing, and answers with what it saw.
import { createServer } from "node:http";

const size = Number(process.env.SIZE);
const server = createServer((req, res) => {
  let tail = "";
  let head = Buffer.alloc(0);
  let offset = -1;
  let mismatch = false;
  req.on("data", (data) => {
    let d = data;
    if (offset < 0) {
      head = Buffer.concat([head, d]);
      const at = head.indexOf("filename=");
      const end = at < 0 ? -1 : head.indexOf("\r\n\r\n", at);
      if (end < 0) return;
      d = head.subarray(end + 4);
      offset = 0;
    }
    for (let i = 0; i < d.length; i++, offset++) {
      if (offset < size) {
        if (d[i] !== offset % 251) mismatch = true;
      } else if (tail.length < 4) {
        tail += String.fromCharCode(d[i]);
      }
    }
  });
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        ok: true,
        result: { received: Math.min(offset, size), mismatch, closed: tail === "\r\n--" },
      }),
    );
  });
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`${server.address().port}\n`));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
