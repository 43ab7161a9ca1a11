//! The environment a user's command or shell starts with in a container, and, when it is
//! made of the project file, the guard (`exec-guard.sh`) that checks as it starts that the
//! container is finished and its `HEAD` holds the project file the environment was made of;
//! a start it refuses for a changed file is made again with the file read anew.

use skipper_core::{Environment, PROJECT_FILE, ProjectEnvironment, WorkspaceRef};

use crate::engine::{Engine, unfinished};
use crate::error::DockerError;
use crate::exec;
use crate::records::ProjectRecord;
use crate::scripts::{self, GUARD_REFUSED, GuardRefusal};
use crate::secret_env::SecretEnv;

/// How many times a start may be refused for a project file that changed before it gives
/// up: each refusal reads the file anew, so only a file changing all the time gets there.
const MAX_REFUSALS: u32 = 3;

/// Where a command's environment comes from.
pub(crate) enum LaunchEnv<'a> {
    /// Given whole.
    Given(Environment),
    /// Made of the project file at `HEAD`.
    Project(ProjectEnvironment<'a>),
}

/// The environment of one command, over the starts it takes.
pub(crate) struct Launch<'a> {
    /// Set by `sk` itself (`NO_COLOR`), first.
    base: Vec<String>,
    env: LaunchEnv<'a>,
    /// The starts refused so far for a changed project file.
    refusals: u32,
}

/// What one start of the command is given.
pub(crate) struct Start {
    /// Its environment, `NAME=value`, but for what a secret replaces.
    pub env: Vec<String>,
    /// Its secrets.
    pub secrets: SecretEnv,
    /// The file in the container where the guard says why it refused, when there is one.
    guard: Option<String>,
}

impl<'a> Launch<'a> {
    /// `env` after `base`.
    pub(crate) fn new(base: Vec<String>, env: LaunchEnv<'a>) -> Self {
        Self {
            base,
            env,
            refusals: 0,
        }
    }

    /// The next start of the command in container `name`, repository `path`: the project
    /// file as the host last recorded it, read in the container when there is no record or
    /// a start was refused for it.
    ///
    /// # Errors
    /// The failure to read the file in the container.
    pub(crate) async fn start(
        &self,
        engine: &Engine,
        name: &str,
        path: &str,
    ) -> Result<Start, DockerError> {
        let of = match &self.env {
            LaunchEnv::Given(given) => return Ok(self.with(given, Vec::new(), None)),
            LaunchEnv::Project(of) => of,
        };
        let known = if self.refusals == 0 {
            engine.records.project(name)
        } else {
            None
        };
        let record = match known {
            Some(record) => record,
            None => read_project(engine, name, path).await?,
        };
        let guard = exec::guard_path();
        let guarding = vec![
            format!("SKIPPER_GUARD={guard}"),
            format!("SKIPPER_GUARD_PROJECT={}", record.object),
        ];
        Ok(self.with(&of(record.bytes.as_deref()), guarding, Some(guard)))
    }

    /// A start with `base`, then `env`'s variables, then `after`, less what `env`'s
    /// secrets replace, and those secrets.
    fn with(&self, env: &Environment, after: Vec<String>, guard: Option<String>) -> Start {
        let secrets = SecretEnv::of(env);
        let env = self
            .base
            .iter()
            .cloned()
            .chain(env.to_assignments())
            .chain(after)
            .filter(|entry| !secrets.shadows(entry))
            .collect();
        Start {
            env,
            secrets,
            guard,
        }
    }

    /// Whether `start`, which ended with `status`, was refused for a changed project file
    /// and the command is to start again. A status of the command's own is `false`.
    ///
    /// # Errors
    /// [`DockerError::Unfinished`] when it was refused for a container whose setup did not
    /// finish; [`DockerError::Exec`] when the file kept changing, or the guard's file
    /// cannot be read.
    pub(crate) async fn refused(
        &mut self,
        engine: &Engine,
        reference: &WorkspaceRef,
        (name, path): (&str, &str),
        start: &Start,
        status: i32,
    ) -> Result<bool, DockerError> {
        let Some(guard) = &start.guard else {
            return Ok(false);
        };
        if status != GUARD_REFUSED {
            return Ok(false);
        }
        let argv = vec![
            "sh".to_owned(),
            "-c".to_owned(),
            scripts::TAKE_FILE.to_owned(),
            guard.clone(),
        ];
        let taken = engine.run(name, path, argv, Vec::new()).await?;
        match GuardRefusal::parse(&taken.stdout) {
            None => Ok(false),
            Some(GuardRefusal::Unready) => Err(unfinished(name, reference)),
            Some(GuardRefusal::ProjectChanged) => {
                self.refusals += 1;
                if self.refusals > MAX_REFUSALS {
                    return Err(DockerError::Exec {
                        command: "the command".to_owned(),
                        container: name.to_owned(),
                        reason: format!("{PROJECT_FILE} at HEAD changed each time it was read"),
                    });
                }
                Ok(true)
            }
        }
    }
}

/// Reads the project file at `HEAD` in container `name` (one exec) and records it.
async fn read_project(
    engine: &Engine,
    name: &str,
    path: &str,
) -> Result<ProjectRecord, DockerError> {
    let argv = scripts::sh(scripts::READ_PROJECT, &[PROJECT_FILE]);
    let printed = engine
        .step(name, path, "reading the project file", argv, Vec::new())
        .await?;
    let record = ProjectRecord::parse(&printed.stdout).ok_or_else(|| DockerError::Exec {
        command: "read-project.sh".to_owned(),
        container: name.to_owned(),
        reason: "it printed no object id and kind".to_owned(),
    })?;
    engine.records.set_project(name, &record);
    Ok(record)
}
