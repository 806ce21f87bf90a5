//! The `hello-operator run` process: admin endpoints, reconciling, JSON logs,
//! and a clean exit on SIGTERM.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use hello_testbed::logs::{at_level, json_log_lines, logged_its_filter};
use hello_testbed::{TestBed, eventually, free_port, unique_name};

/// A plain HTTP/1.0 GET: status line and body.
fn get(port: u16, path: &str) -> Option<(String, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    Some((head.lines().next()?.to_string(), body.to_string()))
}

#[test]
fn serves_admin_endpoints_reconciles_and_exits_cleanly_on_sigterm() {
    let testbed = TestBed::get();
    let namespace = unique_name("process");
    let kubectl = |args: &[&str], stdin: Option<&str>| {
        let mut child = testbed
            .command("kubectl")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("kubectl");
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(input.as_bytes())
                .expect("write");
        }
        let out = child.wait_with_output().expect("kubectl");
        assert!(out.status.success(), "kubectl {args:?} failed");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    kubectl(
        &[
            "apply",
            "--server-side",
            "-f",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../crds/helloapi.yaml"),
        ],
        None,
    );
    // Not `kubectl wait --for=condition=Established`: that fails at once
    // while the new CRD's status has no conditions list yet.
    eventually(Duration::from_secs(30), || {
        let established = kubectl(
            &[
                "get",
                "crd/helloapis.hello.dev",
                "-o",
                r#"jsonpath={.status.conditions[?(@.type=="Established")].status}"#,
            ],
            None,
        );
        (established == "True").then_some(())
    })
    .expect("the HelloApi CRD is not Established");
    kubectl(&["create", "namespace", &namespace], None);

    // `hello-operator run` on its own admin port, with `env`; its logs go to
    // a file (at debug they would fill a pipe no one reads yet).
    let start = |env: &[(&str, &str)]| {
        let port = free_port();
        let log = std::env::temp_dir().join(format!("{namespace}-{port}.log"));
        let operator = testbed
            .command(env!("CARGO_BIN_EXE_hello-operator"))
            .args([
                "run",
                "--namespace",
                &namespace,
                "--metrics-addr",
                &format!("127.0.0.1:{port}"),
            ])
            .envs(env.iter().copied())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("start hello-operator");
        let ready = eventually(Duration::from_secs(30), || get(port, "/readyz"))
            .expect("the admin port never answered");
        ((operator, log), port, ready)
    };
    // SIGTERM, then its exit status and its logs.
    let stop = |(mut operator, log): (std::process::Child, std::path::PathBuf)| {
        let pid = operator.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .expect("kill")
                .success()
        );
        let status = eventually(Duration::from_secs(15), || {
            operator.try_wait().expect("wait")
        })
        .expect("hello-operator did not stop on SIGTERM");
        let logs = std::fs::read_to_string(&log).expect("logs");
        let _ = std::fs::remove_file(&log);
        (status, logs)
    };

    let (operator, port, ready) = start(&[]);
    assert_eq!(ready, ("HTTP/1.0 200 OK".to_string(), "ok".to_string()));
    assert_eq!(get(port, "/healthz").expect("healthz").1, "ok");

    kubectl(
        &["apply", "-n", &namespace, "-f", "-"],
        Some("apiVersion: hello.dev/v1alpha1\nkind: HelloApi\nmetadata: {name: demo}\nspec: {}\n"),
    );
    kubectl(
        &[
            "wait",
            "-n",
            &namespace,
            "--for=create",
            "configmap/demo-responses",
            "--timeout=30s",
        ],
        None,
    );
    let metrics = eventually(Duration::from_secs(10), || {
        let metrics = get(port, "/metrics")?.1;
        metrics
            .contains(r#"hello_operator_reconciles_total{result="ok",error=""}"#)
            .then_some(metrics)
    })
    .expect("no reconcile counted in /metrics");
    assert!(
        metrics.contains("hello_operator_reconcile_duration_seconds_bucket"),
        "{metrics}"
    );

    let (status, logs) = stop(operator);
    assert!(status.success(), "exit status {status}; logs:\n{logs}");
    let lines = json_log_lines(&logs);
    assert_eq!(at_level(&lines, "DEBUG"), 0, "at info by default: {logs}");
    assert!(at_level(&lines, "INFO") > 0, "{logs}");

    // HELLO_LOG=debug raises the level, in the same JSON shape.
    let (operator, _, ready) = start(&[("HELLO_LOG", "debug")]);
    assert_eq!(ready.0, "HTTP/1.0 200 OK");
    let (status, logs) = stop(operator);
    assert!(status.success(), "exit status {status}; logs:\n{logs}");
    assert!(logged_its_filter(&json_log_lines(&logs), "debug"), "{logs}");
    kubectl(&["delete", "namespace", &namespace, "--wait=false"], None);
}

#[test]
fn without_a_cluster_it_says_why_on_one_line_and_exits_1() {
    let out = Command::new(env!("CARGO_BIN_EXE_hello-operator"))
        .args(["run", "--log-format", "text"])
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("KUBERNETES_SERVICE_PORT")
        .output()
        .expect("start hello-operator");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("hello-operator: "), "last line: {last:?}");
    assert!(
        last.contains("/nonexistent/kubeconfig"),
        "the cause names the file: {last:?}"
    );
}
