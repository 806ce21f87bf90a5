//! Kafka events against real brokers: the shared test bed's, and a dedicated
//! one this test stops and restarts.

mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use hello_testbed::{Broker, TestBed, unique_name};
use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use support::api::Api;
use support::{eventually, free_port, quantile};

fn start_api(bootstrap: &str, topic: &str, extra: &[&str]) -> Api {
    let mut builder = Api::builder()
        .env("HELLO_KAFKA_BOOTSTRAP_SERVERS", bootstrap)
        .env("HELLO_KAFKA_TOPIC", topic)
        .arg("--access-log=false");
    for arg in extra {
        builder = builder.arg(*arg);
    }
    builder.start()
}

/// Reads `topic` from the beginning until `done` holds for what was read.
fn consume_until(
    bootstrap: &str,
    topic: &str,
    timeout: Duration,
    done: impl Fn(&BTreeSet<String>) -> bool,
) -> BTreeSet<String> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", unique_name("api-events"))
        .set("auto.offset.reset", "earliest")
        .set("topic.metadata.refresh.interval.ms", "500")
        .create()
        .expect("consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    let deadline = Instant::now() + timeout;
    let mut seen = BTreeSet::new();
    while !done(&seen) && Instant::now() < deadline {
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(200))
            && let Some(Ok(payload)) = message.payload_view::<str>()
        {
            seen.insert(payload.to_string());
        }
    }
    seen
}

fn topic_partitions(bootstrap: &str, topic: &str) -> Option<usize> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .ok()?;
    let metadata = consumer
        .fetch_metadata(Some(topic), Duration::from_secs(5))
        .ok()?;
    let topic = metadata.topics().iter().find(|t| t.name() == topic)?;
    topic.error().is_none().then(|| topic.partitions().len())
}

#[test]
fn each_current_time_body_arrives_on_the_auto_created_topic() {
    let bootstrap = TestBed::get().kafka_bootstrap().to_string();
    let topic = unique_name("api-events");
    assert_eq!(
        topic_partitions(&bootstrap, &topic),
        None,
        "the topic must not exist yet"
    );
    let api = start_api(&bootstrap, &topic, &["--kafka-partitions", "2"]);

    let bodies: BTreeSet<String> = (0..5)
        .map(|i| {
            let response = api.get(&format!("/current_time?name=Event{i}"));
            assert_eq!(response.status, 200);
            response.text()
        })
        .collect();
    // Refused requests and other endpoints produce nothing.
    assert_eq!(api.get("/current_time?name=").status, 400);
    assert_eq!(api.get("/hello").status, 200);

    let seen = consume_until(&bootstrap, &topic, Duration::from_secs(90), |seen| {
        seen.len() >= bodies.len()
    });
    assert_eq!(seen, bodies);
    assert_eq!(topic_partitions(&bootstrap, &topic), Some(2));
    let produced = eventually(Duration::from_secs(10), || {
        api.metric("hello_kafka_events_produced_total")
            .filter(|n| *n >= 5.0)
    });
    assert_eq!(produced, Some(5.0));
}

#[test]
fn a_full_queue_drops_events_never_requests() {
    // Nothing listens on this port: events pile up in a one-message queue.
    let nowhere = format!("127.0.0.1:{}", free_port());
    let api = start_api(&nowhere, "events", &["--kafka-queue-messages", "1"]);
    for i in 0..50 {
        let response = api.get(&format!("/current_time?name=Drop{i}"));
        assert_eq!(response.status, 200);
    }
    let dropped = api
        .metric(r#"hello_kafka_events_dropped_total{reason="queue_full"}"#)
        .unwrap_or(0.0);
    assert!(dropped >= 48.0, "dropped {dropped}");
    // Logged, but throttled: not one line per dropped event.
    let lines = api.logs().matches("Kafka event dropped").count();
    assert!((1..=2).contains(&lines), "{lines} drop log lines");
}

fn latencies(api: &Api, prefix: &str, n: usize) -> Vec<Duration> {
    (0..n)
        .map(|i| {
            let started = Instant::now();
            let response = api.get(&format!("/current_time?name={prefix}{i}"));
            let took = started.elapsed();
            assert_eq!(response.status, 200, "{}", response.text());
            took
        })
        .collect()
}

#[test]
fn a_stopped_broker_slows_nothing_and_events_resume_when_it_returns() {
    let mut broker = Broker::start();
    let bootstrap = broker.bootstrap();
    let topic = unique_name("api-outage");
    let api = start_api(&bootstrap, &topic, &[]);

    // Up: events flow.
    assert_eq!(api.get("/current_time?name=First").status, 200);
    let delivered = eventually(Duration::from_secs(60), || {
        api.metric("hello_kafka_events_produced_total")
            .filter(|n| *n >= 1.0)
    });
    assert!(
        delivered.is_some(),
        "no delivery with the broker up:\n{}",
        api.logs()
    );
    let mut up = latencies(&api, "Up", 200);

    // Down: same statuses, same latency.
    broker.stop();
    std::thread::sleep(Duration::from_millis(500));
    let mut down = latencies(&api, "Down", 200);
    let (p99_up, p99_down) = (quantile(&mut up, 0.99), quantile(&mut down, 0.99));
    let max_down = quantile(&mut down, 1.0);
    eprintln!("p99 with the broker up {p99_up:?}, down {p99_down:?}, max down {max_down:?}");
    // A request that waited on the broker would take librdkafka's socket or
    // metadata timeouts (seconds); the margin is for a busy 2-core machine
    // (p99 down 23.8 ms against 4.3 ms up with a compile beside the test).
    assert!(
        p99_down <= p99_up * 2 + Duration::from_millis(50),
        "p99 up {p99_up:?}, down {p99_down:?}"
    );
    assert!(
        max_down < Duration::from_millis(500),
        "max down {max_down:?}"
    );

    // Back: new events arrive.
    broker.run();
    let after: BTreeSet<String> = (0..10)
        .map(|i| api.get(&format!("/current_time?name=After{i}")).text())
        .collect();
    let seen = consume_until(&bootstrap, &topic, Duration::from_secs(120), |seen| {
        after.is_subset(seen)
    });
    assert!(
        after.is_subset(&seen),
        "missing after the restart: {:?}\n{}",
        after.difference(&seen).collect::<Vec<_>>(),
        api.logs()
    );
}
