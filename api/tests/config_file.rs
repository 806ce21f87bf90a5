//! `--config FILE` laid out like a Kubernetes ConfigMap volume: the file is a
//! symlink through `..data`, which is swapped atomically to a new directory.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::support::api::Api;
use crate::support::eventually;

/// A directory shaped like a mounted ConfigMap.
struct ConfigMapVolume {
    dir: PathBuf,
    generation: u32,
}

impl ConfigMapVolume {
    fn new(name: &str, text: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("hello-api-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut volume = Self { dir, generation: 0 };
        volume.update(text);
        symlink("..data/config.yaml", volume.file()).unwrap();
        volume
    }

    fn file(&self) -> PathBuf {
        self.dir.join("config.yaml")
    }

    /// What the kubelet does: write a new timestamped directory, point a
    /// temporary symlink at it, rename it over `..data`, drop the old one.
    fn update(&mut self, text: &str) {
        self.generation += 1;
        let old = format!("..gen_{}", self.generation - 1);
        let new = format!("..gen_{}", self.generation);
        std::fs::create_dir_all(self.dir.join(&new)).unwrap();
        std::fs::write(self.dir.join(&new).join("config.yaml"), text).unwrap();
        symlink(&new, self.dir.join("..data_tmp")).unwrap();
        std::fs::rename(self.dir.join("..data_tmp"), self.dir.join("..data")).unwrap();
        let _ = std::fs::remove_dir_all(self.dir.join(old));
    }
}

impl Drop for ConfigMapVolume {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn config(message: &str) -> String {
    format!(
        "greeting: \"{message}, {{name}}!\"\nresponses:\n  /hello: {{message: \"{message}\"}}\n  /teapot: {{status: 418, message: \"I'm a teapot\"}}\n"
    )
}

fn start(file: &Path) -> Api {
    Api::builder()
        .arg("--config")
        .arg(file.display().to_string())
        .start()
}

#[test]
fn the_file_is_served_and_a_swap_is_served_within_a_second() {
    let mut volume = ConfigMapVolume::new("swap", &config("Hi"));
    let api = start(&volume.file());
    assert_eq!(api.get("/hello").text(), r#"{"message":"Hi"}"#);
    assert_eq!(api.get("/teapot").status, 418);
    assert_eq!(
        api.get("/current_time?name=Paul").json()["message"],
        "Hi, Paul!"
    );

    volume.update(&config("Ahoy"));
    let swapped = Instant::now();
    let served = eventually(Duration::from_secs(5), || {
        (api.get("/hello").text() == r#"{"message":"Ahoy"}"#).then(Instant::now)
    })
    .expect("the new configuration is served");
    let took = served - swapped;
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert_eq!(
        api.get("/current_time?name=Paul").json()["message"],
        "Ahoy, Paul!"
    );
    assert_eq!(api.metric("hello_config_reloads_total"), Some(2.0));
}

#[test]
fn a_bad_configuration_is_refused_and_the_last_good_one_keeps_serving() {
    let mut volume = ConfigMapVolume::new("bad", &config("Good"));
    let api = start(&volume.file());
    let bad_documents = [
        "",
        "responses: {hello: {message: x}}",
        "responses: {/healthcheck: {message: x}}",
        "responses: {/a: {status: 600, message: x}}",
        "responses: {/a: {message: x, extra: 1}}",
        "greeting: [unclosed",
    ];
    for (i, bad) in bad_documents.iter().enumerate() {
        volume.update(bad);
        let failures = eventually(Duration::from_secs(5), || {
            api.metric("hello_config_reload_failures_total")
                .filter(|n| *n >= (i + 1) as f64)
        });
        assert!(
            failures.is_some(),
            "{bad:?} was not refused:\n{}",
            api.logs()
        );
        assert_eq!(
            api.get("/hello").text(),
            r#"{"message":"Good"}"#,
            "after {bad:?}"
        );
        assert!(api.is_ready());
    }
    assert!(api.logs().contains("configuration refused"));
    volume.update(&config("Better"));
    let served = eventually(Duration::from_secs(5), || {
        (api.get("/hello").text() == r#"{"message":"Better"}"#).then_some(())
    });
    assert!(
        served.is_some(),
        "a good configuration after bad ones is served"
    );
}

#[test]
fn readiness_waits_for_a_configuration() {
    let dir = std::env::temp_dir().join(format!("hello-api-late-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.yaml");
    let api = Api::builder()
        .arg("--config")
        .arg(file.display().to_string())
        .no_wait()
        .start();
    assert!(!api.is_ready());
    let not_ready = api.admin_get("/readyz");
    assert_eq!(not_ready.status, 503);
    assert!(not_ready.text().contains("no configuration"));
    assert_eq!(api.get("/hello").status, 503);
    std::fs::write(&file, config("Late")).unwrap();
    assert!(eventually(Duration::from_secs(5), || api.is_ready().then_some(())).is_some());
    assert_eq!(api.get("/hello").text(), r#"{"message":"Late"}"#);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn requests_during_reloads_always_see_one_whole_configuration() {
    let mut volume = ConfigMapVolume::new("race", &config("One"));
    let api = start(&volume.file());
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let readers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let mut seen = 0;
                    while !stop.load(Ordering::Relaxed) {
                        let response = api.get("/hello");
                        let text = response.text();
                        assert_eq!(response.status, 200, "{text}");
                        assert!(
                            text == r#"{"message":"One"}"# || text == r#"{"message":"Two"}"#,
                            "{text}"
                        );
                        seen += 1;
                    }
                    seen
                })
            })
            .collect();
        for i in 0..20 {
            volume.update(&config(if i % 2 == 0 { "Two" } else { "One" }));
            std::thread::sleep(Duration::from_millis(50));
        }
        stop.store(true, Ordering::Relaxed);
        for reader in readers {
            assert!(reader.join().unwrap() > 0);
        }
    });
}
