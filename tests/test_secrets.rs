//! Secrets at exec time: `[secrets]` read on the host when a command asks for one, given to
//! that command's environment alone, and found nowhere else: not in the container's
//! configuration or labels, the data root, or `sk`'s own output and `-vv` logs.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;

use expectrl::Expect;

use crate::support::docker::{DockerRepo, docker_ok, docker_ready};
use crate::support::{TestEnv, exit_code, stderr, stdout};

/// Values that appear nowhere in what the tests run but the secrets' sources; the commands
/// print them upper-cased, so that their output proves the value arrived without holding it.
const FROM_ENV: &str = "env-value-93a1";
const FROM_FILE: &str = "file-value-4be7";
const FROM_COMMAND: &str = "cmd-value-7f3c";

/// A `[secrets]` table with one secret of each kind (the file's is written under `env`'s
/// home by [`write_sources`]).
const SECRETS: &str = r#"
[secrets]
FROM_ENV = { env = "SK_TEST_SECRET_SOURCE" }
FROM_FILE = { file = "~/tokens/file.txt" }
FROM_COMMAND = { command = ["printf", "%s\n", "cmd-value-7f3c"] }
BROKEN = { env = "SK_TEST_NO_SUCH_VARIABLE" }
"#;

/// Prints the three secrets, upper-cased, then whether an unasked one is set.
const PRINT: &str =
    r#"printf '%s|' "$FROM_ENV" "$FROM_FILE" "$FROM_COMMAND" | tr a-z A-Z; echo "${BROKEN-unset}""#;

fn write_sources(env: &TestEnv) {
    let dir = env.home().join("tokens");
    fs_err::create_dir_all(&dir).unwrap();
    fs_err::write(dir.join("file.txt"), format!("{FROM_FILE}\n")).unwrap();
}

fn printed() -> String {
    format!(
        "{}|{}|{}|unset\n",
        FROM_ENV.to_uppercase(),
        FROM_FILE.to_uppercase(),
        FROM_COMMAND.to_uppercase()
    )
}

/// The secrets' values found in `text`.
fn leaked(text: &str) -> Vec<&'static str> {
    [FROM_ENV, FROM_FILE, FROM_COMMAND]
        .into_iter()
        .filter(|value| text.contains(value))
        .collect()
}

/// The files under `dir` holding a secret's value, as `path: value`.
fn leaked_in_files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs_err::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file()
                && let Ok(bytes) = fs_err::read(&path)
            {
                let text = String::from_utf8_lossy(&bytes);
                for value in leaked(&text) {
                    found.push(format!("{}: {value}", path.display()));
                }
            }
        }
    }
    found
}

/// A fresh environment with `config`, the secrets' sources, repository `api` cloned and its
/// workspace `feat/s`.
fn with_workspace(config: &str) -> TestEnv {
    let env = TestEnv::new();
    env.write_config(config);
    write_sources(&env);
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/s"]);
    env
}

/// `sk [-vv] workspace run -r api -b feat/s <rest>`, as [`run_with_secrets`] runs it.
fn run_in_feat_s(env: &TestEnv, verbose: bool, rest: &[&str]) -> std::process::Output {
    let mut args = if verbose { vec!["-vv"] } else { Vec::new() };
    args.extend(["workspace", "run", "-r", "api", "-b", "feat/s"]);
    args.extend_from_slice(rest);
    run_with_secrets(env, &args)
}

fn run_with_secrets(env: &TestEnv, args: &[&str]) -> std::process::Output {
    env.sk()
        .env("SK_TEST_SECRET_SOURCE", FROM_ENV)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_worktree_command_gets_the_secrets_it_asks_for_and_nothing_shows_them() {
    let env = with_workspace(SECRETS);

    let output = run_in_feat_s(
        &env,
        true,
        &[
            "--secret",
            "FROM_ENV",
            "--secret",
            "FROM_FILE",
            "--secret",
            "FROM_COMMAND",
            "--command",
            PRINT,
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), printed());
    assert_eq!(leaked(&stderr(&output)), Vec::<&str>::new());
    assert_eq!(leaked_in_files(&env.data_root()), Vec::<String>::new());

    // Not asked for: not given.
    let output = run_in_feat_s(&env, false, &["--command", "echo \"${FROM_ENV-unset}\""]);
    assert_eq!(stdout(&output), "unset\n");
}

#[test]
fn a_secret_in_sks_own_words_is_masked() {
    let env = with_workspace(SECRETS);

    // A program named like the value: `sk`'s error would say it.
    let output = run_in_feat_s(
        &env,
        true,
        &["--secret", "FROM_COMMAND", "--", FROM_COMMAND],
    );
    assert_eq!(output.status.code(), Some(127));
    let said = stderr(&output);
    assert!(
        said.contains("error: `***` was not found in the workspace"),
        "{said}"
    );
    assert_eq!(leaked(&said), Vec::<&str>::new());
}

#[test]
fn an_unknown_or_unreadable_secret_is_refused_before_anything_runs() {
    let env = with_workspace(SECRETS);

    let unknown = env.screen(&run_in_feat_s(
        &env,
        false,
        &["--secret", "NOPE", "--", "touch", "ran"],
    ));
    insta::assert_snapshot!(unknown, @"
    [exit: 2]
    ----- stderr -----
    error: no secret named NOPE (configured: BROKEN, FROM_COMMAND, FROM_ENV, FROM_FILE)
      - add it to [secrets] in [ROOT]/xdg-config/skipper/config.toml, e.g. NOPE = { env = \"NOPE\" }
    ");
    let unreadable = env.screen(&run_in_feat_s(
        &env,
        false,
        &["--secret", "BROKEN", "--", "touch", "ran"],
    ));
    insta::assert_snapshot!(unreadable, @"
    [exit: 1]
    ----- stderr -----
    error: cannot read secret BROKEN: the environment variable SK_TEST_NO_SUCH_VARIABLE is not set
      - fix its source in [secrets] of [ROOT]/xdg-config/skipper/config.toml
    ");
    assert!(!env.worktree("api", "feat/s").join("ran").exists());
}

#[test]
fn an_agent_gets_the_secrets_its_preset_declares_when_they_are_configured() {
    let env = with_workspace(&format!(
        r#"{SECRETS}
[agents.echoer]
prompt = ["sh", "-c", "printf '%s|%s|' \"$FROM_COMMAND\" \"${{FROM_FILE-unset}}\" | tr a-z A-Z; echo \"$0\"", "{{prompt}}"]
secrets = ["FROM_COMMAND", "NOT_CONFIGURED"]
"#
    ));

    let output = run_with_secrets(
        &env,
        &[
            "-vv",
            "workspace",
            "prompt",
            "-r",
            "api",
            "-b",
            "feat/s",
            "--agent",
            "echoer",
            "hello",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!("{}|UNSET|hello\n", FROM_COMMAND.to_uppercase())
    );
    assert_eq!(leaked(&stderr(&output)), Vec::<&str>::new());
}

#[test]
fn a_docker_command_gets_its_secrets_and_inspect_labels_data_root_and_logs_have_none() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("secrets", SECRETS);
    write_sources(&repo.env);
    repo.create("feat/s");
    let container = repo.container(Some("feat/s"));

    let waiting = format!("{PRINT}; read done || true");
    let args = [
        "-vv",
        "workspace",
        "run",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "feat/s",
        "--secret",
        "FROM_ENV",
        "--secret",
        "FROM_FILE",
        "--secret",
        "FROM_COMMAND",
        "--command",
        &waiting,
    ];
    let mut child = repo
        .env
        .sk()
        .env("SK_TEST_SECRET_SOURCE", FROM_ENV)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, printed());
    // While the command runs, its request's files in the data root:
    let inspect = docker_ok(&["inspect", &container]);
    assert_eq!(leaked(&inspect), Vec::<&str>::new(), "docker inspect");
    let labels = docker_ok(&["inspect", "-f", "{{json .Config.Labels}}", &container]);
    assert_eq!(leaked(&labels), Vec::<&str>::new(), "labels");
    assert_eq!(leaked_in_files(&repo.env.data_root()), Vec::<String>::new());
    drop(child.stdin.take());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(leaked(&stderr(&output)), Vec::<&str>::new());

    // On a terminal too (the session's script reads them as the command's does).
    let mut command = repo.env.sk();
    command
        .env("SK_TEST_SECRET_SOURCE", FROM_ENV)
        .stdin(Stdio::inherit())
        .args(&args[1..args.len() - 1])
        .arg(PRINT);
    let mut session = repo.env.pty_command(command);
    session.expect(printed().trim_end()).unwrap();
    assert_eq!(exit_code(&mut session), 0);

    // And the container's own files: only the command's environment had them. (Each
    // pattern's last character in brackets, so that the search's own words do not match.)
    let pattern = |value: &str| {
        let (head, last) = value.split_at(value.len() - 1);
        format!("-e '{head}[{last}]'")
    };
    let found = repo.sh(
        "feat/s",
        &format!(
            "grep -rlsE {} {} {} / --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev || true",
            pattern(FROM_ENV),
            pattern(FROM_FILE),
            pattern(FROM_COMMAND)
        ),
    );
    assert_eq!(found.trim(), "");
}
