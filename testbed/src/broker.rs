//! A dedicated single-node KRaft Kafka broker, owned by one test, so the
//! test may stop and restart it without disturbing the shared test bed.
//! It runs from the test bed's cached Kafka install (testbed/install.sh).
//! Shared by every crate's tests (hello-api's outage test, hello-consumer's).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};

use crate::wait::{eventually, free_port};

/// A broker of one test's own, stopped and its data removed on drop.
pub struct Broker {
    dir: PathBuf,
    kafka_home: PathBuf,
    pub port: u16,
    child: Option<Child>,
}

impl Broker {
    /// Formats storage in a fresh directory and starts the broker.
    pub fn start() -> Broker {
        let repo = crate::repo_root();
        let output = Command::new(repo.join("testbed/install.sh"))
            .arg("--print-kafka-dir")
            .output()
            .expect("run testbed/install.sh --print-kafka-dir");
        assert!(
            output.status.success(),
            "testbed/install.sh --print-kafka-dir failed"
        );
        let kafka_home = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        let port = free_port();
        let controller_port = free_port();
        let dir = std::env::temp_dir().join(format!("hello-broker-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("broker dir");
        std::fs::write(
            dir.join("server.properties"),
            format!(
                "process.roles=broker,controller\nnode.id=1\n\
                 controller.quorum.voters=1@127.0.0.1:{controller_port}\n\
                 listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}\n\
                 advertised.listeners=PLAINTEXT://127.0.0.1:{port}\n\
                 controller.listener.names=CONTROLLER\ninter.broker.listener.name=PLAINTEXT\n\
                 listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n\
                 log.dirs={}\nnum.partitions=1\noffsets.topic.replication.factor=1\n\
                 offsets.topic.num.partitions=1\ntransaction.state.log.replication.factor=1\n\
                 transaction.state.log.min.isr=1\nshare.coordinator.state.topic.replication.factor=1\n\
                 share.coordinator.state.topic.min.isr=1\ngroup.initial.rebalance.delay.ms=0\n\
                 auto.create.topics.enable=false\n",
                dir.join("data").display()
            ),
        )
        .expect("server.properties");
        std::fs::write(
            dir.join("log4j2.properties"),
            "status = warn\nappender.out.type = Console\nappender.out.name = OUT\n\
             appender.out.layout.type = PatternLayout\nappender.out.layout.pattern = [%d] %p %m (%c)%n\n\
             rootLogger.level = WARN\nrootLogger.appenderRef.out.ref = OUT\n",
        )
        .expect("log4j2.properties");
        let broker = Broker {
            dir,
            kafka_home,
            port,
            child: None,
        };
        let cluster_id = broker.java("kafka.tools.StorageTool", &["random-uuid"]);
        let properties = broker.dir.join("server.properties");
        broker.java(
            "kafka.tools.StorageTool",
            &[
                "format",
                "-t",
                cluster_id.trim(),
                "-c",
                properties.to_str().expect("utf-8 path"),
            ],
        );
        let mut broker = broker;
        broker.run();
        broker
    }

    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn class_path(&self) -> String {
        format!("{}/libs/*", self.kafka_home.display())
    }

    fn log4j(&self) -> String {
        format!(
            "-Dlog4j2.configurationFile={}",
            self.dir.join("log4j2.properties").display()
        )
    }

    fn java(&self, class: &str, args: &[&str]) -> String {
        let output = Command::new("java")
            .args(["-Xmx256m", &self.log4j(), "-cp", &self.class_path(), class])
            .args(args)
            .output()
            .expect("run java");
        assert!(
            output.status.success(),
            "{class} {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Starts the broker process and waits until it answers a Metadata request.
    pub fn run(&mut self) {
        assert!(self.child.is_none(), "the broker is already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("kafka.log"))
            .expect("kafka.log");
        let child = Command::new("java")
            .args([
                "-Xms128m",
                "-Xmx384m",
                &self.log4j(),
                "-cp",
                &self.class_path(),
            ])
            .arg("kafka.Kafka")
            .arg(self.dir.join("server.properties"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start kafka");
        self.child = Some(child);
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", self.bootstrap())
            .create()
            .expect("metadata client");
        let ready = eventually(Duration::from_secs(90), || {
            consumer
                .fetch_metadata(None, Duration::from_secs(2))
                .ok()
                .filter(|m| !m.brokers().is_empty())
        });
        assert!(
            ready.is_some(),
            "the dedicated broker did not start; see {}",
            self.dir.join("kafka.log").display()
        );
    }

    /// Stops the broker (SIGTERM, then SIGKILL after 30 s).
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        if eventually(Duration::from_secs(30), || child.try_wait().ok().flatten()).is_none() {
            let _ = child.kill();
        }
        let _ = child.wait();
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
