//! Network policies of Docker workspaces (`--network`, `[network]`): `none` has loopback
//! alone; `allow` reaches its allowed hosts through its own proxy and nothing else. The only
//! servers aimed at are the test's own, in containers it starts on Docker's default bridge
//! (where the proxy looks out from).

use std::io::Write as _;
use std::process::Stdio;
use std::sync::Mutex;

use serde_json::Value;

use crate::support::docker::{BASE_IMAGE, DockerRepo, docker_ok, docker_ready};
use crate::support::{TestEnv, stderr};

/// Removes, on drop, the networks of the data root whose namespace it was told.
#[derive(Default)]
struct NetworkSweep(Mutex<Option<String>>);

impl NetworkSweep {
    fn of_container(&self, container: &str) {
        let namespace = docker_ok(&[
            "inspect",
            "--format",
            "{{index .Config.Labels \"dev.skipper.data-root\"}}",
            container,
        ]);
        *self.0.lock().unwrap() = Some(namespace);
    }

    fn networks(&self) -> Vec<String> {
        let Some(namespace) = self.0.lock().unwrap().clone() else {
            return Vec::new();
        };
        let filter = format!("label=dev.skipper.data-root={namespace}");
        docker_ok(&["network", "ls", "-q", "--filter", &filter])
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for NetworkSweep {
    fn drop(&mut self) {
        for network in self.networks() {
            let _ = std::process::Command::new("docker")
                .args(["network", "rm", &network])
                .output();
        }
    }
}

/// A tiny HTTP server in a container of the test's on the default bridge, labelled with
/// the repository so that the repository's sweep removes it; its address.
fn server(repo: &DockerRepo, which: &str) -> String {
    let label = format!("dev.skipper.repository=local/remotes/{}", repo.name);
    let script = format!(
        "require('http').createServer((q, s) => s.end('server-{which} ' + q.url + '\\n')).listen(8000)"
    );
    let id = docker_ok(&[
        "run", "-d", "--label", &label, BASE_IMAGE, "node", "-e", &script,
    ]);
    docker_ok(&["inspect", "--format", "{{.NetworkSettings.IPAddress}}", &id])
}

/// `proxy-client.js` put at `/tmp/proxy-client.js` in the workspace of `branch`.
fn put_client(repo: &DockerRepo, branch: &str) {
    let script = fs_err::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/support/proxy-client.js"
    ))
    .unwrap();
    let mut child = repo
        .env
        .sk()
        .args([
            "workspace",
            "run",
            "--sandbox",
            "docker",
            "-r",
            &repo.name,
            "-b",
            branch,
            "--command",
            "cat > /tmp/proxy-client.js",
        ])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&script).unwrap();
    assert!(child.wait().unwrap().success());
}

fn client(repo: &DockerRepo, branch: &str, args: &str) -> String {
    repo.sh(branch, &format!("node /tmp/proxy-client.js {args}"))
        .trim()
        .to_owned()
}

fn row<'a>(rows: &'a [Value], branch: Option<&str>) -> &'a Value {
    rows.iter()
        .find(|row| row["branch"].as_str() == branch)
        .unwrap_or_else(|| panic!("no workspace {branch:?} in {rows:?}"))
}

fn proxies_of(container: &str) -> Vec<String> {
    docker_ok(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label=dev.skipper.proxy-for={container}"),
    ])
    .split_whitespace()
    .map(str::to_owned)
    .collect()
}

/// The allow workspace [`BRANCH`] of `repo`, whose proxy is `proxy` (`host:port`), reaches
/// the server at `allowed` (port 8000) through it, and nothing else.
fn reaches_only_its_hosts(repo: &DockerRepo, allowed: &str, denied: &str, proxy: &str) {
    // The allowed server answers through the proxy, plain and through CONNECT.
    assert_eq!(
        client(repo, BRANCH, &format!("get http://{allowed}:8000/x")),
        "200 server-a /x"
    );
    assert_eq!(
        client(repo, BRANCH, &format!("connect {allowed}:8000")),
        "connect 200 server-a /tunnel"
    );
    // The other one is refused by the proxy, and so is another port of the allowed one.
    assert_eq!(
        client(repo, BRANCH, &format!("get http://{denied}:8000/")),
        "403 Filtered"
    );
    assert_eq!(
        client(repo, BRANCH, &format!("connect {denied}:8000")),
        "connect 403 Filtered"
    );
    assert_eq!(
        client(repo, BRANCH, &format!("get http://{allowed}:8001/")),
        "403 Filtered"
    );
    // Bypassing the proxy reaches nothing: the workspace has no route out.
    let direct = client(repo, BRANCH, &format!("direct http://{allowed}:8000/"));
    assert!(direct.starts_with("error "), "{direct}");
    // Without its credentials, the proxy answers no one (another workspace, say).
    let stranger = repo.sh(
        BRANCH,
        &format!("HTTP_PROXY=http://{proxy} node /tmp/proxy-client.js get http://{allowed}:8000/"),
    );
    assert_eq!(stranger.trim(), "407 Proxy Authentication Required");
}

/// `list` shows the policies of `repo`'s allow workspace [`BRANCH`] (allowed `allowed`
/// and the repository's host), its `none` workspace and its main container.
fn lists_each_policy(repo: &DockerRepo, allowed: &str) {
    // list shows each policy; the main container is on the bridge.
    let rows = repo.list();
    assert_eq!(
        row(&rows, Some(BRANCH))["network"],
        serde_json::json!({"mode": "allow", "allow": [format!("{allowed}:8000"), "repo-only.invalid:443"]})
    );
    assert_eq!(
        row(&rows, Some("feat/none"))["network"],
        serde_json::json!({"mode": "none", "allow": []})
    );
    assert_eq!(row(&rows, None)["network"]["mode"], "bridge");
    let table = repo.ok(&["workspace", "list", "--sandbox", "docker", "-r", &repo.name]);
    assert!(table.lines().next().unwrap().contains("NETWORK"), "{table}");
    assert!(
        table.contains(&format!("allow({allowed}:8000,repo-only.invalid:443)")),
        "{table}"
    );
}

/// The branch of the allow workspace.
const BRANCH: &str = "feat/allow";

#[test]
fn an_allow_workspace_reaches_its_hosts_through_its_proxy_and_nothing_else() {
    if !docker_ready() {
        return;
    }
    let networks = NetworkSweep::default();
    let repo = DockerRepo::uncloned("net", "");
    let allowed = server(&repo, "a");
    let denied = server(&repo, "b");
    // The repository's `allow` adds to the user's.
    repo.origin.commit(
        "release/v1",
        ".skipper.toml",
        "[network]\nallow = [\"repo-only.invalid:443\"]\n",
        "network",
    );
    repo.origin.push(&["release/v1"]);
    repo.env.write_config(&format!(
        "[docker]\n[docker.build_args]\nBASE_IMAGE = \"{BASE_IMAGE}\"\n\
         [docker.proxy]\nbase = \"{BASE_IMAGE}\"\n\
         [network]\nallow = [\"{allowed}:8000\"]\n"
    ));
    repo.ok(&["clone", &repo.origin.url.clone(), "--sandbox", "docker"]);
    let created = repo.run(&[
        "workspace",
        "create",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "feat/allow",
        "--network",
        "allow",
    ]);
    assert!(created.status.success(), "{}", stderr(&created));
    assert!(
        stderr(&created).contains(&format!(
            "Network: allow ({allowed}:8000, repo-only.invalid:443)"
        )),
        "{}",
        stderr(&created)
    );
    let container = repo.container(Some("feat/allow"));
    networks.of_container(&container);
    put_client(&repo, "feat/allow");

    // The proxy variables name its own proxy, with credentials; loopback goes direct.
    let env = repo.sh("feat/allow", "echo \"$HTTPS_PROXY|$https_proxy|$NO_PROXY\"");
    let proxy = format!("{container}-proxy:3128");
    let (https, rest) = env.trim().split_once('|').unwrap();
    assert!(
        https.starts_with("http://sk:") && https.ends_with(&format!("@{proxy}")),
        "{env}"
    );
    assert_eq!(rest, format!("{https}|localhost,127.0.0.1,::1"));

    reaches_only_its_hosts(&repo, &allowed, &denied, &proxy);

    // A `none` workspace has loopback alone.
    repo.ok(&[
        "workspace",
        "create",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "feat/none",
        "--network",
        "none",
    ]);
    let interfaces = repo.sh(
        "feat/none",
        "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '",
    );
    assert_eq!(interfaces.trim(), "lo");

    lists_each_policy(&repo, &allowed);

    // A stopped proxy is started again with its workspace.
    assert_eq!(proxies_of(&container).len(), 1);
    docker_ok(&["stop", "-t", "1", &format!("{container}-proxy")]);
    docker_ok(&["stop", "-t", "1", &container]);
    assert_eq!(
        client(
            &repo,
            "feat/allow",
            &format!("get http://{allowed}:8000/again")
        ),
        "200 server-a /again"
    );

    // Removing the workspace removes its proxy.
    repo.ok(&[
        "workspace",
        "remove",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "feat/allow",
    ]);
    assert!(proxies_of(&container).is_empty());
}

#[test]
fn gc_removes_a_proxy_whose_workspace_is_gone_and_then_the_network() {
    if !docker_ready() {
        return;
    }
    let networks = NetworkSweep::default();
    let repo = DockerRepo::new(
        "netgc",
        &format!("[docker.proxy]\nbase = \"{BASE_IMAGE}\"\n"),
    );
    repo.ok(&[
        "workspace",
        "create",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "feat/a",
        "--network",
        "allow",
    ]);
    let container = repo.container(Some("feat/a"));
    networks.of_container(&container);
    // `run` starts the container, and with it its proxy.
    repo.sh("feat/a", "true");
    assert_eq!(proxies_of(&container).len(), 1);
    assert_eq!(networks.networks().len(), 1);

    // The workspace removed behind sk's back leaves its proxy and the network.
    docker_ok(&["rm", "-f", &container]);
    let doctor = repo.run(&["doctor", "--sandbox", "docker"]);
    let said = String::from_utf8_lossy(&doctor.stdout);
    assert!(said.contains(&format!("{container}-proxy")), "{said}");
    repo.ok(&["gc", "--sandbox", "docker"]);
    assert!(proxies_of(&container).is_empty());
    assert!(networks.networks().is_empty(), "{:?}", networks.networks());
}

#[test]
fn network_is_refused_for_a_worktree_and_a_mode_it_does_not_know() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    let _filters = crate::support::snapshot_filters();
    insta::assert_snapshot!(env.screen_of(&["workspace", "create", "-r", "api", "-b", "feat/x", "--network", "none"]), @"
    [exit: 2]
    ----- stderr -----
    error: `--network none` applies to Docker workspaces: the worktree sandbox has no network policy
      - make a Docker workspace with `--sandbox docker`, or leave `--network` out
    ");
    insta::assert_snapshot!(env.screen_of(&["workspace", "create", "-r", "api", "-b", "feat/x", "--network", "none", "--sandbox", "worktree"]), @"
    [exit: 2]
    ----- stderr -----
    error: `--network none` applies to Docker workspaces: the worktree sandbox has no network policy
      - make a Docker workspace with `--sandbox docker`, or leave `--network` out
    ");
    insta::assert_snapshot!(env.screen_of(&["workspace", "create", "-r", "api", "-b", "feat/x", "--network", "open"]), @"
    [exit: 2]
    ----- stderr -----
    error: invalid value 'open' for '--network <MODE>'
      [possible values: bridge, none, allow]

      tip: a similar value exists: 'none'

    For more information, try '--help'.
    ");
    // Nothing was made.
    assert!(!env.worktree("api", "feat/x").exists());
}
