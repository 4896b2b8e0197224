// The least an extra HTTP hop can cost: a reverse proxy that pipes requests and responses as
// bytes, with keep-alive to the upstream. Usage: node http-relay.mjs <upstream origin> ; prints its port.
import { createServer, request, Agent } from 'node:http';

const upstream = new URL(process.argv[2]);
const agent = new Agent({ keepAlive: true });
const server = createServer((req, res) => {
  const out = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers, agent }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on('error', () => res.destroy());
  req.pipe(out);
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
