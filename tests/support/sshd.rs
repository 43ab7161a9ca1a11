//! An `sshd` of a test's own on a loopback port, logging in `root` by a key the test makes,
//! through which a Docker engine is reached as `ssh://root@127.0.0.1:PORT` (the client
//! runs `docker system dial-stdio` there). The ssh client reads its options from the
//! system's configuration, not `$HOME`: this server's are a file of its own in
//! `/etc/ssh/ssh_config.d/`, matching its port alone, removed when it is dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether an sshd can be started here: root, `sshd`, `ssh` and `ssh-keygen` installed.
/// Otherwise prints why and returns false, or panics under `SK_REQUIRE_DOCKER=1`.
pub fn sshd_ready() -> bool {
    let required = std::env::var("SK_REQUIRE_DOCKER").as_deref() == Ok("1");
    for program in ["/usr/sbin/sshd", "ssh", "ssh-keygen"] {
        if which::which(program).is_err() {
            assert!(
                !required,
                "SK_REQUIRE_DOCKER=1 but `{program}` is not installed"
            );
            eprintln!("skipped: `{program}` is not installed (Debian's openssh-server)");
            return false;
        }
    }
    true
}

/// A running sshd; stopped, and its client options removed, when dropped.
#[derive(Debug)]
pub struct Sshd {
    child: Child,
    client_config: PathBuf,
    /// Its port on 127.0.0.1.
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Sshd {
    /// Starts an sshd on 127.0.0.1 whose sessions have `DOCKER_HOST=docker_host`, so that
    /// `docker system dial-stdio` there reaches that engine.
    pub fn start(docker_host: &str) -> Self {
        Self::start_on(
            "127.0.0.1",
            None,
            &format!("SetEnv DOCKER_HOST={docker_host}\n"),
        )
    }

    /// Starts an sshd listening on `address` (loopback, or this machine's address on a
    /// network of the test's own containers) that lets `root` in by its own client key and
    /// by `authorized` (a public key file) when given; `extra` is more sshd configuration.
    pub fn start_on(address: &str, authorized: Option<&std::path::Path>, extra: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name);
        for (key, kind) in [("host_key", "ed25519"), ("client_key", "ed25519")] {
            let made = Command::new("ssh-keygen")
                .args(["-q", "-N", "", "-t", kind, "-f"])
                .arg(path(key))
                .output()
                .unwrap();
            assert!(
                made.status.success(),
                "{}",
                String::from_utf8_lossy(&made.stderr)
            );
        }
        let mut keys = fs_err::read_to_string(path("client_key.pub")).unwrap();
        if let Some(authorized) = authorized {
            keys.push_str(&fs_err::read_to_string(authorized).unwrap());
        }
        fs_err::write(path("authorized_keys"), keys).unwrap();
        let port = std::net::TcpListener::bind((address, 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        fs_err::write(
            path("sshd_config"),
            format!(
                "ListenAddress {address}\nPort {port}\nHostKey {host}\nAuthorizedKeysFile {keys}\n\
                 PermitRootLogin prohibit-password\nPasswordAuthentication no\n\
                 KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n\
                 PidFile {pid}\n{extra}",
                host = path("host_key").display(),
                keys = path("authorized_keys").display(),
                pid = path("sshd.pid").display(),
            ),
        )
        .unwrap();
        // sshd's privilege separation directory.
        fs_err::create_dir_all("/run/sshd").unwrap();
        let client_config = PathBuf::from(format!("/etc/ssh/ssh_config.d/sk-test-{port}.conf"));
        fs_err::write(
            &client_config,
            format!(
                "Match host {address} exec \"test %p = {port}\"\n    IdentityFile {key}\n    \
                 IdentitiesOnly yes\n    StrictHostKeyChecking no\n    \
                 UserKnownHostsFile /dev/null\n    LogLevel ERROR\n",
                key = path("client_key").display()
            ),
        )
        .unwrap();
        let log = path("sshd.log");
        let child = Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(path("sshd_config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs_err::File::create(&log).unwrap().into_parts().0)
            .spawn()
            .unwrap();
        let server = Self {
            child,
            client_config,
            port,
            _dir: dir,
        };
        // Ready once it accepts connections on its port.
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect((address, port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "sshd did not listen on {port}: {}",
                fs_err::read_to_string(&log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    /// The engine's address through this server.
    pub fn docker_host(&self) -> String {
        format!("ssh://root@127.0.0.1:{}", self.port)
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = fs_err::remove_file(&self.client_config);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
