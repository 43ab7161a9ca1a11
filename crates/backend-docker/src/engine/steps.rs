//! skipper's own steps and processes run to their end inside a container.

use super::Engine;
use crate::error::DockerError;
use crate::exec::{self, Captured, ExecRequest};

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
        match exec::capture(&self.docker, &request, None).await {
            Ok(captured) => Ok(captured),
            Err(err) => {
                self.check_alive(name).await?;
                Err(err)
            }
        }
    }
}
