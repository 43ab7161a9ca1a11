//! skipper's own steps and processes run to their end inside a container.

use skipper_core::CommandLine;

use super::Engine;
use crate::error::DockerError;
use crate::exec::{self, Captured, ExecRequest};
use crate::scripts;

impl Engine {
    /// Runs one of skipper's steps in the repository directory and requires success. A
    /// container whose PID 1 died meanwhile is reported with its logs.
    ///
    /// # Errors
    /// [`DockerError::Step`], [`DockerError::ContainerStart`], [`DockerError::Exec`].
    pub async fn step(
        &self,
        name: &str,
        workdir: &str,
        step: &'static str,
        argv: Vec<String>,
        env: Vec<String>,
    ) -> Result<Captured, DockerError> {
        let captured = self.run(name, workdir, argv, env).await?;
        if captured.status != 0 {
            // A step killed because PID 1 died is a start failure, with its logs.
            self.check_alive(name).await?;
            return Err(DockerError::Step {
                step,
                container: name.to_owned(),
                status: captured.status,
                stderr: captured.stderr_text(),
            });
        }
        Ok(captured)
    }

    /// Runs a process to its end in `workdir` and returns what it did, whatever its status.
    ///
    /// # Errors
    /// [`DockerError::ContainerStart`] when PID 1 died, else [`DockerError::Exec`].
    pub async fn run(
        &self,
        name: &str,
        workdir: &str,
        argv: Vec<String>,
        env: Vec<String>,
    ) -> Result<Captured, DockerError> {
        let mut request = ExecRequest::new(name, argv, Some(workdir));
        request.env = env;
        match exec::capture(&self.docker, &self.spawners, &request, None).await {
            Ok(captured) => Ok(captured),
            Err(err) => {
                self.check_alive(name).await?;
                Err(err)
            }
        }
    }

    /// The program of `command` when its exit status `status` says the program is missing.
    /// The wrappers of the user's commands exit 127 without a word when an argument
    /// vector's program is missing; only then is it worth another exec to tell that from
    /// the program's own 127. A shell command line's 127 is the shell's to report.
    ///
    /// # Errors
    /// Those of [`Engine::run`].
    pub async fn missing_program(
        &self,
        name: &str,
        workdir: &str,
        command: &CommandLine,
        status: i32,
    ) -> Result<Option<String>, DockerError> {
        let (127, CommandLine::Argv(words)) = (status, command) else {
            return Ok(None);
        };
        let Some(program) = words.first() else {
            return Ok(None);
        };
        let check = self
            .run(
                name,
                workdir,
                scripts::sh(scripts::PROGRAM_EXISTS, &[program]),
                Vec::new(),
            )
            .await?;
        Ok((check.status != 0).then(|| program.clone()))
    }
}
