//! The Docker backend against the real daemon, through the core's ports.

// Test helpers outside `#[test]` functions panic on failure too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{
    BASE_IMAGE, DEFAULT_BRANCH, Fixture, InterruptOn, container, default_branch, docker,
    docker_ready, git, run_with, sh_ok,
};
use skipper_backend_docker::{DockerBackend, DockerConfig, ExecIo, Interrupt};
use skipper_core::{
    BranchName, BranchStart, CommandLine, Sandbox, SandboxError, UnpushedRef, WorkspaceLocation,
    WorkspaceRegistry, WorkspaceTarget,
};
use tokio::sync::mpsc;

/// What must stay identical in the host checkout: HEAD, index, working tree, stash and
/// local branches.
fn host_state(fixture: &Fixture) -> Vec<String> {
    let path = &fixture.checkout.path;
    vec![
        git(path, &["rev-parse", "HEAD"]),
        git(path, &["symbolic-ref", "HEAD"]),
        git(path, &["status", "--porcelain=v1", "--untracked-files=all"]),
        git(path, &["stash", "list"]),
        git(path, &["for-each-ref", "refs/heads"]),
        format!("{:?}", std::fs::read(path.join(".git/index")).unwrap()),
    ]
}

#[test]
fn shipped_image_workspaces_hold_the_full_repository() {
    if !docker_ready() {
        return;
    }
    let fixture = Fixture::new("shipped");
    // Host configuration the container user must be able to read, but not change.
    std::fs::write(
        fixture.home.join(".gitconfig"),
        "[user]\n\tname = Host User\n",
    )
    .unwrap();
    std::fs::create_dir_all(fixture.home.join(".config/opencode")).unwrap();
    std::fs::write(fixture.home.join(".config/opencode/opencode.json"), "{}\n").unwrap();
    std::fs::write(
        fixture.home.join(".config/opencode/package.json"),
        "{\"host\":1}\n",
    )
    .unwrap();
    std::fs::create_dir_all(fixture.home.join(".local/share/opencode")).unwrap();
    std::fs::write(
        fixture.home.join(".local/share/opencode/auth.json"),
        "{\"k\":1}\n",
    )
    .unwrap();
    // A local branch of the host with a commit on no remote: safe on the host.
    git(&fixture.checkout.path, &["branch", "local/z", "HEAD~1"]);
    let backend = fixture.backend(fixture.shipped_config());

    // The main container, on the default branch.
    let main = backend
        .prepare_main(&fixture.checkout, &default_branch())
        .unwrap();
    assert_eq!(main.reference.target, WorkspaceTarget::Main);
    let WorkspaceLocation::Container { name, path, state } = &main.location else {
        panic!("{main:?}")
    };
    assert!(name.starts_with("sk-api-main-"), "{name}");
    assert_eq!(path, "/workspace/api");
    assert_eq!(state, "running");
    assert_eq!(
        sh_ok(&backend, &main, "git symbolic-ref --short HEAD"),
        DEFAULT_BRANCH
    );
    assert_eq!(
        sh_ok(&backend, &main, "git rev-parse --abbrev-ref @{u}"),
        format!("origin/{DEFAULT_BRANCH}")
    );
    assert_eq!(sh_ok(&backend, &main, "git status --porcelain"), "");
    // Idempotent.
    let again = backend
        .prepare_main(&fixture.checkout, &default_branch())
        .unwrap();
    assert_eq!(container(&again), container(&main));

    // The shipped image's tools, and a non-root user.
    assert!(sh_ok(&backend, &main, "node --version").starts_with("v22."));
    assert!(!sh_ok(&backend, &main, "bun --version").is_empty());
    assert!(!sh_ok(&backend, &main, "opencode --version").is_empty());
    assert_eq!(sh_ok(&backend, &main, "id -u"), "1000");
    assert_eq!(
        sh_ok(&backend, &main, "stat -c %u .git/HEAD ."),
        "1000\n1000"
    );

    // The host configuration, read-only, and the agent's own state writable.
    assert_eq!(sh_ok(&backend, &main, "git config user.name"), "Host User");
    assert_eq!(
        sh_ok(&backend, &main, "cat ~/.local/share/opencode/auth.json"),
        "{\"k\":1}"
    );
    assert_eq!(
        sh_ok(&backend, &main, "cat ~/.config/opencode/opencode.json"),
        "{}"
    );
    let write = run_with(
        &backend,
        &main,
        CommandLine::Shell("echo x >> ~/.config/opencode/opencode.json".into()),
        None,
    );
    assert_ne!(write.status, 0, "the host's configuration is writable");
    // OpenCode's own files in its configuration directory stay the container's.
    assert_eq!(
        sh_ok(
            &backend,
            &main,
            "test ! -e ~/.config/opencode/package.json && \\
             echo '{}' > ~/.config/opencode/package.json && \\
             touch ~/.config/opencode/.gitignore && ls -A ~/.config/opencode | tr '\\n' ' '"
        ),
        ".gitignore opencode.json package.json"
    );
    assert!(!fixture.home.join(".config/opencode/.gitignore").exists());
    sh_ok(
        &backend,
        &main,
        "touch ~/.local/share/opencode/opencode.db ~/.cache-test",
    );
    assert!(
        !fixture
            .home
            .join(".local/share/opencode/opencode.db")
            .exists()
    );

    // A commit pushed to origin after the clone reaches workspaces made after a refresh.
    assert!(sh_ok(&backend, &main, "git branch -r").contains("origin/old/branch"));
    // A branch deleted on origin after the snapshot is gone from later workspaces.
    git(
        &fixture.seed,
        &["push", "-q", "origin", "--delete", "old/branch"],
    );
    let later = fixture.push_to_origin("pushed after the clone");
    fixture.refresh();
    let before = host_state(&fixture);

    let feat = backend
        .create(&fixture.branch_request("feat/x", BranchStart::NewFromDefault))
        .unwrap();
    assert!(container(&feat).starts_with("sk-api-feat-x-"));
    assert_eq!(
        sh_ok(&backend, &feat, "git symbolic-ref --short HEAD"),
        "feat/x"
    );
    let log = sh_ok(&backend, &feat, "git log --format=%s");
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        [later.as_str(), "commit 3", "commit 2", "commit 1"]
    );
    let branches = sh_ok(&backend, &feat, "git branch -a --format='%(refname)'");
    for expected in [
        "refs/heads/feat/x",
        "refs/heads/local/z",
        "refs/remotes/origin/feat/y",
        &format!("refs/remotes/origin/{DEFAULT_BRANCH}"),
    ] {
        assert!(
            branches.lines().any(|l| l == expected),
            "{expected} missing from {branches}"
        );
    }
    assert!(!branches.contains("old/branch"), "{branches}");
    assert_eq!(sh_ok(&backend, &feat, "git tag"), "v0.1");
    assert_eq!(
        sh_ok(&backend, &feat, "git remote get-url origin"),
        format!("file://{}", fixture.origin.display())
    );
    let upstream = run_with(
        &backend,
        &feat,
        CommandLine::Shell("git rev-parse --abbrev-ref @{u}".into()),
        None,
    );
    assert_ne!(
        upstream.status, 0,
        "a new branch has no upstream: {upstream:?}"
    );
    // The new container got only what the snapshot lacked: the snapshot image is shared.
    let (_, snapshots) = docker(&[
        "images",
        "-q",
        "--filter",
        &fixture.repository_label(),
        "--filter",
        "label=dev.skipper.role=repository-snapshot",
    ]);
    assert_eq!(snapshots.lines().count(), 1, "{snapshots}");

    // An existing remote branch is tracked; an existing local branch is checked out as is.
    let y = backend
        .create(&fixture.branch_request("feat/y", BranchStart::TrackRemote))
        .unwrap();
    assert_eq!(
        sh_ok(&backend, &y, "git rev-parse --abbrev-ref @{u}"),
        "origin/feat/y"
    );
    assert_eq!(sh_ok(&backend, &y, "cat y.txt"), "y");
    let z = backend
        .create(&fixture.branch_request("local/z", BranchStart::Existing))
        .unwrap();
    assert_eq!(sh_ok(&backend, &z, "git log -1 --format=%s"), "commit 2");
    // The host's own branches are not work at risk in the container.
    assert!(backend.at_risk(&z).unwrap().is_empty());
    assert!(backend.at_risk(&feat).unwrap().is_empty());

    assert_eq!(host_state(&fixture), before, "the host checkout changed");

    // Commands: the repository directory, separate streams, stdin with its end, exit codes,
    // words arriving literally, a missing program.
    assert_eq!(sh_ok(&backend, &feat, "pwd"), "/workspace/api");
    let ran = run_with(
        &backend,
        &feat,
        CommandLine::Argv(vec![
            "sh".into(),
            "-c".into(),
            "cat; echo done >&2; exit 7".into(),
        ]),
        Some("line 1\nline 2\n"),
    );
    assert_eq!(
        (ran.status, ran.stdout.as_str(), ran.stderr.as_str()),
        (7, "line 1\nline 2\n", "done\n")
    );
    let ran = run_with(
        &backend,
        &feat,
        CommandLine::Argv(vec!["wc".into(), "-l".into()]),
        Some("a\nb\nc\n"),
    );
    assert_eq!(ran.stdout.trim(), "3");
    let ran = run_with(
        &backend,
        &feat,
        CommandLine::Argv(vec![
            "printf".into(),
            "%s|".into(),
            "$(echo hi)".into(),
            "a b; c".into(),
        ]),
        None,
    );
    assert_eq!(ran.stdout, "$(echo hi)|a b; c|");
    let missing = backend.execute_with_io(
        &feat,
        &CommandLine::Argv(vec!["no-such-program".into()]),
        ExecIo {
            stdin: None,
            stdout: &mut Vec::new(),
            stderr: &mut Vec::new(),
        },
        mpsc::unbounded_channel().1,
    );
    assert!(
        matches!(missing, Err(SandboxError::ProgramNotFound { ref program }) if program == "no-such-program"),
        "{missing:?}"
    );

    // Ctrl-C stops the command inside the container.
    let (tx, rx) = mpsc::unbounded_channel::<Interrupt>();
    let mut out = InterruptOn {
        seen: Vec::new(),
        marker: "ready",
        tx: Some(tx),
    };
    let started = Instant::now();
    let status = backend
        .execute_with_io(
            &feat,
            &CommandLine::Shell("echo ready; sleep 60; echo not interrupted".into()),
            ExecIo {
                stdin: None,
                stdout: &mut out,
                stderr: &mut Vec::new(),
            },
            rx,
        )
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(status.0, 130, "{}", String::from_utf8_lossy(&out.seen));
    assert!(!String::from_utf8_lossy(&out.seen).contains("not interrupted"));
    assert_eq!(
        sh_ok(
            &backend,
            &feat,
            "cat /proc/[0-9]*/comm | grep -c '^sleep$' || true"
        ),
        "0"
    );

    // list: main first, then branches, running and stopped, by labels.
    docker(&["stop", "-t", "0", &container(&y)]);
    let listed = backend
        .list(std::slice::from_ref(&fixture.checkout))
        .unwrap();
    let summary: Vec<(String, String, Option<bool>)> = listed
        .iter()
        .map(|w| {
            let WorkspaceLocation::Container { state, .. } = &w.location else {
                panic!()
            };
            (w.reference.target.to_string(), state.clone(), w.dirty)
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("main".to_owned(), "running".to_owned(), Some(false)),
            ("feat/x".to_owned(), "running".to_owned(), Some(false)),
            ("feat/y".to_owned(), "exited".to_owned(), None),
            ("local/z".to_owned(), "running".to_owned(), Some(false)),
        ]
    );

    // A stopped container is started again on demand.
    let y = backend
        .locate(
            &fixture.checkout,
            &WorkspaceTarget::Branch(BranchName::new("feat/y").unwrap()),
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        sh_ok(&backend, &y, "git symbolic-ref --short HEAD"),
        "feat/y"
    );

    // A container removed behind skipper's back is simply gone, and can be made again.
    docker(&["rm", "-f", &container(&z)]);
    let target = WorkspaceTarget::Branch(BranchName::new("local/z").unwrap());
    assert!(
        backend
            .locate(&fixture.checkout, &target)
            .unwrap()
            .is_none()
    );
    let z = backend
        .create(&fixture.branch_request("local/z", BranchStart::Existing))
        .unwrap();
    assert_eq!(sh_ok(&backend, &z, "git log -1 --format=%s"), "commit 2");

    // destroy removes the container; the host keeps its branch.
    backend.destroy(&z, false).unwrap();
    assert!(
        backend
            .locate(&fixture.checkout, &target)
            .unwrap()
            .is_none()
    );
    assert_eq!(
        git(&fixture.checkout.path, &["branch", "--list", "local/z"]),
        "local/z"
    );
    assert_eq!(
        backend.detach(&feat).unwrap(),
        skipper_core::DetachOutcome::NotApplicable
    );
}

#[test]
fn the_dirty_gate_sees_work_and_preserve_leaves_a_restorable_bundle() {
    if !docker_ready() {
        return;
    }
    let fixture = Fixture::new("dirty");
    let backend = fixture.backend(fixture.shipped_config());
    let feat = backend
        .create(&fixture.branch_request("feat/x", BranchStart::NewFromDefault))
        .unwrap();
    assert!(backend.at_risk(&feat).unwrap().is_empty());

    sh_ok(
        &backend,
        &feat,
        "git -c user.name=A -c user.email=a@b commit -q --allow-empty -m 'unpushed work' && \
         echo changed >> README.md && mkdir notes && echo idea > notes/idea.txt",
    );
    let risk = backend.at_risk(&feat).unwrap();
    assert_eq!(risk.modified, ["README.md"]);
    assert_eq!(risk.untracked, ["notes/"]);
    assert_eq!(risk.unpushed.len(), 1);
    assert_eq!(risk.unpushed[0].branch.as_str(), "feat/x");
    assert_eq!(risk.unpushed[0].commits, 1);

    let preserved = backend.preserve(&feat).unwrap();
    assert!(
        preserved
            .saved_to
            .starts_with(fixture.data_root.join("saved")),
        "{preserved:?}"
    );
    assert!(preserved.saved_to.exists());
    assert_eq!(preserved.contents.len(), 2, "{preserved:?}");
    assert!(preserved.restore_hint.contains("refs/sk-restored/"));
    // Preserving changed nothing in the workspace.
    assert_eq!(backend.at_risk(&feat).unwrap(), risk);
    backend.destroy(&feat, false).unwrap();
    assert!(
        backend
            .locate(
                &fixture.checkout,
                &WorkspaceTarget::Branch(BranchName::new("feat/x").unwrap())
            )
            .unwrap()
            .is_none()
    );

    // Restore into the host checkout, as the hint says.
    let host = &fixture.checkout.path;
    git(
        host,
        &[
            "fetch",
            "-q",
            preserved.saved_to.to_str().unwrap(),
            "refs/*:refs/sk-restored/*",
        ],
    );
    assert_eq!(
        git(
            host,
            &["log", "-1", "--format=%s", "refs/sk-restored/heads/feat/x"]
        ),
        "unpushed work"
    );
    let saved = git(
        host,
        &[
            "for-each-ref",
            "--format=%(refname)",
            "refs/sk-restored/skipper/saved/",
        ],
    );
    assert_eq!(saved.lines().count(), 1, "{saved}");
    assert_eq!(
        git(host, &["show", &format!("{saved}:notes/idea.txt")]),
        "idea"
    );
    assert!(git(host, &["show", &format!("{saved}:README.md")]).ends_with("changed"));
    assert_eq!(
        git(host, &["rev-parse", &format!("{saved}^")]),
        git(host, &["rev-parse", "refs/sk-restored/heads/feat/x"])
    );
}

#[test]
fn the_dirty_gate_sees_the_stash_a_detached_head_and_new_tags_and_saves_them() {
    if !docker_ready() {
        return;
    }
    let fixture = Fixture::new("refs");
    let host = &fixture.checkout.path;
    // The host's own stash, packed: it is the host's, never a workspace's.
    std::fs::write(host.join("README.md"), "host change\n").unwrap();
    git(host, &["stash", "-q"]);
    git(host, &["pack-refs", "--all"]);
    let host_stash = git(host, &["stash", "list"]);
    let backend = fixture.backend(fixture.shipped_config());
    let feat = backend
        .create(&fixture.branch_request("feat/x", BranchStart::NewFromDefault))
        .unwrap();
    assert_eq!(sh_ok(&backend, &feat, "git stash list"), "");
    assert_eq!(sh_ok(&backend, &feat, "git tag"), "v0.1");
    assert!(backend.at_risk(&feat).unwrap().is_empty());
    assert_eq!(git(host, &["stash", "list"]), host_stash);

    // Two stash entries, then a commit on a detached HEAD, then two tags on a pushed commit:
    // a lightweight one and an annotated one.
    let id = "git -c user.name=A -c user.email=a@b";
    sh_ok(
        &backend,
        &feat,
        &format!(
            "echo 'change one' >> README.md && {id} stash -q && \
             echo 'change two' >> README.md && {id} stash -q"
        ),
    );
    let risk = backend.at_risk(&feat).unwrap();
    assert_eq!(
        risk.other_refs,
        [UnpushedRef::Stash { entries: 2 }],
        "{risk:?}"
    );
    assert!(
        risk.modified.is_empty() && risk.untracked.is_empty() && risk.unpushed.is_empty(),
        "{risk:?}"
    );
    sh_ok(
        &backend,
        &feat,
        &format!("git checkout -q --detach && {id} commit -q --allow-empty -m 'detached work'"),
    );
    assert_eq!(
        backend.at_risk(&feat).unwrap().other_refs[1],
        UnpushedRef::DetachedHead { commits: 1 }
    );
    let pushed = git(host, &["rev-parse", &format!("origin/{DEFAULT_BRANCH}")]);
    sh_ok(
        &backend,
        &feat,
        &format!("git tag v9 {pushed} && {id} tag -a -m 'release notes' v10 {pushed}"),
    );
    let risk = backend.at_risk(&feat).unwrap();
    assert_eq!(
        risk.other_refs,
        [
            UnpushedRef::Stash { entries: 2 },
            UnpushedRef::DetachedHead { commits: 1 },
            UnpushedRef::Tag { name: "v10".into() },
            UnpushedRef::Tag { name: "v9".into() },
        ]
    );
    assert!(
        risk.untracked.is_empty() && risk.unpushed.is_empty(),
        "{risk:?}"
    );

    let preserved = backend.preserve(&feat).unwrap();
    assert_eq!(preserved.contents.len(), 4, "{preserved:?}");
    assert!(preserved.contents[0].starts_with("the stash (2 entr(ies))"));
    assert!(preserved.contents[1].starts_with("detached HEAD (1 commit(s) on no branch)"));
    assert_eq!(preserved.contents[2], "tag v10");
    assert!(preserved.contents[3].starts_with("tag v9 (a lightweight tag on a pushed commit)"));
    // The bundle was renamed into place once complete: no part file is left beside it.
    let saved_dir = preserved.saved_to.parent().unwrap();
    let names: Vec<String> = std::fs::read_dir(saved_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].ends_with(".bundle"), "{names:?}");
    assert_eq!(backend.at_risk(&feat).unwrap(), risk);

    // Restore into the host checkout, as the hint says.
    let bundle = preserved.saved_to.to_str().unwrap();
    git(host, &["bundle", "verify", "-q", bundle]);
    git(host, &["fetch", "-q", bundle, "refs/*:refs/sk-restored/*"]);
    let restored = |pattern: &str| {
        let found = git(
            host,
            &["for-each-ref", "--format=%(refname)", "refs/sk-restored/"],
        );
        found
            .lines()
            .find(|name| name.contains(pattern))
            .unwrap_or_else(|| panic!("{pattern} missing from {found}"))
            .to_owned()
    };
    let stash = restored("/stash-");
    let (newest, oldest) = (stash.replace("/1", "/0"), stash.replace("/0", "/1"));
    assert!(git(host, &["show", &format!("{newest}:README.md")]).ends_with("change two"));
    assert!(git(host, &["show", &format!("{oldest}:README.md")]).ends_with("change one"));
    assert_eq!(
        git(host, &["rev-parse", "refs/sk-restored/stash"]),
        git(host, &["rev-parse", &newest])
    );
    assert_eq!(
        git(host, &["log", "-1", "--format=%s", &restored("/detached-")]),
        "detached work"
    );
    assert_eq!(
        git(host, &["cat-file", "-t", "refs/sk-restored/tags/v10"]),
        "tag"
    );
    assert_eq!(
        git(host, &["rev-parse", "refs/sk-restored/tags/v10^{}"]),
        pushed
    );
    let v9 = restored("/tag-");
    assert!(v9.ends_with("/v9"), "{v9}");
    assert_eq!(git(host, &["rev-parse", &format!("{v9}^{{}}")]), pushed);
    // The host's own stash is untouched.
    assert_eq!(git(host, &["stash", "list"]), host_stash);
}

#[test]
fn an_interrupted_creation_is_never_adopted_and_is_made_anew() {
    if !docker_ready() {
        return;
    }
    let fixture = Fixture::new("halfmade");
    let backend = fixture.backend(DockerConfig {
        image: Some(BASE_IMAGE.to_owned()),
        ..fixture.shipped_config()
    });
    let id_of = |name: &str| docker(&["inspect", "-f", "{{.Id}}", name]).1;
    let head = |workspace| sh_ok(&backend, workspace, "git symbolic-ref --short HEAD");
    let run_error = |workspace| {
        backend
            .execute_with_io(
                workspace,
                &CommandLine::Shell("pwd".into()),
                ExecIo {
                    stdin: None,
                    stdout: &mut Vec::new(),
                    stderr: &mut Vec::new(),
                },
                mpsc::unbounded_channel().1,
            )
            .unwrap_err()
            .to_string()
    };

    // `sk` killed during the setup: the container has its labels, not its marker.
    let feat = backend
        .create(&fixture.branch_request("feat/x", BranchStart::NewFromDefault))
        .unwrap();
    let name = container(&feat);
    let (removed, out) = docker(&["exec", &name, "rm", "/workspace/api/.git/skipper/ready"]);
    assert!(removed, "{out}");
    docker(&["stop", "-t", "0", &name]);
    let err = run_error(&feat);
    assert!(
        err.contains(&name)
            && err.contains("creation was interrupted")
            && err.contains("sk workspace remove --force"),
        "{err}"
    );
    let (_, state) = docker(&["inspect", "-f", "{{.State.Status}}", &name]);
    assert_eq!(state, "exited", "a half-made container was started");
    // Nothing in it is at risk: it never was a workspace.
    assert!(backend.at_risk(&feat).unwrap().is_empty());
    let before = id_of(&name);
    let feat = backend
        .create(&fixture.branch_request("feat/x", BranchStart::NewFromDefault))
        .unwrap();
    assert_ne!(
        id_of(&container(&feat)),
        before,
        "the half-made one was adopted"
    );
    assert_eq!(head(&feat), "feat/x");

    // `sk` killed during the copy: a labelled container without a repository.
    let reference = skipper_core::WorkspaceRef {
        repository: fixture.checkout.repository.clone(),
        target: WorkspaceTarget::Branch(BranchName::new("feat/y").unwrap()),
    };
    let namespace = skipper_backend_docker::spec::namespace(&fixture.data_root);
    let name = skipper_backend_docker::spec::container_name(&reference, &namespace);
    let mut args = vec!["create".to_owned(), "--name".to_owned(), name.clone()];
    for (key, value) in
        skipper_backend_docker::labels::workspace_labels(&reference, "x", &namespace)
    {
        args.extend(["--label".to_owned(), format!("{key}={value}")]);
    }
    args.extend([BASE_IMAGE, "tail", "-f", "/dev/null"].map(str::to_owned));
    let (made, out) = docker(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(made, "{out}");
    let y = backend
        .locate(&fixture.checkout, &reference.target)
        .unwrap()
        .unwrap();
    let err = run_error(&y);
    assert!(err.contains("creation was interrupted"), "{err}");
    let before = id_of(&name);
    let y = backend
        .create(&fixture.branch_request("feat/y", BranchStart::TrackRemote))
        .unwrap();
    assert_ne!(id_of(&container(&y)), before);
    assert_eq!(sh_ok(&backend, &y, "cat y.txt"), "y");

    // A creation that fails midway leaves nothing behind.
    let missing = BranchName::new("no/such").unwrap();
    let err = backend
        .create(&fixture.branch_request("no/such", BranchStart::Existing))
        .unwrap_err()
        .to_string();
    assert!(err.contains("setting up the repository"), "{err}");
    assert!(
        backend
            .locate(&fixture.checkout, &WorkspaceTarget::Branch(missing))
            .unwrap()
            .is_none()
    );
    let (_, left) = docker(&[
        "ps",
        "-aq",
        "--filter",
        &fixture.repository_label(),
        "--filter",
        "label=dev.skipper.branch=no/such",
    ]);
    assert_eq!(left, "");
}

/// Now as a Unix timestamp with nanoseconds, as `docker events --since` takes it.
fn unix_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    format!("{}.{:09}", now.as_secs(), now.subsec_nanos())
}

#[test]
fn a_custom_dockerfile_is_built_once_per_content_and_rebuilt_when_removed() {
    if !docker_ready() {
        return;
    }
    let mut fixture = Fixture::new("custom");
    let dockerfile = fixture.dir.path().join("Custom.Dockerfile");
    let write = |flavour: &str| {
        std::fs::write(
            &dockerfile,
            format!("FROM {BASE_IMAGE}\nRUN echo {flavour} > /etc/flavour\n"),
        )
        .unwrap();
    };
    let config = DockerConfig {
        dockerfile: Some(dockerfile.clone()),
        ..fixture.shipped_config()
    };
    let image_of = |backend: &DockerBackend, workspace| {
        let tag = backend.ensure_image().unwrap();
        let (_, hash) = docker(&[
            "inspect",
            "-f",
            "{{ index .Config.Labels \"dev.skipper.image-hash\" }}",
            &container(workspace),
        ]);
        assert_eq!(format!("skipper-workspace:{hash}"), tag);
        let (_, id) = docker(&["image", "inspect", "-f", "{{.Id}}", &tag]);
        (tag, id)
    };

    write("one");
    let backend = fixture.backend(config.clone());
    let main = backend
        .prepare_main(&fixture.checkout, &default_branch())
        .unwrap();
    assert_eq!(sh_ok(&backend, &main, "cat /etc/flavour"), "one");
    let (tag_one, _) = image_of(&backend, &main);
    fixture.images.push(tag_one.clone());

    // A changed Dockerfile: a new image, built once.
    let since = unix_now();
    write("two");
    let backend = fixture.backend(config.clone());
    let a = backend
        .create(&fixture.branch_request("a", BranchStart::NewFromDefault))
        .unwrap();
    assert_eq!(sh_ok(&backend, &a, "cat /etc/flavour"), "two");
    let (tag_two, id_two) = image_of(&backend, &a);
    fixture.images.push(tag_two.clone());
    assert_ne!(tag_one, tag_two);
    let b = backend
        .create(&fixture.branch_request("b", BranchStart::NewFromDefault))
        .unwrap();
    assert_eq!(
        image_of(&backend, &b),
        (tag_two.clone(), id_two.clone()),
        "rebuilt although unchanged"
    );
    // Every build ends by tagging (even one served from the layer cache, which keeps the
    // id): the new tag was written exactly once across both creations.
    let (_, tags) = docker(&[
        "events",
        "--since",
        &since,
        "--until",
        &unix_now(),
        "--filter",
        "type=image",
        "--filter",
        "event=tag",
        "--format",
        "{{.Actor.Attributes.name}}",
    ]);
    assert_eq!(
        tags.lines().filter(|name| *name == tag_two).count(),
        1,
        "tag events: {tags}"
    );

    // The image removed behind skipper's back: built again on the next creation.
    let (removed, out) = docker(&["rmi", "-f", &tag_two]);
    assert!(removed, "{out}");
    let c = backend
        .create(&fixture.branch_request("c", BranchStart::NewFromDefault))
        .unwrap();
    assert_eq!(sh_ok(&backend, &c, "cat /etc/flavour"), "two");
    let (tag, _) = image_of(&backend, &c);
    assert_eq!(tag, tag_two);
    assert!(docker(&["image", "inspect", &tag_two]).0);
}

#[test]
fn a_prebuilt_image_is_used_as_it_is() {
    if !docker_ready() {
        return;
    }
    let fixture = Fixture::new("prebuilt");
    let backend = fixture.backend(DockerConfig {
        image: Some(BASE_IMAGE.to_owned()),
        ..fixture.shipped_config()
    });
    let main = backend
        .prepare_main(&fixture.checkout, &default_branch())
        .unwrap();
    assert_eq!(
        sh_ok(&backend, &main, "git symbolic-ref --short HEAD"),
        DEFAULT_BRANCH
    );
    assert_eq!(sh_ok(&backend, &main, "id -u"), "0");

    let missing = DockerBackend::connect(DockerConfig {
        image: Some("skipper-test-no-such-image:1".to_owned()),
        ..fixture.shipped_config()
    })
    .unwrap()
    .create(&fixture.branch_request("b", skipper_core::BranchStart::NewFromDefault))
    .unwrap_err()
    .to_string();
    assert!(
        missing.contains("skipper-test-no-such-image:1")
            && missing.contains("never built or pulled"),
        "{missing}"
    );
}

#[test]
fn a_foreign_container_with_the_name_is_not_adopted() {
    if !docker_ready() {
        return;
    }
    let fixture = Fixture::new("foreign");
    let backend = fixture.backend(DockerConfig {
        image: Some(BASE_IMAGE.to_owned()),
        ..fixture.shipped_config()
    });
    let reference = skipper_core::WorkspaceRef {
        repository: fixture.checkout.repository.clone(),
        target: WorkspaceTarget::Main,
    };
    let namespace = skipper_backend_docker::spec::namespace(&fixture.data_root);
    let name = skipper_backend_docker::spec::container_name(&reference, &namespace);
    let (made, out) = docker(&[
        "create",
        "--name",
        &name,
        "--label",
        &format!(
            "dev.skipper.repository={}",
            fixture.checkout.repository.key()
        ),
        BASE_IMAGE,
        "tail",
        "-f",
        "/dev/null",
    ]);
    assert!(made, "{out}");
    assert!(
        backend
            .locate(&fixture.checkout, &WorkspaceTarget::Main)
            .unwrap()
            .is_none()
    );
    let err = backend
        .prepare_main(&fixture.checkout, &default_branch())
        .unwrap_err()
        .to_string();
    assert!(err.contains(&name) && err.contains("not adopted"), "{err}");
    // Left alone, not started.
    let (_, state) = docker(&["inspect", "-f", "{{.State.Status}}", &name]);
    assert_eq!(state, "created");
}

#[test]
fn pid1_dying_at_start_fails_with_its_last_log_lines() {
    if !docker_ready() {
        return;
    }
    let mut fixture = Fixture::new("pid1");
    let dockerfile = fixture.dir.path().join("Dying.Dockerfile");
    std::fs::write(
        &dockerfile,
        format!("FROM {BASE_IMAGE}\nENTRYPOINT [\"sh\", \"-c\", \"echo 'fatal: this entrypoint refuses to run' >&2; exit 3\"]\n"),
    )
    .unwrap();
    let backend = fixture.backend(DockerConfig {
        dockerfile: Some(dockerfile),
        ..fixture.shipped_config()
    });
    fixture.images.push(backend.ensure_image().unwrap());
    let err = backend
        .prepare_main(&fixture.checkout, &default_branch())
        .unwrap_err()
        .to_string();
    assert!(err.contains("did not start"), "{err}");
    assert!(
        err.contains("fatal: this entrypoint refuses to run"),
        "{err}"
    );
    // Nothing half-made is left to be found later.
    assert!(
        backend
            .locate(&fixture.checkout, &WorkspaceTarget::Main)
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_failed_build_reports_the_step_and_its_output() {
    if !docker_ready() {
        return;
    }
    let fixture = Fixture::new("badbuild");
    let dockerfile = fixture.dir.path().join("Bad.Dockerfile");
    std::fs::write(
        &dockerfile,
        format!("FROM {BASE_IMAGE}\nRUN echo about to fail && exit 42\n"),
    )
    .unwrap();
    let backend = DockerBackend::connect(DockerConfig {
        dockerfile: Some(dockerfile),
        ..fixture.shipped_config()
    })
    .unwrap();
    let err = backend
        .prepare_main(&fixture.checkout, &default_branch())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("at `Step 2/") && err.contains(" : RUN echo about to fail && exit 42`"),
        "{err}"
    );
    assert!(err.contains("about to fail"), "{err}");
    assert!(err.contains("42"), "{err}");
}

/// Run as a child process by [`an_unreachable_daemon_fails_fast`], with `DOCKER_HOST` set.
#[test]
fn unreachable_daemon_child() {
    if std::env::var_os("SK_TEST_UNREACHABLE_CHILD").is_none() {
        return;
    }
    let started = Instant::now();
    let err = DockerBackend::connect(DockerConfig::default()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(matches!(err, SandboxError::Unavailable(_)), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("Docker is not reachable at unix:///nonexistent/docker.sock"),
        "{message}"
    );
    assert!(message.contains("DOCKER_HOST"), "{message}");
}

#[test]
fn an_unreachable_daemon_fails_fast() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "unreachable_daemon_child", "--nocapture"])
        .env("SK_TEST_UNREACHABLE_CHILD", "1")
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 passed"), "{text}");
}

#[test]
fn the_embedded_dockerfile_is_the_shipped_file() {
    let shipped = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/Dockerfile"
    ))
    .unwrap();
    assert_eq!(
        skipper_backend_docker::EMBEDDED_DOCKERFILE.as_bytes(),
        shipped.as_bytes()
    );
}
