//! A real MCP client that skipper did not write, driving `sk mcp`: the stdio client of the
//! Python `mcp` package (from `PyPI`), through `mcp_client.py` beside this file, which turns tool
//! calls written to it as JSON lines into answers read back as JSON lines.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::Value;

use super::TestEnv;

/// The Python whose `mcp` package the tests use: `SK_MCP_PYTHON`, else the virtual
/// environment `.ci/run` makes (`target/mcp-venv`), else `python3`. `None` when it cannot
/// import `mcp` (the test is skipped, saying why), unless `SK_REQUIRE_MCP=1` demands it.
pub fn mcp_python(env: &TestEnv) -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/mcp-venv/bin/python");
    let python = std::env::var_os("SK_MCP_PYTHON").map_or_else(
        || {
            if venv.exists() {
                venv
            } else {
                PathBuf::from("python3")
            }
        },
        PathBuf::from,
    );
    let mut probe = Command::new(&python);
    env.isolate(&mut probe);
    let importable = probe
        .args(["-c", "import mcp"])
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|output| output.status.success());
    if importable {
        return Some(python);
    }
    let why = format!(
        "`{}` cannot import the Python `mcp` package (pip install mcp, or set SK_MCP_PYTHON)",
        python.display()
    );
    assert!(
        std::env::var("SK_REQUIRE_MCP").as_deref() != Ok("1"),
        "SK_REQUIRE_MCP=1 but {why}"
    );
    eprintln!("skipped: {why} (set SK_REQUIRE_MCP=1 to make this a failure)");
    None
}

/// An MCP session with `sk mcp`, opened by the Python client.
pub struct McpClient {
    child: Child,
    requests: Option<ChildStdin>,
    answers: BufReader<ChildStdout>,
    /// The name the server gave in its `initialize` answer.
    pub server: String,
    /// The tools it listed: each with `name` and `input_schema`.
    pub tools: Vec<Value>,
}

impl McpClient {
    /// Starts the client on `sk args` (e.g. `["mcp"]`) in `env`, whose environment the
    /// server inherits, and waits for the session to be open and the tools listed.
    pub fn start(env: &TestEnv, python: &Path, args: &[&str]) -> Self {
        Self::spawn(env, Command::new(python), args)
    }

    /// As [`McpClient::start`], with SIGINT and SIGQUIT ignored from the start in the
    /// client and so in `sk` (the dispositions survive `exec`), as they are for anything a
    /// script starts with `&` when job control is off.
    pub fn start_with_interrupts_ignored(env: &TestEnv, python: &Path, args: &[&str]) -> Self {
        let mut command = Command::new("sh");
        command
            .args(["-c", "trap '' INT QUIT; exec \"$0\" \"$@\""])
            .arg(python);
        Self::spawn(env, command, args)
    }

    fn spawn(env: &TestEnv, mut command: Command, args: &[&str]) -> Self {
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/support/mcp_client.py");
        env.isolate(&mut command);
        let mut child = command
            .arg(script)
            .arg(assert_cmd::cargo::cargo_bin("sk"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let requests = child.stdin.take();
        let answers = BufReader::new(child.stdout.take().unwrap());
        let mut client = Self {
            child,
            requests,
            answers,
            server: String::new(),
            tools: Vec::new(),
        };
        let opened = client.answer();
        opened["server"]
            .as_str()
            .unwrap()
            .clone_into(&mut client.server);
        client.tools.clone_from(opened["tools"].as_array().unwrap());
        client
    }

    /// The next JSON line the client prints; panics when it ended instead.
    fn answer(&mut self) -> Value {
        let mut line = String::new();
        self.answers.read_line(&mut line).unwrap();
        assert!(
            !line.is_empty(),
            "the MCP client ended early ({:?}); its stderr and sk's are above",
            self.child.wait()
        );
        serde_json::from_str(&line).unwrap()
    }

    /// Calls `tool` with `arguments`: `{"is_error", "structured", "text"}`, or
    /// `{"protocol_error"}`.
    pub fn call(&mut self, tool: &str, arguments: Value) -> Value {
        let request = serde_json::json!({ "tool": tool, "arguments": arguments });
        let requests = self.requests.as_mut().unwrap();
        writeln!(requests, "{request}").unwrap();
        requests.flush().unwrap();
        self.answer()
    }

    /// Calls `tool` and asserts it succeeded: its structured answer.
    pub fn ok(&mut self, tool: &str, arguments: Value) -> Value {
        let answer = self.call(tool, arguments.clone());
        assert_eq!(
            answer["is_error"],
            Value::Bool(false),
            "{tool} {arguments} failed: {answer}"
        );
        answer["structured"].clone()
    }

    /// Calls `tool` and asserts it was a tool error: the error object (`kind`, `message`,
    /// `hints`, `exit_code`).
    pub fn error(&mut self, tool: &str, arguments: Value) -> Value {
        let answer = self.call(tool, arguments.clone());
        assert_eq!(
            answer["is_error"],
            Value::Bool(true),
            "{tool} {arguments} did not fail: {answer}"
        );
        answer["structured"]["error"].clone()
    }

    /// The tool `name`'s argument names, sorted.
    pub fn arguments_of(&self, name: &str) -> Vec<String> {
        let tool = self
            .tools
            .iter()
            .find(|tool| tool["name"] == name)
            .unwrap_or_else(|| panic!("no tool {name}"));
        let mut names: Vec<String> = tool["input_schema"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        names.sort();
        names
    }

    /// Closes the session (end of the client's stdin) and waits for the client, which
    /// waits for `sk mcp` to end; asserts it ended well.
    pub fn close(mut self) {
        drop(self.requests.take());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "the MCP client ended with {status}");
    }
}

impl Drop for McpClient {
    fn drop(&mut self) {
        // A failed test leaves no client (nor, through it, server) behind.
        if self.requests.is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
