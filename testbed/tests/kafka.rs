//! Smoke test of the test bed's Kafka broker through rdkafka, built with its
//! bundled librdkafka, TLS and SASL.

use std::time::Duration;

use hello_testbed::{TestBed, unique_name};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord};

#[test]
fn librdkafka_is_built_with_tls_and_the_sasl_mechanisms_msk_needs() {
    let native = ClientConfig::new()
        .create_native_config()
        .expect("native config");
    let features = native.get("builtin.features").expect("builtin.features");
    for wanted in ["ssl", "sasl_plain", "sasl_scram", "sasl_oauthbearer"] {
        assert!(
            features.split(',').any(|f| f == wanted),
            "librdkafka lacks {wanted}: {features}"
        );
    }
}

#[tokio::test]
async fn a_record_is_produced_and_consumed() {
    let bootstrap = TestBed::get().kafka_bootstrap().to_string();
    let topic = unique_name("smoke");

    // The broker does not auto-create topics (like MSK Serverless).
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .create()
        .expect("admin client");
    let created = admin
        .create_topics(
            &[NewTopic::new(&topic, 3, TopicReplication::Fixed(1))],
            &AdminOptions::new().operation_timeout(Some(Duration::from_secs(20))),
        )
        .await
        .expect("create_topics request");
    assert!(
        created.iter().all(|r| r.is_ok()),
        "create topic: {created:?}"
    );

    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("message.timeout.ms", "20000")
        .create()
        .expect("producer");
    let payload = format!(r#"{{"message":"Hello, {topic}!"}}"#);
    let delivery = producer
        .send(
            FutureRecord::to(&topic).key("smoke-key").payload(&payload),
            Duration::from_secs(20),
        )
        .await
        .map_err(|(e, _)| e)
        .expect("delivery report");

    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("group.id", unique_name("smoke-group"))
        .set("auto.offset.reset", "earliest")
        .create()
        .expect("consumer");
    consumer.subscribe(&[&topic]).expect("subscribe");
    let message = tokio::time::timeout(Duration::from_secs(60), consumer.recv())
        .await
        .expect("a record within 60 s")
        .expect("consume");
    assert_eq!(message.payload_view::<str>(), Some(Ok(payload.as_str())));
    assert_eq!(message.key(), Some(&b"smoke-key"[..]));
    assert_eq!(
        (message.partition(), message.offset()),
        (delivery.partition, delivery.offset)
    );
}
