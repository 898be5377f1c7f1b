// hello: the example app Launchpad builds from source (apps.hello.build in the stack files).
// A dependency-free HTTP server: / greets, /healthz and /readyz are the probes, /version and /metrics
// follow the same conventions as podinfo (RED metrics: http_requests_total{status} and the histogram
// http_request_duration_seconds{method,path,status}, whose path is the route: root, healthz, readyz,
// version, metrics, or other for anything unknown, so that probes can be told from traffic).
"use strict";
const http = require("node:http");

const VERSION = process.env.APP_VERSION || "dev";
const MESSAGE = process.env.HELLO_MESSAGE || "hello from Launchpad";
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

function createServer() {
    let ready = true;
    const requests = new Map(); // status -> count
    const durations = new Map(); // method, path, status -> { counts, sum, count }

    function observe(method, path, status, seconds) {
        requests.set(status, (requests.get(status) || 0) + 1);
        const key = JSON.stringify([method, path, status]);
        const d = durations.get(key) || { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
        BUCKETS.forEach((b, i) => {
            if (seconds <= b) d.counts[i] += 1;
        });
        d.sum += seconds;
        d.count += 1;
        durations.set(key, d);
    }

    function metrics() {
        const lines = ["# HELP http_requests_total Requests by status.", "# TYPE http_requests_total counter"];
        for (const [status, n] of [...requests].sort()) lines.push(`http_requests_total{status="${status}"} ${n}`);
        lines.push("# HELP http_request_duration_seconds Request duration.", "# TYPE http_request_duration_seconds histogram");
        for (const [key, d] of [...durations].sort()) {
            const [method, path, status] = JSON.parse(key);
            const l = `method="${method}",path="${path}",status="${status}"`;
            BUCKETS.forEach((b, i) => lines.push(`http_request_duration_seconds_bucket{${l},le="${b}"} ${d.counts[i]}`));
            lines.push(`http_request_duration_seconds_bucket{${l},le="+Inf"} ${d.count}`);
            lines.push(`http_request_duration_seconds_sum{${l}} ${d.sum}`);
            lines.push(`http_request_duration_seconds_count{${l}} ${d.count}`);
        }
        return lines.join("\n") + "\n";
    }

    /** The route a request took, as podinfo names its routes in the path label. */
    const ROUTES = { "/": "root", "/healthz": "healthz", "/readyz": "readyz", "/version": "version", "/metrics": "metrics" };

    const server = http.createServer((req, res) => {
        const started = process.hrtime.bigint();
        const path = (req.url || "/").split("?")[0];
        const send = (status, type, body) => {
            res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
            res.end(body);
            observe(req.method, ROUTES[path] || "other", String(status), Number(process.hrtime.bigint() - started) / 1e9);
        };
        if (req.method !== "GET" && req.method !== "HEAD") return send(405, "text/plain", "method not allowed\n");
        switch (path) {
            case "/":
                return send(200, "application/json", JSON.stringify({ message: MESSAGE, version: VERSION }) + "\n");
            case "/healthz":
                return send(200, "text/plain", "ok\n");
            case "/readyz":
                return ready ? send(200, "text/plain", "ready\n") : send(503, "text/plain", "shutting down\n");
            case "/version":
                return send(200, "application/json", JSON.stringify({ version: VERSION }) + "\n");
            case "/metrics":
                return send(200, "text/plain; version=0.0.4", metrics());
            default:
                return send(404, "text/plain", "not found\n");
        }
    });
    /** Stop taking new traffic (readiness fails), then close once in-flight requests finish. */
    server.drain = (cb) => {
        ready = false;
        server.close(cb);
        server.closeIdleConnections();
    };
    return server;
}

module.exports = { createServer };

if (require.main === module) {
    const port = Number(process.env.PORT || 8080);
    // HOST: one address to listen on (a VM's unit sets it; tests use 127.0.0.1). Unset: every interface.
    const host = process.env.HOST || undefined;
    const server = createServer();
    server.listen({ port, host }, () => console.log(`hello ${VERSION} listening on ${host || ""}:${port}`));
    for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => server.drain(() => process.exit(0)));
}
