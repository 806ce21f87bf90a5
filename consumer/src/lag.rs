//! Consumer lag per partition, from librdkafka's statistics (emitted every
//! `statistics.interval.ms`): no extra requests to the brokers.

use rdkafka::statistics::{Partition, Statistics};

/// Records on the partition not yet written out: the end of the partition
/// minus the stored offset (the next record after the last line flushed),
/// or minus the committed offset before anything was stored. `None` when
/// either end is unknown (not assigned, not fetched yet).
pub fn partition_lag(partition: &Partition) -> Option<i64> {
    [partition.consumer_lag_stored, partition.consumer_lag]
        .into_iter()
        .find(|lag| *lag >= 0)
}

/// The lag of each partition of `topic` that statistics know of (librdkafka's
/// internal "unassigned" partition -1 left out).
pub fn topic_lags(statistics: &Statistics, topic: &str) -> Vec<(i32, Option<i64>)> {
    let Some(topic) = statistics.topics.get(topic) else {
        return Vec::new();
    };
    let mut lags: Vec<_> = topic
        .partitions
        .values()
        .filter(|p| p.partition >= 0)
        .map(|p| (p.partition, partition_lag(p)))
        .collect();
    lags.sort_unstable();
    lags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition(json: serde_json::Value) -> Partition {
        let mut base = serde_json::json!({
            "partition": 0, "broker": 1, "leader": 1, "desired": true, "unknown": false,
            "msgq_cnt": 0, "msgq_bytes": 0, "xmit_msgq_cnt": 0, "xmit_msgq_bytes": 0,
            "fetchq_cnt": 0, "fetchq_size": 0, "fetch_state": "active",
            "query_offset": -1001, "next_offset": 0, "app_offset": -1001,
            "stored_offset": -1001, "committed_offset": -1001, "eof_offset": -1001,
            "lo_offset": 0, "hi_offset": 100, "ls_offset": 100,
            "consumer_lag": -1, "consumer_lag_stored": -1,
            "txmsgs": 0, "txbytes": 0, "rxmsgs": 0, "rxbytes": 0, "msgs": 0,
            "rx_ver_drops": 0, "msgs_inflight": 0, "next_ack_seq": 0,
            "next_err_seq": 0, "acked_msgid": 0
        });
        base.as_object_mut()
            .unwrap()
            .extend(json.as_object().unwrap().clone());
        serde_json::from_value(base).expect("a librdkafka partition")
    }

    #[test]
    fn stored_lag_wins_then_committed_then_unknown() {
        let p = partition(serde_json::json!({"consumer_lag": 40, "consumer_lag_stored": 7}));
        assert_eq!(partition_lag(&p), Some(7));
        let p = partition(serde_json::json!({"consumer_lag": 40}));
        assert_eq!(partition_lag(&p), Some(40));
        let p = partition(serde_json::json!({"consumer_lag_stored": 0}));
        assert_eq!(partition_lag(&p), Some(0));
        assert_eq!(partition_lag(&partition(serde_json::json!({}))), None);
    }
}
