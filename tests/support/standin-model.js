// A stand-in model server for tests: answers every chat completion with a fixed reply
// ($STANDIN_REPLY), streamed as server-sent events when asked. Listens on $HOST (default
// 127.0.0.1; the tests give only loopback or the Docker bridge's address of this machine), on
// $PORT or a free port, and prints the port once it listens.
const http = require("http");
// In the reply, `{users}` is how many user messages the request carried: a conversation
// continued shows it grew.
const template = process.env.STANDIN_REPLY || "Hello from the stand-in model.";
// A request whose last user message holds $STANDIN_HOLD is answered only once /release is
// asked (after that, none is held); "held" is printed when one waits, so that a test knows
// the agent is mid-prompt.
const hold = process.env.STANDIN_HOLD || "";
let held = [];
let released = false;
const text = (message) =>
  typeof message.content === "string" ? message.content : JSON.stringify(message.content || "");
const server = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    if (req.url === "/release") {
      const waiting = held;
      held = [];
      released = true;
      waiting.forEach((answer) => answer());
      res.writeHead(200).end(String(waiting.length));
      return;
    }
    if (req.method !== "POST" || !req.url.endsWith("/chat/completions")) {
      res.writeHead(404).end();
      return;
    }
    const request = JSON.parse(body || "{}");
    const last = (request.messages || []).filter((m) => m.role === "user").pop();
    if (hold && !released && last && text(last).includes(hold)) {
      held.push(() => answer(request, res));
      console.log("held");
      return;
    }
    answer(request, res);
  });
});
const answer = (request, res) => {
  {
    const users = (request.messages || []).filter((m) => m.role === "user").length;
    const reply = template.split("{users}").join(String(users));
    const id = "chatcmpl-standin";
    const created = Math.floor(Date.now() / 1000);
    if (request.stream) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const chunk = (delta, finish) =>
        res.write("data: " + JSON.stringify({ id, object: "chat.completion.chunk", created, model: request.model,
          choices: [{ index: 0, delta, finish_reason: finish }] }) + "\n\n");
      chunk({ role: "assistant", content: reply }, null);
      chunk({}, "stop");
      res.write("data: " + JSON.stringify({ id, object: "chat.completion.chunk", created, model: request.model, choices: [],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }) + "\n\n");
      res.end("data: [DONE]\n\n");
    } else {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id, object: "chat.completion", created, model: request.model,
        choices: [{ index: 0, message: { role: "assistant", content: reply }, finish_reason: "stop" }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
    }
  }
};
server.listen(Number(process.env.PORT || 0), process.env.HOST || "127.0.0.1", () => console.log(server.address().port));
