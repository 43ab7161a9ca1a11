//! Which image a Docker workspace runs, through `sk`: a prebuilt one used as it is with the
//! configured limits, a repository's own Dockerfile built lazily, and the environment's
//! image winning over the Dockerfile.

use serde_json::Value;

use crate::support::docker::{BASE_IMAGE, DockerRepo, OwnDockerfile, docker_ok, docker_ready};
use crate::support::{TestEnv, stderr, stdout};

#[test]
fn a_prebuilt_image_is_used_as_it_is_with_the_limits_and_security_defaults() {
    if !docker_ready() {
        return;
    }
    // `docker.image`: any image with git and a POSIX shell, used as it is; the limits from
    // the config and the security defaults apply.
    let repo = DockerRepo::new(
        "image",
        &format!("image = \"{BASE_IMAGE}\"\nmemory = \"512m\"\ncpus = 1.5\n"),
    );
    repo.create("feat/i");
    let host_config = docker_ok(&[
        "inspect",
        "--format",
        "{{json .HostConfig}}",
        &repo.container(Some("feat/i")),
    ]);
    let host_config: Value = serde_json::from_str(&host_config).unwrap();
    assert_eq!(host_config["Memory"], 512 * 1024 * 1024);
    assert_eq!(host_config["NanoCpus"], 1_500_000_000_i64);
    assert_eq!(host_config["Init"], true);
    assert!(host_config["PidsLimit"].as_i64().unwrap() > 0);
    assert_eq!(host_config["CapDrop"], serde_json::json!(["ALL"]));
    assert!(
        host_config["SecurityOpt"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o.as_str().unwrap().starts_with("no-new-privileges")),
        "{host_config}"
    );
    let binds = host_config.to_string();
    assert!(!binds.contains("docker.sock"), "{binds}");
    // The base image has no Bun, unlike the shipped one: nothing was built.
    assert_eq!(
        repo.sh("feat/i", "command -v bun || echo no-bun").trim(),
        "no-bun"
    );
    let image = docker_ok(&[
        "inspect",
        "--format",
        "{{.Config.Image}}",
        &repo.container(Some("feat/i")),
    ]);
    assert!(
        image.starts_with("skipper-repo-"),
        "made from the repository snapshot: {image}"
    );
    assert_eq!(
        repo.sh("feat/i", "git symbolic-ref --short HEAD").trim(),
        "feat/i"
    );
}

/// `sk args` with `SKIPPER_DOCKERFILE` naming the repository's own Dockerfile; stdout.
fn sk_with_dockerfile(own: &OwnDockerfile, args: &[&str]) -> String {
    let output = own
        .env
        .sk()
        .env("SKIPPER_DOCKERFILE", &own.dockerfile)
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    stdout(&output)
}

#[test]
fn skipper_dockerfile_is_built_lazily_and_then_used() {
    if !docker_ready() {
        return;
    }
    let own = OwnDockerfile::new("custom", "RUN echo custom > /custom-marker");
    sk_with_dockerfile(&own, &["clone", &own.origin.url, "--sandbox", "docker"]);
    own.remember_image();
    let marker = sk_with_dockerfile(
        &own,
        &[
            "workspace",
            "run",
            "--sandbox",
            "docker",
            "-r",
            &own.name,
            "--",
            "cat",
            "/custom-marker",
        ],
    );
    assert_eq!(marker.trim(), "custom");
    let custom_images = docker_ok(&[
        "images",
        "--filter",
        "label=dev.skipper.role=image",
        "--format",
        "{{.Repository}}:{{.Tag}}",
    ]);
    assert!(
        custom_images.contains("skipper-workspace:"),
        "{custom_images}"
    );
}

#[test]
fn skipper_docker_image_wins_over_the_dockerfile() {
    if !docker_ready() {
        return;
    }
    let own = OwnDockerfile::new("envimage", "RUN echo custom > /custom-marker");
    sk_with_dockerfile(&own, &["clone", &own.origin.url, "--sandbox", "docker"]);
    own.remember_image();
    let with_image = |env: &TestEnv, args: &[&str]| {
        let output = env
            .sk()
            .env("SKIPPER_DOCKERFILE", &own.dockerfile)
            .env("SKIPPER_DOCKER_IMAGE", BASE_IMAGE)
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
    };
    with_image(
        &own.env,
        &[
            "workspace",
            "create",
            "--sandbox",
            "docker",
            "-r",
            &own.name,
            "-b",
            "feat/env",
        ],
    );
    let no_marker = sk_with_dockerfile(
        &own,
        &[
            "workspace",
            "run",
            "--sandbox",
            "docker",
            "-r",
            &own.name,
            "-b",
            "feat/env",
            "--command",
            "test -e /custom-marker && echo custom || echo base",
        ],
    );
    assert_eq!(no_marker.trim(), "base");
}

/// `sk --sandbox docker clone` of a fresh repository whose `docker.dockerfile` is
/// `dockerfile`; the failed output's stderr, with the full build log it names.
fn failed_build(prefix: &str, dockerfile: &str) -> (String, String) {
    let env = TestEnv::new();
    let name = skipper_testkit::unique_name(prefix);
    let origin = env.origin(&name, "main");
    let path = env.root().join("Failing.Dockerfile");
    fs_err::write(&path, dockerfile).unwrap();
    env.write_config(&format!("[docker]\ndockerfile = \"{}\"\n", path.display()));
    let output = env
        .sk()
        .args(["--sandbox", "docker", "clone", &origin.url])
        .output()
        .unwrap();
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let log = stderr
        .lines()
        .find_map(|line| line.trim().strip_prefix("full build log: "))
        .unwrap_or_else(|| panic!("no log path in {stderr}"));
    let log = fs_err::read_to_string(log).unwrap();
    (stderr, log)
}

/// What the failure report says to set to build otherwise or use a prebuilt image.
fn assert_names_what_to_set(stderr: &str) {
    for setting in [
        "[docker.build_args] BASE_IMAGE",
        "docker.image",
        "SKIPPER_DOCKER_IMAGE",
    ] {
        assert!(stderr.contains(setting), "no {setting} in {stderr}");
    }
}

#[test]
fn a_failing_build_step_is_named_with_its_last_lines_the_log_and_what_to_set() {
    if !docker_ready() {
        return;
    }
    // The cause is last on stdout (stderr's order next to stdout is the daemon's).
    let run = format!(
        "RUN echo 'to stderr' >&2; for i in $(seq 1 40); do echo \"output line $i\"; done; \
         echo 'npm ERR! the cause'; exit 3 {}",
        "# a long RUN line ".repeat(20)
    );
    let (stderr, log) = failed_build("runfails", &format!("FROM {BASE_IMAGE}\n{run}\n"));
    assert!(stderr.contains("\n  at step 2/"), "{stderr}");
    assert!(stderr.contains("npm ERR! the cause"), "{stderr}");
    assert!(stderr.contains("output line 40"), "{stderr}");
    assert!(
        !stderr.contains("output line 5\n"),
        "only the last lines: {stderr}"
    );
    assert_eq!(
        stderr.matches("RUN echo").count(),
        1,
        "the step once: {stderr}"
    );
    assert!(
        stderr.lines().all(|line| line.chars().count() <= 200),
        "no line of hundreds of characters: {stderr}"
    );
    assert_names_what_to_set(&stderr);
    // The log keeps everything.
    assert!(log.contains(run.trim_end()), "{log}");
    assert!(log.contains("output line 1\n"), "{log}");
    assert!(log.contains("npm ERR! the cause"), "{log}");
    assert!(log.contains("to stderr"), "{log}");
}

#[test]
fn a_missing_base_image_fails_fast_naming_what_to_set() {
    if !docker_ready() {
        return;
    }
    // A registry on a loopback port nobody listens on: the pull is refused at once.
    let from = "127.0.0.1:9/skipper-missing-base:none";
    let (stderr, log) = failed_build("nobase", &format!("FROM {from}\nRUN true\n"));
    assert!(stderr.contains("\n  at step 1/"), "{stderr}");
    assert!(stderr.contains(&format!("FROM {from}")), "{stderr}");
    assert_names_what_to_set(&stderr);
    assert!(log.contains(&format!("FROM {from}")), "{log}");
}
