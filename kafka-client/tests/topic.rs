//! Topic creation against the test bed's broker, which (like MSK Serverless)
//! does not auto-create topics.

use hello_kafka::{HelloContext, KafkaArgs, TopicLayout, TopicOutcome, admin_client, ensure_topic};
use hello_testbed::{TestBed, eventually_async, unique_name};
use rdkafka::admin::AdminClient;
use std::time::Duration;

fn settings(bootstrap: &str, topic: &str) -> hello_kafka::KafkaSettings {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        kafka: KafkaArgs,
    }
    Cli::try_parse_from([
        "test",
        "--kafka-bootstrap-servers",
        bootstrap,
        "--kafka-topic",
        topic,
        "--kafka-partitions",
        "2",
    ])
    .expect("flags")
    .kafka
    .settings()
    .expect("settings")
    .expect("Kafka configured")
}

fn partitions(admin: &AdminClient<HelloContext<()>>, topic: &str) -> Option<usize> {
    let metadata = admin
        .inner()
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .ok()?;
    let topic = metadata.topics().iter().find(|t| t.name() == topic)?;
    topic.error().is_none().then(|| topic.partitions().len())
}

#[tokio::test]
async fn a_missing_topic_is_created_once_with_the_configured_partitions() {
    let testbed = TestBed::get();
    let topic = unique_name("ensure-topic");
    let settings = settings(testbed.kafka_bootstrap(), &topic);
    assert_eq!(settings.layout, TopicLayout::new(2, -1).unwrap());
    let admin = admin_client(&settings.client_config(), HelloContext::new(&settings, ())).unwrap();

    assert_eq!(partitions(&admin, &topic), None, "{topic} exists already");
    let first = ensure_topic(&admin, &topic, settings.layout).await.unwrap();
    assert_eq!(first, TopicOutcome::Created);
    let second = ensure_topic(&admin, &topic, settings.layout).await.unwrap();
    assert_eq!(second, TopicOutcome::AlreadyExisted);
    // A broker's metadata follows the controller's: right after CreateTopics
    // it may not list the topic yet (seen once in CI: None).
    let listed =
        eventually_async(Duration::from_secs(10), async || partitions(&admin, &topic)).await;
    assert_eq!(listed, Some(2));
}
