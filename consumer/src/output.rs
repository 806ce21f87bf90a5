//! Where record lines go, and which offsets they cover. Lines are written
//! into a buffer; [`Output::flush`] writes the buffer out and only then
//! hands back the offsets to store, so a stored offset always stands for a
//! line that left the process (at least once: a crash loses no record, it
//! may repeat the unflushed ones).

use std::io::{self, BufWriter, Write};

use crate::line::{self, Outcome, Record};

/// stdout's buffer: large writes, few syscalls.
const BUFFER_BYTES: usize = 256 * 1024;

/// The highest offset written per partition since the last flush.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PendingOffsets {
    // (partition, next offset to read); a handful of partitions per
    // consumer, so a vector beats a map.
    next: Vec<(i32, i64)>,
}

impl PendingOffsets {
    pub fn note(&mut self, partition: i32, offset: i64) {
        let next = offset + 1;
        match self.next.iter_mut().find(|(p, _)| *p == partition) {
            Some((_, n)) => *n = (*n).max(next),
            None => self.next.push((partition, next)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.next.is_empty()
    }

    /// The next offsets to read, by partition, emptying the set.
    pub fn take(&mut self) -> Vec<(i32, i64)> {
        let mut taken = std::mem::take(&mut self.next);
        taken.sort_unstable();
        taken
    }
}

/// Buffered record lines and the offsets they cover.
pub struct Output<W: Write> {
    writer: BufWriter<W>,
    line: Vec<u8>,
    pending: PendingOffsets,
    max_bytes: usize,
}

impl<W: Write> Output<W> {
    pub fn new(writer: W, max_bytes: usize) -> Self {
        Self {
            writer: BufWriter::with_capacity(BUFFER_BYTES, writer),
            line: Vec::with_capacity(1024),
            pending: PendingOffsets::default(),
            max_bytes,
        }
    }

    /// Writes the line of `record` into the buffer.
    pub fn write(&mut self, record: &Record<'_>) -> io::Result<Outcome> {
        self.line.clear();
        let outcome = line::write_line(&mut self.line, record, self.max_bytes);
        self.writer.write_all(&self.line)?;
        self.pending.note(record.partition, record.offset);
        Ok(outcome)
    }

    /// Whether lines were written since the last flush.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Flushes the buffer; then, and only then, returns the offsets the
    /// flushed lines cover (the next offset to read, by partition).
    pub fn flush(&mut self) -> io::Result<Vec<(i32, i64)>> {
        if self.pending.is_empty() {
            return Ok(Vec::new());
        }
        self.writer.flush()?;
        Ok(self.pending.take())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(partition: i32, offset: i64) -> Record<'static> {
        Record {
            topic: "t",
            partition,
            offset,
            timestamp_ms: None,
            key: None,
            payload: Some(b"{}"),
        }
    }

    #[test]
    fn pending_offsets_keep_the_highest_per_partition() {
        let mut pending = PendingOffsets::default();
        pending.note(2, 7);
        pending.note(0, 3);
        pending.note(2, 9);
        pending.note(2, 8);
        assert_eq!(pending.take(), vec![(0, 4), (2, 10)]);
        assert!(pending.is_empty());
    }

    /// A writer that fails on demand, like a closed stdout.
    struct Failing(bool, Vec<u8>);
    impl Write for Failing {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.0 {
                return Err(io::Error::from(io::ErrorKind::BrokenPipe));
            }
            self.1.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn offsets_come_back_only_after_a_successful_flush() {
        let mut out = Output::new(Failing(false, Vec::new()), 64);
        assert_eq!(out.flush().unwrap(), vec![]);
        out.write(&record(1, 5)).unwrap();
        out.write(&record(1, 6)).unwrap();
        assert!(out.has_pending());
        assert_eq!(out.writer.get_ref().1.len(), 0, "still buffered");
        assert_eq!(out.flush().unwrap(), vec![(1, 7)]);
        assert_eq!(
            String::from_utf8_lossy(&out.writer.get_ref().1)
                .lines()
                .count(),
            2
        );

        out.write(&record(0, 1)).unwrap();
        out.writer.get_mut().0 = true;
        assert!(out.flush().is_err(), "a failed flush stores nothing");
    }
}
