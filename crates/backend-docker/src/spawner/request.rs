//! Pure pieces of one request to a spawner: its id, the `run` script it starts, and the
//! exit status it sends back.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// The most bytes a `status` FIFO may carry: an exit status and a newline.
pub(crate) const STATUS_LIMIT: usize = 16;

/// A request id no other request of any `sk` to any container uses: made of `[a-z0-9-]`,
/// as `spawner.sh` requires (`[A-Za-z0-9._-]`, no leading dot).
pub(crate) fn request_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "r{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The `run` script of a request: its pid written to `pidfile` when there is one (for
/// `signal` requests: the process keeps it through every `exec`, and leads its own process
/// group), the secrets read from the FIFO `secrets` when there is one (`sk` writes their
/// `export` lines into it, so that their values never lie in a file; a shell that cannot
/// read it ends there, the command not run), `cd` to `working_dir` (exit 126 when it cannot, as the daemon's exec does;
/// `OLDPWD`, which `cd` sets, is unset again unless the container's environment had it),
/// `export` each `NAME=value` of `env`, then `exec` `argv`, every word single-quoted.
/// `None` when a piece cannot be said in `sh` as the daemon would take it: an environment
/// entry without `=` or whose name is not a shell name, or a NUL byte.
pub(crate) fn run_script(
    pidfile: Option<&str>,
    secrets: Option<&str>,
    working_dir: Option<&str>,
    env: &[String],
    argv: &[String],
) -> Option<String> {
    let mut script = String::new();
    if let Some(pidfile) = pidfile {
        writeln!(
            script,
            "{{ echo \"$$\" >{}; }} 2>/dev/null",
            quote(pidfile)?
        )
        .ok()?;
    }
    if let Some(secrets) = secrets {
        writeln!(script, ". {} || exit 125", quote(secrets)?).ok()?;
    }
    if let Some(dir) = working_dir {
        let dir = quote(dir)?;
        writeln!(
            script,
            "if [ -n \"${{OLDPWD+set}}\" ]; then cd {dir} || exit 126; \
             else cd {dir} || exit 126; unset OLDPWD; fi"
        )
        .ok()?;
    }
    for entry in env {
        let (name, value) = entry.split_once('=')?;
        if !is_shell_name(name) {
            return None;
        }
        writeln!(script, "export {name}={}", quote(value)?).ok()?;
    }
    script.push_str("exec");
    for word in argv {
        script.push(' ');
        script.push_str(&quote(word)?);
    }
    script.push('\n');
    Some(script)
}

/// The `run` script of a request with a terminal (see `terminal.sh`): its pid written to
/// `pidfile`, then `terminal.sh`, written as `terminal` in the request directory `dir`
/// (inside the container), given the terminal's first size (`0 0` when unknown).
pub(crate) fn terminal_run_script(
    pidfile: &str,
    dir: &str,
    size: Option<TerminalSize>,
) -> Option<String> {
    let (rows, cols) = size.map_or((0, 0), |size| (size.rows, size.cols));
    let argv = [
        "sh".to_owned(),
        format!("{dir}/terminal"),
        dir.to_owned(),
        rows.to_string(),
        cols.to_string(),
    ];
    run_script(Some(pidfile), None, None, &[], &argv)
}

/// The text `sk` writes into a request's `secrets` FIFO for `secrets` (`NAME=value`):
/// an `export` line each, as [`run_script`] writes the environment. `None` as there.
pub(crate) fn secrets_text(secrets: &[String]) -> Option<String> {
    let mut text = String::new();
    for entry in secrets {
        let (name, value) = entry.split_once('=')?;
        if !is_shell_name(name) {
            return None;
        }
        writeln!(text, "export {name}={}", quote(value)?).ok()?;
    }
    Some(text)
}

/// A terminal's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TerminalSize {
    /// Its rows (lines).
    pub rows: u16,
    /// Its columns.
    pub cols: u16,
}

impl TerminalSize {
    /// The line `terminal.sh` reads from the `size` FIFO for a resize to this size.
    pub(crate) fn resize_line(self) -> String {
        format!("{} {}\n", self.rows, self.cols)
    }
}

/// `text` single-quoted for `sh`; `None` when it holds a NUL byte, which no argument or
/// environment value can.
fn quote(text: &str) -> Option<String> {
    if text.contains('\0') {
        return None;
    }
    Some(format!("'{}'", text.replace('\'', r"'\''")))
}

/// Whether `name` is a name `export` takes: `[A-Za-z_][A-Za-z0-9_]*`.
fn is_shell_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The exit status the `status` FIFO carried: a decimal number and a newline, nothing
/// else (the container can write there, so anything else is refused). `None` for
/// anything else, the empty text included.
pub(crate) fn parse_status(sent: &[u8]) -> Option<i32> {
    let digits = sent.strip_suffix(b"\n")?;
    if digits.is_empty() || digits.len() > 3 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_script_quotes_every_word() {
        let argv = vec!["printf".to_owned(), "%s|".into(), "it's $(x) `y`".into()];
        let env = vec![
            "A=1 2".to_owned(),
            "B_2=it's\nmultiline".into(),
            "C=".into(),
        ];
        let script = run_script(
            Some("/e/r1/pid"),
            None,
            Some("/workspace/it's"),
            &env,
            &argv,
        )
        .unwrap();
        assert_eq!(
            script,
            "{ echo \"$$\" >'/e/r1/pid'; } 2>/dev/null\n\
             if [ -n \"${OLDPWD+set}\" ]; then cd '/workspace/it'\\''s' || exit 126; \
             else cd '/workspace/it'\\''s' || exit 126; unset OLDPWD; fi\n\
             export A='1 2'\n\
             export B_2='it'\\''s\nmultiline'\n\
             export C=''\n\
             exec 'printf' '%s|' 'it'\\''s $(x) `y`'\n"
        );
        assert!(
            run_script(Some("/p"), None, None, &[], &["true".to_owned()])
                .unwrap()
                .ends_with("/dev/null\nexec 'true'\n")
        );
    }

    #[test]
    fn a_terminals_run_script_starts_terminal_sh_with_the_first_size() {
        let size = TerminalSize {
            rows: 30,
            cols: 100,
        };
        assert_eq!(
            terminal_run_script("/e/r1/pid", "/e/r1", Some(size)).unwrap(),
            "{ echo \"$$\" >'/e/r1/pid'; } 2>/dev/null\n\
             exec 'sh' '/e/r1/terminal' '/e/r1' '30' '100'\n"
        );
        assert!(
            terminal_run_script("/e/r1/pid", "/e/r1", None)
                .unwrap()
                .ends_with("'/e/r1' '0' '0'\n")
        );
        assert_eq!(size.resize_line(), "30 100\n");
        // No pidfile: nothing is written before the rest.
        assert_eq!(
            run_script(None, None, None, &[], &["true".to_owned()]).unwrap(),
            "exec 'true'\n"
        );
    }

    #[test]
    fn what_sh_cannot_say_as_the_daemon_would_is_no_script() {
        let argv = ["true".to_owned()];
        for env in ["NO_EQUALS", "1A=x", "A-B=x", "=x", "A=\0"] {
            assert_eq!(
                run_script(Some("/p"), None, None, &[env.to_owned()], &argv),
                None,
                "{env}"
            );
        }
        assert_eq!(
            run_script(Some("/p"), None, None, &[], &["a\0b".to_owned()]),
            None
        );
    }

    #[test]
    fn the_run_script_runs_as_the_words_say() {
        let dir = tempfile::tempdir().unwrap();
        let argv = vec![
            "sh".to_owned(),
            "-c".into(),
            r#"printf '%s|' "$PWD" "$A" "${OLDPWD-unset}" "$0" "$1""#.into(),
            "it's".into(),
            "$(echo no)".into(),
        ];
        let path = dir.path().to_str().unwrap();
        let pidfile = dir.path().join("pid");
        let pidfile = pidfile.to_str().unwrap();
        let script = run_script(
            Some(pidfile),
            None,
            Some(path),
            &["A=x'y\nz".to_owned()],
            &argv,
        )
        .unwrap();
        let ran = std::process::Command::new("sh")
            .args(["-c", &script])
            .env_remove("OLDPWD")
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8(ran.stdout).unwrap(),
            format!("{path}|x'y\nz|unset|it's|$(echo no)|")
        );
        let pid = fs_err::read_to_string(pidfile).unwrap();
        assert!(pid.trim().parse::<u32>().is_ok(), "{pid}");
        let missing = run_script(Some(pidfile), None, Some("/no/such/dir"), &[], &argv).unwrap();
        let ran = std::process::Command::new("sh")
            .args(["-c", &missing])
            .output()
            .unwrap();
        assert_eq!(ran.status.code(), Some(126));
    }

    #[test]
    fn the_secrets_come_from_their_fifo_and_an_unreadable_one_runs_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("secrets");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
        )
        .unwrap();
        let fifo_path = fifo.to_str().unwrap().to_owned();
        let argv = vec![
            "sh".to_owned(),
            "-c".into(),
            r#"printf '%s|' "$TOKEN" "$A""#.into(),
        ];
        let script =
            run_script(None, Some(&fifo_path), None, &["A=plain".to_owned()], &argv).unwrap();
        assert!(!script.contains("it's s3cret"), "{script}");
        let text = secrets_text(&["TOKEN=it's s3cret".to_owned()]).unwrap();
        let writer = std::thread::spawn(move || fs_err::write(&fifo, text).unwrap());
        let ran = std::process::Command::new("sh")
            .args(["-c", &script])
            .output()
            .unwrap();
        writer.join().unwrap();
        assert_eq!(String::from_utf8(ran.stdout).unwrap(), "it's s3cret|plain|");

        let gone = run_script(None, Some("/no/such/fifo"), None, &[], &argv).unwrap();
        let ran = std::process::Command::new("sh")
            .args(["-c", &gone])
            .output()
            .unwrap();
        assert!(ran.stdout.is_empty());
        assert_ne!(ran.status.code(), Some(0));
        assert_eq!(secrets_text(&["1A=x".to_owned()]), None);
    }

    #[test]
    fn only_a_number_and_a_newline_is_a_status() {
        assert_eq!(parse_status(b"0\n"), Some(0));
        assert_eq!(parse_status(b"130\n"), Some(130));
        for bad in [
            &b""[..],
            b"\n",
            b"0",
            b"-1\n",
            b"1 \n",
            b"12345\n",
            b"0\n0\n",
            b"x\n",
        ] {
            assert_eq!(parse_status(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn ids_are_unique_and_what_the_spawner_takes() {
        let (a, b) = (request_id(), request_id());
        assert_ne!(a, b);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        );
        assert!(!a.starts_with('.'));
    }
}
