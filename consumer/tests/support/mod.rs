//! Test support: the real `hello-consumer` binary with its stdout in a file,
//! and a producer, a topic maker and a committed-offsets reader for the
//! broker under test.
#![allow(dead_code)] // each test binary uses its own subset

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use hello_kafka::{HelloContext, TopicLayout, admin_client, ensure_topic};
use hello_testbed::{TestBed, eventually, free_port, unique_name};
use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::producer::{BaseRecord, Producer, ThreadedProducer};
use rdkafka::{Offset, TopicPartitionList};

/// A running `hello-consumer`; killed on drop.
pub struct Consumer {
    pub name: String,
    child: Child,
    pub admin: u16,
    pub stdout: PathBuf,
    pub stderr: PathBuf,
}

/// Flags and environment for [`Consumer::start`].
pub struct Options<'a> {
    pub bootstrap: &'a str,
    pub topic: &'a str,
    pub group: &'a str,
    pub args: &'a [&'a str],
    /// Variables beside the Kafka ones, e.g. `HELLO_LOG`.
    pub env: &'a [(&'a str, &'a str)],
}

impl Consumer {
    /// Starts the binary; `name` tells its output files apart.
    pub fn start(name: &str, options: &Options<'_>) -> Consumer {
        let dir = std::env::temp_dir().join(format!(
            "hello-consumer-test-{}-{}",
            std::process::id(),
            hello_testbed::unique_name(name)
        ));
        std::fs::create_dir_all(&dir).expect("test dir");
        let stdout = dir.join("stdout.jsonl");
        let stderr = dir.join("stderr.log");
        let admin = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_hello-consumer"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HELLO_KAFKA_BOOTSTRAP_SERVERS", options.bootstrap)
            .env("HELLO_KAFKA_TOPIC", options.topic)
            .env("HELLO_GROUP_ID", options.group)
            .env("HELLO_ADMIN_LISTEN", format!("127.0.0.1:{admin}"))
            .envs(options.env.iter().copied())
            .args(options.args)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).expect("stdout file"))
            .stderr(std::fs::File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("start hello-consumer");
        Consumer {
            name: name.to_string(),
            child,
            admin,
            stdout,
            stderr,
        }
    }

    /// Every complete stdout line, parsed.
    pub fn lines(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(&self.stdout).unwrap_or_default();
        let complete = match text.rfind('\n') {
            Some(end) => &text[..=end],
            None => "",
        };
        complete
            .lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {line}", self.name))
            })
            .collect()
    }

    /// Number of complete stdout lines (cheap: counts newlines).
    pub fn line_count(&self) -> usize {
        std::fs::read(&self.stdout)
            .map(|bytes| bytes.iter().filter(|b| **b == b'\n').count())
            .unwrap_or(0)
    }

    /// (partition, offset) of every line.
    pub fn offsets(&self) -> BTreeSet<(i64, i64)> {
        self.lines()
            .iter()
            .map(|line| {
                (
                    line["partition"].as_i64().expect("partition"),
                    line["offset"].as_i64().expect("offset"),
                )
            })
            .collect()
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// GET `path` on the admin port: (status, body).
    pub fn admin_get(&self, path: &str) -> Option<(u16, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.admin)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).ok()?;
        let status = response.split_whitespace().nth(1)?.parse().ok()?;
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())?;
        Some((status, body))
    }

    /// The value of the metric line starting with `series` (name and labels).
    pub fn metric(&self, series: &str) -> Option<f64> {
        let (_, body) = self.admin_get("/metrics")?;
        body.lines().find_map(|line| {
            line.strip_prefix(series)?
                .strip_prefix(' ')?
                .trim()
                .parse()
                .ok()
        })
    }

    /// Waits until `/readyz` answers 200.
    pub fn wait_ready(&self, timeout: Duration) {
        let ready = eventually(timeout, || {
            self.admin_get("/readyz")
                .filter(|(status, _)| *status == 200)
        });
        assert!(
            ready.is_some(),
            "{} never became ready:\n{}",
            self.name,
            self.logs()
        );
    }

    /// Waits until at least `n` lines were written.
    pub fn wait_lines(&self, n: usize, timeout: Duration) {
        let reached = eventually(timeout, || (self.line_count() >= n).then_some(()));
        assert!(
            reached.is_some(),
            "{} wrote {} of {n} lines:\n{}",
            self.name,
            self.line_count(),
            self.logs()
        );
    }

    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Waits for the process to exit.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        eventually(timeout, || self.child.try_wait().ok().flatten())
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Consumer {
    fn drop(&mut self) {
        self.kill();
        // A failed test keeps the files for a look.
        if !std::thread::panicking()
            && let Some(dir) = self.stdout.parent()
        {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A topic and a consumer group of a test's own, on one broker: the
/// set-up every test starts with.
pub struct Stream {
    pub bootstrap: String,
    pub topic: String,
    pub group: String,
    pub partitions: i32,
}

impl Stream {
    /// A new topic of `partitions` on the shared test bed's broker.
    pub fn new(name: &str, partitions: i32) -> Stream {
        Stream::on(
            TestBed::get().kafka_bootstrap().to_string(),
            name,
            partitions,
        )
    }

    /// A new topic of `partitions` on the broker at `bootstrap`.
    pub fn on(bootstrap: String, name: &str, partitions: i32) -> Stream {
        let topic = unique_name(name);
        let group = unique_name(&format!("{name}-group"));
        create_topic(&bootstrap, &topic, partitions);
        Stream {
            bootstrap,
            topic,
            group,
            partitions,
        }
    }

    /// A consumer of this topic in this group, with `args` and `env`.
    pub fn options<'a>(
        &'a self,
        args: &'a [&'a str],
        env: &'a [(&'a str, &'a str)],
    ) -> Options<'a> {
        Options {
            bootstrap: &self.bootstrap,
            topic: &self.topic,
            group: &self.group,
            args,
            env,
        }
    }

    /// See [`produce`].
    pub fn produce<I>(&self, payloads: I)
    where
        I: IntoIterator<Item = (usize, Vec<u8>)>,
    {
        produce(&self.bootstrap, &self.topic, self.partitions, payloads);
    }

    /// See [`end_offsets`].
    pub fn end_offsets(&self) -> BTreeMap<i64, i64> {
        end_offsets(&self.bootstrap, &self.topic, self.partitions)
    }

    /// What the group committed, see [`committed`].
    pub fn committed(&self) -> BTreeMap<i64, i64> {
        committed(&self.bootstrap, &self.group, &self.topic, self.partitions)
    }
}

/// Creates `topic` with `partitions` partitions.
pub fn create_topic(bootstrap: &str, topic: &str, partitions: i32) {
    let cli = <hello_consumer::cli::Cli as clap::Parser>::parse_from([
        "test",
        "--kafka-bootstrap-servers",
        bootstrap,
        "--kafka-topic",
        topic,
    ]);
    let settings = cli.kafka.settings().expect("settings").expect("bootstrap");
    let admin = admin_client(&settings.client_config(), HelloContext::new(&settings, ()))
        .expect("admin client");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime
        .block_on(ensure_topic(
            &admin,
            topic,
            TopicLayout::new(partitions, -1).unwrap(),
        ))
        .expect("create topic");
}

/// A producer that keeps records through a broker outage (2 min).
pub fn producer(bootstrap: &str) -> ThreadedProducer<rdkafka::producer::DefaultProducerContext> {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("message.timeout.ms", "120000")
        .set("linger.ms", "5")
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .expect("producer")
}

/// Queues `payloads` round-robin over `partitions`, keyed `k<i>`.
pub fn send<I>(
    producer: &ThreadedProducer<rdkafka::producer::DefaultProducerContext>,
    topic: &str,
    partitions: i32,
    payloads: I,
) where
    I: IntoIterator<Item = (usize, Vec<u8>)>,
{
    for (i, payload) in payloads {
        let key = format!("k{i}");
        let mut record = BaseRecord::<str, [u8]>::to(topic)
            .key(&key)
            .payload(&payload)
            .partition(i as i32 % partitions);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((_, back)) => {
                    record = back;
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        }
    }
}

/// Produces `payloads` and waits until the broker has them all.
pub fn produce<I>(bootstrap: &str, topic: &str, partitions: i32, payloads: I)
where
    I: IntoIterator<Item = (usize, Vec<u8>)>,
{
    let producer = producer(bootstrap);
    send(&producer, topic, partitions, payloads);
    producer
        .flush(Duration::from_secs(120))
        .expect("records delivered");
}

/// `n` JSON records like the API's `/current_time` bodies, numbered from `from`.
pub fn events(from: usize, n: usize) -> impl Iterator<Item = (usize, Vec<u8>)> {
    (from..from + n).map(|i| {
        (
            i,
            format!(
                r#"{{"timestamp":{},"message":"Hello, Name{i}!"}}"#,
                1_763_776_000 + i
            )
            .into_bytes(),
        )
    })
}

/// The end offset (high watermark) of each partition of `topic`.
pub fn end_offsets(bootstrap: &str, topic: &str, partitions: i32) -> BTreeMap<i64, i64> {
    let client: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("client");
    (0..partitions)
        .map(|p| {
            let (_, high) = client
                .fetch_watermarks(topic, p, Duration::from_secs(10))
                .expect("watermarks");
            (i64::from(p), high)
        })
        .collect()
}

/// Every (partition, offset) below the end offsets.
pub fn all_offsets(ends: &BTreeMap<i64, i64>) -> BTreeSet<(i64, i64)> {
    ends.iter()
        .flat_map(|(p, end)| (0..*end).map(move |o| (*p, o)))
        .collect()
}

/// The offsets `group` committed on `topic`, by partition (-1: none).
pub fn committed(bootstrap: &str, group: &str, topic: &str, partitions: i32) -> BTreeMap<i64, i64> {
    let client: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .create()
        .expect("client");
    let mut list = TopicPartitionList::new();
    for p in 0..partitions {
        list.add_partition(topic, p);
    }
    let committed = client
        .committed_offsets(list, Duration::from_secs(10))
        .expect("committed offsets");
    committed
        .elements()
        .iter()
        .map(|e| {
            let offset = match e.offset() {
                Offset::Offset(o) => o,
                _ => -1,
            };
            (i64::from(e.partition()), offset)
        })
        .collect()
}
