//! Network policies of Docker workspaces (`--network`, `[network]`): `none` has loopback
//! alone; `allow` reaches its allowed hosts through the data root's egress proxy, on a port
//! and with credentials of its own, and nothing else. The only servers aimed at are the
//! test's own, in containers it starts on Docker's default bridge (where the proxy looks
//! out from).

use std::io::Write as _;
use std::process::Stdio;
use std::sync::Mutex;

use serde_json::Value;

use crate::support::docker::{BASE_IMAGE, DockerRepo, docker_ok, docker_ready, docker_ws};
use crate::support::{TestEnv, stderr};

/// Removes, on drop, the egress proxy, its volume and the networks of the data root whose
/// namespace it was told.
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

    /// The ids of `what` (`network`, `volume` or `container`) of the data root.
    fn of(&self, what: &str) -> Vec<String> {
        let Some(namespace) = self.0.lock().unwrap().clone() else {
            return Vec::new();
        };
        let filter = format!("label=dev.skipper.data-root={namespace}");
        let ids = match what {
            "container" => docker_ok(&[
                "ps",
                "-aq",
                "--filter",
                &filter,
                "--filter",
                "label=dev.skipper.role=egress-proxy",
            ]),
            _ => docker_ok(&[what, "ls", "-q", "--filter", &filter]),
        };
        ids.split_whitespace().map(str::to_owned).collect()
    }

    fn networks(&self) -> Vec<String> {
        self.of("network")
    }

    /// The data root's proxy container, by name (there is one at most).
    fn proxy(&self) -> Option<String> {
        let namespace = self.0.lock().unwrap().clone()?;
        let name = format!("sk-egress-{namespace}-proxy");
        self.of("container").first().map(|_| name)
    }
}

impl Drop for NetworkSweep {
    fn drop(&mut self) {
        for (what, ids) in [
            ("container", self.of("container")),
            ("network", self.networks()),
            ("volume", self.of("volume")),
        ] {
            for id in ids {
                let args: &[&str] = match what {
                    "container" => &["rm", "-f", &id],
                    _ => &[what, "rm", &id],
                };
                let _ = std::process::Command::new("docker").args(args).output();
            }
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

/// The proxy (`host:port`) named in the `allow` workspace of `branch`'s proxy variables,
/// which must name it with credentials in each spelling; loopback goes direct.
fn proxy_of(repo: &DockerRepo, branch: &str) -> String {
    let env = repo.sh(branch, "echo \"$HTTPS_PROXY|$https_proxy|$NO_PROXY\"");
    let (https, rest) = env.trim().split_once('|').unwrap();
    assert!(https.starts_with("http://sk:"), "{env}");
    assert_eq!(rest, format!("{https}|localhost,127.0.0.1,::1"));
    https.split_once('@').unwrap().1.to_owned()
}

/// What `sk doctor --sandbox docker` of `repo` printed.
fn doctor(repo: &DockerRepo) -> String {
    String::from_utf8_lossy(&repo.run(&["doctor", "--sandbox", "docker"]).stdout).into_owned()
}

/// Makes the rule of `workspace` in `proxy` look made long ago.
fn age_rule(proxy: &str, workspace: &str) {
    docker_ok(&[
        "exec",
        proxy,
        "sh",
        "-c",
        &format!("echo 0 > /srv/sk-proxy/rules/{workspace}/made"),
    ]);
}

/// Waits (30 s at most) until something listens on each of `addresses` (`host:port`) in
/// the proxy `proxy`, by its sockets' table.
fn proxy_serving(proxy: &str, addresses: &[&str]) {
    let ports: Vec<&str> = addresses
        .iter()
        .map(|address| address.rsplit_once(':').unwrap().1)
        .collect();
    let script = "for port in \"$@\"; do hex=$(printf ':%04X ' \"$port\"); \
                  until grep -q \"$hex[0-9A-F:]* 0A \" /proc/net/tcp; do sleep 0.05; done; done";
    let mut args = vec!["exec", proxy, "timeout", "30", "sh", "-c", script, "sh"];
    args.extend(ports);
    docker_ok(&args);
}

/// The workspaces the proxy `proxy` holds a rule of.
fn rules_in(proxy: &str) -> Vec<String> {
    docker_ok(&["exec", proxy, "ls", "/srv/sk-proxy/rules"])
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// The allow workspace of `branch` in `repo`, whose proxy is `proxy` (`host:port`),
/// reaches the server at `allowed` (port 8000, which answers `server-<which>`) through it,
/// and nothing else.
fn reaches_only_its_hosts(
    repo: &DockerRepo,
    branch: &str,
    (allowed, which): (&str, &str),
    denied: &str,
    proxy: &str,
) {
    // The allowed server answers through the proxy, plain and through CONNECT.
    assert_eq!(
        client(repo, branch, &format!("get http://{allowed}:8000/x")),
        format!("200 server-{which} /x")
    );
    assert_eq!(
        client(repo, branch, &format!("connect {allowed}:8000")),
        format!("connect 200 server-{which} /tunnel")
    );
    // The other one is refused by the proxy, and so is another port of the allowed one.
    assert_eq!(
        client(repo, branch, &format!("get http://{denied}:8000/")),
        "403 Filtered"
    );
    assert_eq!(
        client(repo, branch, &format!("connect {denied}:8000")),
        "connect 403 Filtered"
    );
    assert_eq!(
        client(repo, branch, &format!("get http://{allowed}:8001/")),
        "403 Filtered"
    );
    // Bypassing the proxy reaches nothing: the workspace has no route out.
    let direct = client(repo, branch, &format!("direct http://{allowed}:8000/"));
    assert!(direct.starts_with("error "), "{direct}");
    // Without its credentials, its port of the proxy answers no one.
    let stranger = repo.sh(
        branch,
        &format!("HTTP_PROXY=http://{proxy} node /tmp/proxy-client.js get http://{allowed}:8000/"),
    );
    assert_eq!(stranger.trim(), "407 Proxy Authentication Required");
}

/// A `none` workspace made in `repo` has loopback alone.
fn none_has_loopback_alone(repo: &DockerRepo) {
    repo.ok(&docker_ws(
        repo,
        "create",
        "feat/none",
        &["--network", "none"],
    ));
    let interfaces = repo.sh(
        "feat/none",
        "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '",
    );
    assert_eq!(interfaces.trim(), "lo");
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

/// `sk workspace create --network allow` of `branch` in `repo`, which must succeed; its
/// stderr.
fn create_allow(repo: &DockerRepo, branch: &str) -> String {
    let created = repo.run(&docker_ws(repo, "create", branch, &["--network", "allow"]));
    assert!(created.status.success(), "{}", stderr(&created));
    stderr(&created)
}

/// The user configuration of the tests: the local base images, and `allow` as the user's
/// allow list.
fn config_allowing(allow: &str) -> String {
    format!(
        "[docker]\n[docker.build_args]\nBASE_IMAGE = \"{BASE_IMAGE}\"\n\
         [docker.proxy]\nbase = \"{BASE_IMAGE}\"\n\
         [network]\nallow = [\"{allow}\"]\n"
    )
}

#[test]
fn allow_workspaces_share_one_proxy_and_each_reaches_only_its_own_hosts() {
    if !docker_ready() {
        return;
    }
    let networks = NetworkSweep::default();
    let repo = DockerRepo::uncloned("net", "");
    let a = server(&repo, "a");
    let b = server(&repo, "b");
    // The repository's `allow` adds to the user's.
    repo.origin.commit(
        "release/v1",
        ".skipper.toml",
        "[network]\nallow = [\"repo-only.invalid:443\"]\n",
        "network",
    );
    repo.origin.push(&["release/v1"]);
    repo.env
        .write_config(&config_allowing(&format!("{a}:8000")));
    repo.ok(&["clone", &repo.origin.url.clone(), "--sandbox", "docker"]);
    let said = create_allow(&repo, BRANCH);
    assert!(
        said.contains(&format!("Network: allow ({a}:8000, repo-only.invalid:443)")),
        "{said}"
    );
    let container = repo.container(Some(BRANCH));
    networks.of_container(&container);
    put_client(&repo, BRANCH);
    // A second allow workspace, made while the user allows the other server instead.
    repo.env
        .write_config(&config_allowing(&format!("{b}:8000")));
    create_allow(&repo, "feat/other");
    let other = repo.container(Some("feat/other"));
    put_client(&repo, "feat/other");

    // Both are served by the data root's one proxy, each on a port of its own.
    let proxy = networks.proxy().expect("the data root's egress proxy");
    assert_eq!(networks.of("container").len(), 1);
    let mine = proxy_of(&repo, BRANCH);
    let theirs = proxy_of(&repo, "feat/other");
    assert!(mine.starts_with(&format!("{proxy}:")), "{mine}");
    assert!(theirs.starts_with(&format!("{proxy}:")), "{theirs}");
    assert_ne!(mine, theirs);
    reaches_only_its_hosts(&repo, BRANCH, (&a, "a"), &b, &mine);
    reaches_only_its_hosts(&repo, "feat/other", (&b, "b"), &a, &theirs);
    // One workspace's credentials are nothing on the other's port (tinyproxy answers
    // credentials it does not know with 401, and none with 407).
    let credentials = repo.sh(BRANCH, "echo \"$HTTP_PROXY\"");
    let borrowed = credentials.trim().replace(&mine, &theirs);
    assert_eq!(
        repo.sh(
            BRANCH,
            &format!("HTTP_PROXY={borrowed} node /tmp/proxy-client.js get http://{b}:8000/")
        )
        .trim(),
        "401 Unauthorized"
    );

    none_has_loopback_alone(&repo);
    lists_each_policy(&repo, &a);

    // The proxy restarted by the daemon serves every workspace as before.
    docker_ok(&["restart", "-t", "1", &proxy]);
    proxy_serving(&proxy, &[&mine, &theirs]);
    assert_eq!(
        client(
            &repo,
            "feat/other",
            &format!("get http://{b}:8000/restarted")
        ),
        "200 server-b /restarted"
    );
    // A tinyproxy that ends (killed here, and seen to stop listening) is started again by
    // the proxy itself, with no `sk` in between.
    let port = theirs.rsplit_once(':').unwrap().1;
    docker_ok(&[
        "exec",
        &proxy,
        "sh",
        "-c",
        "kill \"$(cat \"$1\")\"; hex=$(printf ':%04X ' \"$2\"); \
         while grep -q \"$hex[0-9A-F:]* 0A \" /proc/net/tcp; do sleep 0.05; done",
        "sh",
        &format!("/srv/sk-proxy/rules/{other}/pid"),
        port,
    ]);
    proxy_serving(&proxy, &[&theirs]);
    assert_eq!(
        client(&repo, "feat/other", &format!("get http://{b}:8000/revived")),
        "200 server-b /revived"
    );
    // A stopped proxy is started again with a workspace.
    docker_ok(&["stop", "-t", "1", &proxy]);
    docker_ok(&["stop", "-t", "1", &container]);
    assert_eq!(
        client(&repo, BRANCH, &format!("get http://{a}:8000/again")),
        "200 server-a /again"
    );
    assert_eq!(
        client(&repo, "feat/other", &format!("get http://{b}:8000/again")),
        "200 server-b /again"
    );

    // Removing a workspace drops its rule; the other's stays, and so does the proxy.
    assert_eq!(rules_in(&proxy).len(), 2);
    repo.ok(&docker_ws(&repo, "remove", BRANCH, &[]));
    assert_eq!(rules_in(&proxy), [other]);
    assert_eq!(
        client(&repo, "feat/other", &format!("get http://{b}:8000/still")),
        "200 server-b /still"
    );
}

#[test]
fn gc_drops_the_rule_of_a_workspace_gone_then_the_proxy_its_volume_and_the_network() {
    if !docker_ready() {
        return;
    }
    let networks = NetworkSweep::default();
    let repo = DockerRepo::new(
        "netgc",
        &format!("[docker.proxy]\nbase = \"{BASE_IMAGE}\"\n"),
    );
    create_allow(&repo, "feat/a");
    create_allow(&repo, "feat/b");
    let (a, b) = (
        repo.container(Some("feat/a")),
        repo.container(Some("feat/b")),
    );
    networks.of_container(&a);
    let proxy = networks.proxy().expect("the data root's egress proxy");
    assert_eq!(networks.networks().len(), 1);
    assert_eq!(networks.of("volume").len(), 1);

    // A workspace removed behind sk's back leaves its rule. While the rule is young it may
    // be a workspace being made (its rule comes before its container): kept. Once an hour
    // old, doctor names it and gc drops it.
    docker_ok(&["rm", "-f", &a]);
    let said = doctor(&repo);
    assert!(!said.contains(&format!("{a} in {proxy}")), "{said}");
    age_rule(&proxy, &a);
    let said = doctor(&repo);
    assert!(said.contains(&format!("{a} in {proxy}")), "{said}");
    repo.ok(&["gc", "--sandbox", "docker"]);
    assert_eq!(rules_in(&proxy), [b.as_str()]);

    // With no allow workspace left (and no young rule), gc removes the proxy, its volume
    // and the network.
    docker_ok(&["rm", "-f", &b]);
    assert!(!doctor(&repo).contains(&proxy));
    age_rule(&proxy, &b);
    let said = doctor(&repo);
    assert!(said.contains(&proxy), "{said}");
    let volume = proxy.replace("-proxy", "-rules");
    assert!(said.contains(&volume), "{said}");
    repo.ok(&["gc", "--sandbox", "docker"]);
    assert!(networks.of("container").is_empty());
    assert!(
        networks.of("volume").is_empty(),
        "{:?}",
        networks.of("volume")
    );
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
