use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use super::parse::MAX_CONFIG_BYTES;
use super::store::ConfigStore;

/// Re-read even without a file event: covers watches lost when the
/// directory itself is replaced, or filesystems without inotify.
const POLL_INTERVAL: Duration = Duration::from_secs(5);

/// Serves `path` and reloads it whenever it changes, until the process ends.
///
/// The parent directory is watched rather than the file, because a ConfigMap
/// volume updates by writing a new `..<timestamp>` directory and renaming
/// the `..data` symlink over the old one; the file path, a symlink through
/// `..data`, never changes itself. Every event in the directory triggers a
/// re-read; an unchanged text is a no-op.
pub async fn watch_file(path: PathBuf, store: Arc<ConfigStore>) {
    let (tx, mut rx) = mpsc::channel::<()>(1);
    let _watcher = start_watcher(&path, tx);
    let origin = path.display().to_string();
    let mut poll = tokio::time::interval(POLL_INTERVAL);
    loop {
        tokio::select! {
            _ = rx.recv() => {
                // Let a burst of events (a ConfigMap swap is several) settle.
                tokio::time::sleep(Duration::from_millis(20)).await;
                while rx.try_recv().is_ok() {}
            }
            _ = poll.tick() => {}
        }
        match read_config(&path).await {
            Ok(text) => {
                let _ = store.apply(&text, &origin);
            }
            Err(reason) => store.refused(&origin, &reason),
        }
    }
}

fn start_watcher(path: &Path, tx: mpsc::Sender<()>) -> Option<notify::RecommendedWatcher> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok() {
            // A full channel already holds a pending reload: nothing to add.
            let _ = tx.try_send(());
        }
    });
    let mut watcher = match watcher {
        Ok(watcher) => watcher,
        Err(error) => {
            tracing::warn!(%error, "cannot watch for configuration changes; polling every {POLL_INTERVAL:?}");
            return None;
        }
    };
    if let Err(error) = watcher.watch(&dir, RecursiveMode::NonRecursive) {
        tracing::warn!(dir = %dir.display(), %error, "cannot watch the configuration directory; polling every {POLL_INTERVAL:?}");
        return None;
    }
    Some(watcher)
}

async fn read_config(path: &Path) -> Result<String, String> {
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|e| format!("reading {}: {e}", path.display()))?;
    if bytes.len() > MAX_CONFIG_BYTES {
        return Err(format!(
            "{} is {} bytes; at most {MAX_CONFIG_BYTES} are allowed",
            path.display(),
            bytes.len()
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8", path.display()))
}
