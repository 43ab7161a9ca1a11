//! Pure builders of what the daemon is asked to create: container options with their
//! security defaults, names, the read-only mounts of the host user's configuration, and the
//! one writable mount, the exec directory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use bollard::models::{ContainerCreateBody, HostConfig, Mount, MountType, PortBinding};
use skipper_core::{RepositoryId, WorkspaceRef};

use crate::scripts;
use crate::ulimits::{Ulimit, host_config_ulimits};

/// PID 1's command: `tail` exists in every image with a POSIX userland (BusyBox included),
/// unlike `sleep infinity`. `init: true` puts a reaper in front of it.
pub const KEEP_ALIVE: [&str; 3] = ["tail", "-f", "/dev/null"];

/// Where a container's exec directory is mounted, read-write: the one writable host mount
/// of a workspace, since `sk` and the container's spawner (PID 1, `spawner.sh`) talk
/// through FIFOs there, and files the container writes in it (a pid, FIFOs) must reach the
/// host. It holds nothing else: `sk` makes it empty for the container alone (see
/// [`crate::spawner`]), and never follows a link the container may plant in it.
pub const EXEC_MOUNT: &str = "/run/skipper/exec";

/// Where repositories live inside containers.
pub const WORKSPACE_ROOT: &str = "/workspace";

/// Where the host's configuration is mounted read-only; the container user's home gets
/// symbolic links to it (see [`SHARED_CONFIG`]).
pub const HOST_MOUNT_ROOT: &str = "/run/skipper/host";

/// The capabilities a workspace keeps; every other one is dropped. Enough for package
/// managers and build tools run as root in custom images (file ownership and modes,
/// dropping to another user, signalling its own processes, binding low ports); nothing that
/// reaches the host or the network stack (`NET_RAW`, `NET_ADMIN`, `SYS_*`, `MKNOD`,
/// `SETFCAP`, `AUDIT_WRITE`).
pub const CAPABILITIES: [&str; 8] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "NET_BIND_SERVICE",
    "SETGID",
    "SETUID",
];

/// The most processes (threads included) a workspace may hold: generous for compilers and
/// language servers, a stop for fork bombs.
pub const PIDS_LIMIT: i64 = 4096;

/// How the container user's home reaches a read-only mount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HomeLink {
    /// The home path is a symbolic link to the mount.
    Link,
    /// The home path is a writable directory whose entries link to the mount's entries:
    /// for OpenCode's configuration directory, where OpenCode itself writes a
    /// `package.json`, a `.gitignore` and `node_modules` next to the user's files (the
    /// setup step leaves those names to it).
    Entries,
}

impl HomeLink {
    /// The word the setup step takes.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Link => "link",
            Self::Entries => "entries",
        }
    }
}

/// The host user's configuration shared with every workspace, read-only, when present,
/// besides the coding agents' ([`DockerConfig::agent_config`](crate::DockerConfig)): the
/// path relative to the host home (and to the container user's home), the name of its mount
/// under [`HOST_MOUNT_ROOT`], and how the home reaches it.
pub const SHARED_CONFIG: [(&str, &str, HomeLink); 3] = [
    (".gitconfig", "gitconfig", HomeLink::Link),
    (".config/gh", "gh", HomeLink::Link),
    (".ssh", "ssh", HomeLink::Link),
];

/// OpenCode's configuration directory, where OpenCode writes next to the user's files
/// (see [`HomeLink::Entries`]).
const OPENCODE_CONFIG: &str = ".config/opencode";

/// The name of the mount of an agent's `relative` path under [`HOST_MOUNT_ROOT`]: its
/// components without their leading dots, joined by `-`, after `agent-` (no name of
/// [`SHARED_CONFIG`] starts so). OpenCode's two keep the names they had before presets.
fn agent_mount_name(relative: &str) -> String {
    match relative {
        OPENCODE_CONFIG => "opencode-config".to_owned(),
        ".local/share/opencode/auth.json" => "opencode-auth.json".to_owned(),
        _ => {
            let parts: Vec<String> = relative
                .split('/')
                .filter(|part| !part.is_empty())
                .map(|part| {
                    part.trim_start_matches('.')
                        .chars()
                        .map(|c| {
                            if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                                c
                            } else {
                                '-'
                            }
                        })
                        .collect()
                })
                .collect();
            format!("agent-{}", parts.join("-"))
        }
    }
}

/// Whether `relative` is a path of the home an agent's configuration may be: relative,
/// with no `.`, `..` or empty component, and not a whole tree other programs keep theirs in
/// (`.config`, `.local`, `.local/share`).
fn is_agent_path(relative: &str) -> bool {
    !relative.is_empty()
        && !relative.starts_with('/')
        && relative
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
        && ![".config", ".local", ".local/share", ".ssh", ".gitconfig"].contains(&relative)
}

/// A read-only bind mount of a host path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostMount {
    /// The host path.
    pub source: PathBuf,
    /// The path inside the container.
    pub target: String,
    /// Where the container user's home links to it, relative to that home.
    pub home_path: String,
    /// How it links.
    pub link: HomeLink,
}

/// The host directories the shared configuration is looked for in.
#[derive(Debug, Clone, Copy)]
pub struct HostDirs<'a> {
    /// The home directory.
    pub home: &'a Path,
    /// `$XDG_CONFIG_HOME`, standing in for `~/.config`.
    pub config_home: &'a Path,
    /// `$XDG_DATA_HOME`, standing in for `~/.local/share`.
    pub data_home: &'a Path,
}

impl HostDirs<'_> {
    /// Where the host keeps what [`SHARED_CONFIG`] names relative to a default home.
    fn source(&self, relative: &str) -> PathBuf {
        if let Some(rest) = relative.strip_prefix(".config/") {
            self.config_home.join(rest)
        } else if let Some(rest) = relative.strip_prefix(".local/share/") {
            self.data_home.join(rest)
        } else {
            self.home.join(relative)
        }
    }
}

/// The entries of [`SHARED_CONFIG`] and the agents' paths `agents` (relative to the home)
/// that exist on the host, the agents' first. Only stats the paths. An agent's directory is
/// reached entry by entry ([`HomeLink::Entries`]: agents write next to their files), a
/// file by a link; a path that is no agent's to have ([`is_agent_path`]) is left out, and
/// so is a name given twice.
#[must_use]
pub fn present_mounts(dirs: HostDirs<'_>, agents: &[String]) -> Vec<HostMount> {
    let mut mounts: Vec<HostMount> = Vec::new();
    for relative in agents.iter().filter(|relative| is_agent_path(relative)) {
        let source = dirs.source(relative);
        let Ok(metadata) = fs_err::metadata(&source) else {
            continue;
        };
        let name = agent_mount_name(relative);
        if mounts
            .iter()
            .any(|mount| mount.target.ends_with(&format!("/{name}")))
        {
            continue;
        }
        mounts.push(HostMount {
            source,
            target: format!("{HOST_MOUNT_ROOT}/{name}"),
            home_path: relative.clone(),
            link: if metadata.is_dir() {
                HomeLink::Entries
            } else {
                HomeLink::Link
            },
        });
    }
    for (relative, name, link) in SHARED_CONFIG {
        let source = dirs.source(relative);
        if source.exists() {
            mounts.push(HostMount {
                source,
                target: format!("{HOST_MOUNT_ROOT}/{name}"),
                home_path: relative.to_owned(),
                link,
            });
        }
    }
    mounts
}

/// The repository directory inside a container.
#[must_use]
pub fn repository_path(repository: &RepositoryId) -> String {
    format!("{WORKSPACE_ROOT}/{}", repository.name())
}

/// The fingerprint of a data root that namespaces everything it makes on the daemon.
#[must_use]
pub fn namespace(data_root: &Path) -> String {
    skipper_core::short_hash(&data_root.to_string_lossy(), 12)
}

/// [`namespace`] for the engine at `endpoint`: the data root's own on the default socket,
/// and one of its own on any other engine, so that what the host records of containers
/// never mixes two engines' containers of one name.
#[must_use]
pub fn namespace_for(data_root: &Path, endpoint: &str) -> String {
    if endpoint == crate::endpoint::DEFAULT_HOST {
        namespace(data_root)
    } else {
        skipper_core::short_hash(&format!("{}\n{endpoint}", data_root.to_string_lossy()), 12)
    }
}

/// The container name of a workspace: readable part plus a hash of the raw identity and
/// the data root's namespace.
#[must_use]
pub fn container_name(reference: &WorkspaceRef, namespace: &str) -> String {
    let readable = format!("{}-{}", reference.repository.name(), reference.target);
    let mut clean: String = readable
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    clean.truncate(READABLE_NAME_LEN);
    let identity = format!("{namespace}\n{}", reference.identity_key());
    format!("sk-{clean}-{}", skipper_core::short_hash(&identity, 8))
}

/// How much of the readable part a container name keeps.
const READABLE_NAME_LEN: usize = 48;

/// The repository part of a repository snapshot image's name.
#[must_use]
pub fn snapshot_repository(repository: &RepositoryId, namespace: &str) -> String {
    format!(
        "skipper-repo-{}",
        skipper_core::short_hash(&format!("{namespace}\n{}", repository.key()), 12)
    )
}

/// Everything that varies between workspace containers.
#[derive(Debug, Clone)]
pub struct ContainerSpec {
    /// The image to run.
    pub image: String,
    /// Its labels.
    pub labels: HashMap<String, String>,
    /// Read-only mounts of the host's configuration.
    pub mounts: Vec<HostMount>,
    /// Memory limit in bytes.
    pub memory_bytes: Option<i64>,
    /// CPU limit in billionths of a CPU.
    pub nano_cpus: Option<i64>,
    /// Host ports published on `127.0.0.1`, each under its own number inside.
    pub ports: Vec<u16>,
    /// The container's exec directory on the host, mounted read-write at [`EXEC_MOUNT`]
    /// with the spawner as PID 1; `None`: PID 1 is [`KEEP_ALIVE`] and commands use the
    /// daemon's exec.
    pub exec_dir: Option<PathBuf>,
    /// The OCI runtime to run under (`runsc` for gVisor); `None`: the daemon's default.
    pub runtime: Option<String>,
    /// Resource limits (`[docker.ulimits]`).
    pub ulimits: Vec<Ulimit>,
    /// How it reaches the network.
    pub network: NetworkAttachment,
}

/// How a workspace container reaches the network (its [`skipper_core::NetworkMode`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum NetworkAttachment {
    /// Docker's default bridge.
    #[default]
    Bridge,
    /// No interface but loopback (`network_mode: none`).
    None,
    /// Only `network`, an internal one, with `env` (`NAME=value`: its proxy variables).
    Internal {
        /// The network.
        network: String,
        /// The variables that name its proxy.
        env: Vec<String>,
    },
}

/// The address published ports listen on: the host's loopback only, never the network.
pub const PUBLISH_ADDRESS: &str = "127.0.0.1";

/// The daemon's create request for `spec`: the spawner (or, without an exec directory,
/// keep-alive) PID 1 behind an init, no new privileges, the reduced capability set, a pids
/// limit, optional memory and CPU limits, nothing but the read-only configuration mounts
/// and the exec directory (never the Docker socket), and each port published as
/// `127.0.0.1:P:P/tcp` on the bridge (a container without it has no route to publish
/// through: its ports stay its own).
#[must_use]
pub fn create_body(spec: &ContainerSpec) -> ContainerCreateBody {
    let published = |port: &u16| format!("{port}/tcp");
    let publish: &[u16] = match spec.network {
        NetworkAttachment::Bridge => &spec.ports,
        NetworkAttachment::None | NetworkAttachment::Internal { .. } => &[],
    };
    let (network_mode, env) = match &spec.network {
        NetworkAttachment::Bridge => (None, None),
        NetworkAttachment::None => (Some("none".to_owned()), None),
        NetworkAttachment::Internal { network, env } => (Some(network.clone()), Some(env.clone())),
    };
    let exposed_ports: Vec<String> = publish.iter().map(published).collect();
    let port_bindings: HashMap<String, Option<Vec<PortBinding>>> = publish
        .iter()
        .map(|port| {
            let binding = PortBinding {
                host_ip: Some(PUBLISH_ADDRESS.to_owned()),
                host_port: Some(port.to_string()),
            };
            (published(port), Some(vec![binding]))
        })
        .collect();
    let mut mounts: Vec<Mount> = spec
        .mounts
        .iter()
        .map(|mount| Mount {
            target: Some(mount.target.clone()),
            source: Some(mount.source.to_string_lossy().into_owned()),
            typ: Some(MountType::BIND),
            read_only: Some(true),
            ..Default::default()
        })
        .collect();
    let cmd = match &spec.exec_dir {
        Some(dir) => {
            mounts.push(Mount {
                target: Some(EXEC_MOUNT.to_owned()),
                source: Some(dir.to_string_lossy().into_owned()),
                typ: Some(MountType::BIND),
                read_only: Some(false),
                ..Default::default()
            });
            ["sh", "-c", scripts::SPAWNER, EXEC_MOUNT]
                .iter()
                .map(|s| (*s).to_owned())
                .collect()
        }
        None => KEEP_ALIVE.iter().map(|s| (*s).to_owned()).collect(),
    };
    ContainerCreateBody {
        image: Some(spec.image.clone()),
        cmd: Some(cmd),
        labels: Some(spec.labels.clone()),
        env,
        attach_stdin: Some(false),
        attach_stdout: Some(false),
        attach_stderr: Some(false),
        tty: Some(false),
        open_stdin: Some(false),
        exposed_ports: (!exposed_ports.is_empty()).then_some(exposed_ports),
        host_config: Some(HostConfig {
            port_bindings: (!port_bindings.is_empty()).then_some(port_bindings),
            init: Some(true),
            security_opt: Some(vec!["no-new-privileges".to_owned()]),
            cap_drop: Some(vec!["ALL".to_owned()]),
            cap_add: Some(CAPABILITIES.iter().map(|s| (*s).to_owned()).collect()),
            pids_limit: Some(PIDS_LIMIT),
            memory: spec.memory_bytes,
            nano_cpus: spec.nano_cpus,
            mounts: Some(mounts),
            privileged: Some(false),
            runtime: spec.runtime.clone(),
            ulimits: host_config_ulimits(&spec.ulimits),
            network_mode,
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The create request of the short-lived container a repository snapshot is made in:
/// started only for `sk`'s own checkout step, so no mounts matter, only the labels the
/// snapshot inherits and the resource limits every container gets (a daemon may start none
/// without them). It runs under the daemon's default runtime: it runs no workspace code.
#[must_use]
#[allow(
    clippy::implicit_hasher,
    reason = "the labels move into bollard's body, which holds a std `HashMap`"
)]
pub fn snapshot_builder_body(
    image: &str,
    labels: HashMap<String, String>,
    ulimits: &[Ulimit],
) -> ContainerCreateBody {
    ContainerCreateBody {
        image: Some(image.to_owned()),
        cmd: Some(KEEP_ALIVE.iter().map(|s| (*s).to_owned()).collect()),
        labels: Some(labels),
        host_config: host_config_ulimits(ulimits).map(|ulimits| HostConfig {
            ulimits: Some(ulimits),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ContainerSpec {
        ContainerSpec {
            image: "img:1".into(),
            labels: HashMap::from([("dev.skipper.managed".into(), "true".into())]),
            mounts: vec![HostMount {
                source: "/home/u/.ssh".into(),
                target: "/run/skipper/host/ssh".into(),
                home_path: ".ssh".into(),
                link: HomeLink::Link,
            }],
            memory_bytes: Some(1 << 30),
            nano_cpus: None,
            ports: Vec::new(),
            exec_dir: None,
            runtime: None,
            ulimits: Vec::new(),
            network: NetworkAttachment::Bridge,
        }
    }

    #[test]
    fn a_workspace_off_the_bridge_publishes_nothing_and_an_internal_one_gets_its_proxy() {
        let none = create_body(&ContainerSpec {
            ports: vec![20001],
            network: NetworkAttachment::None,
            ..spec()
        });
        let host = none.host_config.unwrap();
        assert_eq!(host.network_mode.as_deref(), Some("none"));
        assert!(host.port_bindings.is_none() && none.exposed_ports.is_none());
        assert!(none.env.is_none());

        let internal = create_body(&ContainerSpec {
            ports: vec![20001],
            network: NetworkAttachment::Internal {
                network: "sk-egress-ns".into(),
                env: vec!["HTTP_PROXY=http://p:1".into()],
            },
            ..spec()
        });
        assert_eq!(
            internal.host_config.unwrap().network_mode.as_deref(),
            Some("sk-egress-ns")
        );
        assert_eq!(internal.env, Some(vec!["HTTP_PROXY=http://p:1".to_owned()]));

        let bridge = create_body(&spec());
        assert!(bridge.host_config.unwrap().network_mode.is_none());
    }

    #[test]
    fn the_exec_directory_is_the_one_writable_mount_and_the_spawner_pid_1() {
        let body = create_body(&ContainerSpec {
            exec_dir: Some("/data/run/containers/sk-a".into()),
            ..spec()
        });
        let cmd = body.cmd.unwrap();
        assert_eq!(cmd[..2], ["sh", "-c"]);
        assert_eq!(cmd[2], scripts::SPAWNER);
        assert_eq!(cmd[3], EXEC_MOUNT);
        let host = body.host_config.unwrap();
        assert_eq!(host.init, Some(true));
        let mounts = host.mounts.unwrap();
        let writable: Vec<_> = mounts
            .iter()
            .filter(|m| m.read_only != Some(true))
            .collect();
        assert_eq!(writable.len(), 1);
        assert_eq!(writable[0].target.as_deref(), Some(EXEC_MOUNT));
        assert_eq!(
            writable[0].source.as_deref(),
            Some("/data/run/containers/sk-a")
        );
        assert_eq!(writable[0].typ, Some(MountType::BIND));
    }

    #[test]
    fn ports_are_published_on_the_loopback_under_their_own_numbers() {
        let body = create_body(&ContainerSpec {
            ports: vec![20001, 20002],
            ..spec()
        });
        let mut exposed = body.exposed_ports.unwrap();
        exposed.sort();
        assert_eq!(exposed, ["20001/tcp", "20002/tcp"]);
        let bindings = body.host_config.unwrap().port_bindings.unwrap();
        assert_eq!(bindings.len(), 2);
        let binding = bindings["20002/tcp"].as_ref().unwrap();
        assert_eq!(
            binding,
            &[PortBinding {
                host_ip: Some("127.0.0.1".into()),
                host_port: Some("20002".into()),
            }]
        );

        let none = create_body(&spec());
        assert!(none.exposed_ports.is_none());
        assert!(none.host_config.unwrap().port_bindings.is_none());
    }

    #[test]
    fn the_container_is_locked_down() {
        let body = create_body(&spec());
        assert_eq!(
            body.cmd.as_deref(),
            Some(&["tail".to_owned(), "-f".into(), "/dev/null".into()][..])
        );
        let host = body.host_config.unwrap();
        assert_eq!(host.init, Some(true));
        assert_eq!(host.privileged, Some(false));
        assert_eq!(
            host.security_opt,
            Some(vec!["no-new-privileges".to_owned()])
        );
        assert_eq!(host.cap_drop, Some(vec!["ALL".to_owned()]));
        let caps = host.cap_add.unwrap();
        for dangerous in ["SYS_ADMIN", "NET_ADMIN", "NET_RAW", "SYS_PTRACE", "MKNOD"] {
            assert!(!caps.iter().any(|c| c == dangerous), "{dangerous} kept");
        }
        assert_eq!(host.pids_limit, Some(PIDS_LIMIT));
        assert_eq!(host.memory, Some(1 << 30));
        assert_eq!(host.nano_cpus, None);
        assert!(host.binds.is_none());
        let mounts = host.mounts.unwrap();
        assert_eq!(mounts.len(), 1);
        assert_eq!(mounts[0].read_only, Some(true));
        assert_eq!(mounts[0].typ, Some(MountType::BIND));
        assert!(
            mounts
                .iter()
                .all(|m| !m.source.as_deref().unwrap_or("").contains("docker.sock"))
        );
    }

    #[test]
    fn the_runtime_and_resource_limits_reach_the_request_only_when_set() {
        let nofile = Ulimit::parse("nofile", "1024:4096").unwrap();
        let body = create_body(&ContainerSpec {
            runtime: Some("runsc".into()),
            ulimits: vec![nofile.clone()],
            ..spec()
        });
        let host = body.host_config.unwrap();
        assert_eq!(host.runtime.as_deref(), Some("runsc"));
        assert_eq!(
            host.ulimits,
            host_config_ulimits(std::slice::from_ref(&nofile))
        );
        // The rest of the lockdown is untouched by them.
        assert_eq!(host.cap_drop, Some(vec!["ALL".to_owned()]));
        assert_eq!(host.pids_limit, Some(PIDS_LIMIT));

        let plain = create_body(&spec()).host_config.unwrap();
        assert_eq!(plain.runtime, None);
        assert_eq!(plain.ulimits, None);

        let builder = snapshot_builder_body("img:1", HashMap::new(), &[nofile]);
        let builder_host = builder.host_config.unwrap();
        assert_eq!(builder_host.ulimits.unwrap()[0].hard, Some(4096));
        assert_eq!(builder_host.runtime, None);
        assert!(
            snapshot_builder_body("img:1", HashMap::new(), &[])
                .host_config
                .is_none()
        );
    }

    #[test]
    fn only_present_configuration_is_mounted() {
        let home = tempfile::tempdir().unwrap();
        fs_err::create_dir_all(home.path().join(".config/opencode")).unwrap();
        fs_err::create_dir_all(home.path().join(".local/share/opencode")).unwrap();
        fs_err::write(home.path().join(".local/share/opencode/auth.json"), "{}").unwrap();
        fs_err::write(home.path().join(".local/share/opencode/opencode.db"), "").unwrap();
        let config_home = home.path().join(".config");
        let data_home = home.path().join(".local/share");
        let mounts = present_mounts(
            HostDirs {
                home: home.path(),
                config_home: &config_home,
                data_home: &data_home,
            },
            &skipper_core::Agents::default().config_paths(),
        );
        let homes: Vec<&str> = mounts.iter().map(|m| m.home_path.as_str()).collect();
        assert_eq!(
            homes,
            [".config/opencode", ".local/share/opencode/auth.json"]
        );
        assert!(mounts.iter().all(|m| m.target.starts_with(HOST_MOUNT_ROOT)));
    }

    #[test]
    fn each_agents_files_alone_are_mounted_and_a_directory_entry_by_entry() {
        let home = tempfile::tempdir().unwrap();
        for dir in [".claude/projects", ".codex/sessions", ".mine"] {
            fs_err::create_dir_all(home.path().join(dir)).unwrap();
        }
        for file in [
            ".claude/.credentials.json",
            ".codex/auth.json",
            ".aider.conf.yml",
        ] {
            fs_err::write(home.path().join(file), "{}").unwrap();
        }
        let config_home = home.path().join(".config");
        let data_home = home.path().join(".local/share");
        let mut agents = skipper_core::Agents::default().config_paths();
        agents.extend([".mine", "..", ".config", "/etc", ".mine/../.ssh"].map(String::from));
        let mounts = present_mounts(
            HostDirs {
                home: home.path(),
                config_home: &config_home,
                data_home: &data_home,
            },
            &agents,
        );
        let seen: Vec<(&str, &str, HomeLink)> = mounts
            .iter()
            .map(|m| (m.home_path.as_str(), m.target.as_str(), m.link))
            .collect();
        assert_eq!(
            seen,
            [
                (
                    ".claude/.credentials.json",
                    "/run/skipper/host/agent-claude-credentials.json",
                    HomeLink::Link
                ),
                (
                    ".codex/auth.json",
                    "/run/skipper/host/agent-codex-auth.json",
                    HomeLink::Link
                ),
                (
                    ".aider.conf.yml",
                    "/run/skipper/host/agent-aider.conf.yml",
                    HomeLink::Link
                ),
                (".mine", "/run/skipper/host/agent-mine", HomeLink::Entries),
            ]
        );
        // Never a session directory, nor the whole home.
        assert!(mounts.iter().all(|m| !m.home_path.contains("projects")
            && !m.home_path.contains("sessions")
            && m.source != home.path()));
    }
}
