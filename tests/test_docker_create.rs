//! Creating workspaces on the Docker sandbox through `sk`: the shipped Dockerfile built once,
//! FROM the local base image, and containers holding the whole repository.

use crate::support::docker::{
    DockerRepo, docker_ok, docker_ready, docker_ws, events_since, unix_now,
};
use crate::support::snapshot_filters;

#[test]
fn the_shipped_dockerfile_is_written_built_by_clone_and_never_rebuilt_by_create() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("seed", "");
    // The shipped Dockerfile, byte for byte, is what was written and built.
    let written = fs_err::read(repo.env.data_root().join("docker/Dockerfile")).unwrap();
    assert_eq!(written, include_bytes!("../assets/Dockerfile"));
    let before_create = unix_now();
    let created = repo.run(&[
        "workspace",
        "create",
        "--repository",
        &repo.name,
        "--branch",
        "feat/x",
        "--sandbox",
        "docker",
    ]);
    let _filters = snapshot_filters();
    insta::assert_snapshot!(repo.screen(&created), @"
    [exit: 0]
    Created workspace feat/x of remotes/[REPO] at sk-[REPO]-feat-x-[HASH]:/workspace/[REPO] (new branch from the remote's default branch)
    ----- stderr -----
    ");
    // The image was built by the clone; an unchanged Dockerfile is never built again.
    let builds = skipper_testkit::docker::image_tags_since(&before_create);
    assert!(
        !builds
            .iter()
            .any(|tag| tag.starts_with("skipper-workspace:")),
        "rebuilt: {builds:?}"
    );
}

#[test]
fn a_container_holds_the_full_history_and_the_remote_branches() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("history", "");
    repo.create("feat/x");
    let pwd = repo.sh("feat/x", "pwd");
    assert_eq!(pwd.trim(), format!("/workspace/{}", repo.name));
    let log = repo.sh("feat/x", "git log --format=%s");
    assert_eq!(log.trim(), "initial");
    let feature_log = repo.sh("feat/x", "git log --format=%s origin/feature");
    assert_eq!(feature_log.trim(), "feature work\ninitial");
    let branches = repo.sh("feat/x", "git branch -a --format='%(refname)'");
    assert!(
        branches.contains("refs/remotes/origin/feature"),
        "{branches}"
    );
    assert!(
        branches.contains("refs/remotes/origin/release/v1"),
        "{branches}"
    );
    assert_eq!(
        repo.sh("feat/x", "git symbolic-ref --short HEAD").trim(),
        "feat/x"
    );
}

#[test]
fn the_hosts_ssh_and_gh_configuration_is_shared_read_only() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("shared", "");
    let ssh = repo.env.home().join(".ssh");
    fs_err::create_dir_all(&ssh).unwrap();
    fs_err::write(ssh.join("config"), "Host example\n").unwrap();
    let gh = repo.env.root().join("xdg-config/gh");
    fs_err::create_dir_all(&gh).unwrap();
    fs_err::write(gh.join("hosts.yml"), "github.com: {}\n").unwrap();
    repo.create("feat/x");
    let shared = repo.sh(
        "feat/x",
        "cat ~/.ssh/config ~/.config/gh/hosts.yml; (echo x >> ~/.ssh/config) 2>/dev/null && echo ssh-writable; (echo x >> ~/.config/gh/hosts.yml) 2>/dev/null && echo gh-writable; true",
    );
    assert_eq!(shared, "Host example\ngithub.com: {}\n");
}

#[test]
fn a_commit_pushed_after_the_clone_is_in_the_next_container_and_the_host_is_untouched() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("fresh", "");
    let checkout = repo.env.checkout(&repo.name);
    let head_before = repo.env.git(&checkout, &["rev-parse", "HEAD"]);
    let status_before = repo.env.git(&checkout, &["status", "--porcelain=v1"]);
    let branches_before = repo.env.git(&checkout, &["for-each-ref", "refs/heads"]);

    let pushed = repo
        .origin
        .push_commit("release/v1", "later.txt", "later\n");
    repo.create("feat/later");
    assert_eq!(repo.sh("feat/later", "git rev-parse HEAD").trim(), pushed);
    assert_eq!(repo.sh("feat/later", "cat later.txt"), "later\n");
    // An existing remote branch becomes a tracking branch.
    repo.create("feature");
    assert_eq!(
        repo.sh("feature", "git rev-parse --abbrev-ref feature@{upstream}")
            .trim(),
        "origin/feature"
    );

    assert_eq!(repo.env.git(&checkout, &["rev-parse", "HEAD"]), head_before);
    assert_eq!(
        repo.env.git(&checkout, &["status", "--porcelain=v1"]),
        status_before
    );
    assert_eq!(
        repo.env.git(&checkout, &["for-each-ref", "refs/heads"]),
        branches_before
    );
}

#[test]
fn a_docker_clone_of_a_cloned_repository_says_it_made_the_main_container() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::uncloned("reclone", "");
    repo.ok(&["clone", &repo.origin.url]);
    let _filters = snapshot_filters();
    let cloned = repo.run(&["--sandbox", "docker", "clone", &repo.origin.url]);
    insta::assert_snapshot!(repo.screen(&cloned), @"
    [exit: 0]
    remotes/[REPO] is already cloned at [ROOT]/xdg-data/skipper/repos/local/remotes/[REPO]
    Made its main container at sk-[REPO]-main-[HASH]:/workspace/[REPO]
    ----- stderr -----
    ");
    // Once it exists, a clone makes nothing and says so.
    let again = repo.run(&["--sandbox", "docker", "clone", &repo.origin.url]);
    insta::assert_snapshot!(repo.screen(&again), @"
    [exit: 0]
    remotes/[REPO] is already cloned at [ROOT]/xdg-data/skipper/repos/local/remotes/[REPO]
    Its main container already exists at sk-[REPO]-main-[HASH]:/workspace/[REPO]
    ----- stderr -----
    ");
}

#[test]
fn a_branch_with_a_workspace_in_one_sandbox_is_not_made_in_the_other() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("twice", "");
    let worktree = |args: &[&str]| {
        let mut all = vec!["--sandbox", "worktree"];
        all.extend_from_slice(args);
        repo.run(&all)
    };
    let made = worktree(&["workspace", "create", "-r", &repo.name, "-b", "feat/w"]);
    assert!(made.status.success(), "{}", repo.screen(&made));
    repo.create("feat/d");

    let _filters = snapshot_filters();
    insta::assert_snapshot!(repo.screen_of("create", "feat/w", &[]), @"
    [exit: 1]
    ----- stderr -----
    error: remotes/[REPO] (feat/w) already has a workspace in the worktree sandbox, at [ROOT]/xdg-data/skipper/worktrees/local/remotes/[REPO]/feat%2Fw: none is made in the docker sandbox
      - a branch has one workspace: use that one (leave out --sandbox, or `--sandbox worktree`)
      - or move it to the docker sandbox with `sk workspace move --repository remotes/[REPO] --branch feat/w --to docker`
    ");
    let refused = worktree(&["workspace", "create", "-r", &repo.name, "-b", "feat/d"]);
    insta::assert_snapshot!(repo.screen(&refused), @"
    [exit: 1]
    ----- stderr -----
    error: remotes/[REPO] (feat/d) already has a workspace in the docker sandbox, at sk-[REPO]-feat-d-[HASH]:/workspace/[REPO]: none is made in the worktree sandbox
      - a branch has one workspace: use that one (leave out --sandbox, or `--sandbox docker`)
      - or move it to the worktree sandbox with `sk workspace move --repository remotes/[REPO] --branch feat/d --to worktree`
    ");
    // Nothing was made: one row per branch.
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&repo.ok(&["workspace", "list", "--json", "-r", &repo.name])).unwrap();
    let pairs: Vec<(Option<&str>, &str)> = rows
        .iter()
        .map(|row| (row["branch"].as_str(), row["sandbox"].as_str().unwrap()))
        .collect();
    assert_eq!(
        pairs,
        [
            (None, "docker"),
            (None, "worktree"),
            (Some("feat/d"), "docker"),
            (Some("feat/w"), "worktree"),
        ]
    );
    // Without --sandbox, create finds the one there is.
    let again = repo.run(&["workspace", "create", "-r", &repo.name, "-b", "feat/d"]);
    insta::assert_snapshot!(repo.screen(&again), @"
    [exit: 0]
    Workspace feat/d of remotes/[REPO] already exists at sk-[REPO]-feat-d-[HASH]:/workspace/[REPO]
    ----- stderr -----
    ");
}

#[test]
fn restore_into_the_other_sandbox_is_refused_while_the_branch_has_a_workspace() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("restwice", "");
    let wt = |args: &[&str]| {
        let mut all = vec!["--sandbox", "worktree", "workspace"];
        all.extend_from_slice(args);
        repo.ok(&all)
    };
    wt(&["create", "-r", &repo.name, "-b", "feat/r"]);
    fs_err::write(
        repo.env.worktree(&repo.name, "feat/r").join("work.txt"),
        "work\n",
    )
    .unwrap();
    wt(&["remove", "-r", &repo.name, "-b", "feat/r", "--force"]);
    wt(&["create", "-r", &repo.name, "-b", "feat/r"]);
    let _filters = snapshot_filters();
    insta::assert_snapshot!(repo.screen_of("restore", "feat/r", &[]), @"
    [exit: 1]
    ----- stderr -----
    error: remotes/[REPO] (feat/r) already has a workspace in the worktree sandbox, at [ROOT]/xdg-data/skipper/worktrees/local/remotes/[REPO]/feat%2Fr: none is made in the docker sandbox
      - a branch has one workspace: use that one (leave out --sandbox, or `--sandbox worktree`)
      - or move it to the docker sandbox with `sk workspace move --repository remotes/[REPO] --branch feat/r --to docker`
    ");
    assert!(repo.list().iter().all(|row| row["branch"] != "feat/r"));
}

/// Issue 11, B4: the snapshot holds the default branch checked out, so a new container's
/// checkout writes only the files its branch changes: a file the branch does not change is
/// the snapshot's own (the same mtime, to the nanosecond, in two containers), a changed one
/// is the branch's, and each repository is clean and its own.
#[test]
fn a_new_container_writes_only_the_files_its_branch_changes() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::uncloned("primed", "");
    repo.origin
        .push_commit("release/v1", "kept.txt", "the same in every branch\n");
    repo.ok(&["clone", &repo.origin.url.clone(), "--sandbox", "docker"]);
    let pushed = repo
        .origin
        .push_commit("release/v1", "README.md", "changed after the clone\n");
    repo.create("feat/one");
    repo.create("feat/two");

    let unchanged = "kept.txt";
    let mtime = |branch: &str, file: &str| repo.sh(branch, &format!("stat -c %y '{file}'"));
    assert_eq!(mtime("feat/one", unchanged), mtime("feat/two", unchanged));
    for branch in ["feat/one", "feat/two"] {
        assert_eq!(
            repo.sh(branch, "cat README.md"),
            "changed after the clone\n"
        );
        assert_eq!(repo.sh(branch, "git rev-parse HEAD").trim(), pushed);
        assert_eq!(repo.sh(branch, "git status --porcelain"), "");
    }
    // A change in one container is its own.
    repo.sh("feat/one", &format!("echo mine >> '{unchanged}'"));
    assert_eq!(repo.sh("feat/two", "git status --porcelain"), "");
    assert_eq!(
        repo.sh("feat/one", "git status --porcelain").trim(),
        format!("M {unchanged}")
    );
}

/// Issue 11, B4: the snapshot's index is written in a later second than every file of its
/// working tree, so that no file is racily clean to git (which compares whole seconds
/// there) and a new container's checkout need not read each one to tell it unchanged.
#[test]
fn the_snapshots_index_is_newer_than_its_files() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::uncloned("settled", "");
    repo.ok(&["clone", &repo.origin.url.clone(), "--sandbox", "docker"]);
    repo.create("feat/one");
    let snapshots = repo.resources("images", "repository-snapshot");
    assert_eq!(snapshots.len(), 1, "{snapshots:?}");
    let dir = format!("/workspace/{}", repo.name);
    let script = format!(
        "cd '{dir}' && stat -c %Y .git/index && find . -path ./.git -prune -o -type f -printf '%Ts\\n' | sort -n | tail -1"
    );
    let times = docker_ok(&[
        "run",
        "--rm",
        "--entrypoint",
        "sh",
        &snapshots[0],
        "-c",
        &script,
    ]);
    let times: Vec<u64> = times
        .split_whitespace()
        .map(|time| time.parse().unwrap())
        .collect();
    assert!(
        matches!(times[..], [index, newest] if newest < index),
        "the index and the newest file, in seconds: {times:?}"
    );
}

/// A new container's setup runs through its spawner, not the daemon's exec (70 to 90 ms
/// more here): `clone` and `create` wait the few milliseconds its spawner takes to read
/// requests.
#[test]
fn a_new_containers_setup_goes_through_its_spawner() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::uncloned("spawned", "");
    let url = repo.origin.url.clone();
    let cloned = repo.run(&["-v", "clone", &url, "--sandbox", "docker"]);
    let mut create = vec!["-v"];
    create.extend(docker_ws(&repo, "create", "feat/spawned", &[]));
    let created = repo.run(&create);
    for made in [cloned, created] {
        let stderr = String::from_utf8_lossy(&made.stderr);
        assert!(made.status.success(), "{stderr}");
        assert!(stderr.contains("setting up the repository"), "{stderr}");
        // The snapshot's builder, made once per repository, has no spawner.
        let through_exec: Vec<&str> = stderr
            .lines()
            .filter(|line| line.contains("not the spawner") && !line.contains("sk-snapshot-"))
            .collect();
        assert!(through_exec.is_empty(), "{through_exec:#?}");
    }
}

#[test]
fn a_new_container_is_started_before_the_repository_is_copied_into_it() {
    if !docker_ready() {
        return;
    }
    // The daemon mounts a stopped container's filesystem to unpack an archive into it, and
    // unmounting it after writes out every dirty page of the filesystem under it.
    let since = unix_now();
    let repo = DockerRepo::new("started", "");
    repo.create("feat/started");
    let events = events_since(
        &since,
        &["type=container", "event=start", "event=extract-to-dir"],
        Some(
            "{{.Actor.Attributes.name}} {{index .Actor.Attributes \"dev.skipper.repository\"}} {{.Action}}",
        ),
    );
    let actions_of = |container: &str| -> Vec<String> {
        events
            .lines()
            .filter_map(|line| line.split_once(' '))
            .filter(|(name, _)| *name == container)
            .filter_map(|(_, rest)| rest.rsplit_once(' ').map(|(_, action)| action.to_owned()))
            .collect()
    };
    // The main container, the branch's, and the repository snapshot's builder (gone now).
    let mut containers = vec![repo.container(None), repo.container(Some("feat/started"))];
    containers.extend(
        events
            .lines()
            .filter(|line| line.starts_with("sk-snapshot-") && line.contains(&repo.name))
            .filter_map(|line| line.split(' ').next())
            .map(str::to_owned)
            .take(1),
    );
    assert_eq!(containers.len(), 3, "no snapshot builder in {events}");
    for container in containers {
        let actions = actions_of(&container);
        assert_eq!(
            actions.first().map(String::as_str),
            Some("start"),
            "{container}: {actions:?}"
        );
        assert!(
            actions.iter().any(|action| action == "extract-to-dir"),
            "{container}: {actions:?}"
        );
    }
}
