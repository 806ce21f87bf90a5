//! The `hello-operator run` process: admin endpoints, reconciling, JSON logs,
//! and a clean exit on SIGTERM.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hello_testbed::{TestBed, unique_name};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

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
    kubectl(
        &[
            "wait",
            "--for=condition=Established",
            "crd/helloapis.hello.dev",
            "--timeout=30s",
        ],
        None,
    );
    kubectl(&["create", "namespace", &namespace], None);

    let port = free_port();
    let mut operator = testbed
        .command(env!("CARGO_BIN_EXE_hello-operator"))
        .args([
            "run",
            "--namespace",
            &namespace,
            "--metrics-addr",
            &format!("127.0.0.1:{port}"),
        ])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start hello-operator");

    let deadline = Instant::now() + Duration::from_secs(30);
    let ready = loop {
        if let Some(answer) = get(port, "/readyz") {
            break answer;
        }
        assert!(Instant::now() < deadline, "the admin port never answered");
        std::thread::sleep(Duration::from_millis(100));
    };
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
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let metrics = get(port, "/metrics").expect("metrics").1;
        if metrics.contains(r#"hello_operator_reconciles_total{result="ok"}"#) {
            assert!(
                metrics.contains("hello_operator_reconcile_duration_seconds_bucket"),
                "{metrics}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "no reconcile counted: {metrics}");
        std::thread::sleep(Duration::from_millis(200));
    }

    let pid = operator.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill")
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = operator.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "hello-operator did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut logs = String::new();
    operator
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut logs)
        .expect("logs");
    assert!(status.success(), "exit status {status}; logs:\n{logs}");
    let first = logs.lines().next().expect("some log line");
    let parsed: serde_json::Value = serde_json::from_str(first).expect("JSON log lines");
    assert!(parsed["level"].is_string(), "{first}");
    kubectl(&["delete", "namespace", &namespace, "--wait=false"], None);
}
