// A client of the tests of `allow` workspaces, run with Node inside the workspace. It goes
// through the proxy that the workspace's HTTP_PROXY names (credentials included), as
// proxy-aware programs do, and prints one line of what it got:
//
//   node proxy-client.js get URL          a plain HTTP request through the proxy: "<status> <body's first line>"
//   node proxy-client.js connect HOST:PORT   a CONNECT tunnel, then a request in it: "connect <status> [<body>]"
//   node proxy-client.js direct URL       straight to the server, no proxy: "direct <status>" or "error <code>"
//
// Every request gives up after 5 seconds ("error timeout"). Exits 0 whatever the answer.
const http = require('http');

const [mode, target] = process.argv.slice(2);
const proxy = new URL(process.env.HTTP_PROXY || 'http://no-proxy-set');
const auth = proxy.username
    ? { 'Proxy-Authorization': 'Basic ' + Buffer.from(
        decodeURIComponent(proxy.username) + ':' + decodeURIComponent(proxy.password)).toString('base64') }
    : {};
const fail = (err) => { console.log('error ' + (err.code || err.message)); };
const firstLine = (text) => text.split('\n')[0].trim();

if (mode === 'get') {
    const url = new URL(target);
    http.get({ host: proxy.hostname, port: proxy.port, path: target, timeout: 5000,
        headers: { ...auth, Host: url.host } }, (res) => {
        let body = '';
        res.on('data', (chunk) => { body += chunk; });
        res.on('end', () => {
            console.log(res.statusCode === 200
                ? `200 ${firstLine(body)}`
                : `${res.statusCode} ${res.statusMessage}`);
        });
    }).on('error', fail).on('timeout', function () { this.destroy(); fail({ code: 'timeout' }); });
} else if (mode === 'connect') {
    const request = http.request({ host: proxy.hostname, port: proxy.port, method: 'CONNECT',
        path: target, headers: auth, timeout: 5000 });
    request.on('connect', (res, socket) => {
        if (res.statusCode !== 200) {
            console.log(`connect ${res.statusCode} ${res.statusMessage}`);
            socket.destroy();
            return;
        }
        socket.write('GET /tunnel HTTP/1.0\r\n\r\n');
        let reply = '';
        socket.on('data', (chunk) => { reply += chunk; });
        socket.on('end', () => {
            console.log(`connect 200 ${firstLine(reply.split('\r\n\r\n')[1] || '')}`);
        });
    }).on('error', fail).on('timeout', function () { this.destroy(); fail({ code: 'timeout' }); }).end();
} else if (mode === 'direct') {
    const url = new URL(target);
    http.get({ host: url.hostname, port: url.port, path: url.pathname, timeout: 5000 }, (res) => {
        console.log(`direct ${res.statusCode}`);
        res.resume();
    }).on('error', fail).on('timeout', function () { this.destroy(); fail({ code: 'timeout' }); });
} else {
    console.log(`unknown mode ${mode}`);
    process.exit(2);
}
