// The calibration server of bench/machine.bench.ts: node:http with nothing behind it. It reads and parses the
// body and answers 202 with a small JSON body, as the webhook route does, so the driver's figures against it are
// this machine's ceiling for that driver. Plain JavaScript, no loader: the process is as light as Node allows.
import http from 'node:http';

const server = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    JSON.parse(body || '{}');
    res.writeHead(202, { 'content-type': 'application/json; charset=utf-8' });
    res.end('{"accepted":true}');
  });
});
server.listen(0, '127.0.0.1', () => process.send?.(server.address().port));
process.on('disconnect', () => process.exit(0));
