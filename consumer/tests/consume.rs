//! hello-consumer against real brokers: the shared test bed's, and a
//! dedicated one that a test stops and restarts. Each test has its own
//! topic and group.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use hello_testbed::logs::{at_level, json_log_lines, logged_its_filter};
use hello_testbed::{Broker, eventually, unique_name};
use support::{Consumer, Options, Stream, all_offsets, events, producer, send};

const MINUTE: Duration = Duration::from_secs(60);

#[test]
fn every_offset_survives_a_sigkill_half_way() {
    let stream = Stream::new("kill", 3);
    stream.produce(events(0, 20_000));
    let options = stream.options(&["--log-format", "text"], &[]);

    let mut first = Consumer::start("first", &options);
    first.wait_lines(10_000, 2 * MINUTE);
    first.signal("KILL");
    first.wait_exit(MINUTE).expect("killed");
    let killed_at = first.line_count();

    let second = Consumer::start("second", &options);
    let ends = stream.end_offsets();
    let expected = all_offsets(&ends);
    assert_eq!(expected.len(), 20_000);
    let seen = eventually(2 * MINUTE, || {
        let seen: BTreeSet<_> = first.offsets().union(&second.offsets()).copied().collect();
        expected.is_subset(&seen).then_some(seen)
    });
    let seen = seen.unwrap_or_else(|| {
        let seen: BTreeSet<_> = first.offsets().union(&second.offsets()).copied().collect();
        panic!(
            "{} offsets never appeared (first wrote {killed_at} lines before SIGKILL):\n{}",
            expected.difference(&seen).count(),
            second.logs()
        )
    });
    assert_eq!(seen, expected);
    eprintln!(
        "SIGKILL after {killed_at} lines; the restart wrote {} (repeats: {})",
        second.line_count(),
        killed_at + second.line_count() - 20_000
    );
    for line in second.lines().iter().take(3) {
        assert_eq!(line["kind"], "event", "{line}");
        assert_eq!(line["topic"], stream.topic.as_str());
        assert!(
            line["event"]["message"]
                .as_str()
                .unwrap()
                .starts_with("Hello, Name")
        );
        assert!(line["timestamp"].as_str().unwrap().ends_with('Z'));
        assert!(line["key"].as_str().unwrap().starts_with('k'));
    }
}

#[test]
fn a_poison_record_is_logged_and_passed() {
    let stream = Stream::new("poison", 1);
    let records: Vec<Vec<u8>> = vec![
        br#"{"message":"before"}"#.to_vec(),
        b"\xff\xfe\x00binary".to_vec(),
        b"not json {".to_vec(),
        vec![b'x'; 100_000],
        br#"{"message":"after"}"#.to_vec(),
    ];
    stream.produce(records.into_iter().enumerate());
    let mut consumer = Consumer::start("poison", &stream.options(&[], &[]));
    consumer.wait_lines(5, MINUTE);
    let lines = consumer.lines();
    let kinds: Vec<_> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "event",
            "undecodable",
            "undecodable",
            "undecodable",
            "event"
        ]
    );
    assert_eq!(lines[0]["event"]["message"], "before");
    assert_eq!(lines[4]["event"]["message"], "after");
    assert_eq!(lines[1]["reason"], "not_utf8");
    assert_eq!(lines[1]["bytes"], "\\xff\\xfe\u{0}binary");
    assert_eq!(lines[1]["offset"], 1);
    assert_eq!(lines[2]["reason"], "not_json");
    assert_eq!(lines[2]["bytes"], "not json {");
    assert_eq!(lines[3]["size"], 100_000);
    assert_eq!(lines[3]["truncated"], true);
    assert_eq!(lines[3]["bytes"].as_str().unwrap().len(), 1024);
    let failures = eventually(MINUTE, || {
        consumer
            .metric(r#"hello_consumer_decode_failures_total{reason="not_json"}"#)
            .filter(|n| *n >= 2.0)
    });
    assert_eq!(failures, Some(2.0));
    assert_eq!(consumer.metric("hello_consumer_records_total"), Some(5.0));
    // Operational logs are on stderr, and they point at the record.
    assert!(
        consumer.logs().contains("kind=undecodable"),
        "{}",
        consumer.logs()
    );
    assert_eq!(consumer.admin_get("/healthz").map(|r| r.0), Some(200));

    consumer.signal("TERM");
    let status = consumer.wait_exit(MINUTE).expect("exits after SIGTERM");
    assert!(status.success(), "{status}\n{}", consumer.logs());
    assert_eq!(stream.committed()[&0], 5);
}

#[test]
fn sigterm_commits_and_exits_zero() {
    let stream = Stream::new("term", 3);
    stream.produce(events(0, 3_000));
    // No periodic commit in the test's time: only the shutdown commits.
    let mut consumer = Consumer::start(
        "term",
        &stream.options(&["--commit-interval-ms", "60000"], &[]),
    );
    consumer.wait_ready(MINUTE);
    consumer.wait_lines(3_000, 2 * MINUTE);
    // Lag per partition, from librdkafka's statistics (every 5 s).
    for partition in 0..3 {
        let series = format!(
            r#"hello_consumer_lag{{topic="{}",partition="{partition}"}}"#,
            stream.topic
        );
        let lag = eventually(MINUTE, || {
            consumer.metric(&series).filter(|lag| *lag == 0.0)
        });
        assert_eq!(lag, Some(0.0), "{series}");
    }
    assert_eq!(
        consumer.metric("hello_consumer_assigned_partitions"),
        Some(3.0)
    );

    consumer.signal("TERM");
    let status = consumer.wait_exit(MINUTE).expect("exits after SIGTERM");
    assert!(status.success(), "{status}\n{}", consumer.logs());
    let ends = stream.end_offsets();
    assert_eq!(stream.committed(), ends);
    assert_eq!(consumer.offsets(), all_offsets(&ends));
    assert!(
        consumer.logs().contains("offsets committed"),
        "{}",
        consumer.logs()
    );
}

#[test]
fn two_consumers_split_partitions_and_one_takes_over_from_a_dead_one() {
    let stream = Stream::new("split", 3);
    // The broker's minimum: a dead member's partitions move within seconds.
    let options = stream.options(&["--session-timeout-seconds", "6"], &[]);
    let mut a = Consumer::start("a", &options);
    a.wait_ready(MINUTE);
    let b = Consumer::start("b", &options);
    b.wait_ready(MINUTE);
    let split = eventually(MINUTE, || {
        let (na, nb) = (
            a.metric("hello_consumer_assigned_partitions")?,
            b.metric("hello_consumer_assigned_partitions")?,
        );
        (na >= 1.0 && nb >= 1.0 && na + nb == 3.0).then_some((na, nb))
    });
    assert!(split.is_some(), "no split:\n{}\n{}", a.logs(), b.logs());

    stream.produce(events(0, 3_000));
    let first_half = all_offsets(&stream.end_offsets());
    let both = eventually(MINUTE, || {
        let (sa, sb) = (a.offsets(), b.offsets());
        (!sa.is_empty() && !sb.is_empty() && sa.union(&sb).count() == 3_000).then_some((sa, sb))
    });
    let (sa, sb) = both.unwrap_or_else(|| panic!("records not split:\n{}\n{}", a.logs(), b.logs()));
    assert!(sa.is_disjoint(&sb), "each partition has one owner");
    let union: BTreeSet<_> = sa.union(&sb).copied().collect();
    assert_eq!(union, first_half);

    a.signal("KILL");
    a.wait_exit(MINUTE).expect("killed");
    stream.produce(events(3_000, 3_000));
    let expected = all_offsets(&stream.end_offsets());
    let took_over = eventually(2 * MINUTE, || {
        let seen: BTreeSet<_> = a.offsets().union(&b.offsets()).copied().collect();
        (b.metric("hello_consumer_assigned_partitions") == Some(3.0) && expected.is_subset(&seen))
            .then_some(())
    });
    assert!(took_over.is_some(), "b did not take over:\n{}", b.logs());
}

#[test]
fn a_broker_restart_mid_stream_loses_nothing_and_is_logged_once() {
    let mut broker = Broker::start();
    let stream = Stream::on(broker.bootstrap(), "outage", 3);
    stream.produce(events(0, 2_000));
    let consumer = Consumer::start("outage", &stream.options(&[], &[]));
    consumer.wait_lines(2_000, 2 * MINUTE);

    broker.stop();
    // Records produced during the outage wait in the producer's queue.
    let pending = producer(&stream.bootstrap);
    send(&pending, &stream.topic, 3, events(2_000, 1_000));
    let noticed = eventually(MINUTE, || {
        consumer
            .logs()
            .contains("Kafka brokers unreachable")
            .then_some(())
    });
    assert!(noticed.is_some(), "outage not logged:\n{}", consumer.logs());
    // Long enough for librdkafka to retry many times.
    std::thread::sleep(Duration::from_secs(5));
    broker.run();
    rdkafka::producer::Producer::flush(&pending, Duration::from_secs(120))
        .expect("delivered after the restart");
    stream.produce(events(3_000, 1_000));

    let expected = all_offsets(&stream.end_offsets());
    assert_eq!(expected.len(), 4_000);
    let all = eventually(2 * MINUTE, || {
        expected.is_subset(&consumer.offsets()).then_some(())
    });
    assert!(
        all.is_some(),
        "missing {} records after the restart:\n{}",
        expected.difference(&consumer.offsets()).count(),
        consumer.logs()
    );
    let logs = consumer.logs();
    eprintln!("{logs}");
    assert_eq!(
        logs.matches("Kafka brokers unreachable").count(),
        1,
        "the outage is logged once:\n{logs}"
    );
    let warnings = logs.lines().filter(|l| l.contains("\"WARN\"")).count();
    assert!(warnings <= 6, "{warnings} warnings for one outage:\n{logs}");
    assert!(logs.contains("Kafka brokers reachable again"), "{logs}");
}

#[test]
fn bad_flags_exit_2_naming_the_flag() {
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_hello-consumer"))
            .env_clear()
            .envs(env.iter().copied())
            .args(args)
            .output()
            .expect("run hello-consumer");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, stderr) = run(&["--admin-listen", "127.0.0.1:0"], &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("HELLO_KAFKA_BOOTSTRAP_SERVERS"), "{stderr}");
    let (code, stderr) = run(
        &["--start-from", "middle"],
        &[("HELLO_KAFKA_BOOTSTRAP_SERVERS", "b:9092")],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--start-from"), "{stderr}");
    let (code, stderr) = run(
        &["--admin-listen", "127.0.0.1:0"],
        &[
            ("HELLO_KAFKA_BOOTSTRAP_SERVERS", "b:9092"),
            ("HELLO_KAFKA_AUTH", "scram"),
        ],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("HELLO_KAFKA_SCRAM_USERNAME"), "{stderr}");
}

#[test]
fn hello_log_sets_the_level_and_every_line_has_the_shared_json_shape() {
    let stream = Stream::new("log-level", 1);
    let start = |name: &str, env: &[(&str, &str)]| {
        // A group each: both read every record.
        let group = unique_name(name);
        let consumer = Consumer::start(
            name,
            &Options {
                group: &group,
                ..stream.options(&[], env)
            },
        );
        consumer.wait_ready(MINUTE);
        consumer
    };
    let at_info = start("log-info", &[]);
    let at_debug = start("log-debug", &[("HELLO_LOG", "debug")]);
    let info_lines = json_log_lines(&at_info.logs());
    let debug_lines = json_log_lines(&at_debug.logs());
    assert_eq!(at_level(&info_lines, "DEBUG"), 0, "{info_lines:?}");
    assert!(at_level(&info_lines, "INFO") > 0, "{info_lines:?}");
    assert!(logged_its_filter(&debug_lines, "debug"), "{debug_lines:?}");
}
