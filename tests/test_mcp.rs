//! `sk mcp` driven by a real MCP client that skipper did not write (the Python `mcp`
//! package's stdio client): the tools and their typed arguments, and a workspace's life
//! through them (create, run, change, diff, the dirty gate on remove, `force` only when
//! config.toml allows it), against real git and, for Docker, the real daemon.

use serde_json::{Value, json};

use crate::support::docker::{DockerRepo, docker_ready};
use crate::support::mcp::{McpClient, mcp_python};
use crate::support::{TestEnv, cloned_api, stderr};

/// The tools `sk mcp` lists, and the argument names of each.
#[test]
fn the_tools_and_their_typed_arguments_are_listed() {
    let env = TestEnv::new();
    let Some(python) = mcp_python(&env) else {
        return;
    };
    let client = McpClient::start(&env, &python, &["mcp"]);
    assert_eq!(client.server, "skipper");
    let mut names: Vec<&str> = client
        .tools
        .iter()
        .map(|tool| tool["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "workspace_create",
            "workspace_diff",
            "workspace_fetch",
            "workspace_list",
            "workspace_remove",
            "workspace_run"
        ]
    );
    let workspace = ["branch", "repository", "sandbox"];
    assert_eq!(
        client.arguments_of("workspace_list"),
        ["repository", "sandbox"]
    );
    assert_eq!(
        client.arguments_of("workspace_create"),
        ["branch", "network", "repository", "sandbox"]
    );
    assert_eq!(client.arguments_of("workspace_fetch"), workspace);
    assert_eq!(
        client.arguments_of("workspace_run"),
        [
            "argv",
            "branch",
            "command",
            "repository",
            "sandbox",
            "timeout_seconds"
        ]
    );
    assert_eq!(
        client.arguments_of("workspace_diff"),
        ["base", "branch", "repository", "sandbox", "stat"]
    );
    assert_eq!(
        client.arguments_of("workspace_remove"),
        ["branch", "force", "repository", "sandbox"]
    );
    let run = client
        .tools
        .iter()
        .find(|tool| tool["name"] == "workspace_run")
        .unwrap();
    let schema = &run["input_schema"];
    assert_eq!(schema["required"], json!(["repository"]));
    assert_eq!(schema["properties"]["repository"]["type"], "string");
    assert_eq!(schema["properties"]["argv"]["items"]["type"], "string");
    let sandboxes: Vec<&Value> = schema["$defs"]["SandboxArg"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|variant| &variant["const"])
        .collect();
    assert_eq!(sandboxes, [&json!("worktree"), &json!("docker")]);
    client.close();
}

/// Create, run (argv and shell text), change, diff, list and remove a worktree workspace
/// through MCP; the dirty gate holds, and `force` needs `[mcp] allow_force`.
#[test]
fn a_worktree_workspace_is_made_used_and_removed_through_mcp() {
    let env = cloned_api();
    let Some(python) = mcp_python(&env) else {
        return;
    };
    let mut client = McpClient::start(&env, &python, &["mcp"]);
    let branch = json!({ "repository": "api", "branch": "feat/mcp" });

    let created = client.ok("workspace_create", branch.clone());
    assert_eq!(created["outcome"], "created");
    let path = env.worktree("api", "feat/mcp");
    assert_eq!(created["workspace"]["path"], path.display().to_string());
    assert_eq!(created["workspace"]["sandbox"], "worktree");
    assert_eq!(created["workspace"]["clean"], true);
    assert!(path.is_dir());
    assert_eq!(
        client.ok("workspace_create", branch.clone())["outcome"],
        "exists"
    );

    let ran = client.ok(
        "workspace_run",
        json!({ "repository": "api", "branch": "feat/mcp",
                "argv": ["git", "rev-parse", "--abbrev-ref", "HEAD"] }),
    );
    assert_eq!(
        (&ran["exit_code"], &ran["stdout"], &ran["stderr"]),
        (&json!(0), &json!("feat/mcp\n"), &json!(""))
    );
    // Shell text, a change, output on both streams and an exit code of its own.
    let ran = client.ok(
        "workspace_run",
        json!({ "repository": "api", "branch": "feat/mcp",
                "command": "echo changed > notes.txt && echo made; echo to-stderr >&2; exit 3" }),
    );
    assert_eq!(
        (&ran["exit_code"], &ran["stdout"], &ran["stderr"]),
        (&json!(3), &json!("made\n"), &json!("to-stderr\n"))
    );
    assert_eq!(
        fs_err::read_to_string(path.join("notes.txt")).unwrap(),
        "changed\n"
    );

    let diff = client.ok("workspace_diff", branch.clone());
    assert_eq!(
        diff["diff"].as_str().unwrap(),
        env.ok(&["workspace", "diff", "-r", "api", "-b", "feat/mcp"])
    );
    assert!(
        diff["diff"]
            .as_str()
            .unwrap()
            .contains("+++ b/notes.txt\n@@ -0,0 +1 @@\n+changed\n")
    );
    let listed = client.ok("workspace_list", json!({ "repository": "api" }));
    let row = listed["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["branch"] == "feat/mcp")
        .unwrap()
        .clone();
    assert_eq!(
        (&row["dirty"], &row["clean"]),
        (&json!(true), &json!(false))
    );

    // The dirty gate holds, with the CLI's own words, but for the way to force it: this
    // server's argument, which the user must allow first.
    let refused = client.error("workspace_remove", branch.clone());
    let cli = env.run(&["workspace", "remove", "-r", "api", "-b", "feat/mcp"]);
    assert_eq!(refused["exit_code"], cli.status.code().unwrap());
    assert_eq!(refused["kind"], "failure");
    let in_mcp_terms = stderr(&cli).replace(
        "pass --force",
        "call workspace_remove with `force: true` once the user allows it (`[mcp] allow_force = true` in config.toml)",
    );
    assert_ne!(in_mcp_terms, stderr(&cli));
    assert_eq!(rendered(&refused), in_mcp_terms);
    assert!(path.join("notes.txt").is_file());
    // `force` is the user's to allow.
    let forced = json!({ "repository": "api", "branch": "feat/mcp", "force": true });
    let refused = client.error("workspace_remove", forced.clone());
    assert_eq!(
        refused["message"],
        "`force` is not allowed through MCP: nothing was removed"
    );
    assert!(path.join("notes.txt").is_file());
    client.close();

    env.write_config("[mcp]\nallow_force = true\n");
    let mut client = McpClient::start(&env, &python, &["mcp"]);
    let removed = client.ok("workspace_remove", forced);
    assert_eq!(removed["removed"], "remotes/api (feat/mcp)");
    let saved = removed["saved"].as_str().unwrap();
    assert!(env.ok(&["workspace", "saved"]).contains(saved));
    assert!(!path.exists());
    let listed = client.ok("workspace_list", json!({ "repository": "api" }));
    let branches: Vec<&Value> = listed["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| &row["branch"])
        .collect();
    assert_eq!(branches, [&Value::Null]);
    client.close();
}

/// The CLI's rendering of a tool error: `error: MESSAGE`, then each hint.
fn rendered(error: &Value) -> String {
    let mut text = format!("error: {}\n", error["message"].as_str().unwrap());
    for hint in error["hints"].as_array().unwrap() {
        text.push_str(&format!("  - {}\n", hint.as_str().unwrap()));
    }
    text
}

/// Tool errors carry the CLI's kind, message, hints and exit code; nothing is asked and
/// nothing is guessed: a missing argument or one the tool does not know is an error.
#[test]
fn tool_errors_are_the_clis_errors() {
    let env = cloned_api();
    let Some(python) = mcp_python(&env) else {
        return;
    };
    let mut client = McpClient::start(&env, &python, &["mcp"]);
    let missing = client.error(
        "workspace_run",
        json!({ "repository": "api", "branch": "nope", "argv": ["true"] }),
    );
    let cli = env.run(&["workspace", "run", "-r", "api", "-b", "nope", "--", "true"]);
    assert_eq!(rendered(&missing), stderr(&cli));
    assert_eq!(missing["exit_code"], cli.status.code().unwrap());

    let invalid = client.error(
        "workspace_create",
        json!({ "repository": "api", "branch": "a..b" }),
    );
    let cli = env.run(&["workspace", "create", "-r", "api", "-b", "a..b"]);
    assert_eq!(rendered(&invalid), stderr(&cli));
    assert_eq!(
        (&invalid["kind"], &invalid["exit_code"]),
        (&json!("usage"), &json!(2))
    );
    // A network policy is the Docker sandbox's, as `--network` is.
    let worktree = client.error(
        "workspace_create",
        json!({ "repository": "api", "branch": "feat/net", "network": "none" }),
    );
    let cli = env.run(&[
        "workspace",
        "create",
        "-r",
        "api",
        "-b",
        "feat/net",
        "--network",
        "none",
    ]);
    assert_eq!(rendered(&worktree), stderr(&cli));
    assert_eq!(worktree["exit_code"], 2);
    assert!(!env.worktree("api", "feat/net").exists());

    let unnamed = client.error("workspace_diff", json!({ "branch": "feat/x" }));
    assert_eq!(unnamed["message"], "`repository` is required");
    assert_eq!(
        unnamed["hints"],
        json!(["cloned repositories: remotes/api"])
    );
    let nothing = client.error("workspace_run", json!({ "repository": "api" }));
    assert_eq!(nothing["message"], "nothing to run");
    // A misspelt argument is refused, never read as the main workspace.
    let misspelt = client.call(
        "workspace_run",
        json!({ "repository": "api", "brnch": "feat/x", "argv": ["touch", "oops"] }),
    );
    assert_eq!(misspelt["is_error"], true, "{misspelt}");
    assert!(!env.checkout("api").join("oops").exists());
    // The main workspace is never removed.
    let main = client.error("workspace_remove", json!({ "repository": "api" }));
    assert_eq!(main["kind"], "failure");
    client.close();
}

/// Output past the limit keeps its start and end around a note; the main workspace is the
/// host checkout when `branch` is absent.
#[test]
fn long_output_is_cut_with_a_note() {
    let env = cloned_api();
    let Some(python) = mcp_python(&env) else {
        return;
    };
    let mut client = McpClient::start(&env, &python, &["mcp"]);
    let ran = client.ok(
        "workspace_run",
        json!({ "repository": "api",
                "command": "pwd; i=0; while [ $i -lt 20000 ]; do echo line-$i; i=$((i+1)); done" }),
    );
    assert_eq!(ran["exit_code"], 0);
    assert_eq!(ran["stdout_truncated"], true);
    let stdout = ran["stdout"].as_str().unwrap();
    assert!(stdout.starts_with(&format!("{}\nline-0\n", env.checkout("api").display())));
    assert!(stdout.ends_with("line-19999\n"));
    assert!(
        stdout.contains(" bytes left out here; the output was "),
        "{}",
        &stdout[..200]
    );
    assert!(stdout.len() < 70 * 1024);
    assert_eq!(ran["stderr_truncated"], false);
    client.close();
}

/// The same life through MCP in the Docker sandbox: the workspace is a container.
#[test]
fn a_docker_workspace_is_made_used_and_removed_through_mcp() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("mcp", "");
    let Some(python) = mcp_python(&repo.env) else {
        return;
    };
    let mut client = McpClient::start(&repo.env, &python, &["mcp"]);
    let branch = json!({ "repository": repo.name, "branch": "feat/mcp", "sandbox": "docker" });

    let created = client.ok("workspace_create", branch.clone());
    assert_eq!(created["outcome"], "created");
    assert_eq!(created["workspace"]["sandbox"], "docker");
    assert!(created["workspace"]["container"].is_string(), "{created}");
    assert_eq!(created["workspace"]["network"]["mode"], "bridge");
    // An agent can ask for a workspace with no network at all.
    let sealed = client.ok(
        "workspace_create",
        json!({ "repository": repo.name, "branch": "feat/sealed", "sandbox": "docker",
                "network": "none" }),
    );
    assert_eq!(sealed["workspace"]["network"]["mode"], "none", "{sealed}");
    let interfaces = client.ok(
        "workspace_run",
        json!({ "repository": repo.name, "branch": "feat/sealed",
                "command": "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '" }),
    );
    assert_eq!(interfaces["stdout"], "lo\n");

    // Without `sandbox`, the tools find the workspace where it is.
    let ran = client.ok(
        "workspace_run",
        json!({ "repository": repo.name, "branch": "feat/mcp",
                "argv": ["git", "rev-parse", "--abbrev-ref", "HEAD"] }),
    );
    assert_eq!(
        (&ran["exit_code"], &ran["stdout"]),
        (&json!(0), &json!("feat/mcp\n"))
    );
    let ran = client.ok(
        "workspace_run",
        json!({ "repository": repo.name, "branch": "feat/mcp", "sandbox": "docker",
                "command": "echo changed > notes.txt; echo to-stderr >&2; exit 4" }),
    );
    assert_eq!(
        (&ran["exit_code"], &ran["stdout"], &ran["stderr"]),
        (&json!(4), &json!(""), &json!("to-stderr\n"))
    );
    let diff = client.ok("workspace_diff", branch.clone());
    assert!(
        diff["diff"]
            .as_str()
            .unwrap()
            .contains("+++ b/notes.txt\n@@ -0,0 +1 @@\n+changed\n"),
        "{diff}"
    );

    let refused = client.error("workspace_remove", branch.clone());
    assert_eq!(refused["kind"], "failure");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("holds work that would be lost"),
        "{refused}"
    );
    // The main container, this one and the sealed one.
    let containers = repo.resources("ps", "workspace");
    assert_eq!(containers.len(), 3);
    let mut forced = branch.clone();
    forced["force"] = json!(true);
    client.error("workspace_remove", forced.clone());
    client.close();

    let config = fs_err::read_to_string(repo.env.config_file()).unwrap();
    repo.env
        .write_config(&format!("{config}\n[mcp]\nallow_force = true\n"));
    let mut client = McpClient::start(&repo.env, &python, &["mcp"]);
    let removed = client.ok("workspace_remove", forced);
    assert!(removed["saved"].is_string(), "{removed}");
    assert_eq!(repo.resources("ps", "workspace").len(), 2);
    let listed = client.ok("workspace_list", json!({ "repository": repo.name }));
    assert!(
        listed["workspaces"]
            .as_array()
            .unwrap()
            .iter()
            .all(|row| row["branch"] != "feat/mcp"),
        "{listed}"
    );
    client.close();
}

/// A command past its `timeout_seconds` is interrupted as Ctrl-C does, and the answer says
/// it timed out; one within it is not.
#[test]
fn a_command_past_its_timeout_is_interrupted_and_the_answer_says_so() {
    let env = cloned_api();
    let Some(python) = mcp_python(&env) else {
        return;
    };
    let mut client = McpClient::start(&env, &python, &["mcp"]);
    interrupted_past_its_timeout(&mut client);
    let ran = client.ok(
        "workspace_run",
        json!({ "repository": "api", "argv": ["true"], "timeout_seconds": 600 }),
    );
    assert_eq!(
        (&ran["exit_code"], &ran["timed_out"]),
        (&json!(0), &json!(false))
    );
    client.close();
}

/// A server started with SIGINT ignored (as by `sk mcp &` in a script) still interrupts a
/// command past its timeout: the command does not inherit the ignored signal, which a
/// shell could not even trap.
#[test]
fn a_server_started_with_interrupts_ignored_still_interrupts_its_commands() {
    let env = cloned_api();
    let Some(python) = mcp_python(&env) else {
        return;
    };
    let mut client = McpClient::start_with_interrupts_ignored(&env, &python, &["mcp"]);
    interrupted_past_its_timeout(&mut client);
    client.close();
}

fn interrupted_past_its_timeout(client: &mut McpClient) {
    let ran = client.ok(
        "workspace_run",
        json!({
            "repository": "api",
            // It would run for ever: only the interrupt ends it, through its trap.
            "command": "trap 'echo interrupted; exit 7' INT; echo started; while :; do sleep 1; done",
            "timeout_seconds": 1,
        }),
    );
    assert_eq!(ran["exit_code"], 7, "{ran}");
    assert_eq!(ran["stdout"], "started\ninterrupted\n");
    assert_eq!(ran["timed_out"], true);
}
