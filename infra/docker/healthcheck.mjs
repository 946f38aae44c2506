// Container health check without a shell or curl: `node /app/healthcheck.mjs [PATH]`.
// Exits 0 when the process answers PATH (default /readyz) with a 2xx within 4 s, else 1.
//   RESTACK_HEALTH_PORT    port on 127.0.0.1 (default 9090, the service runner's HTTP port)
//   RESTACK_HEALTH_SCHEME  http (default) or https; https accepts the server's own
//                          certificate (the admission webhook's is issued for its Service name)
import http from 'node:http';
import https from 'node:https';

const path = process.argv[2] ?? '/readyz';
const port = Number(process.env.RESTACK_HEALTH_PORT ?? 9090);
const scheme = process.env.RESTACK_HEALTH_SCHEME === 'https' ? 'https' : 'http';
const url = `${scheme}://127.0.0.1:${port}${path.startsWith('/') ? path : `/${path}`}`;

function fail(message) {
  process.stderr.write(`${url}: ${message}\n`);
  process.exit(1);
}

const client = scheme === 'https' ? https : http;
const req = client.get(url, { timeout: 4000, rejectUnauthorized: false }, (res) => {
  const ok = (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300;
  res.resume();
  if (ok) process.exit(0);
  fail(`HTTP ${res.statusCode}`);
});
req.on('timeout', () => req.destroy(new Error('timed out')));
req.on('error', (e) => fail(e.message));
