//! TLS and SCRAM-SHA-512 against a real broker: a dedicated single-node
//! KRaft Kafka with an SSL and a SASL_SSL listener, certificates made with
//! openssl and a SCRAM user created at storage format. (IAM needs AWS; its
//! token is checked offline in the crate's unit tests.)

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use hello_kafka::{
    HelloContext, KafkaArgs, KafkaSettings, TopicOutcome, admin_client, ensure_topic,
};
use hello_testbed::unique_name;
use rdkafka::config::FromClientConfigAndContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{BaseRecord, Producer, ThreadedProducer};

const USER: &str = "hello-user";
const PASSWORD: &str = "hello-secret";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

struct SecureBroker {
    dir: PathBuf,
    tls_port: u16,
    scram_port: u16,
    child: Child,
}

impl Drop for SecureBroker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(dir: &Path, program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn make_certificates(dir: &Path) {
    let ext = dir.join("server.ext");
    std::fs::write(
        &ext,
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
    run(
        dir,
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-subj",
            "/CN=hello-kafka-test-ca",
        ],
    );
    run(
        dir,
        "openssl",
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    run(
        dir,
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            "server.crt",
            "-extfile",
            "server.ext",
        ],
    );
    // Kafka's PEM keystore: an unencrypted PKCS#8 key followed by the chain.
    let key = run(
        dir,
        "openssl",
        &["pkcs8", "-topk8", "-nocrypt", "-in", "server.key"],
    );
    let cert = std::fs::read_to_string(dir.join("server.crt")).unwrap();
    std::fs::write(dir.join("keystore.pem"), format!("{key}{cert}")).unwrap();
}

impl SecureBroker {
    fn start() -> SecureBroker {
        let repo = hello_testbed::repo_root();
        let kafka_home = run(&repo, "testbed/install.sh", &["--print-kafka-dir"])
            .trim()
            .to_string();
        let dir = std::env::temp_dir().join(format!("hello-kafka-auth-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        make_certificates(&dir);
        let (plain, tls_port, scram_port, controller) =
            (free_port(), free_port(), free_port(), free_port());
        let keystore = dir.join("keystore.pem");
        std::fs::write(
            dir.join("server.properties"),
            format!(
                "process.roles=broker,controller\nnode.id=1\n\
                 controller.quorum.voters=1@127.0.0.1:{controller}\n\
                 listeners=PLAINTEXT://127.0.0.1:{plain},SSL://127.0.0.1:{tls_port},SASL_SSL://127.0.0.1:{scram_port},CONTROLLER://127.0.0.1:{controller}\n\
                 advertised.listeners=PLAINTEXT://127.0.0.1:{plain},SSL://127.0.0.1:{tls_port},SASL_SSL://127.0.0.1:{scram_port}\n\
                 controller.listener.names=CONTROLLER\ninter.broker.listener.name=PLAINTEXT\n\
                 listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT\n\
                 ssl.keystore.type=PEM\nssl.keystore.location={}\n\
                 sasl.enabled.mechanisms=SCRAM-SHA-512\n\
                 listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;\n\
                 log.dirs={}\noffsets.topic.replication.factor=1\noffsets.topic.num.partitions=1\n\
                 transaction.state.log.replication.factor=1\ntransaction.state.log.min.isr=1\n\
                 share.coordinator.state.topic.replication.factor=1\nshare.coordinator.state.topic.min.isr=1\n\
                 group.initial.rebalance.delay.ms=0\nauto.create.topics.enable=false\n",
                keystore.display(),
                dir.join("data").display()
            ),
        )
        .unwrap();
        std::fs::write(
            dir.join("log4j2.properties"),
            "status = warn\nappender.out.type = Console\nappender.out.name = OUT\nappender.out.layout.type = PatternLayout\nappender.out.layout.pattern = [%d] %p %m (%c)%n\nrootLogger.level = WARN\nrootLogger.appenderRef.out.ref = OUT\n",
        )
        .unwrap();
        let class_path = format!("{kafka_home}/libs/*");
        let log4j = format!(
            "-Dlog4j2.configurationFile={}",
            dir.join("log4j2.properties").display()
        );
        let java = |args: &[&str]| {
            let mut all = vec!["-Xmx256m", log4j.as_str(), "-cp", class_path.as_str()];
            all.extend_from_slice(args);
            run(&dir, "java", &all)
        };
        let cluster_id = java(&["kafka.tools.StorageTool", "random-uuid"]);
        let scram = format!("SCRAM-SHA-512=[name={USER},password={PASSWORD}]");
        let properties = dir.join("server.properties");
        java(&[
            "kafka.tools.StorageTool",
            "format",
            "-t",
            cluster_id.trim(),
            "-c",
            properties.to_str().unwrap(),
            "--add-scram",
            &scram,
        ]);
        let log = std::fs::File::create(dir.join("kafka.log")).unwrap();
        let child = Command::new("java")
            .args([
                "-Xms128m",
                "-Xmx384m",
                &log4j,
                "-cp",
                &class_path,
                "kafka.Kafka",
            ])
            .arg(&properties)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start kafka");
        let broker = SecureBroker {
            dir,
            tls_port,
            scram_port,
            child,
        };
        let plain_ready = || {
            let consumer: BaseConsumer = rdkafka::ClientConfig::new()
                .set("bootstrap.servers", format!("127.0.0.1:{plain}"))
                .create()
                .ok()?;
            consumer
                .fetch_metadata(None, Duration::from_secs(2))
                .ok()
                .filter(|m| !m.brokers().is_empty())
        };
        let deadline = Instant::now() + Duration::from_secs(90);
        while plain_ready().is_none() {
            assert!(
                Instant::now() < deadline,
                "the secure broker did not start: {}",
                std::fs::read_to_string(broker.dir.join("kafka.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(300));
        }
        broker
    }

    fn ca_file(&self) -> String {
        self.dir.join("ca.crt").display().to_string()
    }
}

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    kafka: KafkaArgs,
}

fn settings(args: &[&str]) -> KafkaSettings {
    let mut argv = vec!["test"];
    argv.extend_from_slice(args);
    Cli::try_parse_from(argv)
        .expect("flags")
        .kafka
        .settings_with_env(|_| None)
        .expect("settings")
        .expect("Kafka configured")
}

/// Creates the topic, produces one record and reads it back, all with the
/// settings' own client configuration.
async fn round_trip(settings: &KafkaSettings) -> Result<(), String> {
    let admin = admin_client(&settings.client_config(), HelloContext::new(settings, ()))
        .map_err(|e| e.to_string())?;
    let outcome = tokio::time::timeout(
        Duration::from_secs(30),
        ensure_topic(&admin, &settings.topic, settings.layout),
    )
    .await
    .map_err(|_| "topic creation timed out".to_string())?
    .map_err(|e| e.to_string())?;
    assert_eq!(outcome, TopicOutcome::Created);

    let mut config = settings.client_config();
    config.set("message.timeout.ms", "20000");
    let producer =
        ThreadedProducer::from_config_and_context(&config, HelloContext::new(settings, ()))
            .map_err(|e| e.to_string())?;
    let payload = format!("{{\"topic\":\"{}\"}}", settings.topic);
    producer
        .send(BaseRecord::<(), str, ()>::to(&settings.topic).payload(&payload))
        .map_err(|(e, _)| e.to_string())?;
    producer
        .flush(Duration::from_secs(20))
        .map_err(|e| e.to_string())?;

    let mut config = settings.client_config();
    config
        .set("group.id", unique_name("auth"))
        .set("auto.offset.reset", "earliest");
    let consumer: BaseConsumer = config.create().map_err(|e| e.to_string())?;
    consumer
        .subscribe(&[&settings.topic])
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(200))
            && message.payload_view::<str>() == Some(Ok(payload.as_str()))
        {
            return Ok(());
        }
    }
    Err("the record never came back".into())
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_and_scram_reach_a_real_broker_and_a_wrong_password_is_refused() {
    let broker = SecureBroker::start();
    let ca = broker.ca_file();

    let tls = settings(&[
        "--kafka-bootstrap-servers",
        &format!("127.0.0.1:{}", broker.tls_port),
        "--kafka-topic",
        &unique_name("tls"),
        "--kafka-auth",
        "tls",
        "--kafka-ca-file",
        &ca,
    ]);
    round_trip(&tls).await.expect("TLS round trip");

    let scram_bootstrap = format!("127.0.0.1:{}", broker.scram_port);
    let scram = settings(&[
        "--kafka-bootstrap-servers",
        &scram_bootstrap,
        "--kafka-topic",
        &unique_name("scram"),
        "--kafka-auth",
        "scram",
        "--kafka-scram-username",
        USER,
        "--kafka-scram-password",
        PASSWORD,
        "--kafka-ca-file",
        &ca,
    ]);
    round_trip(&scram).await.expect("SCRAM round trip");

    let wrong = settings(&[
        "--kafka-bootstrap-servers",
        &scram_bootstrap,
        "--kafka-auth",
        "scram",
        "--kafka-scram-username",
        USER,
        "--kafka-scram-password",
        "not-the-password",
        "--kafka-ca-file",
        &ca,
    ]);
    let admin = admin_client(&wrong.client_config(), HelloContext::new(&wrong, ())).unwrap();
    let refused = admin.inner().fetch_metadata(None, Duration::from_secs(5));
    assert!(refused.is_err(), "a wrong SCRAM password was accepted");
}
