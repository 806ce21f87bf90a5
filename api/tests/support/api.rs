//! The real `hello-api` binary, started on free loopback ports.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use super::http::{self, Response};
use super::{eventually, free_port};

pub struct Api {
    child: Child,
    pub public: SocketAddr,
    pub admin: SocketAddr,
    pub log: PathBuf,
}

/// Builder: flags and environment for one `hello-api` process.
pub struct ApiBuilder {
    args: Vec<String>,
    env: Vec<(String, String)>,
    wait_ready: bool,
}

impl Api {
    pub fn builder() -> ApiBuilder {
        ApiBuilder {
            args: Vec::new(),
            env: Vec::new(),
            wait_ready: true,
        }
    }

    /// With the built-in default configuration.
    pub fn start_default() -> Api {
        Self::builder().start()
    }

    pub fn get(&self, target: &str) -> Response {
        http::get(self.public, target)
    }

    pub fn admin_get(&self, target: &str) -> Response {
        http::get(self.admin, target)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The value of one sample line of /metrics, e.g.
    /// `hello_kafka_events_produced_total`.
    pub fn metric(&self, sample: &str) -> Option<f64> {
        let text = self.admin_get("/metrics").text();
        text.lines()
            .find_map(|l| l.strip_prefix(sample)?.strip_prefix(' '))
            .and_then(|v| v.trim().parse().ok())
    }

    pub fn is_ready(&self) -> bool {
        http::try_get(self.admin, "/readyz").is_ok_and(|r| r.status == 200)
    }

    /// Sends a signal with `kill(1)`.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Waits for the process to exit by itself.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        eventually(timeout, || self.child.try_wait().ok().flatten())
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // A passing test leaves nothing behind; a failing one keeps the
        // process's log and says where it is.
        if std::thread::panicking() {
            eprintln!("hello-api's log: {}", self.log.display());
        } else {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

impl ApiBuilder {
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.env.push((key.to_string(), value.into()));
        self
    }

    /// Do not wait for /readyz (for tests of readiness itself).
    pub fn no_wait(mut self) -> Self {
        self.wait_ready = false;
        self
    }

    pub fn start(self) -> Api {
        let public: SocketAddr = ([127, 0, 0, 1], free_port()).into();
        let admin: SocketAddr = ([127, 0, 0, 1], free_port()).into();
        let log = std::env::temp_dir().join(format!(
            "hello-api-test-{}-{}.log",
            std::process::id(),
            public.port()
        ));
        let log_file = std::fs::File::create(&log).expect("log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_hello-api"));
        command
            .arg("--listen")
            .arg(public.to_string())
            .arg("--admin-listen")
            .arg(admin.to_string())
            .args(&self.args)
            // Tests set what they need; nothing leaks in from the shell.
            .env_remove("HELLO_KAFKA_BOOTSTRAP_SERVERS")
            .env_remove("HELLO_CONFIG")
            .env_remove("HELLO_CONFIGMAP")
            .env("HELLO_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log file"))
            .stderr(log_file);
        for (key, value) in &self.env {
            command.env(key, value);
        }
        let child = command.spawn().expect("start hello-api");
        let mut api = Api {
            child,
            public,
            admin,
            log,
        };
        let up = eventually(Duration::from_secs(30), || {
            if let Ok(Some(status)) = api.child.try_wait() {
                panic!("hello-api exited early ({status}):\n{}", api.logs());
            }
            let probe = if self.wait_ready {
                "/readyz"
            } else {
                "/healthz"
            };
            http::try_get(admin, probe).ok().filter(|r| r.status == 200)
        });
        assert!(up.is_some(), "hello-api did not come up:\n{}", api.logs());
        api
    }
}
